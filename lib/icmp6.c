/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMPv6 decoder and encoder: errors, echo, neighbor discovery, extended echo. */
#include <string.h>

#include "cursor.h"
#include "quote.h"
#include "icmpkit/cksum.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"

/* RFC 4861 4.6: option types. */
enum {
	ND_OPT_SRC_LLADDR = 1,
	ND_OPT_TGT_LLADDR = 2,
	ND_OPT_PREFIX = 3,
	ND_OPT_REDIRECTED = 4,
	ND_OPT_MTU = 5,
};

/* RFC 4884 4: the original datagram field is at least 128 octets long. */
#define ICMP6_EXT_MIN_QUOTE 128
/* RFC 4884 4: the length attribute is 8 bits of 64-bit words. */
#define ICMP6_EXT_MAX_QUOTE (255 * 8)

typedef int (*icmp6_decoder)(struct cursor *c, struct ik_icmp *out);

static int read_addr6(struct cursor *c, struct ik_addr *a)
{
	uint8_t b[16];
	int rc = cursor_bytes(c, b, sizeof b);
	if (rc)
		return rc;
	ik_addr_set6(a, b);
	return IK_OK;
}

/* RFC 4861 4.6.2: the prefix information option body after type/length. */
static int nd_prefix(struct cursor *o, struct ik_nd *nd)
{
	uint8_t plen, flags;
	uint32_t valid, preferred, reserved;
	struct ik_addr prefix;
	int rc;
	if ((rc = cursor_u8(o, &plen)) || (rc = cursor_u8(o, &flags)) ||
	    (rc = cursor_be32(o, &valid)) || (rc = cursor_be32(o, &preferred)) ||
	    (rc = cursor_be32(o, &reserved)) || (rc = read_addr6(o, &prefix)))
		return IK_ERR_BAD_LENGTH; /* the option said it was shorter */
	if (nd->prefix_count >= IK_ND_MAX_PREFIXES) {
		if (nd->prefixes_dropped < UINT8_MAX)
			nd->prefixes_dropped++;
		return IK_OK;
	}
	struct ik_nd_prefix *p = &nd->prefixes[nd->prefix_count++];
	p->prefix_len = plen;
	p->is_onlink = flags & 0x80;
	p->is_autonomous = flags & 0x40;
	p->valid_lifetime_s = valid;
	p->preferred_lifetime_s = preferred;
	p->prefix = prefix;
	return IK_OK;
}

/*
 * RFC 4861 4.6: walks the options after a neighbor discovery message's fixed
 * part. Every option is at least 8 octets, so the walk ends after at most
 * len/8 steps. A length of 0 is invalid and the message must be discarded.
 */
static int nd_options(struct cursor *c, struct ik_icmp *out)
{
	struct ik_nd *nd = &out->nd;
	while (cursor_left(c) > 0) {
		uint8_t type, units;
		if (cursor_u8(c, &type) || cursor_u8(c, &units))
			return IK_ERR_TRUNCATED;
		if (units == 0)
			return IK_ERR_BAD_LENGTH;
		size_t body_len = (size_t)units * 8 - 2;
		struct cursor o;
		if (cursor_sub(c, body_len, &o))
			return IK_ERR_TRUNCATED;
		switch (type) {
		case ND_OPT_SRC_LLADDR:
		case ND_OPT_TGT_LLADDR: {
			/* RFC 4861 4.6.1: the address fills the option; on
			 * Ethernet that is 6 bytes with no padding. */
			size_t n = body_len < sizeof nd->src_lladdr ? body_len : sizeof nd->src_lladdr;
			uint8_t *dst = type == ND_OPT_SRC_LLADDR ? nd->src_lladdr : nd->tgt_lladdr;
			memcpy(dst, cursor_here(&o), n);
			nd->lladdr_len = (uint8_t)n;
			if (type == ND_OPT_SRC_LLADDR)
				nd->has_src_lladdr = true;
			else
				nd->has_tgt_lladdr = true;
			break;
		}
		case ND_OPT_PREFIX: {
			int rc = nd_prefix(&o, nd);
			if (rc)
				return rc;
			break;
		}
		case ND_OPT_REDIRECTED:
			/* RFC 4861 4.6.3: 6 reserved octets, then the IP packet. */
			if (cursor_skip(&o, 6))
				return IK_ERR_BAD_LENGTH;
			nd->has_redirected_header = true;
			nd->redirected = cursor_here(&o);
			nd->redirected_len = cursor_left(&o);
			out->quote_err = quote_decode(nd->redirected, nd->redirected_len, &out->quote);
			break;
		case ND_OPT_MTU: {
			/* RFC 4861 4.6.4: 2 reserved octets, then the MTU. */
			uint16_t reserved;
			if (cursor_be16(&o, &reserved) || cursor_be32(&o, &nd->mtu))
				return IK_ERR_BAD_LENGTH;
			nd->has_mtu = true;
			break;
		}
		default:
			/* RFC 4861 4.6: unknown options are skipped. */
			if (nd->unknown_options < UINT8_MAX)
				nd->unknown_options++;
			break;
		}
	}
	return IK_OK;
}

