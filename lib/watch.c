/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's engine: decodes each frame once, hands it to the detectors, and raises their alerts. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "watch_int.h"

/*
 * Shares of the tables' budget: the cap less what the program itself needs
 * (libc, libpcap, buffers: about 5 MiB measured), a quarter of the cap and
 * at least WATCH_RESERVE_MIB.
 */
#define WATCH_RESERVE_MIB 8
#define WATCH_SHARE_SOURCES 0.40
#define WATCH_SHARE_DESTINATIONS 0.133
#define WATCH_SHARE_FLOWS 0.267
#define WATCH_SHARE_CONNECTIONS 0.133
#define WATCH_SHARE_ALERTS 0.067

struct watch_alert_entry {
	struct wt_head head;
	struct {
		uint32_t sid;
		uint32_t pad;
		struct watch_addr a;
		struct watch_addr b;
	} key;
	int64_t last_ns;
};

struct watch_conn_entry {
	struct wt_head head;
	uint8_t key[40];
};

void watch_addr_to_ik(const struct watch_addr *a, struct ik_addr *out)
{
	if (watch_addr_is_v4(a))
		ik_addr_set4(out, a->b + 12);
	else
		ik_addr_set6(out, a->b);
}

bool watch_addr_is_v4(const struct watch_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, mapped, 12) == 0;
}

static void watch_addr_from_ik(const struct ik_addr *in, struct watch_addr *out)
{
	memset(out, 0, sizeof *out);
	if (in->family == 4) {
		out->b[10] = out->b[11] = 0xff;
		memcpy(out->b + 12, in->bytes, 4);
	} else {
		memcpy(out->b, in->bytes, 16);
	}
}

void watch_addr_text(const struct ik_addr *a, char *buf, size_t cap)
{
	if (ik_addr_format(a, buf, cap) < 0)
		buf[0] = '\0';
}

uint64_t watch_addr_hash(const struct ik_watch *w, const struct watch_addr *a)
{
	return wt_hash(w->seed, a, sizeof *a);
}

int ik_watch_new(const struct ik_watch_conf *conf, const struct ik_watch_callbacks *cb,
		 struct ik_watch **out)
{
	*out = NULL;
	if (!conf || !cb || !cb->alert || conf->memory_cap_mib < 12 || conf->flood_source_rate == 0 ||
	    conf->flood_destination_rate == 0 || conf->smurf_replies == 0 ||
	    conf->recon_destinations < 2 || conf->recon_window == 0 || conf->tunnel_min_packets < 2 ||
	    conf->flow_timeout == 0)
		return IK_ERR_INVALID;
	struct ik_watch *w = calloc(1, sizeof *w);
	if (!w)
		return ik_err_sys(ENOMEM);
	w->conf = *conf;
	w->cb = *cb;
	if (getrandom(w->seed, sizeof w->seed, 0) != (ssize_t)sizeof w->seed) {
		/* No entropy yet (very early boot): a fixed seed still works, only less
		 * resistant to an attacker aiming at buckets. */
		w->seed[0] = 0x243f6a8885a308d3ull;
		w->seed[1] = 0x13198a2e03707344ull;
	}
	double reserve = conf->memory_cap_mib / 4.0 > WATCH_RESERVE_MIB ? conf->memory_cap_mib / 4.0
									: WATCH_RESERVE_MIB;
	double cap = (conf->memory_cap_mib - reserve) * 1024 * 1024;
	int rc = wt_init(&w->sources, "sources", sizeof(struct watch_src_entry),
			 sizeof(struct watch_addr), (size_t)(cap * WATCH_SHARE_SOURCES));
	rc |= wt_init(&w->destinations, "destinations", sizeof(struct watch_dst_entry),
		      sizeof(struct watch_addr), (size_t)(cap * WATCH_SHARE_DESTINATIONS));
	rc |= watch_tunnel_init(w, (size_t)(cap * WATCH_SHARE_FLOWS));
	rc |= wt_init(&w->connections, "connections", sizeof(struct watch_conn_entry), 40,
		      (size_t)(cap * WATCH_SHARE_CONNECTIONS));
	rc |= wt_init(&w->alerts, "alerts", sizeof(struct watch_alert_entry),
		      sizeof(((struct watch_alert_entry *)0)->key),
		      (size_t)(cap * WATCH_SHARE_ALERTS));
	if (rc != 0) {
		ik_watch_free(w);
		return ik_err_sys(ENOMEM);
	}
	w->sweep_ones = watch_sweep_ones(conf->recon_destinations);
	for (int c = 1; c < WATCH_ENTROPY_TABLE; c++)
		w->clog2c[c] = (float)(c * log2(c));
	*out = w;
	return IK_OK;
}

