/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's detectors fed hand-built IPv4/IPv6 packets: each attack raises its alert, ping-like traffic none. */
#include <string.h>

#include "icmpkit/watch.h"
#include "testutil.h"

#define SEC 1000000000ll
#define MAX_SEEN 64

/* The alerts one test saw, by sid. */
struct seen {
	unsigned count;
	uint32_t sids[MAX_SEEN];
	struct ik_watch_alert last;
	unsigned flows;
};

static void on_alert(void *user, const struct ik_watch_alert *a)
{
	struct seen *s = user;
	if (s->count < MAX_SEEN)
		s->sids[s->count] = a->sig->sid;
	s->count++;
	s->last = *a;
}

static void on_flow(void *user, const struct ik_watch_flow *f)
{
	struct seen *s = user;
	(void)f;
	s->flows++;
}

static unsigned seen_sid(const struct seen *s, uint32_t sid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->count && i < MAX_SEEN; i++)
		n += s->sids[i] == sid;
	return n;
}

static struct ik_watch *engine(struct seen *s, const struct ik_watch_conf *conf)
{
	struct ik_watch_conf c;
	if (!conf) {
		ik_watch_conf_defaults(&c);
		conf = &c;
	}
	memset(s, 0, sizeof *s);
	struct ik_watch_callbacks cb = {.alert = on_alert, .flow = on_flow, .user = s};
	struct ik_watch *w = NULL;
	assert_int_equal(ik_watch_new(conf, &cb, &w), 0);
	return w;
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An IPv4 header before len bytes of payload already at buf + 20; returns the total. */
static size_t ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
		   uint16_t frag, size_t len)
{
	size_t total = 20 + len;
	memset(buf, 0, 20);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(total >> 8);
	buf[3] = (uint8_t)total;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(frag >> 8);
	buf[7] = (uint8_t)frag;
	buf[8] = 64;
	buf[9] = proto;
	put32(buf + 12, src);
	put32(buf + 16, dst);
	uint16_t c = ik_cksum(buf, 20);
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)c;
	return total;
}

/* An ICMPv4 message (type, code, 4 bytes of rest, body) inside IPv4. */
static size_t icmp4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
		    uint32_t rest, const uint8_t *body, size_t body_len)
{
	uint8_t *m = buf + 20;
	m[0] = type;
	m[1] = code;
	put32(m + 4, rest);
	if (body_len)
		memcpy(m + 8, body, body_len);
	fix_cksum(m, 8 + body_len);
	return ipv4(buf, src, dst, 1, 1, 0x4000, 8 + body_len);
}

static size_t echo4(uint8_t *buf, uint32_t src, uint32_t dst, bool is_request, uint16_t id,
		    uint16_t seq, const uint8_t *payload, size_t len)
{
	return icmp4(buf, src, dst, is_request ? 8 : 0, 0, (uint32_t)id << 16 | seq, payload, len);
}

static void feed(struct ik_watch *w, const uint8_t *buf, size_t len, int64_t ts)
{
	ik_watch_frame(w, IK_LINK_RAW, buf, len, len, ts, 0);
}

/* iputils' payload: 8 bytes of time, then 0x10, 0x11, ... */
static void ping_payload(uint8_t *p, size_t len, unsigned seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = i < 8 ? (uint8_t)(seq * 7 + i) : (uint8_t)(0x10 + i - 8);
}

static void test_flood_source(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[200], pl[56];
	ping_payload(pl, sizeof pl, 0);
	uint32_t a = ip4(10, 0, 1, 2), b = ip4(10, 0, 2, 2);
	/* 1000 in a second is the threshold itself: no alert. */
	for (int i = 0; i < 1000; i++)
		feed(w, buf, echo4(buf, a, b, true, 7, (uint16_t)i, pl, sizeof pl), SEC + i * 900000ll);
	assert_int_equal(s.count, 0);
	/* 1001 within a second: one alert, then held back for alert_interval. */
	for (int i = 0; i < 3000; i++)
		feed(w, buf, echo4(buf, a, b, true, 7, (uint16_t)i, pl, sizeof pl), 3 * SEC + i * 300000ll);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_FLOOD_SOURCE);
	assert_int_equal(s.last.count, 1001);
	assert_non_null(strstr(s.last.explanation, "10.0.1.2"));
	struct ik_watch_stats st;
	ik_watch_stats(w, &st);
	assert_true(st.alerts_suppressed > 0);
	ik_watch_free(w);
}

