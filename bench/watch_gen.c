/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes deterministic ICMP captures for the watch benchmark and memory test: a busy link's mix, or a spoofed flood. */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icmpkit/icmpkit.h"

/*
 * Usage: watch_gen [-g GAP_NS] [-S SEED] [-l LIST] mixed|spoof N FILE
 *
 * mixed: N frames of what a monitored link carries (IPv4 and IPv6 echo
 *   sessions with iputils/Windows payloads, traceroute's Time Exceeded and
 *   Port Unreachable quoting UDP, Frag Needed and Packet Too Big, neighbour
 *   discovery, fragmented pings, and a small share (0.5 % of events) of odd
 *   or malformed frames) among about 4,800 hosts. Frames are GAP_NS apart on
 *   average (default 10000 ns, i.e. 100,000 packets/s; jitter +-50 %), so a
 *   host sends about ten echo requests a second: busy, but no flood.
 * spoof: N ICMP echo requests toward one victim (10.0.2.2), each from a
 *   distinct pseudo-random IPv4 source, as `hping3 --icmp --flood
 *   --rand-source -d 32` sends them, GAP_NS apart (default 1000 ns).
 *
 * Ethernet (DLT_EN10MB), microsecond timestamps from 2026-11-29 20:00:00 UTC.
 * Every checksum is right except in the frames meant to be wrong. The same
 * arguments give the same bytes. LIST, when given, gets "frame kind" lines
 * (frame numbers from 1, as tshark counts), to check each kind in isolation.
 * FILE '-' is standard output. A summary of the kinds goes to stderr.
 */

#define FRAME_MAX 2048
#define START_S INT64_C(1795982400) /* 2026-11-29T20:00:00Z */

#define V4_CLIENTS 3000
#define V4_SERVERS 500
#define V4_ROUTERS 64
#define V6_CLIENTS 1000
#define V6_SERVERS 200
#define V6_ROUTERS 32
#define SESSIONS 6000
#define PENDING 1024

enum kind {
	K_ECHO_REQ4, K_ECHO_REP4, K_ECHO_REQ6, K_ECHO_REP6,
	K_TIME_EXC4, K_TIME_EXC6, K_PORT_UNREACH4, K_PORT_UNREACH6, K_HOST_UNREACH4,
	K_FRAG_NEEDED4, K_PTB6,
	K_ND_NS, K_ND_NA, K_ND_RS, K_ND_RA,
	K_FRAG4, K_FRAG6, K_TIMESTAMP,
	/* The odd and malformed ones: each is meant to be what its name says. */
	K_BAD_CKSUM4, K_UNKNOWN_TYPE4, K_UNKNOWN_CODE4, K_QUOTE_SHORT4, K_QUOTE_V6_IN_V4,
	K_IP_TRUNCATED4, K_SNAPLEN_CUT, K_UNKNOWN_TYPE6, K_ICMP_TRUNCATED4,
	K_SPOOF_ECHO,
	K_COUNT
};
#define K_FIRST_ODD K_BAD_CKSUM4

static const char *const kind_names[K_COUNT] = {
	"echo-request-v4", "echo-reply-v4", "echo-request-v6", "echo-reply-v6",
	"time-exceeded-v4-udp", "time-exceeded-v6-udp", "port-unreachable-v4",
	"port-unreachable-v6", "host-unreachable-v4", "frag-needed-v4", "packet-too-big-v6",
	"nd-neighbor-solicit", "nd-neighbor-advert", "nd-router-solicit", "nd-router-advert",
	"echo-fragment-v4", "echo-fragment-v6", "timestamp-v4",
	"odd-bad-checksum-v4", "odd-unknown-type-v4", "odd-unknown-code-v4",
	"odd-quote-short-v4", "odd-quote-v6-in-v4", "odd-ip-truncated-v4",
	"odd-snaplen-cut-v4", "odd-unknown-type-v6", "odd-icmp-truncated-v4",
	"spoofed-echo-request-v4",
};

enum payload_style { P_LINUX, P_WINDOWS, P_LARGE };

struct session {
	bool is_v6;
	bool is_windows;
	uint16_t client;
	uint16_t server; /* a server index, or a client index when peer_is_client */
	bool peer_is_client;
	uint16_t id;
	uint16_t seq;
	uint16_t payload_len;
	uint8_t ttl;  /* the client's initial TTL */
	uint8_t hops; /* between client and server */
};

struct pending_reply {
	uint64_t due;  /* frame count at which it goes out */
	struct session session; /* a copy: the session may end before its reply */
	uint16_t seq;
	int64_t request_ns;
};

struct gen {
	uint64_t rng;
	pcap_dumper_t *dumper;
	FILE *list;
	uint64_t n;     /* frames wanted */
	uint64_t count; /* frames written */
	int64_t ts_ns;
	int64_t gap_ns;
	bool is_jittered;
	uint16_t ip_id;
	uint32_t frag6_id;
	uint64_t kinds[K_COUNT];
	struct session sessions[SESSIONS];
	struct pending_reply pending[PENDING];
	size_t pending_head;
	size_t pending_len;
	uint8_t frame[FRAME_MAX];
	uint8_t scratch[8192];
};

