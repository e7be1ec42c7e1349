/* SPDX-License-Identifier: BSD-3-Clause */
/* Report mode: loss, mtr's statistics (sample stdev), last hop, rate-limit classification, rounds from the engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/icmp.h"
#include "icmpkit/trace.h"
#include "icmpkit/trace_report.h"

#define MS INT64_C(1000000)

static struct ik_trace_reply answer(uint8_t last_octet, int64_t rtt_ns, bool is_final)
{
	struct ik_trace_reply r;
	memset(&r, 0, sizeof r);
	uint8_t a[4] = {10, 0, last_octet, 1};
	ik_addr_set4(&r.from, a);
	r.is_answered = true;
	r.rtt_ns = rtt_ns;
	r.is_final = is_final;
	return r;
}

static void test_stats(void **state)
{
	(void)state;
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 30), 0);
	/* 1, 2, 4 ms and one loss: mean 7/3, sample variance ((4/3)^2+(1/3)^2+(5/3)^2)/2 = 7/3. */
	struct ik_trace_reply a = answer(1, 1 * MS, false);
	assert_int_equal(ik_report_add(r, 1, &a), 0);
	a.rtt_ns = 2 * MS;
	assert_int_equal(ik_report_add(r, 1, &a), 0);
	assert_int_equal(ik_report_add(r, 1, NULL), 0);
	a.rtt_ns = 4 * MS;
	assert_int_equal(ik_report_add(r, 1, &a), 0);
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 1, &h), 0);
	assert_int_equal(h.sent, 4);
	assert_int_equal(h.received, 3);
	assert_true(h.loss_pct > 24.999 && h.loss_pct < 25.001);
	assert_int_equal(h.last_ns, 4 * MS);
	assert_int_equal(h.best_ns, 1 * MS);
	assert_int_equal(h.worst_ns, 4 * MS);
	assert_true(h.avg_ns > 7.0 / 3 * 1e6 - 1 && h.avg_ns < 7.0 / 3 * 1e6 + 1);
	/* sqrt(7/3) ms = 1.5275 ms */
	assert_true(h.stdev_ns > 1.5274e6 && h.stdev_ns < 1.5276e6);
	assert_int_equal(h.addr_count, 1);
	assert_int_equal(h.addr_replies[0], 3);
	/* Out of range TTLs are refused. */
	assert_int_equal(ik_report_add(r, 0, NULL), IK_ERR_INVALID);
	assert_int_equal(ik_report_add(r, 31, NULL), IK_ERR_INVALID);
	assert_int_equal(ik_report_hop(r, 31, &h), IK_ERR_INVALID);
	ik_report_free(r);
	assert_int_equal(ik_report_create(&r, 5, 4), IK_ERR_INVALID);
}

/* One answer: stdev 0 (mtr divides by n - 1 and prints 0 below two answers). */
static void test_single(void **state)
{
	(void)state;
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 5), 0);
	struct ik_trace_reply a = answer(1, 3 * MS, true);
	assert_int_equal(ik_report_add(r, 1, &a), 0);
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 1, &h), 0);
	assert_true(h.stdev_ns == 0);
	assert_true(h.is_final);
	assert_true(ik_report_has_reached(r));
	assert_int_equal(ik_report_last_ttl(r), 1);
	ik_report_free(r);
}

/*
 * Five hops, 10 rounds: hop 2 answers 3 of 10 (rate limited), hop 3 never
 * (firewalled), hop 4 loses 2, hop 5 (the destination) loses 2: real loss
 * from hop 4 on. Hops 2 and 3 are marked, 4 and 5 are not.
 */
static void test_rate_limited(void **state)
{
	(void)state;
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 30), 0);
	for (int round = 0; round < 10; round++) {
		struct ik_trace_reply a = answer(1, MS, false);
		assert_int_equal(ik_report_add(r, 1, &a), 0);
		a = answer(2, MS, false);
		assert_int_equal(ik_report_add(r, 2, round < 3 ? &a : NULL), 0);
		assert_int_equal(ik_report_add(r, 3, NULL), 0);
		a = answer(4, MS, false);
		assert_int_equal(ik_report_add(r, 4, round % 5 ? &a : NULL), 0);
		a = answer(5, MS, true);
		assert_int_equal(ik_report_add(r, 5, round % 5 != 1 ? &a : NULL), 0);
	}
	assert_int_equal(ik_report_last_ttl(r), 5);
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 1, &h), 0);
	assert_false(h.is_rate_limited);
	assert_true(h.loss_pct == 0);
	assert_int_equal(ik_report_hop(r, 2, &h), 0);
	assert_true(h.is_rate_limited);
	assert_true(h.loss_pct > 69.99 && h.loss_pct < 70.01);
	assert_true(h.path_loss_pct > 19.99 && h.path_loss_pct < 20.01);
	assert_int_equal(ik_report_hop(r, 3, &h), 0);
	assert_true(h.is_rate_limited);
	assert_true(h.loss_pct == 100);
	assert_int_equal(ik_report_hop(r, 4, &h), 0);
	assert_false(h.is_rate_limited);
	assert_true(h.loss_pct > 19.99 && h.loss_pct < 20.01);
	assert_int_equal(ik_report_hop(r, 5, &h), 0);
	assert_false(h.is_rate_limited);
	ik_report_free(r);
}

