/* SPDX-License-Identifier: BSD-3-Clause */
/* The Multipath Detection Algorithm, hop by hop with node control: stopping rule, flow choice, diamond. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/mda.h"

/* Per flow and TTL: an interface index, or one of these. */
#define FS_UNKNOWN 0xff
#define FS_PENDING 0xfe
#define FS_LOST 0xfd
#define MDA_MAX_FLOWS 4096

struct ik_mda {
	struct ik_mda_cfg cfg;
	uint8_t *fs;          /* max_flows x (max_ttl + 1) */
	uint32_t flow_count;
	uint32_t pending;
	uint32_t probes;
	uint8_t cur_ttl;
	bool is_done;
	bool is_reached;
	struct ik_mda_hop *hops; /* indexed by ttl */
	uint16_t stop_n[IK_MDA_MAX_K + 1];
};

/* The chance that n flows spread uniformly over m successors miss one of them (inclusion-exclusion). */
static double miss_probability(unsigned n, unsigned m)
{
	double p = 0, binom = 1;
	for (unsigned i = 1; i < m; i++) {
		binom = binom * (double)(m - i + 1) / (double)i;
		double term = binom * pow((double)(m - i) / (double)m, (double)n);
		p += (i % 2) ? term : -term;
	}
	return p;
}

unsigned ik_mda_stop_n(unsigned k, unsigned confidence)
{
	if (k < 1 || k > IK_MDA_MAX_K || confidence < 50 || confidence > 99)
		return 0;
	double alpha = 1.0 - (double)confidence / 100.0;
	/* The k + 1 hypothesis: with n probes all on k of k + 1 successors, reject it once unlikely enough. */
	for (unsigned n = k + 1; n < 10000; n++)
		if (miss_probability(n, k + 1) <= alpha)
			return n;
	return 0;
}

void ik_mda_cfg_defaults(struct ik_mda_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->first_ttl = 1;
	cfg->max_ttl = 30;
	cfg->confidence = 95;
	cfg->max_flows = 512;
	cfg->max_batch = 64;
}

int ik_mda_create(struct ik_mda **out, const struct ik_mda_cfg *cfg)
{
	if (cfg->first_ttl < 1 || cfg->max_ttl < cfg->first_ttl || cfg->confidence < 50 ||
	    cfg->confidence > 99 || cfg->max_flows < 1 || cfg->max_flows > MDA_MAX_FLOWS ||
	    cfg->max_batch < 1)
		return IK_ERR_INVALID;
	struct ik_mda *m = calloc(1, sizeof *m);
	if (!m)
		return ik_err_sys(ENOMEM);
	m->cfg = *cfg;
	size_t cells = (size_t)cfg->max_flows * ((size_t)cfg->max_ttl + 1);
	m->fs = malloc(cells);
	m->hops = calloc((size_t)cfg->max_ttl + 1, sizeof *m->hops);
	if (!m->fs || !m->hops) {
		ik_mda_free(m);
		return ik_err_sys(ENOMEM);
	}
	memset(m->fs, FS_UNKNOWN, cells);
	for (unsigned t = 0; t <= cfg->max_ttl; t++)
		m->hops[t].ttl = (uint8_t)t;
	for (unsigned k = 1; k <= IK_MDA_MAX_K; k++)
		m->stop_n[k] = (uint16_t)ik_mda_stop_n(k, cfg->confidence);
	m->cur_ttl = cfg->first_ttl;
	*out = m;
	return IK_OK;
}

void ik_mda_free(struct ik_mda *m)
{
	if (!m)
		return;
	free(m->fs);
	free(m->hops);
	free(m);
}

static uint8_t *cell(struct ik_mda *m, uint32_t flow, unsigned ttl)
{
	return &m->fs[(size_t)flow * ((size_t)m->cfg.max_ttl + 1) + ttl];
}

/* Whether flow crosses parent at ttl - 1; parent < 0 is the virtual root every flow crosses. */
static bool crosses(struct ik_mda *m, uint32_t flow, unsigned ttl, int parent)
{
	return parent < 0 || *cell(m, flow, ttl - 1) == (uint8_t)parent;
}

static void ask(struct ik_mda *m, struct ik_mda_probe *probes, size_t *n, uint32_t flow,
	       unsigned ttl)
{
	probes[*n].flow = (uint16_t)flow;
	probes[*n].ttl = (uint8_t)ttl;
	(*n)++;
	*cell(m, flow, ttl) = FS_PENDING;
	m->pending++;
	m->probes++;
	m->hops[ttl].probes++;
}

/*
 * Asks for what one parent at ttl - 1 still needs: more of its flows at ttl,
 * or new flows at ttl - 1 to find some that cross it. Asks nothing once it
 * is satisfied, or out of flows with nothing left to hear.
 */
