/* SPDX-License-Identifier: BSD-3-Clause */
/* Link-layer decode tests on real captures (Ethernet, SLL, SLL2, pcapng) and frames built from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "icmpkit/icmpkit.h"

#define MAX_FRAMES 16

struct capture {
	int dlt;
	size_t count;
	size_t len[MAX_FRAMES];
	uint8_t *frame[MAX_FRAMES];
};

static void read_capture(const char *file, struct capture *cap)
{
	const char *dir = getenv("FIXTURES");
	char path[512], errbuf[PCAP_ERRBUF_SIZE];
	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	pcap_t *p = pcap_open_offline(path, errbuf);
	if (!p)
		fail_msg("%s: %s", path, errbuf);
	memset(cap, 0, sizeof *cap);
	cap->dlt = pcap_datalink(p);
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_true(cap->count < MAX_FRAMES);
		assert_int_equal(h->caplen, h->len); /* nothing cut by the snaplen */
		/* An exact-size copy, so ASan sees any read past the frame. */
		cap->frame[cap->count] = malloc(h->caplen);
		memcpy(cap->frame[cap->count], data, h->caplen);
		cap->len[cap->count++] = h->caplen;
	}
	pcap_close(p);
}

static void free_capture(struct capture *cap)
{
	for (size_t i = 0; i < cap->count; i++)
		free(cap->frame[i]);
}

static enum ik_link link_of(const struct capture *cap)
{
	enum ik_link link;
	assert_int_equal(ik_link_from_dlt(cap->dlt, &link), 0);
	return link;
}

/* Decodes frame i of a capture; a whole ICMP message must verify. */
static int decode(const struct capture *cap, size_t i, struct ik_packet *pkt)
{
	return ik_packet_decode(link_of(cap), cap->frame[i], cap->len[i], pkt);
}

static void assert_icmp(const struct ik_packet *pkt, uint8_t version, uint8_t type, uint8_t code)
{
	assert_int_equal(pkt->ip.version, version);
	assert_true(pkt->has_icmp);
	assert_int_equal(pkt->icmp.version, version);
	assert_int_equal(pkt->icmp.type, type);
	assert_int_equal(pkt->icmp.code, code);
}

static void assert_whole_verified(const struct ik_packet *pkt)
{
	assert_false(pkt->is_fragment);
	assert_int_equal(pkt->icmp_err, 0);
	assert_true(pkt->icmp.is_checksum_checked);
	assert_true(pkt->icmp.is_checksum_ok);
}

static void dlt_mapping(void **state)
{
	(void)state;
	static const struct {
		int dlt;
		enum ik_link link;
	} map[] = {
		{1, IK_LINK_ETHERNET}, {12, IK_LINK_RAW},  {14, IK_LINK_RAW},   {101, IK_LINK_RAW},
		{228, IK_LINK_RAW},    {229, IK_LINK_RAW}, {113, IK_LINK_SLL},  {276, IK_LINK_SLL2},
		{0, IK_LINK_NULL},     {108, IK_LINK_LOOP},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		enum ik_link link = 0;
		assert_int_equal(ik_link_from_dlt(map[i].dlt, &link), 0);
		assert_int_equal(link, map[i].link);
	}
	/* libpcap's own names agree. */
	enum ik_link link;
	assert_int_equal(ik_link_from_dlt(pcap_datalink_name_to_val("LINUX_SLL2"), &link), 0);
	assert_int_equal(link, IK_LINK_SLL2);
	assert_int_equal(ik_link_from_dlt(DLT_EN10MB, &link), 0);
	assert_int_equal(link, IK_LINK_ETHERNET);
	int bad[] = {-1, 9, 105, 127, 147, 1000};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ik_link_from_dlt(bad[i], &link), IK_ERR_UNSUPPORTED);
}

