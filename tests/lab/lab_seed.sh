#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The seed lab PC1-R1-R2-PC2: reachability, Net Unreachable and Time Exceeded from R2, v4 and v6.
. "$(dirname "$0")/lab_lib.sh"

lab_up s seed
L=iklab${LAB_ID}s

out=$(lx "$L" pc1 ping -c1 -W2 10.0.2.2) || fail "pc1 -> pc2 IPv4: $out"
echo "$out" | grep -q "64 bytes from 10.0.2.2: icmp_seq=1 ttl=62" || fail "IPv4 reply: $out"
ok "pc1 reaches pc2 over IPv4, two routers on the way (ttl=62)"

out=$(lx "$L" pc1 ping -6 -c1 -W2 fd00:2::2) || fail "pc1 -> pc2 IPv6: $out"
echo "$out" | grep -q "64 bytes from fd00:2::2: icmp_seq=1 ttl=62" || fail "IPv6 reply: $out"
ok "pc1 reaches pc2 over IPv6"

out=$(lx "$L" pc2 ping -c1 -W2 10.0.1.2) || fail "pc2 -> pc1: $out"
ok "pc2 reaches pc1 (return routes)"

out=$(lx "$L" pc1 ping -c1 -W2 10.99.0.1)
[ $? -eq 1 ] || fail "ping to the unroutable prefix should fail with 1: $out"
echo "$out" | grep -q "From 10.0.12.2 icmp_seq=1 Destination Net Unreachable" || fail "no Net Unreachable from r2: $out"
ok "10.99.0.1: From 10.0.12.2 icmp_seq=1 Destination Net Unreachable"

out=$(lx "$L" pc1 ping -c1 -W2 -t2 10.0.2.2)
echo "$out" | grep -q "From 10.0.12.2 icmp_seq=1 Time to live exceeded" || fail "no Time Exceeded from r2: $out"
ok "TTL 2 to pc2: From 10.0.12.2 icmp_seq=1 Time to live exceeded"

out=$(lx "$L" pc1 ping -c1 -W2 -t3 10.0.2.2) || fail "TTL 3 should reach pc2: $out"
ok "TTL 3 reaches pc2"

out=$(lx "$L" pc1 ping -6 -c1 -W2 fd00:99::1)
echo "$out" | grep -q "From fd00:12::2 icmp_seq=1 Destination unreachable: No route" || fail "no IPv6 no-route from r2: $out"
ok "fd00:99::1: From fd00:12::2 Destination unreachable: No route"

out=$(lx "$L" pc1 ping -6 -c1 -W2 -t2 fd00:2::2)
echo "$out" | grep -q "From fd00:12::2 icmp_seq=1 Time exceeded: Hop limit" || fail "no IPv6 Time Exceeded from r2: $out"
ok "hop limit 2 to pc2: From fd00:12::2 Time exceeded: Hop limit"

for n in r2 pc2; do
	v=$(lx "$L" "$n" cat /proc/sys/net/ipv4/icmp_echo_enable_probe)
	[ "$v" = 1 ] || fail "$n: icmp_echo_enable_probe=$v"
