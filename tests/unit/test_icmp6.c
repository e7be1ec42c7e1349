/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMPv6 codec tests on real captured messages: fields, checksums, truncation, lies, round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/icmpkit.h"

struct fixture {
	const char *name;
	const char *src_hex;
	const char *dst_hex;
	const char *msg_hex;
};

#define ICMP6_FIXTURE(name, src, dst, hex) {#name, src, dst, hex},
static const struct fixture fixtures[] = {
#include "fixtures/icmp6_real.inc"
};
#undef ICMP6_FIXTURE
#define FIXTURE_COUNT (sizeof fixtures / sizeof fixtures[0])

/* A decoded fixture: its bytes and outer addresses. */
struct sample {
	uint8_t buf[2048];
	size_t len;
	struct ik_addr src;
	struct ik_addr dst;
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		char b[3] = {hex[0], hex[1], 0};
		assert_true(n < cap);
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return n;
}

static void load(const char *name, struct sample *s)
{
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		if (strcmp(fixtures[i].name, name))
			continue;
		uint8_t a[16];
		assert_int_equal(unhex(fixtures[i].src_hex, a, sizeof a), 16);
		ik_addr_set6(&s->src, a);
		assert_int_equal(unhex(fixtures[i].dst_hex, a, sizeof a), 16);
		ik_addr_set6(&s->dst, a);
		s->len = unhex(fixtures[i].msg_hex, s->buf, sizeof s->buf);
		return;
	}
	fail_msg("no fixture %s", name);
}

/* Decodes a named fixture with its addresses; it must verify. */
static void decode_ok(const char *name, struct sample *s, struct ik_icmp *m)
{
	load(name, s);
	int rc = ik_icmp6_decode(s->buf, s->len, &s->src, &s->dst, m);
	if (rc != 0)
		fail_msg("%s: %s", name, ik_errname(rc));
	assert_true(m->is_checksum_checked);
	assert_true(m->is_checksum_ok);
	assert_int_equal(m->version, 6);
}

static void assert_addr(const struct ik_addr *a, const char *text)
{
	struct ik_addr want;
	assert_int_equal(ik_addr_parse(text, &want), 0);
	assert_true(ik_addr_equal(a, &want));
}

static void all_real_messages_verify(void **state)
{
	(void)state;
	assert_int_equal(FIXTURE_COUNT, 30);
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		struct sample s;
		struct ik_icmp m;
		decode_ok(fixtures[i].name, &s, &m);
		assert_int_equal(m.type, s.buf[0]);
		assert_int_equal(m.code, s.buf[1]);
		assert_int_equal(m.checksum, s.buf[2] << 8 | s.buf[3]);
	}
}

static void echo(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;
	decode_ok("echo_request", &s, &m);
	assert_int_equal(m.type, IK_ICMP6_ECHO_REQUEST);
	assert_int_equal(m.id, 0x29f7);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.data_len, 56); /* ping's default payload */
	assert_ptr_equal(m.data, s.buf + 8);
	decode_ok("echo_reply", &s, &m);
	assert_int_equal(m.type, IK_ICMP6_ECHO_REPLY);
	assert_int_equal(m.id, 0x29f7);
	assert_false(m.quote.is_present);
}

static void packet_too_big(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;
	decode_ok("too_big", &s, &m);
	assert_int_equal(m.mtu, 1280);
	/* RFC 4443 2.4(c): as much of the 1448-byte packet as fits in 1280. */
	assert_int_equal(m.data_len, 1280 - 40 - 8);
	assert_int_equal(m.quote_err, 0);
	assert_true(m.quote.is_present);
	assert_int_equal(m.quote.quoted_len, 1232);
	assert_true(m.quote.ip.is_truncated);
	assert_int_equal(m.quote.ip.total_len, 1448);
	assert_addr(&m.quote.ip.dst, "fd00:250:2::2");
	assert_true(m.quote.has_icmp);
	assert_int_equal(m.quote.icmp_type, IK_ICMP6_ECHO_REQUEST);
	assert_int_equal(m.quote.icmp_id, 0x29ff);
	assert_int_equal(m.quote.icmp_seq, 1);
	assert_false(m.ext.is_present);
}

