#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit trace over ECMP (L4 hash): Paris keeps one path per trace, classic probes mix paths, --multipath finds every branch.
. "$(dirname "$0")/lab_lib.sh"

L=ikt2$(( $$ % 100000 ))e
LABS_MADE="$LABS_MADE $L"
# No ICMP rate limit: this test is about paths, and MDA sends many flows per hop.
got=$("$ICMPKIT" lab up --name "$L" ecmp --set RATELIMIT_MS=0) || fail "lab up"
[ "$got" = "$L" ] || fail "lab up printed $got"
hop2() { awk '$1 == "2" {for (i = 2; i <= NF; i++) if ($i ~ /^10\./) print $i}' | sort -u | tr '\n' ' '; }

# Paris: every probe of a trace follows one path; different flows (source ports) spread over both.
seen=""
n=0
for i in $(seq 1 24); do
	out=$(lx "$L" h1 "$ICMPKIT" trace -n --sport $((40000 + 97 * i)) 10.0.2.2) || fail "trace: $out"
	mid=$(echo "$out" | hop2)
	[ "$(echo $mid | wc -w)" = 1 ] || fail "Paris trace $i mixed paths at hop 2 ($mid): $out"
	echo "$out" | grep -Eq '^ 4  10\.0\.2\.2 ' || fail "trace $i: $out"
	seen="$seen $mid"
	n=$i
	# At least 8 flows; then stop once both branches showed (24 flows on one branch: p = 2^-23).
	[ $i -ge 8 ] && [ "$(echo $seen | tr ' ' '\n' | sort -u | wc -l)" = 2 ] && break
done
nseen=$(echo $seen | tr ' ' '\n' | sort -u | wc -l)
[ "$nseen" = 2 ] || fail "$n flows all took one branch ($seen): is the L4 hash on?"
ok "Paris: $n traces, one middle router each (3 probes), both branches among them"

# Classic: the destination port changes per probe, so the hash (and path) changes within a trace.
mixed=0
for i in 1 2 3 4; do
	a=$(lx "$L" h1 "$ICMPKIT" trace -n --no-paris --sport $((50000 + 13 * i)) 10.0.2.2 | hop2)
	b=$(lx "$L" h1 traceroute -n 10.0.2.2 | hop2)
	[ "$(echo $a | wc -w)" = 2 ] && mixed=$((mixed + 1))
	[ "$(echo $b | wc -w)" = 2 ] && mixed=$((mixed + 1))
done
[ $mixed -ge 1 ] || fail "no classic trace (icmpkit --no-paris, traceroute) showed both branches at hop 2"
ok "classic UDP (icmpkit --no-paris and traceroute): $mixed of 8 traces mixed both branches at hop 2"

# MDA: the whole diamond, IPv4 text. At 95% MDA stops after 6 flows that
# all took one branch, which happens by chance 2 * 2^-6 = 3% of the time (its
# stated error): a miss is said and the trace run once more; two misses in a
# row (0.1%) fail.
mda4() { lx "$L" h1 "$ICMPKIT" trace -n --multipath 10.0.2.2; }
both_at_hop1() {
	echo "$1" | grep -Eq '^ 1  10\.0\.1\.1 -> (10\.2\.1\.2 10\.2\.2\.2|10\.2\.2\.2 10\.2\.1\.2)$'
}
out=$(mda4) || fail "multipath: $out"
if ! both_at_hop1 "$out"; then
	echo "note: MDA at 95% saw one branch at hop 1 (its stated error); running it again" >&2
	echo "$out" >&2
	out=$(mda4) || fail "multipath: $out"
fi
echo "$out"
both_at_hop1 "$out" || fail "hop 1 -> both: $out"
echo "$out" | grep -Eq '^ +(2 )? +10\.2\.1\.2 -> 10\.3\.1\.2$' || fail "m1 -> r2: $out"
echo "$out" | grep -Eq '^ +(2 )? +10\.2\.2\.2 -> 10\.3\.1\.2$' || fail "m2 -> r2: $out"
echo "$out" | grep -Eq '^ 3  10\.3\.1\.2 -> 10\.0\.2\.2$' || fail "r2 -> h2: $out"
echo "$out" | grep -Eq '^ 4  10\.0\.2\.2$' || fail "h2: $out"
ok "--multipath: r1 -> {m1, m2} -> r2 -> h2"

# IPv6 JSON at 99%: n_1 = 8 probes at the one-way first hop, both branches.
mda6() { lx "$L" h1 "$ICMPKIT" trace -n -6 --multipath --confidence 99 --json fd00:2::2; }
# has_at_hop2 OUT ADDR: the JSON hop 2 lists ADDR.
has_at_hop2() { echo "$1" | grep '"ttl":2,' | grep -q "\"$2\""; }
out=$(mda6) || fail "multipath -6: $out"
if ! { has_at_hop2 "$out" fd00:2:1::2 && has_at_hop2 "$out" fd00:2:2::2; }; then
	echo "note: MDA at 99% saw one branch (2 * 2^-8 = 0.8% by chance); running it again" >&2
	out=$(mda6) || fail "multipath -6: $out"
fi
echo "$out"
echo "$out" | grep '"ttl":1,' | grep -q '"probes":8,' || fail "99%: want 8 probes at hop 1: $out"
has_at_hop2 "$out" fd00:2:1::2 || fail "v6 m1: $out"
has_at_hop2 "$out" fd00:2:2::2 || fail "v6 m2: $out"
echo "$out" | tail -1 | grep -q '"type":"multipath",.*"confidence":99,.*"reached":true' || fail "v6 summary: $out"
ok "--multipath -6 --confidence 99 --json: 8 probes at hop 1, both branches, reached"
