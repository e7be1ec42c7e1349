/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until implemented (issue 2). */
#include <stdio.h>
#include "cmd.h"
int cmd_lab(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "icmpkit: lab: not implemented yet\n");
	return EXIT_USAGE;
}
