/* SPDX-License-Identifier: BSD-3-Clause */
/* Parses untrusted `key = value` config text into a caller's struct, one table-described key at a time. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "icmpkit/error.h"

#define CONF_LINE_MAX 512

struct conf_parse {
	const struct conf_key *keys;
	size_t key_count;
	void *conf;
	bool seen[CONF_MAX_KEYS];
	char *reason;
	size_t reason_size;
};

__attribute__((format(printf, 2, 3))) static int conf_fail(struct conf_parse *p, const char *fmt,
							    ...)
{
	if (p->reason && p->reason_size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->reason, p->reason_size, fmt, ap);
		va_end(ap);
	}
	return IK_ERR_SYNTAX;
}

static bool conf_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trims blanks on both ends of [*s, *s + *len). */
static void conf_trim(const char **s, size_t *len)
{
	while (*len > 0 && conf_is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && conf_is_blank((*s)[*len - 1]))
		(*len)--;
}

static bool conf_word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int conf_out_of_range(struct conf_parse *p, const struct conf_key *k, const char *s,
			     size_t len)
{
	return conf_fail(p, "%s: '%.*s' out of range: %g <= value <= %g", k->name, (int)len, s,
			 k->min, k->max);
}

/* A plain decimal number (no sign, no base prefix) within [min, max]. */
static int conf_uint(struct conf_parse *p, const struct conf_key *k, const char *s, size_t len)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return conf_fail(p, "%s: '%.*s' is not a decimal number", k->name, (int)len,
					 s);
		v = v * 10 + (unsigned)(s[i] - '0');
		if ((double)v > k->max)
			return conf_out_of_range(p, k, s, len);
	}
	if ((double)v < k->min)
		return conf_out_of_range(p, k, s, len);
	unsigned u = (unsigned)v;
	memcpy((char *)p->conf + k->offset, &u, sizeof u);
	return IK_OK;
}

/* DIGITS[.DIGITS], read by hand: strtod would take hex, inf and the locale. */
static int conf_double(struct conf_parse *p, const struct conf_key *k, const char *s, size_t len)
{
	double v = 0, scale = 1;
	bool is_fraction = false, has_digit = false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && !is_fraction) {
			is_fraction = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || i > 30)
			return conf_fail(p, "%s: '%.*s' is not a decimal number", k->name,
					 (int)(len > 60 ? 60 : len), s);
		has_digit = true;
		if (is_fraction) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		} else {
			v = v * 10 + (s[i] - '0');
		}
	}
	if (!has_digit)
		return conf_fail(p, "%s: '%.*s' is not a decimal number", k->name, (int)len, s);
	if (v < k->min || v > k->max)
		return conf_out_of_range(p, k, s, len);
	memcpy((char *)p->conf + k->offset, &v, sizeof v);
	return IK_OK;
}

static int conf_bool(struct conf_parse *p, const struct conf_key *k, const char *s, size_t len)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		bool b = conf_word_is(s, len, yes[i]);
		if (b || conf_word_is(s, len, no[i])) {
			memcpy((char *)p->conf + k->offset, &b, sizeof b);
			return IK_OK;
		}
	}
	return conf_fail(p, "%s: '%.*s' is not yes or no", k->name, (int)len, s);
}

static int conf_line(struct conf_parse *p, const char *s, size_t len)
{
	const char *hash = memchr(s, '#', len);
	if (hash)
		len = (size_t)(hash - s);
	conf_trim(&s, &len);
	if (len == 0)
		return IK_OK;
	const char *eq = memchr(s, '=', len);
	if (!eq)
		return conf_fail(p, "expected 'key = value', got '%.*s'", (int)(len > 60 ? 60 : len),
				 s);
	const char *key = s;
	size_t key_len = (size_t)(eq - s);
	const char *val = eq + 1;
	size_t val_len = len - key_len - 1;
	conf_trim(&key, &key_len);
	conf_trim(&val, &val_len);
	if (key_len == 0)
		return conf_fail(p, "missing key before '='");
	size_t index = p->key_count;
	for (size_t i = 0; i < p->key_count; i++) {
		if (conf_word_is(key, key_len, p->keys[i].name))
			index = i;
	}
	if (index == p->key_count)
		return conf_fail(p, "unknown key '%.*s'", (int)(key_len > 60 ? 60 : key_len), key);
	const struct conf_key *k = &p->keys[index];
	if (p->seen[index] && k->kind != CONF_CUSTOM)
		return conf_fail(p, "%s: set twice", k->name);
	p->seen[index] = true;
	if (val_len == 0)
		return conf_fail(p, "%s: missing value", k->name);
	for (size_t i = 0; i < val_len; i++) {
		if (conf_is_blank(val[i]))
			return conf_fail(p, "%s: one value expected, got '%.*s'", k->name,
					 (int)(val_len > 60 ? 60 : val_len), val);
	}
	switch (k->kind) {
	case CONF_UINT:
		return conf_uint(p, k, val, val_len);
	case CONF_DOUBLE:
		return conf_double(p, k, val, val_len);
	case CONF_BOOL:
		return conf_bool(p, k, val, val_len);
	case CONF_CUSTOM:
		break;
	}
	char why[IK_CONF_WHY_SIZE] = "";
	if (k->custom(p->conf, val, val_len, why, sizeof why) != IK_OK)
		return conf_fail(p, "%s: %s", k->name, why);
	return IK_OK;
}

int conf_parse(const struct conf_key *keys, size_t key_count, void *conf, const char *text,
	       size_t text_len, unsigned *error_line, char *reason, size_t reason_size)
{
	struct conf_parse p = {.keys = keys, .key_count = key_count, .conf = conf,
			       .reason = reason, .reason_size = reason_size};
	if (error_line)
		*error_line = 0;
	if (reason && reason_size > 0)
		reason[0] = '\0';
	if (key_count > CONF_MAX_KEYS)
		return conf_fail(&p, "too many keys");
	unsigned line = 0;
	size_t pos = 0;
	while (pos < text_len) {
		line++;
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', text_len - pos);
		size_t len = nl ? (size_t)(nl - s) : text_len - pos;
		pos += len + (nl ? 1 : 0);
		int rc;
		if (memchr(s, '\0', len))
			rc = conf_fail(&p, "NUL byte in line");
		else if (len > CONF_LINE_MAX)
			rc = conf_fail(&p, "line longer than %d bytes", CONF_LINE_MAX);
		else
			rc = conf_line(&p, s, len);
		if (rc != IK_OK) {
			if (error_line)
				*error_line = line;
			return rc;
		}
	}
	return IK_OK;
}
