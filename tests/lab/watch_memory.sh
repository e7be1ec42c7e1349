#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit watch under an echo flood from 1,000,000 distinct spoofed sources: it stays under memory_cap_mib, evicts instead of growing, and raises the distributed flood alert.
# Offline (a generated capture, no root, no lab). Needs ICMPKIT, SRCDIR and
# WATCH_GEN (bench/watch_gen, which writes the capture). The peak RSS is that
# of a build without sanitizers: $SRCDIR/build/src/icmpkit when it has
# `watch`, else $ICMPKIT; under ASan (make test's ICMPKIT) the RSS includes the
# sanitizer's shadow memory, so the RSS bounds are then reported, not asserted.
set -u
: "${ICMPKIT:?set ICMPKIT to the icmpkit binary}"
: "${SRCDIR:?set SRCDIR to the source tree}"
gen=${WATCH_GEN:-$(dirname "$ICMPKIT")/../bench/watch_gen}
sources=${WATCH_MEMORY_SOURCES:-1000000}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }

[ -x "$gen" ] || fail "$gen is not built (ninja -C BUILD bench/watch_gen)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps.sh)"
[ -x /usr/bin/time ] || fail "/usr/bin/time is not installed (package 'time')"

is_asan() { grep -aq __asan_init "$1"; }
bin=$ICMPKIT
if [ -x "$SRCDIR/build/src/icmpkit" ] && "$SRCDIR/build/src/icmpkit" watch --help >/dev/null 2>&1; then
	bin="$SRCDIR/build/src/icmpkit"
fi
"$bin" watch --help >/dev/null 2>&1 || fail "$bin has no working 'watch' command"
check_rss=1
if is_asan "$bin"; then
	check_rss=0
	echo "!!! $bin is an ASan build: its RSS includes shadow memory; RSS is reported, not asserted !!!" >&2
fi
echo "measured binary: $bin"

