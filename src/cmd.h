/* SPDX-License-Identifier: BSD-3-Clause */
/* The subcommands of the icmpkit binary and the helpers they share. */
#ifndef ICMPKIT_CMD_H
#define ICMPKIT_CMD_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes, documented in every man page. */
enum { EXIT_OK = 0, EXIT_NOREPLY = 1, EXIT_USAGE = 2 };

/* Each subcommand: argv[0] is the command name, as for main(). */
int cmd_decode(int argc, char **argv);
int cmd_guard(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/*
 * Drops root for good: setgroups, setresgid, setresuid, and with them every
 * capability. Call once the sockets/captures are open and before the first
 * packet is read. Root itself becomes "nobody". Prints why and returns -1 on
 * failure.
 */
int privs_drop(const char *prog);

struct ik_addr;

/*
 * The directed IPv4 broadcast addresses of ifname (address | ~netmask),
 * at most max of them. Returns the count, or -1 with errno set.
 */
int if_broadcasts(const char *ifname, struct ik_addr *out, int max);

/*
 * Adds addresses to icmpkit guard's blocked4/blocked6 sets in one nft
 * transaction, with a timeout in seconds (0: the set's own). Prints why
 * and returns -1 when nft is missing, we lack CAP_NET_ADMIN or the table
 * is not loaded.
 */
int guard_block_sources(const struct ik_addr *addrs, size_t count, unsigned timeout_s);

/*
 * The one range-checked number parser for every numeric option: rejects
 * empty text, trailing junk and values outside [min, max], and prints
 * "icmpkit: OPTION: reason" naming the limit. Returns 0 or -1.
 */
int opt_number(const char *prog, const char *option, const char *text,
	       long long min, long long max, long long *out);

/*
 * The same parse without the message, for commands that must word their
 * errors as the tool they replace (ping): returns OPT_NUM_OK,
 * OPT_NUM_INVALID (empty, junk) or OPT_NUM_RANGE (outside [min, max]).
 */
enum { OPT_NUM_OK = 0, OPT_NUM_INVALID = -1, OPT_NUM_RANGE = -2 };
int opt_parse_number(const char *text, long long min, long long max, long long *out);

#endif
