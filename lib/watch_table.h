/* SPDX-License-Identifier: BSD-3-Clause */
/* A fixed-size hash table for watch's state: set-associative, evicting the least recently seen entry. */
#ifndef ICMPKIT_LIB_WATCH_TABLE_H
#define ICMPKIT_LIB_WATCH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Why this shape: under a flood of spoofed sources every packet may bring a
 * new key, so the table has a fixed capacity, and once there it never grows
 * or rehashes again. Each key hashes to one bucket of WT_WAYS entries; a new
 * key takes a free entry there or evicts the entry seen longest ago. The
 * address space for the whole capacity is mapped once; the table starts with
 * a small power-of-two share of its buckets and doubles in place (at most a
 * handful of times, each a pass over the entries in use) whenever a new key
 * finds its bucket full or the table half full, until it reaches capacity.
 * So a quiet network keeps its state on few pages and in the CPU's caches,
 * and nothing is evicted before the table is at capacity. The hash is keyed
 * with a random seed so an attacker cannot crowd one bucket on purpose.
 *
 * A bucket is one 64-byte header line, then its WT_WAYS entries. The
 * header holds a 32-bit tag per way (hash bits, 0 for a free entry) and a
 * 16-bit age (for eviction), so a lookup reads the header and then only
 * the entry whose tag matches, not eight entries of a hundred bytes or
 * more. The tag's top bits are the bucket number, which is what lets a
 * bucket split in two on a doubling without the key being hashed again.
 *
 * Every entry starts with struct wt_head; the key follows it, then the
 * caller's value.
 */
#define WT_WAYS 8

struct wt_head {
	int64_t last_ns; /* last time the entry was used */
};

struct wt_table {
	const char *name;
	uint8_t *slots;     /* buckets: header line, then WT_WAYS entries */
	size_t bucket_size; /* a multiple of 64 */
	size_t entry_size;
	size_t key_size;
	unsigned bucket_bits;     /* buckets in use: 2^bucket_bits */
	unsigned max_bucket_bits; /* at capacity */
	uint64_t capacity;        /* entries at full size */
	uint64_t active;          /* entries in the buckets in use (grows to capacity) */
	size_t mapped;            /* bytes of address space reserved for the slots */
	uint64_t used;
	uint64_t evictions;
	/* Called before an entry is evicted or removed (may be NULL). */
	void (*on_evict)(void *ctx, void *entry, const char *why);
	void *ctx;
};

/*
 * Allocates a table of about budget bytes (rounded down to a power-of-two
 * number of buckets, at least one). entry_size includes the head and key.
 * Returns 0 or -1 when memory is short.
 */
int wt_init(struct wt_table *t, const char *name, size_t entry_size, size_t key_size,
	    size_t budget);
void wt_free(struct wt_table *t);
size_t wt_bytes(const struct wt_table *t);

/* The entry for key, or NULL. Marks it used at now_ns. */
void *wt_find(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns);

/*
 * The entry for key, made (zeroed, key copied) when missing, evicting the
 * least recently used entry of its bucket when the bucket is full.
 * *is_new says whether it was made. Never fails. Making an entry may double
 * the table, which moves its entries: a pointer from an earlier wt_get() or
 * wt_find() on the same table is stale afterwards.
 */
void *wt_get(struct wt_table *t, uint64_t hash, const void *key, int64_t now_ns, bool *is_new);

/* The high hash bits make the tag (never 0, which marks a free way). */
static inline uint32_t wt_tag(uint64_t hash)
{
	return (uint32_t)(hash >> 32) | 1;
}

/* The bucket a tag falls in: its top bucket_bits bits. */
static inline uint64_t wt_bucket_index(unsigned bucket_bits, uint32_t tag)
{
	return bucket_bits ? tag >> (32 - bucket_bits) : 0;
}

/* Starts loading the key's bucket tags into the cache, for a lookup soon after. */
static inline void wt_prefetch(const struct wt_table *t, uint64_t hash)
{
	uint64_t index = wt_bucket_index(t->bucket_bits, wt_tag(hash));
	__builtin_prefetch(t->slots + (size_t)index * t->bucket_size);
}

/* Frees an entry (on_evict is called with why). */
void wt_remove(struct wt_table *t, void *entry, const char *why);

/* The entry at index i (0 <= i < active), for sweeps; NULL when free. */
void *wt_at(struct wt_table *t, uint64_t i);

/* The caller's key and value inside an entry. */
static inline void *wt_key(void *entry)
{
	return (uint8_t *)entry + sizeof(struct wt_head);
}

/* A keyed 64-bit hash of len bytes (len a multiple of 8). */
uint64_t wt_hash(const uint64_t seed[2], const void *key, size_t len);

#endif
