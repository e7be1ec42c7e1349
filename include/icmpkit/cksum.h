/* SPDX-License-Identifier: BSD-3-Clause */
/* The Internet checksum (RFC 1071), IPv6 pseudo-header and RFC 1624 update. */
#ifndef ICMPKIT_CKSUM_H
#define ICMPKIT_CKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Adds len bytes to a 32-bit one's complement accumulator and returns the new
 * accumulator (not folded). Bytes are taken in network order; an odd final
 * byte is padded with zero as RFC 1071 says. Chain calls only on even lengths.
 */
uint32_t ik_cksum_add(uint32_t acc, const void *data, size_t len);

/* Folds an accumulator to 16 bits and complements it: the checksum field. */
uint16_t ik_cksum_finish(uint32_t acc);

/* The checksum of one buffer, in host order (write it big-endian). */
uint16_t ik_cksum(const void *data, size_t len);

/*
 * The accumulator of the RFC 8200 8.1 IPv6 pseudo-header (source, destination,
 * upper-layer length, next header) to start an ICMPv6 checksum with.
 */
uint32_t ik_cksum_pseudo6(const struct ik_addr *src, const struct ik_addr *dst,
			  uint32_t upper_len, uint8_t next_header);

/*
 * RFC 1624 eqn. 3: the new checksum HC' = ~(~HC + ~m + m') when one 16-bit
 * word of the covered data changes from old_word to new_word. Host order.
 */
uint16_t ik_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word);

#ifdef __cplusplus
}
#endif
#endif