/* The options area of an ND message is what `data` covers. */
static int nd_rest(struct cursor *c, struct ik_icmp *out)
{
	out->data = cursor_here(c);
	out->data_len = cursor_left(c);
	return nd_options(c, out);
}

/*
 * RFC 4443 2.4(c) and 3: an error carries as much of the offending packet as
 * fits. RFC 4884 4 adds, for Destination Unreachable and Time Exceeded, a
 * length in 64-bit words in the first octet after the checksum; when it is
 * not zero an extension structure follows the (padded) original datagram.
 */
static int decode_error(struct cursor *c, struct ik_icmp *out, bool has_4884_len)
{
	const uint8_t *body = cursor_here(c);
	size_t body_len = cursor_left(c);
	size_t quote_len = body_len;
	size_t words = has_4884_len ? out->rest >> 24 : 0;

	out->data = body;
	out->data_len = body_len;
	if (words) {
		size_t stated = words * 8;
		if (stated > body_len) {
			/* The length lies (or the capture is short): quote what
			 * there is and take no extension. */
			out->ext_err = IK_ERR_BAD_LENGTH;
		} else if (stated < ICMP6_EXT_MIN_QUOTE) {
			/* RFC 4884 5.4: a length below 128 octets is not
			 * compliant; the extension is ignored. */
			quote_len = stated;
			out->ext_err = IK_ERR_BAD_LENGTH;
		} else if (stated == body_len) {
			quote_len = stated;
			out->ext_err = IK_ERR_TRUNCATED; /* announced, absent */
		} else {
			quote_len = stated;
			out->data_len = stated;
			out->ext_err = ik_ext_decode(body + stated, body_len - stated, &out->ext);
			out->ext.offset = 8 + stated;
		}
	}
	if (quote_len)
		out->quote_err = quote_decode(body, quote_len, &out->quote);
	else
		out->quote_err = IK_ERR_TRUNCATED;
	return IK_OK;
}

static int dec_unreach(struct cursor *c, struct ik_icmp *out)
{
	return decode_error(c, out, true);
}

static int dec_too_big(struct cursor *c, struct ik_icmp *out)
{
	out->mtu = out->rest; /* RFC 4443 3.2 */
	return decode_error(c, out, false);
}

static int dec_param(struct cursor *c, struct ik_icmp *out)
{
	out->pointer = out->rest; /* RFC 4443 3.4: 32-bit octet offset */
	return decode_error(c, out, false);
}

static int dec_echo(struct cursor *c, struct ik_icmp *out)
{
	/* RFC 4443 4.1/4.2 */
	out->id = (uint16_t)(out->rest >> 16);
	out->seq = (uint16_t)out->rest;
	out->data = cursor_here(c);
	out->data_len = cursor_left(c);
	return IK_OK;
}

static int dec_rs(struct cursor *c, struct ik_icmp *out)
{
	return nd_rest(c, out); /* RFC 4861 4.1: 4 reserved octets */
}

