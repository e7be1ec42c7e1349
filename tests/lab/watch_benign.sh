#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit watch stays silent on everyday ICMP in the seed lab: iputils ping (default, -s 1400, -p ff00), traceroute (UDP and -I), mtr, tracepath through a real lower-MTU link, fping and clockdiff; watched on pc1, on pc2 and on both interfaces of r1 at once.
. "$(dirname "$0")/watch_lib.sh"
w_need ping traceroute mtr tracepath fping clockdiff

w_up n seed
DST=10.0.2.2

w_watch_start b_pc1 pc1 90 -i eth0
w_watch_start b_pc2 pc2 90 -i eth0
w_watch_start b_r1 r1 90 -i eth0 -i eth1
# The Frag Needed that tracepath will get from r1, on the wire at pc1.
w_cap_start fn pc1 eth0 90 20 "icmp[icmptype] == 3 and icmp[icmpcode] == 4"

# step WHAT CMD...: runs a benign tool on pc1; it must succeed.
step() {
	local what=$1 out
	shift
	out=$(wx pc1 timeout 20 "$@" 2>&1) || fail "$what failed: $out"
	STEP_OUT=$out
	ok "$what: $(echo "$out" | grep -E "$STEP_SHOW" | head -n 1)"
}

STEP_SHOW="transmitted"
step "ping" ping -n -q -c 5 -i 0.2 "$DST"
echo "$STEP_OUT" | grep -q " 0% packet loss" || fail "ping lost replies: $STEP_OUT"
step "ping -s 1400" ping -n -q -c 5 -i 0.2 -s 1400 "$DST"
echo "$STEP_OUT" | grep -q " 0% packet loss" || fail "ping -s 1400 lost replies: $STEP_OUT"
step "ping -p ff00" ping -n -q -c 5 -i 0.2 -p ff00 "$DST"
echo "$STEP_OUT" | grep -q " 0% packet loss" || fail "ping -p ff00 lost replies: $STEP_OUT"

STEP_SHOW="^ *3 "
step "traceroute (UDP)" traceroute -n -w 1 "$DST"
echo "$STEP_OUT" | grep -q "^ *3  $DST " || fail "traceroute did not reach $DST: $STEP_OUT"
step "traceroute -I" traceroute -I -n -w 1 "$DST"
echo "$STEP_OUT" | grep -q "^ *3  $DST " || fail "traceroute -I did not reach $DST: $STEP_OUT"

STEP_SHOW="3\.\|-- "
step "mtr -r -c 3" mtr -r -c 3 -n "$DST"
echo "$STEP_OUT" | grep -q "3\.|-- $DST " || fail "mtr did not reach $DST: $STEP_OUT"

STEP_SHOW="xmt/rcv"
step "fping over 4 hosts" fping -q -c 3 -p 200 "$DST" 10.0.2.1 10.0.12.2 10.0.1.1
[ "$(echo "$STEP_OUT" | grep -c "3/3/0%")" = 4 ] || fail "fping: not every host answered: $STEP_OUT"

STEP_SHOW="."
step "clockdiff" clockdiff "$DST"

# IPv6: ping, traceroute (UDP and ICMP); neighbor discovery comes along.
DST6=fd00:2::2
STEP_SHOW="transmitted"
step "ping -6" ping -6 -n -q -c 5 -i 0.2 "$DST6"
echo "$STEP_OUT" | grep -q " 0% packet loss" || fail "ping -6 lost replies: $STEP_OUT"
step "ping -6 -s 1400" ping -6 -n -q -c 5 -i 0.2 -s 1400 "$DST6"
echo "$STEP_OUT" | grep -q " 0% packet loss" || fail "ping -6 -s 1400 lost replies: $STEP_OUT"
STEP_SHOW="^ *3 "
step "traceroute -6 (UDP)" traceroute -6 -n -w 1 "$DST6"
echo "$STEP_OUT" | grep -q "^ *3  $DST6 " || fail "traceroute -6 did not reach $DST6: $STEP_OUT"
step "traceroute -6 -I" traceroute -6 -I -n -w 1 "$DST6"
echo "$STEP_OUT" | grep -q "^ *3  $DST6 " || fail "traceroute -6 -I did not reach $DST6: $STEP_OUT"

# tracepath through a real 1400-byte link: r1 answers Frag Needed, MTU 1400.
wx r1 ip link set eth1 mtu 1400
wx r2 ip link set eth0 mtu 1400
STEP_SHOW="pmtu 1400"
step "tracepath over a 1400-byte link" tracepath -n "$DST"
echo "$STEP_OUT" | grep -q "pmtu 1400" || fail "tracepath did not find the 1400-byte link: $STEP_OUT"
# And IPv6's Packet Too Big (1400 >= 1280: a real one, no alert).
STEP_SHOW="pmtu 1400"
step "tracepath -6 over the 1400-byte link" tracepath -6 -n "$DST6"
echo "$STEP_OUT" | grep -q "pmtu 1400" || fail "tracepath -6 did not find the 1400-byte link: $STEP_OUT"
sleep 1
w_cap_stop fn
n=$(w_cap_count fn)
[ "$n" -ge 1 ] || fail "no Frag Needed from r1 reached pc1"
ok "r1 sent $n real Frag Needed (MTU 1400) to pc1: $(tcpdump -r "$W_TMP/fn.pcap" -n 2>/dev/null | head -n 1 | cut -d' ' -f2-)"

w_watch_end b_pc1
w_watch_end b_pc2
w_watch_end b_r1
# Silence counts only if they saw the traffic (pc1 about 230 packets).
w_min_pkts b_pc1 150
w_min_pkts b_pc2 100
w_min_pkts b_r1 300
w_expect_sids b_pc1 "benign set, watched on pc1" ""
w_expect_sids b_pc2 "benign set, watched on pc2" ""
w_expect_sids b_r1 "benign set, watched on r1 (eth0 and eth1)" ""
w_done
