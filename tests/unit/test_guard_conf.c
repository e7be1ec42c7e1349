/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard's config parser: defaults, every key, and malformed lines with their line numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/guard.h"

static struct ik_guard_conf parse_ok(const char *text)
{
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	unsigned line = 99;
	char reason[IK_GUARD_REASON_SIZE];
	int rc = ik_guard_conf_parse(&c, text, strlen(text), &line, reason, sizeof reason);
	if (rc != 0)
		fail_msg("line %u: %s", line, reason);
	assert_int_equal(line, 0);
	return c;
}

/* Expects a syntax error on line `want_line` whose reason contains needle. */
static void parse_bad(const char *text, size_t len, unsigned want_line, const char *needle)
{
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	unsigned line = 12345;
	char reason[IK_GUARD_REASON_SIZE];
	assert_int_equal(ik_guard_conf_parse(&c, text, len, &line, reason, sizeof reason),
			 IK_ERR_SYNTAX);
	if (line != want_line || !strstr(reason, needle))
		fail_msg("for '%.*s': got line %u '%s', want line %u '%s'", (int)len, text, line,
			 reason, want_line, needle);
}

static void test_defaults(void **state)
{
	(void)state;
	struct ik_guard_conf c = parse_ok("");
	assert_int_equal(c.echo_rate_per_source, 50);
	assert_int_equal(c.echo_burst_per_source, 100);
	assert_int_equal(c.echo_rate_total, 1000);
	assert_int_equal(c.echo_burst_total, 2000);
	assert_int_equal(c.error_rate, 100);
	assert_int_equal(c.error_burst, 200);
	assert_int_equal(c.max_length, 1500);
	assert_int_equal(c.source_timeout, 60);
	assert_int_equal(c.block_timeout, 600);
	assert_int_equal(c.meter_size, 65536);
	assert_true(c.is_fragments_dropped);
	assert_true(c.is_broadcast_echo_dropped);
	assert_false(c.is_timestamp_allowed);
	assert_false(c.is_address_mask_allowed);
	assert_false(c.is_redirect_allowed);
}

static void test_every_key(void **state)
{
	(void)state;
	struct ik_guard_conf c = parse_ok("# guard thresholds\n"
					  "\n"
					  "echo_rate_per_source = 7\n"
					  "echo_burst_per_source=8   # trailing comment\n"
					  "\techo_rate_total\t=\t900\r\n"
					  "echo_burst_total = 901\n"
					  "error_rate = 11\n"
					  "error_burst = 12\n"
					  "max_length = 68\n"
					  "source_timeout = 13\n"
					  "block_timeout = 31536000\n"
					  "meter_size = 16\n"
					  "drop_fragments = no\n"
					  "drop_broadcast_echo = off\n"
					  "allow_timestamp = yes\n"
					  "allow_address_mask = true\n"
					  "allow_redirects = 1");
	assert_int_equal(c.echo_rate_per_source, 7);
	assert_int_equal(c.echo_burst_per_source, 8);
	assert_int_equal(c.echo_rate_total, 900);
	assert_int_equal(c.echo_burst_total, 901);
	assert_int_equal(c.error_rate, 11);
	assert_int_equal(c.error_burst, 12);
	assert_int_equal(c.max_length, 68);
	assert_int_equal(c.source_timeout, 13);
	assert_int_equal(c.block_timeout, 31536000);
	assert_int_equal(c.meter_size, 16);
	assert_false(c.is_fragments_dropped);
	assert_false(c.is_broadcast_echo_dropped);
	assert_true(c.is_timestamp_allowed);
	assert_true(c.is_address_mask_allowed);
	assert_true(c.is_redirect_allowed);
}

#define BAD(text, line, needle) parse_bad(text, strlen(text), line, needle)

static void test_malformed(void **state)
{
	(void)state;
	BAD("echo_rate_total = 100\nbogus line\n", 2, "expected 'key = value'");
	BAD("\n\n\nnope = 3\n", 4, "unknown key 'nope'");
	BAD("= 3\n", 1, "missing key");
	BAD("max_length =\n", 1, "max_length: missing value");
	BAD("max_length = # nothing\n", 1, "missing value");
	BAD("max_length = 1500 1600\n", 1, "one value expected");
	BAD("max_length = 15x0\n", 1, "not a decimal number");
	BAD("max_length = -1\n", 1, "not a decimal number");
	BAD("max_length = 0x10\n", 1, "not a decimal number");
	BAD("max_length = 65536\n", 1, "out of range: 68 <= value <= 65535");
	BAD("max_length = 67\n", 1, "out of range");
	BAD("error_rate = 0\n", 1, "out of range: 1 <=");
	BAD("echo_rate_per_source = 99999999999999999999999999\n", 1, "out of range");
	BAD("drop_fragments = maybe\n", 1, "drop_fragments: 'maybe' is not yes or no");
	BAD("allow_timestamp = YES\n", 1, "not yes or no");
	BAD("error_rate = 5\nerror_rate = 6\n", 2, "error_rate: set twice");
	BAD("echo_rate_per_source = 500\necho_rate_total = 100\n", 0,
	    "echo_rate_total (100) is below echo_rate_per_source (500)");
	/* A key is matched whole, not as a prefix. */
	BAD("max_len = 100\n", 1, "unknown key");
	BAD("max_lengthx = 100\n", 1, "unknown key");
	/* A NUL byte hidden in a line is refused, not truncated at. */
	static const char nul[] = "max_length = 100\nerror_rate = 5\0 junk\n";
	parse_bad(nul, sizeof nul - 1, 2, "NUL byte");
	/* Lines longer than the limit are refused whole. */
	char *long_line = malloc(2000);
	assert_non_null(long_line);
	memset(long_line, ' ', 1999);
	memcpy(long_line, "error_rate = 5", 14);
	long_line[1999] = '\0';
	char *text = malloc(2100);
	assert_non_null(text);
	snprintf(text, 2100, "# ok\n%s\n", long_line);
	BAD(text, 2, "longer than");
	free(text);
	free(long_line);
}

/* Every prefix of a valid config either parses or fails cleanly (ASan watches the reads). */
static void test_truncated_everywhere(void **state)
{
	(void)state;
	const char *full = "echo_rate_per_source = 20\nallow_timestamp = yes\nmax_length = 1400\n";
	size_t len = strlen(full);
	for (size_t cut = 0; cut <= len; cut++) {
		char *copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, full, cut);
		struct ik_guard_conf c;
		ik_guard_conf_defaults(&c);
		unsigned line = 0;
		char reason[IK_GUARD_REASON_SIZE];
		int rc = ik_guard_conf_parse(&c, copy, cut, &line, reason, sizeof reason);
		assert_true(rc == 0 || rc == IK_ERR_SYNTAX);
		if (rc != 0)
			assert_true(line >= 1 && line <= 3);
		free(copy);
	}
}

/* A NULL or tiny reason buffer is honoured. */
static void test_small_reason(void **state)
{
	(void)state;
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	unsigned line = 0;
	char reason[4];
	const char *t = "what\n";
	assert_int_equal(ik_guard_conf_parse(&c, t, strlen(t), &line, reason, sizeof reason),
			 IK_ERR_SYNTAX);
	assert_int_equal(strlen(reason), 3);
	assert_int_equal(ik_guard_conf_parse(&c, t, strlen(t), NULL, NULL, 0), IK_ERR_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_small_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