static void time_exceeded(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;
	decode_ok("time_exceeded_hop", &s, &m);
	assert_int_equal(m.code, 0);
	assert_int_equal(m.quote.ip.ttl, 1);
	assert_int_equal(m.quote.icmp_id, 0x2a00);
	assert_int_equal(m.ext_err, 0);
	decode_ok("time_exceeded_reasm", &s, &m);
	assert_int_equal(m.code, 1);
	/* The quote is the lone first fragment that never completed. */
	assert_int_equal(m.quote_err, 0);
	assert_true(m.quote.ip.is_fragment);
	assert_int_equal(m.quote.ip.frag_id, 0x1c6a5e11);
	assert_int_equal(m.quote.ip.frag_offset, 0);
	assert_true(m.quote.has_icmp);
	assert_int_equal(m.quote.icmp_id, 0x6b6);
}

static void destination_unreachable_codes(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint8_t code;
		const char *dst;
		uint16_t id;
	} cases[] = {
		{"unreach_noroute", 0, "fd00:250:99::1", 0x2a01},
		{"unreach_admin", 1, "fd00:250:98::1", 0x2a02},
		{"unreach_addr", 3, "fd00:250:98::3", 0x2a03},
		{"unreach_policy", 5, "fd00:250:98::5", 0x2a06},
		{"unreach_reject_route", 6, "fd00:250:98::6", 0x2a09},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sample s;
		struct ik_icmp m;
		decode_ok(cases[i].name, &s, &m);
		assert_int_equal(m.type, IK_ICMP6_DEST_UNREACH);
		assert_int_equal(m.code, cases[i].code);
		assert_int_equal(m.rest, 0);
		assert_int_equal(m.quote_err, 0);
		assert_addr(&m.quote.ip.src, "fd00:250:1::2");
		assert_addr(&m.quote.ip.dst, cases[i].dst);
		assert_int_equal(m.quote.icmp_id, cases[i].id);
		assert_false(m.ext.is_present);
	}
	struct sample s;
	struct ik_icmp m;
	decode_ok("unreach_port", &s, &m);
	assert_int_equal(m.code, 4);
	assert_true(m.quote.has_ports);
	assert_int_equal(m.quote.sport, 58644);
	assert_int_equal(m.quote.dport, 33435);
	assert_int_equal(m.quote.udp_len, 40); /* traceroute's 32 bytes + 8 */
	assert_false(m.quote.has_icmp);
}

static void parameter_problem(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;
	decode_ok("param_nexthdr", &s, &m);
	assert_int_equal(m.code, 1);
	assert_int_equal(m.pointer, 6); /* the Next Header octet */
	assert_int_equal(m.quote.ip.protocol, 253);
	decode_ok("param_option", &s, &m);
	assert_int_equal(m.code, 2);
	assert_int_equal(m.pointer, 42); /* the option type after the 2-byte dstopts header */
	assert_int_equal(m.quote.ip.header_len, 48);
	assert_int_equal(m.quote.ip.protocol, 59);
}

