#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# watch throughput: icmpkit watch against tshark on one generated capture, and a live flood in a lab.
# Usage: watch.sh BUILD [REPEATS]. Offline part (no root): bench/watch_gen
# writes a mixed ICMP capture (BENCH_WATCH_PACKETS, default 1,000,000 frames,
# a busy link's echo sessions, traceroute errors, PMTU errors, ND, fragments
# and a few malformed frames among ~4,800 hosts) into a temp dir; then, pinned
# to one core, each REPEATS times (default 3), best time counts:
#   icmpkit watch -r FILE -q --eve /dev/null   (detection, alerts discarded)
#   icmpkit watch -r FILE -q --eve - >FILE     (the same, EVE written to disk)
#   tshark -n -r FILE -Y 'icmp || icmpv6' -T fields -e frame.number -e ip.src
#          -e ipv6.src -e icmp.type -e icmpv6.type   (dissect, filter, print)
# and reports packets/s, the ratio and the peak RSS of each. Live part (root
# only): a seed lab, watch on pc2's interface, `hping3 --icmp --flood -d 32`
# from pc1 for 3 s (at most 5M packets); reports what hping3 sent, what the
# interface carried, what the kernel handed to libpcap (kernel_packets), what
# it dropped (kernel_drops, kernel_ifdrops) and what watch processed, all from
# watch's final EVE stats record. Never fails on speed.
set -uo pipefail
build=${1:?usage: watch.sh BUILD [REPEATS]}
repeats=${2:-3}
build=$(cd "$build" && pwd)
icmpkit="$build/src/icmpkit"
gen="$build/bench/watch_gen"
want=${BENCH_WATCH_PACKETS:-1000000}

die() { echo "watch.sh: $*" >&2; exit 2; }
[ -x "$gen" ] || die "$gen not built (ninja -C $build bench/watch_gen)"
command -v tshark >/dev/null || die "tshark not installed"
command -v jq >/dev/null || die "jq not installed"
[ -x /usr/bin/time ] || die "/usr/bin/time (package 'time') not installed"
has_watch=0
[ -x "$icmpkit" ] && "$icmpkit" watch --help >/dev/null 2>&1 && has_watch=1

