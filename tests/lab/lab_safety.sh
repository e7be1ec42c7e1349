#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Lab safety: no path out to the host's networks, cleanup on down, on Ctrl-C, on failure; labs coexist.
. "$(dirname "$0")/lab_lib.sh"

# Only inspected, never contacted: routes are looked up, no packet is sent.
host_gw4=$(ip -4 route show default | awk '{print $3; exit}')
host_gw6=$(ip -6 route show default | awk '{print $3; exit}')
host_links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')

# Without root: refused with a clear message and exit 2.
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ICMPKIT" lab up --name iklab${LAB_ID}u 2>&1)
	rc=$?
	[ $rc -eq 2 ] || fail "non-root lab up exited $rc: $out"
	echo "$out" | grep -q "must run as root" || fail "non-root message: $out"
	[ ! -e /run/icmpkit/iklab${LAB_ID}u.state ] || fail "non-root up left a state file"
	ok "non-root: '$out' (exit 2)"
fi

# Two labs of the same topology at once.
lab_up a seed
lab_up b seed
A=iklab${LAB_ID}a
B=iklab${LAB_ID}b
lx "$A" pc1 ping -c1 -W2 10.0.2.2 >/dev/null || fail "lab $A does not work"
lx "$B" pc1 ping -c1 -W2 10.0.2.2 >/dev/null || fail "lab $B does not work"
ok "two labs up at once: $A and $B"

out=$("$ICMPKIT" lab up --name "$A" seed 2>&1)
[ $? -eq 2 ] || fail "a second lab with name $A was not refused"
echo "$out" | grep -q "exists already" || fail "refusal message: $out"
lx "$A" pc1 ping -c1 -W2 10.0.2.2 >/dev/null || fail "the refused up damaged $A"
ok "an existing name is refused and left intact"

out=$("$ICMPKIT" lab down 2>&1)
[ $? -eq 2 ] || fail "lab down without a name with two labs up should exit 2: $out"

# The host namespace gained no interface.
host_links_now=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
[ "$host_links_now" = "$host_links_before" ] || fail "host interfaces changed: $host_links_before -> $host_links_now"
ok "host namespace interfaces unchanged ($host_links_now)"

# Which lab node owns an address (from the lab's own record).
owner_of() {
	"$ICMPKIT" lab list --json | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o["name"] != sys.argv[1]:
        continue
    for n in o["nodes"]:
        for a in n["addrs"]:
            if a["addr"].split("/")[0] == sys.argv[2]:
                print(n["name"]); sys.exit(0)
sys.exit(1)' "$A" "$1"
}

nodes="pc1 r1 r2 pc2"
for n in $nodes; do
	# Every route points into lab prefixes.
	bad=$(lx "$A" "$n" ip -4 route show | awk '$1 != "default" && $1 !~ /^10\./')
	[ -z "$bad" ] || fail "$n: non-lab IPv4 route: $bad"
	bad=$(lx "$A" "$n" ip -6 route show | awk '$1 != "default" && $1 !~ /^fd00:/ && $1 !~ /^fe80::/')
	[ -z "$bad" ] || fail "$n: non-lab IPv6 route: $bad"
	links=$(lx "$A" "$n" ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
	case "$n" in
	r1 | r2) [ "$links" = "eth0 eth1 lo " ] || fail "$n links: $links" ;;
	*) [ "$links" = "eth0 lo " ] || fail "$n links: $links" ;;
	esac
	# Follow the route lookups hop by hop toward the host's gateways: each
	# must end unreachable inside the lab, never on a link or at a non-lab hop.
	for gw in $host_gw4 $host_gw6 192.0.2.1 8.8.8.8 2001:db8::1; do
		at=$n
		for step in 1 2 3 4 5 6; do
			out=$(lx "$A" "$at" ip -o route get "$gw" 2>&1) || break
			via=$(echo "$out" | sed -n 's/.* via \([^ ]*\) .*/\1/p')
			[ -n "$via" ] || fail "$at: $gw is on-link: $out"
			at=$(owner_of "$via") || fail "$at: route to $gw leaves the lab via $via"
			[ $step -lt 6 ] || fail "$gw: routing loop from $n"
		done
	done
