/* SPDX-License-Identifier: BSD-3-Clause */
/* Parses icmpkit guard's config (untrusted `key = value` lines) into the thresholds of its ruleset. */

/*
 * Grammar, one statement per line: `KEY = VALUE`; '#' starts a comment
 * anywhere; blanks around tokens are ignored; blank lines are skipped.
 * VALUE is a decimal number within the key's range or, for switches, one of
 * yes/no, true/false, on/off, 1/0. A key may appear once. Lines are at most
 * GUARD_LINE_MAX bytes and NUL bytes are refused, so no input can make the
 * parser read or write past what it was given.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/guard.h"

#define GUARD_LINE_MAX 512

enum guard_key_kind { GUARD_UINT, GUARD_BOOL };

struct guard_key {
	const char *name;
	enum guard_key_kind kind;
	size_t offset;
	unsigned min; /* GUARD_UINT only */
	unsigned max;
};

#define GK_U(name, field, lo, hi) {name, GUARD_UINT, offsetof(struct ik_guard_conf, field), lo, hi}
#define GK_B(name, field) {name, GUARD_BOOL, offsetof(struct ik_guard_conf, field), 0, 1}

/*
 * The ranges keep every value one nftables accepts: a limit rate of 0 is
 * meaningless, and a length above 65535 is not an IP length (RFC 791).
 */
static const struct guard_key guard_keys[] = {
	GK_U("echo_rate_per_source", echo_rate_per_source, 1, 10000000),
	GK_U("echo_burst_per_source", echo_burst_per_source, 1, 10000000),
	GK_U("echo_rate_total", echo_rate_total, 1, 100000000),
	GK_U("echo_burst_total", echo_burst_total, 1, 100000000),
	GK_U("error_rate", error_rate, 1, 10000000),
	GK_U("error_burst", error_burst, 1, 10000000),
	GK_U("max_length", max_length, 68, 65535),
	GK_U("source_timeout", source_timeout, 1, 86400),
	GK_U("block_timeout", block_timeout, 1, 31536000),
	GK_U("meter_size", meter_size, 16, 1048576),
	GK_B("drop_fragments", is_fragments_dropped),
	GK_B("drop_broadcast_echo", is_broadcast_echo_dropped),
	GK_B("allow_timestamp", is_timestamp_allowed),
	GK_B("allow_address_mask", is_address_mask_allowed),
	GK_B("allow_redirects", is_redirect_allowed),
};

#define GUARD_KEY_COUNT (sizeof guard_keys / sizeof guard_keys[0])

void ik_guard_conf_defaults(struct ik_guard_conf *conf)
{
	*conf = (struct ik_guard_conf){
		.echo_rate_per_source = 50,
		.echo_burst_per_source = 100,
		.echo_rate_total = 1000,
		.echo_burst_total = 2000,
		.error_rate = 100,
		.error_burst = 200,
		.max_length = 1500,
		.source_timeout = 60,
		.block_timeout = 600,
		.meter_size = 65536,
		.is_fragments_dropped = true,
		.is_broadcast_echo_dropped = true,
		.is_timestamp_allowed = false,
		.is_address_mask_allowed = false,
		.is_redirect_allowed = false,
	};
}

struct guard_parse {
	unsigned *error_line;
	char *reason;
	size_t reason_size;
};

__attribute__((format(printf, 2, 3))) static int guard_fail(struct guard_parse *p,
							     const char *fmt, ...)
{
	if (p->reason && p->reason_size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->reason, p->reason_size, fmt, ap);
		va_end(ap);
	}
	return IK_ERR_SYNTAX;
}

static bool guard_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trims blanks on both ends of [*s, *s + *len). */
static void guard_trim(const char **s, size_t *len)
{
	while (*len > 0 && guard_is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && guard_is_blank((*s)[*len - 1]))
		(*len)--;
}

static bool guard_word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Parses a plain decimal number (no sign, no base prefix) within [min, max]. */
static int guard_uint(struct guard_parse *p, const struct guard_key *k, const char *s, size_t len,
		      unsigned *out)
{
	unsigned long long v = 0;
	if (len == 0)
		return guard_fail(p, "%s: missing value", k->name);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return guard_fail(p, "%s: '%.*s' is not a decimal number", k->name,
					  (int)len, s);
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > k->max)
			return guard_fail(p, "%s: '%.*s' out of range: %u <= value <= %u",
					  k->name, (int)len, s, k->min, k->max);
	}
	if (v < k->min)
		return guard_fail(p, "%s: '%.*s' out of range: %u <= value <= %u", k->name,
				  (int)len, s, k->min, k->max);
	*out = (unsigned)v;
	return IK_OK;
}

