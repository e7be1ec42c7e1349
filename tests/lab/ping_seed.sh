#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit ping in the seed lab: replies, Net Unreachable and Time Exceeded from real routers, Frag needed / Packet too big, JSON, stray replies, bad input; IPv4 and IPv6.
. "$(dirname "$0")/ping_lib.sh"

pl_up s seed
no_ratelimit r1 r2

# run NODE ARGS...: runs our ping; sets OUT (stdout+stderr) and RC.
run() {
	local node=$1
	shift
	OUT=$(lx "$L" "$node" timeout 30 "$IKPING" "$@" 2>&1)
	RC=$?
}
has() {
	echo "$OUT" | grep -qxF -- "$1" || fail "missing line '$1' in: $OUT"
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		pc2=10.0.2.2 far=10.99.0.1 r1=10.0.1.1 r2=10.0.12.2
		hdr="PING 10.0.2.2 (10.0.2.2) 56(84) bytes of data."
	else
		pc2=fd00:2::2 far=fd00:99::1 r1=fd00:1::1 r2=fd00:12::2
		hdr="PING fd00:2::2(fd00:2::2) 56 data bytes"
	fi
	run pc1 -n -c 3 -i 0.2 $pc2
	[ $RC = 0 ] || fail "v$fam reachable: rc $RC: $OUT"
	has "$hdr"
	for s in 1 2 3; do
		echo "$OUT" | grep -qE "^64 bytes from $pc2: icmp_seq=$s ttl=62 time=[0-9]+\.[0-9]{3} ms$" ||
			fail "v$fam reply $s: $OUT"
	done
	has "--- $pc2 ping statistics ---"
	echo "$OUT" | grep -qE "^3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms$" ||
		fail "v$fam stats: $OUT"
	echo "$OUT" | grep -qE "^rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms$" ||
		fail "v$fam rtt: $OUT"
	ok "v$fam: pc2 answers, 3 replies with ttl=62, iputils statistics"

	run pc1 -n -c 3 -i 0.2 $far
	[ $RC = 1 ] || fail "v$fam unreachable: rc $RC: $OUT"
	if [ $fam = 4 ]; then w="Destination Net Unreachable"; else w="Destination unreachable: No route"; fi
	for s in 1 2 3; do has "From $r2 icmp_seq=$s $w"; done
	echo "$OUT" | grep -qE "^3 packets transmitted, 0 received, \+3 errors, 100% packet loss, time [0-9]+ms$" ||
		fail "v$fam unreachable stats: $OUT"
	ok "v$fam: From $r2 icmp_seq=N $w, +3 errors, exit 1"

	if [ $fam = 4 ]; then w="Time to live exceeded"; else w="Time exceeded: Hop limit"; fi
	run pc1 -n -c 2 -i 0.2 -t 1 $pc2
	[ $RC = 1 ] || fail "v$fam -t 1: rc $RC: $OUT"
	has "From $r1 icmp_seq=1 $w"
	has "From $r1 icmp_seq=2 $w"
	run pc1 -n -c 2 -i 0.2 -t 2 $pc2
	[ $RC = 1 ] || fail "v$fam -t 2: rc $RC: $OUT"
	has "From $r2 icmp_seq=1 $w"
	has "From $r2 icmp_seq=2 $w"
	run pc1 -n -c 2 -i 0.2 -t 3 $pc2
	[ $RC = 0 ] || fail "v$fam -t 3 should reach pc2: $OUT"
	ok "v$fam: -t 1 '$w' from r1, -t 2 from r2, -t 3 reaches pc2"

	run pc1 -n --json -c 2 -i 0.2 $pc2
	[ $RC = 0 ] || fail "v$fam json: $OUT"
	echo "$OUT" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
r = [o for o in lines if o["type"] == "reply"]
s = lines[-1]
assert len(r) == 2 and [o["seq"] for o in r] == [1, 2], lines
assert all(o["ttl"] == 62 and o["rtt_ms"] > 0 and not o["dup"] for o in r), r
assert s["type"] == "summary" and s["transmitted"] == 2 and s["received"] == 2, s
for k in ("rtt_median_ms", "rtt_p95_ms", "rtt_p99_ms", "jitter_ms", "rtt_mdev_ms"):
    assert k in s, k
assert s["rtt_min_ms"] <= s["rtt_median_ms"] + 0.001 and s["rtt_p99_ms"] <= s["rtt_max_ms"] + 0.001, s
' || fail "v$fam JSON: $OUT"
	run pc1 -n --json -c 2 -i 0.2 -t 2 $pc2
	echo "$OUT" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
e = [o for o in lines if o["type"] == "error"]
assert len(e) == 2 and e[0]["from"] == sys.argv[1], lines
assert lines[-1]["errors"] == 2 and lines[-1]["received"] == 0, lines
' $r2 || fail "v$fam JSON errors: $OUT"
	ok "v$fam: --json replies, errors and summary with median/p95/p99/jitter"
done

# A link with MTU 1280 between r2 and pc2: DF probes of 1300 bytes get Frag needed / Packet too big.
lx "$L" r2 ip link set dev eth1 mtu 1280 || fail "mtu on r2"
lx "$L" pc2 ip link set dev eth0 mtu 1280 || fail "mtu on pc2"
run pc1 -n -c 1 -M do -s 1300 10.0.2.2
[ $RC = 1 ] || fail "-M do: rc $RC: $OUT"
has "From 10.0.12.2 icmp_seq=1 Frag needed and DF set (mtu = 1280)"
run pc1 -n -c 1 -s 1300 -6 fd00:2::2
[ $RC = 1 ] || fail "v6 too big: rc $RC: $OUT"
has "From fd00:12::2 icmp_seq=1 Packet too big: mtu=1280"
run pc1 -n -c 1 -M dont -s 1300 10.0.2.2
[ $RC = 0 ] || fail "-M dont should fragment and get through: $OUT"
ok "-M do over MTU 1280: Frag needed and DF set (mtu = 1280); IPv6 Packet too big: mtu=1280; -M dont fragments"

# Another ping's replies reach our raw socket too; they must not count.
lx "$L" pc1 ping -n -q -c 40 -i 0.05 10.0.2.2 >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
run pc1 -n -c 10 -i 0.1 10.0.2.2
[ $RC = 0 ] || fail "alongside iputils: $OUT"
echo "$OUT" | grep -qE "^10 packets transmitted, 10 received, 0% packet loss" || fail "stray replies counted: $OUT"
! echo "$OUT" | grep -q "DUP!" || fail "stray replies taken as duplicates: $OUT"
[ "$(echo "$OUT" | grep -c 'bytes from')" = 10 ] || fail "reply lines: $OUT"
wait
ok "an iputils ping running alongside: its replies are ignored"

# Bad input: one line on stderr, exit 2, nothing sent.
bad() {
	local want=$1
	shift
	local err
	err=$(lx "$L" pc1 "$IKPING" "$@" 2>&1 >/dev/null)
	local rc=$?
	[ $rc = 2 ] || fail "'$*' exit $rc, want 2"
	[ "$err" = "$want" ] || fail "'$*' said '$err', want '$want'"
}
bad "ping: invalid argument: 'abc'" -c abc 10.0.2.2
bad "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807" -c 0 10.0.2.2
bad "ping: invalid argument: '256': out of range: 0 <= value <= 255" -t 256 10.0.2.2
bad "ping: invalid argument: '70000': out of range: 0 <= value <= 65527" -s 70000 10.0.2.2
bad "ping: invalid argument: '65508': out of range: 0 <= value <= 65507" -s 65508 10.0.2.2
bad "ping: invalid argument: '-1': out of range: 0 <= value <= 65527" -s -1 10.0.2.2
bad "ping: bad timing interval: 1x" -i 1x 10.0.2.2
bad "ping: the decimal value of TOS bits must be in range 0-255: 300" -Q 300 10.0.2.2
bad "ping: patterns must be specified as hex digits: zz" -p zz 10.0.2.2
bad "ping: invalid -M argument: foo" -M foo 10.0.2.2
bad "ping: only one -4 or -6 option may be specified" -4 -6 10.0.2.2
bad "ping: usage error: Destination address required" -c 1
bad "ping: SO_BINDTODEVICE nosuch0: No such device" -c 1 -I nosuch0 10.0.2.2
err=$(lx "$L" pc1 timeout 30 "$IKPING" -c 1 nosuchhost.invalid 2>&1 >/dev/null)
rc=$?
[ $rc = 2 ] || fail "unknown host: exit $rc"
echo "$err" | grep -qE "^ping: nosuchhost.invalid: (Name or service not known|Temporary failure in name resolution|No address associated with hostname)$" ||
	fail "unknown host said: $err"
# Below 0.2 s without root: as nobody (the sockets are never opened).
err=$(lx "$L" pc1 setpriv --reuid=65534 --regid=65534 --clear-groups "$IKPING" -i 0.1 -c 1 10.0.2.2 2>&1 >/dev/null)
rc=$?
[ $rc = 2 ] || fail "-i 0.1 as nobody: exit $rc ($err)"
[ "$err" = "ping: cannot flood; minimal interval allowed for user is 200ms" ] || fail "-i 0.1 as nobody: $err"
ok "bad input: one line, exit 2 (numbers, sizes, interval, TOS, pattern, -M, -4/-6, missing host, missing interface, unknown host, -i 0.1 without root)"
