/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 4884 ICMP extension structures with MPLS, interface and identification objects. */
#include <string.h>

#include "cursor.h"
#include "icmpkit/cksum.h"
#include "icmpkit/icmp.h"

/* RFC 4884 7 and the IANA "ICMP Extension Object Classes" registry. */
enum {
	EXT_VERSION = 2,
	EXT_CLASS_MPLS = 1,    /* RFC 4950 */
	EXT_CLASS_IFINFO = 2,  /* RFC 5837 */
	EXT_CLASS_IDENT = 3,   /* RFC 8335 */
	EXT_MPLS_INCOMING = 1, /* RFC 4950 5: incoming MPLS label stack */
	EXT_AFI_IPV4 = 1,      /* IANA address family numbers */
	EXT_AFI_IPV6 = 2,
};

/* RFC 5837 4.1: the C-Type carries the role and which sub-objects follow. */
enum {
	IFINFO_HAS_IFINDEX = 0x08,
	IFINFO_HAS_ADDR = 0x04,
	IFINFO_HAS_NAME = 0x02,
	IFINFO_HAS_MTU = 0x01,
};

/*
 * Objects are at least 4 bytes, so a structure of at most 64 KiB holds a
 * bounded number of them; the explicit cap keeps the walk obviously finite.
 */
#define EXT_MAX_OBJECTS 256

/* Reads an AFI-tagged address of addr_len bytes (RFC 5837 4.2, RFC 8335 2.1). */
static int ext_addr(struct cursor *c, uint16_t afi, size_t addr_len, struct ik_addr *out)
{
	uint8_t b[16];
	int rc;
	if (afi == EXT_AFI_IPV4 && addr_len == 4) {
		if ((rc = cursor_bytes(c, b, 4)))
			return IK_ERR_BAD_LENGTH;
		ik_addr_set4(out, b);
		return IK_OK;
	}
	if (afi == EXT_AFI_IPV6 && addr_len == 16) {
		if ((rc = cursor_bytes(c, b, 16)))
			return IK_ERR_BAD_LENGTH;
		memset(out, 0, sizeof *out);
		ik_addr_set6(out, b);
		return IK_OK;
	}
	if (afi != EXT_AFI_IPV4 && afi != EXT_AFI_IPV6)
		return IK_ERR_UNSUPPORTED;
	return IK_ERR_BAD_LENGTH;
}

/* RFC 4950 5: one 4-byte label stack entry per word. */
static int ext_mpls(struct cursor *c, struct ik_ext *out)
{
	if (cursor_left(c) % 4)
		return IK_ERR_BAD_LENGTH;
	while (cursor_left(c) >= 4) {
		uint32_t v;
		int rc = cursor_be32(c, &v);
		if (rc)
			return rc;
		if (out->mpls_count >= IK_EXT_MAX_MPLS)
			continue; /* validated, but no room to keep it */
		struct ik_mpls_entry *e = &out->mpls[out->mpls_count++];
		e->label = v >> 12;
		e->tc = (uint8_t)((v >> 9) & 7);
		e->is_bottom = (v >> 8) & 1;
		e->ttl = (uint8_t)v;
	}
	return IK_OK;
}

/* RFC 5837 4: sub-objects in the fixed order ifIndex, address, name, MTU. */
static int ext_ifinfo(struct cursor *c, uint8_t ctype, struct ik_ifinfo *info)
{
	int rc;
	memset(info, 0, sizeof *info);
	info->role = ctype >> 6;
	if (ctype & IFINFO_HAS_IFINDEX) {
		if ((rc = cursor_be32(c, &info->ifindex)))
			return IK_ERR_BAD_LENGTH;
		info->has_ifindex = true;
	}
	if (ctype & IFINFO_HAS_ADDR) {
		uint16_t afi, reserved;
		if ((rc = cursor_be16(c, &afi)) || (rc = cursor_be16(c, &reserved)))
			return IK_ERR_BAD_LENGTH;
		if ((rc = ext_addr(c, afi, afi == EXT_AFI_IPV6 ? 16 : 4, &info->addr)))
			return rc;
		info->has_addr = true;
	}
	if (ctype & IFINFO_HAS_NAME) {
		/* RFC 5837 4.3: the length octet counts itself, is a multiple of 4, <= 64. */
		uint8_t name_len;
		if ((rc = cursor_u8(c, &name_len)))
			return IK_ERR_BAD_LENGTH;
		if (name_len < 4 || name_len % 4 || name_len > 64)
			return IK_ERR_BAD_LENGTH;
		if ((rc = cursor_bytes(c, info->name, (size_t)name_len - 1)))
			return IK_ERR_BAD_LENGTH;
		info->name[name_len - 1] = '\0';
		info->has_name = true;
	}
	if (ctype & IFINFO_HAS_MTU) {
		if ((rc = cursor_be32(c, &info->mtu)))
			return IK_ERR_BAD_LENGTH;
		info->has_mtu = true;
	}
	/* Bytes left over mean the flags and the length disagree. */
	return cursor_left(c) ? IK_ERR_BAD_LENGTH : IK_OK;
}