static void neighbor_discovery(void **state)
{
	(void)state;
	static const uint8_t a_mac[6] = {0xf6, 0x87, 0xb1, 0xce, 0x14, 0xcb};
	static const uint8_t r_mac[6] = {0x32, 0xd8, 0xa4, 0xf9, 0x52, 0xf6};
	struct sample s;
	struct ik_icmp m;

	decode_ok("rs", &s, &m);
	assert_true(m.nd.has_src_lladdr);
	assert_int_equal(m.nd.lladdr_len, 6);
	assert_memory_equal(m.nd.src_lladdr, a_mac, 6);
	assert_int_equal(m.data_len, 8);

	decode_ok("ns", &s, &m);
	assert_addr(&m.nd.target, "fe80::1");
	assert_true(m.nd.has_src_lladdr);
	assert_memory_equal(m.nd.src_lladdr, a_mac, 6);
	assert_false(m.nd.has_tgt_lladdr);

	/* DAD probe: from ::, with the RFC 7527 nonce option we do not decode. */
	decode_ok("ns_dad_nonce", &s, &m);
	assert_addr(&m.nd.target, "fe80::f487:b1ff:fece:14cb");
	assert_false(m.nd.has_src_lladdr);
	assert_int_equal(m.nd.unknown_options, 1);

	decode_ok("na_router", &s, &m);
	assert_int_equal(m.nd.flags, 0xe0); /* router, solicited, override */
	assert_addr(&m.nd.target, "fe80::1");
	assert_true(m.nd.has_tgt_lladdr);
	assert_memory_equal(m.nd.tgt_lladdr, r_mac, 6);
	decode_ok("na_solicited", &s, &m);
	assert_int_equal(m.nd.flags, 0x60);
	assert_addr(&m.nd.target, "fd00:250:1::2");

	decode_ok("ra", &s, &m);
	assert_int_equal(m.nd.cur_hop_limit, 64);
	assert_int_equal(m.nd.flags, 0x40);
	assert_int_equal(m.nd.router_lifetime_s, 1800);
	assert_int_equal(m.nd.reachable_time_ms, 30000);
	assert_int_equal(m.nd.retrans_timer_ms, 1000);
	assert_true(m.nd.has_mtu);
	assert_int_equal(m.nd.mtu, 1500);
	assert_memory_equal(m.nd.src_lladdr, r_mac, 6);
	assert_int_equal(m.nd.prefix_count, 1);
	assert_int_equal(m.nd.prefixes[0].prefix_len, 64);
	assert_true(m.nd.prefixes[0].is_onlink);
	assert_true(m.nd.prefixes[0].is_autonomous);
	assert_int_equal(m.nd.prefixes[0].valid_lifetime_s, 86400);
	assert_int_equal(m.nd.prefixes[0].preferred_lifetime_s, 14400);
	assert_addr(&m.nd.prefixes[0].prefix, "fd00:250:1::");
	assert_int_equal(m.nd.unknown_options, 0);
}

static void redirect(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;
	decode_ok("redirect", &s, &m);
	assert_addr(&m.nd.target, "fe80::3");
	assert_addr(&m.nd.destination, "fd00:250:77::1");
	assert_true(m.nd.has_redirected_header);
	assert_int_equal(m.nd.redirected_len, 104); /* 112-byte option less 8 */
	assert_int_equal(m.quote_err, 0);
	assert_true(m.quote.is_present);
	assert_addr(&m.quote.ip.dst, "fd00:250:77::1");
	assert_true(m.quote.has_icmp);
	assert_int_equal(m.quote.icmp_type, IK_ICMP6_ECHO_REQUEST);
	assert_int_equal(m.quote.icmp_id, 0x29f7);
	assert_int_equal(m.quote.icmp_seq, 1);
	/* R had not resolved C yet, so no target link-layer option. */
	assert_false(m.nd.has_tgt_lladdr);
}

static void extended_echo(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;

	decode_ok("xecho_req_name", &s, &m);
	assert_int_equal(m.id, 0x1e6);
	assert_int_equal(m.seq, 1);
	assert_true(m.xe_is_local);
	assert_int_equal(m.ext_err, 0);
	assert_true(m.ext.is_present);
	assert_int_equal(m.xe_ident_kind, IK_XE_BY_NAME);
	assert_string_equal(m.xe_ident.name, "b0");
	decode_ok("xecho_req_index", &s, &m);
	assert_int_equal(m.seq, 2);
	assert_int_equal(m.xe_ident_kind, IK_XE_BY_INDEX);
	assert_int_equal(m.xe_ident.ifindex, 1);
	decode_ok("xecho_req_addr", &s, &m);
	assert_int_equal(m.xe_ident_kind, IK_XE_BY_ADDR);
	assert_addr(&m.xe_ident.addr, "fd00:250:2::2");
	decode_ok("xecho_req_malformed", &s, &m);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	assert_int_equal(m.xe_ident_kind, IK_XE_NONE);

	/* Linux answers for its own interfaces: active, with v4 and v6. */
	const char *ok[] = {"xecho_reply_name", "xecho_reply_index", "xecho_reply_addr"};
	for (int i = 0; i < 3; i++) {
		decode_ok(ok[i], &s, &m);
		assert_int_equal(m.code, 0);
		assert_int_equal(m.id, 0x1e6);
		assert_int_equal(m.seq, i + 1);
		assert_int_equal(m.xe_state, 0);
		assert_true(m.xe_is_active);
		assert_true(m.xe_has_ipv4);
		assert_true(m.xe_has_ipv6);
	}
	decode_ok("xecho_reply_noif", &s, &m);
	assert_int_equal(m.code, 2); /* RFC 8335 3: No Such Interface */
	assert_false(m.xe_is_active);
	decode_ok("xecho_reply_malformed", &s, &m);
	assert_int_equal(m.code, 1); /* Malformed Query */
}

