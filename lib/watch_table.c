/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's fixed-size, set-associative state tables with least-recently-seen eviction. */
#include <stdlib.h>
#include <string.h>

#include "watch_table.h"

int wt_init(struct wt_table *t, const char *name, size_t entry_size, size_t key_size,
	    size_t budget)
{
	memset(t, 0, sizeof *t);
	t->name = name;
	t->entry_size = (entry_size + 7) & ~(size_t)7;
	t->key_size = key_size; /* a multiple of 8 */
	uint64_t buckets = 1;
	size_t per_entry = t->entry_size + sizeof(uint64_t) + sizeof(uint32_t);
	while (buckets * 2 * WT_WAYS * per_entry <= budget)
		buckets *= 2;
	t->capacity = buckets * WT_WAYS;
	t->bucket_mask = buckets - 1;
	/* calloc: pages become resident only when an entry in them is used. */
	t->slots = calloc((size_t)t->capacity, t->entry_size);
	t->tags = calloc((size_t)t->capacity, sizeof *t->tags);
	t->ages = calloc((size_t)t->capacity, sizeof *t->ages);
	return t->slots && t->tags && t->ages ? 0 : -1;
}

void wt_free(struct wt_table *t)
{
	free(t->slots);
	free(t->tags);
	free(t->ages);
	t->slots = NULL;
	t->tags = NULL;
	t->ages = NULL;
}

size_t wt_bytes(const struct wt_table *t)
{
	return (size_t)t->capacity * (t->entry_size + sizeof(uint64_t) + sizeof(uint32_t));
}

/* The first entry index of the key's bucket. The low bits pick the bucket; the tag keeps the whole hash. */
static uint64_t wt_first(const struct wt_table *t, uint64_t hash)
{
	return ((hash >> 7) & t->bucket_mask) * WT_WAYS;
}

static uint8_t *wt_entry(const struct wt_table *t, uint64_t i)
{
	return t->slots + (size_t)i * t->entry_size;
}

/* Keys are whole 8-byte words: compared inline, not through a libc call per probe. */
static bool wt_key_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t diff = 0;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	return diff == 0;
}

static uint32_t wt_age(int64_t now_ns)
{
	return (uint32_t)((uint64_t)now_ns >> 30);
}

void *wt_find(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns)
{
	uint64_t tag = hash | 1, first = wt_first(t, hash);
	for (uint64_t i = first; i < first + WT_WAYS; i++) {
		uint8_t *e = wt_entry(t, i);
		if (t->tags[i] == tag && wt_key_equal(e + sizeof(struct wt_head), key, t->key_size)) {
			((struct wt_head *)e)->last_ns = now_ns;
			t->ages[i] = wt_age(now_ns);
			return e;
		}
	}
	return NULL;
}

void *wt_get(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns, bool *is_new)
{
	uint64_t tag = hash | 1, first = wt_first(t, hash);
	uint64_t free_slot = UINT64_MAX, oldest = first;
	for (uint64_t i = first; i < first + WT_WAYS; i++) {
		if (t->tags[i] == tag) {
			uint8_t *e = wt_entry(t, i);
			if (wt_key_equal(e + sizeof(struct wt_head), key, t->key_size)) {
				((struct wt_head *)e)->last_ns = now_ns;
				t->ages[i] = wt_age(now_ns);
				*is_new = false;
				return e;
			}
		}
		if (t->tags[i] == 0) {
			if (free_slot == UINT64_MAX)
				free_slot = i;
		} else if (t->ages[i] < t->ages[oldest]) {
			oldest = i;
		}
	}
	uint64_t i = free_slot;
	if (i == UINT64_MAX) {
		i = oldest;
		t->evictions++;
		if (t->on_evict)
			t->on_evict(t->ctx, wt_entry(t, i), "evicted");
	} else {
		t->used++;
	}
	uint8_t *e = wt_entry(t, i);
	memset(e, 0, t->entry_size);
	((struct wt_head *)e)->last_ns = now_ns;
	memcpy(e + sizeof(struct wt_head), key, t->key_size);
	t->tags[i] = tag;
	t->ages[i] = wt_age(now_ns);
	*is_new = true;
	return e;
}

void wt_remove(struct wt_table *t, void *entry, const char *why)
{
	uint64_t i = (uint64_t)((uint8_t *)entry - t->slots) / t->entry_size;
	if (t->on_evict)
		t->on_evict(t->ctx, entry, why);
	memset(entry, 0, t->entry_size);
	t->tags[i] = 0;
	t->ages[i] = 0;
	t->used--;
}

void *wt_at(struct wt_table *t, uint64_t i)
{
	return t->tags[i] ? wt_entry(t, i) : NULL;
}

static inline uint64_t wt_mix(uint64_t a, uint64_t b)
{
	__extension__ typedef unsigned __int128 u128;
	u128 m = (u128)a * b;
	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

uint64_t wt_hash(const uint64_t seed[2], const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = seed[0] ^ len;
	for (size_t i = 0; i + 16 <= len; i += 16) {
		uint64_t a, b;
		memcpy(&a, p + i, 8);
		memcpy(&b, p + i + 8, 8);
		h = wt_mix(a ^ seed[0] ^ h, b ^ seed[1]);
	}
	if (len % 16) {
		uint64_t a;
		memcpy(&a, p + len - 8, 8);
		h = wt_mix(a ^ seed[1] ^ h, seed[0] ^ 0x9e3779b97f4a7c15ull);
	}
	return wt_mix(h ^ seed[1], 0xbf58476d1ce4e5b9ull ^ seed[0]);
}
