/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 probe cookies with a per-run key and a constant-time compare. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "icmpkit/cookie.h"

int ik_cookie_key_random(struct ik_cookie_key *key)
{
	size_t got = 0;
	while (got < sizeof key->bytes) {
		ssize_t n = getrandom(key->bytes + got, sizeof key->bytes - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ik_err_sys(errno);
		}
		got += (size_t)n;
	}
	return IK_OK;
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* SipHash reads its key and message as little-endian 64-bit words. */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = rotl(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = rotl(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = rotl(v2, 32);                                                                 \
	} while (0)

uint64_t ik_siphash24(const struct ik_cookie_key *key, const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key->bytes), k1 = le64(key->bytes + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	size_t full = len & ~(size_t)7;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	/* Last block: the remaining bytes and the length's low byte on top. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)in[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void ik_cookie_make(const struct ik_cookie_key *key, const struct ik_addr *dst, uint16_t ident,
		    uint16_t seq, int64_t send_ns, uint8_t out[8])
{
	/* family, 16 address bytes, id, seq, time: a fixed 29-byte message. */
	uint8_t msg[1 + 16 + 2 + 2 + 8];
	msg[0] = dst->family;
	memcpy(msg + 1, dst->bytes, 16);
	msg[17] = (uint8_t)(ident >> 8);
	msg[18] = (uint8_t)ident;
	msg[19] = (uint8_t)(seq >> 8);
	msg[20] = (uint8_t)seq;
	uint64_t t = (uint64_t)send_ns;
	for (int i = 0; i < 8; i++)
		msg[21 + i] = (uint8_t)(t >> (56 - 8 * i));
	uint64_t h = ik_siphash24(key, msg, sizeof msg);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (56 - 8 * i));
}

bool ik_cookie_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	volatile uint8_t diff = 0;
	for (size_t i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}