static void ethernet_capture(void **state)
{
	(void)state;
	struct capture cap;
	struct ik_packet pkt;
	read_capture("link_eth.pcap", &cap);
	assert_int_equal(cap.dlt, DLT_EN10MB);
	assert_int_equal(cap.count, 14);

	assert_int_equal(decode(&cap, 0, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_ECHO_REQUEST, 0);
	assert_whole_verified(&pkt);
	assert_int_equal(pkt.icmp.id, 0x29f7);

	assert_int_equal(decode(&cap, 1, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_REDIRECT, 0);
	assert_whole_verified(&pkt);
	assert_true(pkt.icmp.nd.has_redirected_header);
	assert_int_equal(pkt.ip.ttl, 255);

	assert_int_equal(decode(&cap, 3, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_TIME_EXCEEDED, 0);
	assert_whole_verified(&pkt);

	assert_int_equal(decode(&cap, 4, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_DEST_UNREACH, 4);
	assert_whole_verified(&pkt);
	assert_int_equal(pkt.icmp.quote.dport, 33435);

	/* ARP is not IP. */
	assert_int_equal(decode(&cap, 5, &pkt), IK_ERR_UNSUPPORTED);
	assert_false(pkt.has_icmp);

	/* ping -4 -s 1600 over MTU 1500: the first fragment holds the ICMP
	 * header, whose checksum covers bytes that are elsewhere. */
	assert_int_equal(decode(&cap, 6, &pkt), 0);
	assert_icmp(&pkt, 4, IK_ICMP4_ECHO_REQUEST, 0);
	assert_true(pkt.is_fragment);
	assert_true(pkt.is_first_fragment);
	assert_false(pkt.icmp.is_checksum_checked);
	assert_int_equal(pkt.icmp_err, 0);
	assert_int_equal(pkt.ip.payload_len, 1480);
	assert_int_equal(pkt.icmp.id, 0x2a0f);
	assert_int_equal(pkt.icmp.seq, 1);
	assert_int_equal(decode(&cap, 7, &pkt), 0);
	assert_int_equal(pkt.ip.version, 4);
	assert_true(pkt.is_fragment);
	assert_false(pkt.is_first_fragment);
	assert_false(pkt.has_icmp);
	assert_int_equal(pkt.ip.frag_offset, 1480);
	assert_int_equal(pkt.ip.payload_len, 1608 - 1480);

	/* The same for IPv6 with a fragment header. */
	assert_int_equal(decode(&cap, 8, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_ECHO_REQUEST, 0);
	assert_true(pkt.is_first_fragment);
	assert_false(pkt.icmp.is_checksum_checked);
	assert_int_equal(pkt.icmp.id, 0x2a11);
	assert_int_equal(decode(&cap, 9, &pkt), 0);
	assert_true(pkt.is_fragment);
	assert_false(pkt.has_icmp);
	assert_int_equal(pkt.ip.frag_offset, 1232);

	assert_int_equal(decode(&cap, 10, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_PARAM_PROBLEM, 1);
	assert_whole_verified(&pkt);

	/* The lone first fragment behind the reassembly timeout. */
	assert_int_equal(decode(&cap, 11, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_ECHO_REQUEST, 0);
	assert_true(pkt.is_first_fragment);
	assert_int_equal(pkt.icmp.id, 0x6b6);

	assert_int_equal(decode(&cap, 12, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_EXT_ECHO_REQUEST, 0);
	assert_whole_verified(&pkt);
	assert_int_equal(decode(&cap, 13, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_EXT_ECHO_REPLY, 0);
	assert_whole_verified(&pkt);
	free_capture(&cap);
}

/* The same traffic seen on B's "any" device as SLL and as SLL2. */
static void cooked_captures(void **state)
{
	(void)state;
	struct capture v1, v2;
	read_capture("link_sll.pcap", &v1);
	read_capture("link_sll2.pcap", &v2);
	assert_int_equal(v1.dlt, 113);
	assert_int_equal(v2.dlt, 276);
	assert_int_equal(v1.count, 9);
	assert_int_equal(v2.count, 9);
	for (size_t i = 0; i < v1.count; i++) {
		struct ik_packet a, b;
		int ra = decode(&v1, i, &a);
		int rb = decode(&v2, i, &b);
		assert_int_equal(ra, rb);
		/* Same IP bytes under a 16- and a 20-byte header. */
		assert_int_equal(v1.len[i] + 4, v2.len[i]);
		if (ra)
			continue;
		assert_int_equal(a.ip.total_len, b.ip.total_len);
		assert_ptr_equal(a.ip.payload - v1.frame[i], b.ip.payload - v2.frame[i] - 4);
		assert_int_equal(a.has_icmp, b.has_icmp);
		assert_int_equal(a.icmp.type, b.icmp.type);
		assert_int_equal(a.icmp.id, b.icmp.id);
		assert_int_equal(a.icmp_err, b.icmp_err);
	}
	struct ik_packet pkt;
	assert_int_equal(decode(&v1, 0, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_ECHO_REQUEST, 0);
	assert_whole_verified(&pkt);
	assert_int_equal(pkt.ip.ttl, 63); /* after R */
	assert_int_equal(decode(&v2, 1, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_ECHO_REPLY, 0);
	assert_whole_verified(&pkt);
	assert_int_equal(decode(&v2, 2, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_DEST_UNREACH, 4);
	assert_int_equal(decode(&v2, 3, &pkt), IK_ERR_UNSUPPORTED); /* ARP */
	/* R split A's fragments again for B's 1280-byte link: three pieces. */
	assert_int_equal(decode(&v2, 4, &pkt), 0);
	assert_icmp(&pkt, 4, IK_ICMP4_ECHO_REQUEST, 0);
	assert_true(pkt.is_first_fragment);
	assert_int_equal(decode(&v2, 5, &pkt), 0);
	assert_false(pkt.has_icmp);
	assert_true(pkt.ip.is_mf);
	assert_int_equal(decode(&v2, 6, &pkt), 0);
	assert_false(pkt.has_icmp);
	assert_false(pkt.ip.is_mf);
	assert_int_equal(pkt.ip.frag_offset, 1480);
	assert_int_equal(decode(&v2, 7, &pkt), 0);
	assert_icmp(&pkt, 6, IK_ICMP6_PARAM_PROBLEM, 1);
	assert_whole_verified(&pkt);
	free_capture(&v1);
	free_capture(&v2);
}

static void pcapng_capture(void **state)
{
	(void)state;
	struct capture cap;
	read_capture("link_a0.pcapng", &cap);
	assert_int_equal(cap.dlt, DLT_EN10MB);
	assert_int_equal(cap.count, 4);
	static const uint8_t types[] = {IK_ICMP6_ECHO_REQUEST, IK_ICMP6_REDIRECT,
					IK_ICMP6_ECHO_REQUEST, IK_ICMP6_ECHO_REPLY};
	for (size_t i = 0; i < cap.count; i++) {
		struct ik_packet pkt;
		assert_int_equal(decode(&cap, i, &pkt), 0);
		assert_icmp(&pkt, 6, types[i], 0);
		assert_whole_verified(&pkt);
	}
	free_capture(&cap);
}

/* Builds other link framings around the IP bytes of a real Ethernet frame. */
static size_t reframe(const uint8_t *prefix, size_t prefix_len, const uint8_t *ip, size_t ip_len,
		      uint8_t *out)
{
	memcpy(out, prefix, prefix_len);
	memcpy(out + prefix_len, ip, ip_len);
	return prefix_len + ip_len;
}

static void same_message(const struct ik_packet *a, const struct ik_packet *b)
{
	assert_int_equal(a->ip.version, b->ip.version);
	assert_int_equal(a->ip.total_len, b->ip.total_len);
	assert_int_equal(a->has_icmp, b->has_icmp);
	assert_int_equal(a->is_first_fragment, b->is_first_fragment);
	assert_int_equal(a->icmp.type, b->icmp.type);
	assert_int_equal(a->icmp.id, b->icmp.id);
	assert_int_equal(a->icmp.seq, b->icmp.seq);
	assert_int_equal(a->icmp.is_checksum_ok, b->icmp.is_checksum_ok);
	assert_int_equal(a->icmp_err, b->icmp_err);
}

static void other_framings(void **state)
{
	(void)state;
	struct capture cap;
	read_capture("link_eth.pcap", &cap);
	uint8_t out[2048];
	/* An IPv6 echo and an IPv4 first fragment. */
	size_t pick[] = {0, 6};
	for (size_t k = 0; k < 2; k++) {
		const uint8_t *eth = cap.frame[pick[k]];
		size_t eth_len = cap.len[pick[k]];
		const uint8_t *ip = eth + 14;
		size_t ip_len = eth_len - 14;
		bool v6 = (ip[0] >> 4) == 6;
		struct ik_packet ref, pkt;
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, eth, eth_len, &ref), 0);
		assert_true(ref.has_icmp);

		assert_int_equal(ik_packet_decode(IK_LINK_RAW, ip, ip_len, &pkt), 0);
		same_message(&ref, &pkt);

		/* DLT_NULL in either host order; DLT_LOOP in network order. */
		uint32_t fams4[] = {2};
		uint32_t fams6[] = {24, 28, 30};
		uint32_t *fams = v6 ? fams6 : fams4;
		size_t nfam = v6 ? 3 : 1;
		for (size_t f = 0; f < nfam; f++) {
			uint8_t le[4] = {(uint8_t)fams[f], 0, 0, 0};
			uint8_t be[4] = {0, 0, 0, (uint8_t)fams[f]};
			size_t n = reframe(le, 4, ip, ip_len, out);
			assert_int_equal(ik_packet_decode(IK_LINK_NULL, out, n, &pkt), 0);
			same_message(&ref, &pkt);
			n = reframe(be, 4, ip, ip_len, out);
			assert_int_equal(ik_packet_decode(IK_LINK_NULL, out, n, &pkt), 0);
			same_message(&ref, &pkt);
			assert_int_equal(ik_packet_decode(IK_LINK_LOOP, out, n, &pkt), 0);
			same_message(&ref, &pkt);
			n = reframe(le, 4, ip, ip_len, out);
			assert_int_equal(ik_packet_decode(IK_LINK_LOOP, out, n, &pkt),
					 IK_ERR_UNSUPPORTED);
		}
		/* A family word that names the other version, or none. */
		uint8_t wrong[4] = {0, 0, 0, v6 ? 2 : 24};
		size_t n = reframe(wrong, 4, ip, ip_len, out);
		assert_int_equal(ik_packet_decode(IK_LINK_LOOP, out, n, &pkt), IK_ERR_UNSUPPORTED);
		uint8_t unknown[4] = {0, 0, 0, 7};
		n = reframe(unknown, 4, ip, ip_len, out);
		assert_int_equal(ik_packet_decode(IK_LINK_LOOP, out, n, &pkt), IK_ERR_UNSUPPORTED);

		/* 802.1Q, then 802.1ad + 802.1Q; a third tag is too many. */
		uint8_t tagged[14 + 12];
		memcpy(tagged, eth, 12);
		uint8_t q[] = {0x81, 0x00, 0x00, 0x64};
		uint8_t ad[] = {0x88, 0xa8, 0x00, 0x0a};
		memcpy(tagged + 12, q, 4);
		memcpy(tagged + 16, eth + 12, 2);
		n = reframe(tagged, 18, ip, ip_len, out);
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, out, n, &pkt), 0);
		same_message(&ref, &pkt);
		memcpy(tagged + 12, ad, 4);
		memcpy(tagged + 16, q, 4);
		memcpy(tagged + 20, eth + 12, 2);
		n = reframe(tagged, 22, ip, ip_len, out);
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, out, n, &pkt), 0);
		same_message(&ref, &pkt);
		memcpy(tagged + 12, ad, 4);
		memcpy(tagged + 16, q, 4);
		memcpy(tagged + 20, q, 4);
		memcpy(tagged + 24, eth + 12, 2);
		n = reframe(tagged, 26, ip, ip_len, out);
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, out, n, &pkt), IK_ERR_UNSUPPORTED);
		/* An EtherType that disagrees with the version nibble. */
		memcpy(tagged, eth, 14);
		tagged[12] = v6 ? 0x08 : 0x86;
		tagged[13] = v6 ? 0x00 : 0xdd;
		n = reframe(tagged, 14, ip, ip_len, out);
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, out, n, &pkt), IK_ERR_UNSUPPORTED);
		/* 802.3 length field instead of an EtherType. */
		tagged[12] = 0x00;
		tagged[13] = 0x40;
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, out, n, &pkt), IK_ERR_UNSUPPORTED);
	}
	free_capture(&cap);
}

