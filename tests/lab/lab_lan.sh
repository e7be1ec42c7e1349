#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The lan lab: one bridged segment, broadcast echo answered only where the topology allows.
. "$(dirname "$0")/lab_lib.sh"

lab_up n lan
L=iklab${LAB_ID}n

ports=$(lx "$L" sw ip -o link show master br0 | wc -l)
[ "$ports" = 6 ] || fail "bridge br0 has $ports ports, want 6"
ok "switch namespace bridges 6 ports"

for h in 11 12 13 14 1; do
	lx "$L" attacker ping -c1 -W2 "10.0.5.$h" >/dev/null || fail "attacker cannot reach 10.0.5.$h"
	lx "$L" attacker ping -6 -c1 -W2 "fd00:5::$h" >/dev/null || fail "attacker cannot reach fd00:5::$h"
done
ok "unicast sweep of the segment, IPv4 and IPv6"

out=$(lx "$L" attacker ping -c1 -W2 10.0.6.2) || fail "far host via r1: $out"
echo "$out" | grep -q "ttl=63" || fail "far host should be one router away: $out"
ok "host behind r1 reachable"

# h1 and h2 set icmp_echo_ignore_broadcasts=0; h3, h4 and r1 keep the default 1.
out=$(lx "$L" attacker ping -b -c3 -i0.3 -W2 10.0.5.255 2>&1)
echo "$out"
from=$(echo "$out" | sed -n 's/^64 bytes from \([0-9.]*\):.*/\1/p' | sort -u | tr '\n' ' ')
[ "$from" = "10.0.5.11 10.0.5.12 " ] || fail "broadcast echo answered by '$from', want h1 and h2"
ok "broadcast echo answered by exactly h1 and h2"

[ "$(lx "$L" h3 cat /proc/sys/net/ipv4/icmp_echo_ignore_broadcasts)" = 1 ] || fail "h3 default changed"
"$ICMPKIT" lab down "$L" || fail "lab down"
assert_gone "$L"
ok "lan removed"
