#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit trace on a 10-router chain with 2 ms per router: fresh and drained buckets (probes sent, and past the destination), a firewalled hop, a silent destination, --mtu, IPv6.
. "$(dirname "$0")/lab_lib.sh"

L=ikt1$(( $$ % 100000 ))k
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" chain --set N=10 --set DELAY_MS=2) || fail "lab up"
[ "$got" = "$L" ] || fail "lab up printed $got"
WANT="10.0.1.1 10.1.1.2 10.1.2.2 10.1.3.2 10.1.4.2 10.1.5.2 10.1.6.2 10.1.7.2 10.1.8.2 10.1.9.2 10.0.2.2 "
hops() { awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $2}' | tr '\n' ' '; }
secs() { python3 -c 'import time; print(time.monotonic())'; }
# jget KEY: a number from the --json trace summary (the last line) on stdin.
jget() { tail -1 | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

rtt=$(lx "$L" h1 ping -q -c3 -i0.2 -W3 10.0.2.2 | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
[ -n "$rtt" ] || fail "no RTT to h2"

# Fresh: every router's bucket is full.
t0=$(secs)
out=$(lx "$L" h1 "$ICMPKIT" trace -n 10.0.2.2) || fail "trace: $out"
t1=$(secs)
echo "$out"
[ "$(echo "$out" | hops)" = "$WANT" ] || fail "fresh path: $out"
echo "$out" | grep -q '\*' && fail "fresh trace lost answers: $out"
wall=$(python3 -c "print('%.0f' % ((float('$t1') - float('$t0')) * 1000))")
echo "fresh: wall ${wall} ms (incl. lab exec) for 11 hops x 3, end-to-end RTT ${rtt} ms"
ok "fresh chain: all 11 hops, 3 answers each, ${wall} ms wall vs ${rtt} ms RTT"

# Fresh again from a second address (its own buckets at every node): what it sent.
dev=$(lx "$L" h1 ip -o -4 addr show | awk '$4 == "10.0.1.2/24" {print $2}')
[ -n "$dev" ] || fail "no h1 link"
lx "$L" h1 ip addr add 10.0.1.3/24 dev "$dev" || fail "second address"
out=$(lx "$L" h1 "$ICMPKIT" trace -n --json -s 10.0.1.3 10.0.2.2) || fail "fresh json: $out"
sent=$(echo "$out" | jget probes_sent)
past=$(echo "$out" | jget probes_past_end)
replies=$(echo "$out" | jget replies)
echo "$out" | tail -1
echo "fresh: $sent probes sent, $past past the destination (hop 11), $replies replies"
for ttl in $(seq 1 11); do
	echo "$out" | grep "\"ttl\":$ttl," | grep -q '"replies":3,' || fail "fresh json: hop $ttl not 3 answers: $out"
done
# The first round trip asks the 16 hops of the first guess (TTLs 12..16 are
# past hop 11: 15 probes); nothing is sent past it after that.
[ -n "$past" ] && [ "$past" -le 15 ] || fail "fresh: $past probes past the destination, want at most 15"
[ "$sent" -le 48 ] || fail "fresh: $sent probes, want at most 48 (16 hops x 3)"
ok "fresh chain: $sent probes, $past past the destination"

# Drained: two traceroutes from the same address first.
lx "$L" h1 traceroute -n 10.0.2.2 >/dev/null
lx "$L" h1 traceroute -n 10.0.2.2 >/dev/null
t0=$(secs)
out=$(lx "$L" h1 "$ICMPKIT" trace -n --json 10.0.2.2) || fail "drained trace: $out"
t1=$(secs)
wall=$(python3 -c "print('%.0f' % ((float('$t1') - float('$t0')) * 1000))")
for ttl in $(seq 1 11); do
	echo "$out" | grep "\"ttl\":$ttl," | grep -q '"from"' || fail "drained: hop $ttl not found: $out"
done
echo "$out" | tail -1
sent=$(echo "$out" | jget probes_sent)
past=$(echo "$out" | jget probes_past_end)
echo "drained: wall ${wall} ms, $sent probes sent, $past past the destination"
# Past hop 11: the first window's 15, then one probe at each of TTLs 12..14
# per refill while the destination has not answered (retries: 2 rounds).
[ -n "$past" ] && [ "$past" -le 21 ] || fail "drained: $past probes past the destination, want at most 21"
ok "drained chain (after two traceroutes): every hop found in ${wall} ms, $sent probes, $past past the destination"

# A firewalled hop: r5 drops the Time Exceeded it would send.
lx "$L" r5 nft add table inet ikt1 || fail nft
lx "$L" r5 nft add chain inet ikt1 out '{ type filter hook output priority 0; }' || fail nft
lx "$L" r5 nft add rule inet ikt1 out icmp type time-exceeded drop || fail nft
sleep 3
out=$(lx "$L" h1 "$ICMPKIT" trace -n -q 1 10.0.2.2) || fail "trace: $out"
echo "$out"
echo "$out" | grep -Eq '^ 5  \*$' || fail "hop 5 should be '*': $out"
echo "$out" | grep -Eq '^ 6  10\.1\.5\.2 ' || fail "the trace did not go on past hop 5: $out"
echo "$out" | grep -Eq '^11  10\.0\.2\.2 ' || fail "h2 not reached: $out"
lx "$L" r5 nft delete table inet ikt1
ok "firewalled r5: '*' at hop 5, the trace goes on to h2"

# A destination that does not answer: h2 drops UDP.
lx "$L" h2 nft add table inet ikt1 || fail nft
lx "$L" h2 nft add chain inet ikt1 in '{ type filter hook input priority 0; }' || fail nft
lx "$L" h2 nft add rule inet ikt1 in udp dport 1-65535 drop || fail nft
sleep 2
out=$(lx "$L" h1 "$ICMPKIT" trace -n -q 1 -w 1 -m 13 10.0.2.2)
rc=$?
echo "$out"
[ $rc = 1 ] || fail "exit status $rc, want 1 (not reached)"
echo "$out" | grep -Eq '^10  10\.1\.9\.2 ' || fail "r10 missing: $out"
echo "$out" | grep -Eq '^1[123]  \*$' || fail "hops 11-13 should be '*': $out"
[ "$(echo "$out" | wc -l)" = 14 ] || fail "want 13 hop lines: $out"
lx "$L" h2 nft delete table inet ikt1
ok "silent destination: '*' from hop 11 to -m 13, exit 1"

# A 1280-byte link between r5 and r6: --mtu reports the drop at hop 6.
dev=$(lx "$L" r5 ip -o -4 addr show | awk '$4 == "10.1.5.1/30" {print $2}')
[ -n "$dev" ] || fail "no r5 link to r6"
lx "$L" r5 ip link set dev "$dev" mtu 1280 || fail "set mtu"
sleep 2
out=$(lx "$L" h1 "$ICMPKIT" trace -n -q 1 --mtu 10.0.2.2) || fail "trace --mtu: $out"
echo "$out"
echo "$out" | grep -Eq '^ 1  10\.0\.1\.1  [0-9.]+ ms  pmtu 1500$' || fail "pmtu 1500 at hop 1: $out"
echo "$out" | grep -Eq '^ 6  10\.1\.5\.2  [0-9.]+ ms  pmtu 1280$' || fail "pmtu 1280 at hop 6: $out"
[ "$(echo "$out" | hops)" = "$WANT" ] || fail "--mtu path: $out"
ok "--mtu: 1500 from hop 1, 1280 from hop 6"

out=$(lx "$L" h1 "$ICMPKIT" trace -n -6 -q 1 fd00:2::2) || fail "trace -6: $out"
[ "$(echo "$out" | awk 'NR > 1 {print $2}' | tail -1)" = "fd00:2::2" ] || fail "IPv6: $out"
[ "$(echo "$out" | wc -l)" = 12 ] || fail "IPv6: want 11 hops: $out"
echo "$out" | grep -q '\*' && fail "IPv6 lost a hop: $out"
ok "IPv6 over the chain: 11 hops"
