/* SPDX-License-Identifier: BSD-3-Clause */
/* The trace engine: Paris probe building, quote matching (and forged quotes), pacing, stop at the destination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/cksum.h"
#include "icmpkit/icmp.h"
#include "icmpkit/trace.h"

#define MS INT64_C(1000000)

static const uint8_t src4[4] = {10, 0, 1, 2};
static const uint8_t dst4[4] = {10, 0, 2, 2};
static const uint8_t r1_4[4] = {10, 0, 1, 1};

struct sent {
	uint8_t ttl;
	uint32_t index;
	size_t len;
	uint8_t bytes[128];
};

static struct ik_trace *make(struct ik_trace_cfg *cfg, enum ik_trace_method m, int fam)
{
	ik_trace_cfg_defaults(cfg, m, fam);
	if (fam == 4) {
		ik_addr_set4(&cfg->src, src4);
		ik_addr_set4(&cfg->dst, dst4);
	} else {
		uint8_t s[16] = {0xfd, 0, 0, 1, [15] = 2}, d[16] = {0xfd, 0, 0, 2, [15] = 2};
		ik_addr_set6(&cfg->src, s);
		ik_addr_set6(&cfg->dst, d);
	}
	cfg->sport = 40000;
	return NULL;
}

static struct ik_trace *start(const struct ik_trace_cfg *cfg)
{
	struct ik_trace *t = NULL;
	assert_int_equal(ik_trace_create(&t), 0);
	assert_int_equal(ik_trace_configure(t, cfg), 0);
	assert_int_equal(ik_trace_start(t, 0), 0);
	return t;
}

/* Collects every probe due at `now`. */
static size_t drain(struct ik_trace *t, int64_t now, struct sent *out, size_t cap)
{
	size_t n = 0;
	for (;;) {
		struct ik_trace_probe p;
		uint8_t buf[128];
		int len = ik_trace_next(t, now, &p, buf, sizeof buf);
		assert_true(len >= 0);
		if (len == 0)
			break;
		assert_true(n < cap);
		out[n].ttl = p.ttl;
		out[n].index = p.index;
		out[n].len = (size_t)len;
		memcpy(out[n].bytes, buf, (size_t)len);
		n++;
	}
	return n;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The pseudo-header checksum check a receiver does (RFC 768 / RFC 8200 8.1): sums to zero. */
static uint16_t verify(const struct ik_trace_cfg *c, uint8_t proto, const uint8_t *b, size_t len)
{
	uint32_t acc;
	if (c->dst.family == 6) {
		acc = ik_cksum_pseudo6(&c->src, &c->dst, (uint32_t)len, proto);
	} else {
		uint8_t ph[12] = {0};
		memcpy(ph, c->src.bytes, 4);
		memcpy(ph + 4, c->dst.bytes, 4);
		ph[9] = proto;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		acc = proto == 1 ? 0 : ik_cksum_add(0, ph, sizeof ph);
	}
	return ik_cksum_finish(ik_cksum_add(acc, b, len));
}

/* An IPv4 datagram as a router would quote it: our probe behind a 20-byte header. */
static size_t quote4(const struct ik_trace_cfg *c, const struct sent *s, uint8_t proto, uint8_t ttl,
		     uint8_t *out)
{
	size_t total = s->len + 20;
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)(total >> 8);
	out[3] = (uint8_t)total;
	out[8] = ttl;
	out[9] = proto;
	memcpy(out + 12, c->src.bytes, 4);
	memcpy(out + 16, c->dst.bytes, 4);
	uint16_t ck = ik_cksum(out, 20);
	out[10] = (uint8_t)(ck >> 8);
	out[11] = (uint8_t)ck;
	memcpy(out + 20, s->bytes, s->len);
	return total;
}

/* Feeds a decoded ICMPv4 error (type/code) quoting q to the engine from `from`. */
static int feed4(struct ik_trace *t, uint8_t type, uint8_t code, const uint8_t *q, size_t qlen,
		 const uint8_t from4[4], int64_t now, bool with_mpls)
{
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.type = type;
	m.code = code;
	m.data = q;
	m.data_len = qlen;
	if (with_mpls) {
		m.ext.is_present = true;
		m.ext.mpls_count = 1;
		m.ext.mpls[0] = (struct ik_mpls_entry){.label = 24001, .tc = 0, .is_bottom = true, .ttl = 1};
	}
	uint8_t wire[512];
	int len = ik_icmp4_encode(&m, wire, sizeof wire);
	assert_true(len > 0);
	struct ik_addr from;
	ik_addr_set4(&from, from4);
	return ik_trace_input_icmp(t, wire, (size_t)len, false, &from, 64, now);
}