/* RFC 8335 2.1: the interface named by name, index or address. */
static int ext_ident(struct cursor *c, uint8_t ctype, struct ik_ext *out)
{
	struct ik_ifinfo *id = &out->ident;
	int rc;
	memset(id, 0, sizeof *id);
	switch (ctype) {
	case IK_XE_BY_NAME: {
		/* The name is padded with NULs to a 32-bit boundary; keep what fits. */
		size_t n = cursor_left(c);
		if (n == 0 || n % 4)
			return IK_ERR_BAD_LENGTH;
		size_t keep = n < IK_IFNAME_MAX - 1 ? n : IK_IFNAME_MAX - 1;
		if ((rc = cursor_bytes(c, id->name, keep)))
			return rc;
		id->name[keep] = '\0';
		id->has_name = true;
		break;
	}
	case IK_XE_BY_INDEX:
		if (cursor_left(c) != 4)
			return IK_ERR_BAD_LENGTH;
		if ((rc = cursor_be32(c, &id->ifindex)))
			return rc;
		id->has_ifindex = true;
		break;
	case IK_XE_BY_ADDR: {
		uint16_t afi;
		uint8_t addr_len, reserved;
		if ((rc = cursor_be16(c, &afi)) || (rc = cursor_u8(c, &addr_len)) ||
		    (rc = cursor_u8(c, &reserved)))
			return IK_ERR_BAD_LENGTH;
		if ((rc = ext_addr(c, afi, addr_len, &id->addr)))
			return rc;
		/* Only padding to the 32-bit boundary may follow the address. */
		if (cursor_left(c) >= 4)
			return IK_ERR_BAD_LENGTH;
		id->has_addr = true;
		break;
	}
	default:
		out->unknown_objects++;
		return IK_OK;
	}
	out->ident_kind = ctype;
	return IK_OK;
}

int ik_ext_decode(const uint8_t *buf, size_t len, struct ik_ext *out)
{
	struct cursor c = cursor_make(buf, len);
	uint8_t vers, reserved;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = cursor_u8(&c, &vers)) || (rc = cursor_u8(&c, &reserved)) ||
	    (rc = cursor_be16(&c, &out->checksum)))
		return rc;
	out->version = vers >> 4;
	if (out->version != EXT_VERSION)
		return IK_ERR_UNSUPPORTED;
	out->is_present = true;
	/* RFC 4884 7: the checksum covers the whole structure; zero means "not computed". */
	out->is_checksum_ok = out->checksum == 0 || ik_cksum(buf, len) == 0;

	for (int i = 0; cursor_left(&c) > 0; i++) {
		uint16_t obj_len;
		uint8_t class_num, ctype;
		struct cursor body;
		if (i >= EXT_MAX_OBJECTS)
			return IK_ERR_BAD_LENGTH;
		if (cursor_left(&c) < 4)
			return IK_ERR_BAD_LENGTH; /* trailing bytes too short for an object */
		if ((rc = cursor_be16(&c, &obj_len)) || (rc = cursor_u8(&c, &class_num)) ||
		    (rc = cursor_u8(&c, &ctype)))
			return rc;
		/* RFC 4884 7: the length includes the 4-byte object header. */
		if (obj_len < 4)
			return IK_ERR_BAD_LENGTH;
		if ((rc = cursor_sub(&c, (size_t)obj_len - 4, &body)))
			return IK_ERR_BAD_LENGTH;
		switch (class_num) {
		case EXT_CLASS_MPLS:
			if (ctype != EXT_MPLS_INCOMING) {
				out->unknown_objects++;
				break;
			}
			rc = ext_mpls(&body, out);
			break;
		case EXT_CLASS_IFINFO: {
			struct ik_ifinfo scratch;
			struct ik_ifinfo *dst = out->ifinfo_count < IK_EXT_MAX_IFINFO
							? &out->ifinfo[out->ifinfo_count]
							: &scratch;
			rc = ext_ifinfo(&body, ctype, dst);
			if (!rc && dst != &scratch)
				out->ifinfo_count++;
			break;
		}
		case EXT_CLASS_IDENT:
			rc = ext_ident(&body, ctype, out);
			break;
		default:
			out->unknown_objects++;
			break;
		}
		if (rc)
			return rc;
	}
	return out->is_checksum_ok ? IK_OK : IK_ERR_BAD_CHECKSUM;
}

static int put_addr_afi(struct wcursor *w, const struct ik_addr *a)
{
	if (a->family == 4)
		return wcursor_be16(w, EXT_AFI_IPV4);
	if (a->family == 6)
		return wcursor_be16(w, EXT_AFI_IPV6);
	return IK_ERR_INVALID;
}

static int put_addr(struct wcursor *w, const struct ik_addr *a)
{
	return wcursor_bytes(w, a->bytes, a->family == 6 ? 16 : 4);
}

static size_t name_sub_len(const char *name)
{
	size_t n = strnlen(name, IK_IFNAME_MAX - 1);
	return (1 + n + 3) & ~(size_t)3;
}