done
ok "no lab namespace has a route to the host's gateway ($host_gw4 $host_gw6) or beyond: lookups end unreachable inside the lab"

"$ICMPKIT" lab down "$A" || fail "down $A"
assert_gone "$A"
lx "$B" pc1 ping -c1 -W2 10.0.2.2 >/dev/null || fail "down $A broke $B"
"$ICMPKIT" lab down "$B" || fail "down $B"
assert_gone "$B"
ok "down removes one lab and leaves the other working"

# lab run: the command sees ICMPKIT_LAB and can use lab exec without a name.
R=iklab${LAB_ID}r
out=$("$ICMPKIT" lab run --name "$R" seed -- sh -c '"$0" lab exec pc1 -- ping -c1 -W2 10.0.2.2 && echo "lab=$ICMPKIT_LAB"' "$ICMPKIT") ||
	fail "lab run: $out"
echo "$out" | grep -q "lab=$R" || fail "ICMPKIT_LAB not passed: $out"
assert_gone "$R"
"$ICMPKIT" lab run --name "$R" seed -- sh -c 'exit 5'
[ $? -eq 5 ] || fail "lab run does not pass the exit status on"
assert_gone "$R"
ok "lab run: command runs with ICMPKIT_LAB, status passed on, lab removed"

# lab run interrupted: SIGINT and SIGTERM while the command (and delayers) run.
for sig in INT TERM; do
	LABS_MADE="$LABS_MADE $R"
	"$ICMPKIT" lab run --name "$R" --set N=2 --set DELAY_MS=10 chain -- sleep 60 &
	rp=$!
	for i in $(seq 1 100); do
		[ "$(grep -c '^pid ' "/run/icmpkit/$R.state" 2>/dev/null)" = 2 ] && break
		sleep 0.1
	done
	sleep 0.5
	pids=$(awk '/^pid /{print $2}' "/run/icmpkit/$R.state")
	[ -n "$pids" ] || fail "lab run did not start its delayers"
	kill -"$sig" $rp
	wait $rp
	rc=$?
	[ $rc -ne 0 ] || fail "interrupted lab run exited 0"
	assert_gone "$R" "$pids"
	ok "lab run killed with SIG$sig (exit $rc): namespaces, state and delayers $pids gone"
done

# A failing up removes what it made.
bad=$(mktemp /tmp/iklab_bad.XXXXXX.topo)
printf 'node a\nnode b router\nlink a 10.0.0.1/24 b 10.0.0.2/24\nroute a 10.5.0.0/16 vai 10.0.0.2\n' >"$bad"
F=iklab${LAB_ID}f
LABS_MADE="$LABS_MADE $F"
out=$("$ICMPKIT" lab up --name "$F" "$bad" 2>&1)
[ $? -eq 2 ] || fail "syntax error: want exit 2: $out"
echo "$out" | grep -q "^icmpkit: lab: $bad:4: " || fail "syntax error message: $out"
assert_gone "$F"
ok "syntax error: '$out'"

# Fails late: after the namespaces and links exist.
printf 'node a\nnode b router\nlink a 10.0.0.1/24 b 10.0.0.2/24\nsysctl b net.ipv4.no_such_knob=1\n' >"$bad"
out=$("$ICMPKIT" lab up --name "$F" "$bad" 2>&1)
[ $? -eq 2 ] || fail "late failure: want exit 2: $out"
echo "$out" | grep -q "^icmpkit: lab: up $F: .*no_such_knob" || fail "late failure message: $out"
assert_gone "$F"
ok "failure after building: '$out', all removed"

# Fails with a delayer already running: it is stopped too.
out=$(ICMPKIT_DELAYER=/nonexistent/icmpkit-delayer "$ICMPKIT" lab up --name "$F" --set N=2 --set DELAY_MS=5 chain 2>&1)
[ $? -eq 2 ] || fail "missing delayer: want exit 2: $out"
assert_gone "$F"
ok "missing delayer: '$out', all removed"
rm -f "$bad"

host_links_now=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
[ "$host_links_now" = "$host_links_before" ] || fail "host interfaces changed: $host_links_now"
ok "host namespace interfaces unchanged at the end"
