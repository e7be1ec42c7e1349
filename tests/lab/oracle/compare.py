#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Compares `icmpkit decode --json` with tshark's dissection of the same capture, field by field per frame.
"""usage: compare.py OURS.jsonl TSHARK.json [REQUIRED_KINDS]

OURS.jsonl is icmpkit decode --json output; TSHARK.json is
`tshark -T json --no-duplicate-keys -o ip.defragment:FALSE
-o ipv6.defragment:FALSE -r FILE` of the same file. Frames are joined on
the frame number. Exits 1 on any disagreement, on a frame one side has as
ICMP and the other not, or when a kind of packet in REQUIRED_KINDS (comma
separated "4/8", "6/2", "frag4", "quote-udp4", ...) never occurred, so the
test cannot pass on a capture that lacks what it is meant to check.

Conventions (tshark's, accounted for here, and nowhere else):
- Fragments are compared undefragmented: a first fragment carries the ICMP
  header, whose checksum neither side can verify (tshark "unverified" = our
  null); later fragments have no ICMP layer and are compared on the IP
  fields and the fragment offset only.
- tshark prints the ICMPv6 echo identifier in hex and IPv4 ids in hex;
  both are compared as integers. Fragment offsets (ip.frag_offset and
  ipv6.fraghdr.offset) are in 8-octet units in tshark 4.0, bytes in icmpkit.
- payload_len is compared where tshark reports the bytes after the 8-byte
  header as a data field: echo request/reply (and its first fragment). When
  tshark recognises a timestamp at the start of the echo data
  (icmp.data_time, 8 bytes) it shows only the data after it, so those 8
  bytes are added back.
"""
import json
import sys


def as_int(v):
    if v is None:
        return None
    if isinstance(v, list):
        v = v[0]
    return int(v, 0) if isinstance(v, str) else int(v)


def first(v):
    return v[0] if isinstance(v, list) else v


def status(v):
    """tshark checksum.status: 0 bad, 1 good, 2 unverified."""
    if v is None:
        return None
    return {0: False, 1: True, 2: None}[as_int(v)]


def find_opt(icmp6, key):
    opts = icmp6.get("icmpv6.opt")
    if opts is None:
        return None
    for o in opts if isinstance(opts, list) else [opts]:
        if key in o:
            return first(o[key])
    return None


def tshark_quote(icmp, v6):
    """The offending datagram tshark dissected inside an ICMP error."""
    q = {}
    ip = icmp.get("ipv6" if v6 else "ip")
    if not isinstance(ip, dict):
        return q
    if v6:
        q["q_src"] = ip.get("ipv6.src")
        q["q_dst"] = ip.get("ipv6.dst")
        q["q_ttl"] = as_int(ip.get("ipv6.hlim"))
        # icmpkit reports the upper-layer protocol after the extension headers.
        nxt = ip.get("ipv6.nxt")
        for ext in ("ipv6.hopopts", "ipv6.dstopts", "ipv6.routing", "ipv6.fraghdr"):
            if isinstance(ip.get(ext), dict):
                nxt = ip[ext].get(ext + ".nxt", nxt)
        q["q_protocol"] = as_int(nxt)
        plen = as_int(ip.get("ipv6.plen"))
        q["q_ip_len"] = plen + 40 if plen is not None else None
    else:
        q["q_src"] = ip.get("ip.src")
        q["q_dst"] = ip.get("ip.dst")
        q["q_ttl"] = as_int(ip.get("ip.ttl"))
        q["q_protocol"] = as_int(ip.get("ip.proto"))
        q["q_ip_len"] = as_int(ip.get("ip.len"))
        q["q_ip_id"] = as_int(ip.get("ip.id"))
    for l4, sp, dp in (("udp", "udp.srcport", "udp.dstport"), ("tcp", "tcp.srcport", "tcp.dstport")):
        if isinstance(icmp.get(l4), dict):
            q["q_sport"] = as_int(icmp[l4].get(sp))
            q["q_dport"] = as_int(icmp[l4].get(dp))
    inner = icmp.get("icmpv6" if v6 else "icmp")
    if isinstance(inner, dict):
        p = "icmpv6." if v6 else "icmp."
        q["q_icmp_type"] = as_int(inner.get(p + "type"))
        q["q_icmp_code"] = as_int(inner.get(p + "code"))
        if v6:
            q["q_icmp_id"] = as_int(inner.get("icmpv6.echo.identifier"))
            q["q_icmp_seq"] = as_int(inner.get("icmpv6.echo.sequence_number"))
        else:
            q["q_icmp_id"] = as_int(inner.get("icmp.ident"))
            q["q_icmp_seq"] = as_int(inner.get("icmp.seq"))
    return q


