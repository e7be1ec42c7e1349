/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 and IPv6 header decoding, for outer packets and quoted datagrams. */
#include <string.h>

#include "cursor.h"
#include "icmpkit/cksum.h"
#include "icmpkit/ip.h"

/* IPv6 extension headers we walk (RFC 8200 4). */
enum {
	IP6_HOPOPTS = 0,
	IP6_ROUTING = 43,
	IP6_FRAGMENT = 44,
	IP6_DSTOPTS = 60,
};

/*
 * An attacker can chain many small extension headers; real stacks send a
 * handful. RFC 8200 4.1 lists at most eight in the recommended order, so a
 * longer chain is refused rather than walked.
 */
#define IP6_MAX_EXT 16

static int ip4_decode(const uint8_t *buf, size_t len, struct ik_ip *out)
{
	struct cursor c = cursor_make(buf, len);
	uint8_t vihl, proto, ttl, tos;
	uint16_t total, id, frag, sum;
	int rc;

	if ((rc = cursor_u8(&c, &vihl)) || (rc = cursor_u8(&c, &tos)) ||
	    (rc = cursor_be16(&c, &total)) || (rc = cursor_be16(&c, &id)) ||
	    (rc = cursor_be16(&c, &frag)) || (rc = cursor_u8(&c, &ttl)) ||
	    (rc = cursor_u8(&c, &proto)) || (rc = cursor_be16(&c, &sum)))
		return rc;
	uint8_t addr[4];
	if ((rc = cursor_bytes(&c, addr, 4)))
		return rc;
	ik_addr_set4(&out->src, addr);
	if ((rc = cursor_bytes(&c, addr, 4)))
		return rc;
	ik_addr_set4(&out->dst, addr);

	out->version = 4;
	out->tos = tos;
	out->ttl = ttl;
	out->protocol = proto;
	out->total_len = total;
	out->checksum = sum;
	out->frag_id = id;
	/* RFC 791 3.1: flags are the top three bits, the offset counts 8-octet units. */
	out->is_df = (frag & 0x4000) != 0;
	out->is_mf = (frag & 0x2000) != 0;
	out->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
	out->is_fragment = out->is_mf || out->frag_offset != 0;

	/* RFC 791 3.1: IHL counts 32-bit words and is at least 5. */
	size_t header_len = (size_t)(vihl & 0x0f) * 4;
	if (header_len < 20)
		return IK_ERR_BAD_LENGTH;
	/* A total length that does not even cover the header is a lie. */
	if (total < header_len)
		return IK_ERR_BAD_LENGTH;
	/* Options cut off by the capture or the quote: the header is incomplete. */
	if (header_len > len)
		return IK_ERR_TRUNCATED;
	out->header_len = (uint16_t)header_len;
	out->is_checksum_ok = ik_cksum(buf, header_len) == 0;

	/* Trailing link padding beyond total_len is not payload. */
	size_t end = len < total ? len : total;
	out->is_truncated = len < total;
	out->payload = buf + header_len;
	out->payload_len = end - header_len;
	return IK_OK;
}

static int ip6_decode(const uint8_t *buf, size_t len, struct ik_ip *out)
{
	struct cursor c = cursor_make(buf, len);
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh, hlim;
	uint8_t addr[16];
	int rc;

	if ((rc = cursor_be32(&c, &vtf)) || (rc = cursor_be16(&c, &plen)) ||
	    (rc = cursor_u8(&c, &nh)) || (rc = cursor_u8(&c, &hlim)))
		return rc;
	if ((rc = cursor_bytes(&c, addr, 16)))
		return rc;
	ik_addr_set6(&out->src, addr);
	if ((rc = cursor_bytes(&c, addr, 16)))
		return rc;
	ik_addr_set6(&out->dst, addr);

	out->version = 6;
	out->tos = (uint8_t)(vtf >> 20);
	out->flow_label = vtf & 0xfffff;
	out->ttl = hlim;
	out->is_checksum_ok = true;
	/* total_len is 16 bits wide; 40 + 65535 saturates rather than wraps. */
	size_t claimed = 40 + (size_t)plen;
	out->total_len = claimed > 0xffff ? 0xffff : (uint16_t)claimed;
	size_t end = len < claimed ? len : claimed;
	out->is_truncated = len < claimed;

	/* RFC 8200 4: walk the extension headers up to the upper layer. */
	size_t off = 40;
	for (int i = 0;; i++) {
		if (i >= IP6_MAX_EXT)
			return IK_ERR_UNSUPPORTED;
		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_DSTOPTS &&
		    nh != IP6_FRAGMENT)
			break;
		/* Every extension header starts with next header and a length. */
		size_t ext_len = 8;
		if (claimed < off + 2)
			return IK_ERR_BAD_LENGTH;
		if (end < off + 2)
			return IK_ERR_TRUNCATED;
		uint8_t next = buf[off];
		if (nh != IP6_FRAGMENT)
			/* RFC 8200 4.3: Hdr Ext Len counts 8-octet units after the first. */
			ext_len = ((size_t)buf[off + 1] + 1) * 8;
		if (claimed < off + ext_len)
			return IK_ERR_BAD_LENGTH;
		if (end < off + ext_len)
			return IK_ERR_TRUNCATED;
		if (nh == IP6_FRAGMENT) {
			/* RFC 8200 4.5: offset in 8-octet units in the top 13 bits, M last. */
			uint16_t fo = (uint16_t)(buf[off + 2] << 8 | buf[off + 3]);
			out->is_fragment = true;
			out->frag_offset = fo & 0xfff8u;
			out->is_mf = (fo & 1) != 0;
			out->frag_id = (uint32_t)buf[off + 4] << 24 | (uint32_t)buf[off + 5] << 16 |
				       (uint32_t)buf[off + 6] << 8 | buf[off + 7];
			off += ext_len;
			nh = next;
			/* A later fragment holds no headers, only the middle of the payload. */
			if (out->frag_offset != 0)
				break;
			continue;
		}
		off += ext_len;
		nh = next;
	}
	out->protocol = nh;
	out->header_len = (uint16_t)off;
	out->payload = buf + off;
	out->payload_len = end - off;
	return IK_OK;
}

int ik_ip_decode(const uint8_t *buf, size_t len, struct ik_ip *out)
{
	memset(out, 0, sizeof *out);
	if (len < 1)
		return IK_ERR_TRUNCATED;
	switch (buf[0] >> 4) {
	case 4:
		return ip4_decode(buf, len, out);
	case 6:
		return ip6_decode(buf, len, out);
	default:
		return IK_ERR_UNSUPPORTED;
	}
}