static void test_flood_destination_and_distributed(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[200], pl[32] = {0};
	uint32_t victim = ip4(10, 0, 2, 2);
	/* Five sources at 500/s each: none a flood, together 2500/s. */
	for (int i = 0; i < 2500; i++)
		feed(w, buf, echo4(buf, ip4(10, 0, 1, (unsigned)(10 + i % 5)), victim, true, 1,
				   (uint16_t)i, pl, sizeof pl),
		     SEC + i * 300000ll);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_FLOOD_DESTINATION);
	assert_int_equal(s.last.top_count, 4);
	assert_int_equal(s.last.top[0].addr.family, 4);
	ik_watch_free(w);

	/* 2001 requests from 2001 spoofed sources. */
	w = engine(&s, NULL);
	for (int i = 0; i < 2001; i++)
		feed(w, buf, echo4(buf, ip4(100, (unsigned)(i >> 8), (unsigned)(i & 255), 1), victim,
				   true, 1, (uint16_t)i, pl, sizeof pl),
		     SEC + i * 400000ll);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_FLOOD_DISTRIBUTED);
	assert_true(s.last.sources >= 64);
	ik_watch_free(w);
}

static void test_memory_bounded_under_spoofing(void **state)
{
	(void)state;
	struct ik_watch_conf c;
	ik_watch_conf_defaults(&c);
	c.memory_cap_mib = 12;
	struct seen s;
	struct ik_watch *w = engine(&s, &c);
	uint8_t buf[200], pl[32] = {0};
	for (uint32_t i = 0; i < 300000; i++)
		feed(w, buf, echo4(buf, 0x0a000000u + i * 7919u, ip4(10, 0, 2, 2), true, 1, (uint16_t)i,
				   pl, sizeof pl),
		     SEC + (int64_t)i * 10000);
	struct ik_watch_stats st;
	ik_watch_stats(w, &st);
	/* 12 MiB less the 8 MiB kept for the program: 4 MiB of tables at most. */
	assert_true(st.memory_bytes <= 4u * 1024 * 1024);
	for (int i = 0; i < IK_WATCH_TABLES; i++)
		assert_true(st.tables[i].used <= st.tables[i].capacity);
	assert_string_equal(st.tables[0].name, "sources");
	assert_true(st.tables[0].evictions > 0);
	assert_true(seen_sid(&s, IK_SID_FLOOD_DISTRIBUTED) >= 1);
	assert_int_equal(seen_sid(&s, IK_SID_FLOOD_SOURCE), 0);
	ik_watch_free(w);
}

static void test_ping_of_death(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[1600];
	memset(buf + 20, 0xaa, 1480);
	uint32_t a = ip4(10, 0, 5, 66), b = ip4(10, 0, 5, 13);
	/* Offset 65520 (8190 * 8) with 100 bytes reaches 65640. */
	size_t n = ipv4(buf, a, b, 1, 0x4242, 0x2000 | 8190, 100);
	feed(w, buf, n, SEC);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_POD);
	assert_true(s.last.count > 65535);
	/* A 3000-byte ping in two fragments: fragmented ICMP, nothing more. */
	buf[20] = 8;
	buf[21] = 0;
	n = ipv4(buf, a, b, 1, 0x99, 0x2000, 1480);
	feed(w, buf, n, 2 * SEC);
	n = ipv4(buf, a, b, 1, 0x99, 1480 / 8, 1528);
	feed(w, buf, n, 2 * SEC);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.sids[1], IK_SID_FRAGMENTED);
	ik_watch_free(w);
}

static void test_smurf(void **state)
{
	(void)state;
	struct ik_watch_conf c;
	ik_watch_conf_defaults(&c);
	struct ik_addr bcast;
	assert_int_equal(ik_addr_parse("10.0.5.255", &bcast), 0);
	assert_int_equal(ik_watch_conf_add_broadcast(&c, &bcast), 0);
	struct seen s;
	struct ik_watch *w = engine(&s, &c);
	uint8_t buf[200], pl[32] = {0};
	uint32_t victim = ip4(10, 0, 5, 13);
	/* The victim's own pings to h1 and h2: solicited replies. */
	for (int i = 0; i < 20; i++) {
		uint32_t h = ip4(10, 0, 5, (unsigned)(11 + i % 2));
		feed(w, buf, echo4(buf, victim, h, true, 55, (uint16_t)i, pl, sizeof pl), SEC + i * 1000);
		feed(w, buf, echo4(buf, h, victim, false, 55, (uint16_t)i, pl, sizeof pl),
		     SEC + i * 1000 + 500);
	}
	assert_int_equal(s.count, 0);
	/* Spoofed from the victim to the directed broadcast; h1 and h2 answer. */
	for (int i = 0; i < 20; i++) {
		feed(w, buf, echo4(buf, victim, ip4(10, 0, 5, 255), true, 9, (uint16_t)i, pl, sizeof pl),
		     3 * SEC + i * 1000);
		for (unsigned h = 11; h <= 12; h++)
			feed(w, buf, echo4(buf, ip4(10, 0, 5, h), victim, false, 9, (uint16_t)i, pl,
					   sizeof pl),
			     3 * SEC + i * 1000 + 100);
	}
	assert_int_equal(seen_sid(&s, IK_SID_SMURF_BROADCAST), 1);
	assert_int_equal(seen_sid(&s, IK_SID_SMURF_VICTIM), 1);
	assert_int_equal(s.count, 2);
	ik_watch_free(w);
}

