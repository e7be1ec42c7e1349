/* SPDX-License-Identifier: BSD-3-Clause */
/* Link-layer framing (Ethernet, Linux cooked, BSD loopback, raw) down to ICMP. */
#include <string.h>

#if defined(__has_include)
#if __has_include(<pcap/dlt.h>)
#include <pcap/dlt.h>
#endif
#endif

#include "cursor.h"
#include "icmpkit/packet.h"

/*
 * libpcap's numbers, for systems without its headers. DLT_RAW and DLT_LOOP
 * differ between platforms (12 is raw on most, loopback on OpenBSD); the
 * pcap file format uses LINKTYPE_RAW 101 and LINKTYPE_LOOP 108 everywhere.
 */
#ifndef DLT_NULL
#define DLT_NULL 0
#endif
#ifndef DLT_EN10MB
#define DLT_EN10MB 1
#endif
#ifndef DLT_LINUX_SLL
#define DLT_LINUX_SLL 113
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define LINK_LINKTYPE_RAW 101
#define LINK_LINKTYPE_LOOP 108

/* IEEE 802.3 / IANA EtherTypes we follow. */
enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100, /* IEEE 802.1Q */
	ETHERTYPE_QINQ = 0x88a8, /* IEEE 802.1ad service tag */
	ETHERTYPE_MIN = 0x0600,  /* below this the field is an 802.3 length */
};

/* IEEE 802.1ad: a service tag and a customer tag, no deeper. */
#define LINK_MAX_TAGS 2

/* Address family values in DLT_NULL/DLT_LOOP headers, as BSDs number them. */
enum {
	LINK_AF_INET = 2,
	LINK_AF_INET6_BSD = 24,     /* NetBSD, OpenBSD, BSD/OS */
	LINK_AF_INET6_FREEBSD = 28,
	LINK_AF_INET6_DARWIN = 30,
};

int ik_link_from_dlt(int dlt, enum ik_link *out)
{
	switch (dlt) {
	case DLT_EN10MB:
		*out = IK_LINK_ETHERNET;
		return IK_OK;
	case DLT_NULL:
		*out = IK_LINK_NULL;
		return IK_OK;
	case DLT_LINUX_SLL:
		*out = IK_LINK_SLL;
		return IK_OK;
	case DLT_LINUX_SLL2:
		*out = IK_LINK_SLL2;
		return IK_OK;
	case DLT_IPV4:
	case DLT_IPV6:
	case 14:
	case LINK_LINKTYPE_RAW:
		*out = IK_LINK_RAW;
		return IK_OK;
	case 12:
#if defined(DLT_LOOP) && DLT_LOOP == 12
		*out = IK_LINK_LOOP; /* OpenBSD's DLT_LOOP */
#else
		*out = IK_LINK_RAW;
#endif
		return IK_OK;
	case LINK_LINKTYPE_LOOP:
		*out = IK_LINK_LOOP;
		return IK_OK;
	default:
		return IK_ERR_UNSUPPORTED;
	}
}

/* Maps an EtherType to an IP version; 0 when it is not IP. */
static uint8_t ethertype_version(uint16_t type)
{
	if (type == ETHERTYPE_IPV4)
		return 4;
	if (type == ETHERTYPE_IPV6)
		return 6;
	return 0;
}

/* Skips up to LINK_MAX_TAGS VLAN tags after an EtherType field. */
static int skip_vlan_tags(struct cursor *c, uint16_t *type)
{
	for (int tags = 0; *type == ETHERTYPE_VLAN || *type == ETHERTYPE_QINQ; tags++) {
		if (tags == LINK_MAX_TAGS)
			return IK_ERR_UNSUPPORTED;
		int rc;
		if ((rc = cursor_skip(c, 2)) || (rc = cursor_be16(c, type)))
			return rc;
	}
	return IK_OK;
}

