#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs one libFuzzer target for SECONDS over a scratch copy of its seed corpus.
# Usage: run-one.sh TARGET SEED_DIR SECONDS. Exits 1 on any crash, leak,
# timeout or sanitizer report (never 77, which meson would read as a skip).
set -u
target=$1 seeds=$2 seconds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/ikfuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$seeds" ] && cp -R "$seeds/." "$work/corpus/"
"$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	-print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus"
rc=$?
for f in "$work"/artifacts/*; do
	[ -e "$f" ] || continue
	echo "$(basename "$target"): reproducer (hex):" >&2
	od -An -tx1 -v "$f" >&2
	rc=1
done
[ "$rc" -eq 0 ] || exit 1
