#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit ping --timestamp: against a kernel (vs iputils clockdiff) and against responders skewed by known offsets.
. "$(dirname "$0")/lab_lib.sh"
RESPONDER="$SRCDIR/tests/lab/ts_responder.py"

L="ikp2$(( $$ % 100000 ))t"
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" seed) || fail "lab up $L"
[ "$got" = "$L" ] || fail "lab up printed '$got'"

# summary_field JSON_LINES KEY: the value of KEY in the timestamp_summary object.
summary_field() {
	printf '%s\n' "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o.get("type") == "timestamp_summary":
        print(o[sys.argv[1]])
        break
' "$2"
}

# Against pc2's kernel: the clocks are one clock, so the true offset is 0.
out=$(lx "$L" pc1 "$ICMPKIT" ping --timestamp -c 20 -i 0.02 -W 2 --json 10.0.2.2) || fail "timestamp to pc2: $out"
[ "$(printf '%s\n' "$out" | grep -c '"type":"timestamp_reply"')" = 20 ] || fail "20 replies expected: $out"
for k in received base is_bounded offset_us error_us rtt_avg_us rtt_min_us; do
	eval "$k=\$(summary_field \"\$out\" $k)"
done
[ "$received" = 20 ] && [ "$base" = UT ] || fail "summary: received=$received base=$base"
[ "$is_bounded" = True ] || fail "20 kernel replies should bound the offset: $out"
[ "${offset_us#-}" -le "$error_us" ] || fail "offset ${offset_us}us does not contain the true 0 within +-${error_us}us"
[ "$error_us" -lt 1000 ] || fail "error ${error_us}us is not sub-millisecond"
ok "pc2 kernel: offset ${offset_us}us +-${error_us}us (true 0), rtt avg ${rtt_avg_us}us min ${rtt_min_us}us"

# iputils clockdiff on the same pair: not a terminal, so it prints "TIME DELTA DELTA1" in whole ms.
cd_out=$(lx "$L" pc1 timeout 20 clockdiff 10.0.2.2) || fail "clockdiff: $cd_out"
cd_ms=$(echo "$cd_out" | awk 'NF == 3 {print $2}')
[ -n "$cd_ms" ] || fail "clockdiff printed '$cd_out'"
# clockdiff reports whole milliseconds: agreement within our RTT, or its 1 ms step when larger.
tol=$(( rtt_avg_us > 1000 ? rtt_avg_us : 1000 ))
diff=$(( offset_us - cd_ms * 1000 ))
[ "${diff#-}" -le "$tol" ] || fail "icmpkit ${offset_us}us vs clockdiff ${cd_ms}ms: off by ${diff}us > ${tol}us"
ok "clockdiff delta ${cd_ms}ms vs icmpkit ${offset_us}us: within ${tol}us"

# Text output: one line per reply and the clockdiff-style summary.
out=$(lx "$L" pc1 "$ICMPKIT" ping --timestamp -c 3 -i 0.05 -W 2 10.0.2.2) || fail "text run: $out"
echo "$out" | grep -q '^TIMESTAMP 10.0.2.2 (10.0.2.2): ICMP Timestamp Request, 20 bytes$' || fail "header: $out"
[ "$(echo "$out" | grep -cE '^from 10\.0\.2\.2: ts_seq=[123] ttl=62 orig=[0-9]+ recv=[0-9]+ xmit=[0-9]+ rtt=[0-9]+\.[0-9]{3} ms( hold=[0-9]+ ms)? fwd=[-+][0-9]+\.[0-9]{3} ms ret=[-+][0-9]+\.[0-9]{3} ms offset=[-+][0-9]+\.[0-9]{3} ms$')" = 3 ] ||
	fail "reply lines: $out"
echo "$out" | grep -q '^3 packets transmitted, 3 received, 0% packet loss' || fail "statistics: $out"
echo "$out" | grep -qE '^host=10\.0\.2\.2 rtt=[0-9.]+\([0-9.]+\)ms/[0-9.]+ms delta=[-+][0-9.]+ms/[-+][0-9.]+ms error=[0-9.]+ms base=UT$' ||
	fail "clockdiff-style line: $out"
