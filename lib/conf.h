/* SPDX-License-Identifier: BSD-3-Clause */
/* The `key = value` config grammar shared by guard and watch (internal to libicmpkit). */
#ifndef ICMPKIT_LIB_CONF_H
#define ICMPKIT_LIB_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum conf_kind {
	CONF_UINT,   /* unsigned, decimal, within [min, max] */
	CONF_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	CONF_DOUBLE, /* decimal with an optional fraction, within [min, max] */
	CONF_CUSTOM, /* parsed by the key's own function; may repeat */
};

/* A custom value parser: returns 0, or fills reason and returns IK_ERR_SYNTAX. */
typedef int (*conf_custom_fn)(void *conf, const char *value, size_t len, char *reason,
			      size_t reason_size);

struct conf_key {
	const char *name;
	enum conf_kind kind;
	size_t offset; /* of the field in the caller's struct (not for CONF_CUSTOM) */
	double min;
	double max;
	conf_custom_fn custom;
};

#define CONF_MAX_KEYS 64
#define IK_CONF_WHY_SIZE 96

/*
 * Grammar, one statement per line: `KEY = VALUE`; '#' starts a comment
 * anywhere; blanks around tokens are ignored; blank lines are skipped. A
 * key may appear once (custom keys as often as they like). Lines are at
 * most 512 bytes and NUL bytes are refused, so no input can make the
 * parser read or write past what it was given. On IK_ERR_SYNTAX,
 * *error_line (1-based) and reason say what is wrong.
 */
int conf_parse(const struct conf_key *keys, size_t key_count, void *conf, const char *text,
	       size_t text_len, unsigned *error_line, char *reason, size_t reason_size);

#endif
