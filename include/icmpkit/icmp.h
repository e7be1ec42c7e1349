/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMPv4 and ICMPv6 messages: the decoded form, the decoders and encoders. */
#ifndef ICMPKIT_ICMP_H
#define ICMPKIT_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"
#include "icmpkit/ip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ICMPv4 types (RFC 792, 950, 1256, 8335). */
enum ik_icmp4_type {
	IK_ICMP4_ECHO_REPLY = 0,
	IK_ICMP4_DEST_UNREACH = 3,
	IK_ICMP4_SOURCE_QUENCH = 4,
	IK_ICMP4_REDIRECT = 5,
	IK_ICMP4_ECHO_REQUEST = 8,
	IK_ICMP4_ROUTER_ADVERT = 9,
	IK_ICMP4_ROUTER_SOLICIT = 10,
	IK_ICMP4_TIME_EXCEEDED = 11,
	IK_ICMP4_PARAM_PROBLEM = 12,
	IK_ICMP4_TIMESTAMP = 13,
	IK_ICMP4_TIMESTAMP_REPLY = 14,
	IK_ICMP4_INFO_REQUEST = 15,
	IK_ICMP4_INFO_REPLY = 16,
	IK_ICMP4_MASK_REQUEST = 17,
	IK_ICMP4_MASK_REPLY = 18,
	IK_ICMP4_EXT_ECHO_REQUEST = 42,
	IK_ICMP4_EXT_ECHO_REPLY = 43,
};

/* ICMPv4 Destination Unreachable codes (RFC 792, 1122, 1812). */
enum ik_icmp4_unreach {
	IK_UNREACH_NET = 0,
	IK_UNREACH_HOST = 1,
	IK_UNREACH_PROTOCOL = 2,
	IK_UNREACH_PORT = 3,
	IK_UNREACH_FRAG_NEEDED = 4,
	IK_UNREACH_SRC_ROUTE = 5,
	IK_UNREACH_NET_UNKNOWN = 6,
	IK_UNREACH_HOST_UNKNOWN = 7,
	IK_UNREACH_ISOLATED = 8,
	IK_UNREACH_NET_PROHIB = 9,
	IK_UNREACH_HOST_PROHIB = 10,
	IK_UNREACH_TOS_NET = 11,
	IK_UNREACH_TOS_HOST = 12,
	IK_UNREACH_ADMIN_PROHIB = 13,
	IK_UNREACH_PREC_VIOLATION = 14,
	IK_UNREACH_PREC_CUTOFF = 15,
};

/* ICMPv6 types (RFC 4443, 4861, 8335). */
enum ik_icmp6_type {
	IK_ICMP6_DEST_UNREACH = 1,
	IK_ICMP6_PACKET_TOO_BIG = 2,
	IK_ICMP6_TIME_EXCEEDED = 3,
	IK_ICMP6_PARAM_PROBLEM = 4,
	IK_ICMP6_ECHO_REQUEST = 128,
	IK_ICMP6_ECHO_REPLY = 129,
	IK_ICMP6_ROUTER_SOLICIT = 133,
	IK_ICMP6_ROUTER_ADVERT = 134,
	IK_ICMP6_NEIGHBOR_SOLICIT = 135,
	IK_ICMP6_NEIGHBOR_ADVERT = 136,
	IK_ICMP6_REDIRECT = 137,
	IK_ICMP6_EXT_ECHO_REQUEST = 160,
	IK_ICMP6_EXT_ECHO_REPLY = 161,
};

/* The offending datagram quoted by an ICMP error (RFC 792, RFC 4443 2.4). */
struct ik_quote {
	bool is_present;     /* an inner IP header was decoded */
	struct ik_ip ip;     /* its header; ip.payload points at the transport bytes */
	size_t quoted_len;   /* bytes of the original datagram in the error */
	bool has_ports;      /* UDP or TCP ports were present */
	uint16_t sport;
	uint16_t dport;
	uint16_t udp_len;    /* UDP only, when 8 bytes were quoted */
	uint16_t udp_checksum;
	uint32_t tcp_seq;    /* TCP only */
	bool has_icmp;       /* quoted ICMP/ICMPv6 header was present */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_checksum;
	uint16_t icmp_id;
	uint16_t icmp_seq;
};

/* RFC 4950 MPLS label stack entry. */
struct ik_mpls_entry {
	uint32_t label; /* 20 bits */
	uint8_t tc;     /* 3 bits, formerly EXP */
	bool is_bottom; /* S bit */
	uint8_t ttl;
};

/* RFC 5837 interface information roles. */
enum ik_ifinfo_role {
	IK_IFROLE_INCOMING = 0,
	IK_IFROLE_SUBIP = 1,
	IK_IFROLE_OUTGOING = 2,
	IK_IFROLE_NEXTHOP = 3,
};

#define IK_IFNAME_MAX 64 /* RFC 5837 4.3: name sub-object up to 63 octets */

