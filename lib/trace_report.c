/* SPDX-License-Identifier: BSD-3-Clause */
/* Report mode: per-hop loss, RTT statistics and rate-limit classification over rounds of traces. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/trace_report.h"

struct report_hop {
	uint32_t sent;
	uint32_t received;
	bool is_final;
	int64_t last_ns, best_ns, worst_ns;
	/* Welford's running mean and sum of squared differences: no cancellation. */
	double mean_ns;
	double m2;
	uint8_t addr_count;
	struct ik_addr addrs[IK_REPORT_MAX_ADDRS];
	uint32_t addr_replies[IK_REPORT_MAX_ADDRS];
	char annotation[IK_TRACE_ANNOT_MAX];
};

struct ik_report {
	uint8_t first_ttl;
	uint8_t max_ttl;
	uint8_t final_ttl; /* 0 while no final answer */
	uint32_t rounds;
	struct report_hop *hops; /* indexed by ttl */
};

int ik_report_create(struct ik_report **out, uint8_t first_ttl, uint8_t max_ttl)
{
	if (first_ttl < 1 || max_ttl < first_ttl)
		return IK_ERR_INVALID;
	struct ik_report *r = calloc(1, sizeof *r);
	if (!r)
		return ik_err_sys(ENOMEM);
	r->hops = calloc((size_t)max_ttl + 1, sizeof *r->hops);
	if (!r->hops) {
		free(r);
		return ik_err_sys(ENOMEM);
	}
	r->first_ttl = first_ttl;
	r->max_ttl = max_ttl;
	*out = r;
	return IK_OK;
}

void ik_report_free(struct ik_report *r)
{
	if (!r)
		return;
	free(r->hops);
	free(r);
}

static void add_addr(struct report_hop *h, const struct ik_addr *a)
{
	for (unsigned i = 0; i < h->addr_count; i++) {
		if (ik_addr_equal(&h->addrs[i], a)) {
			h->addr_replies[i]++;
			return;
		}
	}
	/* More senders than slots at one hop: the counts still hold, the names stop. */
	if (h->addr_count < IK_REPORT_MAX_ADDRS) {
		h->addrs[h->addr_count] = *a;
		h->addr_replies[h->addr_count++] = 1;
	}
}

int ik_report_add(struct ik_report *r, uint8_t ttl, const struct ik_trace_reply *reply)
{
	if (ttl < r->first_ttl || ttl > r->max_ttl)
		return IK_ERR_INVALID;
	struct report_hop *h = &r->hops[ttl];
	h->sent++;
	if (!reply || !reply->is_answered)
		return IK_OK;
	int64_t rtt = reply->rtt_ns < 0 ? 0 : reply->rtt_ns;
	h->received++;
	h->last_ns = rtt;
	if (h->received == 1 || rtt < h->best_ns)
		h->best_ns = rtt;
	if (h->received == 1 || rtt > h->worst_ns)
		h->worst_ns = rtt;
	double delta = (double)rtt - h->mean_ns;
	h->mean_ns += delta / h->received;
	h->m2 += delta * ((double)rtt - h->mean_ns);
	add_addr(h, &reply->from);
	memcpy(h->annotation, reply->annotation, sizeof h->annotation);
	h->annotation[sizeof h->annotation - 1] = '\0';
	if (reply->is_final) {
		h->is_final = true;
		if (!r->final_ttl || ttl < r->final_ttl)
			r->final_ttl = ttl;
	}
	return IK_OK;
}

int ik_report_add_round(struct ik_report *r, const struct ik_trace *t)
{
	uint8_t first = ik_trace_first_ttl(t), last = ik_trace_last_ttl(t);
	for (unsigned ttl = first; ttl <= last; ttl++) {
		const struct ik_trace_hop *hop = ik_trace_hop(t, (uint8_t)ttl);
		if (!hop || !hop->probes_sent)
			continue;
		for (unsigned q = 0; q < hop->nqueries && q < IK_TRACE_MAX_QUERIES; q++) {
			int rc = ik_report_add(r, (uint8_t)ttl, &hop->replies[q]);
			if (rc < 0)
				return rc;
		}
	}
	r->rounds++;
	return IK_OK;
}

uint32_t ik_report_rounds(const struct ik_report *r)
{
	return r->rounds;
}

bool ik_report_has_reached(const struct ik_report *r)
{
	return r->final_ttl != 0;
}

uint8_t ik_report_last_ttl(const struct ik_report *r)
{
	if (r->final_ttl)
		return r->final_ttl;
	unsigned last = 0;
	for (unsigned ttl = r->first_ttl; ttl <= r->max_ttl; ttl++)
		if (r->hops[ttl].received)
			last = ttl;
	if (!last)
		return r->first_ttl;
	/* One silent hop after the last that answered, if it was probed at all. */
	if (last < r->max_ttl && r->hops[last + 1].sent)
		last++;
	return (uint8_t)last;
}

static double loss_of(const struct report_hop *h)
{
	if (!h->sent)
		return 0;
	return 100.0 * (double)(h->sent - h->received) / (double)h->sent;
}

int ik_report_hop(const struct ik_report *r, uint8_t ttl, struct ik_report_hop *out)
{
	if (ttl < r->first_ttl || ttl > r->max_ttl)
		return IK_ERR_INVALID;
	const struct report_hop *h = &r->hops[ttl];
	memset(out, 0, sizeof *out);
	out->ttl = ttl;
	out->sent = h->sent;
	out->received = h->received;
	out->is_final = h->is_final;
	out->loss_pct = loss_of(h);
	if (h->received) {
		out->last_ns = h->last_ns;
		out->best_ns = h->best_ns;
		out->worst_ns = h->worst_ns;
		out->avg_ns = h->mean_ns;
		if (h->received > 1)
			out->stdev_ns = sqrt(h->m2 / (double)(h->received - 1));
	}
	out->addr_count = h->addr_count;
	memcpy(out->addrs, h->addrs, sizeof out->addrs);
	memcpy(out->addr_replies, h->addr_replies, sizeof out->addr_replies);
	memcpy(out->annotation, h->annotation, sizeof out->annotation);
	/*
	 * Every probe that reached a later hop passed this one, so the path
	 * cannot lose more up to here than it loses up to any later hop: the
	 * least loss from here on bounds it. A hop whose own loss is above
	 * that bound dropped its own ICMP answers (rate limit or filter),
	 * which is the misreading of mtr reports this guards against.
	 */
	double path = out->loss_pct;
	uint8_t last = ik_report_last_ttl(r);
	for (unsigned j = (unsigned)ttl + 1; j <= last; j++) {
		if (!r->hops[j].sent)
			continue;
		double l = loss_of(&r->hops[j]);
		if (l < path)
			path = l;
	}
	out->path_loss_pct = path;
	out->is_rate_limited = h->sent && out->loss_pct > path + 1e-9;
	return IK_OK;
}
