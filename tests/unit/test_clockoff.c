/* SPDX-License-Identifier: BSD-3-Clause */
/* Clock offset estimation from Timestamp exchanges: tables with midnight, non-standard and foreign bases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "icmpkit/clockoff.h"

#define DAY_US ((int64_t)86400000 * 1000)
/* Midnight UT of some day in 2022, µs since the epoch. */
#define MIDNIGHT ((int64_t)19000 * DAY_US)
#define NS IK_TS_NONSTANDARD

static void ms_of_day(void **state)
{
	(void)state;
	assert_int_equal(ik_ts_ms_of_day(MIDNIGHT), 0);
	assert_int_equal(ik_ts_ms_of_day(MIDNIGHT + 999), 0);
	assert_int_equal(ik_ts_ms_of_day(MIDNIGHT + 1000), 1);
	assert_int_equal(ik_ts_ms_of_day(MIDNIGHT - 1), 86399999);
	assert_int_equal(ik_ts_ms_of_day(-1), 86399999);
	assert_int_equal(ik_ts_ms_of_day(MIDNIGHT + 36000000000LL + 123456), 36000123);
}

struct eval_case {
	const char *what;
	struct ik_ts_sample s;
	int rc;
	uint8_t base;
	int64_t wire, rtt, fwd, ret, off, lo, hi;
};

/*
 * Expected values by hand: T2/T3 count at their middle (+500 µs), offset =
 * (fwd - ret) / 2, lo = T3 - T4, hi = T2 + 1 ms - T1.
 */
static const struct eval_case eval_cases[] = {
	{"in step, 10:00:00.0002, 500 us round trip",
	 {MIDNIGHT + 36000000200, MIDNIGHT + 36000000700, 36000000, 36000000},
	 0, IK_TS_BASE_UT, 500, 500, 300, 200, 50, -700, 800},
	{"peer 1234 ms ahead",
	 {MIDNIGHT + 36000000200, MIDNIGHT + 36000000700, 36001234, 36001234},
	 0, IK_TS_BASE_UT, 500, 500, 1234300, -1233800, 1234050, 1233300, 1234800},
	{"peer holds the request 3 ms",
	 {MIDNIGHT + 36000000000, MIDNIGHT + 36000003400, 36000000, 36000003},
	 0, IK_TS_BASE_UT, 3400, 400, 500, -100, 300, -400, 1000},
	{"peer's midnight between T2 and T3",
	 {MIDNIGHT - 200, MIDNIGHT + 300, 86399999, 0},
	 0, IK_TS_BASE_UT, 500, -500, -300, -200, -50, -300, 200},
	{"our midnight between T1 and T4, peer in step",
	 {MIDNIGHT - 100, MIDNIGHT + 400, 0, 0},
	 0, IK_TS_BASE_UT, 500, 500, 600, -100, 350, -400, 1100},
	{"peer 5000 ms behind across midnight",
	 {MIDNIGHT + 2000000, MIDNIGHT + 2000400, 86397000, 86397000},
	 0, IK_TS_BASE_UT, 400, 400, -4999500, 4999900, -4999700, -5000400, -4999000},
	{"peer 5000 ms ahead of us just before our midnight",
	 {MIDNIGHT - 1000000, MIDNIGHT - 999600, 3999, 3999},
	 0, IK_TS_BASE_UT, 400, 400, 4999500, -4999100, 4999300, 4998600, 5000000},
	{"non-standard: high bit set, ms since boot",
	 {MIDNIGHT + 36000000000, MIDNIGHT + 36000001000, NS | 5000, NS | 5000},
	 0, IK_TS_BASE_NONSTANDARD, 1000, 1000, 5000500 - 36000000000, 36000001000 - 5000500,
	 5000000 - 36000000000 + 0, 5000000 - 36000001000, 5000000 - 36000000000 + 1000},
	{"non-standard counter wraps at 2^31 ms between T2 and T3",
	 {MIDNIGHT, MIDNIGHT + 3000, NS | 0x7fffffff, NS | 0},
	 0, IK_TS_BASE_NONSTANDARD, 3000, 2000, 2147483647500, -2147483645500,
	 2147483646500, 2147483645000, 2147483648000},
	{"other base: high bit clear, past a day",
	 {MIDNIGHT + 1000, MIDNIGHT + 2000, 100000000, 100000000},
	 0, IK_TS_BASE_OTHER, 1000, 1000, 99999999500, -99999998500, 99999999000,
	 99999998000, 100000000000},
	{"T2 standard, T3 non-standard", {MIDNIGHT, MIDNIGHT + 10, 5, NS | 5}, IK_ERR_UNSUPPORTED, 0, 0, 0, 0, 0, 0, 0, 0},
	{"T2 non-standard, T3 standard", {MIDNIGHT, MIDNIGHT + 10, NS | 5, 5}, IK_ERR_UNSUPPORTED, 0, 0, 0, 0, 0, 0, 0, 0},
	{"T4 before T1", {MIDNIGHT + 10, MIDNIGHT, 0, 0}, IK_ERR_INVALID, 0, 0, 0, 0, 0, 0, 0, 0},
};