static void paris_udp_keeps_ports_and_names_probes_by_checksum(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_UDP, 4);
	struct ik_trace *t = start(&c);
	struct sent s[64];
	size_t n = drain(t, 0, s, 64);
	assert_int_equal(n, c.window); /* 16 in flight, traceroute's -N */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(s[i].len, 40);
		assert_int_equal(be16(s[i].bytes), 40000);
		assert_int_equal(be16(s[i].bytes + 2), 33434);
		assert_int_equal(be16(s[i].bytes + 6), s[i].index + 1);
		assert_int_equal(verify(&c, 17, s[i].bytes, s[i].len), 0);
		assert_int_equal(s[i].ttl, 1 + i / 3); /* all queries of a hop, hop by hop */
	}
	ik_trace_free(t);

	/* Without Paris the destination port counts up and the checksum is the natural one. */
	c.is_paris = false;
	t = start(&c);
	n = drain(t, 0, s, 64);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(be16(s[i].bytes + 2), 33434 + s[i].index);
		assert_int_equal(verify(&c, 17, s[i].bytes, s[i].len), 0);
	}
	ik_trace_free(t);
}

static void paris_icmp_constant_checksum(void **state)
{
	(void)state;
	for (int fam = 4; fam <= 6; fam += 2) {
		struct ik_trace_cfg c;
		make(&c, IK_TRACE_ICMP, fam);
		struct ik_trace *t = start(&c);
		struct sent s[64];
		size_t n = drain(t, 0, s, 64);
		assert_true(n > 3);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(s[i].bytes[0], fam == 4 ? 8 : 128);
			assert_int_equal(be16(s[i].bytes + 4), 40000);
			assert_int_equal(be16(s[i].bytes + 6), s[i].index);
			assert_int_equal(be16(s[i].bytes + 2), be16(s[0].bytes + 2));
			assert_int_equal(verify(&c, fam == 4 ? 1 : 58, s[i].bytes, s[i].len), 0);
		}
		ik_trace_free(t);
	}
}

static void time_exceeded_matches_and_forged_quotes_do_not(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_UDP, 4);
	struct ik_trace *t = start(&c);
	struct sent s[64];
	size_t n = drain(t, 0, s, 64);
	assert_true(n >= 3);
	uint8_t q[128];
	const uint8_t evil[4] = {10, 0, 9, 9};

	/* Forged: another source port, another destination port, a checksum we never sent, another destination. */
	struct sent f = s[0];
	f.bytes[1] ^= 1;
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &f, 17, 1, q), evil, MS, false), 0);
	f = s[0];
	f.bytes[3] ^= 1;
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &f, 17, 1, q), evil, MS, false), 0);
	f = s[0];
	f.bytes[6] = 0x7f; /* checksum names probe 0x7fxx, never sent */
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &f, 17, 1, q), evil, MS, false), 0);
	struct ik_trace_cfg other = c;
	other.dst.bytes[3] = 77;
	assert_int_equal(feed4(t, 11, 0, q, quote4(&other, &s[0], 17, 1, q), evil, MS, false), 0);
	/* The right quote but as TCP. */
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[0], 6, 1, q), evil, MS, false), 0);
	struct ik_trace_stats st;
	ik_trace_get_stats(t, &st);
	assert_int_equal(st.foreign, 5);
	assert_int_equal(st.replies, 0);
	assert_false(ik_trace_hop(t, 1)->replies[0].is_answered);

	/* The real one, with an MPLS label stack (RFC 4950). */
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[0], 17, 1, q), r1_4, 2 * MS, true), 1);
	const struct ik_trace_reply *r = &ik_trace_hop(t, 1)->replies[0];
	assert_true(r->is_answered);
	assert_false(r->is_final);
	assert_int_equal(r->rtt_ns, 2 * MS);
	assert_true(ik_addr_equal(&r->from, &(struct ik_addr){.family = 4, .bytes = {10, 0, 1, 1}}));
	assert_int_equal(r->quoted_ttl, 1);
	assert_true(r->ext.is_present);
	assert_int_equal(r->ext.mpls[0].label, 24001);
	/* A duplicate is late, not a second answer. */
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[0], 17, 1, q), r1_4, 3 * MS, false), 0);
	/* Every truncation of a real error is handled without a false match or a crash. */
	uint8_t wire[512];
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.type = 11;
	m.data = q;
	m.data_len = quote4(&c, &s[1], 17, 1, q);
	int len = ik_icmp4_encode(&m, wire, sizeof wire);
	struct ik_addr from;
	ik_addr_set4(&from, r1_4);
	for (int cut = 0; cut < len; cut++) {
		int rc = ik_trace_input_icmp(t, wire, (size_t)cut, false, &from, 64, 4 * MS);
		/* Below ICMP header + IP header + 8 bytes (RFC 792) nothing names a probe. */
		if (cut < 8 + 20 + 8)
			assert_true(rc <= 0);
		else
			assert_true(rc <= 1);
	}
	ik_trace_free(t);
}

