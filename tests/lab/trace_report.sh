#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit trace --report: mtr --report's table (checked against mtr itself), JSON, and rate-limited hops told apart from loss.
. "$(dirname "$0")/lab_lib.sh"

L=ikt2$(( $$ % 100000 ))r
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" seed) || fail "lab up"
[ "$got" = "$L" ] || fail "lab up printed $got"

# Digits masked: the same columns, widths and hosts as mtr's own report.
mask() { sed -E 's/^Start: .*/Start: T/; s/[0-9]/9/g'; }
have=$(lx "$L" pc1 "$ICMPKIT" trace --report -n -c 3 --interval 0.3 10.0.2.2) || fail "report: $have"
echo "$have"
want=$(lx "$L" pc1 mtr --report -n -c 3 -i 0.3 10.0.2.2) || fail "mtr"
echo "$want"
[ "$(echo "$have" | mask)" = "$(echo "$want" | mask)" ] || fail "not mtr's format:
--- mtr
$want
--- icmpkit
$have"
echo "$have" | sed -n 2p | grep -Eq '^HOST: .{27} Loss%   Snt   Last   Avg  Best  Wrst StDev$' || fail "header"
for ip in 10.0.1.1 10.0.12.2 10.0.2.2; do
	echo "$have" | grep -Eq "^  [123]\.\|-- $ip +0\.0%     3 " || fail "$ip: not 0% of 3: $have"
done
echo "$have" | grep -q 'rate-limited' && fail "nothing is rate-limited on the seed lab: $have"
ok "seed: mtr's report layout (same as mtr -n -c 3, digits masked), 0.0% loss of 3 at every hop"

out=$(lx "$L" pc1 "$ICMPKIT" trace --report --json -n -c 2 --interval 0.3 -6 fd00:2::2) || fail "json: $out"
echo "$out"
[ "$(echo "$out" | grep -c '"type":"report_hop"')" = 3 ] || fail "want 3 report_hop objects: $out"
echo "$out" | grep '"ttl":3,' | grep -q '"addr":"fd00:2::2","replies":2}\],"sent":2,"received":2,"loss_pct":0.000000' || fail "json hop 3: $out"
echo "$out" | tail -1 | grep -q '"type":"report",.*"cycles":2,"reached":true,"hops":3' || fail "json summary: $out"
ok "--json over IPv6: three report_hop objects and the report"

# A chain: r2 never answers (its Time Exceeded dropped), r4 answers once a
# minute (nft limit); the probes they forward still reach every later hop.
L2=ikt2$(( $$ % 100000 ))q
LABS_MADE="$LABS_MADE $L2"
got=$("$ICMPKIT" lab up --name "$L2" chain --set N=5) || fail "lab up chain"
lx "$L2" r2 nft add table inet ikt2 || fail nft
lx "$L2" r2 nft add chain inet ikt2 out '{ type filter hook output priority 0; }' || fail nft
lx "$L2" r2 nft add rule inet ikt2 out icmp type time-exceeded drop || fail nft
lx "$L2" r4 nft add table inet ikt2 || fail nft
lx "$L2" r4 nft add chain inet ikt2 out '{ type filter hook output priority 0; }' || fail nft
lx "$L2" r4 nft add rule inet ikt2 out icmp type time-exceeded limit rate over 1/minute burst 1 packets drop || fail nft
out=$(lx "$L2" h1 "$ICMPKIT" trace --report -n -c 4 --interval 0.3 10.0.2.2) || fail "chain report: $out"
echo "$out"
row() { echo "$out" | grep -E "^ +$1\.\|-- "; }
row 1 | grep -Eq '10\.0\.1\.1 +0\.0%     4 .*[0-9]$' || fail "r1: $out"
row 2 | grep -Eq '\?\?\? +100\.0     4 .*  rate-limited$' || fail "r2 (firewalled) not marked: $out"
row 3 | grep -Eq '10\.1\.2\.2 +0\.0%     4 .*[0-9]$' || fail "r3: $out"
row 4 | grep -Eq '10\.1\.3\.2 +75\.0%     4 .*  rate-limited$' || fail "r4 (1/minute) not marked: $out"
row 5 | grep -Eq '10\.1\.4\.2 +0\.0%     4 .*[0-9]$' || fail "r5: $out"
row 6 | grep -Eq '10\.0\.2\.2 +0\.0%     4 .*[0-9]$' || fail "h2: $out"
[ "$(echo "$out" | wc -l)" = 8 ] || fail "want 6 hop rows: $out"
ok "chain: firewalled r2 (100%) and rate-limited r4 (75%) marked rate-limited, later hops 0% and unmarked"

# The same in JSON (r4's minute has not passed: it may stay silent now).
out=$(lx "$L2" h1 "$ICMPKIT" trace --report --json -n -c 4 --interval 0.3 10.0.2.2) || fail "json chain: $out"
echo "$out" | grep '"ttl":4,' | grep -q '"path_loss_pct":0.000000,"rate_limited":true' || fail "json r4: $out"
echo "$out" | grep '"ttl":5,' | grep -q '"rate_limited":false' || fail "json r5: $out"
ok "--json: r4 path loss 0%, rate_limited"
