#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Builds the seed corpora in corpus/<target>/ from capture.sh's pcaps plus hand-made edge cases.

Usage: mkcorpus.py PCAPDIR [OUTDIR]. One file per distinct kind of packet
(link, family, ICMP type and code, fragment or not), so the corpora stay
small. The first byte of a fuzz_packet input picks the link type, in the
order of fuzz_packet.c's links[]: Ethernet, raw, SLL, SLL2, NULL, LOOP.
"""
import hashlib
import os
import struct
import sys

LINK_ETH, LINK_RAW, LINK_SLL, LINK_SLL2, LINK_NULL, LINK_LOOP = range(6)
DLT = {1: LINK_ETH, 101: LINK_RAW, 12: LINK_RAW, 113: LINK_SLL, 276: LINK_SLL2}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        yield linktype, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def ip_of(link, frame):
    """The IP packet inside a frame, or None."""
    if link == LINK_ETH:
        off, etype = 12, None
        while off + 2 <= len(frame):
            etype = struct.unpack(">H", frame[off:off + 2])[0]
            if etype in (0x8100, 0x88A8):
                off += 4
                continue
            break
        return frame[off + 2:] if etype in (0x0800, 0x86DD) else None
    if link == LINK_SLL:
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if link == LINK_SLL2:
        return frame[20:] if frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if link == LINK_RAW:
        return frame
    return None


def icmp_of(ip):
    """(version, src, dst, icmp bytes, is_fragment) or None."""
    if not ip:
        return None
    if ip[0] >> 4 == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        frag = struct.unpack(">H", ip[6:8])[0]
        if ip[9] != 1 or frag & 0x1FFF:
            return None
        return 4, ip[12:16], ip[16:20], ip[ihl:total], bool(frag & 0x2000)
    if ip[0] >> 4 == 6 and len(ip) >= 40:
        nh, off, is_frag = ip[6], 40, False
        while nh in (0, 43, 44, 60) and off + 8 <= len(ip):
            if nh == 44:
                is_frag = True
                if struct.unpack(">H", ip[off + 2:off + 4])[0] & 0xFFF8:
                    return None
                nh, off = ip[off], off + 8
            else:
                nh, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nh != 58:
            return None
        return 6, ip[8:24], ip[24:40], ip[off:40 + struct.unpack(">H", ip[4:6])[0]], is_frag
    return None


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def with_csum(msg, at, pseudo=b""):
    msg = bytearray(msg)
    msg[at:at + 2] = b"\0\0"
    msg[at:at + 2] = struct.pack(">H", csum(pseudo + bytes(msg)))
    return bytes(msg)


SRC4, DST4 = bytes([10, 0, 12, 2]), bytes([10, 0, 1, 2])
SRC6 = bytes.fromhex("fd000012000000000000000000000002")
DST6 = bytes.fromhex("fd000001000000000000000000000002")


def ipv4(payload, proto=1, src=SRC4, dst=DST4, ttl=64, opts=b"", total=None):
    ihl = 5 + len(opts) // 4
    tl = total if total is not None else ihl * 4 + len(payload)
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, tl, 0x1234, 0x4000, ttl, proto, 0, src, dst) + opts
    return with_csum(h, 10) + payload


def ipv6(payload, nh=58, src=SRC6, dst=DST6, hlim=64, plen=None):
    pl = plen if plen is not None else len(payload)
    return struct.pack(">IHBB16s16s", 0x60000000, pl, nh, hlim, src, dst) + payload


def icmp4(t, c, rest, body):
    return with_csum(struct.pack(">BBH", t, c, 0) + rest + body, 2)


def icmp6(t, c, rest, body, src=SRC6, dst=DST6):
    msg = struct.pack(">BBH", t, c, 0) + rest + body
    pseudo = src + dst + struct.pack(">IxxxB", len(msg), 58)
    return with_csum(msg, 2, pseudo)


def ext(objects, bad_csum=False):
    """RFC 4884 7: version 2 header, checksum over the whole structure."""
    body = b"".join(struct.pack(">HBB", 4 + len(p), cls, ct) + p for cls, ct, p in objects)
    s = with_csum(b"\x20\x00\x00\x00" + body, 2)
    if bad_csum:
        s = s[:2] + bytes([s[2] ^ 0x55]) + s[3:]
    return s


def mpls(*entries):
    """RFC 4950: label, TC, S, TTL per 4-byte entry."""
    return (1, 1, b"".join(struct.pack(">I", lab << 12 | tc << 9 | s << 8 | ttl) for lab, tc, s, ttl in entries))


def ifinfo(role, ifindex=None, addr=None, name=None, mtu=None):
    """RFC 5837 4.1: C-Type = role(2) reserved(2) I A N M."""
    ct, p = role << 6, b""
    if ifindex is not None:
        ct |= 8
        p += struct.pack(">I", ifindex)
    if addr is not None:
        ct |= 4
        p += struct.pack(">HH", 1 if len(addr) == 4 else 2, 0) + addr
    if name is not None:
        ct |= 2
        n = bytes([0]) + name
        n += b"\0" * (-len(n) % 4)
        p += bytes([len(n)]) + n[1:]
    if mtu is not None:
        ct |= 1
        p += struct.pack(">I", mtu)
    return 2, ct, p


def ident(kind, value):
    """RFC 8335 2.1: Interface Identification Object, class 3."""
    if kind == 1:
        v = value + b"\0" * (-len(value) % 4)
    elif kind == 2:
        v = struct.pack(">I", value)
    else:
        v = struct.pack(">HBB", 1 if len(value) == 4 else 2, len(value), 0) + value
    return 3, kind, v


def quote4(proto=17):
    udp = struct.pack(">HHHH", 40000, 33434, 40, 0) + b"\x40" * 32
    return ipv4(udp, proto=proto, src=DST4, dst=bytes([10, 0, 2, 2]), ttl=1)


def quote6():
    udp = struct.pack(">HHHH", 40000, 33434, 40, 0) + b"\x40" * 32
    return ipv6(udp, nh=17, src=DST6, dst=bytes.fromhex("fd000002000000000000000000000002"), hlim=1)


def hand_made():
    """(name, version, icmp message) edge cases the lab cannot produce."""
    e1 = ext([mpls((16001, 0, 0, 1), (24002, 5, 1, 255))])
    e2 = ext([ifinfo(0, 7, SRC4, b"eth0", 1500), ifinfo(2, 9, SRC6, b"x" * 63, 9000)])
    e3 = ext([(9, 9, b"abcd"), mpls((1, 7, 1, 0))], bad_csum=True)
    q4 = quote4().ljust(128, b"\0")
    q6 = quote6().ljust(128, b"\0")
    m = [
        ("te4-ext-mpls", 4, icmp4(11, 0, b"\0\x20\0\0", q4 + e1)),
        ("du4-ext-ifinfo", 4, icmp4(3, 4, b"\0\x20\x05\x00", q4 + e2)),
        ("te4-ext-badsum", 4, icmp4(11, 0, b"\0\x20\0\0", q4 + e3)),
        ("te4-len-lies", 4, icmp4(11, 0, b"\0\xff\0\0", q4 + e1)),
        ("te4-short-quote", 4, icmp4(11, 0, b"\0\0\0\0", quote4()[:24])),
        ("du4-tcp-quote", 4, icmp4(3, 3, b"\0\0\0\0", ipv4(struct.pack(">HHI", 5555, 80, 99) + b"\0" * 12, proto=6)[:28])),
        ("pp4-pointer", 4, icmp4(12, 0, b"\x14\0\0\0", quote4()[:28])),
        ("redirect4", 4, icmp4(5, 1, bytes([10, 0, 1, 1]), quote4()[:28])),
        ("ts-reply", 4, icmp4(14, 0, b"\x12\x34\x00\x01", struct.pack(">III", 1000, 2000, 0x80000001))),
        ("mask-reply", 4, icmp4(18, 0, b"\x12\x34\x00\x01", b"\xff\xff\xff\x00")),
        ("info-request", 4, icmp4(15, 0, b"\x12\x34\x00\x01", b"")),
        ("router-advert4", 4, icmp4(9, 0, b"\x02\x02\x07\x08", SRC4 + b"\0\0\0\x05" + DST4 + b"\xff\xff\xff\xff")),
        ("router-advert4-lies", 4, icmp4(9, 0, b"\xff\x02\x07\x08", SRC4 + b"\0\0\0\x05")),
        ("router-solicit4", 4, icmp4(10, 0, b"\0\0\0\0", b"")),
        ("xecho4-name", 4, icmp4(42, 0, b"\x12\x34\x01\x01", ext([ident(1, b"eth0")]))),
        ("xecho4-index", 4, icmp4(42, 0, b"\x12\x34\x02\x00", ext([ident(2, 2)]))),
        ("xecho4-addr", 4, icmp4(42, 0, b"\x12\x34\x03\x00", ext([ident(3, SRC4)]))),
        ("xreply4", 4, icmp4(43, 0, b"\x12\x34\x01\x46", b"")),
        ("unknown-type4", 4, icmp4(200, 7, b"\1\2\3\4", b"zz")),
        ("te6-ext-mpls", 6, icmp6(3, 0, b"\x10\0\0\0", q6 + e1)),
        ("du6-ext-ifinfo", 6, icmp6(1, 0, b"\x10\0\0\0", q6 + e2)),
        ("ptb6", 6, icmp6(2, 0, b"\0\0\x05\x00", quote6())),
        ("pp6-pointer", 6, icmp6(4, 1, b"\0\0\0\x06", quote6())),
        ("xecho6-addr", 6, icmp6(160, 0, b"\x12\x34\x03\x01", ext([ident(3, SRC6)]))),
        ("xreply6", 6, icmp6(161, 0, b"\x12\x34\x01\x26", b"")),
        ("ra6", 6, icmp6(134, 0, b"\x40\xc0\x07\x08", b"\0\0\0\x10\0\0\0\x20"
                         + b"\x01\x01\x02\x00\x00\x00\x00\x01"
                         + b"\x05\x01\0\0\0\0\x05\x00"
                         + b"\x03\x04\x40\xc0\0\0\x0e\x10\0\0\x07\x08\0\0\0\0" + DST6[:8] + b"\0" * 8
                         + b"\x99\x01\0\0\0\0\0\0")),
        ("ns6", 6, icmp6(135, 0, b"\0\0\0\0", SRC6 + b"\x01\x01\x02\x00\x00\x00\x00\x01")),
        ("na6", 6, icmp6(136, 0, b"\xe0\0\0\0", SRC6 + b"\x02\x01\x02\x00\x00\x00\x00\x02")),
        ("na6-optlen0", 6, icmp6(136, 0, b"\xe0\0\0\0", SRC6 + b"\x02\x00\x02\x00\x00\x00\x00\x02")),
        ("redirect6", 6, icmp6(137, 0, b"\0\0\0\0", SRC6 + DST6 + b"\x04\x06\0\0\0\0\0\0" + quote6()[:40])),
        ("unknown-type6", 6, icmp6(250, 1, b"\1\2\3\4", b"zz")),
    ]
    return m


def main():
    pcapdir = sys.argv[1]
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    out = {t: {} for t in ("fuzz_packet", "fuzz_icmp4", "fuzz_icmp6", "fuzz_ext")}
    seen = set()

    def put(target, name, data, key=None):
        key = key or (target, hashlib.sha1(data).hexdigest())
        if key in seen:
            return
        seen.add(key)
        out[target][f"{name}-{hashlib.sha1(data).hexdigest()[:8]}"] = data

    for fname in sorted(os.listdir(pcapdir)):
        if not fname.endswith(".pcap"):
            continue
        for dlt, frame in read_pcap(os.path.join(pcapdir, fname)):
            link = DLT.get(dlt)
            if link is None:
                continue
            ip = ip_of(link, frame)
            ic = icmp_of(ip)
            kind = ("ip%d-t%d-c%d" % (ic[0], ic[3][0], ic[3][1])) if ic and len(ic[3]) >= 2 else (
                "ip%d-p%d" % (ip[0] >> 4, len(ip) // 600) if ip else "other")
            frag = ip and ((ip[0] >> 4 == 4 and ip[6:8] not in (b"\x40\x00", b"\x00\x00")) or ic and ic[4])
            kind += "-frag" if frag else ""
            # Ethernet gets one file per kind; the other links one per family.
            pkey = ("p", link, kind) if link == LINK_ETH else ("p", link, ip and ip[0] >> 4, bool(ic), frag)
            put("fuzz_packet", f"{fname[:-5]}-{kind}", bytes([link]) + frame, pkey)
            if link == LINK_ETH and ip:
                put("fuzz_packet", f"raw-{kind}", bytes([LINK_RAW]) + ip, ("p", LINK_RAW, ip[0] >> 4, bool(ic), frag))
                fam4 = ip[0] >> 4 == 4
                # BSD loopback: the address family as a host-order (NULL)
                # or network-order (LOOP) word; AF_INET6 is 24, 28 or 30.
                put("fuzz_packet", f"null-{kind}", bytes([LINK_NULL]) + struct.pack("<I", 2 if fam4 else 30) + ip,
                    ("p", LINK_NULL, fam4))
                put("fuzz_packet", f"loop-{kind}", bytes([LINK_LOOP]) + struct.pack(">I", 2 if fam4 else 24) + ip,
                    ("p", LINK_LOOP, fam4))
                put("fuzz_packet", f"qinq-{kind}", bytes([LINK_ETH]) + frame[:12] + b"\x88\xa8\x00\x05\x81\x00\x00\x07"
                    + frame[12:], ("p", "qinq", fam4))
            if ic and ic[0] == 4:
                put("fuzz_icmp4", kind, ic[3], ("4", kind))
            elif ic:
                put("fuzz_icmp6", kind, ic[1] + ic[2] + ic[3], ("6", kind))

    for name, ver, msg in hand_made():
        if ver == 4:
            put("fuzz_icmp4", name, msg)
            put("fuzz_packet", "hand-" + name, bytes([LINK_RAW]) + ipv4(msg))
        else:
            put("fuzz_icmp6", name, SRC6 + DST6 + msg)
            put("fuzz_packet", "hand-" + name, bytes([LINK_RAW]) + ipv6(msg))
    # Link and IP layer lies around a valid echo request.
    echo = icmp4(8, 0, b"\x12\x34\x00\x01", b"abcdefgh")
    put("fuzz_packet", "hand-ip4-options", bytes([LINK_RAW]) + ipv4(echo, opts=b"\x07\x07\x04\0\0\0\0\0"))
    put("fuzz_packet", "hand-ip4-total-long", bytes([LINK_RAW]) + ipv4(echo, total=1000))
    put("fuzz_packet", "hand-ip4-total-short", bytes([LINK_RAW]) + ipv4(echo, total=21))
    put("fuzz_packet", "hand-ip4-ihl4", bytes([LINK_RAW]) + b"\x44" + ipv4(echo)[1:])
    e6 = icmp6(128, 0, b"\x12\x34\x00\x01", b"abcdefgh")
    hbh = b"\x3a\x00\x01\x04\0\0\0\0"
    put("fuzz_packet", "hand-ip6-hbh", bytes([LINK_RAW]) + ipv6(hbh + e6, nh=0))
    put("fuzz_packet", "hand-ip6-frag0", bytes([LINK_RAW]) + ipv6(b"\x3a\x00\x00\x01\0\0\0\x07" + e6, nh=44))
    put("fuzz_packet", "hand-ip6-plen-long", bytes([LINK_RAW]) + ipv6(e6, plen=4000))
    put("fuzz_packet", "hand-ip6-ext-loop", bytes([LINK_RAW]) + ipv6(b"\x3c\xff" + b"\0" * 6, nh=60))
    put("fuzz_packet", "hand-empty", bytes([LINK_ETH]))

    exts = {
        "mpls": ext([mpls((16001, 0, 0, 1), (24002, 5, 1, 255))]),
        "mpls-max": ext([mpls(*[(i, 0, i == 19, 64) for i in range(20)])]),
        "ifinfo-all": ext([ifinfo(0, 7, SRC4, b"eth0", 1500)]),
        "ifinfo-v6-name63": ext([ifinfo(2, 9, SRC6, b"y" * 63, 9000)]),
        "ifinfo-many": ext([ifinfo(r, r) for r in (0, 1, 2, 3, 0, 1)]),
        "ifinfo-name-len0": ext([(2, 0x02, b"\x00\x00\x00\x00")]),
        "ifinfo-afi-unknown": ext([(2, 0x04, b"\x00\x09\x00\x00\x01\x02\x03\x04")]),
        "ident-name": ext([ident(1, b"lo")]),
        "ident-index": ext([ident(2, 1)]),
        "ident-addr6": ext([ident(3, SRC6)]),
        "unknown-class": ext([(200, 1, b"\0" * 8)]),
        "bad-checksum": ext([mpls((1, 0, 1, 1))], bad_csum=True),
        "zero-checksum": b"\x20\x00\x00\x00" + ext([mpls((1, 0, 1, 1))])[4:],
        "obj-len0": with_csum(b"\x20\0\0\0\x00\x00\x01\x01", 2),
        "obj-len-huge": with_csum(b"\x20\0\0\0\xff\xf0\x01\x01\0\0\0\0", 2),
        "obj-len-odd": with_csum(b"\x20\0\0\0\x00\x07\x01\x01\0\0\0", 2),
        "version1": b"\x10\x00\x00\x00",
        "header-only": with_csum(b"\x20\0\0\0", 2),
    }
    for name, data in exts.items():
        put("fuzz_ext", name, data)

    for target, files in out.items():
        d = os.path.join(outdir, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(files)} files, {sum(map(len, files.values()))} bytes")


if __name__ == "__main__":
    main()
