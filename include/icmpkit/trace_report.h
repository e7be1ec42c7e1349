/* SPDX-License-Identifier: BSD-3-Clause */
/* Report mode: per-hop loss and RTT statistics over rounds of traces, as mtr --report prints them. */
#ifndef ICMPKIT_TRACE_REPORT_H
#define ICMPKIT_TRACE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"
#include "icmpkit/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A report collects rounds: each round is one finished trace (usually one
 * query per hop) whose answers are added per hop. Lifecycle:
 *
 *   ik_report_create()  ->  ik_report_add_round(trace) per round  (or ik_report_add())
 *   ->  ik_report_last_ttl() / ik_report_hop(ttl)  ->  ik_report_free()
 *
 * Loss is counted as mtr counts it: 100 * (sent - received) / sent.
 * A hop's own loss is not the path's loss: a router that limits the ICMP
 * errors it sends (Linux icmp_ratelimit) or filters them drops answers
 * while the probes it forwards still reach later hops. The path's loss up
 * to a hop is at most the least loss of that hop and every later hop; any
 * loss above that is the router's own, and the hop is marked rate-limited.
 */
struct ik_report;

#define IK_REPORT_MAX_ADDRS 8

struct ik_report_hop {
	uint8_t ttl;
	uint32_t sent;
	uint32_t received;
	double loss_pct;        /* 100 * (sent - received) / sent; 0 when nothing was sent */
	double path_loss_pct;   /* least loss_pct of this hop and every later probed hop */
	bool is_rate_limited;   /* loss_pct above path_loss_pct: the router drops its own answers */
	bool is_final;          /* the destination (or a final unreachable) answered here */
	int64_t last_ns;        /* RTT of the latest answer; 0 before any */
	int64_t best_ns;
	int64_t worst_ns;
	double avg_ns;
	double stdev_ns;        /* sample standard deviation (n - 1), 0 below two answers */
	uint8_t addr_count;     /* distinct senders, in order of first answer */
	struct ik_addr addrs[IK_REPORT_MAX_ADDRS];
	uint32_t addr_replies[IK_REPORT_MAX_ADDRS];
	char annotation[IK_TRACE_ANNOT_MAX]; /* of the latest answer ("!N", ...) */
};

/* Allocates a report for TTLs first_ttl..max_ttl. Returns 0, IK_ERR_INVALID or ik_err_sys(ENOMEM). */
IK_WUR int ik_report_create(struct ik_report **out, uint8_t first_ttl, uint8_t max_ttl);
void ik_report_free(struct ik_report *r);
/*
 * Adds one probe at ttl: reply NULL (or not answered) is a probe that got no
 * answer. Returns 0 or IK_ERR_INVALID (ttl out of range).
 */
IK_WUR int ik_report_add(struct ik_report *r, uint8_t ttl, const struct ik_trace_reply *reply);
/*
 * Adds every query of a finished trace, from its first TTL to its last
 * (the destination's hop, or max_ttl); hops the engine sent nothing to are
 * skipped. Counts one round. Returns 0 or IK_ERR_INVALID.
 */
IK_WUR int ik_report_add_round(struct ik_report *r, const struct ik_trace *t);
/* Rounds added through ik_report_add_round(). */
uint32_t ik_report_rounds(const struct ik_report *r);
/*
 * The last TTL to print: the destination's (the lowest TTL that ever got a
 * final answer), else one past the highest TTL that answered (as mtr shows
 * one unanswered hop after the last), else first_ttl.
 */
uint8_t ik_report_last_ttl(const struct ik_report *r);
bool ik_report_has_reached(const struct ik_report *r);
/* Fills out for ttl, with the loss classification over hops up to ik_report_last_ttl(). */
IK_WUR int ik_report_hop(const struct ik_report *r, uint8_t ttl, struct ik_report_hop *out);

#ifdef __cplusplus
}
#endif
#endif
