/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMPv4 decoder and encoder for every message type of RFC 792, 950, 1191, 1256, 4884 and 8335. */
#include <string.h>

#include "cursor.h"
#include "quote.h"
#include "icmpkit/cksum.h"
#include "icmpkit/icmp.h"

/* RFC 4884 5.1: an original datagram field followed by an extension is at least 128 bytes. */
#define RFC4884_MIN_QUOTE 128

bool ik_icmp_is_error(uint8_t version, uint8_t type)
{
	if (version == 6)
		/* RFC 4443 2.1: error messages have the high bit of the type clear. */
		return type < 128;
	switch (type) {
	case IK_ICMP4_DEST_UNREACH:
	case IK_ICMP4_SOURCE_QUENCH:
	case IK_ICMP4_REDIRECT:
	case IK_ICMP4_TIME_EXCEEDED:
	case IK_ICMP4_PARAM_PROBLEM:
		return true;
	default:
		return false;
	}
}

/* Decodes the quoted datagram; faults go to quote_err, never to the caller. */
static void decode_quote(const uint8_t *q, size_t q_len, struct ik_icmp *out)
{
	out->quote_err = quote_decode(q, q_len, &out->quote);
}

/*
 * RFC 4884 for types 3, 11 and 12: find where the original datagram ends and
 * an extension structure starts, decode both.
 */
static void decode_error_body(struct cursor *c, struct ik_icmp *out, bool has_length)
{
	const uint8_t *body = cursor_here(c);
	size_t body_len = cursor_left(c);
	size_t length_words = has_length ? (out->rest >> 16) & 0xff : 0;

	if (length_words) {
		size_t q_len = length_words * 4;
		if (q_len > body_len || q_len < RFC4884_MIN_QUOTE) {
			/* RFC 4884 5.1/5.2: a lying length; treat everything as the quote. */
			out->ext_err = IK_ERR_BAD_LENGTH;
			decode_quote(body, body_len, out);
			return;
		}
		out->data_len = q_len;
		decode_quote(body, q_len, out);
		if (body_len > q_len) {
			out->ext_err = ik_ext_decode(body + q_len, body_len - q_len, &out->ext);
			out->ext.offset = 8 + q_len;
		}
		return;
	}
	if (has_length && body_len > RFC4884_MIN_QUOTE) {
		/*
		 * RFC 4884 5.5: a non-compliant sender puts the extension at 128
		 * without setting the length. Accept it only when version 2 and a
		 * non-zero checksum verify, so ordinary payload bytes are not misread.
		 */
		struct ik_ext probe;
		const uint8_t *e = body + RFC4884_MIN_QUOTE;
		size_t e_len = body_len - RFC4884_MIN_QUOTE;
		if (ik_ext_decode(e, e_len, &probe) == IK_OK && probe.checksum != 0) {
			out->ext = probe;
			out->ext.offset = 8 + RFC4884_MIN_QUOTE;
			out->data_len = RFC4884_MIN_QUOTE;
			decode_quote(body, RFC4884_MIN_QUOTE, out);
			return;
		}
	}
	decode_quote(body, body_len, out);
}

static void set_id_seq(struct ik_icmp *out)
{
	out->id = (uint16_t)(out->rest >> 16);
	out->seq = (uint16_t)out->rest;
}

/* Echo, Information (RFC 792): identifier and sequence. */
static int dec_idseq(struct cursor *c, struct ik_icmp *out)
{
	(void)c;
	set_id_seq(out);
	return IK_OK;
}

/* RFC 792, RFC 1191: Destination Unreachable, next-hop MTU for code 4. */
static int dec_unreach(struct cursor *c, struct ik_icmp *out)
{
	if (out->code == IK_UNREACH_FRAG_NEEDED)
		out->mtu = out->rest & 0xffff;
	decode_error_body(c, out, true);
	return IK_OK;
}

/* RFC 792 Source Quench: only the quote. */
static int dec_quench(struct cursor *c, struct ik_icmp *out)
{
	decode_error_body(c, out, false);
	return IK_OK;
}

/* RFC 792 Redirect: the gateway to use instead. */
static int dec_redirect(struct cursor *c, struct ik_icmp *out)
{
	uint8_t gw[4] = {(uint8_t)(out->rest >> 24), (uint8_t)(out->rest >> 16),
			 (uint8_t)(out->rest >> 8), (uint8_t)out->rest};
	ik_addr_set4(&out->gateway, gw);
	decode_error_body(c, out, false);
	return IK_OK;
}

