/* SPDX-License-Identifier: BSD-3-Clause */
/* The traceroute probe engine: probe building, per-hop pacing, retries and quote matching. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "icmpkit/cksum.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"
#include "icmpkit/names.h"
#include "icmpkit/trace.h"

#define NS_PER_MS INT64_C(1000000)
#define TRACE_MAX_PROBES 65534u /* probe ids must fit 16 bits, minus the reserved ones */
#define TCP_HDR_LEN 40          /* 20 bytes plus the 20 of options traceroute -T sends */
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

enum slot_state {
	SLOT_IDLE = 0, /* not sent yet */
	SLOT_WAIT,     /* a probe is in flight */
	SLOT_PARKED,   /* timed out; retry or give up once the path says which */
	SLOT_RETRY,    /* timed out, to be sent again */
	SLOT_DONE,     /* answered */
	SLOT_LOST,     /* given up: prints as '*' */
	SLOT_CUT,      /* past the destination's hop: never sent again, prints as '*' */
};

struct trace_slot {
	enum slot_state state;
	uint32_t probe;   /* the latest probe sent for this query */
	uint8_t attempts; /* sends that counted (MTU re-sends do not) */
};

/* Per-hop state the caller does not see: query slots and the token estimate. */
struct trace_hopstate {
	struct trace_slot slots[IK_TRACE_MAX_QUERIES];
	int64_t tokens_ns;      /* estimated credit of the router's bucket, in refill time */
	int64_t tokens_at_ns;   /* when tokens_ns was last brought up to date */
	int64_t max_rtt_ns;     /* largest RTT answered at this hop */
	int64_t min_rtt_ns;
	uint16_t answered;
	uint8_t silent_retries; /* retries spent while the hop never answered */
};

struct trace_probe {
	uint8_t ttl;
	uint8_t query;
	uint16_t ip_len;
	uint16_t cksum;   /* the transport checksum as sent */
	int64_t sent_ns;
};

struct ik_trace {
	struct ik_trace_cfg cfg;
	bool is_configured;
	bool is_started;
	uint8_t final_ttl;  /* lowest TTL that reached the end, 0 while unknown */
	uint8_t end_ttl;    /* the destination's hop as its quote tells (infer_end()), 0 none */
	bool is_end_failed; /* end_ttl never answered: the end is final_ttl after all */
	uint8_t reach_ttl;  /* highest TTL a router answered: the path goes past it, 0 none */
	bool is_tail_silent; /* past reach_ttl nothing answers, even after refills (guess_hops) */
	uint16_t cur_len;   /* probe size now (MTU discovery lowers it) */
	uint16_t icmp_cksum; /* Paris ICMP: the constant checksum */
	uint32_t tcp_seq_base;
	int64_t last_send_ns;
	uint32_t in_flight;
	struct trace_probe *probes;
	uint32_t probe_count;
	uint32_t probe_cap;
	struct ik_trace_hop *hops;       /* indexed by ttl, 0..max_ttl */
	struct trace_hopstate *state;    /* idem */
	struct ik_trace_stats stats;
	bool is_done;
};

static size_t ip_hdr_len(int family)
{
	return family == 6 ? 40 : 20;
}

static size_t transport_hdr_len(enum ik_trace_method m)
{
	return m == IK_TRACE_TCP ? TCP_HDR_LEN : 8;
}

void ik_trace_cfg_defaults(struct ik_trace_cfg *cfg, enum ik_trace_method method, int family)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->method = method;
	cfg->dst.family = (uint8_t)family;
	cfg->src.family = (uint8_t)family;
	/* traceroute: UDP from port 33434 up, TCP port 80, 32 data bytes. */
	cfg->dport = method == IK_TRACE_TCP ? 80 : (method == IK_TRACE_UDP ? 33434 : 0);
	cfg->sport = 0;
	cfg->is_paris = method != IK_TRACE_TCP;
	cfg->first_ttl = 1;
	cfg->max_ttl = 30;
	cfg->nqueries = 3;
	cfg->packet_len = (uint16_t)(ip_hdr_len(family) + (method == IK_TRACE_TCP ? TCP_HDR_LEN : 8 + 32));
	cfg->window = 16;
	cfg->wait_ms = 5000;
	cfg->here_x10 = 30;
	cfg->near_x10 = 100;
	cfg->min_wait_ms = 50;
	cfg->sendwait_us = 0;
	/* Linux icmp_ratelimit: XRLIM_BURST_FACTOR 6 tokens of 1000 ms each. */
	cfg->hop_burst = 6;
	cfg->hop_refill_ms = 1000;
	cfg->retries = 2;
	cfg->is_stop_on_unreach = true;
}

int ik_trace_create(struct ik_trace **out)
{
	struct ik_trace *t = calloc(1, sizeof *t);
	if (!t)
		return ik_err_sys(ENOMEM);
	*out = t;
	return IK_OK;
}

void ik_trace_free(struct ik_trace *t)
{
	if (!t)
		return;
	free(t->probes);
	free(t->hops);
	free(t->state);
	free(t);
}

int ik_trace_configure(struct ik_trace *t, const struct ik_trace_cfg *cfg)
{
	int fam = cfg->dst.family;
	if ((fam != 4 && fam != 6) || cfg->src.family != fam)
		return IK_ERR_INVALID;
	if (cfg->method != IK_TRACE_UDP && cfg->method != IK_TRACE_ICMP &&
	    cfg->method != IK_TRACE_TCP)
		return IK_ERR_INVALID;
	if (cfg->first_ttl < 1 || cfg->max_ttl < cfg->first_ttl)
		return IK_ERR_INVALID;
	if (cfg->nqueries < 1 || cfg->nqueries > IK_TRACE_MAX_QUERIES || cfg->window < 1)
		return IK_ERR_INVALID;
	/* Paris needs two payload bytes to steer the checksum with. */
	size_t min_len = ip_hdr_len(fam) + transport_hdr_len(cfg->method) +
			 (cfg->method == IK_TRACE_TCP ? 0 : 2);
	if (cfg->packet_len < min_len)
		return IK_ERR_INVALID;
	if (cfg->hop_burst < 1 || cfg->hop_refill_ms < 1)
		return IK_ERR_INVALID;
	free(t->hops);
	free(t->state);
	t->hops = calloc((size_t)cfg->max_ttl + 1, sizeof *t->hops);
	t->state = calloc((size_t)cfg->max_ttl + 1, sizeof *t->state);
	if (!t->hops || !t->state)
		return ik_err_sys(ENOMEM);
	t->cfg = *cfg;
	t->is_configured = true;
	t->is_started = false;
	return IK_OK;
}