def from_tshark(pkt):
    """Normalised fields of one tshark frame, or None when it holds no ICMP."""
    L = pkt["_source"]["layers"]
    r = {}
    ip4, ip6 = L.get("ip"), L.get("ipv6")
    if isinstance(ip4, list) or isinstance(ip6, list):
        return None  # tunnels: not in these captures
    if ip4:
        r["ip_version"] = 4
        r["src"], r["dst"] = ip4.get("ip.src"), ip4.get("ip.dst")
        r["ttl"] = as_int(ip4.get("ip.ttl"))
        r["ip_id"] = as_int(ip4.get("ip.id"))
        r["ip_len"] = as_int(ip4.get("ip.len"))
        off = as_int(ip4.get("ip.frag_offset")) * 8
        mf = as_int(ip4.get("ip.flags_tree", {}).get("ip.flags.mf"))
        r["is_fragment"] = bool(off or mf)
        if r["is_fragment"]:
            r["frag_offset"] = off
        proto = as_int(ip4.get("ip.proto"))
    elif ip6:
        r["ip_version"] = 6
        r["src"], r["dst"] = ip6.get("ipv6.src"), ip6.get("ipv6.dst")
        r["ttl"] = as_int(ip6.get("ipv6.hlim"))
        r["flow_label"] = as_int(ip6.get("ipv6.flow"))
        r["ip_len"] = as_int(ip6.get("ipv6.plen")) + 40
        frag = ip6.get("ipv6.fraghdr")
        r["is_fragment"] = isinstance(frag, dict)
        proto = as_int(ip6.get("ipv6.nxt"))
        if r["is_fragment"]:
            r["frag_offset"] = as_int(frag.get("ipv6.fraghdr.offset")) * 8
            proto = as_int(frag.get("ipv6.fraghdr.nxt"))
    else:
        return None

    v6 = r["ip_version"] == 6
    icmp = L.get("icmpv6" if v6 else "icmp")
    if not isinstance(icmp, dict):
        # A later fragment of an ICMP datagram has no ICMP layer.
        if r["is_fragment"] and r.get("frag_offset") and proto in (1, 58):
            return r
        # tshark stops at an IPv4 header whose options it finds malformed
        # (our Parameter Problem stimulus); icmpkit still decodes the ICMP
        # behind a valid IHL. Only the IP fields can be compared there.
        if "_ws.malformed" in L and proto in (1, 58):
            r["tshark_malformed"] = True
            return r
        return None
    p = "icmpv6." if v6 else "icmp."
    t = as_int(icmp.get(p + "type"))
    r["icmp_type"] = t
    r["icmp_code"] = as_int(icmp.get(p + "code"))
    r["checksum"] = as_int(icmp.get(p + "checksum"))
    r["checksum_ok"] = status(icmp.get(p + "checksum.status"))
    if v6:
        r["id"] = as_int(icmp.get("icmpv6.echo.identifier"))
        r["seq"] = as_int(icmp.get("icmpv6.echo.sequence_number"))
        r["mtu"] = as_int(icmp.get("icmpv6.mtu"))
        r["pointer"] = as_int(icmp.get("icmpv6.pointer"))
        r["nd_target"] = icmp.get("icmpv6.nd.ns.target_address") or icmp.get(
            "icmpv6.nd.na.target_address") or icmp.get("icmpv6.nd.rd.target_address")
        r["src_lladdr"] = find_opt(icmp, "icmpv6.opt.src_linkaddr")
        r["tgt_lladdr"] = find_opt(icmp, "icmpv6.opt.target_linkaddr")
    else:
        r["id"] = as_int(icmp.get("icmp.ident"))
        r["seq"] = as_int(icmp.get("icmp.seq"))
        r["mtu"] = as_int(icmp.get("icmp.mtu"))
        r["pointer"] = as_int(icmp.get("icmp.pointer"))
        r["gateway"] = icmp.get("icmp.redir_gw")
        r["ts_originate"] = as_int(icmp.get("icmp.originate_timestamp"))
        r["ts_receive"] = as_int(icmp.get("icmp.receive_timestamp"))
        r["ts_transmit"] = as_int(icmp.get("icmp.transmit_timestamp"))
        r["address_mask"] = icmp.get("icmp.address_mask")
    if t in ((128, 129) if v6 else (0, 8)):
        data = icmp.get("data")
        n = as_int(data.get("data.len")) if isinstance(data, dict) else 0
        # tshark shows a leading 8-byte BSD timeval (iputils ping's) as
        # icmp.data_time and the data after it; both are payload.
        r["payload_len"] = n + (8 if "icmp.data_time" in icmp else 0)
    r.update(tshark_quote(icmp, v6))
    return {k: v for k, v in r.items() if v is not None or k == "checksum_ok"}