static void serve_parent(struct ik_mda *m, unsigned ttl, int parent, struct ik_mda_probe *probes,
			 size_t *n, size_t limit)
{
	unsigned answered = 0, lost = 0;
	bool seen[IK_MDA_MAX_IFACES] = {false};
	unsigned k = 0;
	for (uint32_t f = 0; f < m->flow_count; f++) {
		if (!crosses(m, f, ttl, parent))
			continue;
		uint8_t s = *cell(m, f, ttl);
		if (s == FS_UNKNOWN || s == FS_PENDING)
			continue;
		if (s == FS_LOST) {
			lost++;
			continue;
		}
		answered++;
		if (s < IK_MDA_MAX_IFACES && !seen[s]) {
			seen[s] = true;
			k++;
		}
	}
	unsigned need = m->stop_n[k < 1 ? 1 : (k > IK_MDA_MAX_K ? IK_MDA_MAX_K : k)];
	/*
	 * A lost probe says nothing about the next hops (a router's ICMP rate
	 * limit drops answers, not paths), so only answers count towards n_k;
	 * as many losses as n_k end the search at a hop that does not answer.
	 */
	if (answered >= need || lost >= need)
		return;
	unsigned want = need - answered;
	if (want > need - lost)
		want = need - lost;
	for (uint32_t f = 0; f < m->flow_count && want && *n < limit; f++) {
		if (crosses(m, f, ttl, parent) && *cell(m, f, ttl) == FS_UNKNOWN) {
			ask(m, probes, n, f, ttl);
			want--;
		}
	}
	/* Node control: new flows, sent to the parent's hop first (or straight on from the root). */
	bool is_root = parent < 0;
	while (want && *n < limit && m->flow_count < m->cfg.max_flows) {
		uint32_t f = m->flow_count++;
		ask(m, probes, n, f, is_root ? ttl : ttl - 1);
		want--;
	}
}

int ik_mda_next(struct ik_mda *m, struct ik_mda_probe *probes, size_t cap)
{
	if (m->pending)
		return IK_ERR_INVALID;
	size_t limit = cap < m->cfg.max_batch ? cap : m->cfg.max_batch;
	if (limit == 0)
		return IK_ERR_NOSPACE;
	while (!m->is_done) {
		unsigned ttl = m->cur_ttl;
		size_t n = 0;
		const struct ik_mda_hop *prev = ttl > m->cfg.first_ttl ? &m->hops[ttl - 1] : NULL;
		/*
		 * No interface known before (first hop, or a silent one), or
		 * one only that lost nothing: every flow goes that way, so
		 * new flows go straight to this hop without node control.
		 */
		bool is_single = prev && prev->iface_count == 1 && prev->lost == 0;
		if (!prev || prev->iface_count == 0 || is_single) {
			if (is_single && prev->ifaces[0].is_final)
				n = 0;
			else
				serve_parent(m, ttl, -1, probes, &n, limit);
		} else {
			for (unsigned v = 0; v < prev->iface_count && n < limit; v++)
				if (!prev->ifaces[v].is_final)
					serve_parent(m, ttl, (int)v, probes, &n, limit);
		}
		if (n)
			return (int)n;
		/* Hop done: go on unless every interface here ends the path. */
		const struct ik_mda_hop *h = &m->hops[ttl];
		bool is_all_final = h->iface_count > 0;
		for (unsigned i = 0; i < h->iface_count; i++)
			is_all_final &= h->ifaces[i].is_final;
		if (is_all_final || ttl >= m->cfg.max_ttl) {
			m->is_done = true;
			break;
		}
		m->cur_ttl++;
	}
	return 0;
}

int ik_mda_result(struct ik_mda *m, uint16_t flow, uint8_t ttl, const struct ik_addr *from,
		  bool is_final)
{
	if (flow >= m->flow_count || ttl < m->cfg.first_ttl || ttl > m->cfg.max_ttl)
		return IK_ERR_INVALID;
	uint8_t *c = cell(m, flow, ttl);
	if (*c != FS_PENDING)
		return IK_ERR_INVALID;
	m->pending--;
	struct ik_mda_hop *h = &m->hops[ttl];
	if (!from) {
		*c = FS_LOST;
		h->lost++;
		return IK_OK;
	}
	unsigned idx = 0;
	while (idx < h->iface_count && !ik_addr_equal(&h->ifaces[idx].addr, from))
		idx++;
	if (idx == h->iface_count) {
		/* More interfaces than kept: the flow counts as lost for the diamond. */
		if (h->iface_count >= IK_MDA_MAX_IFACES) {
			*c = FS_LOST;
			return IK_OK;
		}
		memset(&h->ifaces[idx], 0, sizeof h->ifaces[idx]);
		h->ifaces[idx].addr = *from;
		h->iface_count++;
	}
	struct ik_mda_iface *f = &h->ifaces[idx];
	f->flows++;
	if (is_final) {
		f->is_final = true;
		m->is_reached = true;
	}
	*c = (uint8_t)idx;
	/* The edge from the interface this flow crossed one hop before, when known. */
	if (ttl > m->cfg.first_ttl) {
		uint8_t p = *cell(m, flow, ttl - 1u);
		if (p == FS_UNKNOWN && m->hops[ttl - 1].iface_count == 1)
			p = 0; /* the one way there (see ik_mda_next) */
		if (p < IK_MDA_MAX_IFACES && p < m->hops[ttl - 1].iface_count) {
			struct ik_mda_iface *pi = &m->hops[ttl - 1].ifaces[p];
			bool has = false;
			for (unsigned i = 0; i < pi->next_count; i++)
				has |= pi->next[i] == idx;
			if (!has && pi->next_count < IK_MDA_MAX_IFACES)
				pi->next[pi->next_count++] = (uint8_t)idx;
		}
	}
	return IK_OK;
}

uint8_t ik_mda_last_ttl(const struct ik_mda *m)
{
	return m->cur_ttl;
}

bool ik_mda_has_reached(const struct ik_mda *m)
{
	return m->is_reached;
}

const struct ik_mda_hop *ik_mda_hop(const struct ik_mda *m, uint8_t ttl)
{
	if (ttl < m->cfg.first_ttl || ttl > m->cfg.max_ttl)
		return NULL;
	return &m->hops[ttl];
}

uint32_t ik_mda_flows(const struct ik_mda *m)
{
	return m->flow_count;
}

uint32_t ik_mda_probes(const struct ik_mda *m)
{
	return m->probes;
}
