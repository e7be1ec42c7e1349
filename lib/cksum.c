/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 1071 Internet checksum, 8 bytes per step, plus RFC 1624 update. */
#include <string.h>

#include "icmpkit/cksum.h"

/*
 * RFC 1071 2(B): the one's complement sum does not depend on byte order, so
 * we add native-order 64-bit words with end-around carry and swap the folded
 * 16-bit result once at the end on little-endian hosts.
 */
static uint16_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, p, sizeof w);
		for (int i = 0; i < 4; i++) {
			sum += w[i];
			sum += sum < w[i]; /* end-around carry */
		}
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	if (len) {
		/* Zero padding in memory order keeps the odd byte in place. */
		memcpy(&tail, p, len);
		sum += tail;
		sum += sum < tail;
	}
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
