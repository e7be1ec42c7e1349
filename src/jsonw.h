/* SPDX-License-Identifier: BSD-3-Clause */
/* A small streaming JSON writer into one large buffer, for JSON Lines output. */
#ifndef ICMPKIT_JSONW_H
#define ICMPKIT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Why a streaming writer and not a DOM library: decode --json emits one
 * object per packet at millions of packets per second. Building a tree
 * costs a malloc per node and a second walk to serialise it; here every
 * value goes straight into one preallocated buffer that is flushed with a
 * single fwrite when it fills, so the hot path never allocates and never
 * formats through printf.
 *
 * Usage: jsonw_init() once, then per record jsonw_obj_begin(), pairs of
 * jsonw_key() + a value (or nested begin/end), jsonw_obj_end(), jsonw_eol().
 * Commas are inserted automatically. The writer does not check that calls
 * nest correctly beyond its depth limit; callers are expected to be simple.
 */

#define JSONW_MAX_DEPTH 16

struct jsonw {
	FILE *out;
	char *buf;
	size_t len;
	size_t cap;
	int depth;
	bool is_after_key;                  /* the next value follows "key": */
	bool has_items[JSONW_MAX_DEPTH];    /* a value was written at this level */
	bool is_failed;                     /* a write to out failed */
};

/*
 * Sets up a writer with a cap-byte buffer flushing to out. cap is raised to
 * at least 4096. Returns 0 or -1 when the buffer cannot be allocated.
 */
int jsonw_init(struct jsonw *w, FILE *out, size_t cap);
/* Flushes and frees the buffer. Returns 0, or -1 if any write failed. */
int jsonw_finish(struct jsonw *w);
/* Writes the buffered bytes to out (and fflush). Returns 0 or -1. */
int jsonw_flush(struct jsonw *w);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
/* Ends a top-level record with '\n' and flushes when the buffer is nearly full. */
void jsonw_eol(struct jsonw *w);

/*
 * An object member name. Keys are the program's own constant identifiers
 * ([a-z0-9_], shorter than the buffer), so they are copied without
 * escaping: the hot path writes about thirty per packet. Text that comes
 * from outside goes through jsonw_str/jsonw_strn, which escape.
 */
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s);
/* A string of len bytes; invalid UTF-8 bytes and controls become \u00XX. */
void jsonw_strn(struct jsonw *w, const char *s, size_t len);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* A decimal number sec.usec with exactly six fraction digits. */
void jsonw_time(struct jsonw *w, int64_t sec, uint32_t usec);

/* Shorthands for "key": value. */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kuint(struct jsonw *w, const char *key, uint64_t v);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);
void jsonw_knull(struct jsonw *w, const char *key);

#endif
