#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every libFuzzer target and prints executions, exec/s and coverage.
# Usage: run.sh BUILD SECONDS. BUILD must be configured with clang and
# -Dfuzz=true. fuzz_packet, the whole-frame decoder, runs for all SECONDS on
# one core while the three single-decoder targets share the other core,
# SECONDS/3 each, so the wall time is SECONDS. Seeds are read from corpus/;
# what libFuzzer adds goes to tests/fuzz/corpus-run/ (ignored by git), so
# later runs start further on and the repository is never written.
# Exits 1 if any target crashed, leaked, timed out or hit a sanitizer report;
# each reproducer is printed and must become a fixture in corpus/<target>/.
set -uo pipefail
build=${1:?usage: run.sh BUILD SECONDS}
seconds=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
work="$here/corpus-run"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=(fuzz_packet fuzz_icmp4 fuzz_icmp6 fuzz_ext)
ninja -C "$build" "${targets[@]/#/tests/fuzz/}" >/dev/null || {
	echo "fuzz: cannot build the targets in $build (configure with CC=clang -Dfuzz=true)" >&2
	exit 2
}
small=$((seconds / 3))
[ "$small" -ge 10 ] || small=10

run_target() { # TARGET SECONDS CPU
	local t=$1 s=$2 cpu=$3
	mkdir -p "$work/$t" "$work/artifacts/$t"
	local pin=()
	command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin=(taskset -c "$cpu")
	"${pin[@]}" "$build/tests/fuzz/$t" -max_total_time="$s" -timeout=5 -rss_limit_mb=2048 \
		-print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
		-artifact_prefix="$work/artifacts/$t/" "$work/$t" "$here/corpus/$t" \
		>"$work/$t.log" 2>&1
	echo $? >"$work/$t.rc"
}

rm -f "$work"/*.rc
# Reproducers of an earlier run are kept aside, not counted again.
if compgen -G "$work/artifacts/*/*" >/dev/null; then
	mkdir -p "$work/old-artifacts"
	mv "$work"/artifacts/*/* "$work/old-artifacts/"
	echo "fuzz: moved earlier reproducers to $work/old-artifacts/" >&2
fi
echo "fuzz: fuzz_packet for ${seconds}s; fuzz_icmp4, fuzz_icmp6, fuzz_ext for ${small}s each (logs in $work/)"
run_target fuzz_packet "$seconds" 0 &
packet_pid=$!
for t in fuzz_icmp4 fuzz_icmp6 fuzz_ext; do
	run_target "$t" "$small" 1
done
wait "$packet_pid"

status=0
printf '%-12s %8s %12s %9s %7s %7s %8s %s\n' target seconds execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
	log="$work/$t.log"
	rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
	execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
	eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
	# The last status line ("#N DONE cov: C ft: F corp: K/...") has the coverage.
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	secs=$small
	[ "$t" = fuzz_packet ] && secs=$seconds
	result=ok
	arts=("$work/artifacts/$t/"*)
	if [ "$rc" != 0 ] || [ -e "${arts[0]}" ]; then
		result="CRASH (see $log)"
		status=1
	fi
	printf '%-12s %8s %12s %9s %7s %7s %8s %s\n' "$t" "$secs" "${execs:-?}" "${eps:-?}" \
		"${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
for f in "$work"/artifacts/*/*; do
	[ -e "$f" ] || continue
	echo "reproducer: $f  (replay: $build/tests/fuzz/$(basename "$(dirname "$f")") $f)" >&2
	echo "  add it to tests/fuzz/corpus/$(basename "$(dirname "$f")")/ as a permanent fixture" >&2
done
exit "$status"