static const uint8_t mac_gw_a[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t mac_gw_b[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

/* splitmix64: small, fast and the same everywhere. */
static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static void be16_at(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32_at(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Host addresses: IPv4 in host order, IPv6 as 16 bytes. */
static uint32_t v4_client(unsigned i) { return 0x0a010000u | ((i / 250) << 8) | (i % 250 + 2); }
static uint32_t v4_server(unsigned i) { return 0xac100000u | ((i / 250) << 8) | (i % 250 + 2); }
static uint32_t v4_router(unsigned i) { return 0xc0a80001u | (i << 8); }

static void v6_addr(uint8_t out[16], uint16_t net, unsigned i)
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	out[1] = 0x00;
	be16_at(out + 2, net);
	be16_at(out + 12, (uint16_t)(i >> 16));
	be16_at(out + 14, (uint16_t)(i + 2));
}
static void v6_client(uint8_t out[16], unsigned i) { v6_addr(out, 0x10, i); }
static void v6_server(uint8_t out[16], unsigned i) { v6_addr(out, 0x20, i); }
static void v6_router(uint8_t out[16], unsigned i)
{
	v6_addr(out, (uint16_t)(0x100 + i), 0);
	out[15] = 1;
}

/* A host's MAC and its EUI-64 link-local address. */
static void host_mac(uint8_t mac[6], unsigned tag, unsigned i)
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)tag;
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

static void link_local(uint8_t out[16], const uint8_t mac[6])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

static size_t put_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	be16_at(f + 12, type);
	return 14;
}

/* An IPv4 header (no options) with its checksum; frag = flags and offset. */
static void put_ip4(uint8_t *p, uint8_t proto, uint8_t ttl, uint32_t src, uint32_t dst,
		    uint16_t total_len, uint16_t id, uint16_t frag)
{
	p[0] = 0x45;
	p[1] = 0;
	be16_at(p + 2, total_len);
	be16_at(p + 4, id);
	be16_at(p + 6, frag);
	p[8] = ttl;
	p[9] = proto;
	p[10] = 0;
	p[11] = 0;
	be32_at(p + 12, src);
	be32_at(p + 16, dst);
	be16_at(p + 10, ik_cksum(p, 20));
}

static void put_ip6(uint8_t *p, uint8_t nh, uint8_t hlim, const uint8_t src[16],
		    const uint8_t dst[16], uint16_t payload_len)
{
	be32_at(p, 0x60000000u);
	be16_at(p + 4, payload_len);
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

static void icmp4_cksum(uint8_t *icmp, size_t len)
{
	icmp[2] = 0;
	icmp[3] = 0;
	be16_at(icmp + 2, ik_cksum(icmp, len));
}

static uint16_t cksum6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		       const uint8_t *data, size_t len)
{
	struct ik_addr s, d;
	ik_addr_set6(&s, src);
	ik_addr_set6(&d, dst);
	uint32_t acc = ik_cksum_pseudo6(&s, &d, (uint32_t)len, nh);
	return ik_cksum_finish(ik_cksum_add(acc, data, len));
}

static void icmp6_cksum(uint8_t *icmp, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
	icmp[2] = 0;
	icmp[3] = 0;
	be16_at(icmp + 2, cksum6(src, dst, 58, icmp, len));
}

/* Writes one frame stamped with the current packet time, then moves time on. */
static void emit(struct gen *g, enum kind k, size_t caplen, size_t wire_len)
{
	if (g->count >= g->n)
		return;
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(g->ts_ns / 1000000000);
	h.ts.tv_usec = (suseconds_t)(g->ts_ns % 1000000000 / 1000);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)wire_len;
	pcap_dump((u_char *)g->dumper, &h, g->frame);
	g->count++;
	g->kinds[k]++;
	if (g->list)
		fprintf(g->list, "%" PRIu64 " %s\n", g->count, kind_names[k]);
	int64_t step = g->gap_ns;
	if (g->is_jittered && g->gap_ns >= 2)
		step = g->gap_ns / 2 + (int64_t)(rnd(g) % (uint64_t)g->gap_ns);
	g->ts_ns += step;
}

static void emit_whole(struct gen *g, enum kind k, size_t len)
{
	emit(g, k, len, len);
}

/*
 * Echo payloads: iputils fills byte i with i and puts the send time in the
 * first 16 bytes (a struct timeval, little-endian here); Windows sends the
 * alphabet, 32 bytes.
 */
static void fill_payload(uint8_t *p, size_t len, bool is_windows, int64_t send_ns)
{
	if (is_windows) {
		static const char abc[] = "abcdefghijklmnopqrstuvwabcdefghi";
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)abc[i % 32];
		return;
	}
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)i;
	if (len >= 16) {
		uint64_t sec = (uint64_t)(send_ns / 1000000000);
		uint64_t usec = (uint64_t)(send_ns % 1000000000 / 1000);
		for (int b = 0; b < 8; b++) {
			p[b] = (uint8_t)(sec >> (8 * b));
			p[8 + b] = (uint8_t)(usec >> (8 * b));
		}
	}
}