tmp=$(mktemp -d /tmp/ikwatch.XXXXXX)
lab=""
live_pid=""
cleanup() {
	[ -n "$live_pid" ] && kill "$live_pid" 2>/dev/null && wait "$live_pid" 2>/dev/null
	[ -n "$lab" ] && "$icmpkit" lab down "$lab" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

data="$tmp/mixed.pcap"
"$gen" mixed "$want" "$data" 2>"$tmp/gen.txt" || die "watch_gen failed: $(cat "$tmp/gen.txt")"
packets=$want
size=$(stat -c %s "$data")
# Written back and read once before any timing: the first timed runs would
# otherwise share the disk and a core with the writeback of 270 MB.
sync "$data"
cat "$data" >/dev/null
span=$(sed -n 's/.* over \([0-9.]*\) s of packet time/\1/p' "$tmp/gen.txt")

pin=()
command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin=(taskset -c 1)

# best_of OUT CMD...: runs CMD $repeats times with stdout to OUT, prints
# "seconds peak_rss_kb" of the fastest; "fail" when a run did not exit 0.
best_of() {
	local out=$1 best="" rss="" t m
	shift
	for _ in $(seq 1 "$repeats"); do
		# Wall time to the microsecond from bash's clock (time's %e has 10 ms
		# steps, 3% of a 0.3 s run); the peak RSS from /usr/bin/time.
		local t0=$EPOCHREALTIME
		if ! /usr/bin/time -o "$tmp/timing" -f '%M' "${pin[@]}" "$@" >"$out" 2>"$tmp/stderr"; then
			echo "watch.sh: failed: $* ($(tail -n 3 "$tmp/stderr" | tr '\n' ' '))" >&2
			echo "fail fail"
			return
		fi
		t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
		m=$(tail -n 1 "$tmp/timing")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then
			best=$t rss=$m
		fi
	done
	echo "$best $rss"
}

tshark_cmd=(tshark -n -r "$data" -Y 'icmp || icmpv6' -T fields -e frame.number -e ip.src
	-e ipv6.src -e icmp.type -e icmpv6.type)

echo "watch: $data: $packets frames, $size bytes, ${span:-?} s of packet time; best of $repeats, ${pin[*]:-unpinned}" >&2
ik_s=fail ik_rss=fail ike_s=fail ike_rss=fail
if [ "$has_watch" = 1 ]; then
	read -r ik_s ik_rss < <(best_of /dev/null "$icmpkit" watch -r "$data" -q --eve /dev/null)
	read -r ike_s ike_rss < <(best_of "$tmp/eve.json" "$icmpkit" watch -r "$data" -q --eve -)
else
	echo "watch.sh: $icmpkit has no working 'watch' yet: tshark half only" >&2
fi
read -r ts_s ts_rss < <(best_of "$tmp/tshark.txt" "${tshark_cmd[@]}")
ts_lines=$(wc -l <"$tmp/tshark.txt")

awk -v n="$packets" -v a="$ik_s" -v e="$ike_s" -v b="$ts_s" -v ra="$ik_rss" -v re="$ike_rss" \
	-v rb="$ts_rss" 'function row(name, s, r) {
		if (s == "fail") { printf "%-44s %10s\n", name, "not run"; return }
		if (s <= 0) s = 0.001
		printf "%-44s %10.3f %12.0f %12.1f\n", name, s, n / s, r / 1024
	}
	BEGIN {
	printf "%-44s %10s %12s %12s\n", "", "seconds", "packets/s", "peak RSS MB"
	row("icmpkit watch -q --eve /dev/null", a, ra)
	row("icmpkit watch -q --eve - > FILE", e, re)
	row("tshark -Y \"icmp || icmpv6\" -T fields", b, rb)
	if (b != "fail") {
		bb = b <= 0 ? 0.001 : b
		printf "RESULT watch_tshark_pps %.0f\nRESULT watch_tshark_rss_mb %.1f\n", n / bb, rb / 1024
	}
	if (a != "fail" && b != "fail") {
		aa = a <= 0 ? 0.001 : a
		printf "ratio: icmpkit watch is %.1fx tshark in packets/s (goal >= 50x), %.1fx less memory\n", bb / aa, rb / ra
		printf "icmpkit watch: %.2f million packets/s on one core (goal >= 3)\n", n / aa / 1e6
		printf "RESULT watch_icmpkit_pps %.0f\nRESULT watch_ratio %.2f\nRESULT watch_icmpkit_rss_mb %.1f\n", n / aa, bb / aa, ra / 1024
	}
	if (e != "fail") {
		ee = e <= 0 ? 0.001 : e
		printf "RESULT watch_icmpkit_eve_pps %.0f\nRESULT watch_icmpkit_eve_rss_mb %.1f\n", n / ee, re / 1024
	}
}'
echo "(tshark printed $ts_lines lines: the ICMP frames, a reassembled fragment group counting once)"

# What watch made of the mix: a busy but benign link plus a few malformed frames.
if [ "$has_watch" = 1 ] && [ -s "$tmp/eve.json" ]; then
	stats=$(jq -c 'select(.event_type == "stats")' "$tmp/eve.json" | tail -n 1)
	if [ -n "$stats" ]; then
		echo "$stats" | jq -r '"watch stats: \(.stats.decoder.pkts) frames, \(.stats.decoder.icmpv4) icmpv4, \(.stats.decoder.icmpv6) icmpv6, \(.stats.decoder.fragments) fragments, \(.stats.decoder.undecodable) undecodable; \(.stats.detect.alert) alerts (\(.stats.detect.suppressed) suppressed); rss_peak_kib \(.stats.memory.rss_peak_kib)"'
		pkts=$(echo "$stats" | jq -r '.stats.decoder.pkts')
		[ "$pkts" = "$packets" ] || echo "watch.sh: WARNING: watch counted $pkts frames of $packets" >&2
		echo "RESULT watch_mixed_alerts $(echo "$stats" | jq -r '.stats.detect.alert')"
	else
		echo "watch.sh: WARNING: no stats record in watch's EVE output" >&2
	fi
	echo "alerts on the mixed capture by signature (sid count signature):"
	jq -r 'select(.event_type == "alert") | "\(.alert.signature_id) \(.alert.signature)"' "$tmp/eve.json" |
		sort | uniq -c | awk '{c = $1; $1 = ""; printf "  %s\n", c $0}'