static uint8_t family_version(uint32_t family)
{
	switch (family) {
	case LINK_AF_INET:
		return 4;
	case LINK_AF_INET6_BSD:
	case LINK_AF_INET6_FREEBSD:
	case LINK_AF_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

/*
 * Moves c past the link header and returns the IP version it announces in
 * *version (0 for raw IP, where the version nibble decides).
 */
static int link_strip(enum ik_link link, struct cursor *c, uint8_t *version)
{
	uint16_t type;
	uint32_t family;
	int rc;

	*version = 0;
	switch (link) {
	case IK_LINK_ETHERNET:
		/* Destination and source MAC, then the EtherType. */
		if ((rc = cursor_skip(c, 12)) || (rc = cursor_be16(c, &type)))
			return rc;
		if (type < ETHERTYPE_MIN)
			return IK_ERR_UNSUPPORTED; /* 802.3 with LLC */
		break;
	case IK_LINK_SLL:
		/* Packet type, ARPHRD, address length, 8 address bytes, protocol. */
		if ((rc = cursor_skip(c, 14)) || (rc = cursor_be16(c, &type)))
			return rc;
		break;
	case IK_LINK_SLL2:
		/* Protocol, reserved, ifindex, ARPHRD, packet type, address
		 * length, 8 address bytes: 20 bytes in all. */
		if ((rc = cursor_be16(c, &type)) || (rc = cursor_skip(c, 18)))
			return rc;
		break;
	case IK_LINK_NULL:
		/* The capturing host's byte order: a value above 16 bits was
		 * written big-endian. */
		if ((rc = cursor_le32(c, &family)))
			return rc;
		if (family & 0xffff0000u)
			family = (family >> 24) | ((family >> 8) & 0xff00u) |
				 ((family << 8) & 0xff0000u) | (family << 24);
		*version = family_version(family);
		return *version ? IK_OK : IK_ERR_UNSUPPORTED;
	case IK_LINK_LOOP:
		if ((rc = cursor_be32(c, &family)))
			return rc;
		*version = family_version(family);
		return *version ? IK_OK : IK_ERR_UNSUPPORTED;
	case IK_LINK_RAW:
		return IK_OK;
	default:
		return IK_ERR_INVALID;
	}
	/* libpcap re-inserts stripped VLAN tags after cooked headers too. */
	if ((rc = skip_vlan_tags(c, &type)))
		return rc;
	*version = ethertype_version(type);
	return *version ? IK_OK : IK_ERR_UNSUPPORTED;
}

/*
 * Decodes the ICMP message of a whole datagram or of a first fragment. A
 * first fragment holds the ICMP header but not all of the bytes the
 * checksum covers, and neither does a datagram captured short.
 */
static void packet_icmp(struct ik_packet *out)
{
	const struct ik_ip *ip = &out->ip;
	bool can_check = !out->is_fragment && !ip->is_truncated;
	int rc;

	if (ip->version == 4)
		rc = ik_icmp4_decode(ip->payload, ip->payload_len, &out->icmp);
	else
		rc = ik_icmp6_decode(ip->payload, ip->payload_len, can_check ? &ip->src : NULL,
				     can_check ? &ip->dst : NULL, &out->icmp);
	if (!can_check) {
		out->icmp.is_checksum_checked = false;
		out->icmp.is_checksum_ok = false;
		if (rc == IK_ERR_BAD_CHECKSUM)
			rc = IK_OK;
	}
	out->has_icmp = true;
	out->icmp_err = rc;
}

/*
 * ik_ip_decode and the ICMP decoders zero their own structs; the packet's
 * are zeroed here only when they are not reached. At millions of packets a
 * second, zeroing the 1.5 KB packet and then its ICMP part again was a
 * tenth of watch's decode time.
 */
static int packet_skip_icmp(struct ik_packet *out, int rc)
{
	memset(&out->icmp, 0, sizeof out->icmp);
	return rc;
}

int ik_packet_decode(enum ik_link link, const uint8_t *frame, size_t len, struct ik_packet *out)
{
	out->has_icmp = false;
	out->is_fragment = false;
	out->is_first_fragment = false;
	out->icmp_err = 0;
	struct cursor c = cursor_make(frame, len);
	uint8_t version;
	int rc = link_strip(link, &c, &version);
	if (rc) {
		memset(&out->ip, 0, sizeof out->ip);
		return packet_skip_icmp(out, rc);
	}
	/* Bytes past the IP total length (Ethernet padding) are clipped by
	 * ik_ip_decode, which bounds the payload by the stated length. */
	if ((rc = ik_ip_decode(cursor_here(&c), cursor_left(&c), &out->ip)))
		return packet_skip_icmp(out, rc);
	if (version && out->ip.version != version)
		return packet_skip_icmp(out, IK_ERR_UNSUPPORTED); /* link header and packet disagree */

	uint8_t icmp_proto = out->ip.version == 4 ? IK_PROTO_ICMP : IK_PROTO_ICMPV6;
	if (out->ip.protocol != icmp_proto)
		return packet_skip_icmp(out, IK_OK);
	/* RFC 6946: an IPv6 atomic fragment (offset 0, no M) is whole. */
	out->is_fragment = out->ip.is_mf || out->ip.frag_offset != 0;
	if (out->ip.frag_offset != 0)
		return packet_skip_icmp(out, IK_OK); /* the middle or end of a message, no header */
	out->is_first_fragment = out->is_fragment;
	packet_icmp(out);
	return IK_OK;
}
