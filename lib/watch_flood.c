/* SPDX-License-Identifier: BSD-3-Clause */
/* Echo floods (per source, per destination, distributed), smurf (both ends) and ICMP sweeps. */
#include <math.h>
#include <string.h>

#include "watch_int.h"

/*
 * Rates are counted in fixed one-second windows of packet time: cheap (one
 * counter per entry) and exact for replays. Distinct sources, responders
 * and destinations are estimated by linear counting over a small bitmap
 * (Whang et al. 1990): n = -m ln(zero bits / m), good to a few percent up
 * to about m distinct keys, in 8 to 32 bytes an entry.
 */

static unsigned watch_ones(const uint64_t *bits, unsigned words)
{
	unsigned ones = 0;
	for (unsigned i = 0; i < words; i++)
		ones += (unsigned)__builtin_popcountll(bits[i]);
	return ones;
}

static uint32_t watch_estimate(unsigned ones, unsigned m)
{
	if (ones >= m)
		return (uint32_t)(m * log(m)); /* saturated: at least this many */
	return (uint32_t)lround(-(double)m * log((double)(m - ones) / m));
}

static uint32_t watch_linear_count(const uint64_t *bits, unsigned words)
{
	return watch_estimate(watch_ones(bits, words), words * 64);
}

unsigned watch_sweep_ones(unsigned destinations)
{
	unsigned ones = 0;
	while (ones < 128 && watch_estimate(ones, 128) < destinations)
		ones++;
	return ones;
}

static void watch_bit_set(uint64_t *bits, unsigned words, uint64_t hash)
{
	unsigned bit = (unsigned)((hash >> 40) % (words * 64));
	bits[bit / 64] |= 1ull << (bit % 64);
}

/* Counts a responder once; past WATCH_MAX_RESPONDERS the count stays there. */
static void watch_responder_add(struct watch_dst_entry *d, uint32_t id)
{
	for (uint32_t i = 0; i < d->responder_count; i++) {
		if (d->responders[i] == id)
			return;
	}
	if (d->responder_count < WATCH_MAX_RESPONDERS)
		d->responders[d->responder_count++] = id;
}

/* Space-saving top-k (Metwally et al. 2005): the smallest counter gives way. */
static void watch_talker_add(struct watch_talker *top, const struct watch_addr *a)
{
	int min = 0;
	for (int i = 0; i < IK_WATCH_TOP_TALKERS; i++) {
		if (top[i].packets && memcmp(&top[i].addr, a, sizeof *a) == 0) {
			top[i].packets++;
			return;
		}
		if (top[i].packets < top[min].packets)
			min = i;
	}
	top[min].addr = *a;
	top[min].packets++;
}

static bool watch_window_roll(int64_t *win_ns, int64_t now_ns, int64_t length_ns)
{
	if (*win_ns != 0 && now_ns - *win_ns < length_ns)
		return false;
	*win_ns = now_ns;
	return true;
}

/* The packet's destination entry, its one-second window started afresh when due. */
static struct watch_dst_entry *watch_destination(struct ik_watch *w, const struct watch_pkt *wp)
{
	bool is_new;
	struct watch_dst_entry *d =
		wt_get(&w->destinations, wp->dst_hash, &wp->dst, wp->ts_ns, &is_new);
	if (watch_window_roll(&d->win_ns, wp->ts_ns, NS_PER_SEC)) {
		d->echo_requests = 0;
		d->unsolicited = 0;
		memset(d->source_bits, 0, sizeof d->source_bits);
		d->responder_count = 0;
		memset(d->top, 0, sizeof d->top);
	}
	return d;
}

static bool watch_is_echo_request(const struct ik_icmp *m)
{
	return (m->version == 4 && m->type == IK_ICMP4_ECHO_REQUEST) ||
	       (m->version == 6 && m->type == IK_ICMP6_ECHO_REQUEST);
}

static bool watch_is_echo_reply(const struct ik_icmp *m)
{
	return (m->version == 4 && m->type == IK_ICMP4_ECHO_REPLY) ||
	       (m->version == 6 && m->type == IK_ICMP6_ECHO_REPLY);
}