static int dec_ra(struct cursor *c, struct ik_icmp *out)
{
	/* RFC 4861 4.2 */
	out->nd.cur_hop_limit = (uint8_t)(out->rest >> 24);
	out->nd.flags = (uint8_t)(out->rest >> 16);
	out->nd.router_lifetime_s = (uint16_t)out->rest;
	int rc;
	if ((rc = cursor_be32(c, &out->nd.reachable_time_ms)) ||
	    (rc = cursor_be32(c, &out->nd.retrans_timer_ms)))
		return rc;
	return nd_rest(c, out);
}

static int dec_ns_na(struct cursor *c, struct ik_icmp *out)
{
	/* RFC 4861 4.3/4.4: NA flags R, S, O sit in the first reserved octet. */
	if (out->type == IK_ICMP6_NEIGHBOR_ADVERT)
		out->nd.flags = (uint8_t)(out->rest >> 24);
	int rc = read_addr6(c, &out->nd.target);
	if (rc)
		return rc;
	return nd_rest(c, out);
}

static int dec_redirect(struct cursor *c, struct ik_icmp *out)
{
	/* RFC 4861 4.5 */
	int rc;
	if ((rc = read_addr6(c, &out->nd.target)) || (rc = read_addr6(c, &out->nd.destination)))
		return rc;
	return nd_rest(c, out);
}

/*
 * RFC 8335 2.1: the request's body is an extension structure holding the
 * Interface Identification Object, which ik_ext_decode reads.
 */
static int dec_xecho_req(struct cursor *c, struct ik_icmp *out)
{
	out->id = (uint16_t)(out->rest >> 16);
	out->seq = (uint8_t)(out->rest >> 8);
	out->xe_is_local = out->rest & 0x01;
	out->data = cursor_here(c);
	out->data_len = cursor_left(c);
	if (out->data_len == 0) {
		out->ext_err = IK_ERR_TRUNCATED;
		return IK_OK;
	}
	out->ext_err = ik_ext_decode(out->data, out->data_len, &out->ext);
	out->ext.offset = 8;
	out->xe_ident_kind = out->ext.ident_kind;
	out->xe_ident = out->ext.ident;
	return IK_OK;
}

static int dec_xecho_reply(struct cursor *c, struct ik_icmp *out)
{
	/* RFC 8335 3: State (3 bits), Res (2), A, 4, 6 in the last octet. */
	uint8_t bits = (uint8_t)out->rest;
	out->id = (uint16_t)(out->rest >> 16);
	out->seq = (uint8_t)(out->rest >> 8);
	out->xe_state = bits >> 5;
	out->xe_is_active = bits & 0x04;
	out->xe_has_ipv4 = bits & 0x02;
	out->xe_has_ipv6 = bits & 0x01;
	out->data = cursor_here(c);
	out->data_len = cursor_left(c);
	return IK_OK;
}

/* Types this file knows; others decode generically (RFC 4443 2.4(b)). */
static const icmp6_decoder icmp6_decoders[] = {
	[IK_ICMP6_DEST_UNREACH] = dec_unreach,
	[IK_ICMP6_PACKET_TOO_BIG] = dec_too_big,
	[IK_ICMP6_TIME_EXCEEDED] = dec_unreach,
	[IK_ICMP6_PARAM_PROBLEM] = dec_param,
	[IK_ICMP6_ECHO_REQUEST] = dec_echo,
	[IK_ICMP6_ECHO_REPLY] = dec_echo,
	[IK_ICMP6_ROUTER_SOLICIT] = dec_rs,
	[IK_ICMP6_ROUTER_ADVERT] = dec_ra,
	[IK_ICMP6_NEIGHBOR_SOLICIT] = dec_ns_na,
	[IK_ICMP6_NEIGHBOR_ADVERT] = dec_ns_na,
	[IK_ICMP6_REDIRECT] = dec_redirect,
	[IK_ICMP6_EXT_ECHO_REQUEST] = dec_xecho_req,
	[IK_ICMP6_EXT_ECHO_REPLY] = dec_xecho_reply,
};

static icmp6_decoder icmp6_decoder_for(uint8_t type)
{
	if (type >= sizeof icmp6_decoders / sizeof icmp6_decoders[0])
		return NULL;
	return icmp6_decoders[type];
}

