#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit trace shows RFC 4950 MPLS and RFC 5837 interface objects from RFC 4884 Time Exceeded crafted by lab router r2 (traceroute -e as the oracle).
. "$(dirname "$0")/lab_lib.sh"

L=ikt2$(( $$ % 100000 ))x
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" seed) || fail "lab up"
[ "$got" = "$L" ] || fail "lab up printed $got"

# r2 drops its kernel's own Time Exceeded; the responder's carry SO_MARK 0x4884.
dev=$(lx "$L" r2 ip -o -4 addr show | awk '$4 == "10.0.12.2/30" {print $2}')
[ -n "$dev" ] || fail "no r2 link to r1"
idx=$(lx "$L" r2 cat "/sys/class/net/$dev/ifindex")
lx "$L" r2 nft add table inet ikt2x || fail nft
lx "$L" r2 nft add chain inet ikt2x out '{ type filter hook output priority 0; }' || fail nft
lx "$L" r2 nft add rule inet ikt2x out meta mark != 0x4884 icmp type time-exceeded drop || fail nft
RESP=/tmp/ikt2resp.$$
lx "$L" r2 python3 "$SRCDIR/tests/lab/ext_responder.py" "$dev" 10.0.12.2 20 200 "$RESP.stop" >"$RESP" 2>&1 &
RPID=$!
BG_PIDS="$BG_PIDS $RPID"
trap 'rm -f "$RESP" "$RESP.stop"; lab_cleanup' EXIT
for i in $(seq 50); do grep -q ready "$RESP" && break; sleep 0.1; done
grep -q ready "$RESP" || fail "responder did not start: $(cat "$RESP")"

out=$(lx "$L" pc1 "$ICMPKIT" trace -n 10.0.2.2) || fail "trace: $out"
echo "$out"
want=" 2  10.0.12.2  T ms  T ms  T ms
     [MPLS: Lbl 24001 TC 0 S 1 TTL 1]
     [IF incoming: ifindex $idx addr 10.0.12.2 name \"$dev\" mtu 1500]
 3  10.0.2.2  T ms  T ms  T ms"
have=$(echo "$out" | sed -E 's/[0-9]+\.[0-9]{3} ms/T ms/g' | sed -n '3,6p')
[ "$have" = "$want" ] || fail "hop 2 and its extensions:
--- want
$want
--- have
$have"
ok "text: hop 2 with [MPLS: Lbl 24001 TC 0 S 1 TTL 1] and [IF incoming: ifindex $idx addr 10.0.12.2 name \"$dev\" mtu 1500], once per sender"

out=$(lx "$L" pc1 "$ICMPKIT" trace -n -I -q 1 --json 10.0.2.2) || fail "trace -I: $out"
echo "$out" | grep '"ttl":2,' | grep -q "\"mpls\":\[{\"label\":24001,\"tc\":0,\"s\":true,\"ttl\":1}\],\"interfaces\":\[{\"role\":\"incoming\",\"ifindex\":$idx,\"addr\":\"10.0.12.2\",\"name\":\"$dev\",\"mtu\":1500}\]" || fail "json: $out"
ok "--json (ICMP Echo probes): mpls and interfaces objects at hop 2"

# The oracle: Butskoy traceroute -e decodes the same extension.
tr=$(lx "$L" pc1 traceroute -e -n -q 1 -m 2 10.0.2.2)
echo "$tr"
echo "$tr" | grep -q '^ 2  10.0.12.2 <MPLS:L=24001,E=0,S=1,T=1;2/15:' || fail "traceroute -e did not see the same MPLS entry: $tr"
ok "traceroute -e decodes the same label stack (L=24001,E=0,S=1,T=1) and a class 2 object"

# Without extensions (responder gone, kernel errors allowed again) hop 2 has none.
touch "$RESP.stop"
wait "$RPID" 2>/dev/null
grep -q '^sent [1-9]' "$RESP" || fail "responder: $(cat "$RESP")"
lx "$L" r2 nft delete table inet ikt2x
out=$(lx "$L" pc1 "$ICMPKIT" trace -n -q 1 10.0.2.2) || fail "plain trace: $out"
echo "$out" | grep -q 'MPLS\|\[IF' && fail "extensions without the responder: $out"
echo "$out" | grep -Eq '^ 2  10\.0\.12\.2 ' || fail "hop 2 from the kernel: $out"
ok "the kernel's own Time Exceeded: no extensions shown"