/* Ethernet pads short frames; bytes past the IP length are not ICMP. */
static void ethernet_padding_ignored(void **state)
{
	(void)state;
	struct capture cap;
	read_capture("link_eth.pcap", &cap);
	uint8_t out[2048];
	for (size_t i = 0; i < cap.count; i++) {
		struct ik_packet ref, pkt;
		int rc = ik_packet_decode(IK_LINK_ETHERNET, cap.frame[i], cap.len[i], &ref);
		memcpy(out, cap.frame[i], cap.len[i]);
		memset(out + cap.len[i], 0xa5, 24);
		assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, out, cap.len[i] + 24, &pkt), rc);
		if (rc)
			continue;
		same_message(&ref, &pkt);
		assert_int_equal(ref.ip.payload_len, pkt.ip.payload_len);
		if (ref.has_icmp)
			assert_int_equal(ref.icmp.data_len, pkt.icmp.data_len);
	}
	free_capture(&cap);
}

/* Every frame cut at every length: a clean result, never an over-read. */
static void truncated_everywhere(void **state)
{
	(void)state;
	const char *files[] = {"link_eth.pcap", "link_sll.pcap", "link_sll2.pcap"};
	size_t hdr[] = {14, 16, 20};
	for (size_t f = 0; f < 3; f++) {
		struct capture cap;
		read_capture(files[f], &cap);
		for (size_t i = 0; i < cap.count; i++) {
			struct ik_packet full;
			int full_rc = decode(&cap, i, &full);
			for (size_t cut = 0; cut < cap.len[i]; cut++) {
				uint8_t *p = malloc(cut ? cut : 1);
				memcpy(p, cap.frame[i], cut);
				struct ik_packet pkt;
				int rc = ik_packet_decode(link_of(&cap), p, cut, &pkt);
				if (cut < hdr[f])
					assert_int_equal(rc, IK_ERR_TRUNCATED);
				if (full_rc == 0 && rc == 0 && pkt.has_icmp) {
					/* A cut message cannot prove its checksum. */
					assert_true(pkt.ip.is_truncated);
					assert_false(pkt.icmp.is_checksum_checked);
					assert_true(pkt.icmp_err <= 0);
				}
				free(p);
			}
		}
		free_capture(&cap);
	}
}

/* A capture snapped after the ICMP header still yields the header. */
static void snapped_capture(void **state)
{
	(void)state;
	struct capture cap;
	read_capture("link_eth.pcap", &cap);
	struct ik_packet pkt;
	assert_int_equal(ik_packet_decode(IK_LINK_ETHERNET, cap.frame[4], 14 + 40 + 8 + 40 + 8, &pkt),
			 0);
	assert_icmp(&pkt, 6, IK_ICMP6_DEST_UNREACH, 4);
	assert_false(pkt.icmp.is_checksum_checked);
	assert_int_equal(pkt.icmp_err, 0);
	assert_true(pkt.icmp.quote.has_ports);
	assert_int_equal(pkt.icmp.quote.dport, 33435);
	free_capture(&cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dlt_mapping),
		cmocka_unit_test(ethernet_capture),
		cmocka_unit_test(cooked_captures),
		cmocka_unit_test(pcapng_capture),
		cmocka_unit_test(other_framings),
		cmocka_unit_test(ethernet_padding_ignored),
		cmocka_unit_test(truncated_everywhere),
		cmocka_unit_test(snapped_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
