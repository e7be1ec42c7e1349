#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sends one deliberately malformed IP packet so a real router answers it.

Run only inside a lab namespace (icmpkit lab exec NODE -- scripts/craft.py ...).
  bad-option SRC DST   IPv4 with a Timestamp option of impossible length 3:
                       Linux routers answer ICMP Parameter Problem, pointer 21
                       (RFC 791 3.1, RFC 1812 5.2.2), from ip_options_compile().
  bad-hbh SRC DST      IPv6 with a Hop-by-Hop option of unknown type 0x80,
                       whose top bits say "discard and send Parameter Problem
                       code 2" (RFC 8200 4.2); every router on the path parses
                       Hop-by-Hop, so the first one answers.
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


def bad_option(src, dst):
    payload = struct.pack("!BBHHH", 8, 0, 0, 0x1c3d, 1) + b"icmpkit-param-prob"
    payload = payload[:2] + struct.pack("!H", csum(payload)) + payload[4:]
    option = bytes([0x44, 3, 5, 0])  # timestamp, length 3 (< 4 is invalid)
    ihl = 6
    total = ihl * 4 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x4242, 0, 64, 1, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + option
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + payload, (dst, 0))


def bad_hbh(src, dst):
    s6 = socket.inet_pton(socket.AF_INET6, src)
    d6 = socket.inet_pton(socket.AF_INET6, dst)
    echo = struct.pack("!BBHHH", 128, 0, 0, 0x1c3d, 1) + b"icmpkit-param-prob"
    pseudo = s6 + d6 + struct.pack("!I3xB", len(echo), 58)
    echo = echo[:2] + struct.pack("!H", csum(pseudo + echo)) + echo[4:]
    # Hop-by-Hop: next header 58, length 0 (8 bytes), option 0x80 len 4, PadN-free.
    hbh = bytes([58, 0, 0x80, 4, 0, 0, 0, 0])
    body = hbh + echo
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(body), 0, 64, s6, d6)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + body, (dst, 0))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("bad-option", "bad-hbh"):
        print(__doc__, file=sys.stderr)
        return 2
    {"bad-option": bad_option, "bad-hbh": bad_hbh}[sys.argv[1]](sys.argv[2], sys.argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
