/* SPDX-License-Identifier: BSD-3-Clause */
/* The datagram an ICMP or ICMPv6 error quotes: its IP header and first transport bytes. */
#include <string.h>

#include "cursor.h"
#include "quote.h"

/*
 * Fills the transport part of a quote from the quoted datagram's payload:
 * ports of UDP/TCP, or the type/id/seq of an ICMP echo. A quote that ends
 * inside the transport header keeps what it has and reports TRUNCATED.
 */
static int quote_transport(struct ik_quote *q)
{
	struct cursor c = cursor_make(q->ip.payload, q->ip.payload_len);
	uint8_t proto = q->ip.protocol;
	uint8_t icmp_proto = q->ip.version == 4 ? IK_PROTO_ICMP : IK_PROTO_ICMPV6;

	/* A non-first fragment carries no transport header. */
	if (q->ip.is_fragment && q->ip.frag_offset != 0)
		return IK_OK;
	if (proto == IK_PROTO_UDP || proto == IK_PROTO_TCP) {
		uint16_t sport, dport;
		if (cursor_be16(&c, &sport) || cursor_be16(&c, &dport))
			return IK_ERR_TRUNCATED;
		q->has_ports = true;
		q->sport = sport;
		q->dport = dport;
		if (proto == IK_PROTO_UDP) {
			if (cursor_be16(&c, &q->udp_len) || cursor_be16(&c, &q->udp_checksum))
				return IK_ERR_TRUNCATED;
		} else if (cursor_be32(&c, &q->tcp_seq)) {
			return IK_ERR_TRUNCATED;
		}
		return IK_OK;
	}
	if (proto == icmp_proto) {
		uint8_t type, code;
		uint16_t sum;
		if (cursor_u8(&c, &type) || cursor_u8(&c, &code) || cursor_be16(&c, &sum))
			return IK_ERR_TRUNCATED;
		q->has_icmp = true;
		q->icmp_type = type;
		q->icmp_code = code;
		q->icmp_checksum = sum;
		if (cursor_be16(&c, &q->icmp_id) || cursor_be16(&c, &q->icmp_seq))
			return IK_ERR_TRUNCATED;
	}
	return IK_OK;
}

/* Decodes a quoted datagram into q; returns the reason it fell short, or 0. */
int quote_decode(const uint8_t *p, size_t len, struct ik_quote *q)
{
	memset(q, 0, sizeof *q);
	q->quoted_len = len;
	int rc = ik_ip_decode(p, len, &q->ip);
	if (rc < 0)
		return rc;
	q->is_present = true;
	return quote_transport(q);
}
