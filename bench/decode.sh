#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Decode throughput: icmpkit decode --json against tshark on one large capture.
# Usage: decode.sh BUILD [REPEATS]. The capture (>= 1,000,000 packets of real
# ping/traceroute traffic from a seed lab) is cached in bench/data/; making
# it needs root, reading it does not. Both decoders are pinned to one core,
# each runs REPEATS times (default 3) and the best time counts. Prints
# packets/s, the ratio and the peak RSS of each. Never fails on speed.
set -uo pipefail
build=${1:?usage: decode.sh BUILD [REPEATS]}
repeats=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
icmpkit="$build/src/icmpkit"
data="$here/data/icmp-1m.pcap"
want=${BENCH_PACKETS:-1000000}

die() { echo "decode.sh: $*" >&2; exit 2; }
[ -x "$icmpkit" ] || die "$icmpkit not built (ninja -C $build)"
command -v tshark >/dev/null || die "tshark not installed"
[ -x /usr/bin/time ] || die "/usr/bin/time (package 'time') not installed"

# Counts the packets of a capture without decoding them.
count_packets() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}'; }

make_capture() {
	[ "$(id -u)" = 0 ] || die "$data is missing and making it needs root (network namespaces)"
	local name="ikbn$$" tmp="$data.tmp"
	local pids=()
	cleanup() {
		for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
		for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
		"$icmpkit" lab down "$name" >/dev/null 2>&1
		rm -f "$tmp"
	}
	trap cleanup EXIT INT TERM
	mkdir -p "$(dirname "$data")"
	"$icmpkit" lab up --name "$name" seed >/dev/null || die "icmpkit lab up failed"
	lx() { "$icmpkit" lab exec --name "$name" "$@"; }
	# Lab routers only: no error rate limit, so every TTL-2 probe gets its
	# Time Exceeded and every probe to the unrouted prefix its Unreachable.
	lx r2 -- sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
		net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000 || true
	# R2's side of the R1-R2 link sees echo both ways and R2's errors to PC1.
	local iface
	iface=$(lx r2 -- ip -o -4 addr show | awk '$4 ~ /^10\.0\.12\.2\// {print $2}')
	[ -n "$iface" ] || die "no 10.0.12.2 interface on r2"
	lx r2 -- timeout 240 tcpdump -q -n -i "$iface" -s 0 -B 131072 -U -c "$want" -w "$tmp" 2>/dev/null &
	pids+=($!)
	sleep 1
	# Bounded floods from PC1 (counts and -w deadlines), all inside the lab:
	# echo v4/v6, TTL 2 (Time Exceeded from R2), the unrouted prefix
	# (Destination Unreachable from R2), and UDP/ICMP traceroutes.
	local gen=() n=$((want * 27 / 100))
	lx pc1 -- ping -q -f -w 120 -c "$n" 10.0.2.2 >/dev/null 2>&1 & gen+=($!)
	lx pc1 -- ping -6 -q -f -w 120 -c "$n" fd00:2::2 >/dev/null 2>&1 & gen+=($!)
	lx pc1 -- ping -q -f -w 60 -c $((want / 25)) -t 2 10.0.2.2 >/dev/null 2>&1 & gen+=($!)
	lx pc1 -- ping -6 -q -f -w 60 -c $((want / 25)) -t 2 fd00:2::2 >/dev/null 2>&1 & gen+=($!)
	lx pc1 -- ping -q -f -w 60 -c $((want / 50)) 10.99.0.1 >/dev/null 2>&1 & gen+=($!)
	lx pc1 -- ping -6 -q -f -w 60 -c $((want / 50)) fd00:99::1 >/dev/null 2>&1 & gen+=($!)
	for _ in $(seq 1 10); do
		lx pc1 -- timeout 20 traceroute -n -q 3 -w 1 -m 3 10.0.2.2 >/dev/null 2>&1
		lx pc1 -- timeout 20 traceroute -6 -n -q 3 -w 1 -m 3 -I fd00:2::2 >/dev/null 2>&1
	done
	for pid in "${gen[@]}"; do wait "$pid"; done
	# tcpdump stops by itself at its count; give it a moment, then stop it.
	sleep 2
	kill -INT "${pids[0]}" 2>/dev/null
	wait "${pids[0]}" 2>/dev/null
	mv "$tmp" "$data"
	cleanup
	trap - EXIT INT TERM
}

if [ ! -s "$data" ] || [ "$(count_packets "$data")" -lt "$want" ]; then
	echo "decode.sh: making $data (a seed lab, bounded floods; about a minute)" >&2
	make_capture
fi
packets=$(count_packets "$data")
size=$(stat -c %s "$data")

pin=()
command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin=(taskset -c 1)

timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
# best_of NAME CMD...: runs CMD $repeats times, prints "seconds peak_rss_kb" of the fastest.
best_of() {
	local best="" rss="" i t m
	shift # the name only labels the call
	for i in $(seq 1 "$repeats"); do
		/usr/bin/time -o "$timing" -f '%e %M' "${pin[@]}" "$@" >/dev/null 2>&1
		read -r t m <"$timing"
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then
			best=$t rss=$m
		fi
	done
	echo "$best $rss"
}

# The same facts from both: frame, addresses, TTL, type, code, checksum and
# its verdict, echo id and seq (icmpkit prints more; tshark is not asked to).
tshark_fields=(-e frame.number -e frame.time_epoch -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst
	-e ip.ttl -e ipv6.hlim -e icmp.type -e icmp.code -e icmp.checksum -e icmp.checksum.status
	-e icmp.ident -e icmp.seq -e icmpv6.type -e icmpv6.code -e icmpv6.checksum
	-e icmpv6.checksum.status -e icmpv6.echo.identifier -e icmpv6.echo.sequence_number)

echo "decode: $data: $packets packets, $size bytes; best of $repeats, ${pin[*]:-unpinned}" >&2
read -r ik_s ik_rss < <(best_of icmpkit "$icmpkit" decode -q --json "$data")
read -r ts_s ts_rss < <(best_of tshark tshark -n -r "$data" -T fields "${tshark_fields[@]}")
awk -v n="$packets" -v a="$ik_s" -v b="$ts_s" -v ra="$ik_rss" -v rb="$ts_rss" 'BEGIN {
	if (a <= 0) a = 0.001
	if (b <= 0) b = 0.001
	printf "%-34s %10s %12s %12s\n", "decoder", "seconds", "packets/s", "peak RSS MB"
	printf "%-34s %10.2f %12.0f %12.1f\n", "icmpkit decode --json", a, n / a, ra / 1024
	printf "%-34s %10.2f %12.0f %12.1f\n", "tshark -T fields (same fields)", b, n / b, rb / 1024
	printf "ratio: icmpkit is %.1fx tshark in packets/s (goal >= 20x), %.1fx less memory\n", b / a, rb / ra
	printf "RESULT decode_icmpkit_pps %.0f\nRESULT decode_tshark_pps %.0f\nRESULT decode_ratio %.2f\n", n / a, n / b, b / a
	printf "RESULT decode_icmpkit_rss_mb %.1f\nRESULT decode_tshark_rss_mb %.1f\n", ra / 1024, rb / 1024
}'