static void stops_at_destination(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_UDP, 4);
	c.window = 48;
	struct ik_trace *t = start(&c);
	struct sent s[64];
	size_t n = drain(t, 0, s, 64);
	assert_int_equal(n, 48);
	uint8_t q[128];
	/* Hops 1 and 2 answer Time Exceeded, the destination at TTL 3 Port Unreachable. */
	for (size_t i = 0; i < 9; i++) {
		const uint8_t *from = s[i].ttl == 3 ? dst4 : r1_4;
		uint8_t type = s[i].ttl == 3 ? 3 : 11, code = s[i].ttl == 3 ? 3 : 0;
		assert_int_equal(feed4(t, type, code, q, quote4(&c, &s[i], 17, 1, q), from, MS, false), 1);
	}
	assert_true(ik_trace_has_reached(t));
	assert_int_equal(ik_trace_last_ttl(t), 3);
	assert_true(ik_trace_is_done(t));
	/* Nothing is sent past it, not even later. */
	assert_int_equal(drain(t, 10000 * MS, s, 64), 0);
	assert_int_equal(ik_trace_deadline(t, 10000 * MS), INT64_MAX);
	/* An answer for TTL 4 that arrives now does not move the end. */
	assert_true(ik_trace_hop(t, 3)->replies[2].is_final);
	ik_trace_free(t);
}

static void unanswered_probes_are_retried_after_the_bucket_refills(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_ICMP, 4);
	c.max_ttl = 2;
	c.nqueries = 2;
	struct ik_trace *t = start(&c);
	struct sent s[16];
	size_t n = drain(t, 0, s, 16);
	assert_int_equal(n, 4);
	uint8_t q[128];
	/* Hop 1 answers one query of two; the destination answers both (echo replies). */
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[0], 1, 1, q), r1_4, MS, false), 1);
	for (int i = 2; i < 4; i++) {
		struct ik_icmp m;
		memset(&m, 0, sizeof m);
		m.version = 4;
		m.type = IK_ICMP4_ECHO_REPLY;
		m.id = 40000;
		m.seq = (uint16_t)s[i].index;
		struct ik_addr from;
		ik_addr_set4(&from, dst4);
		assert_int_equal(ik_trace_input_msg(t, &m, &from, 63, 2 * MS), 1);
	}
	/* Hop 1's second query: after its timeout, not again before the router has a token. */
	assert_int_equal(drain(t, 100 * MS, s, 16), 0);
	int64_t dl = ik_trace_deadline(t, 100 * MS);
	assert_true(dl >= 1000 * MS && dl <= 1100 * MS);
	n = drain(t, dl, s, 16);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].ttl, 1);
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[0], 1, 1, q), r1_4, dl + MS, false), 1);
	assert_true(ik_trace_is_done(t));
	const struct ik_trace_hop *h = ik_trace_hop(t, 1);
	assert_int_equal(h->probes_sent, 3);
	assert_int_equal(h->replies[1].attempts, 2);
	ik_trace_free(t);
}

static void silent_hop_costs_retries_in_all(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_UDP, 4);
	c.max_ttl = 3;
	struct ik_trace *t = start(&c);
	struct sent s[16];
	size_t n = drain(t, 0, s, 16);
	assert_int_equal(n, 9);
	uint8_t q[128];
	/* Hop 2 is firewalled; hops 1 and 3 (the destination) answer. */
	for (size_t i = 0; i < n; i++) {
		if (s[i].ttl == 2)
			continue;
		const uint8_t *from = s[i].ttl == 3 ? dst4 : r1_4;
		uint8_t type = s[i].ttl == 3 ? 3 : 11, code = s[i].ttl == 3 ? 3 : 0;
		assert_int_equal(feed4(t, type, code, q, quote4(&c, &s[i], 17, 1, q), from, MS, false), 1);
	}
	int64_t now = MS;
	unsigned extra = 0;
	while (!ik_trace_is_done(t) && now < 20000 * MS) {
		now = ik_trace_deadline(t, now);
		extra += (unsigned)drain(t, now, s, 16);
	}
	assert_true(ik_trace_is_done(t));
	/* `retries` probes in all for the silent hop, one refill interval apart, not one per query. */
	assert_int_equal(extra, c.retries);
	assert_true(now < (int64_t)c.retries * 1100 * MS + 500 * MS);
	ik_trace_free(t);
}