/* RFC 5837 Interface Information Object, or RFC 8335 Interface Identification. */
struct ik_ifinfo {
	uint8_t role;    /* enum ik_ifinfo_role (5837 only) */
	bool has_ifindex;
	bool has_addr;
	bool has_name;
	bool has_mtu;
	uint32_t ifindex;
	struct ik_addr addr;
	char name[IK_IFNAME_MAX]; /* NUL-terminated, non-printables kept as is */
	uint32_t mtu;
};

#define IK_EXT_MAX_MPLS 16
#define IK_EXT_MAX_IFINFO 4

/* RFC 4884 extension structure found after the quoted datagram. */
struct ik_ext {
	bool is_present;
	uint8_t version;           /* 2 */
	uint16_t checksum;
	bool is_checksum_ok;       /* a zero checksum counts as ok (RFC 4884 7) */
	size_t offset;             /* from the start of the ICMP message */
	uint8_t mpls_count;
	struct ik_mpls_entry mpls[IK_EXT_MAX_MPLS];
	uint8_t ifinfo_count;
	struct ik_ifinfo ifinfo[IK_EXT_MAX_IFINFO];
	uint8_t unknown_objects;   /* objects of classes we do not decode */
	/* RFC 8335 Interface Identification Object (class 3), extended echo request. */
	uint8_t ident_kind;        /* enum ik_xe_ident_kind; IK_XE_NONE when absent */
	struct ik_ifinfo ident;    /* name, ifindex or addr, per ident_kind */
};

/* RFC 8335 Interface Identification Object (class 3) kinds. */
enum ik_xe_ident_kind {
	IK_XE_NONE = 0,
	IK_XE_BY_NAME = 1,
	IK_XE_BY_INDEX = 2,
	IK_XE_BY_ADDR = 3,
};

/* RFC 4861 4.6.2 prefix information option. */
struct ik_nd_prefix {
	uint8_t prefix_len;
	bool is_onlink;      /* L */
	bool is_autonomous;  /* A */
	uint32_t valid_lifetime_s;
	uint32_t preferred_lifetime_s;
	struct ik_addr prefix;
};

#define IK_ND_MAX_PREFIXES 4
#define IK_RA4_MAX_ENTRIES 8

/* RFC 4861 neighbor discovery fields and options. */
struct ik_nd {
	uint8_t cur_hop_limit;      /* RA */
	uint8_t flags;              /* RA: M 0x80, O 0x40; NA: R 0x80, S 0x40, O 0x20 (first byte) */
	uint16_t router_lifetime_s; /* RA */
	uint32_t reachable_time_ms; /* RA */
	uint32_t retrans_timer_ms;  /* RA */
	struct ik_addr target;      /* NS, NA, Redirect */
	struct ik_addr destination; /* Redirect */
	bool has_src_lladdr;
	bool has_tgt_lladdr;
	uint8_t lladdr_len;         /* bytes in src/tgt lladdr (6 on Ethernet) */
	uint8_t src_lladdr[8];
	uint8_t tgt_lladdr[8];
	bool has_mtu;
	uint32_t mtu;
	uint8_t prefix_count;
	struct ik_nd_prefix prefixes[IK_ND_MAX_PREFIXES];
	bool has_redirected_header; /* quote holds the redirected packet */
	uint8_t unknown_options;
	/*
	 * RFC 4861 4.6.3: the redirected packet's bytes inside the option
	 * (into the decoded buffer; encode copies redirected_len bytes from it).
	 */
	const uint8_t *redirected;
	size_t redirected_len;
	uint8_t prefixes_dropped;   /* prefix options past IK_ND_MAX_PREFIXES */
	/*
	 * ICMPv6 ND messages: decode points `data` at the options after the
	 * fixed part; encode copies `data` as the options when data_len is not
	 * zero, and otherwise builds them from the fields above.
	 */
};

/* RFC 1256 router advertisement entry. */
struct ik_ra4_entry {
	struct ik_addr addr;
	int32_t preference;
};

/*
 * One decoded ICMP or ICMPv6 message, host order. Which fields are filled
 * depends on version/type; the rest are zero. `data`, and pointers inside
 * `quote`, point into the buffer given to the decoder: the caller keeps that
 * buffer alive while it uses them.
 */
struct ik_icmp {
	uint8_t version;  /* 4 (ICMP) or 6 (ICMPv6) */
	uint8_t type;
	uint8_t code;
	uint16_t checksum;          /* as on the wire */
	bool is_checksum_checked;   /* false: ICMPv6 without addresses, or a fragment */
	bool is_checksum_ok;
	uint32_t rest;              /* the 4 bytes after the checksum, raw */

