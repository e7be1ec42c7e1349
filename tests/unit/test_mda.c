/* SPDX-License-Identifier: BSD-3-Clause */
/* MDA: the n_k stopping table against the published values, and diamonds found in simulated load-balanced topologies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/mda.h"

/* Veitch et al. 2009, table 1 (and paris-traceroute's MDA): 95% confidence, k = 1..8. */
static void test_stop_table(void **state)
{
	(void)state;
	static const unsigned want95[] = {6, 11, 16, 21, 27, 33, 38, 44};
	for (unsigned k = 1; k <= 8; k++)
		assert_int_equal(ik_mda_stop_n(k, 95), want95[k - 1]);
	/* 99% needs more; rising with k. */
	assert_int_equal(ik_mda_stop_n(1, 99), 8);
	for (unsigned k = 2; k <= IK_MDA_MAX_K; k++) {
		assert_true(ik_mda_stop_n(k, 99) > ik_mda_stop_n(k - 1, 99));
		assert_true(ik_mda_stop_n(k, 99) > ik_mda_stop_n(k, 95));
	}
	assert_int_equal(ik_mda_stop_n(0, 95), 0);
	assert_int_equal(ik_mda_stop_n(IK_MDA_MAX_K + 1, 95), 0);
	assert_int_equal(ik_mda_stop_n(1, 100), 0);
}

/* A simulated network: which interface (last octet) a flow meets at a TTL; 0 for silence. */
typedef uint8_t (*route_fn)(uint16_t flow, uint8_t ttl, bool *is_final);

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* 1: A; 2: B or C by the flow's hash; 3: D; 4: the destination E. */
static uint8_t diamond(uint16_t flow, uint8_t ttl, bool *is_final)
{
	*is_final = ttl >= 4;
	switch (ttl) {
	case 1: return 1;
	case 2: return mix(flow) % 2 ? 2 : 3;
	case 3: return 4;
	default: return 5;
	}
}

/* 1: A; 2: B, C or D; 3: B->E, C->E, D->F (hash again); 4: silent; 5: G the destination. */
static uint8_t wide(uint16_t flow, uint8_t ttl, bool *is_final)
{
	*is_final = ttl >= 5;
	uint32_t b = mix(flow) % 3;
	switch (ttl) {
	case 1: return 1;
	case 2: return (uint8_t)(2 + b);
	case 3: return b == 2 ? 6 : 5;
	case 4: return 0;
	default: return 7;
	}
}

/* 1: A; 2: B or C, both the destination: nothing after hop 2 adds probes to it. */
static uint8_t split_end(uint16_t flow, uint8_t ttl, bool *is_final)
{
	*is_final = ttl >= 2;
	return ttl == 1 ? 1 : (mix(flow) % 2 ? 2 : 3);
}

/* The diamond with a rate-limited hop 2: every third flow's answer there is lost. */
static uint8_t lossy(uint16_t flow, uint8_t ttl, bool *is_final)
{
	if (ttl == 2 && flow % 3 == 2) {
		*is_final = false;
		return 0;
	}
	return diamond(flow, ttl, is_final);
}

static struct ik_mda *run(route_fn route, unsigned confidence, uint32_t *batches)
{
	struct ik_mda_cfg cfg;
	ik_mda_cfg_defaults(&cfg);
	cfg.confidence = (uint8_t)confidence;
	cfg.max_ttl = 10;
	struct ik_mda *m = NULL;
	assert_int_equal(ik_mda_create(&m, &cfg), 0);
	struct ik_mda_probe p[64];
	int n;
	*batches = 0;
	while ((n = ik_mda_next(m, p, 64)) > 0) {
		(*batches)++;
		assert_true(*batches < 1000);
		/* A second call before the results is refused. */
		struct ik_mda_probe q[4];
		assert_int_equal(ik_mda_next(m, q, 4), IK_ERR_INVALID);
		for (int i = 0; i < n; i++) {
			bool is_final = false;
			uint8_t last = route(p[i].flow, p[i].ttl, &is_final);
			uint8_t a[4] = {10, p[i].ttl, 0, last};
			struct ik_addr from;
			ik_addr_set4(&from, a);
			assert_int_equal(ik_mda_result(m, p[i].flow, p[i].ttl, last ? &from : NULL,
						       is_final && last),
					 0);
			/* A result twice is refused. */
			assert_int_equal(ik_mda_result(m, p[i].flow, p[i].ttl, NULL, false),
					 IK_ERR_INVALID);
		}
	}
	assert_int_equal(n, 0);
	return m;
}

static int find(const struct ik_mda_hop *h, uint8_t last)
{
	for (unsigned i = 0; i < h->iface_count; i++)
		if (h->ifaces[i].addr.bytes[3] == last)
			return (int)i;
	return -1;
}

static bool leads(const struct ik_mda *m, uint8_t ttl, uint8_t a, uint8_t b)
{
	const struct ik_mda_hop *h = ik_mda_hop(m, ttl), *n = ik_mda_hop(m, (uint8_t)(ttl + 1));
	int i = find(h, a), j = find(n, b);
	if (i < 0 || j < 0)
		return false;
	for (unsigned e = 0; e < h->ifaces[i].next_count; e++)
		if (h->ifaces[i].next[e] == j)
			return true;
	return false;
}

