/* SPDX-License-Identifier: BSD-3-Clause */
/* Unforgeable probe cookies: SipHash-2-4 keyed per run, compared in constant time. */
#ifndef ICMPKIT_COOKIE_H
#define ICMPKIT_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A 128-bit SipHash key; the caller owns it (no global state). */
struct ik_cookie_key {
	uint8_t bytes[16];
};

/* Fills the key from getrandom(). Returns 0 or a system error. */
IK_WUR int ik_cookie_key_random(struct ik_cookie_key *key);

/* SipHash-2-4 of len bytes (Aumasson and Bernstein, 2012). */
uint64_t ik_siphash24(const struct ik_cookie_key *key, const void *data, size_t len);

/*
 * The cookie a probe carries: SipHash-2-4 over the destination address,
 * identifier, sequence number and send time (ns), so a reply that did not
 * see our probe cannot produce it, and a replay of an older probe's reply
 * fails because the time differs. Written as 8 big-endian bytes.
 */
void ik_cookie_make(const struct ik_cookie_key *key, const struct ik_addr *dst, uint16_t ident,
		    uint16_t seq, int64_t send_ns, uint8_t out[8]);

/* Compares len bytes without an early exit (no timing oracle). */
bool ik_cookie_equal(const uint8_t *a, const uint8_t *b, size_t len);

#ifdef __cplusplus
}
#endif
#endif
