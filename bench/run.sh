#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every benchmark against BUILD and prints one table of figures and ratios.
# Usage: run.sh BUILD. Benchmarks report; they never fail on speed. Root is
# needed only once, to record the decode capture (bench/data/, not committed).
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
ninja -C "$build" src/icmpkit bench/codec_bench >/dev/null || { echo "bench: build failed" >&2; exit 2; }

echo "== codec micro-benchmark ($build/bench/codec_bench)"
"$build/bench/codec_bench" "${BENCH_SECONDS:-2}" | tee -a "$out"
echo
echo "== decode: icmpkit decode --json vs tshark (bench/decode.sh)"
"$here/decode.sh" "$build" "${BENCH_REPEATS:-3}" | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || echo "(decode benchmark not run: see the message above)"

echo
echo "== ping: icmpkit ping -f vs iputils ping -f between two lab namespaces (bench/ping.sh)"
if [ "$(id -u)" = 0 ]; then
	"$here/ping.sh" "$build" "${BENCH_REPEATS:-3}" | tee -a "$out"
else
	echo "(ping benchmark not run: needs root for the lab)"
fi

echo
echo "== trace: icmpkit trace vs traceroute, tracepath, mtr, scamper on a 10-router chain (bench/trace.sh)"
if [ "$(id -u)" = 0 ]; then
	tr_out=$(mktemp)
	"$here/trace.sh" "$build" "${BENCH_REPEATS:-3}" >"$tr_out"
	grep -v '^RESULT' "$tr_out"
	cat "$tr_out" >>"$out"
	rm -f "$tr_out"
else
	echo "(trace benchmark not run: needs root for the lab)"
fi

echo
echo "== guard: no filter vs nftables plan vs XDP under one bounded flood (bench/guard.sh)"
if [ "$(id -u)" = 0 ]; then
	"$here/guard.sh" "$build" | tee -a "$out"
else
	echo "(guard benchmark not run: needs root for the lab)"
fi

echo
echo "== watch: icmpkit watch -r vs tshark on a generated 1M-frame ICMP mix; live hping3 flood in a lab (bench/watch.sh)"
if ninja -C "$build" bench/watch_gen >/dev/null; then
	# Best of 5: a 0.3 s run on this 2-core VM varies by 10% with the page
	# cache's and the other core's state; tshark gets the same five tries.
	"$here/watch.sh" "$build" "${BENCH_REPEATS:-5}" | tee -a "$out"
else
	echo "(watch benchmark not run: bench/watch_gen did not build)"
fi

echo
echo "== summary ($(date -u +%Y-%m-%d), $(uname -m), $(nproc) cores; never a pass/fail)"
awk '/^RESULT / {v[$2] = $3}
function show(label, key, unit, goal) {
	if (key in v) printf "%-44s %14s %-8s %s\n", label, v[key], unit, goal
	else printf "%-44s %14s\n", label, "not run"
}
END {
	show("ik_packet_decode, mixed frames, one core", "decode_mpps", "Mpps", "goal >= 5")
	show("ik_cksum 64 B", "cksum64_gbps", "GB/s", "")
	show("  vs byte-at-a-time (scalar)", "cksum64_ratio_scalar", "x", "")
	show("  vs byte-at-a-time (compiler-vectorised)", "cksum64_ratio_vectorised", "x", "")
	show("ik_cksum 1500 B", "cksum1500_gbps", "GB/s", "")
	show("  vs byte-at-a-time (scalar)", "cksum1500_ratio_scalar", "x", "")
	show("  vs byte-at-a-time (compiler-vectorised)", "cksum1500_ratio_vectorised", "x", "")
	show("icmpkit decode --json", "decode_icmpkit_pps", "pkts/s", "")
	show("tshark -T fields, same fields", "decode_tshark_pps", "pkts/s", "")
	show("  ratio icmpkit / tshark", "decode_ratio", "x", "goal >= 20")
	show("icmpkit decode peak RSS", "decode_icmpkit_rss_mb", "MB", "")
	show("tshark peak RSS", "decode_tshark_rss_mb", "MB", "")
	show("icmpkit ping -f -c 200000", "ping_icmpkit_rps", "replies/s", "")
	show("iputils ping -f -c 200000", "ping_iputils_rps", "replies/s", "")
	show("  ratio icmpkit / iputils", "ping_ratio", "x", "goal >= 1.2")
	show("icmpkit ping CPU per reply", "ping_icmpkit_us_per_reply", "us", "goal < iputils")
	show("iputils ping CPU per reply", "ping_iputils_us_per_reply", "us", "")
	show("icmpkit ping RTT mdev at -i 0.01", "ping_icmpkit_mdev_ms", "ms", "goal <= iputils")
	show("iputils ping RTT mdev at -i 0.01", "ping_iputils_mdev_ms", "ms", "")
	show("icmpkit trace, 2 ms/router, fresh", "trace_d2_fresh_icmpkit_trace_rtt_x", "x RTT", "goal <= 1.3")
	show("traceroute, 2 ms/router, fresh", "trace_d2_fresh_traceroute_rtt_x", "x RTT", "")
	show("scamper udp-paris, 2 ms/router, fresh", "trace_d2_fresh_scamper_udp_paris_rtt_x", "x RTT", "")
	show("icmpkit trace, 2 ms/router, drained", "trace_d2_drained_icmpkit_trace_rtt_x", "x RTT", "")
	show("  hops found of 11", "trace_d2_drained_icmpkit_trace_hops", "hops", "goal 11")
	show("traceroute -T, 2 ms/router, drained, hops", "trace_d2_drained_traceroute_t_hops", "hops", "")
	show("tracepath, 2 ms/router, drained", "trace_d2_drained_tracepath_rtt_x", "x RTT", "")
	show("icmpkit watch -r -q, 1M-frame mix, one core", "watch_icmpkit_pps", "pkts/s", "")
	show("  the same with --eve to a file", "watch_icmpkit_eve_pps", "pkts/s", "")
	show("tshark -Y icmp -T fields, same capture", "watch_tshark_pps", "pkts/s", "")
	show("  ratio icmpkit watch / tshark", "watch_ratio", "x", "goal >= 50")
	show("icmpkit watch peak RSS", "watch_icmpkit_rss_mb", "MB", "")
	show("tshark -Y icmp peak RSS", "watch_tshark_rss_mb", "MB", "")
	show("watch alerts on the mix", "watch_mixed_alerts", "alerts", "")
	show("watch live: flood frames on the pc2 link", "watch_live_wire_frames", "frames", "")
	show("watch live: kernel_packets", "watch_live_kernel_packets", "frames", "")
	show("watch live: kernel_drops", "watch_live_kernel_drops", "frames", "goal 0")
	show("watch live: frames processed", "watch_live_frames", "frames", "")
}' "$out"
