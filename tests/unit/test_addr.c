/* SPDX-License-Identifier: BSD-3-Clause */
/* Address parsing, formatting and comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "icmpkit/addr.h"

static void roundtrip(void **state)
{
	(void)state;
	const char *texts[] = {"10.0.0.1", "255.255.255.255", "0.0.0.0", "fd00::1",
			       "2001:db8::ff00:42:8329", "::", "::ffff:10.1.2.3"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct ik_addr a;
		char buf[IK_ADDR_STRLEN];
		assert_int_equal(ik_addr_parse(texts[i], &a), 0);
		assert_true(ik_addr_format(&a, buf, sizeof buf) > 0);
		assert_string_equal(buf, texts[i]);
	}
}

static void rejects(void **state)
{
	(void)state;
	struct ik_addr a;
	assert_int_equal(ik_addr_parse("10.0.0.256", &a), IK_ERR_SYNTAX);
	assert_int_equal(ik_addr_parse("10.0.0.1 ", &a), IK_ERR_SYNTAX);
	assert_int_equal(ik_addr_parse("", &a), IK_ERR_SYNTAX);
	assert_int_equal(ik_addr_parse("fd00:::1", &a), IK_ERR_SYNTAX);
	char small[4];
	assert_int_equal(ik_addr_parse("10.0.0.1", &a), 0);
	assert_int_equal(ik_addr_format(&a, small, sizeof small), IK_ERR_NOSPACE);
	struct ik_addr unset = {0};
	assert_int_equal(ik_addr_format(&unset, small, sizeof small), IK_ERR_INVALID);
}

static void equal(void **state)
{
	(void)state;
	struct ik_addr a, b, c;
	assert_int_equal(ik_addr_parse("10.0.0.1", &a), 0);
	assert_int_equal(ik_addr_parse("10.0.0.1", &b), 0);
	assert_int_equal(ik_addr_parse("::a00:1", &c), 0);
	assert_true(ik_addr_equal(&a, &b));
	assert_false(ik_addr_equal(&a, &c));
	b.bytes[3] = 2;
	assert_false(ik_addr_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(rejects),
		cmocka_unit_test(equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
