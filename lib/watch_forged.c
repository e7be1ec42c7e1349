/* SPDX-License-Identifier: BSD-3-Clause */
/* Forged and abusive ICMP errors: redirects, tiny PMTU, errors about errors, errors about TCP connections never seen. */
#include <string.h>

#include "watch_int.h"

/* A TCP connection, the same key whichever way its packet went. */
struct watch_conn_key {
	struct watch_addr a;
	struct watch_addr b;
	uint16_t a_port;
	uint16_t b_port;
	uint8_t pad[4];
};

static void watch_conn_key(struct watch_conn_key *k, const struct watch_addr *src, uint16_t sport,
			   const struct watch_addr *dst, uint16_t dport)
{
	memset(k, 0, sizeof *k);
	int order = memcmp(src, dst, sizeof *src);
	bool is_src_first = order < 0 || (order == 0 && sport <= dport);
	k->a = is_src_first ? *src : *dst;
	k->b = is_src_first ? *dst : *src;
	k->a_port = is_src_first ? sport : dport;
	k->b_port = is_src_first ? dport : sport;
}

/* Every TCP packet seen (live: the SYNs the capture filter lets in) marks its connection as real. */
void watch_forged_tcp(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_ip *ip = &wp->p->ip;
	if (!w->conf.is_forged_tcp_checked || ip->payload_len < 14)
		return;
	const uint8_t *t = ip->payload;
	uint16_t sport = (uint16_t)(t[0] << 8 | t[1]), dport = (uint16_t)(t[2] << 8 | t[3]);
	if (t[13] & 0x02)
		w->stats.tcp_handshakes++;
	struct watch_conn_key k;
	watch_conn_key(&k, &wp->src, sport, &wp->dst, dport);
	bool is_new;
	wt_get(&w->connections, wt_hash(w->seed, &k, sizeof k), &k, wp->ts_ns, &is_new);
}

static void watch_blind_tcp(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_quote *q = &wp->p->icmp.quote;
	if (!w->conf.is_forged_tcp_checked || !q->is_present || q->ip.protocol != IK_PROTO_TCP ||
	    !q->has_ports)
		return;
	if (wp->ts_ns - w->start_ns < (int64_t)w->conf.forged_tcp_warmup * NS_PER_SEC)
		return;
	struct watch_addr qs, qd;
	memset(&qs, 0, sizeof qs);
	memset(&qd, 0, sizeof qd);
	if (q->ip.src.family == 4) {
		qs.b[10] = qs.b[11] = qd.b[10] = qd.b[11] = 0xff;
		memcpy(qs.b + 12, q->ip.src.bytes, 4);
		memcpy(qd.b + 12, q->ip.dst.bytes, 4);
	} else {
		memcpy(qs.b, q->ip.src.bytes, 16);
		memcpy(qd.b, q->ip.dst.bytes, 16);
	}
	struct watch_conn_key k;
	watch_conn_key(&k, &qs, q->sport, &qd, q->dport);
	if (wt_find(&w->connections, wt_hash(w->seed, &k, sizeof k), &k, wp->ts_ns))
		return;
	char from[64], s[64], d[64];
	watch_addr_text(&wp->p->ip.src, from, sizeof from);
	watch_addr_text(&q->ip.src, s, sizeof s);
	watch_addr_text(&q->ip.dst, d, sizeof d);
	watch_alert(w, IK_SID_BLIND_TCP, wp, NULL, NULL,
		    "error (type %u code %u) from %s quotes TCP %s:%u -> %s:%u seq %u, a "
		    "connection never seen: a blind reset or PMTU attack (RFC 5927)",
		    wp->p->icmp.type, wp->p->icmp.code, from, s, q->sport, d, q->dport, q->tcp_seq);
}

void watch_forged_packet(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_icmp *m = &wp->p->icmp;
	const struct ik_watch_conf *c = &w->conf;
	char from[64];
	if ((m->version == 4 && m->type == IK_ICMP4_REDIRECT) ||
	    (m->version == 6 && m->type == IK_ICMP6_REDIRECT)) {
		char gw[64];
		watch_addr_text(&wp->p->ip.src, from, sizeof from);
		watch_addr_text(m->version == 4 ? &m->gateway : &m->nd.target, gw, sizeof gw);
		watch_alert(w, IK_SID_REDIRECT, wp, NULL, NULL,
			    "redirect (code %u) from %s to gateway %s: a forged one reroutes the "
			    "victim's traffic through the attacker",
			    m->code, from, gw);
		return;
	}
	if (!ik_icmp_is_error(m->version, m->type))
		return;
	bool is_ptb = (m->version == 4 && m->type == IK_ICMP4_DEST_UNREACH &&
		       m->code == IK_UNREACH_FRAG_NEEDED) ||
		      (m->version == 6 && m->type == IK_ICMP6_PACKET_TOO_BIG);
	unsigned floor = m->version == 4 ? c->forged_min_mtu : c->forged_min_mtu6;
	/* MTU 0 is what routers older than RFC 1191 send: odd, not forged. */
	if (is_ptb && m->mtu != 0 && m->mtu < floor) {
		watch_addr_text(&wp->p->ip.src, from, sizeof from);
		struct ik_watch_alert a = {.count = m->mtu, .threshold = floor};
		watch_alert(w, IK_SID_SMALL_MTU, wp, NULL, &a,
			    "%s from %s says the MTU is %u, below the %u no real link has: it "
			    "would shrink the victim's packets to a crawl",
			    m->version == 4 ? "frag needed" : "packet too big", from, m->mtu, floor);
	}
	const struct ik_quote *q = &m->quote;
	if (q->is_present && q->has_icmp && ik_icmp_is_error(q->ip.version, q->icmp_type)) {
		watch_addr_text(&wp->p->ip.src, from, sizeof from);
		watch_alert(w, IK_SID_ERROR_ABOUT_ERROR, wp, NULL, NULL,
			    "error (type %u) from %s quotes an ICMP error (type %u code %u); RFC "
			    "1122 3.2.2 forbids sending one",
			    m->type, from, q->icmp_type, q->icmp_code);
	}
	watch_blind_tcp(w, wp);
}