static void checksum(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;
	load("unreach_port", &s);
	/* Without addresses there is nothing to check against. */
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_false(m.is_checksum_checked);
	assert_int_equal(m.quote.dport, 33435);
	/* The wrong pseudo-header, then a flipped bit: *out is still complete. */
	struct ik_addr other = s.src;
	other.bytes[15] ^= 1;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, &other, &s.dst, &m), IK_ERR_BAD_CHECKSUM);
	assert_true(m.is_checksum_checked);
	assert_false(m.is_checksum_ok);
	assert_int_equal(m.quote.dport, 33435);
	s.buf[s.len - 1] ^= 0x40;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, &s.src, &s.dst, &m), IK_ERR_BAD_CHECKSUM);
	assert_int_equal(m.code, 4);
	assert_true(m.quote.has_ports);
	/* An IPv4 address is no IPv6 pseudo-header. */
	struct ik_addr v4 = {4, {10, 0, 0, 1}};
	load("echo_request", &s);
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, &v4, &s.dst, &m), 0);
	assert_false(m.is_checksum_checked);
}

/* Every prefix of every real message: no over-read (ASan), a clean result. */
static void truncated_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		struct sample s;
		load(fixtures[i].name, &s);
		for (size_t cut = 0; cut < s.len; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);
			assert_non_null(p);
			memcpy(p, s.buf, cut);
			struct ik_icmp m;
			int rc = ik_icmp6_decode(p, cut, NULL, NULL, &m);
			if (cut < 8)
				assert_int_equal(rc, IK_ERR_TRUNCATED);
			else
				assert_true(rc == 0 || rc == IK_ERR_TRUNCATED || rc == IK_ERR_BAD_LENGTH);
			/* With addresses the checksum no longer matches. */
			rc = ik_icmp6_decode(p, cut, &s.src, &s.dst, &m);
			assert_true(rc < 0);
			free(p);
		}
	}
}

