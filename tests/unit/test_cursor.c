/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the bounded read and write cursors in lib/cursor.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cursor.h"

static void reads_in_order(void **state)
{
	(void)state;
	const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};
	struct cursor c = cursor_make(b, sizeof b);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32, le;
	uint8_t two[2];
	assert_int_equal(cursor_u8(&c, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(cursor_be16(&c, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(cursor_be32(&c, &u32), 0);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(cursor_le32(&c, &le), 0);
	assert_int_equal(le, 0x0b0a0908);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_bytes(&c, two, 0), 0);
}

/* Every getter refuses short input without moving or writing. */
static void short_reads_fail_in_place(void **state)
{
	(void)state;
	/* Longer than the cursor, so the compiler sees no out-of-bounds path. */
	const uint8_t b[8] = {0xaa, 0xbb, 0xcc};
	for (size_t n = 0; n <= 3; n++) {
		struct cursor c = cursor_make(b, n);
		uint32_t v32 = 0x5a5a5a5a;
		uint16_t v16 = 0x5a5a;
		uint8_t v8 = 0x5a, out[4] = {0x5a, 0x5a, 0x5a, 0x5a};
		assert_int_equal(cursor_be32(&c, &v32), IK_ERR_TRUNCATED);
		assert_int_equal(cursor_le32(&c, &v32), IK_ERR_TRUNCATED);
		assert_int_equal(v32, 0x5a5a5a5a);
		assert_int_equal(cursor_bytes(&c, out, 4), IK_ERR_TRUNCATED);
		assert_int_equal(out[0], 0x5a);
		assert_int_equal(cursor_be16(&c, &v16), n >= 2 ? 0 : IK_ERR_TRUNCATED);
		if (n < 2)
			assert_int_equal(v16, 0x5a5a);
		assert_int_equal(c.off, n >= 2 ? 2 : 0);
		assert_int_equal(cursor_u8(&c, &v8), n == 1 || n == 3 ? 0 : IK_ERR_TRUNCATED);
		assert_int_equal(cursor_skip(&c, 1), IK_ERR_TRUNCATED);
		assert_int_equal(cursor_left(&c), 0);
	}
}

static void sub_cursor_is_fenced(void **state)
{
	(void)state;
	const uint8_t b[] = {1, 2, 3, 4, 5, 6};
	struct cursor c = cursor_make(b, sizeof b), sub;
	assert_int_equal(cursor_skip(&c, 1), 0);
	assert_int_equal(cursor_sub(&c, 6, &sub), IK_ERR_TRUNCATED);
	assert_int_equal(c.off, 1);
	assert_int_equal(cursor_sub(&c, 2, &sub), 0);
	assert_int_equal(c.off, 3);
	assert_ptr_equal(cursor_here(&sub), b + 1);
	uint16_t v;
	uint8_t u;
	assert_int_equal(cursor_be16(&sub, &v), 0);
	assert_int_equal(v, 0x0203);
	/* The parent still has bytes, but the sub-cursor does not reach them. */
	assert_int_equal(cursor_u8(&sub, &u), IK_ERR_TRUNCATED);
	assert_int_equal(cursor_u8(&c, &u), 0);
	assert_int_equal(u, 4);
}

static void writes_check_capacity(void **state)
{
	(void)state;
	uint8_t buf[9];
	memset(buf, 0xee, sizeof buf);
	struct wcursor w = wcursor_make(buf, 8);
	assert_int_equal(wcursor_u8(&w, 0x11), 0);
	assert_int_equal(wcursor_be16(&w, 0x2233), 0);
	assert_int_equal(wcursor_be32(&w, 0x44556677), 0);
	assert_int_equal(w.off, 7);
	assert_int_equal(wcursor_be16(&w, 0xffff), IK_ERR_NOSPACE);
	assert_int_equal(wcursor_be32(&w, 0xffffffff), IK_ERR_NOSPACE);
	assert_int_equal(wcursor_bytes(&w, "ab", 2), IK_ERR_NOSPACE);
	assert_int_equal(wcursor_zero(&w, 2), IK_ERR_NOSPACE);
	assert_int_equal(wcursor_zero(&w, 1), 0);
	assert_int_equal(wcursor_u8(&w, 1), IK_ERR_NOSPACE);
	assert_int_equal(wcursor_bytes(&w, NULL, 0), 0);
	const uint8_t want[9] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x00, 0xee};
	assert_memory_equal(buf, want, sizeof want);
	wcursor_put_be16_at(&w, 1, 0xabcd);
	assert_int_equal(buf[1], 0xab);
	assert_int_equal(buf[2], 0xcd);
	struct wcursor z = wcursor_make(buf, 0);
	assert_int_equal(wcursor_u8(&z, 0), IK_ERR_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_in_order),
		cmocka_unit_test(short_reads_fail_in_place),
		cmocka_unit_test(sub_cursor_is_fenced),
		cmocka_unit_test(writes_check_capacity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