static void tcp_syn_ack_and_rst_answer(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_TCP, 4);
	c.max_ttl = 1;
	c.nqueries = 2;
	struct ik_trace *t = start(&c);
	struct sent s[4];
	assert_int_equal(drain(t, 0, s, 4), 2);
	assert_int_equal(s[0].len, 40);
	assert_int_equal(s[0].bytes[13], 0x02);
	assert_int_equal(verify(&c, 6, s[0].bytes, 40), 0);
	struct ik_addr from;
	ik_addr_set4(&from, dst4);
	for (int i = 0; i < 2; i++) {
		uint8_t seg[20] = {0};
		seg[0] = 0, seg[1] = 80;
		seg[2] = s[i].bytes[0], seg[3] = s[i].bytes[1];
		uint32_t seq = (uint32_t)s[i].bytes[4] << 24 | (uint32_t)s[i].bytes[5] << 16 |
			       (uint32_t)s[i].bytes[6] << 8 | s[i].bytes[7];
		uint32_t ack = seq + 1;
		seg[8] = (uint8_t)(ack >> 24), seg[9] = (uint8_t)(ack >> 16);
		seg[10] = (uint8_t)(ack >> 8), seg[11] = (uint8_t)ack;
		seg[12] = 0x50;
		seg[13] = i == 0 ? 0x12 : 0x14; /* SYN-ACK, then RST-ACK */
		/* From a port we did not probe: not ours. */
		seg[1] = 81;
		assert_int_equal(ik_trace_input_tcp(t, seg, sizeof seg, false, &from, 64, MS), 0);
		seg[1] = 80;
		assert_int_equal(ik_trace_input_tcp(t, seg, 12, false, &from, 64, MS), IK_ERR_TRUNCATED);
		assert_int_equal(ik_trace_input_tcp(t, seg, sizeof seg, false, &from, 64, MS), 1);
	}
	assert_true(ik_trace_is_done(t));
	assert_int_equal(ik_trace_hop(t, 1)->replies[1].tcp_flags, 0x14);
	ik_trace_free(t);
}

static void mtu_discovery_resends_smaller(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_UDP, 4);
	c.max_ttl = 2;
	c.nqueries = 1;
	c.packet_len = 1500;
	c.is_mtu_discovery = true;
	struct ik_trace *t = start(&c);
	struct ik_trace_probe p;
	uint8_t big[1600];
	assert_int_equal(ik_trace_next(t, 0, &p, big, sizeof big), 1480);
	uint32_t first = p.index;
	assert_int_equal(ik_trace_next(t, 0, &p, big, sizeof big), 1480);
	/* TTL 2's probe meets a 1280-byte link: Frag Needed names the MTU (RFC 1191). */
	struct sent two = {.ttl = 2, .index = p.index, .len = 100};
	memcpy(two.bytes, big, 100);
	uint8_t q[160];
	size_t ql = quote4(&c, &two, 17, 1, q);
	q[2] = 1500 >> 8, q[3] = 1500 & 0xff; /* the quoted header states the real length */
	q[10] = q[11] = 0;
	uint16_t ck = ik_cksum(q, 20);
	q[10] = (uint8_t)(ck >> 8), q[11] = (uint8_t)ck;
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.type = 3;
	m.code = 4;
	m.mtu = 1280;
	m.data = q;
	m.data_len = ql;
	uint8_t wire[512];
	int len = ik_icmp4_encode(&m, wire, sizeof wire);
	assert_true(len > 0);
	struct ik_addr from;
	ik_addr_set4(&from, r1_4);
	assert_int_equal(ik_trace_input_icmp(t, wire, (size_t)len, false, &from, 64, MS), 1);
	assert_int_equal(ik_trace_next(t, MS, &p, big, sizeof big), 1260);
	assert_int_equal(p.ttl, 2);
	assert_int_equal(p.ip_len, 1280);
	(void)first;
	ik_trace_free(t);
}

static void bad_configs_are_refused(void **state)
{
	(void)state;
	struct ik_trace *t = NULL;
	assert_int_equal(ik_trace_create(&t), 0);
	struct ik_trace_cfg c;
	make(&c, IK_TRACE_UDP, 4);
	c.first_ttl = 5;
	c.max_ttl = 4;
	assert_int_equal(ik_trace_configure(t, &c), IK_ERR_INVALID);
	make(&c, IK_TRACE_UDP, 4);
	c.packet_len = 29;
	assert_int_equal(ik_trace_configure(t, &c), IK_ERR_INVALID);
	make(&c, IK_TRACE_UDP, 4);
	c.nqueries = IK_TRACE_MAX_QUERIES + 1;
	assert_int_equal(ik_trace_configure(t, &c), IK_ERR_INVALID);
	make(&c, IK_TRACE_UDP, 4);
	c.src.family = 6;
	assert_int_equal(ik_trace_configure(t, &c), IK_ERR_INVALID);
	struct ik_trace_probe p;
	uint8_t b[8];
	assert_int_equal(ik_trace_next(t, 0, &p, b, sizeof b), IK_ERR_INVALID);
	ik_trace_free(t);
}