static void lying_lengths(void **state)
{
	(void)state;
	struct sample s;
	struct ik_icmp m;

	/* RFC 4861 4.6: an option of length 0 poisons the message. */
	load("ns", &s);
	s.buf[25] = 0;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), IK_ERR_BAD_LENGTH);
	assert_addr(&m.nd.target, "fe80::1"); /* what came before is kept */
	/* An option longer than the message. */
	s.buf[25] = 2;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), IK_ERR_TRUNCATED);
	/* A prefix option claiming one unit cannot hold its fields. */
	load("ra", &s);
	size_t pfx = 16 + 8 + 8; /* after the lladdr and MTU options */
	assert_int_equal(s.buf[pfx], 3);
	s.buf[pfx + 1] = 1;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), IK_ERR_BAD_LENGTH);

	/* RFC 4884 length beyond the message: quote all, no extension. */
	load("unreach_noroute", &s);
	s.buf[4] = 200;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	assert_false(m.ext.is_present);
	assert_int_equal(m.quote.quoted_len, s.len - 8);
	assert_int_equal(m.quote.icmp_id, 0x2a01);
	/* Below the 128-octet minimum: not compliant, ignored, quote cut. */
	s.buf[4] = 6;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	assert_int_equal(m.quote.quoted_len, 48);
	assert_true(m.quote.has_icmp);
	/* Exactly the body: an extension announced but absent. */
	s.buf[4] = (uint8_t)((s.len - 8) / 8);
	assert_int_equal(s.len - 8, 104);
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH); /* 104 < 128 */

	/* A quoted payload length that lies upward: the quote is truncated. */
	load("unreach_noroute", &s);
	s.buf[8 + 4] = 0x10;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_int_equal(m.quote_err, 0);
	assert_true(m.quote.ip.is_truncated);
	/* ... and downward, below the ICMPv6 header: ports/ids cut short. */
	s.buf[8 + 4] = 0;
	s.buf[8 + 5] = 2;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_TRUNCATED);
	assert_false(m.quote.has_icmp);
	/* A quoted extension header longer than the quoted packet. */
	load("param_option", &s);
	s.buf[8 + 40 + 1] = 20;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_BAD_LENGTH);
	assert_int_equal(m.pointer, 42);
	/* A redirected header option cut inside its reserved bytes. */
	load("redirect", &s);
	assert_int_equal(s.buf[40], 4);
	s.buf[41] = 1;
	s.len = 48;
	assert_int_equal(ik_icmp6_decode(s.buf, s.len, NULL, NULL, &m), 0);
	assert_true(m.nd.has_redirected_header);
	assert_int_equal(m.nd.redirected_len, 0);
	assert_int_equal(m.quote_err, IK_ERR_TRUNCATED);
}

/* RFC 4861 4.6: a walk over many tiny options stays bounded and counts them. */
static void option_walk_bounded(void **state)
{
	(void)state;
	uint8_t buf[8 + 8 * 300] = {IK_ICMP6_ROUTER_SOLICIT};
	for (size_t i = 0; i < 300; i++) {
		buf[8 + 8 * i] = 200;
		buf[8 + 8 * i + 1] = 1;
	}
	struct ik_icmp m;
	assert_int_equal(ik_icmp6_decode(buf, sizeof buf, NULL, NULL, &m), 0);
	assert_int_equal(m.nd.unknown_options, 255); /* saturates */
	/* Five prefixes: four kept, one counted. */
	uint8_t ra[16 + 5 * 32] = {IK_ICMP6_ROUTER_ADVERT};
	for (size_t i = 0; i < 5; i++) {
		ra[16 + 32 * i] = 3;
		ra[16 + 32 * i + 1] = 4;
		ra[16 + 32 * i + 2] = (uint8_t)(48 + i);
	}
	assert_int_equal(ik_icmp6_decode(ra, sizeof ra, NULL, NULL, &m), 0);
	assert_int_equal(m.nd.prefix_count, IK_ND_MAX_PREFIXES);
	assert_int_equal(m.nd.prefixes_dropped, 1);
	assert_int_equal(m.nd.prefixes[3].prefix_len, 51);
}

/* Real message → decode → encode gives the same bytes, checksum included. */
static void reencode_real(void **state)
{
	(void)state;
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		struct sample s;
		struct ik_icmp m;
		uint8_t out[2048];
		decode_ok(fixtures[i].name, &s, &m);
		int n = ik_icmp6_encode(&m, &s.src, &s.dst, out, sizeof out);
		if (n != (int)s.len)
			fail_msg("%s: encoded %d of %zu", fixtures[i].name, n, s.len);
		assert_memory_equal(out, s.buf, s.len);
		/* Every smaller buffer is refused, never overrun. */
		for (size_t cap = 0; cap < s.len; cap += 7) {
			uint8_t *p = malloc(cap ? cap : 1);
			assert_int_equal(ik_icmp6_encode(&m, &s.src, &s.dst, p, cap), IK_ERR_NOSPACE);
			free(p);
		}
	}
}