/* Loss that starts at a hop and stays is the path's, not a rate limit. */
static void test_real_loss(void **state)
{
	(void)state;
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 30), 0);
	for (int round = 0; round < 4; round++) {
		struct ik_trace_reply a = answer(1, MS, false);
		assert_int_equal(ik_report_add(r, 1, &a), 0);
		a = answer(2, MS, false);
		assert_int_equal(ik_report_add(r, 2, round < 2 ? &a : NULL), 0);
		a = answer(3, MS, true);
		assert_int_equal(ik_report_add(r, 3, round < 2 ? &a : NULL), 0);
	}
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 2, &h), 0);
	assert_true(h.loss_pct > 49.99 && h.loss_pct < 50.01);
	assert_false(h.is_rate_limited);
	assert_int_equal(ik_report_hop(r, 3, &h), 0);
	assert_false(h.is_rate_limited);
	ik_report_free(r);
}

/* Not reached: the last hop is one past the last that answered, when it was probed. */
static void test_last_unreached(void **state)
{
	(void)state;
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 10), 0);
	struct ik_trace_reply a = answer(1, MS, false);
	assert_int_equal(ik_report_add(r, 1, &a), 0);
	a = answer(2, MS, false);
	assert_int_equal(ik_report_add(r, 2, &a), 0);
	for (uint8_t ttl = 3; ttl <= 10; ttl++)
		assert_int_equal(ik_report_add(r, ttl, NULL), 0);
	assert_false(ik_report_has_reached(r));
	assert_int_equal(ik_report_last_ttl(r), 3);
	/* The trailing silent hop is the last: nothing after it to compare with. */
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 3, &h), 0);
	assert_false(h.is_rate_limited);
	ik_report_free(r);
}

/* Distinct senders at one hop are kept in order with their counts. */
static void test_addrs(void **state)
{
	(void)state;
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 3), 0);
	for (int i = 0; i < 12; i++) {
		struct ik_trace_reply a = answer((uint8_t)(i % 10), MS, false);
		assert_int_equal(ik_report_add(r, 2, &a), 0);
	}
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 2, &h), 0);
	assert_int_equal(h.addr_count, IK_REPORT_MAX_ADDRS);
	assert_int_equal(h.addr_replies[0], 2);
	assert_int_equal(h.addr_replies[2], 1);
	assert_int_equal(h.received, 12);
	ik_report_free(r);
}

/* Rounds straight from the engine: ICMP Echo, one query per hop, the destination at TTL 2. */
static void test_engine_rounds(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	ik_trace_cfg_defaults(&c, IK_TRACE_ICMP, 4);
	const uint8_t s[4] = {10, 0, 1, 2}, d[4] = {10, 0, 2, 2};
	ik_addr_set4(&c.src, s);
	ik_addr_set4(&c.dst, d);
	c.sport = 4242;
	c.nqueries = 1;
	c.max_ttl = 4;
	c.retries = 0;
	c.wait_ms = 100;
	struct ik_trace *t = NULL;
	assert_int_equal(ik_trace_create(&t), 0);
	assert_int_equal(ik_trace_configure(t, &c), 0);
	struct ik_report *r = NULL;
	assert_int_equal(ik_report_create(&r, 1, 4), 0);
	for (int round = 0; round < 3; round++) {
		int64_t now = round * 1000 * MS;
		assert_int_equal(ik_trace_start(t, now), 0);
		struct ik_trace_probe p;
		uint8_t buf[256];
		int len;
		int sent = 0;
		while ((len = ik_trace_next(t, now, &p, buf, sizeof buf)) > 0) {
			sent++;
			/* The destination answers the TTL-2 probe (and those past it). */
			if (p.ttl >= 2) {
				struct ik_icmp m;
				memset(&m, 0, sizeof m);
				m.version = 4;
				m.type = IK_ICMP4_ECHO_REPLY;
				m.id = 4242;
				m.seq = (uint16_t)(buf[6] << 8 | buf[7]);
				assert_int_equal(ik_trace_input_msg(t, &m, &c.dst, 63, now + 2 * MS), 1);
			}
		}
		assert_true(sent >= 2);
		/* Hop 1 stays silent: the wait runs out. */
		for (int i = 0; i < 100 && !ik_trace_is_done(t); i++) {
			now += 10 * MS;
			(void)ik_trace_deadline(t, now);
		}
		assert_true(ik_trace_is_done(t));
		assert_int_equal(ik_report_add_round(r, t), 0);
	}
	assert_int_equal(ik_report_rounds(r), 3);
	assert_true(ik_report_has_reached(r));
	assert_int_equal(ik_report_last_ttl(r), 2);
	struct ik_report_hop h;
	assert_int_equal(ik_report_hop(r, 1, &h), 0);
	assert_int_equal(h.sent, 3);
	assert_int_equal(h.received, 0);
	assert_true(h.is_rate_limited);
	assert_int_equal(ik_report_hop(r, 2, &h), 0);
	assert_int_equal(h.sent, 3);
	assert_int_equal(h.received, 3);
	assert_int_equal(h.best_ns, 2 * MS);
	assert_true(h.is_final);
	assert_false(h.is_rate_limited);
	ik_report_free(r);
	ik_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test(test_single),
	    cmocka_unit_test(test_rate_limited),
	    cmocka_unit_test(test_real_loss),
	    cmocka_unit_test(test_last_unreached),
	    cmocka_unit_test(test_addrs),
	    cmocka_unit_test(test_engine_rounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