static int dec_generic(struct cursor *c, struct ik_icmp *out)
{
	out->data = cursor_here(c);
	out->data_len = cursor_left(c);
	/* RFC 4443 2.4(b): an unknown error (type < 128) still quotes the
	 * offending packet, which the caller may want to match. */
	if (out->type < 128 && out->data_len)
		out->quote_err = quote_decode(out->data, out->data_len, &out->quote);
	return IK_OK;
}

int ik_icmp6_decode(const uint8_t *buf, size_t len, const struct ik_addr *src,
		    const struct ik_addr *dst, struct ik_icmp *out)
{
	memset(out, 0, sizeof *out);
	out->version = 6;
	struct cursor c = cursor_make(buf, len);
	int rc;
	if ((rc = cursor_u8(&c, &out->type)) || (rc = cursor_u8(&c, &out->code)) ||
	    (rc = cursor_be16(&c, &out->checksum)))
		return rc;
	/* RFC 4443 2.3: the checksum covers the pseudo-header and the whole
	 * message; without the addresses it cannot be checked. */
	if (src && dst && src->family == 6 && dst->family == 6 && len <= UINT32_MAX) {
		uint32_t acc = ik_cksum_pseudo6(src, dst, (uint32_t)len, IK_PROTO_ICMPV6);
		out->is_checksum_checked = true;
		out->is_checksum_ok = ik_cksum_finish(ik_cksum_add(acc, buf, len)) == 0;
	}
	icmp6_decoder dec = icmp6_decoder_for(out->type);
	if (!dec && cursor_left(&c) < 4) {
		/* An unknown type may be as short as its 4-byte header. */
		out->data = cursor_here(&c);
		out->data_len = cursor_left(&c);
		goto done;
	}
	if ((rc = cursor_be32(&c, &out->rest)))
		return rc;
	rc = dec ? dec(&c, out) : dec_generic(&c, out);
	if (rc)
		return rc;
done:
	if (out->is_checksum_checked && !out->is_checksum_ok)
		return IK_ERR_BAD_CHECKSUM;
	return IK_OK;
}

/* RFC 4861 4.6.1: a link-layer address option, padded to 8 octets. */
static int enc_lladdr(struct wcursor *w, uint8_t type, const uint8_t *addr, uint8_t addr_len)
{
	if (addr_len == 0 || addr_len > 8)
		return IK_ERR_INVALID;
	size_t units = ((size_t)addr_len + 2 + 7) / 8;
	int rc;
	if ((rc = wcursor_u8(w, type)) || (rc = wcursor_u8(w, (uint8_t)units)) ||
	    (rc = wcursor_bytes(w, addr, addr_len)) ||
	    (rc = wcursor_zero(w, units * 8 - 2 - addr_len)))
		return rc;
	return IK_OK;
}

/* Writes the ND options described by msg->nd (used when msg->data is empty). */
static int enc_nd_options(const struct ik_icmp *msg, struct wcursor *w)
{
	const struct ik_nd *nd = &msg->nd;
	int rc;
	if (nd->has_src_lladdr &&
	    (rc = enc_lladdr(w, ND_OPT_SRC_LLADDR, nd->src_lladdr, nd->lladdr_len)))
		return rc;
	if (nd->has_tgt_lladdr &&
	    (rc = enc_lladdr(w, ND_OPT_TGT_LLADDR, nd->tgt_lladdr, nd->lladdr_len)))
		return rc;
	if (nd->prefix_count > IK_ND_MAX_PREFIXES)
		return IK_ERR_INVALID;
	for (size_t i = 0; i < nd->prefix_count; i++) {
		const struct ik_nd_prefix *p = &nd->prefixes[i];
		uint8_t flags = (uint8_t)((p->is_onlink ? 0x80 : 0) | (p->is_autonomous ? 0x40 : 0));
		if ((rc = wcursor_u8(w, ND_OPT_PREFIX)) || (rc = wcursor_u8(w, 4)) ||
		    (rc = wcursor_u8(w, p->prefix_len)) || (rc = wcursor_u8(w, flags)) ||
		    (rc = wcursor_be32(w, p->valid_lifetime_s)) ||
		    (rc = wcursor_be32(w, p->preferred_lifetime_s)) ||
		    (rc = wcursor_zero(w, 4)) || (rc = wcursor_bytes(w, p->prefix.bytes, 16)))
			return rc;
	}
	if (nd->has_mtu &&
	    ((rc = wcursor_u8(w, ND_OPT_MTU)) || (rc = wcursor_u8(w, 1)) ||
	     (rc = wcursor_zero(w, 2)) || (rc = wcursor_be32(w, nd->mtu))))
		return rc;
	if (nd->has_redirected_header) {
		/* RFC 4861 4.6.3: the packet is cut or padded to whole units;
		 * the option stays below 255 units. */
		size_t units = (nd->redirected_len + 8 + 7) / 8;
		if (units > UINT8_MAX || (nd->redirected_len && !nd->redirected))
			return IK_ERR_INVALID;
		if ((rc = wcursor_u8(w, ND_OPT_REDIRECTED)) || (rc = wcursor_u8(w, (uint8_t)units)) ||
		    (rc = wcursor_zero(w, 6)) ||
		    (rc = wcursor_bytes(w, nd->redirected, nd->redirected_len)) ||
		    (rc = wcursor_zero(w, units * 8 - 8 - nd->redirected_len)))
			return rc;
	}
	return IK_OK;
}

