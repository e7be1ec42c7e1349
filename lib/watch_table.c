/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's fixed-size, set-associative state tables with least-recently-seen eviction. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "watch_table.h"

/* The first line of every bucket. */
struct wt_bucket_head {
	uint32_t tags[WT_WAYS]; /* (hash >> 32) | 1; 0 = free */
	uint16_t ages[WT_WAYS]; /* last use in units of 2^30 ns, modulo 2^16 */
	uint8_t pad[64 - WT_WAYS * 6];
};

#define WT_HUGE_PAGE ((size_t)2 << 20)

/*
 * mmap: line-aligned, zeroed, and resident only where a bucket is used. Each
 * packet probes a few random buckets over tens of MiB, so with 4 KiB pages
 * nearly every probe also misses the TLB: the table is aligned to 2 MiB and
 * offered to transparent huge pages (10% faster on a million-packet capture).
 */
static uint8_t *wt_map(size_t bytes)
{
	size_t slack = bytes >= WT_HUGE_PAGE ? WT_HUGE_PAGE : 0;
	uint8_t *p = mmap(NULL, bytes + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (slack == 0)
		return p;
	size_t head = (WT_HUGE_PAGE - (uintptr_t)p % WT_HUGE_PAGE) % WT_HUGE_PAGE;
	if (head)
		munmap(p, head);
	if (slack - head)
		munmap(p + head + bytes, slack - head);
	p += head;
	madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without THP the table still works */
	return p;
}

/* The table starts with 1/64 of its buckets (a few hundred entries at least). */
#define WT_START_SHIFT 6
#define WT_START_MIN_BITS 5

int wt_init(struct wt_table *t, const char *name, size_t entry_size, size_t key_size,
	    size_t budget)
{
	memset(t, 0, sizeof *t);
	t->name = name;
	t->entry_size = (entry_size + 7) & ~(size_t)7;
	t->key_size = key_size; /* a multiple of 8 */
	t->bucket_size = (sizeof(struct wt_bucket_head) + WT_WAYS * t->entry_size + 63) & ~(size_t)63;
	unsigned bits = 0;
	while (bits < 31 && ((uint64_t)2 << bits) * t->bucket_size <= budget)
		bits++;
	t->max_bucket_bits = bits;
	t->bucket_bits = bits;
	if (bits > WT_START_SHIFT + WT_START_MIN_BITS)
		t->bucket_bits = bits - WT_START_SHIFT;
	else if (bits > WT_START_MIN_BITS)
		t->bucket_bits = WT_START_MIN_BITS;
	t->capacity = ((uint64_t)1 << bits) * WT_WAYS;
	t->active = ((uint64_t)1 << t->bucket_bits) * WT_WAYS;
	t->mapped = wt_bytes(t);
	t->slots = wt_map(t->mapped);
	return t->slots ? 0 : -1;
}

void wt_free(struct wt_table *t)
{
	if (t->slots)
		munmap(t->slots, t->mapped);
	t->slots = NULL;
}

size_t wt_bytes(const struct wt_table *t)
{
	return ((size_t)1 << t->max_bucket_bits) * t->bucket_size;
}

static struct wt_bucket_head *wt_bucket_at(const struct wt_table *t, uint64_t index)
{
	return (struct wt_bucket_head *)(t->slots + (size_t)index * t->bucket_size);
}

static uint8_t *wt_way(const struct wt_table *t, struct wt_bucket_head *b, unsigned way)
{
	return (uint8_t *)b + sizeof *b + (size_t)way * t->entry_size;
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

static uint16_t wt_age(int64_t now_ns)
{
	return (uint16_t)((uint64_t)now_ns >> 30);
}

/*
 * Doubles the buckets in use, in place: bucket b splits into 2b and 2b + 1
 * by the next bit of each entry's tag. Going from the last bucket down, the
 * two targets of b are never buckets still waiting to be split.
 */
static void wt_grow(struct wt_table *t)
{
	uint8_t *moving = malloc(t->bucket_size);
	if (!moving) {
		/* No memory to split with: this size is the capacity now. */
		t->max_bucket_bits = t->bucket_bits;
		t->capacity = t->active;
		return;
	}
	unsigned bits = t->bucket_bits + 1;
	for (uint64_t b = (uint64_t)1 << t->bucket_bits; b-- > 0;) {
		struct wt_bucket_head *old = wt_bucket_at(t, b);
		memcpy(moving, old, t->bucket_size);
		memset(old, 0, t->bucket_size);
		const struct wt_bucket_head *from = (const struct wt_bucket_head *)moving;
		unsigned filled[2] = {0, 0};
		for (unsigned w = 0; w < WT_WAYS; w++) {
			if (from->tags[w] == 0)
				continue;
			uint64_t to = wt_bucket_index(bits, from->tags[w]);
			unsigned half = (unsigned)(to & 1);
			struct wt_bucket_head *nb = wt_bucket_at(t, to);
			unsigned way = filled[half]++;
			nb->tags[way] = from->tags[w];
			nb->ages[way] = from->ages[w];
			memcpy(wt_way(t, nb, way), moving + sizeof *from + (size_t)w * t->entry_size,
			       t->entry_size);
		}
	}
	free(moving);
	t->bucket_bits = bits;
	t->active = ((uint64_t)1 << bits) * WT_WAYS;
}

void *wt_find(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns)
{
	uint32_t tag = wt_tag(hash);
	struct wt_bucket_head *b = wt_bucket_at(t, wt_bucket_index(t->bucket_bits, tag));
	for (unsigned w = 0; w < WT_WAYS; w++) {
		if (b->tags[w] != tag)
			continue;
		uint8_t *e = wt_way(t, b, w);
		if (wt_key_equal(e + sizeof(struct wt_head), key, t->key_size)) {
			((struct wt_head *)e)->last_ns = now_ns;
			b->ages[w] = wt_age(now_ns);
			return e;
		}
	}
	return NULL;
}

void *wt_get(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns, bool *is_new)
{
	uint32_t tag = wt_tag(hash);
	struct wt_bucket_head *b = wt_bucket_at(t, wt_bucket_index(t->bucket_bits, tag));
	uint16_t now_age = wt_age(now_ns), oldest_age = 0;
	unsigned free_way = WT_WAYS, oldest = 0;
	for (unsigned w = 0; w < WT_WAYS; w++) {
		if (b->tags[w] == tag) {
			uint8_t *e = wt_way(t, b, w);
			if (wt_key_equal(e + sizeof(struct wt_head), key, t->key_size)) {
				((struct wt_head *)e)->last_ns = now_ns;
				b->ages[w] = now_age;
				*is_new = false;
				return e;
			}
		}
		if (b->tags[w] == 0) {
			if (free_way == WT_WAYS)
				free_way = w;
		} else if ((uint16_t)(now_age - b->ages[w]) > oldest_age) {
			/* Ages wrap after 2^16 units (19 hours): compare how long ago. */
			oldest_age = (uint16_t)(now_age - b->ages[w]);
			oldest = w;
		}
	}
	if (t->bucket_bits < t->max_bucket_bits &&
	    (free_way == WT_WAYS || t->used + 1 > t->active / 2)) {
		wt_grow(t);
		return wt_get(t, hash, key, now_ns, is_new);
	}
	unsigned w = free_way;
	if (w == WT_WAYS) {
		w = oldest;
		t->evictions++;
		if (t->on_evict)
			t->on_evict(t->ctx, wt_way(t, b, w), "evicted");
	} else {
		t->used++;
	}
	uint8_t *e = wt_way(t, b, w);
	memset(e, 0, t->entry_size);
	((struct wt_head *)e)->last_ns = now_ns;
	memcpy(e + sizeof(struct wt_head), key, t->key_size);
	b->tags[w] = tag;
	b->ages[w] = now_age;
	*is_new = true;
	return e;
}

void wt_remove(struct wt_table *t, void *entry, const char *why)
{
	size_t off = (size_t)((uint8_t *)entry - t->slots);
	struct wt_bucket_head *b = (struct wt_bucket_head *)(t->slots + off / t->bucket_size * t->bucket_size);
	unsigned w = (unsigned)((off % t->bucket_size - sizeof *b) / t->entry_size);
	if (t->on_evict)
		t->on_evict(t->ctx, entry, why);
	memset(entry, 0, t->entry_size);
	b->tags[w] = 0;
	b->ages[w] = 0;
	t->used--;
}

void *wt_at(struct wt_table *t, uint64_t i)
{
	struct wt_bucket_head *b = (struct wt_bucket_head *)(t->slots + (size_t)(i / WT_WAYS) * t->bucket_size);
	return b->tags[i % WT_WAYS] ? wt_way(t, b, (unsigned)(i % WT_WAYS)) : NULL;
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
