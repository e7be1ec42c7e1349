/* SPDX-License-Identifier: BSD-3-Clause */
/* RTT statistics: iputils' digits, nearest-rank percentiles, RFC 3550 jitter; SipHash cookies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "icmpkit/cookie.h"
#include "icmpkit/stats.h"

static void iputils_digits(void **state)
{
	(void)state;
	/* iputils printed 0.068/0.237/0.407/0.169 for these two RTTs. */
	struct ik_stats st;
	ik_stats_init(&st);
	ik_stats_add(&st, 407000);
	ik_stats_add(&st, 68000);
	assert_int_equal(st.min_us, 68);
	assert_int_equal(st.max_us, 407);
	assert_int_equal(ik_stats_avg_us(&st), 237);
	assert_int_equal(ik_stats_mdev_us(&st), 169);
	/* ewma: 8*407, then += 68 - 407 = 2917 (iputils' rtt). */
	assert_int_equal(st.ewma8_us, 8 * 407 + 68 - 407);
	ik_stats_free(&st);
}

static void rounding_and_negative(void **state)
{
	(void)state;
	struct ik_stats st;
	ik_stats_init(&st);
	ik_stats_add(&st, 1499); /* rounds to 1 us */
	ik_stats_add(&st, -5);   /* a clock step: counted as 0 */
	assert_int_equal(st.min_us, 0);
	assert_int_equal(st.max_us, 1);
	assert_int_equal(st.count, 2);
	int64_t v = 99;
	assert_int_equal(ik_stats_percentile(&st, 100, &v), 0);
	assert_int_equal(v, 1499);
	assert_int_equal(ik_stats_percentile(&st, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ik_stats_percentile(&st, 101, &v), IK_ERR_INVALID);
	ik_stats_free(&st);
}

static void percentiles_nearest_rank(void **state)
{
	(void)state;
	struct ik_stats st;
	ik_stats_init(&st);
	int64_t v;
	assert_int_equal(ik_stats_percentile(&st, 50, &v), IK_ERR_NOT_FOUND);
	/* 1..3000 us in a scrambled order, through several reallocations. */
	for (int i = 0; i < 3000; i++)
		ik_stats_add(&st, (int64_t)((i * 7919) % 3000 + 1) * 1000);
	assert_int_equal(ik_stats_percentile(&st, 50, &v), 0);
	assert_int_equal(v, 1500 * 1000);
	assert_int_equal(ik_stats_percentile(&st, 95, &v), 0);
	assert_int_equal(v, 2850 * 1000);
	assert_int_equal(ik_stats_percentile(&st, 99, &v), 0);
	assert_int_equal(v, 2970 * 1000);
	/* Adding after a sort keeps the answer right. */
	ik_stats_add(&st, 1);
	assert_int_equal(ik_stats_percentile(&st, 0.01, &v), 0);
	assert_int_equal(v, 1);
	ik_stats_free(&st);
}

static void jitter_rfc3550(void **state)
{
	(void)state;
	struct ik_stats st;
	ik_stats_init(&st);
	ik_stats_add(&st, 100000);
	assert_int_equal(ik_stats_jitter_ns(&st), 0);
	ik_stats_add(&st, 260000); /* D = 160000: J = 160000/16 */
	assert_int_equal(ik_stats_jitter_ns(&st), 10000);
	ik_stats_add(&st, 100000); /* J += (160000 - 10000)/16 */
	assert_int_equal(ik_stats_jitter_ns(&st), 19375);
	/* A constant RTT decays the estimate towards zero. */
	for (int i = 0; i < 400; i++)
		ik_stats_add(&st, 100000);
	assert_true(ik_stats_jitter_ns(&st) < 2);
	ik_stats_free(&st);
}

static void siphash_vectors(void **state)
{
	(void)state;
	/* Reference vectors from the SipHash paper: key 00..0f, message 00..(n-1). */
	struct ik_cookie_key k;
	uint8_t msg[16];
	for (int i = 0; i < 16; i++) {
		k.bytes[i] = (uint8_t)i;
		msg[i] = (uint8_t)i;
	}
	assert_true(ik_siphash24(&k, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(ik_siphash24(&k, msg, 8) == 0x93f5f5799a932462ULL);
	assert_true(ik_siphash24(&k, msg, 15) == 0xa129ca6149be45e5ULL);
}

static void cookie_binds_fields(void **state)
{
	(void)state;
	struct ik_cookie_key k;
	assert_int_equal(ik_cookie_key_random(&k), 0);
	struct ik_addr a, b;
	assert_int_equal(ik_addr_parse("10.0.2.2", &a), 0);
	assert_int_equal(ik_addr_parse("10.0.2.3", &b), 0);
	uint8_t c0[8], c1[8];
	ik_cookie_make(&k, &a, 7, 1, 123456789, c0);
	ik_cookie_make(&k, &a, 7, 1, 123456789, c1);
	assert_true(ik_cookie_equal(c0, c1, 8));
	/* Any field changed: a different cookie. */
	ik_cookie_make(&k, &b, 7, 1, 123456789, c1);
	assert_false(ik_cookie_equal(c0, c1, 8));
	ik_cookie_make(&k, &a, 8, 1, 123456789, c1);
	assert_false(ik_cookie_equal(c0, c1, 8));
	ik_cookie_make(&k, &a, 7, 2, 123456789, c1);
	assert_false(ik_cookie_equal(c0, c1, 8));
	ik_cookie_make(&k, &a, 7, 1, 123456790, c1);
	assert_false(ik_cookie_equal(c0, c1, 8));
	/* Another run's key: a different cookie for the same probe. */
	struct ik_cookie_key k2;
	assert_int_equal(ik_cookie_key_random(&k2), 0);
	ik_cookie_make(&k2, &a, 7, 1, 123456789, c1);
	assert_false(ik_cookie_equal(c0, c1, 8));
	uint8_t x[3] = {1, 2, 3}, y[3] = {1, 2, 4};
	assert_false(ik_cookie_equal(x, y, 3));
	assert_true(ik_cookie_equal(x, y, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(iputils_digits),	   cmocka_unit_test(rounding_and_negative),
	    cmocka_unit_test(percentiles_nearest_rank), cmocka_unit_test(jitter_rfc3550),
	    cmocka_unit_test(siphash_vectors),	   cmocka_unit_test(cookie_binds_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
