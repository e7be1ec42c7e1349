#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard against a smurf on the lan lab: echo to 10.0.5.255 spoofed from the victim h3 gets replies from h1/h2 without guard and none with the plan on the LAN hosts.
. "$(dirname "$0")/guard_lib.sh"

g_up m lan
VICTIM=10.0.5.13
BCAST=10.0.5.255
VIF=$(ifname_to h3 10.0.5.0/24)
[ -n "$VIF" ] || fail "h3 has no interface on the LAN"

# smurf_round TAG: captures echo replies arriving at the victim while the
# attacker sends 100 spoofed echo requests (at 100/s) to the broadcast
# address; prints how many replies the victim got.
smurf_round() {
	local pcap="$G_TMP/$1.pcap"
	gx h3 timeout 6 tcpdump -i "$VIF" -n -U -w "$pcap" "icmp and icmp[icmptype] == icmp-echoreply and dst host $VICTIM" \
		>/dev/null 2>&1 &
	local cap=$!
	sleep 1.5
	gx attacker timeout 5 hping3 --icmp -q -a "$VICTIM" -c 100 -i u10000 "$BCAST" >/dev/null 2>&1
	wait "$cap"
	tcpdump -r "$pcap" -n 2>/dev/null | wc -l
}

without=$(smurf_round without)
ok "without guard: $without echo replies reached the victim (h1 and h2 answer broadcasts)"
# h1 and h2 answer each of the 100 requests: the amplifier works.
[ "$without" -ge 100 ] || fail "smurf without guard gave only $without replies: the attack did not work"

for h in h1 h2 h3 h4; do
	gx $h "$ICMPKIT" guard apply >/dev/null || fail "guard apply on $h"
done
with=$(smurf_round with)
dropped=0
for h in h1 h2; do
	n=$(guard_count $h "echo to broadcast/multicast")
	[ "$n" -ge 100 ] || fail "$h dropped only $n broadcast echo requests"
	dropped=$((dropped + n))
done
ok "with guard on h1..h4: $with echo replies reached the victim; $dropped broadcast echo requests dropped on h1+h2"
[ "$with" = 0 ] || fail "smurf with guard: $with replies reached the victim"

# The guard keeps unicast ping working on the same hosts.
gx h3 ping -n -q -c 5 -i 0.05 -W 1 10.0.5.11 >/dev/null || fail "unicast ping h3 -> h1 broken by guard"
ok "unicast echo h3 -> h1 still answered"
echo "figures: smurf replies to the victim without guard $without, with guard $with"
