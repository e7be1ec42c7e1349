/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 1071 Internet checksum, 32 bytes per step, plus RFC 1624 update. */
#include <string.h>

#include "icmpkit/cksum.h"

/*
 * RFC 1071 2(B): the one's complement sum does not depend on byte order, so
 * we add native-order 32-bit words and swap the folded 16-bit result once at
 * the end on little-endian hosts. 32-bit words into 64-bit accumulators need
 * no end-around carry until the final fold (2^32 words would be 16 GiB), and
 * four independent accumulators keep the adds off one dependency chain.
 */
static uint16_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	while (len >= 32) {
		uint32_t w[8];
		memcpy(w, p, sizeof w);
		s0 += (uint64_t)w[0] + w[4];
		s1 += (uint64_t)w[1] + w[5];
		s2 += (uint64_t)w[2] + w[6];
		s3 += (uint64_t)w[3] + w[7];
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		s0 += w;
		p += 4;
		len -= 4;
	}
	if (len) {
		/* Zero padding in memory order keeps an odd byte in place. */
		uint32_t tail = 0;
		memcpy(&tail, p, len);
		s1 += tail;
	}
	/* Each accumulator is below 2^62, so their sum cannot overflow. */
	uint64_t sum = s0 + s1 + s2 + s3;
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t ik_cksum_add(uint32_t acc, const void *data, size_t len)
{
	uint16_t s = sum_native(data, len);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)((s >> 8) | (s << 8));
#endif
	uint64_t total = (uint64_t)acc + s;
	return (uint32_t)((total & 0xffffffffu) + (total >> 32));
}

uint16_t ik_cksum_finish(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
	return (uint16_t)~acc;
}

uint16_t ik_cksum(const void *data, size_t len)
{
	return ik_cksum_finish(ik_cksum_add(0, data, len));
}

uint32_t ik_cksum_pseudo6(const struct ik_addr *src, const struct ik_addr *dst,
			  uint32_t upper_len, uint8_t next_header)
{
	uint8_t tail[8] = {
		(uint8_t)(upper_len >> 24), (uint8_t)(upper_len >> 16),
		(uint8_t)(upper_len >> 8), (uint8_t)upper_len, 0, 0, 0, next_header,
	};
	uint32_t acc = ik_cksum_add(0, src->bytes, 16);
	acc = ik_cksum_add(acc, dst->bytes, 16);
	return ik_cksum_add(acc, tail, sizeof tail);
}

uint16_t ik_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
	/* RFC 1624 eqn. 3; eqn. 2 would yield 0xffff instead of 0x0000. */
	uint32_t sum = (uint16_t)~cksum;
	sum += (uint16_t)~old_word;
	sum += new_word;
	return ik_cksum_finish(sum);
}