/* Encodes msg, decodes it back with checksum verification. */
static int roundtrip(const struct ik_icmp *msg, uint8_t *buf, size_t cap, struct ik_icmp *back)
{
	struct ik_addr src, dst;
	assert_int_equal(ik_addr_parse("fd00:250:1::1", &src), 0);
	assert_int_equal(ik_addr_parse("fd00:250:1::2", &dst), 0);
	int n = ik_icmp6_encode(msg, &src, &dst, buf, cap);
	if (n < 0)
		return n;
	assert_int_equal(ik_icmp6_decode(buf, (size_t)n, &src, &dst, back), 0);
	assert_true(back->is_checksum_ok);
	assert_int_equal(back->type, msg->type);
	assert_int_equal(back->code, msg->code);
	return n;
}

static void roundtrip_every_type(void **state)
{
	(void)state;
	uint8_t buf[1500];
	struct ik_icmp m, b;
	struct sample quote;
	load("echo_request", &quote);
	/* A quoted datagram: the real echo request behind its IPv6 header. */
	uint8_t dgram[40 + 64] = {0x60, 0, 0, 0, 0, 64, 58, 64};
	dgram[8] = 0xfd;
	dgram[24] = 0xfd;
	memcpy(dgram + 40, quote.buf, quote.len);

	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_ECHO_REQUEST;
	m.id = 0xbeef;
	m.seq = 65535;
	m.data = (const uint8_t *)"abcdefgh";
	m.data_len = 8;
	assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 16);
	assert_int_equal(b.id, 0xbeef);
	assert_int_equal(b.seq, 65535);
	assert_memory_equal(b.data, "abcdefgh", 8);

	for (uint8_t code = 0; code <= 7; code++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP6_DEST_UNREACH;
		m.code = code; /* 2 and 7 included, which no lab router sends */
		m.data = dgram;
		m.data_len = sizeof dgram;
		assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 8 + (int)sizeof dgram);
		assert_true(b.quote.has_icmp);
		assert_int_equal(b.quote.icmp_id, 0x29f7);
	}
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_PACKET_TOO_BIG;
	m.mtu = 1400;
	m.data = dgram;
	m.data_len = sizeof dgram;
	roundtrip(&m, buf, sizeof buf, &b);
	assert_int_equal(b.mtu, 1400);
	m.type = IK_ICMP6_PARAM_PROBLEM;
	m.code = 0;
	m.pointer = 0x01020304;
	roundtrip(&m, buf, sizeof buf, &b);
	assert_int_equal(b.pointer, 0x01020304);
	/* RFC 4884 is not defined for Parameter Problem. */
	m.ext.is_present = true;
	assert_int_equal(ik_icmp6_encode(&m, &quote.src, &quote.dst, buf, sizeof buf), IK_ERR_INVALID);

	/* Time Exceeded with an RFC 4884 extension: MPLS and an interface. */
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_TIME_EXCEEDED;
	m.code = 1;
	m.data = dgram;
	m.data_len = sizeof dgram;
	m.ext.is_present = true;
	m.ext.mpls_count = 1;
	m.ext.mpls[0].label = 16004;
	m.ext.mpls[0].is_bottom = true;
	m.ext.mpls[0].ttl = 1;
	m.ext.ifinfo_count = 1;
	m.ext.ifinfo[0].has_ifindex = true;
	m.ext.ifinfo[0].ifindex = 7;
	int n = roundtrip(&m, buf, sizeof buf, &b);
	assert_int_equal(buf[4], 128 / 8); /* quote padded to 128 octets */
	assert_int_equal(b.ext_err, 0);
	assert_true(b.ext.is_present);
	assert_int_equal(b.ext.offset, 8 + 128);
	assert_int_equal(b.ext.mpls_count, 1);
	assert_int_equal(b.ext.mpls[0].label, 16004);
	assert_int_equal(b.ext.ifinfo[0].ifindex, 7);
	assert_int_equal(b.data_len, 128);
	assert_int_equal(b.quote.icmp_id, 0x29f7);
	/* Re-encoding the decoded form gives the same bytes. */
	uint8_t again[1500];
	assert_int_equal(ik_icmp6_encode(&b, &quote.src, &quote.dst, again, sizeof again), n);
	assert_memory_equal(again + 4, buf + 4, (size_t)n - 4);

	/* Neighbor discovery built from fields. */
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_ROUTER_ADVERT;
	m.nd.cur_hop_limit = 255;
	m.nd.flags = 0xc0;
	m.nd.router_lifetime_s = 9000;
	m.nd.reachable_time_ms = 1;
	m.nd.retrans_timer_ms = 0xffffffff;
	m.nd.has_src_lladdr = true;
	m.nd.lladdr_len = 6;
	memcpy(m.nd.src_lladdr, "\x02\x00\x00\x00\x00\x01", 6);
	m.nd.has_mtu = true;
	m.nd.mtu = 9000;
	m.nd.prefix_count = 2;
	assert_int_equal(ik_addr_parse("fd00:1::", &m.nd.prefixes[0].prefix), 0);
	m.nd.prefixes[0].prefix_len = 64;
	m.nd.prefixes[0].is_onlink = true;
	m.nd.prefixes[0].valid_lifetime_s = 100;
	assert_int_equal(ik_addr_parse("fd00:2::", &m.nd.prefixes[1].prefix), 0);
	m.nd.prefixes[1].prefix_len = 48;
	m.nd.prefixes[1].is_autonomous = true;
	m.nd.prefixes[1].preferred_lifetime_s = 50;
	assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 16 + 8 + 8 + 64);
	assert_int_equal(b.nd.cur_hop_limit, 255);
	assert_int_equal(b.nd.flags, 0xc0);
	assert_int_equal(b.nd.router_lifetime_s, 9000);
	assert_int_equal(b.nd.retrans_timer_ms, 0xffffffff);
	assert_memory_equal(b.nd.src_lladdr, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(b.nd.mtu, 9000);
	assert_int_equal(b.nd.prefix_count, 2);
	assert_true(ik_addr_equal(&b.nd.prefixes[1].prefix, &m.nd.prefixes[1].prefix));
	assert_false(b.nd.prefixes[1].is_onlink);
	assert_true(b.nd.prefixes[1].is_autonomous);
	assert_int_equal(b.nd.prefixes[1].preferred_lifetime_s, 50);

	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_ROUTER_SOLICIT;
	assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 8);
	assert_false(b.nd.has_src_lladdr);

	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_NEIGHBOR_SOLICIT;
	assert_int_equal(ik_addr_parse("fe80::99", &m.nd.target), 0);
	m.nd.has_src_lladdr = true;
	m.nd.lladdr_len = 6;
	assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 32);
	assert_addr(&b.nd.target, "fe80::99");
	m.type = IK_ICMP6_NEIGHBOR_ADVERT;
	m.nd.flags = 0xa0;
	m.nd.has_src_lladdr = false;
	m.nd.has_tgt_lladdr = true;
	memcpy(m.nd.tgt_lladdr, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	roundtrip(&m, buf, sizeof buf, &b);
	assert_int_equal(b.nd.flags, 0xa0);
	assert_memory_equal(b.nd.tgt_lladdr, "\xaa\xbb\xcc\xdd\xee\xff", 6);

	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_REDIRECT;
	assert_int_equal(ik_addr_parse("fe80::3", &m.nd.target), 0);
	assert_int_equal(ik_addr_parse("fd00:77::1", &m.nd.destination), 0);
	m.nd.has_redirected_header = true;
	m.nd.redirected = dgram;
	m.nd.redirected_len = sizeof dgram;
	assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 40 + 8 + (int)sizeof dgram);
	assert_addr(&b.nd.destination, "fd00:77::1");
	assert_true(b.nd.has_redirected_header);
	assert_int_equal(b.nd.redirected_len, sizeof dgram);
	assert_int_equal(b.quote.icmp_id, 0x29f7);

	/* RFC 8335 extended echo. */
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_EXT_ECHO_REQUEST;
	m.id = 77;
	m.seq = 200;
	m.xe_is_local = true;
	m.xe_ident_kind = IK_XE_BY_NAME;
	strcpy(m.xe_ident.name, "veth-long0");
	roundtrip(&m, buf, sizeof buf, &b);
	assert_int_equal(b.seq, 200);
	assert_true(b.xe_is_local);
	assert_int_equal(b.xe_ident_kind, IK_XE_BY_NAME);
	assert_string_equal(b.xe_ident.name, "veth-long0");
	m.xe_ident_kind = IK_XE_BY_ADDR;
	assert_int_equal(ik_addr_parse("192.0.2.1", &m.xe_ident.addr), 0);
	roundtrip(&m, buf, sizeof buf, &b);
	assert_int_equal(b.xe_ident_kind, IK_XE_BY_ADDR);
	assert_addr(&b.xe_ident.addr, "192.0.2.1");
	m.seq = 256; /* only 8 bits on the wire */
	assert_int_equal(ik_icmp6_encode(&m, &quote.src, &quote.dst, buf, sizeof buf), IK_ERR_INVALID);

	memset(&m, 0, sizeof m);
	m.type = IK_ICMP6_EXT_ECHO_REPLY;
	m.code = 4;
	m.id = 1;
	m.seq = 9;
	for (uint8_t st = 0; st <= 7; st++) {
		m.xe_state = st;
		m.xe_is_active = st & 1;
		m.xe_has_ipv4 = st & 2;
		m.xe_has_ipv6 = st & 4;
		roundtrip(&m, buf, sizeof buf, &b);
		assert_int_equal(b.xe_state, st);
		assert_int_equal(b.xe_is_active, st & 1);
		assert_int_equal(b.xe_has_ipv4, (st & 2) != 0);
		assert_int_equal(b.xe_has_ipv6, (st & 4) != 0);
	}
	m.xe_state = 8;
	assert_int_equal(ik_icmp6_encode(&m, &quote.src, &quote.dst, buf, sizeof buf), IK_ERR_INVALID);

	/* Unknown types keep their raw word and body (RFC 4443 2.4(b)). */
	memset(&m, 0, sizeof m);
	m.type = 200;
	m.code = 9;
	m.rest = 0xdeadbeef;
	m.data = (const uint8_t *)"xy";
	m.data_len = 2;
	assert_int_equal(roundtrip(&m, buf, sizeof buf, &b), 10);
	assert_int_equal(b.rest, 0xdeadbeef);
	assert_int_equal(b.data_len, 2);
	m.type = 100; /* unknown error: its quote is still decoded */
	m.data = dgram;
	m.data_len = sizeof dgram;
	roundtrip(&m, buf, sizeof buf, &b);
	assert_true(b.quote.has_icmp);

	/* ICMPv6 needs both addresses. */
	assert_int_equal(ik_icmp6_encode(&m, NULL, &quote.dst, buf, sizeof buf), IK_ERR_INVALID);
}