/* The one's complement sum of the pseudo-header (RFC 768, RFC 793, RFC 8200 8.1). */
static uint32_t pseudo_sum(const struct ik_trace_cfg *c, uint8_t proto, size_t len)
{
	if (c->dst.family == 6)
		return ik_cksum_pseudo6(&c->src, &c->dst, (uint32_t)len, proto);
	uint8_t ph[12];
	memcpy(ph, c->src.bytes, 4);
	memcpy(ph + 4, c->dst.bytes, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return ik_cksum_add(0, ph, sizeof ph);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * The word that, written at a payload position holding zero, turns checksum
 * `have` into `want`. RFC 1624 eqn. 3 gives HC' = ~(~HC + ~m + m') with
 * m = 0, so m' = ~HC' - ~HC in one's complement arithmetic.
 */
static uint16_t paris_word(uint16_t have, uint16_t want)
{
	uint32_t w = (uint32_t)(uint16_t)~want + have;
	w = (w & 0xffff) + (w >> 16);
	return (uint16_t)w;
}

static uint8_t icmp_echo_type(int family)
{
	return family == 6 ? IK_ICMP6_ECHO_REQUEST : IK_ICMP4_ECHO_REQUEST;
}

/* ICMP echo checksum of the probe in buf (pseudo-header for ICMPv6, RFC 4443 2.3). */
static uint16_t echo_cksum(const struct ik_trace_cfg *c, const uint8_t *buf, size_t len)
{
	uint32_t acc = c->dst.family == 6 ? pseudo_sum(c, IK_PROTO_ICMPV6, len) : 0;
	return ik_cksum_finish(ik_cksum_add(acc, buf, len));
}

/*
 * Writes probe `index` (transport header and payload) into buf; len is the
 * transport length. Returns the checksum it carries.
 */
static uint16_t build_probe(struct ik_trace *t, uint32_t index, uint8_t *buf, size_t len)
{
	const struct ik_trace_cfg *c = &t->cfg;
	memset(buf, 0, len);
	switch (c->method) {
	case IK_TRACE_UDP: {
		uint16_t dport = c->is_paris ? c->dport : (uint16_t)(c->dport + index);
		put16(buf, c->sport);
		put16(buf + 2, dport);
		put16(buf + 4, (uint16_t)len);
		uint16_t ck = ik_cksum_finish(ik_cksum_add(pseudo_sum(c, IK_PROTO_UDP, len), buf, len));
		if (c->is_paris) {
			/*
			 * Paris traceroute: the ports (what ECMP hashes) stay put
			 * and the checksum names the probe. Two payload bytes make
			 * the checksum index + 1, never 0 (RFC 768: no checksum).
			 */
			uint16_t want = (uint16_t)(index + 1);
			put16(buf + 8, paris_word(ck, want));
			ck = want;
		} else if (ck == 0) {
			ck = 0xffff; /* RFC 768: a computed zero is sent as all ones */
		}
		put16(buf + 6, ck);
		return ck;
	}
	case IK_TRACE_ICMP: {
		buf[0] = icmp_echo_type(c->dst.family);
		put16(buf + 4, c->sport);
		put16(buf + 6, (uint16_t)index);
		uint16_t ck = echo_cksum(c, buf, len);
		if (c->is_paris) {
			/*
			 * Paris traceroute: load balancers hash the first four bytes
			 * of ICMP, checksum included; the sequence varies, so two
			 * payload bytes compensate it and the checksum stays the
			 * one of probe 0.
			 */
			put16(buf + 8, paris_word(ck, t->icmp_cksum));
			ck = t->icmp_cksum;
		}
		put16(buf + 2, ck);
		return ck;
	}
	case IK_TRACE_TCP: {
		put16(buf, c->sport);
		put16(buf + 2, c->dport);
		put32(buf + 4, t->tcp_seq_base + index);
		buf[12] = (TCP_HDR_LEN / 4) << 4;
		buf[13] = TCP_SYN;
		put16(buf + 14, 5840);
		/* The options a Linux SYN carries: MSS, SACK permitted, timestamps, NOP, window scale. */
		uint8_t *o = buf + 20;
		o[0] = 2, o[1] = 4, put16(o + 2, 1460);
		o[4] = 4, o[5] = 2;
		o[6] = 8, o[7] = 10, put32(o + 8, index), put32(o + 12, 0);
		o[16] = 1;
		o[17] = 3, o[18] = 3, o[19] = 7;
		uint16_t ck = ik_cksum_finish(ik_cksum_add(pseudo_sum(c, IK_PROTO_TCP, len), buf, len));
		put16(buf + 16, ck);
		return ck;
	}
	}
	return 0;
}

int ik_trace_start(struct ik_trace *t, int64_t now_ns)
{
	if (!t->is_configured)
		return IK_ERR_INVALID;
	const struct ik_trace_cfg *c = &t->cfg;
	memset(t->hops, 0, ((size_t)c->max_ttl + 1) * sizeof *t->hops);
	memset(t->state, 0, ((size_t)c->max_ttl + 1) * sizeof *t->state);
	for (unsigned ttl = 0; ttl <= c->max_ttl; ttl++) {
		t->hops[ttl].ttl = (uint8_t)ttl;
		t->hops[ttl].nqueries = c->nqueries;
		t->state[ttl].tokens_ns = (int64_t)c->hop_burst * c->hop_refill_ms * NS_PER_MS;
		t->state[ttl].tokens_at_ns = now_ns;
	}
	t->final_ttl = 0;
	t->end_ttl = 0;
	t->is_end_failed = false;
	t->reach_ttl = 0;
	t->is_tail_silent = false;
	t->cur_len = c->packet_len;
	t->probe_count = 0;
	t->in_flight = 0;
	t->last_send_ns = INT64_MIN / 2;
	t->is_done = false;
	memset(&t->stats, 0, sizeof t->stats);
	t->stats.start_ns = now_ns;
	/* Sequence numbers far from 0 and tied to the flow (not a secret cookie). */
	t->tcp_seq_base = ((uint32_t)c->sport << 16) ^ 0x5eed0000u;
	if (c->method == IK_TRACE_ICMP) {
		uint8_t tmp[8] = {icmp_echo_type(c->dst.family), 0, 0, 0, 0, 0, 0, 0};
		put16(tmp + 4, c->sport);
		size_t len = c->packet_len - ip_hdr_len(c->dst.family);
		/* The checksum of probe 0 (zero payload): the sum of its header alone. */
		uint32_t acc = c->dst.family == 6 ? pseudo_sum(c, IK_PROTO_ICMPV6, len) : 0;
		t->icmp_cksum = ik_cksum_finish(ik_cksum_add(acc, tmp, sizeof tmp));
	}
	t->is_started = true;
	return IK_OK;
}

/* The last TTL of the trace: the destination's hop once known, else max_ttl. */
static uint8_t last_ttl(const struct ik_trace *t)
{
	uint8_t last = t->final_ttl ? t->final_ttl : t->cfg.max_ttl;
	if (t->end_ttl && !t->is_end_failed && t->end_ttl < last)
		last = t->end_ttl;
	return last;
}

/* True once some answer told where the path ends (every TTL up to there is on it). */
static bool end_is_known(const struct ik_trace *t)
{
	return t->final_ttl || (t->end_ttl && !t->is_end_failed);
}

static bool slot_is_settled(const struct trace_slot *s)
{
	return s->state == SLOT_DONE || s->state == SLOT_LOST || s->state == SLOT_CUT;
}

static bool hop_is_settled(const struct ik_trace *t, unsigned ttl)
{
	for (unsigned q = 0; q < t->cfg.nqueries; q++)
		if (!slot_is_settled(&t->state[ttl].slots[q]))
			return false;
	return true;
}

/* The last TTL of the first guess at the path length (cfg.guess_hops), 0 when off. */
static unsigned guess_end(const struct ik_trace *t)
{
	const struct ik_trace_cfg *c = &t->cfg;
	if (!c->guess_hops)
		return 0;
	unsigned end = (unsigned)c->first_ttl - 1 + c->guess_hops;
	return end < c->max_ttl ? end : c->max_ttl;
}

/*
 * How far ahead of the farthest router that answered the probes go before
 * the path shows more: hop_burst - nqueries TTLs (at least 1) past
 * reach_ttl + 1. A TTL enters this span only after the TTLs before it, so
 * the destination's own queries reach it first and its bucket answers them.
 */
static unsigned lead_end(const struct ik_trace *t)
{
	const struct ik_trace_cfg *c = &t->cfg;
	unsigned lead = c->hop_burst > c->nqueries ? (unsigned)(c->hop_burst - c->nqueries) : 1u;
	return t->reach_ttl + 1u + lead;
}

/*
 * True while an unsent query waits for the path to show that its TTL is not
 * past the destination (cfg.guess_hops). Every probe with a TTL at or past
 * the destination's hop reaches the destination, so a probe sent past it is
 * a probe for nothing, and one the destination's ICMP token bucket answers
 * takes a token its own hop needed. So, until the end is known: every query
 * up to the guess, or up to lead_end() past the farthest router that
 * answered; and one probe (query 0) for every TTL left once the path past
 * that router has gone silent (note_silence()).
 */
static bool slot_is_held(const struct ik_trace *t, unsigned ttl, unsigned q)
{
	const struct ik_trace_cfg *c = &t->cfg;
	if (!c->guess_hops || end_is_known(t))
		return false;
	unsigned full = guess_end(t);
	if (full < lead_end(t))
		full = lead_end(t);
	if (ttl <= full)
		return false;
	return q > 0 || !t->is_tail_silent;
}

/* Brings a hop's token estimate up to now (refill at one token per hop_refill_ms, capped at the burst). */
static void refill(const struct ik_trace *t, struct trace_hopstate *h, int64_t now_ns)
{
	int64_t cap = (int64_t)t->cfg.hop_burst * t->cfg.hop_refill_ms * NS_PER_MS;
	if (now_ns > h->tokens_at_ns) {
		h->tokens_ns += now_ns - h->tokens_at_ns;
		h->tokens_at_ns = now_ns;
	}
	if (h->tokens_ns > cap)
		h->tokens_ns = cap;
}

/*
 * A probe sent at sent_ns went unanswered: assume the hop's bucket was empty
 * then. Linux refills it one token per interval after that moment (a refused
 * probe costs nothing, inet_peer_xrlim_allow()), so the estimate now is at
 * most the time since, and never more than what later sends left of it.
 */
static void bucket_was_empty(const struct ik_trace *t, struct trace_hopstate *h, int64_t sent_ns,
			     int64_t now_ns)
{
	refill(t, h, now_ns);
	int64_t since = now_ns - (sent_ns + 10 * NS_PER_MS);
	if (since < h->tokens_ns)
		h->tokens_ns = since;
}

/* A wait lowered from -w by an RTT factor, raised back to min_wait_ms (never past -w). */
static int64_t wait_floor(const struct ik_trace_cfg *c, int64_t w)
{
	int64_t floor = (int64_t)c->min_wait_ms * NS_PER_MS;
	int64_t cap = (int64_t)c->wait_ms * NS_PER_MS;
	if (w < floor)
		w = floor < cap ? floor : cap;
	return w;
}

/* How long a probe at ttl may stay unanswered (traceroute -w MAX,HERE,NEAR). */
static int64_t probe_timeout(const struct ik_trace *t, unsigned ttl)
{
	const struct ik_trace_cfg *c = &t->cfg;
	int64_t w = (int64_t)c->wait_ms * NS_PER_MS;
	const struct trace_hopstate *h = &t->state[ttl];
	if (c->here_x10 && h->answered) {
		int64_t v = h->max_rtt_ns * c->here_x10 / 10;
		if (v < w)
			w = v;
	}
	if (c->near_x10) {
		for (unsigned n = ttl + 1; n <= last_ttl(t); n++) {
			if (t->state[n].answered) {
				int64_t v = t->state[n].min_rtt_ns * c->near_x10 / 10;
				if (v < w)
					w = v;
				break;
			}
		}
	}
	return wait_floor(c, w);
}

/* True when a hop past ttl answered: the path goes on, so a silence at ttl is worth a retry. */
static bool farther_answered(const struct ik_trace *t, unsigned ttl)
{
	for (unsigned n = ttl + 1; n <= last_ttl(t); n++)
		if (t->state[n].answered)
			return true;
	return false;
}

/*
 * True while some query past ttl has not settled and may still be sent: one
 * not held, or query 0 of any TTL (a held query 0 is sent once the tail goes
 * silent, note_silence()).
 */
static bool farther_pending(const struct ik_trace *t, unsigned ttl)
{
	for (unsigned n = ttl + 1; n <= last_ttl(t); n++)
		for (unsigned q = 0; q < t->cfg.nqueries; q++)
			if (!slot_is_settled(&t->state[n].slots[q]) &&
			    (q == 0 || !slot_is_held(t, n, q)))
				return true;
	return false;
}

/*
 * True when the hop is known to answer: it did, or it is the destination's
 * hop and the destination answered a probe sent farther (infer_end()). Its
 * silence is then an empty token bucket, and waiting for a refill pays.
 */
static bool hop_has_life(const struct ik_trace *t, unsigned ttl)
{
	return t->state[ttl].answered || (ttl == t->end_ttl && !t->is_end_failed);
}

/* True while a query of the hop other than `self` is being asked again (a retry due or out). */
static bool hop_has_retry_out(const struct ik_trace *t, unsigned ttl, const struct trace_slot *self)
{
	for (unsigned q = 0; q < t->cfg.nqueries; q++) {
		const struct trace_slot *s = &t->state[ttl].slots[q];
		if (s == self)
			continue;
		if (s->state == SLOT_RETRY || (s->state == SLOT_WAIT && s->attempts > 1))
			return true;
	}
	return false;
}

static bool hop_is_probing(const struct ik_trace *t, unsigned ttl)
{
	for (unsigned q = 0; q < t->cfg.nqueries; q++) {
		enum slot_state st = t->state[ttl].slots[q].state;
		if (st == SLOT_WAIT || st == SLOT_RETRY)
			return true;
	}
	return false;
}

static void update_done(struct ik_trace *t, int64_t now_ns)
{
	if (t->is_done)
		return;
	for (unsigned ttl = t->cfg.first_ttl; ttl <= last_ttl(t); ttl++)
		if (!hop_is_settled(t, ttl))
			return;
	t->is_done = true;
	t->stats.end_ns = now_ns;
	for (unsigned ttl = 0; ttl <= t->cfg.max_ttl; ttl++)
		t->hops[ttl].is_final = ttl >= t->cfg.first_ttl && hop_is_settled(t, ttl);
}

/*
 * What becomes of a query whose probe went unanswered: "retry only what went
 * unanswered", and only where the path shows life (the hop answered other
 * queries, or a hop past it answered). A hop that never answered gets
 * `retries` retries in all, one at a time, not one per query, so a
 * firewalled hop costs one refill interval and not nqueries of them.
 * Returns the new state.
 */
static enum slot_state decide(struct ik_trace *t, unsigned ttl, struct trace_slot *s)
{
	const struct ik_trace_cfg *c = &t->cfg;
	struct trace_hopstate *h = &t->state[ttl];
	if (s->attempts >= 1u + c->retries)
		return SLOT_LOST;
	if (hop_has_life(t, ttl))
		return SLOT_RETRY;
	if (farther_answered(t, ttl)) {
		if (hop_is_probing(t, ttl))
			return SLOT_PARKED; /* a retry is out already: wait for its fate */
		if (h->silent_retries >= c->retries)
			return SLOT_LOST;
		h->silent_retries++;
		return SLOT_RETRY;
	}
	/* Nothing answered past here yet; the hops beyond will tell. */
	return farther_pending(t, ttl) ? SLOT_PARKED : SLOT_LOST;
}

/*
 * How long a probe past the farthest router that answered may go unanswered
 * before that silence counts (note_silence()): near_x10/10 times that
 * router's RTT (traceroute -w NEAR), at least min_wait_ms, at most wait_ms.
 */
static int64_t silence_wait(const struct ik_trace *t)
{
	const struct ik_trace_cfg *c = &t->cfg;
	int64_t w = (int64_t)c->wait_ms * NS_PER_MS;
	const struct trace_hopstate *r = &t->state[t->reach_ttl];
	if (c->near_x10 && t->reach_ttl && r->answered) {
		int64_t v = r->max_rtt_ns * c->near_x10 / 10;
		if (v < w)
			w = v;
	}
	return wait_floor(c, w);
}

/* True while the path past the farthest router may yet be found silent (cfg.guess_hops). */
static bool is_tail_open(const struct ik_trace *t)
{
	return t->cfg.guess_hops && !t->is_tail_silent && !end_is_known(t);
}

/*
 * cfg.guess_hops: the path past the farthest router that answered has gone
 * silent when a query there timed out or was given up, or had all its sends
 * (asked again after refill intervals, reask_after()) go unanswered for
 * silence_wait(). A Linux node's bucket holds a token again one interval
 * after it refused one (inet_peer_xrlim_allow()), two for a route it lacks,
 * so a destination or router that merely had an empty bucket answers one of
 * those: what stays silent is a destination that does not answer, or a
 * firewall. Then every TTL left gets one probe at once, as stepping
 * through them a few per timeout would take the longest. Also silent when
 * nothing is left to ask.
 */
static void note_silence(struct ik_trace *t, int64_t now_ns)
{
	const struct ik_trace_cfg *c = &t->cfg;
	if (!is_tail_open(t))
		return;
	int64_t quiet = silence_wait(t);
	bool is_open = false;
	for (unsigned ttl = c->first_ttl; ttl <= last_ttl(t); ttl++) {
		for (unsigned q = 0; q < c->nqueries; q++) {
			const struct trace_slot *s = &t->state[ttl].slots[q];
			if (slot_is_held(t, ttl, q))
				continue;
			if (!slot_is_settled(s))
				is_open = true;
			if (ttl <= t->reach_ttl || !s->attempts || s->state == SLOT_DONE)
				continue;
			bool is_spent = s->attempts >= 1u + c->retries &&
					(s->state != SLOT_WAIT ||
					 now_ns - t->probes[s->probe].sent_ns >= quiet);
			if (s->state == SLOT_LOST || s->state == SLOT_PARKED || is_spent) {
				t->is_tail_silent = true;
				return;
			}
		}
	}
	if (!is_open)
		t->is_tail_silent = true;
}

/* Once nothing is in flight, due or free to be sent, held queries are given up ('*'). */
static void drop_held(struct ik_trace *t)
{
	const struct ik_trace_cfg *c = &t->cfg;
	if (!c->guess_hops)
		return;
	for (unsigned ttl = c->first_ttl; ttl <= last_ttl(t); ttl++)
		for (unsigned q = 0; q < c->nqueries; q++)
			if (!slot_is_settled(&t->state[ttl].slots[q]) && !slot_is_held(t, ttl, q))
				return;
	for (unsigned ttl = c->first_ttl; ttl <= last_ttl(t); ttl++)
		for (unsigned q = 0; q < c->nqueries; q++)
			if (t->state[ttl].slots[q].state == SLOT_IDLE)
				t->state[ttl].slots[q].state = SLOT_LOST;
}

/*
 * True when a query whose probe has waited a refill interval unanswered may
 * be asked again before its timeout (see expire()): a hop known to answer,
 * any query with sends left; a hop never heard from, one query at a time and
 * `retries` in all; past the farthest router (cfg.guess_hops), only within
 * the span of lead_end() and not once the path there has been found silent
 * (note_silence()).
 */
static bool may_reask(const struct ik_trace *t, unsigned ttl, const struct trace_slot *s)
{
	const struct ik_trace_cfg *c = &t->cfg;
	if (s->attempts >= 1u + c->retries)
		return false;
	if (hop_has_life(t, ttl))
		return true;
	if (c->guess_hops && ttl > t->reach_ttl) {
		/* Past a tail found silent after refills, asking again tells nothing new. */
		if (t->is_tail_silent)
			return false;
		/*
		 * Every TTL from the destination's on reaches the destination:
		 * asking again the span of lead_end() past the farthest router
		 * finds a drained destination as surely as asking every TTL.
		 */
		if (ttl > lead_end(t) && !end_is_known(t))
			return false;
	}
	return t->state[ttl].silent_retries < c->retries && !hop_has_retry_out(t, ttl, s);
}

/*
 * How long a probe of this query waits unanswered before it is asked again
 * (may_reask()): one refill interval for its first probe, and one more for
 * each send after it. A Linux router's unreachable for a route it lacks
 * passes two token checks on one bucket (ip_error(), then
 * icmpv4_xrlim_allow()), so it costs two intervals, and a probe that
 * arrives with one token burns it unanswered: asking every interval would
 * never get an answer there, while waiting one interval longer does.
 */
static int64_t reask_after(const struct ik_trace *t, const struct trace_slot *s)
{
	unsigned n = s->attempts ? s->attempts : 1u;
	return (int64_t)n * t->cfg.hop_refill_ms * NS_PER_MS + 10 * NS_PER_MS;
}

/* Settles probes whose wait is over, then decides every parked query (farthest first). */
static void expire(struct ik_trace *t, int64_t now_ns)
{
	const struct ik_trace_cfg *c = &t->cfg;
	for (unsigned ttl = c->first_ttl; ttl <= c->max_ttl; ttl++) {
		struct trace_hopstate *h = &t->state[ttl];
		for (unsigned q = 0; q < c->nqueries; q++) {
			struct trace_slot *s = &h->slots[q];
			if (ttl > last_ttl(t)) {
				/* Past the destination: nothing more to send or learn here. */
				if (s->state == SLOT_WAIT)
					t->in_flight--;
				if (!slot_is_settled(s))
					s->state = SLOT_CUT;
				continue;
			}
			if (s->state != SLOT_WAIT)
				continue;
			const struct trace_probe *p = &t->probes[s->probe];
			int64_t age = now_ns - p->sent_ns;
			if (age < probe_timeout(t, ttl)) {
				/*
				 * A long wait with nothing heard is what a drained
				 * bucket looks like: once it has a token again, ask
				 * again instead of waiting out -w (the first probe
				 * stays matchable). A hop that never answered is asked
				 * again one query at a time, `retries` times in all,
				 * so a firewalled hop costs that many more probes.
				 */
				if (age < reask_after(t, s) || !may_reask(t, ttl, s))
					continue;
				if (!hop_has_life(t, ttl))
					h->silent_retries++;
				t->in_flight--;
				s->state = SLOT_RETRY;
				t->stats.retries++;
				bucket_was_empty(t, h, p->sent_ns, now_ns);
				continue;
			}
			t->in_flight--;
			/*
			 * An unanswered probe most often met an empty token bucket
			 * (Linux icmp_ratelimit, inet_peer_xrlim_allow()): a refused
			 * probe costs the router nothing, and its bucket holds a
			 * token again one interval after it, so the next send there
			 * waits for that.
			 */
			bucket_was_empty(t, h, p->sent_ns, now_ns);
			s->state = SLOT_PARKED;
		}
	}
	for (unsigned ttl = last_ttl(t); ttl >= c->first_ttl; ttl--) {
		for (unsigned q = 0; q < c->nqueries; q++) {
			struct trace_slot *s = &t->state[ttl].slots[q];
			if (s->state == SLOT_PARKED) {
				s->state = decide(t, ttl, s);
				if (s->state == SLOT_RETRY)
					t->stats.retries++;
			}
		}
		t->hops[ttl].is_final = hop_is_settled(t, ttl);
		if (ttl == 0)
			break;
	}
	/* The hop the quote named never answered: the end is where the answer came from. */
	if (t->end_ttl && !t->is_end_failed && hop_is_settled(t, t->end_ttl) &&
	    !t->state[t->end_ttl].answered)
		t->is_end_failed = true;
	note_silence(t, now_ns);
	drop_held(t);
	update_done(t, now_ns);
}

static int add_probe(struct ik_trace *t, uint8_t ttl, uint8_t query, uint32_t *index)
{
	if (t->probe_count >= TRACE_MAX_PROBES)
		return IK_ERR_NOSPACE;
	if (t->probe_count == t->probe_cap) {
		uint32_t cap = t->probe_cap ? t->probe_cap * 2 : 128;
		struct trace_probe *p = realloc(t->probes, cap * sizeof *p);
		if (!p)
			return ik_err_sys(ENOMEM);
		t->probes = p;
		t->probe_cap = cap;
	}
	*index = t->probe_count++;
	struct trace_probe *p = &t->probes[*index];
	memset(p, 0, sizeof *p);
	p->ttl = ttl;
	p->query = query;
	return IK_OK;
}

int ik_trace_next(struct ik_trace *t, int64_t now_ns, struct ik_trace_probe *probe, uint8_t *buf,
		  size_t cap)
{
	if (!t->is_started)
		return IK_ERR_INVALID;
	const struct ik_trace_cfg *c = &t->cfg;
	expire(t, now_ns);
	if (t->is_done || t->in_flight >= c->window)
		return 0;
	if (now_ns - t->last_send_ns < (int64_t)c->sendwait_us * 1000)
		return 0;
	int64_t token = (int64_t)c->hop_refill_ms * NS_PER_MS;
	for (unsigned ttl = c->first_ttl; ttl <= last_ttl(t); ttl++) {
		struct trace_hopstate *h = &t->state[ttl];
		for (unsigned q = 0; q < c->nqueries; q++) {
			struct trace_slot *s = &h->slots[q];
			if (s->state != SLOT_IDLE && s->state != SLOT_RETRY)
				continue;
			if (slot_is_held(t, ttl, q))
				continue;
			refill(t, h, now_ns);
			if (h->tokens_ns < token)
				break; /* this hop waits for its bucket; later hops need not */
			size_t len = t->cur_len - ip_hdr_len(c->dst.family);
			if (c->method == IK_TRACE_TCP)
				len = TCP_HDR_LEN;
			if (len > cap)
				return IK_ERR_NOSPACE;
			uint32_t index;
			int rc = add_probe(t, (uint8_t)ttl, (uint8_t)q, &index);
			if (rc < 0)
				return rc;
			struct trace_probe *p = &t->probes[index];
			p->cksum = build_probe(t, index, buf, len);
			p->ip_len = (uint16_t)(len + ip_hdr_len(c->dst.family));
			p->sent_ns = now_ns;
			s->state = SLOT_WAIT;
			s->probe = index;
			s->attempts++;
			h->tokens_ns -= token;
			t->hops[ttl].probes_sent++;
			t->in_flight++;
			t->last_send_ns = now_ns;
			t->stats.probes_sent++;
			probe->index = index;
			probe->ttl = (uint8_t)ttl;
			probe->ip_len = p->ip_len;
			return (int)len;
		}
	}
	return 0;
}

void ik_trace_sent(struct ik_trace *t, uint32_t index, int64_t sent_ns)
{
	if (index < t->probe_count)
		t->probes[index].sent_ns = sent_ns;
}

/* The slot a probe belongs to, if that probe is still its slot's latest. */
static struct trace_slot *slot_of(struct ik_trace *t, uint32_t index)
{
	if (index >= t->probe_count)
		return NULL;
	const struct trace_probe *p = &t->probes[index];
	if (p->ttl > t->cfg.max_ttl || p->query >= t->cfg.nqueries)
		return NULL;
	struct trace_slot *s = &t->state[p->ttl].slots[p->query];
	return s->probe == index ? s : NULL;
}

void ik_trace_send_failed(struct ik_trace *t, uint32_t index, int err, uint32_t mtu)
{
	struct trace_slot *s = slot_of(t, index);
	if (!s || s->state != SLOT_WAIT)
		return;
	t->in_flight--;
	size_t min = ip_hdr_len(t->cfg.dst.family) + transport_hdr_len(t->cfg.method) + 2;
	if (t->cfg.is_mtu_discovery && ik_err_errno(err) == EMSGSIZE && mtu >= min &&
	    mtu < t->probes[index].ip_len) {
		if (mtu < t->cur_len)
			t->cur_len = (uint16_t)mtu;
		s->state = SLOT_IDLE;
		s->attempts--;
		return;
	}
	s->state = SLOT_LOST;
}

int64_t ik_trace_deadline(struct ik_trace *t, int64_t now_ns)
{
	expire(t, now_ns);
	if (t->is_done)
		return INT64_MAX;
	const struct ik_trace_cfg *c = &t->cfg;
	int64_t when = INT64_MAX;
	int64_t token = (int64_t)c->hop_refill_ms * NS_PER_MS;
	bool can_send = t->in_flight < c->window;
	/* note_silence(): when a probe past the farthest router makes the tail silent. */
	int64_t quiet = is_tail_open(t) ? silence_wait(t) : 0;
	for (unsigned ttl = c->first_ttl; ttl <= c->max_ttl; ttl++) {
		struct trace_hopstate *h = &t->state[ttl];
		for (unsigned q = 0; q < c->nqueries; q++) {
			const struct trace_slot *s = &h->slots[q];
			int64_t at = INT64_MAX;
			if (s->state == SLOT_WAIT) {
				int64_t sent = t->probes[s->probe].sent_ns;
				at = ttl > last_ttl(t) ? now_ns : sent + probe_timeout(t, ttl);
				/* expire(): asked again once the hop's bucket has a token. */
				int64_t reask = sent + reask_after(t, s);
				if (reask < at && may_reask(t, ttl, s))
					at = reask;
				if (quiet && ttl > t->reach_ttl && ttl <= last_ttl(t) &&
				    s->attempts >= 1u + c->retries && sent + quiet < at)
					at = sent + quiet;
			} else if ((s->state == SLOT_IDLE || s->state == SLOT_RETRY) &&
				   ttl <= last_ttl(t) && can_send && !slot_is_held(t, ttl, q)) {
				refill(t, h, now_ns);
				at = h->tokens_ns >= token ? now_ns : now_ns + (token - h->tokens_ns);
				int64_t gap = t->last_send_ns + (int64_t)c->sendwait_us * 1000;
				if (at < gap)
					at = gap;
			}
			if (at < when)
				when = at;
		}
	}
	return when;
}

bool ik_trace_is_done(const struct ik_trace *t)
{
	return t->is_done;
}

/*
 * A router answered at a TTL at or past end_ttl: the quote that named
 * end_ttl did not tell the distance (a hop on the way rewrote the TTL).
 * Forget it; the queries cut past it are asked (or decided) again.
 */
static void drop_end(struct ik_trace *t)
{
	unsigned old = t->end_ttl;
	t->end_ttl = 0;
	t->is_end_failed = false;
	for (unsigned ttl = old + 1; ttl <= last_ttl(t); ttl++) {
		for (unsigned q = 0; q < t->cfg.nqueries; q++) {
			struct trace_slot *s = &t->state[ttl].slots[q];
			if (s->state == SLOT_CUT)
				s->state = s->attempts ? SLOT_PARKED : SLOT_IDLE;
		}
		t->hops[ttl].is_final = hop_is_settled(t, ttl);
	}
}

static bool is_time_exceeded(const struct ik_icmp *m)
{
	return m && m->type == (m->version == 6 ? IK_ICMP6_TIME_EXCEEDED : IK_ICMP4_TIME_EXCEEDED);
}

/* True when a router's Time Exceeded for p shows the path goes past end_ttl (drop_end()). */
static bool disproves_end(const struct ik_trace *t, const struct trace_probe *p,
			  const struct ik_icmp *m, bool is_final)
{
	return is_time_exceeded(m) && !is_final && t->end_ttl && !t->is_end_failed &&
	       p->ttl >= t->end_ttl;
}

/*
 * A final answer to probe p, quoting our datagram with the TTL it arrived
 * with (quoted_ttl): every router on the way took one off, so the sender is
 * p->ttl - quoted_ttl + 1 hops away. A probe sent past the destination's hop
 * names that hop, so the trace ends there at once: nothing more is sent past
 * it, and the hop itself, which may have seen its own probes refused by an
 * empty ICMP token bucket while a farther probe took the token, is asked
 * again as a hop that answers. The distance is believed only where no router
 * answered (past reach_ttl); one that does later disproves it (drop_end()).
 */
static void infer_end(struct ik_trace *t, const struct trace_probe *p, uint8_t quoted_ttl,
		      int64_t rx_ns)
{
	const struct ik_trace_cfg *c = &t->cfg;
	if (t->is_end_failed || quoted_ttl < 1 || quoted_ttl > p->ttl)
		return;
	unsigned d = (unsigned)p->ttl - quoted_ttl + 1;
	if (d < c->first_ttl)
		d = c->first_ttl;
	if (d <= t->reach_ttl || d >= last_ttl(t))
		return;
	t->end_ttl = (uint8_t)d;
	struct trace_hopstate *h = &t->state[d];
	if (!h->answered) {
		/* The destination spent a token on p: its bucket is the hop's. */
		bucket_was_empty(t, h, p->sent_ns, rx_ns);
		for (unsigned q = 0; q < c->nqueries; q++) {
			struct trace_slot *s = &h->slots[q];
			if (s->state == SLOT_LOST && s->attempts < 1u + c->retries) {
				s->state = SLOT_RETRY;
				t->stats.retries++;
			}
		}
		t->hops[d].is_final = hop_is_settled(t, d);
	}
}

/* Records an answer to probe index; returns 1 if it settled a query, 0 if it came too late. */
static int record(struct ik_trace *t, uint32_t index, const struct ik_icmp *m, uint8_t tcp_flags,
		  const struct ik_addr *from, int reply_ttl, int64_t rx_ns, bool is_final)
{
	const struct ik_trace_cfg *c = &t->cfg;
	struct trace_probe *p = &t->probes[index];
	struct trace_slot *s = slot_of(t, index);
	/* A router past the hop a quote named: the quote was wrong, the probe still counts. */
	if (s && s->state == SLOT_CUT && disproves_end(t, p, m, is_final))
		drop_end(t);
	/* An answer to an earlier send of a query still waiting for a retry counts too. */
	if (!s) {
		struct trace_slot *cur = &t->state[p->ttl].slots[p->query];
		if (cur->state == SLOT_RETRY || cur->state == SLOT_WAIT || cur->state == SLOT_PARKED)
			s = cur;
	}
	if (!s || slot_is_settled(s) || s->state == SLOT_IDLE) {
		t->stats.late++;
		return 0;
	}
	if (m && c->is_mtu_discovery && !is_final &&
	    ((m->version == 4 && m->type == IK_ICMP4_DEST_UNREACH &&
	      m->code == IK_UNREACH_FRAG_NEEDED) ||
	     (m->version == 6 && m->type == IK_ICMP6_PACKET_TOO_BIG))) {
		/*
		 * tracepath: the probe was too big for a link before its hop;
		 * send this query again at the size the router named (RFC 1191
		 * 4, RFC 8201 4). An old router may name no MTU (RFC 1191 5):
		 * step down by one plateau-ish guess.
		 */
		uint32_t mtu = m->mtu;
		size_t min = ip_hdr_len(c->dst.family) + transport_hdr_len(c->method) + 2;
		if (mtu == 0 || mtu >= p->ip_len)
			mtu = p->ip_len > 1280 + 8 ? (uint32_t)p->ip_len - 8 : 0;
		if (mtu >= min && mtu < p->ip_len) {
			if (mtu < t->cur_len)
				t->cur_len = (uint16_t)mtu;
			if (s->state == SLOT_WAIT)
				t->in_flight--;
			s->state = SLOT_IDLE;
			s->attempts--;
			t->stats.replies++;
			return 1;
		}
	}
	if (s->state == SLOT_WAIT)
		t->in_flight--;
	s->state = SLOT_DONE;
	struct trace_hopstate *h = &t->state[p->ttl];
	struct ik_trace_hop *hop = &t->hops[p->ttl];
	struct ik_trace_reply *r = &hop->replies[p->query];
	memset(r, 0, sizeof *r);
	r->is_answered = true;
	r->is_final = is_final;
	r->from = *from;
	r->rtt_ns = rx_ns - p->sent_ns;
	if (r->rtt_ns < 0)
		r->rtt_ns = 0;
	r->reply_ttl = reply_ttl;
	r->tcp_flags = tcp_flags;
	r->probe_len = p->ip_len;
	r->attempts = s->attempts;
	if (m) {
		r->icmp_type = m->type;
		r->icmp_code = m->code;
		r->mtu = m->mtu;
		if (ik_icmp_is_error(m->version, m->type) && m->quote.is_present) {
			r->has_quoted_ttl = true;
			r->quoted_ttl = m->quote.ip.ttl;
		}
		if (m->ext.is_present)
			r->ext = m->ext;
		if (ik_trace_annotation(m, r->annotation, sizeof r->annotation) < 0)
			r->annotation[0] = '\0';
	}
	if (c->is_mtu_discovery && !hop->pmtu)
		hop->pmtu = p->ip_len;
	if (!h->answered || r->rtt_ns > h->max_rtt_ns)
		h->max_rtt_ns = r->rtt_ns;
	if (!h->answered || r->rtt_ns < h->min_rtt_ns)
		h->min_rtt_ns = r->rtt_ns;
	h->answered++;
	t->stats.replies++;
	if (is_time_exceeded(m) && !is_final && p->ttl > t->reach_ttl)
		t->reach_ttl = p->ttl;
	if (disproves_end(t, p, m, is_final))
		drop_end(t);
	if (is_final && (!t->final_ttl || p->ttl < t->final_ttl))
		t->final_ttl = p->ttl;
	if (is_final && r->has_quoted_ttl)
		infer_end(t, p, r->quoted_ttl, rx_ns);
	hop->is_final = hop_is_settled(t, p->ttl);
	update_done(t, rx_ns);
	return 1;
}

/* Which of our probes an ICMP error quotes, or -1 when it quotes another flow. */
static long quoted_probe(const struct ik_trace *t, const struct ik_icmp *m)
{
	const struct ik_trace_cfg *c = &t->cfg;
	const struct ik_quote *q = &m->quote;
	if (!q->is_present || !ik_addr_equal(&q->ip.dst, &c->dst) ||
	    !ik_addr_equal(&q->ip.src, &c->src))
		return -1;
	long index = -1;
	switch (c->method) {
	case IK_TRACE_UDP:
		if (q->ip.protocol != IK_PROTO_UDP || !q->has_ports || q->sport != c->sport)
			return -1;
		if (c->is_paris) {
			if (q->dport != c->dport || q->udp_checksum == 0)
				return -1;
			index = (long)q->udp_checksum - 1;
		} else {
			index = (uint16_t)(q->dport - c->dport);
		}
		break;
	case IK_TRACE_ICMP:
		if (q->ip.protocol != (c->dst.family == 6 ? IK_PROTO_ICMPV6 : IK_PROTO_ICMP) ||
		    !q->has_icmp || q->icmp_type != icmp_echo_type(c->dst.family) ||
		    q->icmp_id != c->sport)
			return -1;
		index = q->icmp_seq;
		break;
	case IK_TRACE_TCP:
		if (q->ip.protocol != IK_PROTO_TCP || !q->has_ports || q->sport != c->sport ||
		    q->dport != c->dport)
			return -1;
		index = (long)(uint32_t)(q->tcp_seq - t->tcp_seq_base);
		break;
	}
	if (index < 0 || (unsigned long)index >= t->probe_count)
		return -1;
	const struct trace_probe *p = &t->probes[index];
	/* The checksum we sent must come back: it names the probe in Paris mode. */
	if (c->method == IK_TRACE_UDP && q->udp_checksum != p->cksum)
		return -1;
	if (c->method == IK_TRACE_ICMP && q->icmp_checksum != p->cksum)
		return -1;
	/* The quoted datagram, at least as long as its header says, was as long as ours. */
	if (q->ip.total_len != p->ip_len)
		return -1;
	return index;
}

static bool is_destination_answer(const struct ik_trace *t, const struct ik_icmp *m)
{
	bool v6 = m->version == 6;
	uint8_t unreach = v6 ? IK_ICMP6_DEST_UNREACH : IK_ICMP4_DEST_UNREACH;
	uint8_t port = v6 ? 4 : IK_UNREACH_PORT;
	if (m->type != unreach)
		return false;
	/* UDP: the port is closed at the destination. TCP/ICMP: so is the protocol. */
	if (m->code == port)
		return true;
	return !v6 && m->code == IK_UNREACH_PROTOCOL && t->cfg.method != IK_TRACE_UDP;
}

int ik_trace_input_msg(struct ik_trace *t, const struct ik_icmp *m, const struct ik_addr *from,
		       int reply_ttl, int64_t rx_ns)
{
	if (!t->is_started)
		return IK_ERR_INVALID;
	const struct ik_trace_cfg *c = &t->cfg;
	if (m->version != c->dst.family) {
		t->stats.foreign++;
		return 0;
	}
	uint8_t echo_reply = m->version == 6 ? IK_ICMP6_ECHO_REPLY : IK_ICMP4_ECHO_REPLY;
	if (m->type == echo_reply) {
		if (c->method != IK_TRACE_ICMP || m->id != c->sport || !ik_addr_equal(from, &c->dst) ||
		    m->seq >= t->probe_count) {
			t->stats.foreign++;
			return 0;
		}
		return record(t, m->seq, m, 0, from, reply_ttl, rx_ns, true);
	}
	if (!ik_icmp_is_error(m->version, m->type)) {
		t->stats.foreign++;
		return 0;
	}
	long index = quoted_probe(t, m);
	if (index < 0) {
		t->stats.foreign++;
		return 0;
	}
	bool is_final = is_destination_answer(t, m);
	if (!is_final && c->is_stop_on_unreach) {
		uint8_t unreach = m->version == 6 ? IK_ICMP6_DEST_UNREACH : IK_ICMP4_DEST_UNREACH;
		bool is_frag = (m->version == 4 && m->code == IK_UNREACH_FRAG_NEEDED);
		if (m->type == unreach && !(is_frag && c->is_mtu_discovery))
			is_final = true;
	}
	return record(t, (uint32_t)index, m, 0, from, reply_ttl, rx_ns, is_final);
}

int ik_trace_input_icmp(struct ik_trace *t, const uint8_t *buf, size_t len, bool has_ip_header,
			const struct ik_addr *from, int reply_ttl, int64_t rx_ns)
{
	if (!t->is_started)
		return IK_ERR_INVALID;
	if (has_ip_header) {
		struct ik_ip ip;
		int rc = ik_ip_decode(buf, len, &ip);
		if (rc < 0 || ip.protocol != IK_PROTO_ICMP || ip.is_fragment) {
			t->stats.malformed++;
			return rc < 0 ? rc : IK_ERR_UNSUPPORTED;
		}
		if (reply_ttl < 0)
			reply_ttl = ip.ttl;
		buf = ip.payload;
		len = ip.payload_len;
	}
	struct ik_icmp m;
	int rc = t->cfg.dst.family == 6 ? ik_icmp6_decode(buf, len, from, &t->cfg.src, &m)
					: ik_icmp4_decode(buf, len, &m);
	if (rc < 0) {
		t->stats.malformed++;
		return rc;
	}
	return ik_trace_input_msg(t, &m, from, reply_ttl, rx_ns);
}

int ik_trace_input_tcp(struct ik_trace *t, const uint8_t *buf, size_t len, bool has_ip_header,
		       const struct ik_addr *from, int reply_ttl, int64_t rx_ns)
{
	if (!t->is_started)
		return IK_ERR_INVALID;
	const struct ik_trace_cfg *c = &t->cfg;
	if (has_ip_header) {
		struct ik_ip ip;
		int rc = ik_ip_decode(buf, len, &ip);
		if (rc < 0 || ip.protocol != IK_PROTO_TCP) {
			t->stats.malformed++;
			return rc < 0 ? rc : IK_ERR_UNSUPPORTED;
		}
		if (reply_ttl < 0)
			reply_ttl = ip.ttl;
		buf = ip.payload;
		len = ip.payload_len;
	}
	struct cursor cur = cursor_make(buf, len);
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t off, flags;
	if (cursor_be16(&cur, &sport) < 0 || cursor_be16(&cur, &dport) < 0 ||
	    cursor_be32(&cur, &seq) < 0 || cursor_be32(&cur, &ack) < 0 ||
	    cursor_u8(&cur, &off) < 0 || cursor_u8(&cur, &flags) < 0) {
		t->stats.malformed++;
		return IK_ERR_TRUNCATED;
	}
	if (c->method != IK_TRACE_TCP || sport != c->dport ||
	    dport != c->sport || !ik_addr_equal(from, &c->dst) || !(flags & TCP_ACK) ||
	    !(flags & (TCP_RST | TCP_SYN))) {
		t->stats.foreign++;
		return 0;
	}
	/* RFC 793 3.4: both SYN-ACK and the RST for a closed port acknowledge our SYN: seq + 1. */
	uint32_t index = ack - 1 - t->tcp_seq_base;
	if (index >= t->probe_count) {
		t->stats.foreign++;
		return 0;
	}
	return record(t, index, NULL, flags, from, reply_ttl, rx_ns, true);
}

uint8_t ik_trace_first_ttl(const struct ik_trace *t)
{
	return t->cfg.first_ttl;
}

uint8_t ik_trace_last_ttl(const struct ik_trace *t)
{
	return last_ttl(t);
}

bool ik_trace_has_reached(const struct ik_trace *t)
{
	return t->final_ttl != 0;
}

const struct ik_trace_hop *ik_trace_hop(const struct ik_trace *t, uint8_t ttl)
{
	if (!t->hops || ttl < t->cfg.first_ttl || ttl > t->cfg.max_ttl)
		return NULL;
	return &t->hops[ttl];
}

void ik_trace_get_stats(const struct ik_trace *t, struct ik_trace_stats *out)
{
	*out = t->stats;
	out->past_end = 0;
	if (!t->hops || !ik_trace_has_reached(t))
		return;
	for (unsigned ttl = (unsigned)last_ttl(t) + 1; ttl <= t->cfg.max_ttl; ttl++)
		out->past_end += t->hops[ttl].probes_sent;
}