/*
 * A simulated chain: routers at TTL 1..dst_hop-1, the destination at
 * dst_hop, 2 ms each way per hop, and every node's ICMP answers behind a
 * Linux-style token bucket (inet_peer_xrlim_allow(): 6 tokens, one per
 * second, a refused probe costs nothing). Probes reach a node in the order
 * they were sent, as on a real chain. Runs the engine to the end and counts
 * what it sent.
 */
struct chain_sim {
	unsigned dst_hop;
	int64_t tokens_ms;        /* every node's bucket at the start: 6000 full, 0 drained */
	int64_t dst_tokens_ms;    /* the destination's, -1: tokens_ms */
	bool is_dst_silent;       /* the destination never answers (a firewall) */
	unsigned lose_dst_hop;    /* this many of the first probes at TTL dst_hop are lost on the way */
	uint8_t lie_ttl;          /* not 0: the destination quotes this TTL, whatever it got */
	/*
	 * The end is a router with no route (Net Unreachable, !N): Linux's
	 * ip_error() takes a token of its own (burst 5) from the same bucket
	 * before icmp_send() takes the usual one, so an answer costs two and a
	 * probe that finds one burns it unanswered.
	 */
	bool is_no_route;
};

struct chain_run {
	unsigned probes;
	unsigned past_dst;        /* probes with a TTL past the destination's hop */
	unsigned past_dst_after;  /* ... sent after the destination's first answer */
	unsigned at_node[64];     /* probes that reached each node (the destination: dst_hop) */
	unsigned answered[64];    /* answers per TTL */
	int64_t first_dst_ns;     /* when the first answer from the destination came, -1 none */
	int64_t end_ns;
	uint8_t last_ttl;
	bool is_done;
	bool is_reached;
	struct ik_trace_stats st;
};

struct pending {
	int64_t at;
	struct sent s;
	unsigned hop;
};

static void run_chain(const struct ik_trace_cfg *c, const struct chain_sim *sim, struct chain_run *out)
{
	struct ik_trace *t = start(c);
	static struct pending pend[4096];
	size_t npend = 0;
	int64_t tokens[64], tokens_at[64];
	unsigned dst = sim->dst_hop, lost = 0;
	assert_true(dst >= 1 && dst < 64);
	for (unsigned i = 0; i < 64; i++) {
		tokens[i] = sim->tokens_ms * MS;
		tokens_at[i] = 0;
	}
	if (sim->dst_tokens_ms >= 0)
		tokens[dst] = sim->dst_tokens_ms * MS;
	memset(out, 0, sizeof *out);
	out->first_dst_ns = -1;
	int64_t now = 0;
	unsigned idle_loops = 0;
	while (!ik_trace_is_done(t) && now < 60000 * MS) {
		struct sent s[64];
		size_t n = drain(t, now, s, 64);
		for (size_t i = 0; i < n; i++) {
			unsigned hop = s[i].ttl < dst ? s[i].ttl : dst;
			out->probes++;
			if (s[i].ttl > dst) {
				out->past_dst++;
				if (out->first_dst_ns >= 0)
					out->past_dst_after++;
			}
			if (s[i].ttl == dst && lost < sim->lose_dst_hop) {
				lost++;
				continue;
			}
			out->at_node[hop]++;
			int64_t arrive = now + (int64_t)hop * 2 * MS;
			tokens[hop] += arrive - tokens_at[hop];
			tokens_at[hop] = arrive;
			if (tokens[hop] > 6000 * MS)
				tokens[hop] = 6000 * MS;
			if (hop == dst && sim->is_no_route) {
				if (tokens[hop] > 5000 * MS)
					tokens[hop] = 5000 * MS;
				if (tokens[hop] < 1000 * MS)
					continue;
				tokens[hop] -= 1000 * MS; /* ip_error() */
			}
			if ((hop == dst && sim->is_dst_silent) || tokens[hop] < 1000 * MS)
				continue;
			tokens[hop] -= 1000 * MS;
			assert_true(npend < 4096);
			pend[npend].at = now + (int64_t)hop * 4 * MS;
			pend[npend].s = s[i];
			pend[npend].hop = hop;
			npend++;
		}
		int64_t next = ik_trace_deadline(t, now);
		for (size_t i = 0; i < npend; i++)
			if (pend[i].at < next)
				next = pend[i].at;
		if (next == INT64_MAX)
			break;
		if (next <= now && n == 0)
			assert_true(++idle_loops < 1000);
		else
			idle_loops = 0;
		if (next > now)
			now = next;
		/* Answers in the order they arrive. */
		for (;;) {
			size_t k = npend;
			for (size_t i = 0; i < npend; i++)
				if (pend[i].at <= now && (k == npend || pend[i].at < pend[k].at))
					k = i;
			if (k == npend)
				break;
			uint8_t q[128];
			const struct pending *pd = &pend[k];
			bool is_dst = pd->hop == dst;
			uint8_t router[4] = {10, 1, (uint8_t)pd->hop, 2};
			uint8_t qttl = (uint8_t)(pd->s.ttl - pd->hop + 1);
			if (is_dst && sim->lie_ttl)
				qttl = sim->lie_ttl;
			size_t ql = quote4(c, &pd->s, 17, qttl, q);
			uint8_t code = sim->is_no_route ? 0 : 3;
			int rc = feed4(t, is_dst ? 3 : 11, is_dst ? code : 0, q, ql,
				       is_dst && !sim->is_no_route ? dst4 : router, pd->at, false);
			assert_true(rc == 0 || rc == 1);
			if (is_dst && out->first_dst_ns < 0)
				out->first_dst_ns = pd->at;
			pend[k] = pend[--npend];
		}
	}
	out->is_done = ik_trace_is_done(t);
	out->is_reached = ik_trace_has_reached(t);
	out->last_ttl = ik_trace_last_ttl(t);
	ik_trace_get_stats(t, &out->st);
	out->end_ns = out->st.end_ns;
	assert_int_equal(out->st.probes_sent, out->probes);
	for (unsigned ttl = c->first_ttl; ttl <= c->max_ttl && ttl < 64; ttl++) {
		const struct ik_trace_hop *h = ik_trace_hop(t, (uint8_t)ttl);
		for (unsigned q = 0; q < c->nqueries; q++)
			out->answered[ttl] += h->replies[q].is_answered;
	}
	ik_trace_free(t);
}

