/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounds-checked readers and writers for untrusted wire bytes. */
#ifndef ICMPKIT_CURSOR_H
#define ICMPKIT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "icmpkit/error.h"

/*
 * A read cursor over [base, base + len). Every getter checks the remaining
 * length first and returns IK_ERR_TRUNCATED without moving when the data is
 * short, so no read ever passes the end. Values come out in host order.
 */
struct cursor {
	const uint8_t *base;
	size_t len;
	size_t off;
};

static inline struct cursor cursor_make(const uint8_t *base, size_t len)
{
	struct cursor c = {base, len, 0};
	return c;
}

static inline size_t cursor_left(const struct cursor *c)
{
	return c->len - c->off;
}

static inline const uint8_t *cursor_here(const struct cursor *c)
{
	return c->base + c->off;
}

IK_WUR static inline int cursor_skip(struct cursor *c, size_t n)
{
	if (cursor_left(c) < n)
		return IK_ERR_TRUNCATED;
	c->off += n;
	return IK_OK;
}

IK_WUR static inline int cursor_u8(struct cursor *c, uint8_t *v)
{
	if (cursor_left(c) < 1)
		return IK_ERR_TRUNCATED;
	*v = c->base[c->off++];
	return IK_OK;
}

IK_WUR static inline int cursor_be16(struct cursor *c, uint16_t *v)
{
	if (cursor_left(c) < 2)
		return IK_ERR_TRUNCATED;
	const uint8_t *p = c->base + c->off;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	c->off += 2;
	return IK_OK;
}

IK_WUR static inline int cursor_be32(struct cursor *c, uint32_t *v)
{
	if (cursor_left(c) < 4)
		return IK_ERR_TRUNCATED;
	const uint8_t *p = c->base + c->off;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	     ((uint32_t)p[2] << 8) | p[3];
	c->off += 4;
	return IK_OK;
}

/* Little-endian 32-bit read, for link headers such as DLT_NULL. */
IK_WUR static inline int cursor_le32(struct cursor *c, uint32_t *v)
{
	if (cursor_left(c) < 4)
		return IK_ERR_TRUNCATED;
	const uint8_t *p = c->base + c->off;
	*v = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
	     ((uint32_t)p[1] << 8) | p[0];
	c->off += 4;
	return IK_OK;
}

IK_WUR static inline int cursor_bytes(struct cursor *c, void *dst, size_t n)
{
	if (cursor_left(c) < n)
		return IK_ERR_TRUNCATED;
	memcpy(dst, c->base + c->off, n);
	c->off += n;
	return IK_OK;
}

/*
 * Splits off the next n bytes as a cursor of their own, so a nested structure
 * (a quoted packet, an extension object) can never read past its own end.
 */
IK_WUR static inline int cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (cursor_left(c) < n)
		return IK_ERR_TRUNCATED;
	*sub = cursor_make(c->base + c->off, n);
	c->off += n;
	return IK_OK;
}

/* A write cursor into a caller buffer of fixed capacity. */
struct wcursor {
	uint8_t *base;
	size_t cap;
	size_t off;
};

static inline struct wcursor wcursor_make(uint8_t *base, size_t cap)
{
	struct wcursor w = {base, cap, 0};
	return w;
}

IK_WUR static inline int wcursor_u8(struct wcursor *w, uint8_t v)
{
	if (w->cap - w->off < 1)
		return IK_ERR_NOSPACE;
	w->base[w->off++] = v;
	return IK_OK;
}

IK_WUR static inline int wcursor_be16(struct wcursor *w, uint16_t v)
{
	if (w->cap - w->off < 2)
		return IK_ERR_NOSPACE;
	w->base[w->off++] = (uint8_t)(v >> 8);
	w->base[w->off++] = (uint8_t)v;
	return IK_OK;
}

IK_WUR static inline int wcursor_be32(struct wcursor *w, uint32_t v)
{
	if (w->cap - w->off < 4)
		return IK_ERR_NOSPACE;
	w->base[w->off++] = (uint8_t)(v >> 24);
	w->base[w->off++] = (uint8_t)(v >> 16);
	w->base[w->off++] = (uint8_t)(v >> 8);
	w->base[w->off++] = (uint8_t)v;
	return IK_OK;
}

IK_WUR static inline int wcursor_bytes(struct wcursor *w, const void *src, size_t n)
{
	if (w->cap - w->off < n)
		return IK_ERR_NOSPACE;
	if (n)
		memcpy(w->base + w->off, src, n);
	w->off += n;
	return IK_OK;
}

IK_WUR static inline int wcursor_zero(struct wcursor *w, size_t n)
{
	if (w->cap - w->off < n)
		return IK_ERR_NOSPACE;
	memset(w->base + w->off, 0, n);
	w->off += n;
	return IK_OK;
}

/* Writes a big-endian 16-bit value at an absolute offset already written. */
static inline void wcursor_put_be16_at(struct wcursor *w, size_t at, uint16_t v)
{
	w->base[at] = (uint8_t)(v >> 8);
	w->base[at + 1] = (uint8_t)v;
}

#endif