/*
 * RFC 8335 2.1: the request's extension structure, from msg->ext when it is
 * set, else built around the identification in xe_ident_kind/xe_ident.
 */
static int enc_xecho_req_body(const struct ik_icmp *msg, struct wcursor *w)
{
	struct ik_ext ext;
	if (msg->ext.is_present) {
		ext = msg->ext;
	} else {
		memset(&ext, 0, sizeof ext);
		ext.is_present = true;
		ext.ident_kind = msg->xe_ident_kind;
		ext.ident = msg->xe_ident;
	}
	int rc = ik_ext_encode(&ext, w->base + w->off, w->cap - w->off);
	if (rc < 0)
		return rc;
	w->off += (size_t)rc;
	return IK_OK;
}

/* Errors: the quote, padded and followed by an RFC 4884 extension if asked. */
static int enc_error_body(const struct ik_icmp *msg, struct wcursor *w, size_t len_at)
{
	int rc;
	if (msg->data_len && !msg->data)
		return IK_ERR_INVALID;
	if ((rc = wcursor_bytes(w, msg->data, msg->data_len)))
		return rc;
	if (!msg->ext.is_present)
		return IK_OK;
	if (len_at == 0)
		return IK_ERR_INVALID; /* RFC 4884 defines no length for this type */
	size_t padded = (msg->data_len + 7) & ~(size_t)7;
	if (padded < ICMP6_EXT_MIN_QUOTE)
		padded = ICMP6_EXT_MIN_QUOTE;
	if (padded > ICMP6_EXT_MAX_QUOTE)
		return IK_ERR_INVALID;
	if ((rc = wcursor_zero(w, padded - msg->data_len)))
		return rc;
	w->base[len_at] = (uint8_t)(padded / 8);
	rc = ik_ext_encode(&msg->ext, w->base + w->off, w->cap - w->off);
	if (rc < 0)
		return rc;
	w->off += (size_t)rc;
	return IK_OK;
}

static int enc_raw_data(const struct ik_icmp *msg, struct wcursor *w)
{
	if (msg->data_len && !msg->data)
		return IK_ERR_INVALID;
	return wcursor_bytes(w, msg->data, msg->data_len);
}