static void eval_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
		const struct eval_case *c = &eval_cases[i];
		struct ik_ts_est e;
		print_message("case: %s\n", c->what);
		int rc = ik_ts_eval(&c->s, &e);
		assert_int_equal(rc, c->rc);
		if (rc)
			continue;
		assert_int_equal(e.base, c->base);
		assert_int_equal(e.wire_us, c->wire);
		assert_int_equal(e.rtt_us, c->rtt);
		assert_int_equal(e.forward_us, c->fwd);
		assert_int_equal(e.return_us, c->ret);
		assert_int_equal(e.offset_us, c->off);
		assert_int_equal(e.lo_us, c->lo);
		assert_int_equal(e.hi_us, c->hi);
		/* Invariants: the estimate is the middle of its bounds. */
		assert_int_equal(e.lo_us + e.hi_us, 2 * e.offset_us);
	}
}

/* Floor division for the simulated peer's truncation. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * A simulated peer whose clock is theta_us ahead, answering in base `base`
 * (0: UT, else non-standard with that base in ms added), truncating to ms.
 */
static struct ik_ts_sample simulate(int64_t t1, int64_t d_fwd, int64_t hold, int64_t d_ret,
				    int64_t theta_us, uint32_t base_ms)
{
	int64_t t2 = t1 + d_fwd, t3 = t2 + hold, t4 = t3 + d_ret;
	int64_t p2 = floor_div(t2 + theta_us, 1000), p3 = floor_div(t3 + theta_us, 1000);
	struct ik_ts_sample s = {.t1_us = t1, .t4_us = t4};
	if (base_ms) {
		/* A counter that read base_ms at MIDNIGHT. */
		p2 -= MIDNIGHT / 1000;
		p3 -= MIDNIGHT / 1000;
		s.receive = NS | (uint32_t)((p2 + base_ms) & 0x7fffffff);
		s.transmit = NS | (uint32_t)((p3 + base_ms) & 0x7fffffff);
	} else {
		s.receive = (uint32_t)(((p2 % 86400000) + 86400000) % 86400000);
		s.transmit = (uint32_t)(((p3 % 86400000) + 86400000) % 86400000);
	}
	return s;
}

static size_t run(struct ik_ts_est *ests, size_t n, int64_t start, int64_t theta, uint32_t base_ms,
		  int64_t queue_us)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		/* Sends 1.000037 s apart fall at every phase of the peer's millisecond. */
		int64_t t1 = start + (int64_t)i * 1000037;
		int64_t df = 60 + (int64_t)(i % 7) * 10, dr = 50 + (int64_t)(i % 5) * 13;
		/* Every third exchange queues on the way out: asymmetric, and long. */
		if (i % 3 == 0)
			df += queue_us;
		struct ik_ts_sample s = simulate(t1, df, 5, dr, theta, base_ms);
		assert_int_equal(ik_ts_eval(&s, &ests[m]), 0);
		m++;
	}
	return m;
}

struct summary_case {
	const char *what;
	int64_t start;
	int64_t theta;
	uint32_t base_ms;
};

static const struct summary_case summary_cases[] = {
	{"in step", MIDNIGHT + 36000000000, 0, 0},
	{"+1234.567 ms", MIDNIGHT + 36000000000, 1234567, 0},
	{"-5000 ms", MIDNIGHT + 36000000000, -5000000, 0},
	{"-0.3 ms", MIDNIGHT + 36000000000, -300, 0},
	{"+250 ms across our midnight", MIDNIGHT - 20000000, 250000, 0},
	{"-5000 ms, peer's midnight first", MIDNIGHT + 2000000, -5000000, 0},
};

static void summary_recovers_offset(void **state)
{
	(void)state;
	struct ik_ts_est ests[40];
	for (size_t i = 0; i < sizeof summary_cases / sizeof summary_cases[0]; i++) {
		const struct summary_case *c = &summary_cases[i];
		print_message("case: %s\n", c->what);
		size_t n = run(ests, 40, c->start, c->theta, c->base_ms, 20000);
		struct ik_ts_summary sum;
		assert_int_equal(ik_ts_summarize(ests, n, &sum), 0);
		assert_int_equal(sum.count, 40);
		assert_int_equal(sum.best_count, 10);
		assert_int_equal(sum.base, IK_TS_BASE_UT);
		assert_int_equal(sum.min_wire_us, 60 + 50 + 5);
		/* 40 phases pin the offset far below a millisecond. */
		assert_true(sum.is_bounded);
		assert_true(sum.error_us <= 120);
		assert_true(llabs(sum.offset_us - c->theta) <= sum.error_us);
		/* The best quartile alone, ignoring the queued exchanges, is within its own bound. */
		assert_true(llabs(sum.best_offset_us - c->theta) <= sum.best_error_us);
	}
}