static void tiny_unknown_messages(void **state)
{
	(void)state;
	uint8_t msg[4] = {250, 1, 0, 0};
	struct ik_icmp m;
	assert_int_equal(ik_icmp6_decode(msg, sizeof msg, NULL, NULL, &m), 0);
	assert_int_equal(m.type, 250);
	assert_int_equal(m.data_len, 0);
	/* A known type needs its full 8-byte header. */
	msg[0] = IK_ICMP6_ECHO_REQUEST;
	assert_int_equal(ik_icmp6_decode(msg, sizeof msg, NULL, NULL, &m), IK_ERR_TRUNCATED);
	assert_int_equal(ik_icmp6_decode(msg, 3, NULL, NULL, &m), IK_ERR_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_real_messages_verify),
		cmocka_unit_test(echo),
		cmocka_unit_test(packet_too_big),
		cmocka_unit_test(time_exceeded),
		cmocka_unit_test(destination_unreachable_codes),
		cmocka_unit_test(parameter_problem),
		cmocka_unit_test(neighbor_discovery),
		cmocka_unit_test(redirect),
		cmocka_unit_test(extended_echo),
		cmocka_unit_test(checksum),
		cmocka_unit_test(truncated_everywhere),
		cmocka_unit_test(lying_lengths),
		cmocka_unit_test(option_walk_bounded),
		cmocka_unit_test(reencode_real),
		cmocka_unit_test(roundtrip_every_type),
		cmocka_unit_test(tiny_unknown_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
