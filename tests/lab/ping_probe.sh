#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit ping --probe: RFC 8335 PROBE against Linux nodes with icmp_echo_enable_probe on and off, IPv4 and IPv6.
. "$(dirname "$0")/lab_lib.sh"

L="ikp2$(( $$ % 100000 ))p"
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" seed) || fail "lab up $L"
[ "$got" = "$L" ] || fail "lab up printed '$got'"

# Interfaces on pc2 with known bits: ikpa up with IPv6 only, ikpb down with IPv4 only.
lx "$L" pc2 ip link add ikpa type veth peer name ikpb || fail "veth on pc2"
lx "$L" pc2 sysctl -qw net.ipv6.conf.ikpb.disable_ipv6=1 || fail "disable_ipv6 on ikpb"
lx "$L" pc2 ip addr add 192.168.77.1/24 dev ikpb || fail "ikpb address"
lx "$L" pc2 ip -6 addr add fd00:77::1/64 dev ikpa nodad || fail "ikpa address"
lx "$L" pc2 ip link set ikpa up || fail "ikpa up"
idx=$(lx "$L" pc2 cat /sys/class/net/eth0/ifindex) || fail "eth0 ifindex"

# probe HOST QUERY EXPECTED_REGEX: one probe, one reply line matching.
probe() {
	local host=$1 q=$2 want=$3
	out=$(lx "$L" pc1 "$ICMPKIT" ping --probe "$q" -c 1 -W 2 "$host") || fail "probe $q at $host: $out"
	echo "$out" | grep -qE "^from $host: probe_seq=1 ttl=62 time=[0-9]+\.[0-9]{3} ms $want$" ||
		fail "probe $q at $host: want '$want': $out"
	echo "$out" | grep -q "^1 packets transmitted, 1 received, 0% packet loss" || fail "statistics: $out"
}

probe 10.0.2.2 eth0 "code=0 interface=eth0 active=yes ipv4=yes ipv6=yes"
echo "$out" | grep -q "^PROBE 10.0.2.2 (10.0.2.2): interface eth0 by name, RFC 8335 Extended Echo$" || fail "header: $out"
probe 10.0.2.2 "$idx" "code=0 interface=$idx active=yes ipv4=yes ipv6=yes"
probe 10.0.2.2 10.0.2.2 "code=0 interface=10.0.2.2 active=yes ipv4=yes ipv6=yes"
probe 10.0.2.2 fd00:2::2 "code=0 interface=fd00:2::2 active=yes ipv4=yes ipv6=yes"
ok "pc2 eth0 by name, ifindex $idx, IPv4 and IPv6 address: active, IPv4 and IPv6"
probe 10.0.2.2 ikpa "code=0 interface=ikpa active=yes ipv4=no ipv6=yes"
probe 10.0.2.2 ikpb "code=0 interface=ikpb active=no ipv4=yes ipv6=no"
probe 10.0.2.2 192.168.77.1 "code=0 interface=192.168.77.1 active=no ipv4=yes ipv6=no"
ok "bits: ikpa up with IPv6 only, ikpb down with IPv4 only"
probe 10.0.2.2 nosuch0 "code=2 No Such Interface"
probe 10.0.2.2 10.9.9.9 "code=2 No Such Interface"
probe 10.0.2.2 4000000000 "code=2 No Such Interface"
ok "bogus name, address and ifindex: No Such Interface"

# IPv6 (type 160/161) to pc2 and to r2, which answers about its own interfaces.
probe fd00:2::2 eth0 "code=0 interface=eth0 active=yes ipv4=yes ipv6=yes"
probe fd00:2::2 ikpa "code=0 interface=ikpa active=yes ipv4=no ipv6=yes"
out=$(lx "$L" pc1 "$ICMPKIT" ping --probe eth1 -c 1 -W 2 fd00:12::2) || fail "probe r2 over IPv6: $out"
echo "$out" | grep -qE "^from fd00:12::2: probe_seq=1 ttl=63 .* code=0 interface=eth1 active=yes ipv4=yes ipv6=yes$" || fail "r2 eth1: $out"
ok "IPv6 Extended Echo to pc2 and r2"

# JSON: one reply object and a summary.
out=$(lx "$L" pc1 "$ICMPKIT" ping --probe ikpb -c 2 -i 0.2 -W 2 --json 10.0.2.2) || fail "json: $out"
printf '%s\n' "$out" | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
rep = [o for o in objs if o["type"] == "probe_reply"]
assert len(rep) == 2, objs
assert rep[0]["code"] == 0 and rep[0]["query"] == "name" and rep[0]["interface"] == "ikpb", rep[0]
assert rep[0]["is_active"] is False and rep[0]["has_ipv4"] is True and rep[0]["has_ipv6"] is False, rep[0]
assert [r["seq"] for r in rep] == [1, 2], rep
s = objs[-1]
assert s["type"] == "probe_summary" and s["transmitted"] == 2 and s["received"] == 2, s
' || fail "JSON output: $out"
ok "JSON replies and summary"

# PROBE off: r1 keeps the default (0) and pc2 is switched off: silence, exit 1.
out=$(lx "$L" pc1 "$ICMPKIT" ping --probe eth0 -c 1 -W 1 10.0.1.1)
[ $? -eq 1 ] || fail "probe to r1 (disabled) should exit 1: $out"
echo "$out" | grep -q "^no answer yet for probe_seq=1$" || fail "timeout line: $out"
echo "$out" | grep -q "^1 packets transmitted, 0 received, 100% packet loss" || fail "statistics: $out"
lx "$L" pc2 sysctl -qw net.ipv4.icmp_echo_enable_probe=0 || fail "sysctl off on pc2"
out=$(lx "$L" pc1 "$ICMPKIT" ping --probe eth0 -c 2 -i 0.2 -W 1 10.0.2.2)
[ $? -eq 1 ] || fail "probe to pc2 with PROBE off should exit 1: $out"
[ "$(echo "$out" | grep -c "^no answer yet for probe_seq=")" = 2 ] || fail "two timeouts: $out"
out=$(lx "$L" pc1 "$ICMPKIT" ping -6 --probe eth0 -c 1 -W 1 fd00:2::2)
[ $? -eq 1 ] || fail "IPv6 probe to pc2 with PROBE off should exit 1: $out"
lx "$L" pc2 sysctl -qw net.ipv4.icmp_echo_enable_probe=1 || fail "sysctl on"
probe 10.0.2.2 eth0 "code=0 interface=eth0 active=yes ipv4=yes ipv6=yes"
ok "PROBE disabled (r1 default, pc2 switched off): no reply, exit 1, IPv4 and IPv6; on again: reply"
