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
	t->key_size = key_size;
	uint64_t buckets = 1;
	while (buckets * 2 * WT_WAYS * t->entry_size <= budget)
		buckets *= 2;
	t->capacity = buckets * WT_WAYS;
	t->bucket_mask = buckets - 1;
	t->slots = calloc((size_t)t->capacity, t->entry_size);
	return t->slots ? 0 : -1;
}

void wt_free(struct wt_table *t)
{
	free(t->slots);
	t->slots = NULL;
}

size_t wt_bytes(const struct wt_table *t)
{
	return (size_t)t->capacity * t->entry_size;
}

static uint8_t *wt_bucket(struct wt_table *t, uint64_t hash)
{
	/* The low bits pick the bucket; the tag keeps the whole hash. */
	return t->slots + (size_t)((hash >> 7) & t->bucket_mask) * WT_WAYS * t->entry_size;
}

void *wt_find(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns)
{
	uint64_t tag = hash | 1;
	uint8_t *b = wt_bucket(t, hash);
	for (int i = 0; i < WT_WAYS; i++, b += t->entry_size) {
		struct wt_head *h = (struct wt_head *)b;
		if (h->tag == tag && memcmp(b + sizeof *h, key, t->key_size) == 0) {
			h->last_ns = now_ns;
			return b;
		}
	}
	return NULL;
}

void *wt_get(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns, bool *is_new)
{
	uint64_t tag = hash | 1;
	uint8_t *b = wt_bucket(t, hash);
	uint8_t *free_slot = NULL, *oldest = b;
	for (int i = 0; i < WT_WAYS; i++, b += t->entry_size) {
		struct wt_head *h = (struct wt_head *)b;
		if (h->tag == tag && memcmp(b + sizeof *h, key, t->key_size) == 0) {
			h->last_ns = now_ns;
			*is_new = false;
			return b;
		}
		if (h->tag == 0) {
			if (!free_slot)
				free_slot = b;
		} else if (h->last_ns < ((struct wt_head *)oldest)->last_ns) {
			oldest = b;
		}
	}
	uint8_t *e = free_slot;
	if (!e) {
		e = oldest;
		t->evictions++;
		if (t->on_evict)
			t->on_evict(t->ctx, e, "evicted");
	} else {
		t->used++;
	}
	memset(e, 0, t->entry_size);
	struct wt_head *h = (struct wt_head *)e;
	h->tag = tag;
	h->last_ns = now_ns;
	memcpy(e + sizeof *h, key, t->key_size);
	*is_new = true;
	return e;
}

void wt_remove(struct wt_table *t, void *entry, const char *why)
{
	if (t->on_evict)
		t->on_evict(t->ctx, entry, why);
	memset(entry, 0, t->entry_size);
	t->used--;
}

void *wt_at(struct wt_table *t, uint64_t i)
{
	uint8_t *e = t->slots + (size_t)i * t->entry_size;
	return ((struct wt_head *)e)->tag ? e : NULL;
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
