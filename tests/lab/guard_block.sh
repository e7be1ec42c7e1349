#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit watch --block feeds guard like fail2ban: a ping flood from pc1 raises the flood alert on pc2, pc1 lands in guard's blocked4 set with a timeout, its pings go unanswered while r1's still are.
. "$(dirname "$0")/guard_lib.sh"

g_up b seed
VICTIM=10.0.2.2
IF=$(ifname_to pc2 10.0.2.0/24)
[ -n "$IF" ] || fail "pc2 has no interface on 10.0.2.0/24"
gx pc2 "$ICMPKIT" guard apply >/dev/null || fail "guard apply on pc2"

gx pc1 ping -n -q -c 3 -i 0.2 -W 1 "$VICTIM" >/dev/null || fail "pc1 cannot ping pc2 before the flood"

gx pc2 "$ICMPKIT" watch -i "$IF" -q --eve "$G_TMP/eve.json" --block=120 --duration 8 \
	>"$G_TMP/watch.out" 2>"$G_TMP/watch.err" &
watch_pid=$!
BG_PIDS="$BG_PIDS $watch_pid"
for _ in $(seq 50); do
	grep -q 'listening on' "$G_TMP/watch.err" 2>/dev/null && break
	sleep 0.1
done
grep -q 'listening on' "$G_TMP/watch.err" || fail "watch did not start: $(cat "$G_TMP/watch.err")"

# A bounded flood: 2 s, at most 500000 packets. Guard's per-source meter
# drops most of it behind the capture point; watch sees it all.
gx pc1 timeout 2 hping3 --icmp --flood -q -d 32 -c 500000 "$VICTIM" >/dev/null 2>&1
sleep 1
set_out=$(gx pc2 nft list set inet icmpkit blocked4)
echo "$set_out" | grep -q '10\.0\.1\.2 ' || fail "pc1 not in blocked4 after the flood: $set_out; watch said: $(cat "$G_TMP/watch.err")"
echo "$set_out" | grep -q 'expires' || fail "blocked entry has no timeout: $set_out"
ok "flood alert put 10.0.1.2 into inet icmpkit blocked4 with a timeout"

after=$(gx pc1 ping -n -q -c 5 -i 0.2 -W 1 "$VICTIM" | sed -n 's/.* transmitted, \([0-9]*\) received.*/\1/p')
[ "$after" = 0 ] || fail "blocked pc1 still got $after/5 replies"
other=$(gx r1 ping -n -q -c 5 -i 0.2 -W 1 "$VICTIM" | sed -n 's/.* transmitted, \([0-9]*\) received.*/\1/p')
[ "$other" = 5 ] || fail "r1 (not blocked) got only $other/5 replies"
ok "blocked pc1: 0/5 replies; r1: 5/5"
wait "$watch_pid" || fail "watch exited with $?: $(cat "$G_TMP/watch.err")"
grep -q 'blocked 10.0.1.2' "$G_TMP/watch.err" || fail "watch did not report the block"
grep -q '"signature_id":9100001' "$G_TMP/eve.json" || fail "no flood alert in the EVE output"
echo "figures: pc1 replies after block $after/5, r1 $other/5"
