#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# An ICMP Timestamp responder whose clock is off by a known amount, for a lab node (root).
"""Answers ICMP Timestamp Requests (RFC 792 type 13) as if this node's clock
were OFFSET milliseconds ahead (negative: behind). Lab namespaces share the
machine's one clock, so a skewed peer has to be made: this one stamps
receive and transmit from the real clock plus the offset, truncated to whole
milliseconds as Linux does.

The kernel's own Timestamp Replies from this node would race ours, so an
nftables table in this node's namespace drops outgoing timestamp-replies
that do not carry our socket mark (SO_MARK). The table is removed on exit.

Bounded: exits after --seconds or --count replies, whichever comes first.
Prints "ready" on stdout once it listens, and "answered N" on exit.
"""
import argparse
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

SO_MARK = 36
MARK = 0x1C57
TABLE = "ikp2_ts_responder"
DAY_MS = 86400000


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def nft(script):
    subprocess.run(["nft", "-f", "-"], input=script.encode(), check=True)


def stamp(args, start_ns):
    """The stamp for now, in the responder's skewed clock and chosen base."""
    now_us = time.time_ns() // 1000 + round(args.offset * 1000)
    if args.base == "ut":
        # RFC 792: ms since midnight UT, high bit clear.
        return (now_us // 1000) % DAY_MS
    # RFC 792: any other base must set the high bit. Ours counts ms since
    # start plus --base-ms, as a host stamping ms since boot would.
    ms = (time.monotonic_ns() - start_ns) // 1000000 + args.base_ms
    ms += round(args.offset)
    return 0x80000000 | (ms & 0x7FFFFFFF)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--offset", type=float, default=0.0, help="ms to add to the clock")
    ap.add_argument("--base", choices=["ut", "nonstandard"], default="ut")
    ap.add_argument("--base-ms", type=int, default=0, help="non-standard base at start")
    ap.add_argument("--seconds", type=float, default=30.0, help="run at most this long")
    ap.add_argument("--count", type=int, default=1000, help="answer at most this many")
    ap.add_argument("--hold-ms", type=float, default=0.0, help="wait between receive and transmit stamps")
    args = ap.parse_args()
    if not 0 < args.seconds <= 600 or not 0 < args.count <= 100000:
        ap.error("--seconds must be in (0, 600], --count in (0, 100000]")

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setsockopt(socket.SOL_SOCKET, SO_MARK, MARK)
    nft(
        "table ip %s {\n"
        " chain out { type filter hook output priority 0; policy accept;\n"
        "  icmp type timestamp-reply meta mark != 0x%x drop\n"
        " }\n"
        "}\n" % (TABLE, MARK)
    )
    answered = 0
    start_ns = time.monotonic_ns()
    deadline = time.monotonic() + args.seconds
    try:
        print("ready", flush=True)
        while not stop and answered < args.count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                r, _, _ = select.select([sock], [], [], min(left, 0.2))
            except InterruptedError:
                continue
            if not r:
                continue
            pkt, (src, _) = sock.recvfrom(65535)
            if len(pkt) < 20:
                continue
            ihl = (pkt[0] & 0x0F) * 4
            icmp = pkt[ihl:]
            # RFC 792: a Timestamp Request is 20 bytes; type 13, code 0.
            if len(icmp) < 20 or icmp[0] != 13 or icmp[1] != 0 or cksum(icmp[:20]) != 0:
                continue
            recv = stamp(args, start_ns)
            if args.hold_ms > 0:
                time.sleep(args.hold_ms / 1000)
            ident, seq, orig = struct.unpack("!HHI", icmp[4:12])
            xmit = stamp(args, start_ns)
            body = struct.pack("!BBHHHIII", 14, 0, 0, ident, seq, orig, recv, xmit)
            body = body[:2] + struct.pack("!H", cksum(body)) + body[4:]
            sock.sendto(body, (src, 0))
            answered += 1
    finally:
        try:
            nft("delete table ip %s\n" % TABLE)
        except (subprocess.CalledProcessError, OSError) as e:
            print("ts_responder: removing the nft table: %s" % e, file=sys.stderr)
        print("answered %d" % answered, flush=True)


if __name__ == "__main__":
    main()
