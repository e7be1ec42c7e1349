/* SPDX-License-Identifier: BSD-3-Clause */
/* Malformed ICMP (checksum, type, code, length, quoted datagram) and the classic scanners' fingerprints. */
#include <string.h>

#include "watch_int.h"

/* IANA-assigned ICMPv4 types (deprecated ones included: they are named, not unknown). */
static bool watch_is_known_type4(uint8_t t)
{
	return t <= 6 ? t != 1 && t != 2 : t <= 18 ? t != 7 : (t >= 30 && t <= 43) || t == 253 || t == 254;
}

/* IANA-assigned ICMPv6 types. */
static bool watch_is_known_type6(uint8_t t)
{
	return (t >= 1 && t <= 4) || t == 100 || t == 101 || t == 127 || (t >= 128 && t <= 161) ||
	       t == 200 || t == 201 || t == 255;
}

/* Highest defined code for the types whose codes are defined, or -1 when any code goes. */
static int watch_max_code(uint8_t version, uint8_t type)
{
	if (version == 4) {
		switch (type) {
		case IK_ICMP4_DEST_UNREACH: return 15;
		case IK_ICMP4_REDIRECT: return 3;
		case IK_ICMP4_TIME_EXCEEDED: return 1;
		case IK_ICMP4_PARAM_PROBLEM: return 2;
		case IK_ICMP4_EXT_ECHO_REPLY: return 4;
		case IK_ICMP4_ROUTER_ADVERT: return 16; /* 0 or 16 (RFC 2002) */
		case IK_ICMP4_ECHO_REPLY: case IK_ICMP4_SOURCE_QUENCH: case IK_ICMP4_ECHO_REQUEST:
		case IK_ICMP4_ROUTER_SOLICIT: case IK_ICMP4_TIMESTAMP: case IK_ICMP4_TIMESTAMP_REPLY:
		case IK_ICMP4_INFO_REQUEST: case IK_ICMP4_INFO_REPLY: case IK_ICMP4_MASK_REQUEST:
		case IK_ICMP4_MASK_REPLY: case IK_ICMP4_EXT_ECHO_REQUEST: return 0;
		default: return -1;
		}
	}
	switch (type) {
	case IK_ICMP6_DEST_UNREACH: return 8;
	case IK_ICMP6_TIME_EXCEEDED: return 1;
	case IK_ICMP6_PARAM_PROBLEM: return 10;
	case IK_ICMP6_EXT_ECHO_REPLY: return 4;
	case IK_ICMP6_PACKET_TOO_BIG: case IK_ICMP6_ECHO_REQUEST: case IK_ICMP6_ECHO_REPLY:
	case IK_ICMP6_ROUTER_SOLICIT: case IK_ICMP6_ROUTER_ADVERT: case IK_ICMP6_NEIGHBOR_SOLICIT:
	case IK_ICMP6_NEIGHBOR_ADVERT: case IK_ICMP6_REDIRECT: case IK_ICMP6_EXT_ECHO_REQUEST:
		return 0;
	default: return -1;
	}
}

static void watch_quote_checks(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_icmp *m = &wp->p->icmp;
	const struct ik_quote *q = &m->quote;
	if (!ik_icmp_is_error(m->version, m->type))
		return;
	/* With is_present the IP header decoded and only the transport bytes fell short. */
	if (!q->is_present && (m->quote_err == IK_ERR_TRUNCATED || m->quote_err == IK_ERR_BAD_LENGTH)) {
		watch_alert(w, IK_SID_QUOTE_TRUNCATED, wp, NULL, NULL,
			    "error (type %u code %u) quotes %zu bytes, not a whole IP header", m->type,
			    m->code, m->data_len);
		return;
	}
	if (m->quote_err == IK_ERR_UNSUPPORTED || (q->is_present && q->ip.version != m->version)) {
		watch_alert(w, IK_SID_QUOTE_VERSION, wp, NULL, NULL,
			    "ICMPv%u error (type %u) quotes a datagram of IP version %u", m->version,
			    m->type, q->is_present ? q->ip.version : (unsigned)(m->data_len ? m->data[0] >> 4 : 0));
		return;
	}
	if (!q->is_present)
		return;
	if (q->ip.frag_offset != 0) {
		watch_alert(w, IK_SID_QUOTE_FRAGMENT, wp, NULL, NULL,
			    "error (type %u) quotes a fragment at offset %u: no transport header "
			    "to match it to",
			    m->type, q->ip.frag_offset);
		return;
	}
	size_t stated = q->ip.total_len > q->ip.header_len ? q->ip.total_len - q->ip.header_len : 0;
	if (q->ip.payload_len < 8 && stated >= 8)
		watch_alert(w, IK_SID_QUOTE_SHORT, wp, NULL, NULL,
			    "error (type %u) quotes %zu bytes of a %zu-byte payload, fewer than the "
			    "8 (ports, ids) RFC 792 requires",
			    m->type, q->ip.payload_len, stated);
}

