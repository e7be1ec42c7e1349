#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit ping on the lan lab: duplicates from a broadcast ping (h1, h2 answer) and from IPv6 all-nodes multicast.
. "$(dirname "$0")/ping_lib.sh"

pl_up l lan

out=$(lx "$L" attacker "$IKPING" -n -c 1 10.0.5.255 2>&1)
rc=$?
[ $rc = 2 ] || fail "broadcast without -b: exit $rc: $out"
[ "$out" = "ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules" ] ||
	fail "broadcast without -b said: $out"

out=$(lx "$L" attacker timeout 20 "$IKPING" -n -b -v -c 4 -w 3 -i 0.2 10.0.5.255 2>&1)
echo "$out" | grep -qE "^64 bytes from 10\.0\.5\.11: icmp_seq=1 ttl=64 time=" || fail "no reply from h1: $out"
echo "$out" | grep -qE "^64 bytes from 10\.0\.5\.12: icmp_seq=1 ttl=64 time=" || fail "no reply from h2: $out"
! echo "$out" | grep -qE "from 10\.0\.5\.1[34]:" || fail "h3/h4 ignore broadcasts but answered: $out"
echo "$out" | grep -q "(DUP!)" || fail "-v shows no (DUP!): $out"
dups=$(echo "$out" | sed -nE 's/.* received, \+([0-9]+) duplicates, .*/\1/p')
[ -n "$dups" ] && [ "$dups" -ge 3 ] || fail "duplicates: '$dups' in: $out"
echo "$out" | grep -q "^WARNING: pinging broadcast address$" || fail "no broadcast warning: $out"
ok "IPv4 broadcast: replies from h1 and h2 only, (DUP!) with -v, +$dups duplicates"

# IPv6: every node on the segment answers the all-nodes group.
out=$(lx "$L" attacker timeout 20 "$IKPING" -n -c 2 -w 3 -i 0.3 -I eth0 ff02::1 2>&1)
n=$(echo "$out" | grep -cE "^64 bytes from fe80::[0-9a-f:]+%eth0: icmp_seq=1 ttl=64 time=")
[ "$n" -ge 6 ] || fail "ff02::1: $n answers for seq 1, want the 6 nodes on the lan: $out"
dups=$(echo "$out" | sed -nE 's/.* received, \+([0-9]+) duplicates, .*/\1/p')
[ -n "$dups" ] && [ "$dups" -ge 5 ] || fail "ff02::1 duplicates '$dups': $out"
ok "IPv6 ff02::1: $n nodes answer seq 1, +$dups duplicates"