static void session_new(struct gen *g, struct session *s)
{
	s->is_v6 = below(g, 100) < 22;
	s->is_windows = below(g, 100) < 15;
	unsigned nclients = s->is_v6 ? V6_CLIENTS : V4_CLIENTS;
	s->client = (uint16_t)below(g, nclients);
	s->peer_is_client = below(g, 100) < 20;
	s->server = (uint16_t)(s->peer_is_client ? below(g, nclients)
						 : below(g, s->is_v6 ? V6_SERVERS : V4_SERVERS));
	if (s->peer_is_client && s->server == s->client)
		s->server = (uint16_t)((s->client + 1) % nclients);
	s->id = (uint16_t)rnd(g);
	s->seq = (uint16_t)below(g, 300);
	unsigned r = below(g, 100);
	if (s->is_windows)
		s->payload_len = 32;
	else
		s->payload_len = r < 85 ? 56 : r < 95 ? 1400 : (uint16_t)(16 + below(g, 200));
	s->ttl = s->is_windows ? 128 : 64;
	s->hops = (uint8_t)(2 + below(g, 14));
}

static void session_addrs4(const struct session *s, uint32_t *client, uint32_t *peer)
{
	*client = v4_client(s->client);
	*peer = s->peer_is_client ? v4_client(s->server) : v4_server(s->server);
}

static void session_addrs6(const struct session *s, uint8_t client[16], uint8_t peer[16])
{
	v6_client(client, s->client);
	if (s->peer_is_client)
		v6_client(peer, s->server);
	else
		v6_server(peer, s->server);
}

/* One echo request or reply of a session (requests from the client). */
static void emit_echo(struct gen *g, const struct session *s, uint16_t seq, bool is_reply,
		      int64_t request_ns)
{
	uint8_t *f = g->frame;
	size_t icmp_len = 8 + (size_t)s->payload_len;
	/* The capture point sits near the clients: requests have gone one hop. */
	uint8_t ttl = is_reply ? (uint8_t)(64 - s->hops) : (uint8_t)(s->ttl - 1);
	if (!s->is_v6) {
		uint32_t client, peer;
		session_addrs4(s, &client, &peer);
		put_eth(f, is_reply ? mac_gw_a : mac_gw_b, is_reply ? mac_gw_b : mac_gw_a, 0x0800);
		put_ip4(f + 14, 1, ttl, is_reply ? peer : client, is_reply ? client : peer,
			(uint16_t)(20 + icmp_len), g->ip_id++, 0x4000);
		uint8_t *icmp = f + 34;
		icmp[0] = is_reply ? 0 : 8;
		icmp[1] = 0;
		be16_at(icmp + 4, s->id);
		be16_at(icmp + 6, seq);
		fill_payload(icmp + 8, s->payload_len, s->is_windows, request_ns);
		icmp4_cksum(icmp, icmp_len);
		emit_whole(g, is_reply ? K_ECHO_REP4 : K_ECHO_REQ4, 34 + icmp_len);
		return;
	}
	uint8_t client[16], peer[16];
	session_addrs6(s, client, peer);
	put_eth(f, is_reply ? mac_gw_a : mac_gw_b, is_reply ? mac_gw_b : mac_gw_a, 0x86dd);
	const uint8_t *src = is_reply ? peer : client, *dst = is_reply ? client : peer;
	put_ip6(f + 14, 58, ttl, src, dst, (uint16_t)icmp_len);
	uint8_t *icmp = f + 54;
	icmp[0] = is_reply ? 129 : 128;
	icmp[1] = 0;
	be16_at(icmp + 4, s->id);
	be16_at(icmp + 6, seq);
	fill_payload(icmp + 8, s->payload_len, s->is_windows, request_ns);
	icmp6_cksum(icmp, icmp_len, src, dst);
	emit_whole(g, is_reply ? K_ECHO_REP6 : K_ECHO_REQ6, 54 + icmp_len);
}

/* Replies come a little later (an RTT of a few to a few hundred frames), 2 % never. */
static void echo_event(struct gen *g)
{
	uint32_t si = below(g, SESSIONS);
	struct session *s = &g->sessions[si];
	if (below(g, 2000) == 0)
		session_new(g, s);
	uint16_t seq = ++s->seq;
	int64_t now = g->ts_ns;
	emit_echo(g, s, seq, false, now);
	if (below(g, 100) < 2)
		return;
	if (g->pending_len == PENDING) {
		struct pending_reply *p = &g->pending[g->pending_head];
		g->pending_head = (g->pending_head + 1) % PENDING;
		g->pending_len--;
		emit_echo(g, &p->session, p->seq, true, p->request_ns);
	}
	struct pending_reply *p = &g->pending[(g->pending_head + g->pending_len) % PENDING];
	p->due = g->count + 1 + below(g, s->hops * 20u);
	p->session = *s;
	p->seq = seq;
	p->request_ns = now;
	g->pending_len++;
}