static void chain_cfg(struct ik_trace_cfg *c)
{
	make(c, IK_TRACE_UDP, 4);
	c->window = 48; /* icmpkit trace's own default: 16 hops of 3 queries */
	c->guess_hops = 16;
}

/* Every hop up to the destination answered (all its queries when fresh), and the trace ends there. */
static void assert_every_hop(const struct ik_trace_cfg *c, const struct chain_run *r, unsigned dst,
			     bool is_all_queries)
{
	assert_true(r->is_done);
	assert_true(r->is_reached);
	assert_int_equal(r->last_ttl, dst);
	for (unsigned ttl = 1; ttl <= dst; ttl++) {
		if (is_all_queries)
			assert_int_equal(r->answered[ttl], c->nqueries);
		else
			assert_true(r->answered[ttl] >= 1);
	}
}

static void fresh_chain_sends_few_past_the_destination(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	struct chain_sim sim = {.dst_hop = 11, .tokens_ms = 6000, .dst_tokens_ms = -1};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 11, true);
	/*
	 * The first round trip asks the 16 guessed hops at once (that is what
	 * makes it one round trip): TTLs 12..16 are the only ones past the
	 * destination, and nothing is sent after it answered.
	 */
	assert_int_equal(r.probes, 16 * 3);
	assert_int_equal(r.past_dst, 5 * 3);
	assert_int_equal(r.past_dst_after, 0);
	assert_int_equal(r.st.past_end, r.past_dst);
	/* One end-to-end round trip (44 ms), no waiting. */
	assert_true(r.end_ns <= 45 * MS);

	/* Without the guess the window keeps refilling past hop 11 until it answers. */
	c.guess_hops = 0;
	struct chain_run old;
	run_chain(&c, &sim, &old);
	assert_every_hop(&c, &old, 11, true);
	assert_true(old.past_dst >= r.past_dst + 20);
	assert_true(old.end_ns <= 45 * MS);
}

static void drained_chain_finds_every_hop(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	/* Every bucket empty at the start: one answer per node per second. */
	struct chain_sim sim = {.dst_hop = 11, .tokens_ms = 0, .dst_tokens_ms = -1};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 11, true);
	/*
	 * The first window (TTLs 12..16) and, one refill later, one probe asked
	 * again at each of them with the destination's own: then its answer
	 * names hop 11 and nothing more goes past it.
	 */
	assert_true(r.past_dst <= 5 * 3 + 5);
	assert_int_equal(r.past_dst_after, 0);
	assert_int_equal(r.st.past_end, r.past_dst);
	/* Three answers from each node take three refills; no send it refuses after the first. */
	assert_true(r.end_ns <= 3100 * MS);
	for (unsigned hop = 1; hop <= 11; hop++)
		assert_true(r.at_node[hop] <= 3 + (hop == 11 ? r.past_dst + 3 : 3));
	/* The destination with one token left: found at once, the rest after refills. */
	sim.dst_tokens_ms = 1000;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 11, true);
	assert_int_equal(r.past_dst_after, 0);
	assert_true(r.first_dst_ns <= 45 * MS);
}

