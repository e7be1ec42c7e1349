#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Answers probes whose TTL expires at this lab router with RFC 4884 Time Exceeded messages.

Run only inside a lab router namespace, next to an nft rule that drops the
kernel's own Time Exceeded (the answers sent here carry SO_MARK 0x4884, which
that rule lets through):

  ext_responder.py IFACE SRC SECONDS [MAX [STOPFILE]]

It watches IFACE (AF_PACKET) for IPv4 packets arriving with TTL 1 that are
not for this node, and answers each from SRC with ICMP Time Exceeded whose
original datagram field is padded to 128 bytes (RFC 4884 4.1, length in
32-bit words in the second byte of the unused field), followed by an
extension structure (RFC 4884 7) holding an MPLS label stack object (RFC
4950: label 24001, TC 0, S 1, TTL 1) and an interface information object
(RFC 5837: incoming interface, ifIndex, IPv4 address, name, MTU). Stops
after SECONDS, MAX answers (default 200) or once STOPFILE exists, printing
how many it sent.
"""
import os
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
SO_MARK = 36
MARK = 0x4884


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def extensions(src, ifindex, name, mtu):
    # RFC 4950: one label stack entry: label (20 bits), TC (3), S (1), TTL (8).
    label, tc, bottom, ttl = 24001, 0, 1, 1
    entry = struct.pack("!I", (label << 12) | (tc << 9) | (bottom << 8) | ttl)
    mpls = struct.pack("!HBB", 4 + len(entry), 1, 1) + entry
    # RFC 5837 4.1: C-Type = role (2 bits: 0 incoming) | 2 reserved | ifIndex | IP | name | MTU.
    ctype = (0 << 6) | 0x08 | 0x04 | 0x02 | 0x01
    addr = struct.pack("!HH", 1, 0) + socket.inet_aton(src)  # AFI 1: IPv4
    raw = name.encode()
    name_len = (1 + len(raw) + 3) // 4 * 4  # the length octet counts itself; a multiple of 4
    name_sub = bytes([name_len]) + raw + b"\0" * (name_len - 1 - len(raw))
    body = struct.pack("!I", ifindex) + addr + name_sub + struct.pack("!I", mtu)
    ifinfo = struct.pack("!HBB", 4 + len(body), 2, ctype) + body
    # RFC 4884 7: version 2, reserved, checksum over the whole structure.
    ext = struct.pack("!BBH", 2 << 4, 0, 0) + mpls + ifinfo
    return ext[:2] + struct.pack("!H", csum(ext)) + ext[4:]


def main():
    iface, src, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    stop = sys.argv[5] if len(sys.argv) > 5 else None
    ifindex = socket.if_nametoindex(iface)
    mine = socket.inet_aton(src)
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    rx.bind((iface, ETH_P_IP))
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    tx.setsockopt(socket.SOL_SOCKET, SO_MARK, MARK)
    ext = extensions(src, ifindex, iface, 1500)
    end = time.monotonic() + seconds
    sent = 0
    print("ready", flush=True)
    while sent < limit:
        left = end - time.monotonic()
        if left <= 0 or (stop and os.path.exists(stop)):
            break
        r, _, _ = select.select([rx], [], [], min(left, 0.1))
        if not r:
            continue
        pkt, addr = rx.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(pkt) < 20 or pkt[0] >> 4 != 4:
            continue
        ihl = (pkt[0] & 0xF) * 4
        if pkt[8] != 1 or pkt[16:20] == mine or len(pkt) < ihl + 8:
            continue
        # RFC 4884 4.1: the original datagram, zero-padded to 128 bytes when extensions follow.
        orig = pkt[:128].ljust(128, b"\0")
        icmp = struct.pack("!BBHBBH", 11, 0, 0, 0, len(orig) // 4, 0) + orig + ext
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        tx.sendto(icmp, (socket.inet_ntoa(pkt[12:16]), 0))
        sent += 1
    print("sent", sent, flush=True)


if __name__ == "__main__":
    main()