static int put_ifinfo(struct wcursor *w, const struct ik_ifinfo *info)
{
	uint8_t ctype = (uint8_t)((info->role & 3) << 6);
	size_t len = 4;
	int rc;
	if (info->has_ifindex) {
		ctype |= IFINFO_HAS_IFINDEX;
		len += 4;
	}
	if (info->has_addr) {
		if (info->addr.family != 4 && info->addr.family != 6)
			return IK_ERR_INVALID;
		ctype |= IFINFO_HAS_ADDR;
		len += 4 + (info->addr.family == 6 ? 16 : 4);
	}
	if (info->has_name) {
		ctype |= IFINFO_HAS_NAME;
		len += name_sub_len(info->name);
	}
	if (info->has_mtu) {
		ctype |= IFINFO_HAS_MTU;
		len += 4;
	}
	if ((rc = wcursor_be16(w, (uint16_t)len)) || (rc = wcursor_u8(w, EXT_CLASS_IFINFO)) ||
	    (rc = wcursor_u8(w, ctype)))
		return rc;
	if (info->has_ifindex && (rc = wcursor_be32(w, info->ifindex)))
		return rc;
	if (info->has_addr && ((rc = put_addr_afi(w, &info->addr)) || (rc = wcursor_be16(w, 0)) ||
			       (rc = put_addr(w, &info->addr))))
		return rc;
	if (info->has_name) {
		size_t sub = name_sub_len(info->name);
		size_t n = strnlen(info->name, IK_IFNAME_MAX - 1);
		if ((rc = wcursor_u8(w, (uint8_t)sub)) || (rc = wcursor_bytes(w, info->name, n)) ||
		    (rc = wcursor_zero(w, sub - 1 - n)))
			return rc;
	}
	if (info->has_mtu && (rc = wcursor_be32(w, info->mtu)))
		return rc;
	return IK_OK;
}

static int put_ident(struct wcursor *w, uint8_t kind, const struct ik_ifinfo *id)
{
	int rc;
	size_t at = w->off;
	if ((rc = wcursor_be16(w, 0)) || (rc = wcursor_u8(w, EXT_CLASS_IDENT)) ||
	    (rc = wcursor_u8(w, kind)))
		return rc;
	switch (kind) {
	case IK_XE_BY_NAME: {
		size_t n = strnlen(id->name, IK_IFNAME_MAX - 1);
		if (n == 0)
			return IK_ERR_INVALID;
		size_t padded = (n + 3) & ~(size_t)3;
		if ((rc = wcursor_bytes(w, id->name, n)) || (rc = wcursor_zero(w, padded - n)))
			return rc;
		break;
	}
	case IK_XE_BY_INDEX:
		if ((rc = wcursor_be32(w, id->ifindex)))
			return rc;
		break;
	case IK_XE_BY_ADDR:
		if (id->addr.family != 4 && id->addr.family != 6)
			return IK_ERR_INVALID;
		if ((rc = put_addr_afi(w, &id->addr)) ||
		    (rc = wcursor_u8(w, id->addr.family == 6 ? 16 : 4)) || (rc = wcursor_u8(w, 0)) ||
		    (rc = put_addr(w, &id->addr)))
			return rc;
		break;
	default:
		return IK_ERR_INVALID;
	}
	wcursor_put_be16_at(w, at, (uint16_t)(w->off - at));
	return IK_OK;
}

int ik_ext_encode(const struct ik_ext *ext, uint8_t *buf, size_t cap)
{
	struct wcursor w = wcursor_make(buf, cap);
	int rc;
	if (ext->mpls_count > IK_EXT_MAX_MPLS || ext->ifinfo_count > IK_EXT_MAX_IFINFO)
		return IK_ERR_INVALID;
	/* RFC 4884 7: version 2, reserved zero, checksum filled in last. */
	if ((rc = wcursor_u8(&w, EXT_VERSION << 4)) || (rc = wcursor_u8(&w, 0)) ||
	    (rc = wcursor_be16(&w, 0)))
		return rc;
	if (ext->mpls_count) {
		if ((rc = wcursor_be16(&w, (uint16_t)(4 + 4 * ext->mpls_count))) ||
		    (rc = wcursor_u8(&w, EXT_CLASS_MPLS)) || (rc = wcursor_u8(&w, EXT_MPLS_INCOMING)))
			return rc;
		for (unsigned i = 0; i < ext->mpls_count; i++) {
			const struct ik_mpls_entry *e = &ext->mpls[i];
			if (e->label > 0xfffff || e->tc > 7)
				return IK_ERR_INVALID;
			uint32_t v = e->label << 12 | (uint32_t)e->tc << 9 |
				     (uint32_t)e->is_bottom << 8 | e->ttl;
			if ((rc = wcursor_be32(&w, v)))
				return rc;
		}
	}
	for (unsigned i = 0; i < ext->ifinfo_count; i++)
		if ((rc = put_ifinfo(&w, &ext->ifinfo[i])))
			return rc;
	if (ext->ident_kind != IK_XE_NONE && (rc = put_ident(&w, ext->ident_kind, &ext->ident)))
		return rc;
	if (w.off > 0xffff)
		return IK_ERR_INVALID;
	wcursor_put_be16_at(&w, 2, ik_cksum(buf, w.off));
	return (int)w.off;
}
