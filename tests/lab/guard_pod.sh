#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard against the ping of death in the seed lab: fragment trains that reassemble past 65535 bytes never reach pc2's reassembly with the plan applied, with either fragment policy.
. "$(dirname "$0")/guard_lib.sh"

g_up d seed
VICTIM=10.0.2.2
POD="$SRCDIR/tests/lab/guard_pod.py"

# reasm NODE: the node's IP ReasmReqds (fragments handed to reassembly).
reasm() {
	gx "$1" awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "ReasmReqds") c = i; h = 1 } else print $c }' /proc/net/snmp
}

# Baseline: without guard the fragments reach pc2's reassembly.
r0=$(reasm pc2)
sent=$(gx pc1 python3 "$POD" 10.0.1.2 "$VICTIM" 20) || fail "guard_pod.py"
[ "$sent" = 40 ] || fail "sent $sent fragments, want 40"
sleep 0.5
r1=$(reasm pc2)
[ $((r1 - r0)) = 40 ] || fail "without guard pc2 reassembly saw $((r1 - r0)) of 40 fragments"
ok "without guard: all 40 ping-of-death fragments reach pc2's reassembly"

# Default plan: every ICMP fragment is dropped before reassembly.
gx pc2 "$ICMPKIT" guard apply >/dev/null || fail "guard apply"
sent=$(gx pc1 python3 "$POD" 10.0.1.2 "$VICTIM" 20) || fail "guard_pod.py"
sleep 0.5
r2=$(reasm pc2)
[ "$r2" = "$r1" ] || fail "with guard pc2 reassembly saw $((r2 - r1)) fragments"
n=$(guard_count pc2 "ICMP fragment: no ICMP message")
[ "$n" = 40 ] || fail "fragment rule counted $n, want 40"
ok "with guard (drop_fragments = yes): 40/40 fragments dropped before reassembly"
# A fragmented echo is dropped too (documented cost of drop_fragments).
gx pc1 ping -n -q -c 2 -i 0.2 -W 1 -s 3000 "$VICTIM" >/dev/null && fail "ping -s 3000 passed drop_fragments = yes"
gx pc1 ping -n -q -c 2 -i 0.2 -W 1 "$VICTIM" >/dev/null || fail "plain ping broken by guard"
ok "ping -s 3000 dropped, plain ping answered"

# drop_fragments = no: only fragments that start past 65535 - max_length go.
printf 'drop_fragments = no\nmax_length = 1500\n' > "$G_TMP/frag.conf"
gx pc2 "$ICMPKIT" guard apply -c "$G_TMP/frag.conf" >/dev/null || fail "guard apply -c frag.conf"
gx pc1 ping -n -q -c 2 -i 0.2 -W 1 -s 3000 "$VICTIM" >/dev/null || fail "fragmented ping -s 3000 dropped with drop_fragments = no"
r3=$(reasm pc2)
sent=$(gx pc1 python3 "$POD" 10.0.1.2 "$VICTIM" 20) || fail "guard_pod.py"
sleep 0.5
r4=$(reasm pc2)
n=$(guard_count pc2 "would reassemble past 65535")
[ "$n" = 20 ] || fail "late-fragment rule counted $n, want 20"
# Only the harmless first fragments (offset 0) reach reassembly, alone.
[ $((r4 - r3)) = 20 ] || fail "with drop_fragments = no reassembly saw $((r4 - r3)), want the 20 first fragments"
ok "with drop_fragments = no: ping -s 3000 answered; the 20 fragments at offset 65520 dropped, the 20 at offset 0 left to time out"
echo "figures: ping-of-death fragments reaching reassembly: without guard 40/40, guard 0/40, guard (drop_fragments = no) 20/40 (no final fragment)"