int ik_icmp6_encode(const struct ik_icmp *msg, const struct ik_addr *src,
		    const struct ik_addr *dst, uint8_t *buf, size_t cap)
{
	if (!src || !dst || src->family != 6 || dst->family != 6)
		return IK_ERR_INVALID;
	struct wcursor w = wcursor_make(buf, cap);
	const struct ik_nd *nd = &msg->nd;
	uint32_t rest;
	int rc;

	switch (msg->type) {
	case IK_ICMP6_DEST_UNREACH:
	case IK_ICMP6_TIME_EXCEEDED:
		rest = 0; /* the length octet is set with the extension */
		break;
	case IK_ICMP6_PACKET_TOO_BIG:
		rest = msg->mtu;
		break;
	case IK_ICMP6_PARAM_PROBLEM:
		rest = msg->pointer;
		break;
	case IK_ICMP6_ECHO_REQUEST:
	case IK_ICMP6_ECHO_REPLY:
		rest = (uint32_t)msg->id << 16 | msg->seq;
		break;
	case IK_ICMP6_ROUTER_SOLICIT:
	case IK_ICMP6_NEIGHBOR_SOLICIT:
	case IK_ICMP6_REDIRECT:
		rest = 0;
		break;
	case IK_ICMP6_ROUTER_ADVERT:
		rest = (uint32_t)nd->cur_hop_limit << 24 | (uint32_t)nd->flags << 16 |
		       nd->router_lifetime_s;
		break;
	case IK_ICMP6_NEIGHBOR_ADVERT:
		rest = (uint32_t)nd->flags << 24;
		break;
	case IK_ICMP6_EXT_ECHO_REQUEST:
		if (msg->seq > UINT8_MAX)
			return IK_ERR_INVALID;
		rest = (uint32_t)msg->id << 16 | (uint32_t)msg->seq << 8 | (msg->xe_is_local ? 1 : 0);
		break;
	case IK_ICMP6_EXT_ECHO_REPLY:
		if (msg->seq > UINT8_MAX || msg->xe_state > 7)
			return IK_ERR_INVALID;
		rest = (uint32_t)msg->id << 16 | (uint32_t)msg->seq << 8 |
		       (uint32_t)msg->xe_state << 5 | (msg->xe_is_active ? 4u : 0) |
		       (msg->xe_has_ipv4 ? 2u : 0) | (msg->xe_has_ipv6 ? 1u : 0);
		break;
	default:
		rest = msg->rest;
		break;
	}
	if ((rc = wcursor_u8(&w, msg->type)) || (rc = wcursor_u8(&w, msg->code)) ||
	    (rc = wcursor_be16(&w, 0)) || (rc = wcursor_be32(&w, rest)))
		return rc;

	switch (msg->type) {
	case IK_ICMP6_DEST_UNREACH:
	case IK_ICMP6_TIME_EXCEEDED:
		rc = enc_error_body(msg, &w, 4);
		break;
	case IK_ICMP6_PACKET_TOO_BIG:
	case IK_ICMP6_PARAM_PROBLEM:
		rc = enc_error_body(msg, &w, 0);
		break;
	case IK_ICMP6_ROUTER_ADVERT:
		if ((rc = wcursor_be32(&w, nd->reachable_time_ms)) ||
		    (rc = wcursor_be32(&w, nd->retrans_timer_ms)))
			return rc;
		goto options;
	case IK_ICMP6_NEIGHBOR_SOLICIT:
	case IK_ICMP6_NEIGHBOR_ADVERT:
		if ((rc = wcursor_bytes(&w, nd->target.bytes, 16)))
			return rc;
		goto options;
	case IK_ICMP6_REDIRECT:
		if ((rc = wcursor_bytes(&w, nd->target.bytes, 16)) ||
		    (rc = wcursor_bytes(&w, nd->destination.bytes, 16)))
			return rc;
		goto options;
	case IK_ICMP6_ROUTER_SOLICIT:
	options:
		/* Raw options in data win, so a decoded message re-encodes
		 * byte for byte; otherwise they are built from msg->nd. */
		rc = msg->data_len ? enc_raw_data(msg, &w) : enc_nd_options(msg, &w);
		break;
	case IK_ICMP6_EXT_ECHO_REQUEST:
		if (msg->data_len)
			rc = enc_raw_data(msg, &w);
		else if (msg->ext.is_present || msg->xe_ident_kind != IK_XE_NONE)
			rc = enc_xecho_req_body(msg, &w);
		else
			rc = IK_ERR_INVALID; /* RFC 8335 2: the object is required */
		break;
		break;
	default:
		rc = enc_raw_data(msg, &w);
		break;
	}
	if (rc)
		return rc;
	if (w.off > INT32_MAX)
		return IK_ERR_INVALID;
	/* RFC 4443 2.3 */
	uint32_t acc = ik_cksum_pseudo6(src, dst, (uint32_t)w.off, IK_PROTO_ICMPV6);
	wcursor_put_be16_at(&w, 2, ik_cksum_finish(ik_cksum_add(acc, buf, w.off)));
	return (int)w.off;
}
