/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until implemented (issue 2). */
#include <stdio.h>
#include "cmd.h"
int cmd_decode(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "icmpkit: decode: not implemented yet\n");
	return EXIT_USAGE;
}
