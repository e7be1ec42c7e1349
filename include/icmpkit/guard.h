/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard: its config file, the nftables ruleset made from it and the ICMP sysctl advice. */
#ifndef ICMPKIT_GUARD_H
#define ICMPKIT_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where `icmpkit guard` reads its config when no -c is given. */
#define IK_GUARD_CONF_PATH "/etc/icmpkit/guard.conf"
/* The nftables table guard owns; it never touches another. */
#define IK_GUARD_TABLE "icmpkit"
#define IK_GUARD_REASON_SIZE 160

/*
 * Every threshold of the ruleset. Rates are packets per second, bursts are
 * packets, lengths are bytes of the whole IP packet, timeouts are seconds.
 * The defaults (ik_guard_conf_defaults) are documented in icmpkit-guard(1).
 */
struct ik_guard_conf {
	unsigned echo_rate_per_source;  /* echo requests/s one source may send */
	unsigned echo_burst_per_source; /* packets over that rate a source may burst */
	unsigned echo_rate_total;       /* echo requests/s from all sources together */
	unsigned echo_burst_total;
	unsigned error_rate;  /* needed errors/s accepted (unreachable, time exceeded, ...) */
	unsigned error_burst;
	unsigned max_length;  /* ICMP packets longer than this are dropped */
	unsigned source_timeout; /* how long a per-source meter entry lives */
	unsigned block_timeout;  /* default lifetime of a blocked source */
	unsigned meter_size;     /* sources the per-source meters track */
	bool is_fragments_dropped;   /* drop every fragmented ICMP packet */
	bool is_broadcast_echo_dropped; /* drop echo requests to broadcast/multicast */
	bool is_timestamp_allowed;    /* accept Timestamp requests (RFC 792) */
	bool is_address_mask_allowed; /* accept Address Mask requests (RFC 950) */
	bool is_redirect_allowed;     /* accept Redirects (RFC 792, RFC 4861 8) */
};

/* Fills conf with the documented defaults. */
void ik_guard_conf_defaults(struct ik_guard_conf *conf);

/*
 * Parses a config (untrusted text of text_len bytes, NUL not required) over
 * conf, which should hold the defaults: every `key = value` line sets one
 * field; '#' starts a comment; blank lines are ignored. On IK_ERR_SYNTAX,
 * *error_line (1-based) and reason (a NUL-terminated text of at most
 * reason_size bytes) say what is wrong, and conf may be partly changed.
 * Returns 0 or IK_ERR_SYNTAX.
 */
IK_WUR int ik_guard_conf_parse(struct ik_guard_conf *conf, const char *text, size_t text_len,
			       unsigned *error_line, char *reason, size_t reason_size);

/*
 * Writes the nftables script for conf into buf (cap bytes, NUL-terminated):
 * a single transaction that creates table inet icmpkit if missing, deletes
 * it and builds it again, so loading it with `nft -f` is atomic and
 * idempotent. Every rule has a comment saying why. Returns the length
 * written (without the NUL), IK_ERR_NOSPACE when cap is too small, or
 * IK_ERR_INVALID for a conf whose values nftables cannot take (zero rates).
 */
IK_WUR int ik_guard_plan(const struct ik_guard_conf *conf, char *buf, size_t cap);

/* The nftables script that removes only table inet icmpkit (NUL-terminated, static). */
const char *ik_guard_remove_script(void);

/* One ICMP-related sysctl: where it lives, what it should be and why. */
struct ik_guard_sysctl {
	const char *key;         /* dotted, e.g. "net.ipv4.icmp_echo_ignore_broadcasts" */
	const char *recommended; /* the value to write, as /proc/sys shows it */
	const char *why;         /* one sentence */
};

/* The audited sysctls (a static table); *count gets its length. */
const struct ik_guard_sysctl *ik_guard_sysctls(size_t *count);

/*
 * Writes /proc/sys/KEY's path for a dotted key into buf (cap bytes).
 * Returns the length, IK_ERR_NOSPACE, or IK_ERR_INVALID for a key that is
 * not [a-z0-9_.] or holds "..".
 */
IK_WUR int ik_guard_sysctl_path(const char *key, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