static int dec_time_exceeded(struct cursor *c, struct ik_icmp *out)
{
	decode_error_body(c, out, true);
	return IK_OK;
}

/* RFC 792, RFC 1108: the pointer is the first byte after the checksum. */
static int dec_param_problem(struct cursor *c, struct ik_icmp *out)
{
	out->pointer = out->rest >> 24;
	decode_error_body(c, out, true);
	return IK_OK;
}

/* RFC 792 Timestamp: three 32-bit times; high bit set means non-standard, kept raw. */
static int dec_timestamp(struct cursor *c, struct ik_icmp *out)
{
	int rc;
	set_id_seq(out);
	if ((rc = cursor_be32(c, &out->ts_originate)) || (rc = cursor_be32(c, &out->ts_receive)) ||
	    (rc = cursor_be32(c, &out->ts_transmit)))
		return rc;
	return IK_OK;
}

/* RFC 950 Address Mask. */
static int dec_mask(struct cursor *c, struct ik_icmp *out)
{
	set_id_seq(out);
	return cursor_be32(c, &out->address_mask);
}

/* RFC 1256 3.1 Router Advertisement. */
static int dec_router_advert(struct cursor *c, struct ik_icmp *out)
{
	out->ra4_num_addrs = (uint8_t)(out->rest >> 24);
	out->ra4_entry_words = (uint8_t)(out->rest >> 16);
	out->ra4_lifetime_s = (uint16_t)out->rest;
	/* RFC 1256 3.1: each entry is an address and a preference, 2 words or more. */
	if (out->ra4_num_addrs && out->ra4_entry_words < 2)
		return IK_ERR_BAD_LENGTH;
	size_t step = (size_t)out->ra4_entry_words * 4;
	for (unsigned i = 0; i < out->ra4_num_addrs; i++) {
		struct cursor e;
		uint8_t a[4];
		uint32_t pref;
		int rc;
		if ((rc = cursor_sub(c, step, &e)))
			return rc;
		if ((rc = cursor_bytes(&e, a, 4)) || (rc = cursor_be32(&e, &pref)))
			return rc;
		if (out->ra4_entry_count >= IK_RA4_MAX_ENTRIES)
			continue; /* the rest: ra4_num_addrs - ra4_entry_count */
		struct ik_ra4_entry *dst = &out->ra4_entries[out->ra4_entry_count++];
		ik_addr_set4(&dst->addr, a);
		dst->preference = (int32_t)pref;
	}
	return IK_OK;
}

/* RFC 1256 3.2 Router Solicitation: nothing but a reserved word. */
static int dec_router_solicit(struct cursor *c, struct ik_icmp *out)
{
	(void)c;
	(void)out;
	return IK_OK;
}

/* RFC 8335 2: Extended Echo Request carries an Interface Identification Object. */
static int dec_ext_echo_request(struct cursor *c, struct ik_icmp *out)
{
	out->id = (uint16_t)(out->rest >> 16);
	out->seq = (uint8_t)(out->rest >> 8);
	out->xe_is_local = (out->rest & 1) != 0;
	out->ext_err = ik_ext_decode(cursor_here(c), cursor_left(c), &out->ext);
	out->ext.offset = 8;
	out->xe_ident_kind = out->ext.ident_kind;
	out->xe_ident = out->ext.ident;
	return IK_OK;
}

/* RFC 8335 3: Extended Echo Reply: state, Active, IPv4 and IPv6 bits. */
static int dec_ext_echo_reply(struct cursor *c, struct ik_icmp *out)
{
	(void)c;
	out->id = (uint16_t)(out->rest >> 16);
	out->seq = (uint8_t)(out->rest >> 8);
	out->xe_state = (uint8_t)((out->rest >> 5) & 7);
	out->xe_is_active = (out->rest & 4) != 0;
	out->xe_has_ipv4 = (out->rest & 2) != 0;
	out->xe_has_ipv6 = (out->rest & 1) != 0;
	return IK_OK;
}

typedef int (*icmp4_decoder)(struct cursor *c, struct ik_icmp *out);

