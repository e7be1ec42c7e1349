/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 and IPv6 header decoding, for outer packets and quoted datagrams. */
#ifndef ICMPKIT_IP_H
#define ICMPKIT_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IK_PROTO_ICMP 1
#define IK_PROTO_TCP 6
#define IK_PROTO_UDP 17
#define IK_PROTO_ICMPV6 58

/*
 * A decoded IP header, host order. For IPv6 the extension headers
 * (hop-by-hop, routing, destination options, fragment) are walked and
 * `protocol` is the upper-layer protocol after them.
 */
struct ik_ip {
	uint8_t version;     /* 4 or 6 */
	uint16_t header_len; /* IPv4 IHL*4; IPv6 40 plus extension headers */
	uint8_t tos;         /* IPv4 TOS or IPv6 traffic class */
	uint8_t ttl;         /* IPv4 TTL or IPv6 hop limit */
	uint8_t protocol;    /* upper-layer protocol */
	uint16_t total_len;  /* IPv4 total length; IPv6 40 + payload length */
	uint16_t checksum;   /* IPv4 header checksum as on the wire */
	bool is_checksum_ok; /* IPv4 header checksum verifies (always true for v6) */
	uint32_t flow_label; /* IPv6 only */
	uint32_t frag_id;    /* IPv4 identification or IPv6 fragment ident */
	uint32_t frag_offset; /* fragment offset in bytes */
	bool is_df;          /* IPv4 Don't Fragment */
	bool is_mf;          /* more fragments follow */
	bool is_fragment;    /* MF set or offset not zero (or v6 fragment header) */
	struct ik_addr src;
	struct ik_addr dst;
	/*
	 * The upper-layer bytes present: points into the caller's buffer,
	 * clipped to total_len. payload_len may be less than the length the
	 * header states when the packet was captured or quoted short;
	 * is_truncated says so.
	 */
	const uint8_t *payload;
	size_t payload_len;
	bool is_truncated;
};

/*
 * Decodes an IPv4 or IPv6 header from buf (version taken from the first
 * nibble). A datagram cut short after its header is accepted and marked
 * is_truncated; that is the normal case for quoted packets.
 * Returns 0, IK_ERR_TRUNCATED (header itself incomplete), IK_ERR_BAD_LENGTH
 * (IHL < 5, total length below the header length, extension header overrun)
 * or IK_ERR_UNSUPPORTED (version not 4 or 6).
 */
IK_WUR int ik_ip_decode(const uint8_t *buf, size_t len, struct ik_ip *out);

#ifdef __cplusplus
}
#endif
#endif
