#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit trace on the seed lab: every hop (UDP, ICMP, TCP, IPv6), !N at R2, forged errors ignored, output as traceroute's.
. "$(dirname "$0")/lab_lib.sh"

L=ikt1$(( $$ % 100000 ))s
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" seed) || fail "lab up"
[ "$got" = "$L" ] || fail "lab up printed $got"

hops() { awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $2}' | tr '\n' ' '; }

out=$(lx "$L" pc1 "$ICMPKIT" trace -n 10.0.2.2) || fail "trace: $out"
echo "$out"
[ "$(echo "$out" | head -1)" = "traceroute to 10.0.2.2 (10.0.2.2), 30 hops max, 60 byte packets" ] || fail "header"
[ "$(echo "$out" | hops)" = "10.0.1.1 10.0.12.2 10.0.2.2 " ] || fail "UDP path"
echo "$out" | grep -Eq '^ 1  10\.0\.1\.1  [0-9]+\.[0-9]{3} ms  [0-9]+\.[0-9]{3} ms  [0-9]+\.[0-9]{3} ms$' || fail "hop line format"
ok "UDP (Paris): r1, r2, pc2, traceroute's line format"

out=$(lx "$L" pc1 "$ICMPKIT" trace -n -I -q 1 10.0.2.2) || fail "trace -I: $out"
[ "$(echo "$out" | hops)" = "10.0.1.1 10.0.12.2 10.0.2.2 " ] || fail "ICMP path: $out"
ok "ICMP Echo: r1, r2, pc2"

out=$(lx "$L" pc1 "$ICMPKIT" trace -n -6 -q 1 fd00:2::2) || fail "trace -6: $out"
[ "$(echo "$out" | hops)" = "fd00:1::1 fd00:12::2 fd00:2::2 " ] || fail "IPv6 path: $out"
ok "IPv6 UDP: fd00:1::1, fd00:12::2, fd00:2::2"

# TCP to a listening port and to a closed one: SYN-ACK or RST from pc2 ends the trace.
lx "$L" pc2 python3 -m http.server 8080 --bind 10.0.2.2 >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do lx "$L" pc2 ss -ltn | grep -q ':8080' && break; sleep 0.1; done
out=$(lx "$L" pc1 "$ICMPKIT" trace -n -T -p 8080 -q 1 --json 10.0.2.2) || fail "trace -T open: $out"
echo "$out" | grep -q '"ttl":3,.*"from":"10.0.2.2".*"tcp_flags":18' || fail "no SYN-ACK at hop 3: $out"
out=$(lx "$L" pc1 "$ICMPKIT" trace -n -T -p 8081 -q 1 --json 10.0.2.2) || fail "trace -T closed: $out"
echo "$out" | grep -q '"ttl":3,.*"from":"10.0.2.2".*"tcp_flags":20' || fail "no RST at hop 3: $out"
ok "TCP SYN: SYN-ACK from the listener, RST from a closed port, both at hop 3"

out=$(lx "$L" pc1 "$ICMPKIT" trace -n -q 1 10.99.0.1)
echo "$out"
echo "$out" | tail -1 | grep -Eq '^ 2  10\.0\.12\.2  [0-9.]+ ms !N$' || fail "!N at r2: $out"
[ "$(echo "$out" | wc -l)" = 3 ] || fail "nothing past the unreachable: $out"
out=$(lx "$L" pc1 "$ICMPKIT" trace -n -6 -q 1 fd00:99::1)
echo "$out" | tail -1 | grep -Eq '^ 2  fd00:12::2  [0-9.]+ ms !N$' || fail "IPv6 !N at r2: $out"
ok "10.99.0.1 and fd00:99::1: !N at r2, trace ends there"

# Forged Time Exceeded from pc2, quoting UDP flows to pc2 that are not ours
# (other source ports; our destination port with checksums never sent): 400
# in 2 s while the trace runs. None may become a hop.
cat >"/tmp/ikt1forge.$$.py" <<'PY'
import socket, struct, time, random
def ck(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
end = time.time() + 2
n = 0
while time.time() < end and n < 400:
    sport = random.choice([random.randint(1024, 32000), None])
    udp = struct.pack('!HHHH', sport or random.randint(32768, 60767), 33434, 40,
                      random.randint(0x8000, 0xfffe))
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 60, 0, 0, 1, 17, 0,
                     socket.inet_aton('10.0.1.2'), socket.inet_aton('10.0.2.2'))
    ip = ip[:10] + struct.pack('!H', ck(ip)) + ip[12:]
    body = ip + udp + bytes(32)
    icmp = struct.pack('!BBHI', 11, 0, 0, 0) + body
    icmp = icmp[:2] + struct.pack('!H', ck(icmp)) + icmp[4:]
    s.sendto(icmp, ('10.0.1.2', 0))
    n += 1
    time.sleep(0.004)
print(n)
PY
sleep 1.1
lx "$L" pc2 python3 "/tmp/ikt1forge.$$.py" >"/tmp/ikt1forge.$$.out" &
fp=$!
BG_PIDS="$BG_PIDS $fp"
sleep 0.3
out=$(lx "$L" pc1 "$ICMPKIT" trace -n --json -w 1 -m 6 10.0.2.9)
wait $fp
sent=$(cat "/tmp/ikt1forge.$$.out")
rm -f "/tmp/ikt1forge.$$.py" "/tmp/ikt1forge.$$.out"
echo "$out" | tail -1
foreign=$(echo "$out" | tail -1 | sed -n 's/.*"foreign":\([0-9]*\).*/\1/p')
[ -n "$foreign" ] && [ "$foreign" -ge 50 ] || fail "forged errors were not seen and refused (foreign=$foreign, sent=$sent)"
echo "$out" | grep '"type":"hop"' | grep -q '"from":"10.0.2.2"' && fail "a forged error became a hop: $out"
echo "$out" | grep -q '"ttl":1,.*"from":"10.0.1.1"' || fail "hop 1 lost among the forgeries: $out"
ok "$sent forged Time Exceeded from pc2: $foreign refused as foreign, none shown as a hop"

# Output compatibility: traceroute (Butskoy) and icmpkit run as 'traceroute',
# timings masked, in a fresh lab, with a 6 s refill before each traceroute run
# (it has no retries, so it must meet full buckets).
"$ICMPKIT" lab down "$L" >/dev/null 2>&1
L=ikt1$(( $$ % 100000 ))c
LABS_MADE="$LABS_MADE $L"
got=$("$ICMPKIT" lab up --name "$L" seed) || fail "lab up"
mask() { sed -E 's/[0-9]+\.[0-9]{3} ms/T ms/g'; }
LINK=/tmp/ikt1link.$$
mkdir -p "$LINK"
ln -sf "$ICMPKIT" "$LINK/traceroute"
trap 'rm -rf "$LINK"; lab_cleanup' EXIT
for args in "-n 10.0.2.2" "-n -6 fd00:2::2" "10.0.2.2" "-n -I 10.0.2.2"; do
	have=$(lx "$L" pc1 "$LINK/traceroute" $args | mask)
	case "$args" in *-6*) sleep 2 ;; *) sleep 6.2 ;; esac
	want=$(lx "$L" pc1 traceroute $args | mask)
	[ "$want" = "$have" ] || fail "traceroute $args differs:
--- traceroute
$want
--- icmpkit as traceroute
$have"
	echo "$have" | grep -q '\*' && fail "a '*' in a fresh lab: $have"
	case "$args" in *-6*) ;; *) sleep 6.2 ;; esac
done
ok "byte-identical to traceroute (timings masked): -n, -6, names, -I"