/* Echo, timestamp, information and address-mask requests: what sweeps send. */
static bool watch_is_query(const struct ik_icmp *m)
{
	if (watch_is_echo_request(m))
		return true;
	return m->version == 4 && (m->type == IK_ICMP4_TIMESTAMP || m->type == IK_ICMP4_MASK_REQUEST ||
				   m->type == IK_ICMP4_INFO_REQUEST);
}

static bool watch_is_broadcast(const struct ik_watch *w, const struct ik_addr *dst)
{
	static const uint8_t all_ones[4] = {255, 255, 255, 255};
	if (dst->family == 4 && memcmp(dst->bytes, all_ones, 4) == 0)
		return true;
	if (dst->family == 6 && dst->bytes[0] == 0xff)
		return true; /* multicast echo: the IPv6 form of the amplifier */
	for (unsigned i = 0; i < w->conf.broadcast_count; i++) {
		if (ik_addr_equal(&w->conf.broadcasts[i], dst))
			return true;
	}
	return false;
}

static void watch_fill_top(struct ik_watch_alert *a, const struct watch_dst_entry *d)
{
	struct watch_talker sorted[IK_WATCH_TOP_TALKERS];
	memcpy(sorted, d->top, sizeof sorted);
	for (int i = 1; i < IK_WATCH_TOP_TALKERS; i++) {
		for (int j = i; j > 0 && sorted[j].packets > sorted[j - 1].packets; j--) {
			struct watch_talker t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	}
	for (int i = 0; i < IK_WATCH_TOP_TALKERS && sorted[i].packets; i++) {
		watch_addr_to_ik(&sorted[i].addr, &a->top[i].addr);
		a->top[i].packets = sorted[i].packets;
		a->top_count++;
	}
}

static void watch_echo_request(struct ik_watch *w, const struct watch_pkt *wp,
			       struct watch_src_entry *s)
{
	const struct ik_watch_conf *c = &w->conf;
	if (watch_window_roll(&s->win_ns, wp->ts_ns, NS_PER_SEC))
		s->echo_requests = 0;
	s->echo_requests++;
	if (s->echo_requests > c->flood_source_rate &&
	    watch_alert_due(w, s->alerted_flood_ns, wp->ts_ns)) {
		struct ik_watch_alert a = {.count = s->echo_requests,
					   .threshold = c->flood_source_rate, .sources = 1};
		char src[64];
		watch_addr_text(&wp->p->ip.src, src, sizeof src);
		watch_alert_at(w, IK_SID_FLOOD_SOURCE, wp, &s->alerted_flood_ns, &a,
			       "%u echo requests from %s within 1 s (threshold %u/s)",
			       s->echo_requests, src, c->flood_source_rate);
	}

	struct watch_dst_entry *d = watch_destination(w, wp);
	d->echo_requests++;
	watch_bit_set(d->source_bits, 4, wp->src_hash);
	watch_talker_add(d->top, &wp->src);
	if (d->echo_requests <= c->flood_destination_rate ||
	    !watch_alert_due(w, d->alerted_flood_ns, wp->ts_ns))
		return;
	uint64_t top = 0;
	for (int i = 0; i < IK_WATCH_TOP_TALKERS; i++)
		top = d->top[i].packets > top ? d->top[i].packets : top;
	uint32_t sources = watch_linear_count(d->source_bits, 4);
	/* One source above its own threshold explains it: that alert says it already. */
	if (sources < c->flood_distributed_sources && top > c->flood_source_rate)
		return;
	char dst[64];
	watch_addr_text(&wp->p->ip.dst, dst, sizeof dst);
	struct ik_watch_alert a = {.count = d->echo_requests,
				   .threshold = c->flood_destination_rate, .sources = sources};
	if (sources >= c->flood_distributed_sources) {
		watch_fill_top(&a, d);
		watch_alert_at(w, IK_SID_FLOOD_DISTRIBUTED, wp, &d->alerted_flood_ns, &a,
			       "%u echo requests toward %s within 1 s from about %u distinct "
			       "sources (threshold %u/s from %u sources); the busiest sent %llu",
			       d->echo_requests, dst, sources, c->flood_destination_rate,
			       c->flood_distributed_sources, (unsigned long long)top);
	} else {
		/* Several sources, none a flood alone: only the aggregate shows it. */
		watch_fill_top(&a, d);
		watch_alert_at(w, IK_SID_FLOOD_DESTINATION, wp, &d->alerted_flood_ns, &a,
			       "%u echo requests toward %s within 1 s from about %u sources, none "
			       "above %u/s alone (threshold %u/s)",
			       d->echo_requests, dst, sources, c->flood_source_rate,
			       c->flood_destination_rate);
	}
}

static void watch_sweep(struct ik_watch *w, const struct watch_pkt *wp, struct watch_src_entry *s)
{
	const struct ik_watch_conf *c = &w->conf;
	if (watch_window_roll(&s->recon_win_ns, wp->ts_ns, (int64_t)c->recon_window * NS_PER_SEC)) {
		memset(s->recon_bits, 0, sizeof s->recon_bits);
		s->recon_queries = 0;
	}
	s->recon_queries++;
	watch_bit_set(s->recon_bits, 2, wp->dst_hash);
	/* Bits set, compared with what the threshold needs: no log() per packet. */
	if (watch_ones(s->recon_bits, 2) < w->sweep_ones ||
	    !watch_alert_due(w, s->alerted_sweep_ns, wp->ts_ns))
		return;
	uint32_t n = watch_linear_count(s->recon_bits, 2);
	char src[64];
	watch_addr_text(&wp->p->ip.src, src, sizeof src);
	struct ik_watch_alert a = {.count = n, .threshold = c->recon_destinations};
	watch_alert_at(w, IK_SID_SWEEP, wp, &s->alerted_sweep_ns, &a,
		       "%s queried about %u distinct destinations (%u echo/timestamp/mask "
		       "requests) within %u s (threshold %u)",
		       src, n, s->recon_queries, c->recon_window, c->recon_destinations);
}

/*
 * An echo reply toward a host whose echo flow to this responder (same
 * identifier) saw no request. A request to a broadcast address makes a
 * flow with the broadcast address, so the hosts answering it are
 * unsolicited too: the smurf's request is spoofed from the victim and on
 * the victim's own LAN it looks just like one the victim sent.
 */
static void watch_echo_reply(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_watch_conf *c = &w->conf;
	struct watch_dst_entry *d = watch_destination(w, wp);
	d->unsolicited++;
	watch_responder_add(d, (uint32_t)(wp->src_hash >> 32));
	watch_talker_add(d->top, &wp->src);
	if (d->unsolicited < c->smurf_replies)
		return;
	uint32_t responders = d->responder_count;
	if (responders < c->smurf_responders || !watch_alert_due(w, d->alerted_smurf_ns, wp->ts_ns))
		return;
	char dst[64];
	watch_addr_text(&wp->p->ip.dst, dst, sizeof dst);
	struct ik_watch_alert a = {.count = d->unsolicited, .threshold = c->smurf_replies,
				   .sources = responders};
	watch_fill_top(&a, d);
	watch_alert_at(w, IK_SID_SMURF_VICTIM, wp, &d->alerted_smurf_ns, &a,
		       "%u echo replies toward %s within 1 s from %u hosts, answering "
		       "requests %s never sent (threshold %u/s from %u hosts)",
		       d->unsolicited, dst, responders, dst, c->smurf_replies, c->smurf_responders);
}

void watch_flood_packet(struct ik_watch *w, const struct watch_pkt *wp, bool is_solicited)
{
	const struct ik_icmp *m = &wp->p->icmp;
	if (watch_is_echo_reply(m)) {
		if (!is_solicited)
			watch_echo_reply(w, wp);
		return;
	}
	if (!watch_is_query(m))
		return;
	bool is_broadcast = watch_is_echo_request(m) && watch_is_broadcast(w, &wp->p->ip.dst);
	if (is_broadcast) {
		char dst[64];
		watch_addr_text(&wp->p->ip.dst, dst, sizeof dst);
		/* Keyed on the broadcast address alone: spoofed sources must not
		 * make one alert each. */
		watch_alert(w, IK_SID_SMURF_BROADCAST, wp, &wp->dst, NULL,
			    "echo request to %s %s: every host that answers sends its reply to "
			    "the source address",
			    wp->p->ip.version == 4 ? "broadcast address" : "multicast group", dst);
	}
	bool is_new;
	struct watch_src_entry *s =
		wt_get(&w->sources, wp->src_hash, &wp->src, wp->ts_ns, &is_new);
	if (watch_is_echo_request(m))
		watch_echo_request(w, wp, s);
	watch_sweep(w, wp, s);
}
