/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers the unit tests share: hex fixtures and checksum fix-ups. */
#ifndef ICMPKIT_TESTUTIL_H
#define ICMPKIT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "icmpkit/cksum.h"

/*
 * Loads a hex fixture from $FIXTURES (set by meson): pairs of hex digits,
 * whitespace between them ignored, lines starting with '#' are comments.
 */
static inline size_t load_hex(const char *name, uint8_t *buf, size_t cap)
{
	const char *dir = getenv("FIXTURES");
	char path[512], line[512];
	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		unsigned v;
		int used;
		for (char *p = line; sscanf(p, " %2x%n", &v, &used) == 1; p += used) {
			assert_true(n < cap);
			buf[n++] = (uint8_t)v;
		}
	}
	fclose(f);
	assert_true(n > 0);
	return n;
}

/* Rewrites the 16-bit Internet checksum at bytes 2-3 of buf[0..len). */
static inline void fix_cksum(uint8_t *buf, size_t len)
{
	buf[2] = buf[3] = 0;
	uint16_t c = ik_cksum(buf, len);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
}

#endif