void ik_watch_free(struct ik_watch *w)
{
	if (!w)
		return;
	wt_free(&w->sources);
	wt_free(&w->destinations);
	wt_free(&w->flows);
	wt_free(&w->connections);
	wt_free(&w->alerts);
	free(w);
}

/* Fills the alert's packet fields and explanation, counts it and calls back. */
static void watch_emit(struct ik_watch *w, uint32_t sid, const struct watch_pkt *wp,
		       struct ik_watch_alert *extra, const char *fmt, va_list ap)
{
	/* A flood of spoofed sources must not turn into a flood of alerts. */
	uint32_t slot = (sid - 9100000u) % WATCH_SID_SLOTS;
	int64_t second = wp->ts_ns / NS_PER_SEC;
	if (w->sig_second[slot] != second) {
		w->sig_second[slot] = second;
		w->sig_count[slot] = 0;
	}
	if (++w->sig_count[slot] > w->conf.alert_rate) {
		w->stats.alerts_suppressed++;
		return;
	}
	struct ik_watch_alert local;
	struct ik_watch_alert *a = extra ? extra : &local;
	if (!extra)
		memset(a, 0, sizeof *a);
	a->sig = ik_watch_sig(sid);
	a->ts_ns = wp->ts_ns;
	a->ifindex = wp->ifindex;
	a->src = wp->p->ip.src;
	a->dst = wp->p->ip.dst;
	if (wp->p->has_icmp) {
		a->has_icmp = true;
		a->icmp_version = wp->p->icmp.version;
		a->icmp_type = wp->p->icmp.type;
		a->icmp_code = wp->p->icmp.code;
	}
	vsnprintf(a->explanation, sizeof a->explanation, fmt, ap);
	w->stats.alerts++;
	w->cb.alert(w->cb.user, a);
}

static bool watch_is_due(const struct ik_watch *w, int64_t last_ns, int64_t now_ns)
{
	return last_ns == 0 || now_ns - last_ns >= (int64_t)w->conf.alert_interval * NS_PER_SEC;
}

bool watch_alert_due(struct ik_watch *w, int64_t last_ns, int64_t now_ns)
{
	if (watch_is_due(w, last_ns, now_ns))
		return true;
	w->stats.alerts_suppressed++;
	return false;
}

bool watch_alert(struct ik_watch *w, uint32_t sid, const struct watch_pkt *wp,
		 const struct watch_addr *a, struct ik_watch_alert *extra, const char *fmt, ...)
{
	struct watch_alert_entry key_holder;
	memset(&key_holder.key, 0, sizeof key_holder.key);
	key_holder.key.sid = sid;
	key_holder.key.a = a ? *a : wp->src;
	if (!a)
		key_holder.key.b = wp->dst;
	bool is_new;
	uint64_t h = wt_hash(w->seed, &key_holder.key, sizeof key_holder.key);
	struct watch_alert_entry *e = wt_get(&w->alerts, h, &key_holder.key, wp->ts_ns, &is_new);
	if (!is_new && !watch_is_due(w, e->last_ns, wp->ts_ns)) {
		w->stats.alerts_suppressed++;
		return false;
	}
	e->last_ns = wp->ts_ns;
	va_list ap;
	va_start(ap, fmt);
	watch_emit(w, sid, wp, extra, fmt, ap);
	va_end(ap);
	return true;
}

