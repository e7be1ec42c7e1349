/* SPDX-License-Identifier: BSD-3-Clause */
/* The Multipath Detection Algorithm: which flows to probe at which TTL to enumerate load-balanced paths. */
#ifndef ICMPKIT_MDA_H
#define ICMPKIT_MDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * MDA (Augustin, Friedman, Teixeira, "Multipath tracing with Paris
 * traceroute", 2007; Veitch et al., "Failure control in multipath route
 * tracing", 2009), hop by hop with node control: for every interface v at
 * hop h-1, probe hop h with flows known to pass v until n_k of them have
 * been answered or lost, where k is the number of successors of v seen so
 * far and n_k the number of probes that rules out a (k+1)-th successor at
 * the chosen confidence, assuming the load balancer spreads flows
 * uniformly. Flows not yet known to pass v are first sent to hop h-1 to
 * learn which interface they cross there.
 *
 * The engine does no I/O. A flow is a small integer the caller maps to a
 * flow identifier (a UDP source port, an ICMP Echo id kept constant with
 * Paris checksums). Loop:
 *
 *   n = ik_mda_next(m, probes, cap)   the (flow, ttl) pairs to probe now;
 *                                     0 when the search is over
 *   ik_mda_result(m, flow, ttl, ...)  once for each, answered or not
 */
struct ik_mda;

#define IK_MDA_MAX_IFACES 16 /* interfaces kept per hop */
#define IK_MDA_MAX_K 16       /* successors an interface may have */

struct ik_mda_cfg {
	uint8_t first_ttl;   /* 1..255 */
	uint8_t max_ttl;     /* first_ttl..255 */
	uint8_t confidence;  /* 95 or 99 (percent), any 50..99 */
	uint16_t max_flows;  /* give up on an interface once this many flows exist */
	uint16_t max_batch;  /* probes per ik_mda_next() at most */
};

struct ik_mda_probe {
	uint16_t flow;
	uint8_t ttl;
};

/* One interface found at a hop and the interfaces of the next hop it leads to. */
struct ik_mda_iface {
	struct ik_addr addr;
	bool is_final;        /* the destination, or an unreachable that ends the path */
	uint16_t flows;       /* flows seen crossing it */
	uint8_t next_count;
	uint8_t next[IK_MDA_MAX_IFACES]; /* indexes into the next hop's interfaces */
};

struct ik_mda_hop {
	uint8_t ttl;
	uint8_t iface_count;
	struct ik_mda_iface ifaces[IK_MDA_MAX_IFACES];
	uint16_t probes;      /* probes sent to this TTL */
	uint16_t lost;        /* of them unanswered */
};

/*
 * n_k: the probes that must reach a hop through one interface, all landing
 * on the k successors seen, before a (k+1)-th is ruled out with
 * probability confidence/100 (the chance that n flows spread uniformly over
 * k+1 successors miss at least one, by inclusion-exclusion, is at most
 * 1 - confidence/100). k >= 1; 95%: 6, 11, 16, 21, 27, 33, ... Returns 0 for
 * k out of 1..IK_MDA_MAX_K or confidence out of 50..99.
 */
unsigned ik_mda_stop_n(unsigned k, unsigned confidence);

void ik_mda_cfg_defaults(struct ik_mda_cfg *cfg);
/* Returns 0, IK_ERR_INVALID (bad cfg) or ik_err_sys(ENOMEM). */
IK_WUR int ik_mda_create(struct ik_mda **out, const struct ik_mda_cfg *cfg);
void ik_mda_free(struct ik_mda *m);
/*
 * Fills probes with up to cap (and max_batch) pairs to send now; every pair
 * of the previous batch must have its result first. Returns the count, 0 when
 * the search is done (running out of flows at an interface ends its search
 * there, it is not an error), IK_ERR_NOSPACE when cap is 0, IK_ERR_INVALID
 * when results of the previous batch are missing.
 */
IK_WUR int ik_mda_next(struct ik_mda *m, struct ik_mda_probe *probes, size_t cap);
/*
 * The answer to (flow, ttl): from NULL when nobody answered. is_final: the
 * destination answered (or an unreachable ends the path there). Returns 0
 * or IK_ERR_INVALID (not asked).
 */
IK_WUR int ik_mda_result(struct ik_mda *m, uint16_t flow, uint8_t ttl, const struct ik_addr *from,
			 bool is_final);
/* The TTL range found: first_ttl .. the last hop probed. */
uint8_t ik_mda_last_ttl(const struct ik_mda *m);
bool ik_mda_has_reached(const struct ik_mda *m);
/* The hop at ttl (NULL outside the range). Owned by the engine. */
const struct ik_mda_hop *ik_mda_hop(const struct ik_mda *m, uint8_t ttl);
/* Flows used and probes asked for so far. */
uint32_t ik_mda_flows(const struct ik_mda *m);
uint32_t ik_mda_probes(const struct ik_mda *m);

#ifdef __cplusplus
}
#endif
#endif
