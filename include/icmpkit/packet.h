/* SPDX-License-Identifier: BSD-3-Clause */
/* From a captured frame to its IP header and ICMP message. */
#ifndef ICMPKIT_PACKET_H
#define ICMPKIT_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/error.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Link layers icmpkit reads (libpcap DLT_ values mapped by ik_link_from_dlt). */
enum ik_link {
	IK_LINK_ETHERNET = 1, /* with 802.1Q/802.1ad tags */
	IK_LINK_RAW,          /* bare IPv4/IPv6 (DLT_RAW, DLT_IPV4, DLT_IPV6) */
	IK_LINK_SLL,          /* Linux cooked v1 */
	IK_LINK_SLL2,         /* Linux cooked v2 */
	IK_LINK_NULL,         /* BSD loopback, host-order family word */
	IK_LINK_LOOP,         /* OpenBSD loopback, network-order family word */
};

/* Maps a libpcap DLT_ value. Returns 0 or IK_ERR_UNSUPPORTED. */
IK_WUR int ik_link_from_dlt(int dlt, enum ik_link *out);

/* One frame decoded down to ICMP. */
struct ik_packet {
	struct ik_ip ip;
	bool has_icmp;        /* ip.protocol is ICMP/ICMPv6 and bytes were present */
	bool is_fragment;     /* ICMP carried in a fragment (ip.is_fragment) */
	bool is_first_fragment; /* offset 0: ICMP header present, rest elsewhere */
	struct ik_icmp icmp;  /* valid when has_icmp (a first fragment: header only) */
	int icmp_err;         /* result of the ICMP decode (0 or an ik_err) */
};

/*
 * Decodes a frame of the given link type. Returns 0 when an IP packet was
 * found (has_icmp tells whether it carries ICMP), IK_ERR_UNSUPPORTED for a
 * frame that is not IP, or the error of the link or IP header decode. For
 * ICMP in a non-first fragment has_icmp is false and is_fragment true.
 * Checksums of ICMP in fragments are not checked.
 */
IK_WUR int ik_packet_decode(enum ik_link link, const uint8_t *frame, size_t len,
			    struct ik_packet *out);

#ifdef __cplusplus
}
#endif
#endif