/*
 * Keyed on the source alone: a sweep of a /16 is one scanner, not 65536
 * alerts. A flow already named as a tunnel is not a scanner either: icmptx
 * sends empty echo requests as keepalives.
 */
void watch_fingerprints(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_icmp *m = &wp->p->icmp;
	if (!((m->version == 4 && m->type == IK_ICMP4_ECHO_REQUEST) ||
	      (m->version == 6 && m->type == IK_ICMP6_ECHO_REQUEST)))
		return;
	if (wp->is_tunnel_flow)
		return;
	if (m->data_len == 0)
		watch_alert(w, IK_SID_NMAP_ECHO, wp, &wp->src, NULL,
			    "echo request (id %u seq %u) with no payload: ping always sends some, "
			    "nmap's host discovery sends none",
			    m->id, m->seq);
	else if (m->data_len == 4)
		watch_alert(w, IK_SID_BROADSCAN, wp, &wp->src, NULL,
			    "echo request (id %u) with a 4-byte payload, broadscan's probe", m->id);
	if (m->id == 666)
		watch_alert(w, IK_SID_ICMPENUM, wp, &wp->src, NULL,
			    "echo request with identifier 666 (seq %u), icmpenum's", m->seq);
}

void watch_malformed_packet(struct ik_watch *w, const struct watch_pkt *wp, int decode_rc)
{
	const struct ik_packet *p = wp->p;
	const struct ik_icmp *m = &p->icmp;
	bool is_whole = wp->caplen >= wp->wire_len; /* not cut by the snap length */
	if (!p->ip.is_fragment && p->ip.total_len > w->conf.oversize_length) {
		struct ik_watch_alert a = {.count = p->ip.total_len,
					   .threshold = w->conf.oversize_length};
		watch_alert(w, IK_SID_OVERSIZE, wp, NULL, &a,
			    "ICMP datagram of %u bytes (threshold %u)", p->ip.total_len,
			    w->conf.oversize_length);
	}
	if (decode_rc == IK_ERR_BAD_CHECKSUM)
		watch_alert(w, IK_SID_BAD_CHECKSUM, wp, NULL, NULL,
			    "ICMP checksum 0x%04x does not verify (type %u code %u)", m->checksum,
			    m->type, m->code);
	if ((decode_rc == IK_ERR_TRUNCATED || decode_rc == IK_ERR_BAD_LENGTH ||
	     (p->ip.is_truncated && !p->ip.is_fragment)) &&
	    is_whole) {
		watch_alert(w, IK_SID_TRUNCATED, wp, NULL, NULL,
			    "ICMP type %u code %u message of %zu bytes is shorter than its type or "
			    "IP header says (%s)",
			    m->type, m->code, p->ip.payload_len,
			    decode_rc != IK_OK ? ik_strerror(decode_rc) : "IP length past the packet");
		return;
	}
	bool is_known = m->version == 4 ? watch_is_known_type4(m->type) : watch_is_known_type6(m->type);
	if (!is_known) {
		watch_alert(w, IK_SID_UNKNOWN_TYPE, wp, NULL, NULL, "ICMPv%u type %u is not assigned",
			    m->version, m->type);
		return;
	}
	int max_code = watch_max_code(m->version, m->type);
	if (max_code >= 0 && m->code > max_code)
		watch_alert(w, IK_SID_UNKNOWN_CODE, wp, NULL, NULL,
			    "ICMPv%u type %u has no code %u (highest defined: %d)", m->version, m->type,
			    m->code, max_code);
	if (p->is_fragment || decode_rc != IK_OK)
		return;
	watch_quote_checks(w, wp);
}