/* A deterministic generator for "random" payloads. */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_tunnel_behaviour(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[1600], pl[1400];
	uint32_t a = ip4(10, 0, 1, 2), b = ip4(10, 0, 2, 2), x = 12345;
	/* ping at 56 and 1400 bytes and with -p ff00, replies echoing requests: nothing. */
	size_t sizes[] = {56, 1400, 1400};
	for (int kind = 0; kind < 3; kind++) {
		for (int i = 0; i < 100; i++) {
			ping_payload(pl, sizes[kind], (unsigned)i);
			if (kind == 2)
				for (size_t k = 8; k < sizes[kind]; k++)
					pl[k] = k % 2 ? 0x00 : 0xff;
			int64_t t = (kind * 200 + i) * (SEC / 10);
			feed(w, buf, echo4(buf, a, b, true, (uint16_t)(100 + kind), (uint16_t)i, pl, sizes[kind]), t);
			feed(w, buf, echo4(buf, b, a, false, (uint16_t)(100 + kind), (uint16_t)i, pl, sizes[kind]), t + 1000);
		}
	}
	assert_int_equal(s.count, 0);
	/* Random bytes of random sizes, replies with other random bytes. */
	for (int i = 0; i < 40; i++) {
		size_t n = 64 + rnd(&x) % 1200;
		for (size_t k = 0; k < n; k++)
			pl[k] = (uint8_t)rnd(&x);
		feed(w, buf, echo4(buf, a, b, true, 4242, (uint16_t)i, pl, n), 100 * SEC + i * 1000);
		n = 64 + rnd(&x) % 1200;
		for (size_t k = 0; k < n; k++)
			pl[k] = (uint8_t)rnd(&x);
		feed(w, buf, echo4(buf, b, a, false, 4242, (uint16_t)i, pl, n), 100 * SEC + i * 1000 + 500);
	}
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_TUNNEL);
	assert_true(s.last.reasons & IK_WATCH_REASON_MISMATCH);
	assert_true(s.last.reasons & IK_WATCH_REASON_ENTROPY);
	assert_true(s.last.reasons & IK_WATCH_REASON_SIZES);
	assert_true(s.last.score >= 6);
	assert_int_equal(s.last.echo_id, 4242);
	ik_watch_finish(w);
	assert_int_equal(s.flows, 4);
	ik_watch_free(w);
}

static void test_tunnel_signatures(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[1600], pl[200] = {0};
	uint32_t a = ip4(10, 0, 1, 2), b = ip4(10, 0, 2, 2);
	put32(pl, 0xdeadc0de);
	feed(w, buf, echo4(buf, a, b, true, 77, 0, pl, 60), SEC);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_TUNNEL_PTUNNEL);
	/* An IPv4/UDP packet as the whole payload (icmptx). */
	size_t inner = ipv4(pl, ip4(10, 9, 0, 1), ip4(10, 9, 0, 2), 17, 3, 0, 40);
	feed(w, buf, echo4(buf, a, b, true, 78, 0, pl, inner), 2 * SEC);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.sids[1], IK_SID_TUNNEL_ICMPTX);
	ik_watch_free(w);
}

/* A quoted IPv4 header (and 8 transport bytes) after the ICMP header of an error. */
static size_t quote4(uint8_t *q, uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag,
		     const uint8_t transport[8])
{
	memcpy(q + 20, transport, 8);
	return ipv4(q, src, dst, proto, 5, frag, 8 + 32);
}