def from_ours(d):
    r = {k: d.get(k) for k in ("ip_version", "src", "dst", "ttl", "ip_len", "is_fragment")}
    if d.get("ip_version") == 4:
        r["ip_id"] = d.get("ip_id")
    else:
        r["flow_label"] = d.get("flow_label")
    if d.get("is_fragment"):
        r["frag_offset"] = d.get("frag_offset")
    if "icmp_type" not in d:
        return r
    v6 = d["ip_version"] == 6
    t = d["icmp_type"]
    for k in ("icmp_type", "icmp_code", "checksum", "checksum_ok", "id", "seq", "mtu",
              "pointer", "gateway", "address_mask"):
        if k in d:
            r[k] = d[k]
    ts = d.get("timestamps")
    if ts:
        r["ts_originate"], r["ts_receive"], r["ts_transmit"] = (
            ts["originate"], ts["receive"], ts["transmit"])
    nd = d.get("nd", {})
    for ours, theirs in (("target", "nd_target"), ("src_lladdr", "src_lladdr"),
                         ("tgt_lladdr", "tgt_lladdr")):
        if ours in nd:
            r[theirs] = nd[ours]
    if t in ((128, 129) if v6 else (0, 8)):
        r["payload_len"] = d.get("payload_len")
    q = d.get("quote")
    if q:
        r["q_src"], r["q_dst"] = q["src"], q["dst"]
        r["q_ttl"], r["q_protocol"], r["q_ip_len"] = q["ttl"], q["protocol"], q["ip_len"]
        if q.get("ip_version") == 4:
            r["q_ip_id"] = q.get("ip_id")
        for k in ("sport", "dport", "icmp_type", "icmp_code", "icmp_id", "icmp_seq"):
            if k in q:
                r["q_" + k] = q[k]
    return {k: v for k, v in r.items() if v is not None or k == "checksum_ok"}


def kinds(r):
    """Labels of what a frame exercises, for the coverage check."""
    v = r.get("ip_version")
    out = set()
    if "icmp_type" in r:
        out.add("%d/%d" % (v, r["icmp_type"]))
        out.add("%d/%d/%d" % (v, r["icmp_type"], r["icmp_code"]))
    if r.get("is_fragment"):
        out.add("frag%d" % v if r.get("frag_offset") else "firstfrag%d" % v)
    if r.get("checksum_ok") is False:
        out.add("badcksum%d" % v)
    if "q_sport" in r:
        out.add("quote-udp%d" % v if r.get("q_protocol") == 17 else "quote-tcp%d" % v)
    if "q_icmp_type" in r:
        out.add("quote-icmp%d" % v)
    if "mtu" in r:
        out.add("mtu%d" % v)
    return out


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ours = {}
    for line in open(sys.argv[1]):
        d = json.loads(line)
        if "error" in d and "ip_version" not in d:
            print("icmpkit could not decode frame %d: %s" % (d["frame"], d["error"]))
            ours[d["frame"]] = {"error": d["error"]}
            continue
        ours[d["frame"]] = from_ours(d)
    theirs = {}
    for pkt in json.load(open(sys.argv[2])):
        n = int(pkt["_source"]["layers"]["frame"]["frame.number"])
        r = from_tshark(pkt)
        if r is not None:
            theirs[n] = r
    required = [k for k in (sys.argv[3].split(",") if len(sys.argv) > 3 else []) if k]

    fields = {}
    bad = []
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    malformed = 0
    for n in sorted(set(ours) & set(theirs)):
        a, b = ours[n], theirs[n]
        keys = set(a) | set(b)
        if b.get("tshark_malformed"):
            malformed += 1
            keys = set(b) - {"tshark_malformed"}
        for k in sorted(keys):
            st = fields.setdefault(k, [0, 0])
            st[0] += 1
            if a.get(k, "<absent>") == b.get(k, "<absent>"):
                st[1] += 1
            else:
                bad.append((n, k, a.get(k, "<absent>"), b.get(k, "<absent>")))

    print("%-14s %8s %8s %8s" % ("field", "compared", "agree", "differ"))
    tc = ta = 0
    for k in sorted(fields):
        c, a = fields[k]
        tc += c
        ta += a
        print("%-14s %8d %8d %8d" % (k, c, a, c - a))
    print("%-14s %8d %8d %8d" % ("TOTAL", tc, ta, tc - ta))
    print("frames: %d ICMP frames in both, %d only in icmpkit, %d only in tshark"
          % (len(set(ours) & set(theirs)), len(only_ours), len(only_theirs)))
    seen = set()
    for r in theirs.values():
        seen |= kinds(r)
    print("kinds seen: " + " ".join(sorted(seen)))
    if malformed:
        print("%d frame(s) tshark calls malformed before ICMP: compared on IP fields only"
              % malformed)

    ok = True
    for n, k, a, b in bad:
        print("MISMATCH frame %d %s: icmpkit=%r tshark=%r" % (n, k, a, b))
        ok = False
    for n in only_ours:
        print("MISMATCH frame %d: icmpkit printed it, tshark has no ICMP there" % n)
        ok = False
    for n in only_theirs:
        print("MISMATCH frame %d: tshark has ICMP %r, icmpkit printed nothing" % (n, theirs[n]))
        ok = False
    missing = [k for k in required if k not in seen]
    if missing:
        print("MISSING: the capture holds no %s, so it does not test them" % ", ".join(missing))
        ok = False
    if tc == 0:
        print("MISSING: nothing was compared")
        ok = False
    print("RESULT: %s (%d/%d fields agree)" % ("PASS" if ok else "FAIL", ta, tc))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
