/* SPDX-License-Identifier: BSD-3-Clause */
/* The range-checked number parser every numeric option goes through. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

int opt_parse_number(const char *text, long long min, long long max, long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 0);
	if (end == text || *end != '\0')
		return OPT_NUM_INVALID;
	if (errno == ERANGE || v < min || v > max)
		return OPT_NUM_RANGE;
	*out = v;
	return OPT_NUM_OK;
}

int opt_number(const char *prog, const char *option, const char *text,
	       long long min, long long max, long long *out)
{
	int rc = opt_parse_number(text, min, max, out);
	if (rc == OPT_NUM_INVALID) {
		fprintf(stderr, "%s: %s: invalid number '%s'\n", prog, option, text);
		return -1;
	}
	if (rc == OPT_NUM_RANGE) {
		fprintf(stderr, "%s: %s: '%s' out of range: %lld <= value <= %lld\n",
			prog, option, text, min, max);
		return -1;
	}
	return 0;
}