static void test_diamond(void **state)
{
	(void)state;
	uint32_t batches;
	struct ik_mda *m = run(diamond, 95, &batches);
	assert_true(ik_mda_has_reached(m));
	assert_int_equal(ik_mda_last_ttl(m), 4);
	assert_int_equal(ik_mda_hop(m, 1)->iface_count, 1);
	assert_int_equal(ik_mda_hop(m, 2)->iface_count, 2);
	assert_int_equal(ik_mda_hop(m, 3)->iface_count, 1);
	assert_int_equal(ik_mda_hop(m, 4)->iface_count, 1);
	assert_true(ik_mda_hop(m, 4)->ifaces[0].is_final);
	assert_true(leads(m, 1, 1, 2) && leads(m, 1, 1, 3));
	assert_true(leads(m, 2, 2, 4) && leads(m, 2, 3, 4));
	assert_true(leads(m, 3, 4, 5));
	/* Hop 1: one interface, so n_1 = 6 probes; hop 2: two seen from A, n_2 = 11 (and node control). */
	assert_int_equal(ik_mda_hop(m, 1)->probes, 6);
	assert_true(ik_mda_hop(m, 2)->probes >= 11);
	/* Hop 3 through each of B and C: n_1 each, plus node control at hop 2. */
	assert_true(ik_mda_hop(m, 3)->probes >= 12);
	ik_mda_free(m);
}

/* The stopping rule exactly: n_1 probes at a one-way hop, n_2 once two successors are seen. */
static void test_stop_exact(void **state)
{
	(void)state;
	uint32_t batches;
	struct ik_mda *m = run(split_end, 95, &batches);
	assert_int_equal(ik_mda_last_ttl(m), 2);
	assert_int_equal(ik_mda_hop(m, 1)->probes, 6);
	assert_int_equal(ik_mda_hop(m, 2)->iface_count, 2);
	assert_int_equal(ik_mda_hop(m, 2)->probes, 11);
	assert_int_equal(ik_mda_flows(m), 11);
	ik_mda_free(m);
	m = run(split_end, 99, &batches);
	assert_int_equal(ik_mda_hop(m, 1)->probes, 8);
	assert_int_equal(ik_mda_hop(m, 2)->probes, ik_mda_stop_n(2, 99));
	ik_mda_free(m);
}

/* Losses do not count towards n_k: hop 2 still gets 11 answers, and both branches. */
static void test_lossy(void **state)
{
	(void)state;
	uint32_t batches;
	struct ik_mda *m = run(lossy, 95, &batches);
	const struct ik_mda_hop *h = ik_mda_hop(m, 2);
	assert_int_equal(h->iface_count, 2);
	assert_true(h->lost > 0);
	assert_true(h->probes - h->lost >= 11);
	assert_true(ik_mda_has_reached(m));
	assert_int_equal(ik_mda_last_ttl(m), 4);
	ik_mda_free(m);
}

static void test_wide_and_silent(void **state)
{
	(void)state;
	uint32_t batches;
	struct ik_mda *m = run(wide, 99, &batches);
	assert_true(ik_mda_has_reached(m));
	assert_int_equal(ik_mda_last_ttl(m), 5);
	assert_int_equal(ik_mda_hop(m, 2)->iface_count, 3);
	assert_true(leads(m, 1, 1, 2) && leads(m, 1, 1, 3) && leads(m, 1, 1, 4));
	assert_int_equal(ik_mda_hop(m, 3)->iface_count, 2);
	assert_true(leads(m, 2, 2, 5) && leads(m, 2, 3, 5) && leads(m, 2, 4, 6));
	assert_false(leads(m, 2, 4, 5));
	/* The silent hop: probed, all lost, no interface; the search goes on past it. */
	assert_int_equal(ik_mda_hop(m, 4)->iface_count, 0);
	assert_true(ik_mda_hop(m, 4)->probes > 0);
	assert_int_equal(ik_mda_hop(m, 4)->lost, ik_mda_hop(m, 4)->probes);
	/* n_1 losses through each of the two interfaces before it. */
	assert_int_equal(ik_mda_hop(m, 4)->probes, 2 * ik_mda_stop_n(1, 99));
	assert_int_equal(ik_mda_hop(m, 5)->iface_count, 1);
	/* 99%: n_1 at hop 1, at least n_3 at hop 2. */
	assert_int_equal(ik_mda_hop(m, 1)->probes, ik_mda_stop_n(1, 99));
	assert_true(ik_mda_hop(m, 2)->probes >= ik_mda_stop_n(3, 99));
	ik_mda_free(m);
}

static void test_bad_cfg(void **state)
{
	(void)state;
	struct ik_mda_cfg cfg;
	ik_mda_cfg_defaults(&cfg);
	struct ik_mda *m = NULL;
	cfg.confidence = 100;
	assert_int_equal(ik_mda_create(&m, &cfg), IK_ERR_INVALID);
	ik_mda_cfg_defaults(&cfg);
	cfg.max_ttl = 0;
	assert_int_equal(ik_mda_create(&m, &cfg), IK_ERR_INVALID);
	ik_mda_cfg_defaults(&cfg);
	assert_int_equal(ik_mda_create(&m, &cfg), 0);
	struct ik_addr a = {0};
	assert_int_equal(ik_mda_result(m, 0, 1, &a, false), IK_ERR_INVALID);
	ik_mda_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stop_table),
	    cmocka_unit_test(test_diamond),
	    cmocka_unit_test(test_stop_exact),
	    cmocka_unit_test(test_lossy),
	    cmocka_unit_test(test_wide_and_silent),
	    cmocka_unit_test(test_bad_cfg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