tmp=$(mktemp -d /tmp/ikwmem.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# A copy, so that every run measures the same binary even if its build
# directory is rebuilt meanwhile.
cp "$bin" "$tmp/icmpkit" || fail "cannot copy $bin"
bin_copy="$tmp/icmpkit"

# hping3 --icmp --flood --rand-source -d 32 toward 10.0.2.2, 2 us apart (2 s of packet time).
cap_file="$tmp/spoof.pcap"
"$gen" -g 2000 spoof "$sources" "$cap_file" 2>"$tmp/gen.txt" || fail "watch_gen: $(cat "$tmp/gen.txt")"
ok "$(head -n 1 "$tmp/gen.txt" | sed 's/^watch_gen: //')"

# run NAME [watch args...]: one pass over the capture; sets rss_kib, secs, eve.
run() {
	local name=$1
	shift
	eve="$tmp/$name.json"
	/usr/bin/time -o "$tmp/$name.time" -f '%M %e' "$bin_copy" watch -r "$cap_file" -q --eve "$eve" \
		--stats-interval 1 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	local rc=$?
	[ "$rc" = 0 ] || fail "$name: watch exited $rc: $(tail -n 5 "$tmp/$name.err")"
	read -r rss_kib secs < <(tail -n 1 "$tmp/$name.time")
}

# check NAME CAP_MIB: the assertions on one run's EVE output.
check() {
	local name=$1 cap_mib=$2 cap_kib=$(($2 * 1024))
	local stats
	stats=$(jq -c 'select(.event_type == "stats")' "$eve") || fail "$name: EVE output is not JSON lines"
	[ -n "$stats" ] || fail "$name: no stats record"
	local last
	last=$(tail -n 1 <<<"$stats")
	local pkts own_rss tables
	pkts=$(jq -r '.stats.decoder.pkts' <<<"$last")
	own_rss=$(jq -r '.stats.memory.rss_peak_kib' <<<"$last")
	tables=$(jq -r '.stats.memory.tables' <<<"$last")
	[ "$pkts" = "$sources" ] || fail "$name: watch counted $pkts frames of $sources"

	echo "$name: $sources frames in ${secs} s; peak RSS ${rss_kib} KiB (/usr/bin/time), rss_peak_kib ${own_rss} (watch), tables ${tables} B, cap ${cap_mib} MiB"
	jq -r '.stats.tables | to_entries[] | "  table \(.key): capacity \(.value.capacity) used \(.value.used) evictions \(.value.evictions)"' <<<"$last"

	# The tables never exceed their capacity and never change size, in any record.
	local bad
	bad=$(jq -r '.stats.tables | to_entries[] | select(.value.used > .value.capacity) | .key' <<<"$stats" | sort -u)
	[ -z "$bad" ] || fail "$name: tables over capacity: $bad"
	local caps
	caps=$(jq -c '[.stats.tables | to_entries[] | [.key, .value.capacity]]' <<<"$stats" | sort -u | wc -l)
	[ "$caps" = 1 ] || fail "$name: table capacities changed between stats records"
	[ "$(jq -c '.stats.memory.tables' <<<"$stats" | sort -u | wc -l)" = 1 ] ||
		fail "$name: memory.tables changed between stats records"
	[ "$tables" -le $((cap_mib * 1048576)) ] || fail "$name: tables use $tables B, over the $cap_mib MiB cap"

	# A million new sources cannot all be kept: the source table evicts.
	local s_cap s_used s_ev
	read -r s_cap s_used s_ev < <(jq -r '.stats.tables.sources | "\(.capacity) \(.used) \(.evictions)"' <<<"$last")
	if [ -z "$s_cap" ] || [ "$s_cap" = null ]; then
		fail "$name: no 'sources' table in the stats"
	fi
	if [ "$s_cap" -lt "$sources" ]; then
		[ "$s_ev" -gt 0 ] || fail "$name: sources table ($s_cap entries) saw $sources sources and evicted none"
		[ $((s_used + s_ev)) -ge $((sources - s_cap)) ] ||
			fail "$name: sources used $s_used + evicted $s_ev < $sources - capacity $s_cap"
		ok "$name: sources table full at $s_used/$s_cap, $s_ev evictions instead of growth"
	else
		echo "!!! $name: the sources table ($s_cap) holds all $sources sources: no eviction to see !!!" >&2
	fi

	if [ "$check_rss" = 1 ]; then
		[ "$rss_kib" -lt "$cap_kib" ] || fail "$name: peak RSS $rss_kib KiB >= cap $cap_kib KiB"
		[ "$own_rss" -lt "$cap_kib" ] || fail "$name: watch's rss_peak_kib $own_rss >= cap $cap_kib KiB"
		ok "$name: peak RSS $rss_kib KiB < cap $cap_kib KiB"
	fi

	# Exactly the distributed flood: no single source sent more than one packet.
	local sids
	sids=$(jq -r 'select(.event_type == "alert") | .alert.signature_id' "$eve" | sort -u | tr '\n' ' ')
	[ "$sids" = "9100003 " ] || fail "$name: alerts {${sids}}, want {9100003}"
	local srcs
	srcs=$(jq -r 'select(.event_type == "alert" and .alert.signature_id == 9100003) | .icmpkit.sources' "$eve" | sort -n | tail -n 1)
	ok "$name: 9100003 raised ($(grep -c '"signature_id":9100003' "$eve") times, up to $srcs sources estimated)"
}

# The default cap (as /etc/icmpkit/watch.conf or the built-in default sets it).
run default
default_cap=$(jq -r 'select(.event_type == "stats") | .stats.memory.cap' "$eve" | tail -n 1)
# memory.cap is in bytes or in MiB: take whichever reads as a plausible MiB figure.
if [ "$default_cap" -ge 1048576 ] 2>/dev/null; then
	default_cap=$((default_cap / 1048576))
fi
[ "$default_cap" -ge 4 ] 2>/dev/null || fail "default: stats memory.cap '$default_cap' is not a cap"
check default "$default_cap"

run cap64 --set memory_cap_mib=64
check cap64 64

# A small cap shows the RSS following the cap down.
run cap16 --set memory_cap_mib=16
check cap16 16
echo "PASS: watch stays under its memory cap with $sources spoofed sources ($bin)"