fi

# Live: the kernel hands a flood to libpcap; does watch keep up?
if [ "$has_watch" != 1 ]; then
	echo "(live part not run: no icmpkit watch)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "(live part not run: needs root for the lab)"
	exit 0
fi
command -v hping3 >/dev/null || { echo "(live part not run: hping3 not installed)"; exit 0; }
lab="ikb$(($$ % 100000))w"
"$icmpkit" lab up --name "$lab" seed >/dev/null || die "lab up failed"
x() { local node=$1; shift; "$icmpkit" lab exec --name "$lab" "$node" -- "$@"; }
ifc=$(x pc2 ip -o -4 addr show to 10.0.2.0/24 | awk '{print $2; exit}')
[ -n "$ifc" ] || die "no 10.0.2.2 interface on pc2"
counter() { x pc2 cat "/sys/class/net/$ifc/statistics/$1"; }
rx0=$(counter rx_packets) tx0=$(counter tx_packets)
x pc2 "$icmpkit" watch -i "$ifc" -q --eve - --duration 8 >"$tmp/live.json" 2>"$tmp/live.err" &
live_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$tmp/live.err" && break; sleep 0.1; done
grep -q "listening on" "$tmp/live.err" || die "watch did not start: $(cat "$tmp/live.err")"
sent=$(x pc1 timeout -s INT 3 hping3 --icmp --flood -d 32 -c 5000000 10.0.2.2 2>&1 |
	sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
wait "$live_pid"
live_rc=$?
live_pid=""
rx1=$(counter rx_packets) tx1=$(counter tx_packets)
stats=$(jq -c 'select(.event_type == "stats")' "$tmp/live.json" 2>/dev/null | tail -n 1)
[ "$live_rc" = 0 ] || echo "watch.sh: WARNING: live watch exited $live_rc: $(tail -n 3 "$tmp/live.err")" >&2
if [ -z "$stats" ]; then
	echo "watch.sh: WARNING: no stats record from the live watch" >&2
	exit 0
fi
read -r kp kd kid frames alerts rssk < <(echo "$stats" | jq -r '[.stats.capture.kernel_packets,
	.stats.capture.kernel_drops, .stats.capture.kernel_ifdrops, .stats.decoder.pkts,
	.stats.detect.alert, .stats.memory.rss_peak_kib] | map(tostring) | join(" ")')
wire=$(( (rx1 - rx0) + (tx1 - tx0) ))
sids=$(jq -r 'select(.event_type == "alert") | .alert.signature_id' "$tmp/live.json" | sort -u | tr '\n' ' ')
printf "%-44s %12s\n" "hping3 --icmp --flood -d 32, 3 s: sent" "${sent:-?}" \
	"pc2 $ifc frames in + out (interface counters)" "$wire" \
	"kernel handed to libpcap (kernel_packets)" "$kp" \
	"kernel dropped (kernel_drops)" "$kd" \
	"interface dropped (kernel_ifdrops)" "$kid" \
	"frames watch processed (decoder.pkts)" "$frames"
echo "live alerts: $alerts (sids: ${sids:-none}); watch rss_peak_kib $rssk"
if [ "$kd" = 0 ] && [ "$frames" = "$kp" ]; then
	echo "live: watch dropped nothing: it processed every frame the kernel delivered"
else
	echo "live: watch fell behind: $kd dropped in the kernel ring, processed $frames of $kp delivered"
fi
echo "RESULT watch_live_sent ${sent:-0}"
echo "RESULT watch_live_wire_frames $wire"
echo "RESULT watch_live_kernel_packets $kp"
echo "RESULT watch_live_kernel_drops $kd"
echo "RESULT watch_live_frames $frames"
