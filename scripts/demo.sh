#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on the default lab: every ICMP message of the seed, made by
# real tools and a real kernel router, decoded live by icmpkit as it crosses
# R1. The lab is torn down on every exit path.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
ik="$here/$build/src/icmpkit"

if [ "$(id -u)" != 0 ]; then
	echo "demo: the lab needs root (network namespaces); run 'sudo make demo'" >&2
	exit 2
fi

lab=ikdemo$$
decoder=""
cleanup() {
	if [ -n "$decoder" ]; then
		kill -TERM "$decoder" 2>/dev/null
		wait "$decoder" 2>/dev/null
	fi
	"$ik" lab down "$lab" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
inlab() { "$ik" lab exec --name "$lab" "$@"; }

say "Bringing up the seed lab: PC1 ---- R1 ---- R2 ---- PC2"
"$ik" lab up --name "$lab" seed >/dev/null
"$ik" lab list | sed -n "/$lab/,\$p"

# R1's interface towards PC1 sees every probe from PC1 and every answer to it.
r1_if=$(inlab r1 -- ip -o route get 10.0.1.2 | sed -n 's/.* dev \([^ ]*\).*/\1/p')
say "icmpkit decode -i $r1_if, live inside R1 (the router between PC1 and R2)"
# Started directly (not through a function) so $! is the decoder itself.
"$ik" lab exec --name "$lab" r1 -- "$ik" decode -i "$r1_if" \
	'icmp or (icmp6 and not ip6[40] >= 133)' > >(sed -u 's/^/  [R1 decode] /') &
decoder=$!
sleep 1

# Runs one stimulus in a lab node; its own output is indented under it.
step() {
	[ -n "$1" ] && say "$1"
	shift
	printf '\n$ icmpkit lab exec %s\n' "$*"
	inlab "$@" 2>&1 | sed 's/^/    /' || true
	sleep 0.7
}

step "Echo Request / Echo Reply, PC1 -> PC2 (IPv4 and IPv6)" \
	pc1 -- ping -c 2 -i 0.2 10.0.2.2
step "" pc1 -- ping -6 -c 2 -i 0.2 fd00:2::2
step "Destination Unreachable from R2: it has no route to 10.99.0.0/16" \
	pc1 -- ping -c 1 -W 1 10.99.0.1
step "" pc1 -- ping -6 -c 1 -W 1 fd00:99::1
step "Time Exceeded from R2: TTL 2 runs out there" \
	pc1 -- ping -c 1 -W 1 -t 2 10.0.2.2
step "" pc1 -- traceroute -n -q 1 -w 1 10.0.2.2
step "Timestamp Request / Reply (RFC 792 type 13/14), PC1 -> PC2" \
	pc1 -- hping3 --icmp --icmp-ts -c 1 10.0.2.2
step "Parameter Problem from R1: an IPv4 Timestamp option of impossible length" \
	pc1 -- python3 "$here/scripts/craft.py" bad-option 10.0.1.2 10.0.2.2
step "Parameter Problem from R1: an IPv6 Hop-by-Hop option it must not skip" \
	pc1 -- python3 "$here/scripts/craft.py" bad-hbh fd00:1::2 fd00:2::2
step "icmpkit's own ping and trace over the same lab" \
	pc1 -- "$ik" ping -n -c 3 -i 0.2 10.0.2.2
step "" pc1 -- "$ik" trace -n 10.0.2.2
sleep 1
kill -TERM "$decoder" 2>/dev/null || true
wait "$decoder" 2>/dev/null || true
decoder=""
say "Tearing the lab down"
