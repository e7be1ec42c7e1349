/* SPDX-License-Identifier: BSD-3-Clause */
/* A small streaming JSON writer into one large buffer (see jsonw.h for why). */
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

/* The largest single token we write without a per-byte check (an int64). */
#define JSONW_TOKEN_MAX 32

int jsonw_init(struct jsonw *w, FILE *out, size_t cap)
{
	memset(w, 0, sizeof *w);
	if (cap < 4096)
		cap = 4096;
	w->buf = malloc(cap);
	if (!w->buf)
		return -1;
	w->out = out;
	w->cap = cap;
	return 0;
}

int jsonw_flush(struct jsonw *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->is_failed = true;
	w->len = 0;
	if (fflush(w->out) != 0)
		w->is_failed = true;
	return w->is_failed ? -1 : 0;
}

int jsonw_finish(struct jsonw *w)
{
	int rc = jsonw_flush(w);
	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
	return rc;
}

/* Writes out the buffer without fflush: used when it fills mid-record. */
static void jsonw_spill(struct jsonw *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->is_failed = true;
	w->len = 0;
}

/* Guarantees n free bytes (n is at most JSONW_TOKEN_MAX + a little). */
static inline void jsonw_room(struct jsonw *w, size_t n)
{
	if (w->cap - w->len < n)
		jsonw_spill(w);
}

static inline void jsonw_putc(struct jsonw *w, char c)
{
	w->buf[w->len++] = c;
}

/* Writes the separator a new value needs: a comma unless it is first or follows a key. */
static inline void jsonw_sep(struct jsonw *w)
{
	jsonw_room(w, JSONW_TOKEN_MAX);
	if (w->is_after_key) {
		w->is_after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->has_items[w->depth - 1])
			jsonw_putc(w, ',');
		w->has_items[w->depth - 1] = true;
	}
}

static void jsonw_open(struct jsonw *w, char c)
{
	jsonw_sep(w);
	jsonw_putc(w, c);
	if (w->depth < JSONW_MAX_DEPTH)
		w->has_items[w->depth] = false;
	w->depth++;
}

static void jsonw_close(struct jsonw *w, char c)
{
	jsonw_room(w, 2);
	jsonw_putc(w, c);
	if (w->depth > 0)
		w->depth--;
}

void jsonw_obj_begin(struct jsonw *w)
{
	jsonw_open(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
	jsonw_close(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
	jsonw_open(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
	jsonw_close(w, ']');
}

void jsonw_eol(struct jsonw *w)
{
	jsonw_room(w, 2);
	jsonw_putc(w, '\n');
	w->is_after_key = false;
	/* Keep a whole token's worth of headroom for the next record. */
	if (w->cap - w->len < w->cap / 8)
		jsonw_spill(w);
}

/*
 * Length of the valid UTF-8 sequence starting at s[0] (a byte >= 0x80), or 0
 * when it is not valid: RFC 3629 section 4 excludes overlong forms,
 * surrogates and code points above U+10FFFF.
 */
static size_t jsonw_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

static const char jsonw_hex[] = "0123456789abcdef";

/* Bytes copied into a JSON string as they are: printable ASCII except quote and backslash. */
static inline bool jsonw_is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Writes one byte that needs care: a UTF-8 sequence or an escape. Returns bytes consumed. */
static size_t jsonw_quote_special(struct jsonw *w, const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	if (c >= 0x80) {
		size_t n = jsonw_utf8_len(s, left);
		if (n > 0) {
			memcpy(w->buf + w->len, s, n);
			w->len += n;
			return n;
		}
	}
	jsonw_putc(w, '\\');
	switch (c) {
	case '"': jsonw_putc(w, '"'); break;
	case '\\': jsonw_putc(w, '\\'); break;
	case '\n': jsonw_putc(w, 'n'); break;
	case '\r': jsonw_putc(w, 'r'); break;
	case '\t': jsonw_putc(w, 't'); break;
	default:
		/* Controls and bytes that are not UTF-8, as their code unit. */
		jsonw_putc(w, 'u');
		jsonw_putc(w, '0');
		jsonw_putc(w, '0');
		jsonw_putc(w, jsonw_hex[c >> 4]);
		jsonw_putc(w, jsonw_hex[c & 15]);
		break;
	}
	return 1;
}

/*
 * Writes s as a quoted JSON string (RFC 8259 section 7). One input byte
 * becomes at most six output bytes, so when 6 * len + 2 bytes are free the
 * loop runs without a space check per byte; the common case, short names
 * and addresses, is then a scan and a copy.
 */
static void jsonw_quote(struct jsonw *w, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	bool is_roomy = len < (w->cap - 2) / 6;
	if (is_roomy)
		jsonw_room(w, 6 * len + 2);
	else
		jsonw_room(w, 2);
	jsonw_putc(w, '"');
	for (size_t i = 0; i < len;) {
		if (!is_roomy)
			jsonw_room(w, 16);
		size_t run = i;
		while (run < len && jsonw_is_plain(s[run]))
			run++;
		if (run > i) {
			size_t n = run - i;
			/* At least 16 bytes are free, so n stays positive. */
			if (!is_roomy && n > w->cap - w->len - 8)
				n = w->cap - w->len - 8;
			memcpy(w->buf + w->len, s + i, n);
			w->len += n;
			i += n;
			continue;
		}
		i += jsonw_quote_special(w, s + i, len - i);
	}
	jsonw_room(w, 2);
	jsonw_putc(w, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	/* Keys are the program's own identifiers (see jsonw.h): copied, not escaped. */
	size_t n = strlen(key);
	jsonw_sep(w);
	jsonw_room(w, n + 4);
	jsonw_putc(w, '"');
	memcpy(w->buf + w->len, key, n);
	w->len += n;
	jsonw_putc(w, '"');
	jsonw_putc(w, ':');
	w->is_after_key = true;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t len)
{
	jsonw_sep(w);
	jsonw_quote(w, s, len);
}

void jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_strn(w, s, strlen(s));
}

/* Appends the decimal digits of v; the caller made JSONW_TOKEN_MAX room. */
static inline void jsonw_digits(struct jsonw *w, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		w->buf[w->len++] = tmp[--n];
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
	jsonw_sep(w);
	jsonw_digits(w, v);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	jsonw_sep(w);
	if (v < 0) {
		jsonw_putc(w, '-');
		/* Negate in unsigned arithmetic so INT64_MIN is fine. */
		jsonw_digits(w, (uint64_t)0 - (uint64_t)v);
	} else {
		jsonw_digits(w, (uint64_t)v);
	}
}

void jsonw_time(struct jsonw *w, int64_t sec, uint32_t usec)
{
	jsonw_int(w, sec);
	if (usec > 999999)
		usec = 999999;
	jsonw_putc(w, '.');
	for (uint32_t div = 100000; div > 0; div /= 10)
		jsonw_putc(w, (char)('0' + (usec / div) % 10));
}

static void jsonw_lit(struct jsonw *w, const char *lit, size_t len)
{
	jsonw_sep(w);
	memcpy(w->buf + w->len, lit, len);
	w->len += len;
}

void jsonw_bool(struct jsonw *w, bool v)
{
	if (v)
		jsonw_lit(w, "true", 4);
	else
		jsonw_lit(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	jsonw_lit(w, "null", 4);
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_kuint(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_key(w, key);
	jsonw_uint(w, v);
}

void jsonw_kbool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}

void jsonw_knull(struct jsonw *w, const char *key)
{
	jsonw_key(w, key);
	jsonw_null(w);
}
