#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Checks decode's JSON and text escaping of hostile wire text: an RFC 5837 interface name with quotes, controls and bad UTF-8.
"""usage: json_escape.py ICMPKIT WORKDIR

Builds a one-frame pcap by hand (Ethernet, IPv4, ICMP Time Exceeded quoting
a UDP datagram, RFC 4884 extension with an RFC 5837 interface object whose
name holds '"', '\\', a control byte, an invalid UTF-8 byte, a valid UTF-8
sequence and DEL), runs `icmpkit decode --json` and `-v` on it, and checks
that the JSON parses and gives the name back, and that the text line shows
only printable ASCII. No root or network needed.
"""
import json
import os
import struct
import subprocess
import sys


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, ttl, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", cksum(hdr)) + hdr[12:]
    return hdr + payload


NAME = b'e"q\\\x01\xff\xc3\xa9\x7f'
WANT = 'e"q\\\x01\u00ff\u00e9\x7f'


def frame():
    udp = struct.pack("!HHHH", 40000, 33434, 8 + 32, 0) + bytes(32)
    inner = ipv4([10, 0, 1, 2], [10, 0, 2, 2], 17, udp, ttl=1, ident=77)
    orig = inner.ljust(128, b"\0")  # RFC 4884 5.1: padded to 128 bytes
    # RFC 5837 4.1: C-Type = role 0 (incoming) | ifIndex (0x08) | name (0x02).
    name_sub = bytes([4 * ((1 + len(NAME) + 3) // 4)]) + NAME
    name_sub = name_sub.ljust(name_sub[0], b"\0")
    obj_body = struct.pack("!I", 7) + name_sub
    obj = struct.pack("!HBB", 4 + len(obj_body), 2, 0x0A) + obj_body
    ext = struct.pack("!BBH", 0x20, 0, 0) + obj
    ext = ext[:2] + struct.pack("!H", cksum(ext)) + ext[4:]
    # RFC 4884 4.1: the length octet counts 32-bit words of the original datagram.
    icmp = struct.pack("!BBHBBH", 11, 0, 0, 0, len(orig) // 4, 0) + orig + ext
    icmp = icmp[:2] + struct.pack("!H", cksum(icmp)) + icmp[4:]
    ip = ipv4([10, 0, 12, 2], [10, 0, 1, 2], 1, icmp)
    eth = b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + b"\x08\x00"
    return eth + ip


def main():
    exe, work = sys.argv[1], sys.argv[2]
    f = frame()
    path = os.path.join(work, "escape.pcap")
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        out.write(struct.pack("<IIII", 1700000000, 5, len(f), len(f)) + f)
    js = subprocess.run([exe, "decode", "-q", "--json", path], capture_output=True, check=True)
    line = js.stdout.decode("utf-8")  # strict: the output must be valid UTF-8
    rec = json.loads(line)
    ok = True

    def check(what, got, want):
        nonlocal ok
        if got != want:
            print("FAIL %s: got %r, want %r" % (what, got, want))
            ok = False

    check("lines", line.count("\n"), 1)
    check("icmp_type", rec.get("icmp_type"), 11)
    check("checksum_ok", rec.get("checksum_ok"), True)
    check("quote.dport", rec.get("quote", {}).get("dport"), 33434)
    infos = rec.get("ext", {}).get("ifinfo", [])
    check("ifinfo count", len(infos), 1)
    if infos:
        check("ifindex", infos[0].get("ifindex"), 7)
        check("name", infos[0].get("name"), WANT)
    check("raw 0xff escaped", "\\u00ff" in line, True)
    check("DEL escaped", "\\u007f" in line, True)
    check("control escaped", "\\u0001" in line, True)
    txt = subprocess.run([exe, "decode", "-q", "-v", path], capture_output=True, check=True).stdout
    check("text printable", all(0x20 <= b < 0x7F for b in txt.rstrip(b"\n")), True)
    check("text name", b'name "e\\x22q\\x5c\\x01\\xff\\xc3\\xa9\\x7f"' in txt, True)
    print(line.rstrip())
    print(txt.decode("ascii").rstrip())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
