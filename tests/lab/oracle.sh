#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Oracle test: icmpkit decode --json against tshark, field by field, on ICMP made by real tools in a lab.
#
# A seed lab (pc1 - r1 - r2 - pc2) is built with `icmpkit lab`; tcpdump on
# r1's pc1-facing interface records what iputils ping, traceroute,
# tracepath, nmap and hping3 send from pc1 and what the kernel routers and
# pc2 answer: echo v4/v6, Time Exceeded, Net and Port Unreachable, Frag
# Needed and Packet Too Big over a 1280-byte link, Timestamp, Address Mask,
# fragmented echo v4/v6, a deliberately bad checksum, neighbor discovery.
# Then both decoders read the same file and tests/lab/oracle/compare.py
# joins them on the frame number. Any disagreement fails the test.
#
# tshark runs with IPv4 and IPv6 reassembly off: icmpkit decodes frame by
# frame, so the first fragment is compared as an ICMP header whose checksum
# neither side can verify, and later fragments on their IP fields only.
set -u

say() { echo "oracle: $*"; }
die() { echo "oracle: FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
	echo "!!! oracle: SKIPPED: needs root (network namespaces, capture) !!!" >&2
	exit 77
fi
: "${ICMPKIT:?ICMPKIT must name the icmpkit binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"
for tool in tshark editcap tcpdump ping traceroute tracepath nmap hping3 python3 timeout; do
	if ! command -v "$tool" >/dev/null; then
		echo "!!! oracle: SKIPPED: $tool is not installed (make deps) !!!" >&2
		exit 77
	fi
done

work=$(mktemp -d /tmp/ikdec-oracle.XXXXXX) || die "mktemp"
# Lab names: at most 12 of [a-z0-9_]; the pid keeps parallel runs apart.
name="ikdec$(( ($$ * 7919 + RANDOM) % 10000000 ))"
cap_pid=""
live_pid=""
live_c_pid=""
lab_is_up=""

cleanup() {
	for pid in $cap_pid $live_pid $live_c_pid; do
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -n "$lab_is_up" ] && "$ICMPKIT" lab down "$name" >/dev/null 2>&1
	[ -n "${ORACLE_KEEP:-}" ] && echo "oracle: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command on a lab node. Every tool gets a hard time limit.
x() {
	local node=$1
	shift
	"$ICMPKIT" lab exec --name "$name" "$node" -- "$@"
}
T="timeout 30"

say "lab $name up"
"$ICMPKIT" lab up --name "$name" seed >"$work/lab.out" 2>&1 || {
	cat "$work/lab.out" >&2
	die "icmpkit lab up failed"
}
lab_is_up=1

# Linux rate-limits ICMP errors per destination: a burst of about six,
# then one a second (net.ipv4.icmp_ratelimit), and Net Unreachable also
# through the global net.ipv4.route.error_cost bucket, shared with the
# first. So each IPv4 phase that provokes errors from r2 gets its own pc1
# source address (a fresh bucket); IPv6 has only the per-namespace limit,
# which is switched off on the nodes that answer.
for i in 11 12 13 14; do
	x pc1 ip addr add "10.0.1.$i/24" dev eth0 || die "address on pc1"
done
for node in r1 r2 pc2; do
	x "$node" sysctl -qw net.ipv6.icmp.ratelimit=0 || die "sysctl on $node"
done

pcap="$work/cap.pcap"
# lab exec replaces itself with timeout, so cap_pid is timeout's pid and
# SIGINT reaches tcpdump through it; -Z root: the work dir is root's only.
"$ICMPKIT" lab exec --name "$name" r1 -- timeout -s INT 150 \
	tcpdump -i eth0 --immediate-mode -U -s 0 -Z root -w "$pcap" 2>"$work/tcpdump.err" &
cap_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break
	sleep 0.1
done
grep -q "listening on" "$work/tcpdump.err" || die "tcpdump did not start: $(cat "$work/tcpdump.err")"

# icmpkit decode itself capturing live on pc2: one stopped by SIGINT, one by -c.
"$ICMPKIT" lab exec --name "$name" pc2 -- timeout -s INT 120 \
	"$ICMPKIT" decode --json -i eth0 icmp >"$work/live.jsonl" 2>"$work/live.err" &
live_pid=$!
"$ICMPKIT" lab exec --name "$name" pc2 -- timeout 60 \
	"$ICMPKIT" decode -q -c 2 -i eth0 icmp6 >"$work/live_c.txt" 2>"$work/live_c.err" &
live_c_pid=$!
sleep 1

say "traffic from real tools"
run() { # node cmd...: a tool's own failure (no answer) is fine; the capture is what counts
	x "$@" >>"$work/tools.log" 2>&1 || echo "($* exited $?)" >>"$work/tools.log"
}
run pc1 $T ping -n -c 3 -i 0.2 -W 1 10.0.2.2
run pc1 $T ping -n -6 -c 3 -i 0.2 -W 1 fd00:2::2
run pc1 $T ping -n -c 2 -i 0.2 -W 1 -t 2 -I 10.0.1.11 10.0.2.2
run pc1 $T ping -n -6 -c 2 -i 0.2 -W 1 -t 2 fd00:2::2
run pc1 $T ping -n -c 2 -i 0.2 -W 1 -I 10.0.1.12 10.99.0.1
run pc1 $T ping -n -6 -c 2 -i 0.2 -W 1 fd00:99::1
run pc1 $T ping -n -c 2 -i 0.2 -W 1 -s 3000 10.0.2.2
run pc1 $T ping -n -6 -c 2 -i 0.2 -W 1 -s 3000 fd00:2::2
run pc1 $T traceroute -n -I -q 1 -w 1 -m 4 -s 10.0.1.13 10.0.2.2
run pc1 $T traceroute -n -q 1 -w 1 -m 4 -s 10.0.1.14 10.0.2.2
run pc1 $T traceroute -6 -n -I -q 1 -w 1 -m 4 fd00:2::2
run pc1 $T traceroute -6 -n -q 1 -w 1 -m 4 fd00:2::2
run pc1 $T nmap -n -sn -PE -PP -PM --max-retries 1 --host-timeout 5s 10.0.2.2
run pc1 $T hping3 --icmp --icmptype 13 -c 2 -i u200000 10.0.2.2
run pc1 $T hping3 --icmp-ts -c 2 -i u200000 10.0.2.2
run pc1 $T hping3 --icmp-addr -c 2 -i u200000 10.0.2.2
run pc1 $T hping3 --icmp --icmptype 15 -c 2 -i u200000 10.0.2.2
run pc1 $T hping3 --icmp -b -c 2 -i u200000 10.0.2.2
# Parameter Problem from a real router: r1 rejects a malformed IPv4 option
# and an IPv6 Hop-by-Hop option whose type says "must understand".
run pc1 $T python3 "$SRCDIR/scripts/craft.py" bad-option 10.0.1.2 10.0.2.2
run pc1 $T python3 "$SRCDIR/scripts/craft.py" bad-hbh fd00:1::2 fd00:2::2
# A 1280-byte link behind r2: tracepath meets real Frag Needed / Packet Too Big.
x r2 ip link set dev eth1 mtu 1280 || die "mtu on r2"
x pc2 ip link set dev eth0 mtu 1280 || die "mtu on pc2"
run pc1 $T tracepath -n -m 5 10.0.2.2
run pc1 $T tracepath -6 -n -m 5 fd00:2::2
sleep 1
kill -INT "$cap_pid"
wait "$cap_pid"
cap_pid=""
[ -s "$pcap" ] || die "empty capture"

kill -INT "$live_pid"
wait "$live_pid"
rc=$?
[ "$rc" = 0 ] || die "live decode stopped by SIGINT exited $rc: $(cat "$work/live.err")"
grep -q "packets read" "$work/live.err" || die "live decode printed no summary"
python3 - "$work/live.jsonl" <<'PY' || die "live decode on pc2 missed the echo requests"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
seqs = {r.get("seq") for r in recs if r.get("icmp_type") == 8 and r.get("dst") == "10.0.2.2"}
sys.exit(0 if {1, 2, 3} <= seqs else 1)
PY
wait "$live_c_pid"
rc=$?
[ "$rc" = 0 ] || die "live decode -c 2 exited $rc: $(cat "$work/live_c.err")"
[ "$(wc -l <"$work/live_c.txt")" = 2 ] || die "live decode -c 2 printed $(wc -l <"$work/live_c.txt") lines"
say "live capture: SIGINT and -c stop cleanly ($(wc -l <"$work/live.jsonl") packets seen on pc2)"

say "decode and dissect $(tcpdump -r "$pcap" 2>/dev/null | wc -l) frames"
"$ICMPKIT" decode --json "$pcap" >"$work/ours.jsonl" 2>"$work/ours.err"
rc=$?
cat "$work/ours.err"
[ "$rc" = 0 ] || die "icmpkit decode exited $rc"
tshark -n -r "$pcap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	-T json --no-duplicate-keys >"$work/tshark.json" 2>"$work/tshark.err" ||
	die "tshark: $(cat "$work/tshark.err")"

required="4/0,4/8,4/3/0,4/3/3,4/3/4,4/11/0,4/13,4/14,4/17,6/128,6/129,6/1/0,6/1/4,6/2,6/3/0"
required="$required,4/12/0,6/4/2,6/135,6/136,frag4,firstfrag4,frag6,firstfrag6,badcksum4"
required="$required,quote-udp4,quote-udp6,quote-icmp4,quote-icmp6,mtu4,mtu6"
python3 "$SRCDIR/tests/lab/oracle/compare.py" "$work/ours.jsonl" "$work/tshark.json" "$required"
status=$?

# The same capture through the other ways in: pcapng, stdin, a filter, -c.
editcap -F pcapng "$pcap" "$work/cap.pcapng" || die "editcap"
"$ICMPKIT" decode --json -q "$work/cap.pcapng" >"$work/ng.jsonl" || die "decode of pcapng"
cmp -s "$work/ours.jsonl" "$work/ng.jsonl" || die "pcapng decode differs from pcap decode"
"$ICMPKIT" decode --json -q - <"$pcap" >"$work/stdin.jsonl" || die "decode of stdin"
cmp -s "$work/ours.jsonl" "$work/stdin.jsonl" || die "stdin decode differs from file decode"
# BPF "icmp" is "ip proto 1", which every fragment of an ICMP datagram matches.
nf=$("$ICMPKIT" decode -q "$pcap" icmp and src 10.0.2.2 | wc -l)
tf=$(tshark -n -r "$pcap" -o ip.defragment:FALSE -Y 'ip.proto == 1 and ip.src == 10.0.2.2' 2>/dev/null | wc -l)
[ "$nf" -gt 0 ] && [ "$nf" = "$tf" ] || die "filter 'icmp and src 10.0.2.2': icmpkit $nf lines, tshark $tf"
nc=$("$ICMPKIT" decode -q -c 7 "$pcap" | wc -l)
[ "$nc" = 7 ] || die "-c 7 printed $nc lines"
"$ICMPKIT" decode -q "$pcap" 'icmp and and' >/dev/null 2>"$work/filter.err"
rc=$?
[ "$rc" = 2 ] && grep -q "syntax error" "$work/filter.err" || die "bad filter: exit $rc, $(cat "$work/filter.err")"
say "pcapng, stdin, filter ($nf packets) and -c agree"

[ "$status" = 0 ] || die "icmpkit and tshark disagree (see MISMATCH lines above)"
say "PASS"
