#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard keeps diagnostics working in the seed lab: traceroute (UDP, ICMP, IPv6) and tracepath (Frag Needed / Packet Too Big over a 1280-byte link) through guarded pc1, r1, r2 and pc2.
. "$(dirname "$0")/guard_lib.sh"

g_up p seed
for n in pc1 r1 r2 pc2; do
	gx $n "$ICMPKIT" guard apply >/dev/null || fail "guard apply on $n"
done
# The r2 -- pc2 link gets a 1280-byte MTU: r2 must tell pc1 (Frag Needed,
# RFC 1191; Packet Too Big, RFC 8201) through guarded r1 and pc1.
gx r2 ip link set "$(ifname_to r2 10.0.2.0/24)" mtu 1280 || fail "mtu on r2"
gx pc2 ip link set "$(ifname_to pc2 10.0.2.0/24)" mtu 1280 || fail "mtu on pc2"

# hops OUT ADDR...: asserts traceroute's lines 1..n name these addresses.
hops() {
	local out=$1
	shift
	local i=1
	for a in "$@"; do
		echo "$out" | grep -qE "^ *$i +$a " || fail "hop $i is not $a in: $out"
		i=$((i + 1))
	done
}

out=$(gx pc1 timeout 20 traceroute -n -q 1 -w 1 10.0.2.2) || fail "traceroute: $out"
hops "$out" 10.0.1.1 10.0.12.2 10.0.2.2
ok "traceroute (UDP) through guard: 10.0.1.1 10.0.12.2 10.0.2.2"
out=$(gx pc1 timeout 20 traceroute -I -n -q 1 -w 1 10.0.2.2) || fail "traceroute -I: $out"
hops "$out" 10.0.1.1 10.0.12.2 10.0.2.2
ok "traceroute -I (ICMP) through guard"
out=$(gx pc1 timeout 20 traceroute -6 -n -q 1 -w 1 fd00:2::2) || fail "traceroute -6: $out"
hops "$out" fd00:1::1 fd00:12::2 fd00:2::2
ok "traceroute -6 through guard"

out=$(gx pc1 timeout 20 tracepath -n 10.0.2.2) || fail "tracepath: $out"
echo "$out" | grep -qE "Resume: pmtu 1280 hops 3 back 3" || fail "tracepath v4 did not learn pmtu 1280: $out"
ok "tracepath learns pmtu 1280 from r2's Frag Needed through guard"
out=$(gx pc1 timeout 20 tracepath -6 -n fd00:2::2) || fail "tracepath -6: $out"
echo "$out" | grep -qE "Resume: pmtu 1280 hops 3 back 3" || fail "tracepath v6 did not learn pmtu 1280: $out"
ok "tracepath -6 learns pmtu 1280 from r2's Packet Too Big through guard"

# The errors went through guard's accept rules, not around them.
v4=$(guard_count pc1 "needed errors (incl. Frag Needed")
v6=$(guard_count pc1 "RFC 4890 errors incl. Packet Too Big")
fw=$(guard_count r1 "needed errors (incl. Frag Needed")
[ "$v4" -gt 0 ] && [ "$v6" -gt 0 ] && [ "$fw" -gt 0 ] || fail "error accept counters pc1 v4 $v4, v6 $v6, r1 forward $fw"
dropped=$(gx pc1 "$ICMPKIT" guard status | sed -n 's/^dropped in total: \([0-9]*\) packets$/\1/p')
[ "$dropped" = 0 ] || fail "guard dropped $dropped packets of the diagnostics on pc1"
ok "pc1 accepted $v4 ICMP and $v6 ICMPv6 errors (r1 forwarded $fw), dropped none"