/* A UDP datagram (IPv4 header included) as traceroute or tracepath sends it. */
static size_t udp4_datagram(uint8_t *p, uint32_t src, uint32_t dst, uint8_t ttl, uint16_t id,
			    bool is_df, uint16_t sport, uint16_t dport, size_t payload_len)
{
	size_t udp_len = 8 + payload_len;
	put_ip4(p, 17, ttl, src, dst, (uint16_t)(20 + udp_len), id, is_df ? 0x4000 : 0);
	uint8_t *u = p + 20;
	be16_at(u, sport);
	be16_at(u + 2, dport);
	be16_at(u + 4, (uint16_t)udp_len);
	be16_at(u + 6, 0);
	for (size_t i = 0; i < payload_len; i++)
		u[8 + i] = (uint8_t)(0x40 + i % 32);
	uint8_t pseudo[12];
	be32_at(pseudo, src);
	be32_at(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = 17;
	be16_at(pseudo + 10, (uint16_t)udp_len);
	uint16_t c = ik_cksum_finish(ik_cksum_add(ik_cksum_add(0, pseudo, 12), u, udp_len));
	be16_at(u + 6, c ? c : 0xffff);
	return 20 + udp_len;
}

static size_t udp6_datagram(uint8_t *p, const uint8_t src[16], const uint8_t dst[16],
			    uint8_t hlim, uint16_t sport, uint16_t dport, size_t payload_len)
{
	size_t udp_len = 8 + payload_len;
	put_ip6(p, 17, hlim, src, dst, (uint16_t)udp_len);
	uint8_t *u = p + 40;
	be16_at(u, sport);
	be16_at(u + 2, dport);
	be16_at(u + 4, (uint16_t)udp_len);
	be16_at(u + 6, 0);
	for (size_t i = 0; i < payload_len; i++)
		u[8 + i] = (uint8_t)(0x40 + i % 32);
	uint16_t c = cksum6(src, dst, 17, u, udp_len);
	be16_at(u + 6, c ? c : 0xffff);
	return 40 + udp_len;
}

/*
 * An ICMPv4 error from src to dst quoting quote_len bytes of the datagram in
 * g->scratch (Linux quotes up to 576 bytes in all). rest = the 4 bytes after
 * the checksum (unused, or the next-hop MTU).
 */
static size_t icmp4_error(struct gen *g, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			  uint32_t rest, size_t quote_len)
{
	uint8_t *f = g->frame;
	size_t icmp_len = 8 + quote_len;
	put_eth(f, mac_gw_a, mac_gw_b, 0x0800);
	put_ip4(f + 14, 1, (uint8_t)(64 - below(g, 12)), src, dst, (uint16_t)(20 + icmp_len),
		g->ip_id++, 0);
	uint8_t *icmp = f + 34;
	icmp[0] = type;
	icmp[1] = code;
	be32_at(icmp + 4, rest);
	memcpy(icmp + 8, g->scratch, quote_len);
	icmp4_cksum(icmp, icmp_len);
	return 34 + icmp_len;
}

/* The same for ICMPv6 (RFC 4443 2.4(c): as much as fits in 1280 bytes). */
static size_t icmp6_error(struct gen *g, const uint8_t src[16], const uint8_t dst[16],
			  uint8_t type, uint8_t code, uint32_t rest, size_t quote_len)
{
	uint8_t *f = g->frame;
	size_t icmp_len = 8 + quote_len;
	put_eth(f, mac_gw_a, mac_gw_b, 0x86dd);
	put_ip6(f + 14, 58, (uint8_t)(64 - below(g, 12)), src, dst, (uint16_t)icmp_len);
	uint8_t *icmp = f + 54;
	icmp[0] = type;
	icmp[1] = code;
	be32_at(icmp + 4, rest);
	memcpy(icmp + 8, g->scratch, quote_len);
	icmp6_cksum(icmp, icmp_len, src, dst);
	return 54 + icmp_len;
}

/* traceroute's probes: UDP to 33434 + n, 32 bytes of payload (60 in all). */
static void error4_event(struct gen *g, enum kind k)
{
	uint32_t client = v4_client(below(g, V4_CLIENTS));
	uint32_t server = v4_server(below(g, V4_SERVERS));
	uint16_t sport = (uint16_t)(32768 + below(g, 28000));
	uint16_t dport = (uint16_t)(33434 + below(g, 90));
	/* One draw per statement: the order of evaluation of arguments is unspecified. */
	uint16_t ipid = (uint16_t)rnd(g);
	uint8_t hops = (uint8_t)below(g, 20);
	size_t qlen;
	uint32_t from;
	uint8_t type = 3, code = 3;
	uint32_t rest = 0;
	switch (k) {
	case K_TIME_EXC4:
		qlen = udp4_datagram(g->scratch, client, server, 1, ipid, false, sport, dport, 32);
		from = v4_router(below(g, V4_ROUTERS));
		type = 11;
		code = 0;
		break;
	case K_PORT_UNREACH4:
		qlen = udp4_datagram(g->scratch, client, server, (uint8_t)(40 + hops), ipid, false,
				     sport, dport, 32);
		from = server;
		break;
	case K_HOST_UNREACH4:
		qlen = udp4_datagram(g->scratch, client, server, (uint8_t)(50 + hops / 2), ipid,
				     false, sport, dport, 32);
		from = v4_router(below(g, V4_ROUTERS));
		code = 1;
		break;
	default: /* K_FRAG_NEEDED4: tracepath's 1500-byte DF probe, quoted to 576 bytes */
		udp4_datagram(g->scratch, client, server, 64, ipid, true, sport,
			      (uint16_t)(44444 + hops), 1472);
		qlen = 576 - 28;
		from = v4_router(below(g, V4_ROUTERS));
		code = 4;
		rest = below(g, 2) ? 1400 : 1480;
		break;
	}
	emit_whole(g, k, icmp4_error(g, from, client, type, code, rest, qlen));
}

static void error6_event(struct gen *g, enum kind k)
{
	uint8_t client[16], server[16], router[16];
	v6_client(client, below(g, V6_CLIENTS));
	v6_server(server, below(g, V6_SERVERS));
	v6_router(router, below(g, V6_ROUTERS));
	uint16_t sport = (uint16_t)(32768 + below(g, 28000));
	uint16_t dport = (uint16_t)(33434 + below(g, 90));
	size_t qlen;
	size_t len;
	switch (k) {
	case K_TIME_EXC6:
		qlen = udp6_datagram(g->scratch, client, server, 1, sport, dport, 32);
		len = icmp6_error(g, router, client, 3, 0, 0, qlen);
		break;
	case K_PORT_UNREACH6:
		qlen = udp6_datagram(g->scratch, client, server, (uint8_t)(40 + below(g, 20)),
				     sport, dport, 32);
		len = icmp6_error(g, server, client, 1, 4, 0, qlen);
		break;
	default: /* K_PTB6: a 1500-byte datagram quoted to 1280 bytes in all */
		udp6_datagram(g->scratch, client, server, 64, sport, (uint16_t)(44444 + below(g, 30)),
			      1452);
		qlen = 1280 - 48;
		len = icmp6_error(g, router, client, 2, 0, 1280, qlen);
		break;
	}
	emit_whole(g, k, len);
}

/* Neighbour discovery (RFC 4861 4.1-4.4) on the client LAN, hop limit 255. */
static void nd_event(struct gen *g)
{
	uint8_t *f = g->frame;
	unsigned who = below(g, V6_CLIENTS), other = below(g, V6_CLIENTS);
	uint8_t mac[6], omac[6], src[16], dst[16], target[16];
	host_mac(mac, 6, who);
	host_mac(omac, 6, other);
	uint8_t *icmp = f + 54;
	size_t icmp_len;
	enum kind k;
	unsigned r = below(g, 100);
	if (r < 42) { /* NS: who asks for other's global address */
		k = K_ND_NS;
		link_local(src, mac);
		v6_client(target, other);
		static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
		memcpy(dst, snm, 13);
		memcpy(dst + 13, target + 13, 3);
		const uint8_t mdst[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
		put_eth(f, mdst, mac, 0x86dd);
		icmp_len = 32;
		memset(icmp, 0, icmp_len);
		icmp[0] = 135;
		memcpy(icmp + 8, target, 16);
		icmp[24] = 1; /* source link-layer address */
		icmp[25] = 1;
		memcpy(icmp + 26, mac, 6);
	} else if (r < 80) { /* NA: other answers, solicited and override */
		k = K_ND_NA;
		v6_client(src, other);
		link_local(dst, mac);
		put_eth(f, mac, omac, 0x86dd);
		icmp_len = 32;
		memset(icmp, 0, icmp_len);
		icmp[0] = 136;
		icmp[4] = 0x60;
		memcpy(icmp + 8, src, 16);
		icmp[24] = 2; /* target link-layer address */
		icmp[25] = 1;
		memcpy(icmp + 26, omac, 6);
	} else if (r < 90) { /* RS to all routers */
		k = K_ND_RS;
		link_local(src, mac);
		static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 2};
		memcpy(dst, all_routers, 16);
		const uint8_t mdst[6] = {0x33, 0x33, 0, 0, 0, 2};
		put_eth(f, mdst, mac, 0x86dd);
		icmp_len = 16;
		memset(icmp, 0, icmp_len);
		icmp[0] = 133;
		icmp[8] = 1;
		icmp[9] = 1;
		memcpy(icmp + 10, mac, 6);
	} else { /* RA to all nodes: SLLA, MTU and a /64 prefix */
		k = K_ND_RA;
		unsigned rt = below(g, V6_ROUTERS);
		host_mac(mac, 7, rt);
		link_local(src, mac);
		static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
		memcpy(dst, all_nodes, 16);
		const uint8_t mdst[6] = {0x33, 0x33, 0, 0, 0, 1};
		put_eth(f, mdst, mac, 0x86dd);
		icmp_len = 16 + 8 + 8 + 32;
		memset(icmp, 0, icmp_len);
		icmp[0] = 134;
		icmp[4] = 64;            /* cur hop limit */
		be16_at(icmp + 6, 1800); /* router lifetime */
		uint8_t *o = icmp + 16;
		o[0] = 1;
		o[1] = 1;
		memcpy(o + 2, mac, 6);
		o += 8;
		o[0] = 5;
		o[1] = 1;
		be32_at(o + 4, 1500);
		o += 8;
		o[0] = 3;
		o[1] = 4;
		o[2] = 64;
		o[3] = 0xc0; /* on-link, autonomous */
		be32_at(o + 4, 2592000);
		be32_at(o + 8, 604800);
		v6_client(o + 16, 0);
		memset(o + 24, 0, 8);
	}
	put_ip6(f + 14, 58, 255, src, dst, (uint16_t)icmp_len);
	icmp6_cksum(icmp, icmp_len, src, dst);
	emit_whole(g, k, 54 + icmp_len);
}

/* `ping -s 2972`: a 3000-byte echo request and its reply in three IPv4 fragments each. */
static void frag4_event(struct gen *g)
{
	uint32_t client = v4_client(below(g, V4_CLIENTS));
	uint32_t server = v4_server(below(g, V4_SERVERS));
	uint16_t id = (uint16_t)rnd(g), seq = (uint16_t)below(g, 1000);
	size_t icmp_len = 8 + 2972;
	uint8_t *m = g->scratch;
	for (int dir = 0; dir < 2; dir++) {
		m[0] = dir ? 0 : 8;
		m[1] = 0;
		be16_at(m + 4, id);
		be16_at(m + 6, seq);
		fill_payload(m + 8, icmp_len - 8, false, g->ts_ns);
		icmp4_cksum(m, icmp_len);
		uint16_t ipid = g->ip_id++;
		for (size_t off = 0; off < icmp_len; off += 1480) {
			size_t chunk = icmp_len - off < 1480 ? icmp_len - off : 1480;
			bool is_more = off + chunk < icmp_len;
			uint8_t *f = g->frame;
			put_eth(f, dir ? mac_gw_a : mac_gw_b, dir ? mac_gw_b : mac_gw_a, 0x0800);
			put_ip4(f + 14, 1, dir ? 55 : 63, dir ? server : client, dir ? client : server,
				(uint16_t)(20 + chunk), ipid,
				(uint16_t)((is_more ? 0x2000 : 0) | (off / 8)));
			memcpy(f + 34, m + off, chunk);
			emit_whole(g, K_FRAG4, 34 + chunk);
		}
	}
}

/* `ping -6 -s 2992`: the same over IPv6 with a fragment header (1448-byte pieces). */
static void frag6_event(struct gen *g)
{
	uint8_t client[16], server[16];
	v6_client(client, below(g, V6_CLIENTS));
	v6_server(server, below(g, V6_SERVERS));
	uint16_t id = (uint16_t)rnd(g), seq = (uint16_t)below(g, 1000);
	size_t icmp_len = 8 + 2992;
	uint8_t *m = g->scratch;
	for (int dir = 0; dir < 2; dir++) {
		const uint8_t *src = dir ? server : client, *dst = dir ? client : server;
		m[0] = dir ? 129 : 128;
		m[1] = 0;
		be16_at(m + 4, id);
		be16_at(m + 6, seq);
		fill_payload(m + 8, icmp_len - 8, false, g->ts_ns);
		icmp6_cksum(m, icmp_len, src, dst);
		uint32_t fid = g->frag6_id++;
		for (size_t off = 0; off < icmp_len; off += 1448) {
			size_t chunk = icmp_len - off < 1448 ? icmp_len - off : 1448;
			bool is_more = off + chunk < icmp_len;
			uint8_t *f = g->frame;
			put_eth(f, dir ? mac_gw_a : mac_gw_b, dir ? mac_gw_b : mac_gw_a, 0x86dd);
			put_ip6(f + 14, 44, dir ? 55 : 63, src, dst, (uint16_t)(8 + chunk));
			uint8_t *fh = f + 54;
			fh[0] = 58;
			fh[1] = 0;
			be16_at(fh + 2, (uint16_t)(off | (is_more ? 1 : 0)));
			be32_at(fh + 4, fid);
			memcpy(f + 62, m + off, chunk);
			emit_whole(g, K_FRAG6, 62 + chunk);
		}
	}
}

/* RFC 792 Timestamp request and its reply (what clockdiff sends). */
static void timestamp_event(struct gen *g)
{
	uint32_t client = v4_client(below(g, V4_CLIENTS));
	uint32_t server = v4_server(below(g, V4_SERVERS));
	uint16_t id = (uint16_t)rnd(g);
	uint32_t ms = (uint32_t)((g->ts_ns / 1000000) % 86400000);
	for (int dir = 0; dir < 2; dir++) {
		uint8_t *f = g->frame;
		put_eth(f, dir ? mac_gw_a : mac_gw_b, dir ? mac_gw_b : mac_gw_a, 0x0800);
		put_ip4(f + 14, 1, dir ? 55 : 63, dir ? server : client, dir ? client : server, 40,
			g->ip_id++, 0);
		uint8_t *icmp = f + 34;
		icmp[0] = dir ? 14 : 13;
		icmp[1] = 0;
		be16_at(icmp + 4, id);
		be16_at(icmp + 6, 1);
		be32_at(icmp + 8, ms);
		be32_at(icmp + 12, dir ? ms + 1 : 0);
		be32_at(icmp + 16, dir ? ms + 1 : 0);
		icmp4_cksum(icmp, 20);
		emit_whole(g, K_TIMESTAMP, 54);
	}
}

/* One odd or malformed frame, each kind what its name says and nothing else. */
static void odd_event(struct gen *g)
{
	enum kind k = (enum kind)(K_FIRST_ODD + below(g, K_SPOOF_ECHO - K_FIRST_ODD));
	uint8_t *f = g->frame;
	uint32_t client = v4_client(below(g, V4_CLIENTS));
	uint32_t server = v4_server(below(g, V4_SERVERS));
	uint32_t router = v4_router(below(g, V4_ROUTERS));
	uint8_t *icmp = f + 34;
	size_t qlen;
	switch (k) {
	case K_BAD_CKSUM4: /* an iputils echo request whose checksum is off by one */
	case K_SNAPLEN_CUT: /* `ping -s 1400` captured with -s 96 */
	case K_ICMP_TRUNCATED4: { /* an echo request cut to 4 bytes of ICMP */
		size_t plen = k == K_SNAPLEN_CUT ? 1400 : 56;
		put_eth(f, mac_gw_b, mac_gw_a, 0x0800);
		size_t icmp_len = k == K_ICMP_TRUNCATED4 ? 4 : 8 + plen;
		put_ip4(f + 14, 1, 63, client, server, (uint16_t)(20 + icmp_len), g->ip_id++, 0x4000);
		if (k == K_ICMP_TRUNCATED4) {
			icmp[0] = 8;
			icmp[1] = 0;
			icmp4_cksum(icmp, 4);
			emit_whole(g, k, 38);
			return;
		}
		icmp[0] = 8;
		icmp[1] = 0;
		be16_at(icmp + 4, (uint16_t)rnd(g));
		be16_at(icmp + 6, 1);
		fill_payload(icmp + 8, plen, false, g->ts_ns);
		icmp4_cksum(icmp, icmp_len);
		if (k == K_BAD_CKSUM4) {
			icmp[3] ^= 1;
			emit_whole(g, k, 34 + icmp_len);
		} else {
			emit(g, k, 96, 34 + icmp_len);
		}
		return;
	}
	case K_UNKNOWN_TYPE4: /* type 99 is unassigned */
		put_eth(f, mac_gw_a, mac_gw_b, 0x0800);
		put_ip4(f + 14, 1, 50, server, client, 20 + 16, g->ip_id++, 0);
		memset(icmp, 0, 16);
		icmp[0] = 99;
		icmp4_cksum(icmp, 16);
		emit_whole(g, k, 50);
		return;
	case K_UNKNOWN_CODE4: /* Destination Unreachable code 20 is unassigned */
		qlen = udp4_datagram(g->scratch, client, server, 50, (uint16_t)rnd(g), false,
				     40000, 33434, 32);
		emit_whole(g, k, icmp4_error(g, router, client, 3, 20, 0, qlen));
		return;
	case K_QUOTE_SHORT4: /* Time Exceeded quoting only 4 of the 8 bytes RFC 792 asks for */
		udp4_datagram(g->scratch, client, server, 1, (uint16_t)rnd(g), false, 40000,
			      33434, 32);
		emit_whole(g, k, icmp4_error(g, router, client, 11, 0, 0, 24));
		return;
	case K_QUOTE_V6_IN_V4: { /* an ICMPv4 error quoting an IPv6 header */
		uint8_t c6[16], s6[16];
		v6_client(c6, 1);
		v6_server(s6, 1);
		qlen = udp6_datagram(g->scratch, c6, s6, 1, 40000, 33434, 32);
		emit_whole(g, k, icmp4_error(g, router, client, 11, 0, 0, qlen));
		return;
	}
	case K_IP_TRUNCATED4: /* IPv4 total length 84, only 40 bytes of IP on the wire */
		put_eth(f, mac_gw_b, mac_gw_a, 0x0800);
		put_ip4(f + 14, 1, 63, client, server, 84, g->ip_id++, 0x4000);
		icmp[0] = 8;
		icmp[1] = 0;
		be16_at(icmp + 4, (uint16_t)rnd(g));
		be16_at(icmp + 6, 1);
		fill_payload(icmp + 8, 12, false, g->ts_ns);
		icmp4_cksum(icmp, 20);
		emit_whole(g, k, 54);
		return;
	default: { /* K_UNKNOWN_TYPE6: type 170 is unassigned (160/161 are RFC 8335) */
		uint8_t c6[16], s6[16];
		v6_client(c6, below(g, V6_CLIENTS));
		v6_server(s6, below(g, V6_SERVERS));
		put_eth(f, mac_gw_a, mac_gw_b, 0x86dd);
		put_ip6(f + 14, 58, 50, s6, c6, 16);
		uint8_t *i6 = f + 54;
		memset(i6, 0, 16);
		i6[0] = 170;
		icmp6_cksum(i6, 16, s6, c6);
		emit_whole(g, K_UNKNOWN_TYPE6, 70);
		return;
	}
	}
}

/* Events per 1000 (a fragmented ping or a timestamp exchange is several frames). */
static void mixed_step(struct gen *g)
{
	if (g->pending_len > 0 && g->pending[g->pending_head].due <= g->count) {
		struct pending_reply *p = &g->pending[g->pending_head];
		g->pending_head = (g->pending_head + 1) % PENDING;
		g->pending_len--;
		emit_echo(g, &p->session, p->seq, true, p->request_ns);
		return;
	}
	unsigned r = below(g, 1000);
	if (r < 740)
		echo_event(g);
	else if (r < 810)
		error4_event(g, K_TIME_EXC4);
	else if (r < 835)
		error6_event(g, K_TIME_EXC6);
	else if (r < 875)
		error4_event(g, K_PORT_UNREACH4);
	else if (r < 890)
		error6_event(g, K_PORT_UNREACH6);
	else if (r < 900)
		error4_event(g, K_HOST_UNREACH4);
	else if (r < 912)
		error4_event(g, K_FRAG_NEEDED4);
	else if (r < 918)
		error6_event(g, K_PTB6);
	else if (r < 978)
		nd_event(g);
	else if (r < 988)
		frag4_event(g);
	else if (r < 992)
		frag6_event(g);
	else if (r < 995)
		timestamp_event(g);
	else
		odd_event(g);
}

/*
 * murmur3's finaliser is a bijection on 32 bits, so distinct counters give
 * distinct sources; those that are not unicast host addresses are skipped.
 */
static uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static bool is_plain_unicast(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);
	if (top == 0 || top == 127 || top >= 224)
		return false;
	uint8_t low = (uint8_t)a;
	return low != 0 && low != 255 && a != 0x0a000202u;
}

