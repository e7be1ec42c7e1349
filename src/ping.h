/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit ping's parsed options and target, shared by the echo, timestamp and probe modes. */
#ifndef ICMPKIT_PING_H
#define ICMPKIT_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/sock.h"

/* Longest -p pattern, in bytes (iputils: 16). */
#define PING_PATTERN_MAX 16

/* Every option icmpkit ping parsed; numbers already range-checked. */
struct ping_opts {
	const char *prog;      /* name for messages: "ping" or "icmpkit ping" */
	int family;            /* 4, 6, or 0 when -4/-6 were not given */
	long long count;       /* -c; 0 means until interrupted */
	long long interval_ms; /* -i in milliseconds (floating input, rounded) */
	bool has_interval;     /* -i was given */
	double interval_s;     /* -i as given, in seconds */
	double timeout_s;      /* -W: time to wait for a reply, seconds; 0 = default */
	bool has_timeout;
	double deadline_s;     /* -w: stop after this many seconds; 0 = none */
	long long size;        /* -s payload bytes, default 56 */
	int ttl;               /* -t, 0 = kernel default */
	bool has_ttl;          /* -t was given (iputils allows -t 0) */
	int tos;               /* -Q, -1 = unset */
	uint8_t pattern[PING_PATTERN_MAX]; /* -p bytes */
	size_t pattern_len;    /* 0 = no pattern */
	long long preload;     /* -l, default 1 */
	bool is_flood;         /* -f */
	bool is_adaptive;      /* -A */
	bool is_quiet;         /* -q */
	bool is_numeric;       /* -n */
	bool print_timestamps; /* -D */
	bool report_outstanding; /* -O */
	const char *interface; /* -I NAME (device), NULL if unset or an address */
	struct ik_addr source; /* -I ADDR; family 0 if unset */
	enum ik_pmtu_mode pmtu; /* -M */
	bool is_broadcast;     /* -b */
	bool is_audible;       /* -a */
	bool is_verbose;       /* -v */
	bool is_json;          /* --json: one object per event, a summary at the end */
	bool has_percentiles;  /* --percentiles: extra summary line */
	bool is_root;          /* effective uid 0 when we started */
	/* Mode selectors: p2's modes take over when set. */
	bool is_timestamp;     /* --timestamp */
	const char *probe_arg; /* --probe IFNAME|IFINDEX|ADDR, NULL if unset */
};

/* The resolved destination. */
struct ping_target {
	const char *arg;        /* HOST as the user gave it */
	char name[256];         /* canonical name (or the literal) for the PING line */
	struct ik_addr addr;    /* resolved address */
	char addr_text[IK_ADDR_STRLEN];
};

/*
 * The other modes of icmpkit ping. Each opens its own sockets (raw),
 * drops privileges, runs, prints, and returns the exit code
 * (0 reply, 1 none, 2 error).
 */
int ping_timestamp_run(const struct ping_opts *o, const struct ping_target *t);
int ping_probe_run(const struct ping_opts *o, const struct ping_target *t);

/* The echo mode (src/ping.c). */
int ping_echo_run(const struct ping_opts *o, const struct ping_target *t);

#endif