/* Indexed by type after a range check; a NULL slot decodes generically. */
static const icmp4_decoder icmp4_decoders[IK_ICMP4_EXT_ECHO_REPLY + 1] = {
	[IK_ICMP4_ECHO_REPLY] = dec_idseq,
	[IK_ICMP4_DEST_UNREACH] = dec_unreach,
	[IK_ICMP4_SOURCE_QUENCH] = dec_quench,
	[IK_ICMP4_REDIRECT] = dec_redirect,
	[IK_ICMP4_ECHO_REQUEST] = dec_idseq,
	[IK_ICMP4_ROUTER_ADVERT] = dec_router_advert,
	[IK_ICMP4_ROUTER_SOLICIT] = dec_router_solicit,
	[IK_ICMP4_TIME_EXCEEDED] = dec_time_exceeded,
	[IK_ICMP4_PARAM_PROBLEM] = dec_param_problem,
	[IK_ICMP4_TIMESTAMP] = dec_timestamp,
	[IK_ICMP4_TIMESTAMP_REPLY] = dec_timestamp,
	[IK_ICMP4_INFO_REQUEST] = dec_idseq,
	[IK_ICMP4_INFO_REPLY] = dec_idseq,
	[IK_ICMP4_MASK_REQUEST] = dec_mask,
	[IK_ICMP4_MASK_REPLY] = dec_mask,
	[IK_ICMP4_EXT_ECHO_REQUEST] = dec_ext_echo_request,
	[IK_ICMP4_EXT_ECHO_REPLY] = dec_ext_echo_reply,
};

int ik_icmp4_decode(const uint8_t *buf, size_t len, struct ik_icmp *out)
{
	struct cursor c = cursor_make(buf, len);
	int rc;

	memset(out, 0, sizeof *out);
	out->version = 4;
	if ((rc = cursor_u8(&c, &out->type)) || (rc = cursor_u8(&c, &out->code)) ||
	    (rc = cursor_be16(&c, &out->checksum)) || (rc = cursor_be32(&c, &out->rest)))
		return rc;
	/* RFC 792: the checksum covers the whole ICMP message. */
	out->is_checksum_checked = true;
	out->is_checksum_ok = ik_cksum(buf, len) == 0;

	icmp4_decoder dec = NULL;
	if (out->type < sizeof icmp4_decoders / sizeof icmp4_decoders[0])
		dec = icmp4_decoders[out->type];
	if (dec && (rc = dec(&c, out)))
		return rc;
	/* Whatever the type-specific part did not consume is the body. */
	out->data = cursor_here(&c);
	if (out->data_len == 0 || out->data_len > cursor_left(&c))
		out->data_len = cursor_left(&c);
	return out->is_checksum_ok ? IK_OK : IK_ERR_BAD_CHECKSUM;
}

/* The second word of the header, built from the type-specific fields. */
static uint32_t encode_rest(const struct ik_icmp *m, size_t quote_words)
{
	uint32_t idseq = (uint32_t)m->id << 16 | m->seq;
	switch (m->type) {
	case IK_ICMP4_ECHO_REPLY:
	case IK_ICMP4_ECHO_REQUEST:
	case IK_ICMP4_TIMESTAMP:
	case IK_ICMP4_TIMESTAMP_REPLY:
	case IK_ICMP4_INFO_REQUEST:
	case IK_ICMP4_INFO_REPLY:
	case IK_ICMP4_MASK_REQUEST:
	case IK_ICMP4_MASK_REPLY:
		return idseq;
	case IK_ICMP4_DEST_UNREACH:
		return (uint32_t)quote_words << 16 |
		       (m->code == IK_UNREACH_FRAG_NEEDED ? (m->mtu & 0xffff) : 0);
	case IK_ICMP4_SOURCE_QUENCH:
		return 0;
	case IK_ICMP4_REDIRECT:
		return (uint32_t)m->gateway.bytes[0] << 24 | (uint32_t)m->gateway.bytes[1] << 16 |
		       (uint32_t)m->gateway.bytes[2] << 8 | m->gateway.bytes[3];
	case IK_ICMP4_TIME_EXCEEDED:
		return (uint32_t)quote_words << 16;
	case IK_ICMP4_PARAM_PROBLEM:
		return (m->pointer & 0xff) << 24 | (uint32_t)quote_words << 16;
	case IK_ICMP4_ROUTER_ADVERT:
		return (uint32_t)m->ra4_num_addrs << 24 | (uint32_t)m->ra4_entry_words << 16 |
		       m->ra4_lifetime_s;
	case IK_ICMP4_ROUTER_SOLICIT:
		return 0;
	case IK_ICMP4_EXT_ECHO_REQUEST:
		return (uint32_t)m->id << 16 | (uint32_t)(m->seq & 0xff) << 8 | m->xe_is_local;
	case IK_ICMP4_EXT_ECHO_REPLY:
		return (uint32_t)m->id << 16 | (uint32_t)(m->seq & 0xff) << 8 |
		       (uint32_t)(m->xe_state & 7) << 5 | (uint32_t)m->xe_is_active << 2 |
		       (uint32_t)m->xe_has_ipv4 << 1 | m->xe_has_ipv6;
	default:
		return m->rest;
	}
}

