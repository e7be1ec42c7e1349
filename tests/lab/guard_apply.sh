#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard apply/remove/status in a seed lab node: nft -c accepts the plan, apply twice is idempotent, remove restores the exact earlier ruleset with other tables present, clear refusals (exit 2).
. "$(dirname "$0")/guard_lib.sh"

g_up a seed
N=pc2

# The plan is a valid nftables script, with the default and a custom config.
gx $N "$ICMPKIT" guard plan > "$G_TMP/plan.nft" || fail "guard plan"
gx $N nft -c -f "$G_TMP/plan.nft" || fail "nft -c rejects the default plan"
printf 'allow_timestamp = yes\ndrop_fragments = no\nerror_rate = 7\n' > "$G_TMP/c.conf"
gx $N "$ICMPKIT" guard plan -c "$G_TMP/c.conf" > "$G_TMP/plan2.nft" || fail "guard plan -c"
gx $N nft -c -f "$G_TMP/plan2.nft" || fail "nft -c rejects the custom plan"
grep -q "limit rate 7/second" "$G_TMP/plan2.nft" || fail "error_rate = 7 not in the plan"
ok "plan passes nft -c (default and custom config)"

# Someone else's rules, which guard must leave exactly as they are.
cat > "$G_TMP/other.nft" <<'NFT'
table inet other {
	set keep { type ipv4_addr; elements = { 192.0.2.1, 192.0.2.2 } }
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr @keep drop comment "someone else's rule"
	}
}
table ip nat_like {
	chain post {
		type filter hook postrouting priority 100; policy accept;
		ip daddr 198.51.100.0/24 counter packets 0 bytes 0 drop
	}
}
NFT
gx $N nft -f "$G_TMP/other.nft" || fail "loading the unrelated tables"
gx $N nft list ruleset > "$G_TMP/before" || fail "nft list ruleset"

gx $N "$ICMPKIT" guard apply >/dev/null || fail "first apply"
gx $N nft -s list table inet icmpkit > "$G_TMP/first" || fail "table missing after apply"
gx $N "$ICMPKIT" guard apply >/dev/null || fail "second apply"
gx $N nft -s list table inet icmpkit > "$G_TMP/second"
cmp -s "$G_TMP/first" "$G_TMP/second" || fail "apply twice differs: $(diff "$G_TMP/first" "$G_TMP/second")"
n=$(gx $N nft list tables | grep -c "^table inet icmpkit$")
[ "$n" = 1 ] || fail "$n icmpkit tables after two applies"
gx $N nft list table inet other | grep -q "someone else's rule" || fail "apply touched table inet other"
ok "apply twice: one table inet icmpkit, identical ($(wc -l < "$G_TMP/first") lines), others untouched"

# Status shows every counted rule with its comment, and counts real traffic.
gx pc1 ping -n -q -c 3 -i 0.2 10.0.2.2 >/dev/null || fail "ping through guard"
st=$(gx $N "$ICMPKIT" guard status) || fail "guard status"
echo "$st" | grep -q "^table inet icmpkit: loaded$" || fail "status header: $st"
rows=$(echo "$st" | grep -cE "^(pre|guard|input|forward) +[0-9]+ +[0-9]+  ")
planned=$(grep -c "counter " "$G_TMP/plan.nft")
[ "$rows" = "$planned" ] || fail "status shows $rows rules, plan has $planned counters: $st"
jumped=$(echo "$st" | awk '$1 == "input" && /ICMP to this host/ {print $2}')
[ "${jumped:-0}" -ge 3 ] || fail "input jump counted ${jumped:-0} < 3 packets: $st"
ok "status: $rows rules with counters; the input hook saw $jumped ICMP packets"

gx $N "$ICMPKIT" guard remove >/dev/null || fail "remove"
gx $N nft list ruleset > "$G_TMP/after"
cmp -s "$G_TMP/before" "$G_TMP/after" || fail "remove did not restore the ruleset: $(diff "$G_TMP/before" "$G_TMP/after")"
gx $N "$ICMPKIT" guard remove >/dev/null || fail "remove when already gone"
gx $N "$ICMPKIT" guard status >/dev/null
[ $? = 1 ] || fail "status without the table should exit 1"
ok "remove restores the exact earlier ruleset ($(wc -l < "$G_TMP/before") lines); remove again is a no-op"

# Refusals: exit 2 with a clear reason, and nothing changes.
printf 'max_length = 1500\nmax_length = 99999\n' > "$G_TMP/bad.conf"
out=$(gx $N "$ICMPKIT" guard apply -c "$G_TMP/bad.conf" 2>&1)
[ $? = 2 ] || fail "bad config: want exit 2: $out"
echo "$out" | grep -qF "bad.conf:2: max_length: set twice" || fail "bad config message: $out"
out=$(gx $N "$ICMPKIT" guard plan -c "$G_TMP/missing.conf" 2>&1)
[ $? = 2 ] || fail "missing config: want exit 2: $out"
out=$(gx $N env PATH=/nonexistent "$ICMPKIT" guard apply 2>&1)
[ $? = 2 ] || fail "no nft: want exit 2: $out"
echo "$out" | grep -q "nft not found in PATH" || fail "no nft message: $out"
out=$(gx $N setpriv --reuid=65534 --regid=65534 --clear-groups "$ICMPKIT" guard apply 2>&1)
[ $? = 2 ] || fail "unprivileged: want exit 2: $out"
echo "$out" | grep -q "needs CAP_NET_ADMIN" || fail "unprivileged message: $out"
gx $N nft list ruleset > "$G_TMP/after2"
cmp -s "$G_TMP/before" "$G_TMP/after2" || fail "a refused apply changed the ruleset"
ok "refused with exit 2: bad config (line 2), missing config, no nft, no CAP_NET_ADMIN; ruleset unchanged"
