#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# guard: drop rate and CPU of no filter vs the nftables plan vs the XDP program under the same bounded hping3 flood on a lab veth pair, in one run.
# Usage: guard.sh BUILD [SECONDS]. Needs root (network namespaces). Host a
# floods host b (bench/ping.topo) with `hping3 --icmp --flood` for SECONDS
# (default 5, at most 5M packets) three times: b unguarded (it answers), b
# with `icmpkit guard apply` and b with `icmpkit guard xdp`, both at 1 echo/s
# per source so nearly every packet is dropped. CPU is the whole machine's
# softirq time from /proc/stat: veth delivers in NAPI softirq, where both the
# XDP program and the stack with nftables run, while the sender's sendto is
# system time (shown as busy s, everything non-idle). The figure of merit is
# packets dropped per softirq CPU-second. Never fails on speed.
set -uo pipefail
build=${1:?usage: guard.sh BUILD [SECONDS]}
secs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
icmpkit=$(cd "$(dirname "$build/src/icmpkit")" && pwd)/icmpkit

die() { echo "guard.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root to build the lab"
[ -x "$icmpkit" ] || die "$icmpkit not built"
command -v hping3 >/dev/null || die "hping3 not installed"

name="ikgb$(( $$ % 100000 ))"
tmp=$(mktemp -d)
cleanup() {
	"$icmpkit" lab down "$name" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$icmpkit" lab up --name "$name" "$here/ping.topo" >/dev/null || die "lab up failed"
x() { local n=$1; shift; "$icmpkit" lab exec --name "$name" "$n" -- "$@"; }
ifb=$(x b ip -o -4 addr show to 10.0.9.0/24 | awk '{print $2; exit}')
printf 'echo_rate_per_source = 1\necho_burst_per_source = 1\n' > "$tmp/bench.conf"

# jiffies: "BUSY SOFTIRQ" CPU time of the whole machine (busy = non-idle, non-iowait).
jiffies() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $8 }' /proc/stat
}
# flood: prints "SENT BUSY_S SOFTIRQ_S" for one bounded flood from a to b.
flood() {
	local b0 s0 b1 s1 sent hz
	hz=$(getconf CLK_TCK)
	read -r b0 s0 < <(jiffies)
	sent=$(x a timeout -s INT "$secs" hping3 --icmp --flood -c 5000000 10.0.9.2 2>&1 |
		sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
	read -r b1 s1 < <(jiffies)
	awk -v s="${sent:-0}" -v b=$((b1 - b0)) -v q=$((s1 - s0)) -v hz="$hz" \
		'BEGIN { printf "%d %.2f %.2f\n", s, b / hz, q / hz }'
}
row() {
	# MODE SENT BUSY SOFTIRQ DROPPED
	awk -v m="$1" -v s="$2" -v c="$3" -v q="$4" -v d="$5" -v t="$secs" 'BEGIN {
		printf "%-12s %10d %10d %11.0f %7.2f %9.2f %13.0f\n", m, s, d, d / t, c, q, (q > 0 ? d / q : 0) }'
}

echo "guard bench: ${secs}s hping3 --icmp --flood a -> b on one veth pair, $(nproc) CPUs"
printf "%-12s %10s %10s %11s %7s %9s %13s\n" mode sent dropped "dropped/s" "busy s" "softirq s" "drops/sirq-s"

read -r sent busy sirq < <(flood)
row none "$sent" "$busy" "$sirq" 0
none_sent=$sent

x b "$icmpkit" guard apply -c "$tmp/bench.conf" >/dev/null || die "guard apply"
read -r sent busy sirq < <(flood)
dropped=$(x b "$icmpkit" guard status | grep -F "one IPv4 source over" | awk '{print $2}')
x b "$icmpkit" guard remove >/dev/null
row nftables "$sent" "$busy" "$sirq" "${dropped:-0}"
nft_rate=$(awk -v d="${dropped:-0}" -v c="$sirq" 'BEGIN { print (c > 0 ? d / c : 0) }')

x b "$icmpkit" guard xdp "$ifb" -c "$tmp/bench.conf" --seconds $((secs + 3)) > "$tmp/xdp" 2>&1 &
xpid=$!
for _ in $(seq 50); do grep -q "^XDP attached" "$tmp/xdp" && break; sleep 0.1; done
grep -q "^XDP attached" "$tmp/xdp" || die "guard xdp did not attach: $(cat "$tmp/xdp")"
read -r sent busy sirq < <(flood)
wait "$xpid"
dropped=$(grep -F "echo over the per-source rate" "$tmp/xdp" | awk '{print $1}')
row "xdp ($(sed -n 's/^XDP attached to [^ ]* (\([a-z]*\)).*/\1/p' "$tmp/xdp"))" "$sent" "$busy" "$sirq" "${dropped:-0}"
xdp_rate=$(awk -v d="${dropped:-0}" -v c="$sirq" 'BEGIN { print (c > 0 ? d / c : 0) }')

awk -v x="$xdp_rate" -v n="$nft_rate" 'BEGIN {
	if (n > 0) printf "RESULT guard xdp/nftables dropped per softirq CPU-second: %.2fx (goal >= 3x)\n", x / n }'
echo "(none: b answered all ${none_sent} requests; the sender shares the CPUs, so 'busy s' includes it)"
