/* SPDX-License-Identifier: BSD-3-Clause */
/* Micro-benchmark of the codec alone: ik_packet_decode and ik_cksum on memory-resident buffers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "icmpkit/icmpkit.h"

#define FRAME_MAX 1600
#define NFRAMES 4096 /* distinct frames cycled through, spread over 6.5 MB */

struct frame {
	size_t len;
	uint8_t bytes[FRAME_MAX];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void be16_at(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An Ethernet + IPv4 header in front of an upper-layer payload of len bytes. */
static size_t put_eth_ip4(uint8_t *f, uint8_t proto, uint8_t ttl, const uint8_t src[4],
			  const uint8_t dst[4], size_t len)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	memcpy(f, mac, 12);
	be16_at(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	be16_at(ip + 2, (uint16_t)(20 + len));
	be16_at(ip + 4, 0x1234);
	ip[6] = 0x40; /* DF */
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	be16_at(ip + 10, ik_cksum(ip, 20));
	return 34;
}

static size_t put_eth_ip6(uint8_t *f, uint8_t nh, uint8_t hlim, const struct ik_addr *src,
			  const struct ik_addr *dst, size_t len)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	memcpy(f, mac, 12);
	be16_at(f + 12, 0x86dd);
	uint8_t *ip = f + 14;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	be16_at(ip + 4, (uint16_t)len);
	ip[6] = nh;
	ip[7] = hlim;
	memcpy(ip + 8, src->bytes, 16);
	memcpy(ip + 24, dst->bytes, 16);
	return 54;
}

enum kind {
	ECHO_REQ4, ECHO_REP4, ECHO_REQ6, ECHO_REP6, TIME_EXC4, TIME_EXC6,
	PORT_UNREACH4, FRAG_NEEDED4, TIME_EXC4_MPLS, PTB6, KIND_COUNT
};

static const char *const kind_names[KIND_COUNT] = {
	"echo request v4", "echo reply v4", "echo request v6", "echo reply v6",
	"time exceeded v4 (UDP quote)", "time exceeded v6 (UDP quote)", "port unreachable v4",
	"frag needed v4 (mtu 1400)", "time exceeded v4 + RFC 4950 MPLS", "packet too big v6",
};

/* The share of each kind in the mix, out of 100: mostly echo, as on a real link. */
static const int kind_weights[KIND_COUNT] = {20, 20, 15, 15, 8, 6, 6, 4, 3, 3};

/* Builds one frame of a kind; returns 0 or a negative ik_err. */
static int make_frame(enum kind k, uint16_t seq, struct frame *fr)
{
	static const uint8_t a4[4] = {10, 0, 1, 2}, b4[4] = {10, 0, 2, 2}, r4[4] = {10, 0, 12, 2};
	struct ik_addr a6 = {0}, b6 = {0}, r6 = {0};
	uint8_t a6b[16] = {0xfd, 0, 0, 1}, b6b[16] = {0xfd, 0, 0, 2}, r6b[16] = {0xfd, 0, 0, 0x12};
	a6b[15] = b6b[15] = r6b[15] = 2;
	ik_addr_set6(&a6, a6b);
	ik_addr_set6(&b6, b6b);
	ik_addr_set6(&r6, r6b);

	uint8_t payload[56];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(0x10 + i);

	/* The datagram an error quotes: the whole probe, as Linux quotes it. */
	uint8_t quote[128];
	size_t quote_len = 0;
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	bool is_v6 = k == ECHO_REQ6 || k == ECHO_REP6 || k == TIME_EXC6 || k == PTB6;
	m.version = is_v6 ? 6 : 4;
	m.id = 0x4242;
	m.seq = seq;
	m.data = payload;
	m.data_len = sizeof payload;
	if (k >= TIME_EXC4) {
		uint8_t probe[FRAME_MAX];
		uint8_t *udp;
		size_t hl;
		if (is_v6) {
			hl = put_eth_ip6(probe, IK_PROTO_UDP, 1, &a6, &b6, 8 + 32) - 14;
		} else {
			hl = put_eth_ip4(probe, IK_PROTO_UDP, 1, a4, b4, 8 + 32) - 14;
		}
		udp = probe + 14 + hl;
		be16_at(udp, 40000);
		be16_at(udp + 2, (uint16_t)(33434 + seq % 30));
		be16_at(udp + 4, 40);
		be16_at(udp + 6, 0);
		memset(udp + 8, 0x40, 32);
		quote_len = hl + 40;
		memcpy(quote, probe + 14, quote_len);
		m.data = quote;
		m.data_len = quote_len;
	}
	switch (k) {
	case ECHO_REQ4: m.type = IK_ICMP4_ECHO_REQUEST; break;
	case ECHO_REP4: m.type = IK_ICMP4_ECHO_REPLY; break;
	case ECHO_REQ6: m.type = IK_ICMP6_ECHO_REQUEST; break;
	case ECHO_REP6: m.type = IK_ICMP6_ECHO_REPLY; break;
	case TIME_EXC4: m.type = IK_ICMP4_TIME_EXCEEDED; break;
	case TIME_EXC6: m.type = IK_ICMP6_TIME_EXCEEDED; break;
	case PORT_UNREACH4: m.type = IK_ICMP4_DEST_UNREACH; m.code = IK_UNREACH_PORT; break;
	case FRAG_NEEDED4:
		m.type = IK_ICMP4_DEST_UNREACH;
		m.code = IK_UNREACH_FRAG_NEEDED;
		m.mtu = 1400;
		break;
	case TIME_EXC4_MPLS:
		m.type = IK_ICMP4_TIME_EXCEEDED;
		m.ext.is_present = true;
		m.ext.version = 2;
		m.ext.mpls_count = 2;
		m.ext.mpls[0] = (struct ik_mpls_entry){.label = 16001, .ttl = 1};
		m.ext.mpls[1] = (struct ik_mpls_entry){.label = 24002, .is_bottom = true, .ttl = 1};
		break;
	case PTB6: m.type = IK_ICMP6_PACKET_TOO_BIG; m.mtu = 1280; break;
	default: return IK_ERR_INVALID;
	}

	uint8_t icmp[FRAME_MAX];
	int n = is_v6 ? ik_icmp6_encode(&m, k == ECHO_REP6 ? &b6 : k == ECHO_REQ6 ? &a6 : &r6,
					k == ECHO_REP6 ? &a6 : &a6, icmp, sizeof icmp)
		      : ik_icmp4_encode(&m, icmp, sizeof icmp);
	if (n < 0)
		return n;
	size_t off;
	if (is_v6)
		off = put_eth_ip6(fr->bytes, IK_PROTO_ICMPV6, 64,
				  k == ECHO_REP6 ? &b6 : k == ECHO_REQ6 ? &a6 : &r6, &a6, (size_t)n);
	else
		off = put_eth_ip4(fr->bytes, IK_PROTO_ICMP, 64,
				  k == ECHO_REP4 ? b4 : k == ECHO_REQ4 ? a4 : r4,
				  k == ECHO_REQ4 ? b4 : a4, (size_t)n);
	memcpy(fr->bytes + off, icmp, (size_t)n);
	fr->len = off + (size_t)n;
	return 0;
}

/* Byte-at-a-time RFC 1071 sum, the reference ik_cksum is measured against. */
static uint16_t cksum_bytewise(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The same loop with auto-vectorisation off: what "one byte pair per step"
 * really costs. gcc -O3 turns the loop above into SIMD code, so both are shown.
 */
#if defined(__clang__)
static uint16_t cksum_scalar(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
#pragma clang loop vectorize(disable) interleave(disable)
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
#else
__attribute__((optimize("no-tree-vectorize"))) static uint16_t cksum_scalar(const uint8_t *p,
									  size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
#endif
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Times fn over buffers of len bytes for about secs; returns GB/s. */
static double cksum_rate(uint16_t (*fn)(const uint8_t *, size_t), const uint8_t *buf,
			 size_t buf_len, size_t len, double secs, uint16_t *sink)
{
	size_t slots = buf_len / len, done = 0, iters = 1024;
	uint16_t acc = 0;
	double t0 = now_s(), t;
	do {
		for (size_t i = 0; i < iters; i++)
			acc ^= fn(buf + ((done + i) % slots) * len, len);
		done += iters;
		t = now_s() - t0;
	} while (t < secs);
	*sink ^= acc;
	return (double)done * (double)len / t / 1e9;
}

static uint16_t cksum_lib(const uint8_t *p, size_t len)
{
	return ik_cksum(p, len);
}

int main(int argc, char **argv)
{
	double secs = 2.0;
	if (argc > 1) {
		char *end;
		secs = strtod(argv[1], &end);
		if (*end || secs <= 0 || secs > 600) {
			fprintf(stderr, "usage: codec_bench [SECONDS per measurement, default 2]\n");
			return 2;
		}
	}

	struct frame *frames = calloc(NFRAMES, sizeof *frames);
	uint8_t order[100];
	int nk = 0;
	for (int k = 0; k < KIND_COUNT; k++)
		for (int w = 0; w < kind_weights[k]; w++)
			order[nk++] = (uint8_t)k;
	if (!frames || nk != 100) {
		fprintf(stderr, "codec_bench: setup failed\n");
		return 2;
	}
	size_t total_bytes = 0;
	for (int i = 0; i < NFRAMES; i++) {
		/* A fixed stride through the weights mixes the kinds evenly. */
		enum kind k = order[(i * 37) % 100];
		int rc = make_frame(k, (uint16_t)i, &frames[i]);
		if (rc < 0) {
			fprintf(stderr, "codec_bench: cannot encode %s: %s\n", kind_names[k], ik_strerror(rc));
			return 2;
		}
		total_bytes += frames[i].len;
	}
	/* Every frame must decode cleanly first: a fast failure is no figure. */
	for (int i = 0; i < NFRAMES; i++) {
		struct ik_packet p;
		enum kind k = order[(i * 37) % 100];
		int rc = ik_packet_decode(IK_LINK_ETHERNET, frames[i].bytes, frames[i].len, &p);
		bool has_ext = k == TIME_EXC4_MPLS;
		if (rc != 0 || !p.has_icmp || p.icmp_err != 0 || p.icmp.ext.is_present != has_ext ||
		    (k >= TIME_EXC4 && !p.icmp.quote.is_present)) {
			fprintf(stderr, "codec_bench: frame %d (%s) does not decode cleanly: %s/%s\n", i,
				kind_names[k], ik_errname(rc), ik_errname(p.icmp_err));
			return 1;
		}
	}

	printf("codec_bench: %d frames in the mix (%zu bytes, mean %.0f B/frame), %.1f s per figure\n",
	       NFRAMES, total_bytes, (double)total_bytes / NFRAMES, secs);
	for (int k = 0; k < KIND_COUNT; k++)
		printf("  %3d%%  %s\n", kind_weights[k], kind_names[k]);

	/* Decode loop: one core, the packets already in memory. */
	size_t done = 0;
	unsigned checksum_ok = 0;
	struct ik_packet p;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < NFRAMES; i++) {
			int rc = ik_packet_decode(IK_LINK_ETHERNET, frames[i].bytes, frames[i].len, &p);
			checksum_ok += rc == 0 && p.icmp.is_checksum_ok;
		}
		done += NFRAMES;
		t = now_s() - t0;
	} while (t < secs);
	double pps = (double)done / t;
	printf("decode: %zu packets in %.3f s = %.2f Mpps (%.0f ns/packet; goal >= 5 Mpps), %u verified\n",
	       done, t, pps / 1e6, 1e9 / pps, checksum_ok);
	printf("RESULT decode_mpps %.3f\n", pps / 1e6);

	/* Checksum: ik_cksum against the byte-at-a-time reference. */
	size_t buf_len = 4u << 20;
	uint8_t *buf = malloc(buf_len);
	if (!buf)
		return 2;
	for (size_t i = 0; i < buf_len; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	uint16_t sink = 0;
	static const size_t sizes[] = {64, 1500};
	for (size_t s = 0; s < 2; s++) {
		size_t len = sizes[s];
		double lib = cksum_rate(cksum_lib, buf, buf_len, len, secs / 2, &sink);
		double ref = cksum_rate(cksum_bytewise, buf, buf_len, len, secs / 2, &sink);
		double scalar = cksum_rate(cksum_scalar, buf, buf_len, len, secs / 2, &sink);
		printf("cksum %4zu B: ik_cksum %.2f GB/s; byte-at-a-time %.2f GB/s scalar (ratio %.1fx), "
		       "%.2f GB/s as the compiler vectorises it (ratio %.1fx)\n",
		       len, lib, scalar, lib / scalar, ref, lib / ref);
		printf("RESULT cksum%zu_gbps %.3f\nRESULT cksum%zu_ratio_scalar %.2f\n"
		       "RESULT cksum%zu_ratio_vectorised %.2f\n",
		       len, lib, len, lib / scalar, len, lib / ref);
	}
	if (cksum_bytewise(buf, 1500) != ik_cksum(buf, 1500) ||
	    cksum_scalar(buf, 1501) != ik_cksum(buf, 1501)) {
		fprintf(stderr, "codec_bench: ik_cksum disagrees with the reference\n");
		return 1;
	}
	printf("(sink %04x)\n", sink);
	free(buf);
	free(frames);
	return 0;
}
