#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard under an hping3 ICMP flood in the seed lab: a legitimate ping from another source keeps >= 99% of its replies through a guarded r2.
#
# pc2's access link (r2 -> pc2) is shaped to 2 Mbit/s with tbf, the way a
# real victim's uplink is thin: without guard the flood fills it and the
# legitimate echo requests are lost; with the plan on r2 (the upstream
# router) the flood is cut to its per-source rate before it reaches the link.
. "$(dirname "$0")/guard_lib.sh"

g_up f seed
VICTIM=10.0.2.2
IF=$(ifname_to r2 10.0.2.0/24)
[ -n "$IF" ] || fail "r2 has no interface on 10.0.2.0/24"
gx r2 tc qdisc add dev "$IF" root tbf rate 2mbit burst 4kb latency 50ms || fail "tbf on r2 $IF"

# Thresholds above the legitimate 100 echo/s, far below the flood.
cat > "$G_TMP/guard.conf" <<'CONF'
# flood test: one source may send 200 echo/s
echo_rate_per_source = 200
echo_burst_per_source = 400
echo_rate_total = 2000
echo_burst_total = 4000
CONF

# flood_round: a bounded flood from pc1 (6 s, at most 3M packets) while r1
# (source 10.0.12.1) pings the victim 200 times at 100/s; prints replies.
flood_round() {
	gx pc1 timeout 6 hping3 --icmp --flood -q -c 3000000 "$VICTIM" >/dev/null 2>&1 &
	local flood=$!
	BG_PIDS="$BG_PIDS $flood"
	sleep 1
	local out
	out=$(gx r1 ping -n -q -c 200 -i 0.01 -W 1 "$VICTIM")
	wait "$flood"
	echo "$out" | sed -n 's/.* transmitted, \([0-9]*\) received.*/\1/p'
}

# Sanity: with no flood every reply comes back through the shaped link.
quiet=$(gx r1 ping -n -q -c 50 -i 0.01 -W 1 "$VICTIM" | sed -n 's/.* transmitted, \([0-9]*\) received.*/\1/p')
[ "$quiet" = 50 ] || fail "no flood: $quiet/50 replies"

without=$(flood_round)
[ -n "$without" ] || fail "no ping summary without guard"
ok "without guard: $without/200 legitimate replies kept under the flood"

gx r2 "$ICMPKIT" guard apply -c "$G_TMP/guard.conf" >/dev/null || fail "guard apply on r2"
with=$(flood_round)
[ -n "$with" ] || fail "no ping summary with guard"
dropped=$(guard_count r2 "one IPv4 source over 200 echo/s")
ok "with guard on r2: $with/200 legitimate replies kept; per-source rule dropped $dropped flood packets"
[ "$with" -ge 198 ] || fail "with guard only $with/200 replies (< 99%)"
[ "$dropped" -gt 10000 ] || fail "the per-source meter dropped only $dropped packets"
# The guard, not luck, made the difference: without it the flood costs replies.
[ "$without" -lt "$with" ] || fail "without guard $without >= with guard $with: the test proves nothing"
echo "figures: replies kept without guard $without/200, with guard $with/200"
