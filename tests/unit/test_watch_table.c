/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's state tables: they grow in place to capacity without losing or evicting an entry, then evict. */
#include <string.h>

#include "testutil.h"
#include "watch_table.h"

struct entry {
	struct wt_head head;
	uint64_t key;
	uint64_t value;
};

static const uint64_t seed[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};

static uint64_t hash_of(uint64_t key)
{
	return wt_hash(seed, &key, sizeof key);
}

static struct entry *put(struct wt_table *t, uint64_t key, int64_t now)
{
	bool is_new = false;
	struct entry *e = wt_get(t, hash_of(key), &key, now, &is_new);
	if (is_new)
		e->value = key * 3 + 1;
	return e;
}

static struct entry *find(struct wt_table *t, uint64_t key, int64_t now)
{
	return wt_find(t, hash_of(key), &key, now);
}

static uint64_t count_entries(struct wt_table *t)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < t->active; i++)
		n += wt_at(t, i) != NULL;
	return n;
}

static void test_grows_without_losing_entries(void **state)
{
	(void)state;
	struct wt_table t;
	assert_int_equal(wt_init(&t, "test", sizeof(struct entry), 8, 1u << 20), 0);
	assert_true(t.active < t.capacity); /* starts small */
	uint64_t start = t.active;
	/* Fill to half the capacity: while the table is below full size no key is
	 * evicted (a full bucket makes it grow instead); every key kept is found. */
	uint64_t keys = t.capacity / 2;
	for (uint64_t k = 1; k <= keys; k++) {
		put(&t, k, (int64_t)k);
		if (t.active < t.capacity)
			assert_int_equal(t.evictions, 0);
	}
	assert_true(t.active > start);
	assert_int_equal(t.active, t.capacity);
	assert_int_equal(t.used + t.evictions, keys);
	assert_true(t.evictions < keys / 100);
	uint64_t found = 0;
	for (uint64_t k = 1; k <= keys; k++) {
		struct entry *e = find(&t, k, 0);
		if (!e)
			continue;
		found++;
		assert_int_equal(e->key, k);
		assert_int_equal(e->value, k * 3 + 1);
	}
	assert_int_equal(found, t.used);
	assert_null(find(&t, t.capacity, 0));
	assert_int_equal(count_entries(&t), t.used);
	/* A removed entry is gone. */
	wt_remove(&t, find(&t, keys, 0), "test"); /* the newest key: never evicted */
	assert_null(find(&t, keys, 0));
	assert_int_equal(t.used, found - 1);
	wt_free(&t);
}

static void test_evicts_only_at_capacity(void **state)
{
	(void)state;
	struct wt_table t;
	assert_int_equal(wt_init(&t, "test", sizeof(struct entry), 8, 256u << 10), 0);
	uint64_t keys = t.capacity * 4;
	for (uint64_t k = 1; k <= keys; k++)
		put(&t, k, (int64_t)k * 1000000000);
	assert_int_equal(t.active, t.capacity);
	assert_true(t.used <= t.capacity);
	assert_true(t.evictions >= keys - t.capacity);
	assert_int_equal(t.used + t.evictions, keys);
	/* The newest key is always kept; the oldest are the ones evicted. */
	assert_non_null(find(&t, keys, 0));
	assert_null(find(&t, 1, 0));
	assert_int_equal(count_entries(&t), t.used);
	wt_free(&t);
}

static void test_one_bucket(void **state)
{
	(void)state;
	struct wt_table t;
	assert_int_equal(wt_init(&t, "tiny", sizeof(struct entry), 8, 1), 0);
	assert_int_equal(t.capacity, WT_WAYS);
	for (uint64_t k = 1; k <= 3 * WT_WAYS; k++)
		put(&t, k, (int64_t)k << 30);
	assert_int_equal(t.used, WT_WAYS);
	assert_int_equal(t.evictions, 2 * WT_WAYS);
	for (uint64_t k = 2 * WT_WAYS + 1; k <= 3 * WT_WAYS; k++)
		assert_non_null(find(&t, k, 0));
	wt_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_without_losing_entries),
		cmocka_unit_test(test_evicts_only_at_capacity),
		cmocka_unit_test(test_one_bucket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
