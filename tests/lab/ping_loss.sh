#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit ping's loss figure against the chain lab's configured random loss, over 2000 probes, IPv4 and IPv6.
. "$(dirname "$0")/ping_lib.sh"

# Two routers dropping 5% each of what they send: a round trip crosses four
# drops, so the echo loss is p = 1 - 0.95^4 = 18.55%.
pl_up o chain --set N=2 --set LOSS_PCT=5
P=0.185494
COUNT=2000

for dst in 10.0.2.2 fd00:2::2; do
	# The lab's random loss also drops IPv6 neighbour discovery: resolve
	# every hop first, so the measured run sees only the configured loss.
	lx "$L" h1 ping -n -q -c 20 -i 0.05 "$dst" >/dev/null 2>&1
	out=$(lx "$L" h1 timeout 60 "$IKPING" -n -q -c $COUNT -i 0.002 -W 1 "$dst" 2>&1)
	line=$(echo "$out" | grep "packets transmitted")
	tx=$(echo "$line" | sed -nE 's/^([0-9]+) packets transmitted.*/\1/p')
	rx=$(echo "$line" | sed -nE 's/.*transmitted, ([0-9]+) received.*/\1/p')
	pct=$(echo "$line" | sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p')
	[ "$tx" = $COUNT ] || fail "$dst: transmitted '$tx': $out"
	# The printed loss is (tx - rx) / tx; 5 standard deviations of a binomial
	# around p: a correct tool fails this about once in 3.5 million runs.
	python3 - "$tx" "$rx" "$pct" "$P" <<'PY' || fail "$dst: loss out of bounds: $line"
import math, sys
tx, rx, pct, p = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
loss = (tx - rx) / tx
assert abs(pct - 100 * loss) < 0.001 + 1e-4 * 100, (pct, loss)
sd = math.sqrt(p * (1 - p) / tx)
assert abs(loss - p) <= 5 * sd, (loss, p, sd)
print(f"loss {loss:.4f}, expected {p:.4f} +- {5 * sd:.4f}")
PY
	ok "$dst: $line"
done