	uint16_t id;    /* echo, timestamp, info, mask, extended echo */
	uint16_t seq;   /* idem; 8 bits in extended echo */
	uint32_t mtu;   /* v4 frag needed (RFC 1191), v6 packet too big */
	uint32_t pointer; /* parameter problem: 8 bits in v4, 32 in v6 */
	struct ik_addr gateway; /* v4 redirect target gateway */
	/* RFC 792 timestamps, ms since midnight UT; high bit set = non-standard. */
	uint32_t ts_originate;
	uint32_t ts_receive;
	uint32_t ts_transmit;
	uint32_t address_mask; /* RFC 950 */
	/* RFC 1256 router advertisement. */
	uint8_t ra4_num_addrs;
	uint8_t ra4_entry_words;
	uint16_t ra4_lifetime_s;
	uint8_t ra4_entry_count; /* entries decoded (at most IK_RA4_MAX_ENTRIES) */
	struct ik_ra4_entry ra4_entries[IK_RA4_MAX_ENTRIES];
	/* RFC 8335 extended echo. */
	bool xe_is_local;      /* request L bit */
	uint8_t xe_state;      /* reply state (3 bits) */
	bool xe_is_active;     /* reply A bit */
	bool xe_has_ipv4;      /* reply 4 bit */
	bool xe_has_ipv6;      /* reply 6 bit */
	uint8_t xe_ident_kind; /* enum ik_xe_ident_kind, request only */
	struct ik_ifinfo xe_ident;
	/* ICMPv6 neighbor discovery. */
	struct ik_nd nd;

	/*
	 * The message body after the 8-byte header (echo payload, quote, ...).
	 * ICMPv4 decode: after the type's fixed fields (timestamps, mask, router
	 * entries); for an error with an RFC 4884 extension, only the original
	 * datagram field (without the extension); for an extended echo request,
	 * the extension structure. So encode(decode(m)) gives m back.
	 */
	const uint8_t *data;
	size_t data_len;

	/* Errors (and v6 Redirect's redirected header): the quoted datagram. */
	struct ik_quote quote;
	int quote_err;  /* why the quote did not decode fully, 0 if it did */
	struct ik_ext ext;
	int ext_err;    /* why the RFC 4884 extension did not decode, 0 if ok */
};

/* True for error messages, which quote the offending datagram. */
bool ik_icmp_is_error(uint8_t version, uint8_t type);

/*
 * Decodes an ICMP message (buf starts at the ICMP type byte).
 * Returns 0 when the fixed part decodes and the checksum verifies;
 * IK_ERR_BAD_CHECKSUM when everything decoded but the checksum is wrong
 * (*out is complete); IK_ERR_TRUNCATED or IK_ERR_BAD_LENGTH when the
 * message's own fields cannot be read (*out holds what came before).
 * Problems in the quoted datagram or extensions do not fail the call; they
 * are reported in out->quote_err and out->ext_err.
 */
IK_WUR int ik_icmp4_decode(const uint8_t *buf, size_t len, struct ik_icmp *out);

/*
 * Decodes an ICMPv6 message. src and dst (may be NULL) are the outer IPv6
 * addresses for the pseudo-header checksum; without them the checksum is
 * not checked. Return values as ik_icmp4_decode().
 */
IK_WUR int ik_icmp6_decode(const uint8_t *buf, size_t len, const struct ik_addr *src,
			   const struct ik_addr *dst, struct ik_icmp *out);

/*
 * Encodes msg into buf (capacity cap) and fills in the checksum.
 * Type-specific fields come from msg; `data`/`data_len` is copied after the
 * 8-byte header (for errors: the quoted datagram). When msg->ext.is_present,
 * an RFC 4884 extension is appended with its MPLS and interface objects,
 * the quote is padded to 128 bytes and the length field set.
 * ICMPv6 needs src and dst for the checksum.
 * Returns the length written, IK_ERR_NOSPACE or IK_ERR_INVALID.
 */
IK_WUR int ik_icmp4_encode(const struct ik_icmp *msg, uint8_t *buf, size_t cap);
IK_WUR int ik_icmp6_encode(const struct ik_icmp *msg, const struct ik_addr *src,
			   const struct ik_addr *dst, uint8_t *buf, size_t cap);

/*
 * RFC 4884 extension structure codec, shared by ICMPv4 and ICMPv6 and by
 * RFC 8335 extended echo. decode: buf points at the extension header and len
 * covers the whole structure (the checksum is over all of it).
 * decode returns 0; IK_ERR_BAD_CHECKSUM when everything decoded but a
 * non-zero checksum does not verify (*out complete); IK_ERR_TRUNCATED (no
 * full header); IK_ERR_UNSUPPORTED (version not 2, or an address family we
 * cannot size); IK_ERR_BAD_LENGTH (an object shorter than 4, overrunning,
 * or with a payload its class forbids). *out holds the objects before the
 * fault. The caller sets out->offset.
 */
IK_WUR int ik_ext_decode(const uint8_t *buf, size_t len, struct ik_ext *out);
/* Returns the length written, IK_ERR_NOSPACE or IK_ERR_INVALID. */
IK_WUR int ik_ext_encode(const struct ik_ext *ext, uint8_t *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