static void farther_answer_names_the_destination_hop(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	/*
	 * Drained, and hop 11's first probes lost on the way: the destination's
	 * one token goes to a probe sent at TTL 12. Its quote (TTL 2) names hop
	 * 11: the trace ends there at once, nothing more is sent past it, and
	 * hop 11 gets the destination's next tokens.
	 */
	struct chain_sim sim = {.dst_hop = 11, .tokens_ms = 6000, .dst_tokens_ms = 1000,
				.lose_dst_hop = 3};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 11, false);
	assert_true(r.first_dst_ns <= 50 * MS);
	assert_int_equal(r.past_dst_after, 0);
	assert_int_equal(r.past_dst, 5 * 3);
	/* Found one refill after the first answer, not after -w (5 s) or never. */
	assert_true(r.answered[11] >= 1);
	assert_true(r.end_ns <= 3200 * MS);

	/* The same with the engine fed by hand: a Port Unreachable for TTL 14 quoting TTL 4. */
	struct ik_trace *t = start(&c);
	struct sent s[64];
	size_t n = drain(t, 0, s, 64);
	assert_int_equal(n, 48);
	uint8_t q[128];
	for (size_t i = 0; i < 30; i++) /* TTLs 1..10 */
		assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[i], 17, 1, q), r1_4,
				       (int64_t)(4 * s[i].ttl) * MS, false), 1);
	size_t k = 13 * 3; /* the first probe at TTL 14 */
	assert_int_equal(s[k].ttl, 14);
	assert_int_equal(feed4(t, 3, 3, q, quote4(&c, &s[k], 17, 4, q), dst4, 45 * MS, false), 1);
	assert_true(ik_trace_has_reached(t));
	assert_int_equal(ik_trace_last_ttl(t), 11);
	assert_false(ik_trace_is_done(t));
	int64_t now = 45 * MS;
	unsigned at11 = 0;
	while (!ik_trace_is_done(t) && now < 20000 * MS) {
		now = ik_trace_deadline(t, now);
		n = drain(t, now, s, 64);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(s[i].ttl, 11);
			/* Not before the destination's bucket has a token again. */
			assert_true(now >= 1000 * MS);
			if (at11++ == 0)
				assert_int_equal(feed4(t, 3, 3, q, quote4(&c, &s[i], 17, 1, q), dst4,
						       now + 44 * MS, false), 1);
		}
	}
	assert_true(ik_trace_is_done(t));
	assert_true(ik_trace_hop(t, 11)->replies[0].is_answered ||
		    ik_trace_hop(t, 11)->replies[1].is_answered ||
		    ik_trace_hop(t, 11)->replies[2].is_answered);
	struct ik_trace_stats st;
	ik_trace_get_stats(t, &st);
	assert_int_equal(st.past_end, 5 * 3);
	ik_trace_free(t);
}

static void lying_quote_is_dropped_when_a_router_answers_past_it(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	/*
	 * A hop on the way raised the TTL: the destination quotes TTL 9 for a
	 * probe sent at 11 or more, naming a hop that the routers' answers say
	 * is a router. The quote is not believed and the path is traced as it is.
	 */
	struct chain_sim sim = {.dst_hop = 11, .tokens_ms = 6000, .dst_tokens_ms = -1, .lie_ttl = 9};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 11, true);
	assert_true(r.end_ns <= 45 * MS);

	/* A quote that names hop 12 on a path whose hop 12 is a router: a router disproves it. */
	struct ik_trace *t = start(&c);
	struct sent s[64];
	size_t n = drain(t, 0, s, 64);
	assert_int_equal(n, 48);
	uint8_t q[128];
	/* TTL 15 answered by the destination, quoting TTL 4: hop 12, it says. */
	assert_int_equal(feed4(t, 3, 3, q, quote4(&c, &s[14 * 3], 17, 4, q), dst4, 10 * MS, false), 1);
	assert_int_equal(ik_trace_last_ttl(t), 12);
	/* But hop 12 is a router. */
	const uint8_t r12[4] = {10, 1, 12, 2};
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[11 * 3], 17, 1, q), r12, 11 * MS, false), 1);
	assert_int_equal(ik_trace_last_ttl(t), 15);
	ik_trace_free(t);

	/* The same when the router is past the hop named, whose queries were already cut. */
	t = start(&c);
	n = drain(t, 0, s, 64);
	assert_int_equal(feed4(t, 3, 3, q, quote4(&c, &s[14 * 3], 17, 4, q), dst4, 10 * MS, false), 1);
	assert_int_equal(ik_trace_last_ttl(t), 12);
	(void)ik_trace_deadline(t, 10 * MS); /* TTLs 13 and on are cut */
	const uint8_t r13[4] = {10, 1, 13, 2};
	assert_int_equal(feed4(t, 11, 0, q, quote4(&c, &s[12 * 3], 17, 1, q), r13, 12 * MS, false), 1);
	assert_int_equal(ik_trace_last_ttl(t), 15);
	assert_true(ik_trace_hop(t, 13)->replies[0].is_answered);
	ik_trace_free(t);
}

