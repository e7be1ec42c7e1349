/* SPDX-License-Identifier: BSD-3-Clause */
/* The icmpkit command: dispatches on the subcommand or on argv[0]. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "icmpkit/icmpkit.h"

struct command {
	const char *name;
	const char *alias; /* argv[0] name that also runs it (e.g. "ping") */
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"decode", NULL, cmd_decode, "decode ICMP/ICMPv6 from a capture or a live interface"},
	{"guard", NULL, cmd_guard, "rate-limit and filter ICMP (nftables, XDP), audit ICMP sysctls"},
	{"lab", NULL, cmd_lab, "build real test networks in network namespaces"},
	{"ping", "ping", cmd_ping, "send ICMP echo (iputils ping compatible), timestamp and probe"},
	{"trace", "traceroute", cmd_trace, "trace the path to a host (traceroute, Paris, per-hop pacing)"},
	{"watch", NULL, cmd_watch, "watch ICMP for floods, tunnels, smurf, ping of death, forged errors"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: icmpkit COMMAND [OPTIONS] [ARGS]\n"
		     "       icmpkit COMMAND --help\n"
		     "       icmpkit --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nSee icmpkit(1) and icmpkit-COMMAND(1).\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(name, commands[i].name) == 0 ||
		    (commands[i].alias && strcmp(name, commands[i].alias) == 0))
			return &commands[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 && argv[0] ? argv[0] : "icmpkit";
	const char *base = strrchr(self, '/');
	base = base ? base + 1 : self;

	/* Run through a link named after a command ("ping", "traceroute"). */
	const struct command *cmd = find_command(base);
	if (cmd)
		return cmd->run(argc, argv);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("icmpkit %s\n", IK_VERSION);
		return EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "icmpkit: '%s' is not a command; see 'icmpkit --help'\n", argv[1]);
		return EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