static void test_forged(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[400], q[100];
	uint32_t r = ip4(10, 0, 1, 1), pc1 = ip4(10, 0, 1, 2), pc2 = ip4(10, 0, 2, 2);
	const uint8_t tcp[8] = {0x9c, 0x40, 0x00, 0x16, 0x11, 0x22, 0x33, 0x44}; /* 40000 -> 22 */
	const uint8_t udp[8] = {0x9c, 0x41, 0x82, 0x9b, 0x00, 0x28, 0x00, 0x00};
	/* Redirect to a gateway. */
	size_t ql = quote4(q, pc1, pc2, 17, 0x4000, udp);
	feed(w, buf, icmp4(buf, r, pc1, 5, 1, ip4(10, 0, 1, 66), q, ql), SEC);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_REDIRECT);
	/* Frag needed with MTU 68 about a UDP datagram: small MTU only. */
	feed(w, buf, icmp4(buf, r, pc1, 3, 4, 68, q, ql), 2 * SEC);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.sids[1], IK_SID_SMALL_MTU);
	/* Frag needed with MTU 1280: fine. */
	feed(w, buf, icmp4(buf, r, pc1, 3, 4, 1280, q, ql), 3 * SEC);
	assert_int_equal(s.count, 2);
	/* Port unreachable about a TCP connection never seen: blind attack. */
	ql = quote4(q, pc1, pc2, 6, 0x4000, tcp);
	feed(w, buf, icmp4(buf, pc2, pc1, 3, 3, 0, q, ql), 4 * SEC);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.sids[2], IK_SID_BLIND_TCP);
	/* After its SYN went by, the same error is about a real connection. */
	uint8_t syn[40] = {0};
	memcpy(syn + 20, (const uint8_t[]){0x9c, 0x40, 0x00, 0x16}, 4);
	syn[20 + 12] = 0x50;
	syn[20 + 13] = 0x02;
	feed(w, syn, ipv4(syn, pc1, pc2, 6, 9, 0x4000, 20), 5 * SEC);
	feed(w, buf, icmp4(buf, ip4(10, 0, 12, 2), pc1, 3, 1, 0, q, ql), 20 * SEC);
	assert_int_equal(s.count, 3);
	/* An error quoting an error (time exceeded inside port unreachable). */
	const uint8_t te[8] = {11, 0, 0, 0, 0, 0, 0, 0};
	ql = quote4(q, pc1, pc2, 1, 0x4000, te);
	feed(w, buf, icmp4(buf, pc2, pc1, 3, 3, 0, q, ql), 30 * SEC);
	assert_int_equal(s.count, 4);
	assert_int_equal(s.sids[3], IK_SID_ERROR_ABOUT_ERROR);
	ik_watch_free(w);
}

static void test_sweep(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[200], pl[56] = {1};
	uint32_t scanner = ip4(10, 0, 1, 2);
	/* fping over five hosts, many rounds: no sweep. */
	for (int round = 0; round < 10; round++)
		for (unsigned h = 1; h <= 5; h++)
			feed(w, buf, echo4(buf, scanner, ip4(10, 0, 2, h), true, 3, (uint16_t)round, pl, 56),
			     SEC + round * SEC / 2 + h);
	assert_int_equal(s.count, 0);
	/* Timestamp requests to 40 addresses. */
	uint8_t ts[12] = {0};
	for (unsigned h = 1; h <= 40; h++)
		feed(w, buf, icmp4(buf, scanner, ip4(10, 0, 3, h), 13, 0, 1u << 16, ts, sizeof ts),
		     20 * SEC + h * 1000);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.sids[0], IK_SID_SWEEP);
	assert_true(s.last.count >= 16);
	ik_watch_free(w);
}