static void drained_no_route_router_is_found(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	c.nqueries = 1;
	c.window = 16;
	/*
	 * Hop 2 has no route to the destination: every TTL from 2 on gets its
	 * !N, at two tokens an answer. Its bucket holds 1.5 tokens: the first
	 * probes burn one, and so would a probe every interval after that.
	 */
	struct chain_sim sim = {.dst_hop = 2, .tokens_ms = 6000, .dst_tokens_ms = 1500,
				.is_no_route = true};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 2, true);
	/* Asked again one interval later (burnt), then two intervals after that. */
	assert_true(r.end_ns <= 3100 * MS);
	assert_int_equal(r.past_dst_after, 0);
	/* Three queries: the first answer as soon, the others two intervals apart. */
	c.nqueries = 3;
	c.window = 48;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 2, false);
	assert_true(r.first_dst_ns <= 3100 * MS);
	assert_int_equal(r.past_dst_after, 0);
}

static void long_path_past_the_guess(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	/* 20 hops: TTLs past the guess are asked as the routers show the path goes on. */
	struct chain_sim sim = {.dst_hop = 20, .tokens_ms = 6000, .dst_tokens_ms = -1};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_every_hop(&c, &r, 20, true);
	/* At most hop_burst - nqueries TTLs ahead of the farthest router. */
	assert_true(r.past_dst <= (unsigned)(c.hop_burst - c.nqueries) * c.nqueries);
	assert_int_equal(r.past_dst_after, 0);
	/*
	 * TTL 20 is asked once router 16 answered (64 ms), so the trace takes
	 * that and one round trip of the destination (80 ms): under two, not a
	 * timeout. Without the guess: the window, one round trip and more
	 * probes past the destination.
	 */
	assert_true(r.end_ns <= 64 * MS + 80 * MS + MS);
	c.guess_hops = 0;
	struct chain_run old;
	run_chain(&c, &sim, &old);
	assert_every_hop(&c, &old, 20, true);
	assert_true(old.end_ns <= 100 * MS);
	assert_true(old.past_dst > r.past_dst);
}

static void silent_destination_probes_to_max_ttl(void **state)
{
	(void)state;
	struct ik_trace_cfg c;
	chain_cfg(&c);
	struct chain_sim sim = {.dst_hop = 11, .tokens_ms = 6000, .dst_tokens_ms = -1,
				.is_dst_silent = true};
	struct chain_run r;
	run_chain(&c, &sim, &r);
	assert_true(r.is_done);
	assert_false(r.is_reached);
	assert_int_equal(r.last_ttl, 30);
	for (unsigned ttl = 1; ttl <= 10; ttl++)
		assert_int_equal(r.answered[ttl], 3);
	/*
	 * TTLs 11..14 (lead_end() past hop 10) asked again one and
	 * then two refill intervals later (a drained destination would answer
	 * that), silent for 10 times hop 10's RTT: then every TTL left gets one
	 * probe at once, and -w is waited once.
	 */
	for (unsigned ttl = 11; ttl <= 16; ttl++)
		assert_int_equal(r.answered[ttl], 0);
	assert_true(r.end_ns <= (1010 + 2020 + 400 + 10) * MS + (int64_t)c.wait_ms * MS);
	assert_int_equal(r.probes, 16 * 3 + 4 * 2 + 14);
	/* Without the guess: every query of every TTL to 30, and -w waited more than once. */
	c.guess_hops = 0;
	struct chain_run old;
	run_chain(&c, &sim, &old);
	assert_true(old.is_done);
	assert_true(old.probes > r.probes + 30);
	assert_true(old.end_ns > r.end_ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(paris_udp_keeps_ports_and_names_probes_by_checksum),
	    cmocka_unit_test(paris_icmp_constant_checksum),
	    cmocka_unit_test(time_exceeded_matches_and_forged_quotes_do_not),
	    cmocka_unit_test(stops_at_destination),
	    cmocka_unit_test(unanswered_probes_are_retried_after_the_bucket_refills),
	    cmocka_unit_test(silent_hop_costs_retries_in_all),
	    cmocka_unit_test(tcp_syn_ack_and_rst_answer),
	    cmocka_unit_test(mtu_discovery_resends_smaller),
	    cmocka_unit_test(bad_configs_are_refused),
	    cmocka_unit_test(fresh_chain_sends_few_past_the_destination),
	    cmocka_unit_test(drained_chain_finds_every_hop),
	    cmocka_unit_test(farther_answer_names_the_destination_hop),
	    cmocka_unit_test(lying_quote_is_dropped_when_a_router_answers_past_it),
	    cmocka_unit_test(drained_no_route_router_is_found),
	    cmocka_unit_test(long_path_past_the_guess),
	    cmocka_unit_test(silent_destination_probes_to_max_ttl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