static bool type_has_4884_length(uint8_t type)
{
	return type == IK_ICMP4_DEST_UNREACH || type == IK_ICMP4_TIME_EXCEEDED ||
	       type == IK_ICMP4_PARAM_PROBLEM;
}

int ik_icmp4_encode(const struct ik_icmp *msg, uint8_t *buf, size_t cap)
{
	struct wcursor w = wcursor_make(buf, cap);
	bool with_ext = msg->ext.is_present && type_has_4884_length(msg->type);
	size_t quote_len = msg->data_len;
	int rc;

	if (msg->data_len && !msg->data)
		return IK_ERR_INVALID;
	if (with_ext) {
		/* RFC 4884 5.1: pad the original datagram to 128 bytes or a 32-bit boundary. */
		quote_len = quote_len < RFC4884_MIN_QUOTE ? RFC4884_MIN_QUOTE : (quote_len + 3) & ~(size_t)3;
		if (quote_len / 4 > 0xff)
			return IK_ERR_INVALID;
	}
	if (msg->type == IK_ICMP4_REDIRECT && msg->gateway.family != 4 && msg->gateway.family != 0)
		return IK_ERR_INVALID;
	if ((rc = wcursor_u8(&w, msg->type)) || (rc = wcursor_u8(&w, msg->code)) ||
	    (rc = wcursor_be16(&w, 0)) ||
	    (rc = wcursor_be32(&w, encode_rest(msg, with_ext ? quote_len / 4 : 0))))
		return rc;

	switch (msg->type) {
	case IK_ICMP4_TIMESTAMP:
	case IK_ICMP4_TIMESTAMP_REPLY:
		if ((rc = wcursor_be32(&w, msg->ts_originate)) ||
		    (rc = wcursor_be32(&w, msg->ts_receive)) || (rc = wcursor_be32(&w, msg->ts_transmit)))
			return rc;
		break;
	case IK_ICMP4_MASK_REQUEST:
	case IK_ICMP4_MASK_REPLY:
		if ((rc = wcursor_be32(&w, msg->address_mask)))
			return rc;
		break;
	case IK_ICMP4_ROUTER_ADVERT: {
		/* Entries beyond what we hold cannot be written: the counts must agree. */
		if (msg->ra4_entry_count > IK_RA4_MAX_ENTRIES ||
		    msg->ra4_entry_count != msg->ra4_num_addrs)
			return IK_ERR_INVALID;
		if (msg->ra4_num_addrs && msg->ra4_entry_words < 2)
			return IK_ERR_INVALID;
		for (unsigned i = 0; i < msg->ra4_entry_count; i++) {
			const struct ik_ra4_entry *e = &msg->ra4_entries[i];
			if ((rc = wcursor_bytes(&w, e->addr.bytes, 4)) ||
			    (rc = wcursor_be32(&w, (uint32_t)e->preference)) ||
			    (rc = wcursor_zero(&w, ((size_t)msg->ra4_entry_words - 2) * 4)))
				return rc;
		}
		break;
	}
	case IK_ICMP4_EXT_ECHO_REQUEST:
		if (msg->ext.is_present) {
			/* RFC 8335 2: the request body is one extension structure. */
			rc = ik_ext_encode(&msg->ext, w.base + w.off, w.cap - w.off);
			if (rc < 0)
				return rc;
			w.off += (size_t)rc;
			wcursor_put_be16_at(&w, 2, ik_cksum(buf, w.off));
			return (int)w.off;
		}
		break;
	default:
		break;
	}
	if ((rc = wcursor_bytes(&w, msg->data, msg->data_len)))
		return rc;
	if (with_ext) {
		if ((rc = wcursor_zero(&w, quote_len - msg->data_len)))
			return rc;
		rc = ik_ext_encode(&msg->ext, w.base + w.off, w.cap - w.off);
		if (rc < 0)
			return rc;
		w.off += (size_t)rc;
	}
	if (w.off > 0xffff)
		return IK_ERR_INVALID;
	wcursor_put_be16_at(&w, 2, ik_cksum(buf, w.off));
	return (int)w.off;
}
