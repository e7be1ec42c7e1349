#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit ping's output against iputils ping's, line for line, in the same lab scenarios; only timings are masked.
. "$(dirname "$0")/ping_lib.sh"

pl_up c seed
no_ratelimit r1 r2

# same ARGS...: runs iputils ping and ours from pc1 with ARGS; output and exit code must match.
N_SAME=0
same() {
	local a b
	# IPv4 no-route errors come from a 5-token bucket refilled once a second.
	case " $* " in *" 10.99."*) sleep "$ROUTE_REFILL_S" ;; esac
	a=$(lx "$L" pc1 timeout 30 ping "$@" 2>&1; echo "exit $?")
	case " $* " in *" 10.99."*) sleep "$ROUTE_REFILL_S" ;; esac
	b=$(lx "$L" pc1 timeout 30 "$IKPING" "$@" 2>&1; echo "exit $?")
	if ! diff -u <(echo "$a" | mask_times) <(echo "$b" | mask_times) >"$PING_DIR/diff"; then
		cat "$PING_DIR/diff" >&2
		fail "output differs from iputils for: ping $*"
	fi
	N_SAME=$((N_SAME + 1))
}

same -n -c 3 -i 0.2 10.0.2.2
same -n -c 3 -i 0.2 -6 fd00:2::2
same -n -c 2 -i 0.2 -s 3 10.0.2.2
same -n -c 2 -i 0.2 -s 1000 -6 fd00:2::2
same -n -c 2 -i 0.2 -p abcd -D 10.0.2.2
same -n -c 2 -i 0.2 -I eth0 10.0.2.2
same -n -c 2 -i 0.2 -I 10.0.1.2 10.0.2.2
same -n -c 2 -i 0.2 -I eth0 -6 fd00:2::2
same -n -c 2 -i 0.2 -I fd00:1::2 fd00:2::2
same -n -c 3 -i 0.2 -q 10.0.2.2
same -n -c 3 -f -q 10.0.2.2
same -n -c 3 -A -q 10.0.2.2
same -n -c 2 -l 3 -i 0.2 10.0.2.2
same -n -c 3 -i 0.2 10.99.0.1
same -n -c 3 -i 0.2 fd00:99::1
same -n -c 2 -i 0.2 -t 1 10.0.2.2
same -n -c 2 -i 0.2 -t 2 10.0.2.2
same -n -c 2 -i 0.2 -t 1 fd00:2::2
same -n -c 2 -i 0.2 -t 2 fd00:2::2
same -n -c 2 -i 0.1 -O 10.99.0.1
same -n -c 2 -w 1 10.99.0.1
same -n -c 1 -M do -s 2000 10.0.2.2
same -n -c 1 -I nosuch0 10.0.2.2
same -Q 300 10.0.2.2
same -p zz 10.0.2.2
same -M foo 10.0.2.2
same -4 -6 x
same -n -c 1 nosuchhost.invalid
ok "$N_SAME scenarios: icmpkit ping prints what iputils ping prints, line for line, with the same exit code"
