#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard audit [--fix] inside a lan lab node (never the host): reports, fixes, prints sysctl.d lines; h1 stops answering broadcast pings; the host's own sysctls are untouched.
. "$(dirname "$0")/guard_lib.sh"

g_up u lan

# The host's values, read only, to prove --fix in a node never reaches them.
host_values() {
	"$ICMPKIT" guard audit 2>/dev/null | awk '/^net\./ {print $1, $2}'
}
host_before=$(host_values)

# b_repliers: which LAN hosts answer the attacker's broadcast ping.
b_repliers() {
	gx attacker ping -n -b -c 3 -i 0.2 -W 1 10.0.5.255 2>/dev/null |
		sed -n 's/^[0-9]* bytes from \([0-9.]*\):.*/\1/p' | sort -u | tr '\n' ' '
}
before=$(b_repliers)
echo "$before" | grep -q "10.0.5.11 " || fail "h1 should answer broadcast pings before the fix: '$before'"

out=$(gx h1 "$ICMPKIT" guard audit)
rc=$?
[ $rc = 1 ] || fail "audit with differences should exit 1, got $rc: $out"
echo "$out" | grep -qE "^net.ipv4.icmp_echo_ignore_broadcasts +0 +1 +DIFFERS$" ||
	fail "audit does not flag icmp_echo_ignore_broadcasts=0: $out"
echo "$out" | grep -qE "^    why: .*smurf" || fail "audit gives no reason: $out"
ok "audit on h1 flags icmp_echo_ignore_broadcasts 0 (want 1) and says why, exit 1"

out=$(gx h1 "$ICMPKIT" guard audit --fix)
rc=$?
[ $rc = 0 ] || fail "audit --fix exit $rc: $out"
echo "$out" | grep -qE "^net.ipv4.icmp_echo_ignore_broadcasts +0 +1 +fixed$" || fail "not fixed: $out"
echo "$out" | grep -qx "net.ipv4.icmp_echo_ignore_broadcasts = 1" || fail "no sysctl.d line: $out"
echo "$out" | grep -qx "net.ipv4.conf.all.accept_redirects = 0" || fail "no sysctl.d line for accept_redirects: $out"
fixed=$(echo "$out" | grep -c " fixed$")
# Every fixed value is what the node's kernel now holds.
for kv in net/ipv4/icmp_echo_ignore_broadcasts=1 net/ipv4/conf/all/accept_redirects=0 \
	net/ipv4/conf/all/send_redirects=0 net/ipv6/conf/all/accept_redirects=0; do
	v=$(gx h1 cat "/proc/sys/${kv%%=*}")
	[ "$v" = "${kv#*=}" ] || fail "h1 ${kv%%=*} is $v after --fix"
done
out=$(gx h1 "$ICMPKIT" guard audit)
[ $? = 0 ] || fail "audit after --fix still differs: $out"
echo "$out" | grep -q "^# 0 differ" || fail "audit after --fix: $out"
ok "audit --fix set $fixed sysctls on h1, printed the sysctl.d lines; audit now exits 0"

after=$(b_repliers)
echo "$after" | grep -q "10.0.5.11 " && fail "h1 still answers broadcast pings after the fix: '$after'"
echo "$after" | grep -q "10.0.5.12 " || fail "h2 (not fixed) should still answer: '$after'"
ok "broadcast ping answered by '$before' before, '$after' after fixing h1"

[ "$(host_values)" = "$host_before" ] || fail "the host's own sysctls changed"
ok "the host namespace's ICMP sysctls are unchanged"
