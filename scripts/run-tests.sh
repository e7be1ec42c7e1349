#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every meson test suite in one build and prints "N passed, N failed".
# The lab and oracle suites need root; where they skip, this says so loudly,
# and under CI (or as root) a skipped lab test is a failure.
set -uo pipefail
build=${1:-build-asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 3
status=$?

log="$build/meson-logs/testlog.json"
read -r passed failed skipped lab_ran lab_skipped < <(python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = lab_ran = lab_skipped = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    res = t["result"]
    # Names read "project:suite / test".
    suite = t["name"].split(" / ")[0].split(":")[-1]
    heavy = suite in ("lab", "oracle")
    if res in ("OK", "EXPECTEDFAIL"):
        passed += 1
        lab_ran += heavy
    elif res == "SKIP":
        skipped += 1
        lab_skipped += heavy
    else:
        failed += 1
print(passed, failed, skipped, lab_ran, lab_skipped)
PY
)

if [ "$lab_skipped" -gt 0 ]; then
	echo "!!! $lab_skipped lab/oracle test(s) SKIPPED: they need root and network namespaces !!!" >&2
	if [ "$(id -u)" = 0 ] || [ -n "${CI:-}" ]; then
		echo "!!! as root or under CI the lab tests must run: counting skips as failures" >&2
		failed=$((failed + lab_skipped))
	fi
fi
if [ "$lab_ran" -eq 0 ] && { [ "$(id -u)" = 0 ] || [ -n "${CI:-}" ]; }; then
	echo "!!! no lab test ran: CI requires them" >&2
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