done
[ "$(lx "$L" r1 cat /proc/sys/net/ipv4/icmp_echo_enable_probe)" = 0 ] || fail "r1 should keep the probe default"
[ "$(lx "$L" r1 cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "r1 does not forward"
[ "$(lx "$L" r1 cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ] || fail "r1 does not forward IPv6"
[ "$(lx "$L" pc1 cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "pc1 forwards"
[ "$(lx "$L" pc1 cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" = 0 ] || fail "pc1 still does DAD"
# The kernel's own error rate limit stays at its default.
[ "$(lx "$L" r2 cat /proc/sys/net/ipv4/icmp_ratelimit)" = 1000 ] || fail "r2 icmp_ratelimit changed"
ok "sysctls: forwarding on routers only, DAD off, PROBE on r2 and pc2, rate limits default"

if command -v hping3 >/dev/null; then
	out=$(lx "$L" pc1 timeout 5 hping3 -c 1 --icmp --icmp-ts 10.0.2.2 2>&1)
	echo "$out" | grep -q "ICMP timestamp" || fail "pc2 does not answer ICMP Timestamp: $out"
	ok "pc2 answers ICMP Timestamp (hping3 --icmp-ts)"
fi

[ "$("$ICMPKIT" lab addr --name "$L" pc2 -4)" = 10.0.2.2 ] || fail "lab addr pc2 -4"
[ "$("$ICMPKIT" lab addr --name "$L" pc2 -6)" = fd00:2::2 ] || fail "lab addr pc2 -6"
[ "$("$ICMPKIT" lab addr --name "$L" r2 eth1 -6)" = fd00:2::1 ] || fail "lab addr r2 eth1 -6"
"$ICMPKIT" lab addr --name "$L" pc2 eth9 >/dev/null 2>&1 && fail "lab addr of a missing interface succeeded"
[ "$(ICMPKIT_LAB=$L "$ICMPKIT" lab addr r1)" = 10.0.1.1 ] || fail "lab addr with ICMPKIT_LAB"
ok "lab addr"

"$ICMPKIT" lab list --json | python3 -c '
import json, sys
labs = {}
for line in sys.stdin:
    o = json.loads(line)
    labs[o["name"]] = o
lab = labs[sys.argv[1]]
nodes = {n["name"]: n for n in lab["nodes"]}
assert sorted(nodes) == ["pc1", "pc2", "r1", "r2"], nodes
assert nodes["r1"]["kind"] == "router" and nodes["pc1"]["kind"] == "host"
assert {"ifname": "eth0", "addr": "10.0.1.2/24"} in nodes["pc1"]["addrs"]
assert nodes["pc2"]["netns"] == sys.argv[1] + "-pc2"
' "$L" || fail "lab list --json"
ok "lab list --json"

lx "$L" pc1 sh -c 'exit 7'
[ $? -eq 7 ] || fail "lab exec does not pass the exit status on"
lx "$L" nosuchnode true 2>/dev/null
[ $? -eq 2 ] || fail "lab exec into a missing node should exit 2"
ok "lab exec exit codes"

"$ICMPKIT" lab down "$L" || fail "lab down"
assert_gone "$L"
"$ICMPKIT" lab down "$L" || fail "second lab down is not idempotent"
ok "lab down removes everything and is idempotent"

# Grammar features at run time: named interfaces (even ones that are ip
# keywords), per-link MTU, ECMP, reject routes, per-interface sysctls.
topo=$(mktemp /tmp/iklab_feat.XXXXXX.topo)
cat >"$topo" <<'TOPO'
node a
node r router
node b1 router
node b2 router
node c
link a 10.0.0.2/24 fd00:a::2/64  r:up 10.0.0.1/24 fd00:a::1/64
link r:left 10.0.1.1/24 b1 10.0.1.2/24 mtu 1400
link r:right 10.0.2.1/24 b2 10.0.2.2/24
link b1 10.0.3.1/24 c 10.0.3.3/24
link b2 10.0.4.1/24 c:c2 10.0.4.3/24
route a default via 10.0.0.1
route a default via fd00:a::1
route r 10.0.3.0/24 nexthop via 10.0.1.2 nexthop via 10.0.2.2
route r 10.66.0.0/16 prohibit
route r fd00:66::/32 unreachable
route b1 default via 10.0.1.1
route b2 default via 10.0.2.1
route b2 10.0.3.0/24 via 10.0.4.3
route c default via 10.0.3.1
sysctl r net.ipv4.conf.up.rp_filter=2
TOPO
lab_up f "$topo"
rm -f "$topo"
F=iklab${LAB_ID}f
[ "$(lx "$F" r ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')" = "left lo right up " ] ||
	fail "named interfaces on r"
[ "$(lx "$F" r ip route show 10.0.3.0/24 | grep -c nexthop)" = 2 ] || fail "ECMP route on r"
[ "$(lx "$F" r cat /proc/sys/net/ipv4/conf/up/rp_filter)" = 2 ] || fail "per-interface sysctl"
lx "$F" a ping -c1 -W2 10.0.3.3 >/dev/null || fail "a cannot reach c across the ECMP route"
out=$(lx "$F" a ping -c1 -W2 10.66.0.1)
echo "$out" | grep -q "From 10.0.0.1 icmp_seq=1 Packet filtered" || fail "prohibit route: $out"
out=$(lx "$F" a ping -6 -c1 -W2 fd00:66::1)
echo "$out" | grep -q "From fd00:a::1 icmp_seq=1 Destination unreachable: No route" || fail "unreachable route: $out"
out=$(lx "$F" a ping -c1 -W2 -M do -s 1472 10.0.1.2)
echo "$out" | grep -q "From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)" || fail "mtu 1400: $out"
lx "$F" a ping -c1 -W2 -M do -s 1372 10.0.1.2 >/dev/null || fail "1400-byte packet should pass"
"$ICMPKIT" lab down "$F" || fail "lab down"
assert_gone "$F"
ok "named interfaces, mtu (Frag needed, mtu = 1400), ECMP, prohibit (Packet filtered), unreachable, per-interface sysctl"
