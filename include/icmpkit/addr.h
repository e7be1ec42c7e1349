/* SPDX-License-Identifier: BSD-3-Clause */
/* A family-tagged IPv4/IPv6 address and its text form. */
#ifndef ICMPKIT_ADDR_H
#define ICMPKIT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Network-order address bytes; an IPv4 address uses bytes[0..3]. */
struct ik_addr {
	uint8_t family; /* 4, 6, or 0 when unset */
	uint8_t bytes[16];
};

/* Longest text form ik_addr_format() writes, with its NUL. */
#define IK_ADDR_STRLEN 46

/* Fills an IPv4 address from 4 network-order bytes. */
void ik_addr_set4(struct ik_addr *a, const uint8_t bytes[4]);
/* Fills an IPv6 address from 16 network-order bytes. */
void ik_addr_set6(struct ik_addr *a, const uint8_t bytes[16]);
/* Returns true when both addresses have the same family and bytes. */
bool ik_addr_equal(const struct ik_addr *a, const struct ik_addr *b);
/*
 * Writes the usual text form (dotted quad, RFC 5952 for IPv6) into buf.
 * Returns the length written or IK_ERR_NOSPACE / IK_ERR_INVALID.
 */
IK_WUR int ik_addr_format(const struct ik_addr *a, char *buf, size_t cap);
/* Parses an IPv4 or IPv6 literal. Returns 0 or IK_ERR_SYNTAX. */
IK_WUR int ik_addr_parse(const char *text, struct ik_addr *out);
/*
 * Fills *ss (zeroed first) with the address and a host-order port. Returns
 * the length to pass to the socket call, or 0 for an unset family.
 */
socklen_t ik_addr_to_sockaddr(const struct ik_addr *a, uint16_t port,
			      struct sockaddr_storage *ss);
/* Reads the address out of a sockaddr; family 0 when neither IPv4 nor IPv6. */
void ik_addr_from_sockaddr(const struct sockaddr_storage *ss, struct ik_addr *a);

#ifdef __cplusplus
}
#endif
#endif
