/* SPDX-License-Identifier: BSD-3-Clause */
/* Checksum test vectors: RFC 1071, IPv6 pseudo-header, RFC 1624 update. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/cksum.h"

/* Byte-at-a-time reference, the obvious reading of RFC 1071. */
static uint16_t reference(const uint8_t *p, size_t len)
{
	uint64_t sum = 0; /* 64 bits: no wrap even for megabytes of 0xff */
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint64_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 3: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2. */
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(ik_cksum(b, sizeof b), (uint16_t)~0xddf2);
}

static void real_ipv4_header(void **state)
{
	(void)state;
	/* A captured IPv4 header whose checksum field is b861. */
	uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		       0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	assert_int_equal(ik_cksum(h, sizeof h), 0); /* verifies to zero */
	h[10] = h[11] = 0;
	assert_int_equal(ik_cksum(h, sizeof h), 0xb861);
}

static void matches_reference_all_lengths(void **state)
{
	(void)state;
	uint8_t buf[301];
	srand(7);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof buf; len++)
			assert_int_equal(ik_cksum(buf + off, len), reference(buf + off, len));
	/* All ones: the sum must fold carries correctly. */
	uint8_t ff[64];
	for (size_t i = 0; i < sizeof ff; i++)
		ff[i] = 0xff;
	for (size_t len = 0; len <= sizeof ff; len++)
		assert_int_equal(ik_cksum(ff, len), reference(ff, len));
	/* Megabytes of all ones with an odd tail: no accumulator may wrap. */
	size_t big_len = (3u << 20) + 37;
	uint8_t *big = malloc(big_len);
	assert_non_null(big);
	memset(big, 0xff, big_len);
	assert_int_equal(ik_cksum(big, big_len), reference(big, big_len));
	for (size_t i = 0; i < big_len; i++)
		big[i] = (uint8_t)rand();
	assert_int_equal(ik_cksum(big, big_len), reference(big, big_len));
	free(big);
}

static void chained_equals_whole(void **state)
{
	(void)state;
	uint8_t buf[100];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	uint32_t acc = ik_cksum_add(0, buf, 40);
	acc = ik_cksum_add(acc, buf + 40, 60);
	assert_int_equal(ik_cksum_finish(acc), ik_cksum(buf, sizeof buf));
}

static void pseudo6_icmpv6_echo(void **state)
{
	(void)state;
	/* A message with its checksum in place sums to zero over the
	 * pseudo-header, and agrees with a plain sum over the laid-out bytes. */
	struct ik_addr src = {6, {0xfe, 0x80, [15] = 1}};
	struct ik_addr dst = {6, {0xff, 0x02, [15] = 1}};
	uint8_t msg[16] = {128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
	uint32_t acc = ik_cksum_pseudo6(&src, &dst, sizeof msg, 58);
	uint16_t c = ik_cksum_finish(ik_cksum_add(acc, msg, sizeof msg));
	msg[2] = (uint8_t)(c >> 8);
	msg[3] = (uint8_t)c;
	acc = ik_cksum_pseudo6(&src, &dst, sizeof msg, 58);
	assert_int_equal(ik_cksum_finish(ik_cksum_add(acc, msg, sizeof msg)), 0);
	/* Independent computation: pseudo-header laid out in memory. */
	uint8_t ph[40 + 16] = {0};
	for (int i = 0; i < 16; i++) {
		ph[i] = src.bytes[i];
		ph[16 + i] = dst.bytes[i];
	}
	ph[35] = 16;
	ph[39] = 58;
	for (int i = 0; i < 16; i++)
		ph[40 + i] = msg[i];
	assert_int_equal(reference(ph, sizeof ph), 0);
}

static void rfc1624_update(void **state)
{
	(void)state;
	uint8_t buf[20];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	for (unsigned nw = 0; nw <= 0xffff; nw += 0x0101) {
		uint16_t before = ik_cksum(buf, sizeof buf);
		uint16_t oldw = (uint16_t)(buf[6] << 8 | buf[7]);
		buf[6] = (uint8_t)(nw >> 8);
		buf[7] = (uint8_t)nw;
		uint16_t full = ik_cksum(buf, sizeof buf);
		assert_int_equal(ik_cksum_update16(before, oldw, (uint16_t)nw), full);
	}
	/* RFC 1624 4: the case that eqn. 2 gets wrong. */
	assert_int_equal(ik_cksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1071_example),
		cmocka_unit_test(real_ipv4_header),
		cmocka_unit_test(matches_reference_all_lengths),
		cmocka_unit_test(chained_equals_whole),
		cmocka_unit_test(pseudo6_icmpv6_echo),
		cmocka_unit_test(rfc1624_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