static void test_malformed_and_fingerprints(void **state)
{
	(void)state;
	struct seen s;
	struct ik_watch *w = engine(&s, NULL);
	uint8_t buf[400], pl[56] = {0}, q[100];
	uint32_t a = ip4(10, 0, 1, 2), b = ip4(10, 0, 2, 2);
	int64_t t = SEC;
	struct {
		size_t len;
		uint32_t sid;
	} cases[12];
	int n = 0;
	/* Bad checksum. */
	size_t len = echo4(buf, a, b, true, 1, 1, pl, 56);
	buf[22] ^= 0xff;
	feed(w, buf, len, t++);
	cases[n++].sid = IK_SID_BAD_CHECKSUM;
	/* Unknown type and unknown code. */
	feed(w, buf, icmp4(buf, a, b, 99, 0, 0, pl, 8), t++);
	cases[n++].sid = IK_SID_UNKNOWN_TYPE;
	const uint8_t udp[8] = {0x9c, 0x41, 0x82, 0x9b, 0x00, 0x28, 0x00, 0x00};
	size_t ql = quote4(q, b, a, 17, 0x4000, udp);
	feed(w, buf, icmp4(buf, a, b, 11, 7, 0, q, ql), t++);
	cases[n++].sid = IK_SID_UNKNOWN_CODE;
	/* Timestamp request cut to 12 bytes (20 needed), checksum right. */
	feed(w, buf, icmp4(buf, a, b, 13, 0, 0, pl, 4), t++);
	cases[n++].sid = IK_SID_TRUNCATED;
	/* Scanner fingerprints: nmap's empty echo, broadscan's 4 bytes, icmpenum's id. */
	feed(w, buf, echo4(buf, a, b, true, 1, 0, NULL, 0), t++);
	cases[n++].sid = IK_SID_NMAP_ECHO;
	feed(w, buf, echo4(buf, a, b, true, 2, 0, pl, 4), t++);
	cases[n++].sid = IK_SID_BROADSCAN;
	feed(w, buf, echo4(buf, a, b, true, 666, 0, pl, 56), t++);
	cases[n++].sid = IK_SID_ICMPENUM;
	/* Quote checks: a non-first fragment, 4 bytes of payload, IPv6 in ICMPv4, 12 bytes. */
	ql = quote4(q, b, a, 17, 0x0010, udp);
	feed(w, buf, icmp4(buf, a, b, 11, 0, 0, q, ql), t++);
	cases[n++].sid = IK_SID_QUOTE_FRAGMENT;
	ql = quote4(q, b, a, 17, 0x4000, udp);
	feed(w, buf, icmp4(buf, a, b, 11, 0, 0, q, 24), t++);
	cases[n++].sid = IK_SID_QUOTE_SHORT;
	q[0] = 0x60;
	feed(w, buf, icmp4(buf, a, b, 11, 0, 0, q, 48), t++);
	cases[n++].sid = IK_SID_QUOTE_VERSION;
	ql = quote4(q, b, a, 17, 0x4000, udp);
	feed(w, buf, icmp4(buf, a, b, 11, 0, 0, q, 12), t++);
	cases[n++].sid = IK_SID_QUOTE_TRUNCATED;
	for (int i = 0; i < n && i < (int)s.count; i++)
		assert_int_equal(s.sids[i], cases[i].sid);
	assert_int_equal(s.count, (unsigned)n);
	/* Garbage that is not even IP costs nothing and raises nothing. */
	feed(w, pl, 3, t++);
	assert_int_equal(s.count, (unsigned)n);
	ik_watch_free(w);
}

static void test_conf(void **state)
{
	(void)state;
	struct ik_watch_conf c;
	ik_watch_conf_defaults(&c);
	unsigned line;
	char why[IK_WATCH_REASON_SIZE];
	const char *good = "# site thresholds\nflood_source_rate = 500\ntunnel_entropy = 6.5\n"
			   "broadcast = 10.0.5.255\nbroadcast = 10.0.6.255\nforged_tcp = off\n";
	assert_int_equal(ik_watch_conf_parse(&c, good, strlen(good), &line, why, sizeof why), 0);
	assert_int_equal(c.flood_source_rate, 500);
	assert_true(c.tunnel_entropy > 6.49 && c.tunnel_entropy < 6.51);
	assert_int_equal(c.broadcast_count, 2);
	assert_false(c.is_forged_tcp_checked);
	const char *bad[] = {"tunnel_entropy = 9", "broadcast = 10.0.5", "memory_cap_mib = 11",
			     "flood_source_rate = 5\nflood_source_rate = 6", "nope = 1",
			     "tunnel_entropy = 1.2.3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ik_watch_conf_defaults(&c);
		assert_int_equal(ik_watch_conf_parse(&c, bad[i], strlen(bad[i]), &line, why, sizeof why),
				 IK_ERR_SYNTAX);
		assert_true(line >= 1);
		assert_true(strlen(why) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_source),
		cmocka_unit_test(test_flood_destination_and_distributed),
		cmocka_unit_test(test_memory_bounded_under_spoofing),
		cmocka_unit_test(test_ping_of_death),
		cmocka_unit_test(test_smurf),
		cmocka_unit_test(test_tunnel_behaviour),
		cmocka_unit_test(test_tunnel_signatures),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_malformed_and_fingerprints),
		cmocka_unit_test(test_conf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
