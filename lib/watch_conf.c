/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's config: keys, ranges and documented defaults (the grammar is conf.c's). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "icmpkit/watch.h"

void ik_watch_conf_defaults(struct ik_watch_conf *conf)
{
	*conf = (struct ik_watch_conf){
		.flood_source_rate = 1000,
		.flood_destination_rate = 2000,
		.flood_distributed_sources = 64,
		.oversize_length = 9216,
		.smurf_replies = 10,
		.smurf_responders = 2,
		.tunnel_score = 6,
		.tunnel_min_packets = 8,
		.tunnel_entropy = 6.0,
		.tunnel_size_stddev = 16,
		.tunnel_bytes = 1048576,
		.tunnel_duration = 600,
		.forged_min_mtu = 552,
		.forged_min_mtu6 = 1280,
		.is_forged_tcp_checked = true,
		.forged_tcp_warmup = 0,
		.recon_destinations = 16,
		.recon_window = 10,
		.alert_interval = 10,
		.alert_rate = 20,
		.flow_timeout = 60,
		.memory_cap_mib = 64,
	};
}

int ik_watch_conf_add_broadcast(struct ik_watch_conf *conf, const struct ik_addr *a)
{
	if (a->family != 4 && a->family != 6)
		return IK_ERR_INVALID;
	for (unsigned i = 0; i < conf->broadcast_count; i++) {
		if (ik_addr_equal(&conf->broadcasts[i], a))
			return IK_OK;
	}
	if (conf->broadcast_count >= IK_WATCH_MAX_BROADCASTS)
		return IK_ERR_NOSPACE;
	conf->broadcasts[conf->broadcast_count++] = *a;
	return IK_OK;
}

static int watch_conf_broadcast(void *conf, const char *value, size_t len, char *reason,
				size_t reason_size)
{
	char text[64];
	struct ik_addr a;
	if (len >= sizeof text) {
		snprintf(reason, reason_size, "'%.40s...' is not an address", value);
		return IK_ERR_SYNTAX;
	}
	memcpy(text, value, len);
	text[len] = '\0';
	if (ik_addr_parse(text, &a) != IK_OK) {
		snprintf(reason, reason_size, "'%s' is not an IPv4 or IPv6 address", text);
		return IK_ERR_SYNTAX;
	}
	int rc = ik_watch_conf_add_broadcast(conf, &a);
	if (rc != IK_OK)
		snprintf(reason, reason_size, "more than %d broadcast addresses",
			 IK_WATCH_MAX_BROADCASTS);
	return rc == IK_OK ? IK_OK : IK_ERR_SYNTAX;
}

#define WK_U(field, lo, hi) {#field, CONF_UINT, offsetof(struct ik_watch_conf, field), lo, hi, NULL}

static const struct conf_key watch_keys[] = {
	WK_U(flood_source_rate, 1, 100000000),
	WK_U(flood_destination_rate, 1, 100000000),
	WK_U(flood_distributed_sources, 2, 256),
	WK_U(oversize_length, 68, 65535),
	WK_U(smurf_replies, 1, 100000000),
	WK_U(smurf_responders, 1, 8),
	WK_U(tunnel_score, 1, 100),
	WK_U(tunnel_min_packets, 2, 1000000),
	{"tunnel_entropy", CONF_DOUBLE, offsetof(struct ik_watch_conf, tunnel_entropy), 0.5, 8.0,
	 NULL},
	WK_U(tunnel_size_stddev, 1, 65535),
	WK_U(tunnel_bytes, 1, 4000000000u),
	WK_U(tunnel_duration, 1, 31536000),
	WK_U(forged_min_mtu, 68, 65535),
	WK_U(forged_min_mtu6, 1280, 65535),
	{"forged_tcp", CONF_BOOL, offsetof(struct ik_watch_conf, is_forged_tcp_checked), 0, 1, NULL},
	WK_U(forged_tcp_warmup, 0, 86400),
	WK_U(recon_destinations, 2, 128),
	WK_U(recon_window, 1, 3600),
	WK_U(alert_interval, 0, 86400),
	WK_U(alert_rate, 1, 1000000),
	WK_U(flow_timeout, 1, 86400),
	WK_U(memory_cap_mib, 12, 65536),
	{"broadcast", CONF_CUSTOM, 0, 0, 0, watch_conf_broadcast},
};

int ik_watch_conf_parse(struct ik_watch_conf *conf, const char *text, size_t text_len,
			unsigned *error_line, char *reason, size_t reason_size)
{
	return conf_parse(watch_keys, sizeof watch_keys / sizeof watch_keys[0], conf, text,
			  text_len, error_line, reason, reason_size);
}