ok "text output: per-reply stamps, transit and offset; clockdiff-style summary"

# responder_run OFFSET_MS [ARGS...]: a skewed responder on pc2 answers one icmpkit run.
responder_run() {
	local off=$1
	shift
	local fifo
	fifo=$(mktemp -u /tmp/ikp2_ts.XXXXXX)
	mkfifo "$fifo"
	lx "$L" pc2 python3 "$RESPONDER" --offset "$off" --seconds 20 --count 30 "$@" >"$fifo" &
	local rp=$!
	BG_PIDS="$BG_PIDS $rp"
	exec 9<"$fifo"
	rm -f "$fifo"
	local line
	read -r -t 10 line <&9 || fail "responder did not start"
	[ "$line" = ready ] || fail "responder said '$line'"
	out=$(lx "$L" pc1 "$ICMPKIT" ping --timestamp -c 30 -i 0.02 -W 2 --json 10.0.2.2) || fail "timestamp vs responder $off: $out"
	wait "$rp" || fail "responder exit"
	read -r -t 5 line <&9
	exec 9<&-
	[ "$line" = "answered 30" ] || fail "responder: '$line' (kernel replies leaked or probes lost)"
}

# Known offsets: whole ms both ways, and a fractional one the stamps cannot show directly.
for known_ms in 1234 -5000 0.4 -250.7; do
	responder_run "$known_ms"
	known_us=$(python3 -c "print(round($known_ms * 1000))")
	for k in received base is_bounded offset_us error_us rtt_avg_us rtt_min_us; do
		eval "$k=\$(summary_field \"\$out\" $k)"
	done
	[ "$received" = 30 ] && [ "$base" = UT ] || fail "$known_ms: received=$received base=$base"
	[ "$is_bounded" = True ] || fail "$known_ms: bounds empty: $out"
	diff=$(( offset_us - known_us ))
	[ "${diff#-}" -le "$error_us" ] || fail "$known_ms ms: estimate ${offset_us}us +-${error_us}us misses it"
	[ "${diff#-}" -le "$rtt_avg_us" ] || fail "$known_ms ms: estimate ${offset_us}us off by more than the RTT ${rtt_avg_us}us"
	ok "responder skewed ${known_ms} ms: estimate ${offset_us}us +-${error_us}us, error ${diff}us, rtt avg ${rtt_avg_us}us"
done

# RFC 792 non-standard stamps (high bit set): reported, and only a base difference estimated.
responder_run 0 --base nonstandard --base-ms 5000000
base=$(summary_field "$out" base)
[ "$base" = non-standard ] || fail "non-standard stamps reported as '$base': $out"
printf '%s\n' "$out" | grep '"type":"timestamp_reply"' | head -1 | grep -q '"receive":[0-9]\{10\}' ||
	fail "the raw receive field (high bit set) should be in the JSON: $out"
ok "non-standard time base reported (base difference $(summary_field "$out" offset_us)us)"

# Errors and exit codes: an unreachable net gets r2's error and exit 1, IPv6 is refused with 2.
out=$(lx "$L" pc1 "$ICMPKIT" ping --timestamp -c 1 -W 2 10.99.0.1)
[ $? -eq 1 ] || fail "timestamp to an unreachable net should exit 1: $out"
echo "$out" | grep -q "From 10.0.12.2 icmp_seq=1 Destination Net Unreachable" || fail "no Net Unreachable: $out"
out=$(lx "$L" pc1 "$ICMPKIT" ping --timestamp -c 1 fd00:2::2 2>&1)
[ $? -eq 2 ] || fail "timestamp over IPv6 should exit 2: $out"
echo "$out" | grep -q "IPv4 only\|only in IPv4" || fail "IPv6 message: $out"
ok "Net Unreachable from r2 (exit 1); IPv6 refused (exit 2)"
