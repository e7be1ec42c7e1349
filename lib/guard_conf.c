/* SPDX-License-Identifier: BSD-3-Clause */
/* Parses icmpkit guard's config (untrusted `key = value` lines) into the thresholds of its ruleset. */

/* The grammar is conf.c's; this file holds guard's keys, ranges and defaults. */
#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "icmpkit/guard.h"

#define GK_U(name, field, lo, hi) {name, CONF_UINT, offsetof(struct ik_guard_conf, field), lo, hi, NULL}
#define GK_B(name, field) {name, CONF_BOOL, offsetof(struct ik_guard_conf, field), 0, 1, NULL}

/*
 * The ranges keep every value one nftables accepts: a limit rate of 0 is
 * meaningless, and a length above 65535 is not an IP length (RFC 791).
 */
static const struct conf_key guard_keys[] = {
	GK_U("echo_rate_per_source", echo_rate_per_source, 1, 10000000),
	GK_U("echo_burst_per_source", echo_burst_per_source, 1, 10000000),
	GK_U("echo_rate_total", echo_rate_total, 1, 100000000),
	GK_U("echo_burst_total", echo_burst_total, 1, 100000000),
	GK_U("error_rate", error_rate, 1, 10000000),
	GK_U("error_burst", error_burst, 1, 10000000),
	GK_U("max_length", max_length, 68, 65535),
	GK_U("source_timeout", source_timeout, 1, 86400),
	GK_U("block_timeout", block_timeout, 1, 31536000),
	GK_U("meter_size", meter_size, 16, 1048576),
	GK_B("drop_fragments", is_fragments_dropped),
	GK_B("drop_broadcast_echo", is_broadcast_echo_dropped),
	GK_B("allow_timestamp", is_timestamp_allowed),
	GK_B("allow_address_mask", is_address_mask_allowed),
	GK_B("allow_redirects", is_redirect_allowed),
};

#define GUARD_KEY_COUNT (sizeof guard_keys / sizeof guard_keys[0])

void ik_guard_conf_defaults(struct ik_guard_conf *conf)
{
	*conf = (struct ik_guard_conf){
		.echo_rate_per_source = 50,
		.echo_burst_per_source = 100,
		.echo_rate_total = 1000,
		.echo_burst_total = 2000,
		.error_rate = 100,
		.error_burst = 200,
		.max_length = 1500,
		.source_timeout = 60,
		.block_timeout = 600,
		.meter_size = 65536,
		.is_fragments_dropped = true,
		.is_broadcast_echo_dropped = true,
		.is_timestamp_allowed = false,
		.is_address_mask_allowed = false,
		.is_redirect_allowed = false,
	};
}

int ik_guard_conf_parse(struct ik_guard_conf *conf, const char *text, size_t text_len,
			unsigned *error_line, char *reason, size_t reason_size)
{
	int rc = conf_parse(guard_keys, GUARD_KEY_COUNT, conf, text, text_len, error_line, reason,
			    reason_size);
	if (rc != IK_OK)
		return rc;
	/* A total below one source's rate would make the per-source limit
	 * meaningless: almost surely a typo, so say so instead of loading it. */
	if (conf->echo_rate_total < conf->echo_rate_per_source) {
		if (reason && reason_size > 0)
			snprintf(reason, reason_size,
				 "echo_rate_total (%u) is below echo_rate_per_source (%u)",
				 conf->echo_rate_total, conf->echo_rate_per_source);
		return IK_ERR_SYNTAX;
	}
	return IK_OK;
}