static void summary_foreign_base_across_our_midnight(void **state)
{
	(void)state;
	/* Non-standard stamps (ms since boot, say): only the base difference is known. */
	struct ik_ts_est ests[40];
	size_t n = run(ests, 40, MIDNIGHT - 20000000, 0, 123456789, 20000);
	assert_int_equal(ests[0].base, IK_TS_BASE_NONSTANDARD);
	struct ik_ts_summary sum;
	assert_int_equal(ik_ts_summarize(ests, n, &sum), 0);
	assert_int_equal(sum.base, IK_TS_BASE_NONSTANDARD);
	assert_int_equal(sum.count, 40);
	/*
	 * Against our ms of day, the counter is 123456789 ms ahead after our
	 * midnight and a day less before it; the best exchange (i = 35) came
	 * after, and the 20 before midnight are brought in line with it.
	 */
	assert_true(sum.is_bounded);
	assert_true(llabs(sum.offset_us - 123456789000LL) <= sum.error_us);
	assert_true(sum.error_us <= 120);
}

static void summary_mixed_bases_keeps_best(void **state)
{
	(void)state;
	struct ik_ts_est ests[3];
	struct ik_ts_sample a = {MIDNIGHT + 1000, MIDNIGHT + 1100, 0, 0};
	struct ik_ts_sample b = {MIDNIGHT + 5000000, MIDNIGHT + 5000500, NS | 1, NS | 1};
	struct ik_ts_sample c = {MIDNIGHT + 9000000, MIDNIGHT + 9000300, 9000, 9000};
	assert_int_equal(ik_ts_eval(&b, &ests[0]), 0);
	assert_int_equal(ik_ts_eval(&a, &ests[1]), 0);
	assert_int_equal(ik_ts_eval(&c, &ests[2]), 0);
	struct ik_ts_summary sum;
	assert_int_equal(ik_ts_summarize(ests, 3, &sum), 0);
	assert_int_equal(sum.base, IK_TS_BASE_UT);
	assert_int_equal(sum.count, 2);
	assert_int_equal(sum.min_wire_us, 100);
}

static void summary_inconsistent_falls_back(void **state)
{
	(void)state;
	/* The peer stepped its clock by 10 ms: no offset fits both; use the best. */
	struct ik_ts_est ests[2];
	struct ik_ts_sample a = {MIDNIGHT + 1000000, MIDNIGHT + 1000100, 1000, 1000};
	struct ik_ts_sample b = {MIDNIGHT + 2000000, MIDNIGHT + 2000300, 2010, 2010};
	assert_int_equal(ik_ts_eval(&a, &ests[0]), 0);
	assert_int_equal(ik_ts_eval(&b, &ests[1]), 0);
	struct ik_ts_summary sum;
	assert_int_equal(ik_ts_summarize(ests, 2, &sum), 0);
	assert_false(sum.is_bounded);
	assert_int_equal(sum.best_count, 1);
	/* a: fwd = 1000500 - 1000000 = 500, ret = 100 - 500 = -400, offset 450. */
	assert_int_equal(sum.best_offset_us, 450);
	assert_int_equal(sum.offset_us, 450);
	assert_int_equal(sum.best_error_us, 50 + 500);
	assert_int_equal(sum.error_us, 550);
}

static void summary_empty(void **state)
{
	(void)state;
	struct ik_ts_summary sum;
	assert_int_equal(ik_ts_summarize(NULL, 0, &sum), IK_ERR_INVALID);
	assert_string_equal(ik_ts_base_name(IK_TS_BASE_UT), "UT");
	assert_string_equal(ik_ts_base_name(IK_TS_BASE_NONSTANDARD), "non-standard");
	assert_string_equal(ik_ts_base_name(IK_TS_BASE_OTHER), "other");
	assert_string_equal(ik_ts_base_name(9), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ms_of_day),
		cmocka_unit_test(eval_table),
		cmocka_unit_test(summary_recovers_offset),
		cmocka_unit_test(summary_foreign_base_across_our_midnight),
		cmocka_unit_test(summary_mixed_bases_keeps_best),
		cmocka_unit_test(summary_inconsistent_falls_back),
		cmocka_unit_test(summary_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