static int guard_bool(struct guard_parse *p, const struct guard_key *k, const char *s, size_t len,
		      bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (guard_word_is(s, len, yes[i])) {
			*out = true;
			return IK_OK;
		}
		if (guard_word_is(s, len, no[i])) {
			*out = false;
			return IK_OK;
		}
	}
	return guard_fail(p, "%s: '%.*s' is not yes or no", k->name, (int)len, s);
}

static int guard_line(struct guard_parse *p, struct ik_guard_conf *conf, bool *seen,
		      const char *s, size_t len)
{
	const char *hash = memchr(s, '#', len);
	if (hash)
		len = (size_t)(hash - s);
	guard_trim(&s, &len);
	if (len == 0)
		return IK_OK;
	const char *eq = memchr(s, '=', len);
	if (!eq)
		return guard_fail(p, "expected 'key = value', got '%.*s'", (int)(len > 60 ? 60 : len),
				  s);
	const char *key = s;
	size_t key_len = (size_t)(eq - s);
	const char *val = eq + 1;
	size_t val_len = len - key_len - 1;
	guard_trim(&key, &key_len);
	guard_trim(&val, &val_len);
	if (key_len == 0)
		return guard_fail(p, "missing key before '='");
	const struct guard_key *k = NULL;
	size_t index = 0;
	for (size_t i = 0; i < GUARD_KEY_COUNT; i++) {
		if (guard_word_is(key, key_len, guard_keys[i].name)) {
			k = &guard_keys[i];
			index = i;
		}
	}
	if (!k)
		return guard_fail(p, "unknown key '%.*s'", (int)(key_len > 60 ? 60 : key_len), key);
	if (seen[index])
		return guard_fail(p, "%s: set twice", k->name);
	seen[index] = true;
	if (val_len == 0)
		return guard_fail(p, "%s: missing value", k->name);
	for (size_t i = 0; i < val_len; i++) {
		if (guard_is_blank(val[i]))
			return guard_fail(p, "%s: one value expected, got '%.*s'", k->name,
					  (int)(val_len > 60 ? 60 : val_len), val);
	}
	char *field = (char *)conf + k->offset;
	if (k->kind == GUARD_BOOL) {
		bool b = false;
		int rc = guard_bool(p, k, val, val_len, &b);
		if (rc == IK_OK)
			memcpy(field, &b, sizeof b);
		return rc;
	}
	unsigned u = 0;
	int rc = guard_uint(p, k, val, val_len, &u);
	if (rc == IK_OK)
		memcpy(field, &u, sizeof u);
	return rc;
}

int ik_guard_conf_parse(struct ik_guard_conf *conf, const char *text, size_t text_len,
			unsigned *error_line, char *reason, size_t reason_size)
{
	struct guard_parse p = {error_line, reason, reason_size};
	bool seen[GUARD_KEY_COUNT] = {false};
	unsigned line = 0;
	size_t pos = 0;
	if (error_line)
		*error_line = 0;
	if (reason && reason_size > 0)
		reason[0] = '\0';
	while (pos < text_len) {
		line++;
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', text_len - pos);
		size_t len = nl ? (size_t)(nl - s) : text_len - pos;
		pos += len + (nl ? 1 : 0);
		int rc;
		if (memchr(s, '\0', len))
			rc = guard_fail(&p, "NUL byte in line");
		else if (len > GUARD_LINE_MAX)
			rc = guard_fail(&p, "line longer than %d bytes", GUARD_LINE_MAX);
		else
			rc = guard_line(&p, conf, seen, s, len);
		if (rc != IK_OK) {
			if (error_line)
				*error_line = line;
			return rc;
		}
	}
	/* A total below one source's rate would make the per-source limit
	 * meaningless: almost surely a typo, so say so instead of loading it. */
	if (conf->echo_rate_total < conf->echo_rate_per_source) {
		if (error_line)
			*error_line = 0;
		return guard_fail(&p, "echo_rate_total (%u) is below echo_rate_per_source (%u)",
				  conf->echo_rate_total, conf->echo_rate_per_source);
	}
	return IK_OK;
}
