#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Flood ping: icmpkit ping -f against iputils ping -f between two lab namespaces, in one run.
# Usage: ping.sh BUILD [REPEATS]. Needs root (network namespaces). Each tool
# floods COUNT probes (default 200000, -c bounds it; a 120 s timeout bounds
# the time) REPEATS times (default 3), taking turns with the floor loop
# (ping_floor.c) in a rotating order; the best run of each counts.
# Reports replies/s and CPU µs per reply (user+sys from /usr/bin/time), the
# loss, and the RTT mdev of each at -i 0.01 (1000 probes). Never fails on speed.
set -uo pipefail
build=${1:?usage: ping.sh BUILD [REPEATS]}
repeats=${2:-3}
count=${BENCH_PING_COUNT:-200000}
here=$(cd "$(dirname "$0")" && pwd)
icmpkit=$(cd "$(dirname "$build/src/icmpkit")" && pwd)/icmpkit

die() { echo "ping.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root to build the lab"
[ -x "$icmpkit" ] || die "$icmpkit not built"
[ -x /usr/bin/time ] || die "/usr/bin/time (package 'time') not installed"
command -v ping >/dev/null || die "iputils ping not installed"

name="ikp1b$(( $$ % 100000 ))"
tmp=$(mktemp -d)
cleanup() {
	"$icmpkit" lab down "$name" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$icmpkit" lab up --name "$name" "$here/ping.topo" >/dev/null || die "lab up failed"
lx() { "$icmpkit" lab exec --name "$name" "$@"; }

# flood TOOL...: one bounded flood from a to b; prints "replies cpu_s wall_s loss%".
flood() {
	local f="$tmp/out"
	# Wall time to the microsecond from bash's clock inside the namespace
	# (time's %e steps 10 ms, 2% of a 0.5 s flood); CPU from /usr/bin/time.
	lx a bash -c 't0=$EPOCHREALTIME; /usr/bin/time -f "TIME %U %S" -o "$0" timeout 120 "$@"; rc=$?
		echo "WALL $t0 $EPOCHREALTIME" >>"$0"; exit $rc' \
		"$tmp/time" "$@" -n -q -f -c "$count" 10.0.9.2 >"$f" 2>&1
	local rx loss u s e t0 t1
	rx=$(sed -nE 's/.*transmitted, ([0-9]+) received.*/\1/p' "$f")
	loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' "$f")
	read -r _ u s < <(grep '^TIME' "$tmp/time")
	read -r _ t0 t1 < <(grep '^WALL' "$tmp/time")
	e=$(echo "$t1 - $t0" | bc -l)
	echo "${rx:-0} $(echo "$u + $s" | bc -l) $e ${loss:-100}"
}

# floor_run: bench/ping_floor.c, a loop doing only sendto() + recvmsg() per
# probe on the same kind of socket: what the kernel's round trip allows.
floor_run() {
	local frx fs
	read -r frx fs < <(lx a "$build/bench/ping_floor" 10.0.9.2 "$count")
	echo "if (${fs:-0} > 0) ${frx:-0} / $fs else 0" | bc -l
}

# The three take turns, the first of each repeat rotating, so a drift of the
# machine's speed over the run does not favour one of them; the best run counts.
best_ik="" best_ip="" floor_rate=0
tools="ik ip"
[ -x "$build/bench/ping_floor" ] && tools="ik ip floor"
for r in $(seq "$repeats"); do
	for tool in $tools; do
		if [ $tool = floor ]; then
			rate=$(floor_run)
			printf "run %d %-8s %9.0f replies/s\n" "$r" "$tool" "$rate"
			[ "$(echo "$rate > $floor_rate" | bc)" = 1 ] && floor_rate=$rate
			continue
		fi
		if [ $tool = ik ]; then res=$(flood "$icmpkit" ping); else res=$(flood ping); fi
		read -r rx cpu wall loss <<<"$res"
		rate=$(echo "$rx / $wall" | bc -l 2>/dev/null || echo 0)
		us=$(echo "if ($rx > 0) $cpu * 1000000 / $rx else 0" | bc -l)
		printf "run %d %-8s %8d replies %7.3f s wall %7.3f s cpu  %9.0f replies/s %6.2f us/reply loss %s%%\n" \
			"$r" "$tool" "$rx" "$wall" "$cpu" "$rate" "$us" "$loss"
		line="$rate $us $loss"
		if [ $tool = ik ]; then
			[ -z "$best_ik" ] || [ "$(echo "$rate > ${best_ik%% *}" | bc)" = 1 ] && best_ik=$line
		else
			[ -z "$best_ip" ] || [ "$(echo "$rate > ${best_ip%% *}" | bc)" = 1 ] && best_ip=$line
		fi
	done
	tools="${tools#* } ${tools%% *}"
done
read -r ik_rate ik_us ik_loss <<<"$best_ik"
read -r ip_rate ip_us ip_loss <<<"$best_ip"
if [ "$(echo "$floor_rate > 0" | bc)" = 1 ]; then
	printf "floor (sendto + recvmsg only): %.0f replies/s = %.2fx iputils; icmpkit reaches %.0f%% of it\n" \
		"$floor_rate" "$(echo "$floor_rate / $ip_rate" | bc -l)" "$(echo "100 * $ik_rate / $floor_rate" | bc -l)"
fi

# RTT spread at -i 0.01: kernel TX/RX stamps (icmpkit) against gettimeofday/SO_TIMESTAMP (iputils).
mdev() {
	lx a timeout 60 "$@" -n -q -c 1000 -i 0.01 10.0.9.2 2>/dev/null |
		sed -nE 's#^rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/([0-9.]+) ms.*#\1#p'
}
ik_mdev=$(mdev "$icmpkit" ping)
ip_mdev=$(mdev ping)

printf "RESULT ping_icmpkit_rps %.0f\n" "$ik_rate"
printf "RESULT ping_iputils_rps %.0f\n" "$ip_rate"
printf "RESULT ping_ratio %.2f\n" "$(echo "$ik_rate / $ip_rate" | bc -l)"
printf "RESULT ping_floor_rps %.0f\n" "$floor_rate"
printf "icmpkit ping -f: %.2fx iputils' replies/s (goal >= 1.2x), %.2f vs %.2f us CPU per reply (goal: lower)\n" \
	"$(echo "$ik_rate / $ip_rate" | bc -l)" "$ik_us" "$ip_us"
printf "RESULT ping_icmpkit_us_per_reply %.2f\n" "$ik_us"
printf "RESULT ping_iputils_us_per_reply %.2f\n" "$ip_us"
printf "RESULT ping_icmpkit_loss_pct %s\n" "$ik_loss"
printf "RESULT ping_iputils_loss_pct %s\n" "$ip_loss"
printf "RESULT ping_icmpkit_mdev_ms %s\n" "${ik_mdev:-none}"
printf "RESULT ping_iputils_mdev_ms %s\n" "${ip_mdev:-none}"