bool watch_alert_at(struct ik_watch *w, uint32_t sid, const struct watch_pkt *wp, int64_t *last_ns,
		    struct ik_watch_alert *extra, const char *fmt, ...)
{
	if (!watch_is_due(w, *last_ns, wp->ts_ns)) {
		w->stats.alerts_suppressed++;
		return false;
	}
	*last_ns = wp->ts_ns;
	va_list ap;
	va_start(ap, fmt);
	watch_emit(w, sid, wp, extra, fmt, ap);
	va_end(ap);
	return true;
}

void ik_watch_frame(struct ik_watch *w, enum ik_link link, const uint8_t *frame, size_t caplen,
		    size_t wire_len, int64_t ts_ns, int ifindex)
{
	w->stats.frames++;
	w->stats.bytes += wire_len;
	/* Packet time only moves forward: a late frame from another interface
	 * counts at the latest time seen, so windows never run backwards. */
	if (ts_ns > w->now_ns)
		w->now_ns = ts_ns;
	if (w->start_ns == 0)
		w->start_ns = w->now_ns;
	struct ik_packet p;
	int rc = ik_packet_decode(link, frame, caplen, &p);
	if (rc != IK_OK) {
		w->stats.undecodable++;
		return;
	}
	w->stats.ip++;
	struct watch_pkt wp = {.p = &p, .ts_ns = w->now_ns, .ifindex = ifindex, .caplen = caplen,
			       .wire_len = wire_len};
	watch_addr_from_ik(&p.ip.src, &wp.src);
	watch_addr_from_ik(&p.ip.dst, &wp.dst);
	wp.src_hash = watch_addr_hash(w, &wp.src);
	wp.dst_hash = watch_addr_hash(w, &wp.dst);
	if (p.ip.is_fragment) {
		w->stats.fragments++;
		watch_frag_packet(w, &wp);
	}
	if (p.ip.protocol == IK_PROTO_TCP && !p.ip.is_fragment) {
		watch_forged_tcp(w, &wp);
		return;
	}
	if (!p.has_icmp)
		return;
	if (p.icmp.version == 4)
		w->stats.icmp4++;
	else
		w->stats.icmp6++;
	watch_malformed_packet(w, &wp, p.icmp_err);
	if (p.is_fragment)
		return; /* only the first fragment's header: no payload to judge */
	if (p.icmp_err != IK_OK && p.icmp_err != IK_ERR_BAD_CHECKSUM)
		return;
	/* The flood detector's lookups come after the flow's: start their loads
	 * now so the three cache misses overlap instead of queueing. */
	wt_prefetch(&w->sources, wp.src_hash);
	wt_prefetch(&w->destinations, wp.dst_hash);
	bool is_solicited = watch_tunnel_packet(w, &wp);
	watch_fingerprints(w, &wp);
	watch_flood_packet(w, &wp, is_solicited);
	watch_forged_packet(w, &wp);
	if (w->cb.flow && w->now_ns >= w->next_sweep_ns) {
		w->next_sweep_ns = w->now_ns + NS_PER_SEC;
		watch_tunnel_sweep(w);
	}
}

void ik_watch_finish(struct ik_watch *w)
{
	watch_tunnel_finish(w);
}

void ik_watch_stats(const struct ik_watch *w, struct ik_watch_stats *out)
{
	*out = w->stats;
	const struct wt_table *tables[IK_WATCH_TABLES] = {&w->sources, &w->destinations, &w->flows,
							  &w->connections, &w->alerts};
	out->memory_bytes = 0;
	for (int i = 0; i < IK_WATCH_TABLES; i++) {
		out->tables[i] = (struct ik_watch_table_stats){
			tables[i]->name, tables[i]->capacity, tables[i]->used, tables[i]->evictions};
		out->memory_bytes += wt_bytes(tables[i]);
	}
}
