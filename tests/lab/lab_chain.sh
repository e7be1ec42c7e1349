#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The chain lab: hop count by traceroute and TTL, per-hop NFQUEUE delay, nftables loss, default size.
. "$(dirname "$0")/lab_lib.sh"

# Four routers, 20 ms on each: an echo round trip crosses each twice.
HOPS=4
DELAY=20
lab_up c chain --set N=$HOPS --set DELAY_MS=$DELAY
L=iklab${LAB_ID}c

pids=$(awk '/^pid /{print $2}' "/run/icmpkit/$L.state")
[ "$(echo $pids | wc -w)" = $HOPS ] || fail "want $HOPS delayers, state has: $pids"
for r in $(seq 1 $HOPS); do
	pid=$(awk -v n="r$r" '$1 == "pid" && $4 == n {print $2}' "/run/icmpkit/$L.state")
	pid_running "$pid" || fail "delayer of r$r ($pid) not running"
	[ "$(cat /proc/$pid/comm)" = icmpkit-delayer ] || fail "pid $pid is not the delayer"
	# It must run inside r$r's namespace, not the host's.
	[ "$(stat -L -c %i /proc/$pid/ns/net)" = "$(stat -L -c %i /run/netns/$L-r$r)" ] ||
		fail "delayer $pid is not in $L-r$r"
done
ok "$HOPS delayers, one per router, each inside its router's namespace"

out=$(lx "$L" h1 traceroute -n -q1 -w3 -m10 10.0.2.2) || fail "traceroute: $out"
echo "$out"
hops=$(echo "$out" | awk 'NR > 1 {print $2}' | tr '\n' ' ')
[ "$hops" = "10.0.1.1 10.1.1.2 10.1.2.2 10.1.3.2 10.0.2.2 " ] || fail "traceroute path: $hops"
ok "traceroute -n shows $HOPS routers then h2"

out=$(lx "$L" h1 ping -c1 -W3 10.0.2.2) || fail "ping: $out"
echo "$out" | grep -q "ttl=$((64 - HOPS))" || fail "reply TTL is not 64-$HOPS: $out"
ok "reply ttl=$((64 - HOPS))"

out=$(lx "$L" h1 ping -q -c5 -i0.2 -W3 10.0.2.2) || fail "ping: $out"
avg=$(echo "$out" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
want=$((2 * HOPS * DELAY))
echo "RTT h1 -> h2 over $HOPS routers at ${DELAY} ms each: avg ${avg} ms (expected about ${want} ms)"
python3 -c "import sys; a=float(sys.argv[1]); w=float(sys.argv[2]); sys.exit(0 if w*0.95 <= a <= w*1.5+20 else 1)" "$avg" "$want" ||
	fail "RTT $avg ms is not about $want ms"
ok "delay: RTT ${avg} ms ~ 2*$HOPS*$DELAY ms"

out=$(lx "$L" h1 ping -6 -q -c3 -i0.2 -W3 fd00:2::2) || fail "ping6: $out"
ok "IPv6 through the delayed chain"

"$ICMPKIT" lab down "$L" || fail "lab down"
assert_gone "$L" "$pids"
ok "down stopped exactly the recorded delayers"

# Loss: one router dropping 30% of what it sends, both directions: an echo
# survives with p = 0.7^2 = 0.49, so about 51% of 300 echoes are lost.
lab_up l chain --set N=1 --set LOSS_PCT=30
L=iklab${LAB_ID}l
out=$(lx "$L" h1 ping -q -c300 -i0.005 -W1 10.0.2.2)
loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
echo "loss over 300 echoes with LOSS_PCT=30 on one router: ${loss}% (expected about 51%)"
python3 -c "import sys; sys.exit(0 if 36 <= float(sys.argv[1]) <= 66 else 1)" "$loss" ||
	fail "loss $loss% is not about 51%"
ok "loss ${loss}% ~ 51%"
"$ICMPKIT" lab down "$L" || fail "lab down"
assert_gone "$L"

# The default chain has 10 routers.
lab_up d chain
L=iklab${LAB_ID}d
[ "$(ip netns list | grep -c "^$L-")" = 12 ] || fail "default chain should have 12 namespaces"
out=$(lx "$L" h1 ping -c1 -W3 10.0.2.2) || fail "ping over 10 routers: $out"
echo "$out" | grep -q "ttl=54" || fail "reply TTL is not 54: $out"
out=$(lx "$L" h1 ping -c1 -W3 -t10 10.0.2.2)
echo "$out" | grep -q "From 10.1.9.2 icmp_seq=1 Time to live exceeded" || fail "TTL 10 should expire at r10: $out"
ok "default chain: 10 routers (ttl=54, TTL 10 expires at r10)"

# The delayer on its own: bounded queue, clean exit on SIGTERM with all held packets released.
DELAYER=$(dirname "$ICMPKIT")/icmpkit-delayer
# Started as a plain command so that $! is the process that becomes the delayer.
"$ICMPKIT" lab exec --name "$L" r5 -- "$DELAYER" --queue 7 --delay-ms 300 --max-queued 4 \
	2>"/tmp/iklab_delayer.$$" &
dp=$!
BG_PIDS="$BG_PIDS $dp"
sleep 0.3
lx "$L" r5 iptables -w -t mangle -A POSTROUTING -o eth1 -p icmp -j NFQUEUE --queue-num 7 || fail "queue rule"
# Echoes every 50 ms cross r5's eth1 while each is held 300 ms: with room
# for 4, the 5th and 6th pass at once (fail open) while the first is still
# held; the held ones come back late, not never (ping -w waits for them).
out=$(lx "$L" h1 ping -c10 -i0.05 -w3 10.0.2.2)
late=$(echo "$out" | sed -n 's/^64 bytes from .* time=\([0-9.]*\) ms/\1/p' |
	awk '$1 >= 250 { n++ } END { print n + 0 }')
fast=$(echo "$out" | sed -n 's/^64 bytes from .* time=\([0-9.]*\) ms/\1/p' |
	awk '$1 < 50 { n++ } END { print n + 0 }')
[ "$late" -ge 1 ] && [ "$fast" -ge 1 ] ||
	fail "want echoes held ~300 ms and, beyond 4 held, fast ones: $out"
echo "$out" | grep -Eq "icmp_seq=[1-4] .*time=(2[5-9][0-9]|3[0-9][0-9])" || fail "the first echoes were not held ~300 ms: $out"
echo "$out" | grep -Eq "icmp_seq=(5|6) .*time=0\." || fail "the 5th/6th echo was held beyond the bound: $out"
kill -TERM $dp
wait $dp
rc=$?
msg=$(cat "/tmp/iklab_delayer.$$")
rm -f "/tmp/iklab_delayer.$$"
[ $rc -eq 0 ] || fail "delayer exit status on SIGTERM: $rc ($msg)"
echo "$msg" | grep -Eq "queue 7: [1-9][0-9]* delayed" || fail "delayer summary: $msg"
ok "delayer: bounded to 4 held packets, clean SIGTERM exit: $msg"