/* hping3 --icmp --flood --rand-source -d 32 toward 10.0.2.2. */
static void spoof_run(struct gen *g)
{
	uint32_t victim = 0x0a000202u;
	uint32_t counter = (uint32_t)rnd(g);
	uint16_t id = (uint16_t)rnd(g);
	uint16_t seq = 0;
	uint8_t *f = g->frame;
	put_eth(f, mac_gw_a, mac_gw_b, 0x0800);
	uint8_t *icmp = f + 34;
	memset(icmp + 8, 'X', 32);
	uint64_t tries = 0;
	while (g->count < g->n) {
		uint32_t src;
		do {
			src = fmix32(counter++);
			if (++tries > UINT32_MAX) {
				fprintf(stderr, "watch_gen: out of distinct sources\n");
				exit(1);
			}
		} while (!is_plain_unicast(src));
		put_ip4(f + 14, 1, 64, src, victim, 20 + 8 + 32, (uint16_t)rnd(g), 0);
		icmp[0] = 8;
		icmp[1] = 0;
		be16_at(icmp + 4, id);
		be16_at(icmp + 6, seq++);
		icmp4_cksum(icmp, 40);
		emit_whole(g, K_SPOOF_ECHO, 74);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: watch_gen [-g GAP_NS] [-S SEED] [-l LIST] mixed|spoof N FILE\n");
	exit(2);
}

static uint64_t number(const char *s, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "watch_gen: bad number '%s' (at most %" PRIu64 ")\n", s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct gen g; /* large: keep it off the stack */
	int64_t gap_ns = -1;
	uint64_t seed = 20261129;
	const char *list = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "g:S:l:")) != -1) {
		switch (opt) {
		case 'g':
			gap_ns = (int64_t)number(optarg, 1000000000);
			break;
		case 'S':
			seed = number(optarg, UINT64_MAX);
			break;
		case 'l':
			list = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	const char *mode = argv[optind];
	bool is_spoof = strcmp(mode, "spoof") == 0;
	if (!is_spoof && strcmp(mode, "mixed") != 0)
		usage();
	g.n = number(argv[optind + 1], UINT64_C(1) << 32);
	g.rng = seed;
	g.gap_ns = gap_ns >= 0 ? gap_ns : is_spoof ? 1000 : 10000;
	g.is_jittered = !is_spoof;
	g.ts_ns = START_S * 1000000000;
	g.ip_id = (uint16_t)rnd(&g);
	g.frag6_id = (uint32_t)rnd(&g);

	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (!dead) {
		fprintf(stderr, "watch_gen: pcap_open_dead failed\n");
		return 1;
	}
	g.dumper = pcap_dump_open(dead, argv[optind + 2]);
	if (!g.dumper) {
		fprintf(stderr, "watch_gen: %s\n", pcap_geterr(dead));
		return 1;
	}
	if (list) {
		g.list = fopen(list, "w");
		if (!g.list) {
			fprintf(stderr, "watch_gen: %s: %s\n", list, strerror(errno));
			return 1;
		}
	}
	if (is_spoof) {
		spoof_run(&g);
	} else {
		for (size_t i = 0; i < SESSIONS; i++)
			session_new(&g, &g.sessions[i]);
		while (g.count < g.n)
			mixed_step(&g);
	}
	int rc = 0;
	if (pcap_dump_flush(g.dumper) != 0) {
		fprintf(stderr, "watch_gen: write failed\n");
		rc = 1;
	}
	pcap_dump_close(g.dumper);
	pcap_close(dead);
	if (g.list && fclose(g.list) != 0) {
		fprintf(stderr, "watch_gen: %s: write failed\n", list);
		rc = 1;
	}
	fprintf(stderr, "watch_gen: %s: %" PRIu64 " frames over %.3f s of packet time\n", mode,
		g.count, (double)(g.ts_ns - START_S * 1000000000) / 1e9);
	for (int k = 0; k < K_COUNT; k++)
		if (g.kinds[k])
			fprintf(stderr, "  %-26s %10" PRIu64 "\n", kind_names[k], g.kinds[k]);
	return rc;
}
