/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMPv4 codec tests: real captured packets, round trips, truncation, lying lengths, checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "icmpkit/cksum.h"
#include "icmpkit/icmp.h"

/* Reads a hex fixture (bytes as hex pairs, '#' starts a comment line). */
static const char *const all_fixtures[] = {
	"icmp4_echo_request.hex", "icmp4_echo_reply.hex", "icmp4_echo_reply_2.hex",
	"icmp4_time_exceeded.hex", "icmp4_time_exceeded_2.hex", "icmp4_time_exceeded_3.hex",
	"icmp4_time_exceeded_4.hex", "icmp4_unreach_port.hex", "icmp4_unreach_port_2.hex",
	"icmp4_unreach_port_3.hex", "icmp4_unreach_proto.hex", "icmp4_unreach_host.hex",
	"icmp4_unreach_filtered.hex", "icmp4_frag_needed.hex", "icmp4_redirect_host.hex",
	"icmp4_param_problem.hex", "icmp4_source_quench.hex", "icmp4_timestamp.hex",
	"icmp4_timestamp_reply.hex", "icmp4_mask_request.hex", "icmp4_ext_echo_request.hex",
	"icmp4_ext_echo_request_2.hex", "icmp4_ext_echo_request_3.hex",
	"icmp4_ext_echo_request_4.hex", "icmp4_ext_echo_reply.hex",
	"icmp4_ext_echo_reply_2.hex", "icmp4_ext_echo_reply_3.hex",
	"icmp4_ext_echo_reply_nosuch.hex",
};

/* Every real packet decodes with a good checksum and re-encodes byte for byte. */
static void fixtures_decode_and_reencode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_fixtures / sizeof all_fixtures[0]; i++) {
		uint8_t pkt[2048], again[2048];
		size_t len = load_hex(all_fixtures[i], pkt, sizeof pkt);
		struct ik_icmp m;
		int rc = ik_icmp4_decode(pkt, len, &m);
		if (rc != 0)
			fail_msg("%s: decode %d", all_fixtures[i], rc);
		assert_true(m.is_checksum_checked && m.is_checksum_ok);
		assert_int_equal(m.type, pkt[0]);
		assert_int_equal(m.code, pkt[1]);
		assert_int_equal(m.quote_err, 0);
		rc = ik_icmp4_encode(&m, again, sizeof again);
		if (rc != (int)len)
			fail_msg("%s: encode gave %d, want %zu", all_fixtures[i], rc, len);
		assert_memory_equal(again, pkt, len);
		assert_int_equal(ik_icmp_is_error(4, m.type), m.quote.is_present);
	}
}

static void real_echo_pair(void **state)
{
	(void)state;
	uint8_t req[256], rep[256];
	size_t lq = load_hex("icmp4_echo_request.hex", req, sizeof req);
	size_t lr = load_hex("icmp4_echo_reply.hex", rep, sizeof rep);
	struct ik_icmp q, r;
	assert_int_equal(ik_icmp4_decode(req, lq, &q), 0);
	assert_int_equal(ik_icmp4_decode(rep, lr, &r), 0);
	assert_int_equal(q.type, IK_ICMP4_ECHO_REQUEST);
	assert_int_equal(r.type, IK_ICMP4_ECHO_REPLY);
	/* ping -s 56: 64 bytes of ICMP, 56 of payload. */
	assert_int_equal(lq, 64);
	assert_int_equal(q.data_len, 56);
	assert_ptr_equal(q.data, req + 8);
	assert_int_equal(q.id, 0x1d4e);
	assert_int_equal(q.seq, 1);
	assert_int_equal(r.id, q.id);
	assert_int_equal(r.seq, q.seq);
	assert_memory_equal(r.data, q.data, q.data_len);
}

static void real_time_exceeded(void **state)
{
	(void)state;
	uint8_t pkt[256];
	size_t len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.type, IK_ICMP4_TIME_EXCEEDED);
	assert_true(m.quote.is_present);
	assert_int_equal(m.quote.quoted_len, len - 8);
	assert_int_equal(m.quote.ip.version, 4);
	assert_int_equal(m.quote.ip.ttl, 1); /* ping -t 1 */
	assert_int_equal(m.quote.ip.protocol, IK_PROTO_ICMP);
	assert_true(m.quote.ip.is_df);
	assert_true(m.quote.ip.is_checksum_ok);
	assert_true(m.quote.has_icmp);
	assert_int_equal(m.quote.icmp_type, IK_ICMP4_ECHO_REQUEST);
	assert_int_equal(m.quote.icmp_id, 0x1d50);
	assert_int_equal(m.quote.icmp_seq, 1);
	assert_int_equal(m.quote.icmp_checksum, 0x97fc);
	const uint8_t dst[4] = {10, 250, 2, 2};
	assert_memory_equal(m.quote.ip.dst.bytes, dst, 4);
	assert_false(m.ext.is_present);
	assert_int_equal(m.ext_err, 0);
}

static void real_frag_needed(void **state)
{
	(void)state;
	uint8_t pkt[2048];
	size_t len = load_hex("icmp4_frag_needed.hex", pkt, sizeof pkt);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.code, IK_UNREACH_FRAG_NEEDED);
	assert_int_equal(m.mtu, 1280); /* the R-B link */
	assert_int_equal(m.quote.ip.total_len, 1428); /* ping -M do -s 1400 */
	/* Linux quotes up to 576 bytes of IP, so the quote is cut short. */
	assert_true(m.quote.ip.is_truncated);
	assert_true(m.quote.ip.payload_len < 1408);
}

static void real_port_unreach_udp(void **state)
{
	(void)state;
	uint8_t pkt[2048];
	size_t len = load_hex("icmp4_unreach_port_3.hex", pkt, sizeof pkt);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.type, IK_ICMP4_DEST_UNREACH);
	assert_int_equal(m.code, IK_UNREACH_PORT);
	assert_int_equal(m.quote.ip.protocol, IK_PROTO_UDP);
	assert_true(m.quote.has_ports);
	/* traceroute's and tracepath's UDP probes go to 33434 and up. */
	assert_in_range(m.quote.dport, 33434, 33434 + 64);
	assert_int_equal(m.quote.udp_len, m.quote.ip.total_len - m.quote.ip.header_len);
}

static void real_param_problem(void **state)
{
	(void)state;
	uint8_t pkt[256];
	size_t len = load_hex("icmp4_param_problem.hex", pkt, sizeof pkt);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.type, IK_ICMP4_PARAM_PROBLEM);
	/* Record Route pointer byte at offset 20 + 2 in the offending header. */
	assert_int_equal(m.pointer, 22);
	assert_int_equal(m.quote.ip.header_len, 28);
	assert_int_equal(m.quote.sport, 40000);
	assert_int_equal(m.quote.dport, 33434);
}

static void real_redirect(void **state)
{
	(void)state;
	uint8_t pkt[256];
	size_t len = load_hex("icmp4_redirect_host.hex", pkt, sizeof pkt);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.code, 1);
	const uint8_t gw[4] = {10, 250, 1, 3};
	assert_int_equal(m.gateway.family, 4);
	assert_memory_equal(m.gateway.bytes, gw, 4);
}

static void real_timestamp(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t len = load_hex("icmp4_timestamp_reply.hex", pkt, sizeof pkt);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.id, 0xe84c);
	assert_int_equal(m.ts_originate, 0);
	assert_int_equal(m.ts_receive, 0x03c0cd19);
	assert_int_equal(m.ts_transmit, m.ts_receive);
	assert_true(m.ts_receive < 86400000u); /* ms since midnight UT */
	assert_int_equal(m.data_len, 0);
	len = load_hex("icmp4_mask_request.hex", pkt, sizeof pkt);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.type, IK_ICMP4_MASK_REQUEST);
	assert_int_equal(m.address_mask, 0);
}

static void real_extended_echo(void **state)
{
	(void)state;
	uint8_t pkt[128];
	struct ik_icmp m;
	size_t len = load_hex("icmp4_ext_echo_request.hex", pkt, sizeof pkt);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, 0);
	assert_true(m.xe_is_local);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.xe_ident_kind, IK_XE_BY_NAME);
	assert_string_equal(m.xe_ident.name, "vb");
	len = load_hex("icmp4_ext_echo_request_2.hex", pkt, sizeof pkt);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.xe_ident_kind, IK_XE_BY_INDEX);
	assert_int_equal(m.xe_ident.ifindex, 1);
	len = load_hex("icmp4_ext_echo_request_3.hex", pkt, sizeof pkt);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.xe_ident_kind, IK_XE_BY_ADDR);
	const uint8_t a[4] = {10, 250, 2, 2};
	assert_int_equal(m.xe_ident.addr.family, 4);
	assert_memory_equal(m.xe_ident.addr.bytes, a, 4);
	/* Linux answered "vb": active, with IPv4 and IPv6 addresses (6 from link-local). */
	len = load_hex("icmp4_ext_echo_reply.hex", pkt, sizeof pkt);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.type, IK_ICMP4_EXT_ECHO_REPLY);
	assert_int_equal(m.code, 0);
	assert_int_equal(m.seq, 1);
	assert_true(m.xe_is_active);
	assert_true(m.xe_has_ipv4);
	len = load_hex("icmp4_ext_echo_reply_nosuch.hex", pkt, sizeof pkt);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.code, 2); /* No Such Interface */
	assert_false(m.xe_is_active);
}

/* Decodes buf[0..n) from an exact-size heap copy, so ASan sees any over-read. */
static int decode_exact(const uint8_t *src, size_t n, struct ik_icmp *m, uint8_t **copy)
{
	*copy = malloc(n ? n : 1);
	assert_non_null(*copy);
	memcpy(*copy, src, n);
	return ik_icmp4_decode(*copy, n, m);
}

static void check_bounds(const struct ik_icmp *m, const uint8_t *b, size_t n)
{
	if (m->data) {
		assert_true(m->data >= b && m->data + m->data_len <= b + n);
	}
	if (m->quote.is_present && m->quote.ip.payload) {
		assert_true(m->quote.ip.payload >= b);
		assert_true(m->quote.ip.payload + m->quote.ip.payload_len <= b + n);
	}
	assert_true(m->ra4_entry_count <= IK_RA4_MAX_ENTRIES);
	assert_true(m->ext.mpls_count <= IK_EXT_MAX_MPLS);
}

static void truncated_at_every_offset(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_fixtures / sizeof all_fixtures[0]; i++) {
		uint8_t pkt[2048];
		size_t len = load_hex(all_fixtures[i], pkt, sizeof pkt);
		for (size_t n = 0; n < len; n++) {
			struct ik_icmp m;
			uint8_t *copy;
			int rc = decode_exact(pkt, n, &m, &copy);
			if (n < 8)
				assert_int_equal(rc, IK_ERR_TRUNCATED);
			else
				assert_true(rc == IK_ERR_TRUNCATED || rc == IK_ERR_BAD_CHECKSUM ||
					    rc == IK_ERR_BAD_LENGTH || rc == 0);
			if (n >= 1)
				assert_int_equal(m.type, pkt[0]);
			check_bounds(&m, copy, n);
			free(copy);
		}
	}
}

static void bad_checksum_is_complete(void **state)
{
	(void)state;
	uint8_t pkt[256];
	size_t len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	pkt[len - 1] ^= 0x40;
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), IK_ERR_BAD_CHECKSUM);
	assert_true(m.is_checksum_checked);
	assert_false(m.is_checksum_ok);
	assert_true(m.quote.is_present);
	assert_int_equal(m.quote.icmp_id, 0x1d50);
	len = load_hex("icmp4_echo_request.hex", pkt, sizeof pkt);
	pkt[2] ^= 1;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), IK_ERR_BAD_CHECKSUM);
	assert_int_equal(m.id, 0x1d4e);
	assert_int_equal(m.data_len, 56);
}

/* Faults in the quote land in quote_err; the outer message still decodes. */
static void quote_errors(void **state)
{
	(void)state;
	uint8_t pkt[256];
	struct ik_icmp m;
	size_t len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	/* Quote cut inside the inner IP header. */
	fix_cksum(pkt, 18);
	assert_int_equal(ik_icmp4_decode(pkt, 18, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_TRUNCATED);
	assert_false(m.quote.is_present);
	/* Quote cut after 4 bytes of the inner ICMP: type/code/checksum only. */
	fix_cksum(pkt, 32);
	assert_int_equal(ik_icmp4_decode(pkt, 32, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_TRUNCATED);
	assert_true(m.quote.is_present && m.quote.has_icmp);
	assert_int_equal(m.quote.icmp_type, 8);
	assert_int_equal(m.quote.icmp_id, 0);
	/* Inner IHL lies (3 words). */
	len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	pkt[8] = 0x43;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_BAD_LENGTH);
	/* Inner total length below its header length. */
	len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	pkt[10] = 0;
	pkt[11] = 10;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_BAD_LENGTH);
	/* Not IP at all. */
	len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	pkt[8] = 0x95;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.quote_err, IK_ERR_UNSUPPORTED);
}

static size_t build_error_with_ext(uint8_t *out, size_t cap, const uint8_t *quote, size_t qlen)
{
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP4_TIME_EXCEEDED;
	m.data = quote;
	m.data_len = qlen;
	m.ext.is_present = true;
	m.ext.mpls_count = 2;
	m.ext.mpls[0] = (struct ik_mpls_entry){.label = 16001, .tc = 5, .is_bottom = false, .ttl = 1};
	m.ext.mpls[1] = (struct ik_mpls_entry){.label = 24, .tc = 0, .is_bottom = true, .ttl = 1};
	int rc = ik_icmp4_encode(&m, out, cap);
	assert_true(rc > 0);
	return (size_t)rc;
}

/* RFC 4884 + RFC 4950: length field, padding to 128, extension found again. */
static void rfc4884_round_trip(void **state)
{
	(void)state;
	uint8_t fx[256], pkt[512];
	size_t flen = load_hex("icmp4_time_exceeded.hex", fx, sizeof fx);
	size_t len = build_error_with_ext(pkt, sizeof pkt, fx + 8, flen - 8);
	/* 8 header + 128 quote + 4 ext header + 4 object header + 8 entries. */
	assert_int_equal(len, 8 + 128 + 16);
	assert_int_equal(pkt[5], 32); /* 128 bytes = 32 words */
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, 0);
	assert_true(m.ext.is_present && m.ext.is_checksum_ok);
	assert_int_equal(m.ext.offset, 136);
	assert_int_equal(m.ext.mpls_count, 2);
	assert_int_equal(m.ext.mpls[0].label, 16001);
	assert_int_equal(m.ext.mpls[0].tc, 5);
	assert_false(m.ext.mpls[0].is_bottom);
	assert_true(m.ext.mpls[1].is_bottom);
	assert_int_equal(m.quote.quoted_len, 128);
	assert_int_equal(m.quote.icmp_id, 0x1d50);
	assert_int_equal(m.data_len, 128);
	uint8_t again[512];
	assert_int_equal(ik_icmp4_encode(&m, again, sizeof again), (int)len);
	assert_memory_equal(again, pkt, len);
}

static void rfc4884_lying_lengths(void **state)
{
	(void)state;
	uint8_t fx[256], pkt[512];
	size_t flen = load_hex("icmp4_time_exceeded.hex", fx, sizeof fx);
	size_t len = build_error_with_ext(pkt, sizeof pkt, fx + 8, flen - 8);
	struct ik_icmp m;
	/* Length below the 128-byte minimum of RFC 4884 5.1. */
	pkt[5] = 16;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	assert_false(m.ext.is_present);
	assert_true(m.quote.is_present);
	/* Length beyond the message. */
	pkt[5] = 200;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	assert_int_equal(m.quote.quoted_len, len - 8);
	/* Length exact, but the extension's object length overruns. */
	pkt[5] = 32;
	pkt[136 + 4] = 0x01;
	pkt[136 + 5] = 0x00;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	/* Object length below 4. */
	pkt[136 + 4] = 0;
	pkt[136 + 5] = 2;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_LENGTH);
	/* Extension checksum wrong: reported in ext_err, outer message fine. */
	len = build_error_with_ext(pkt, sizeof pkt, fx + 8, flen - 8);
	pkt[136 + 2] ^= 0xff;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_int_equal(m.ext_err, IK_ERR_BAD_CHECKSUM);
	assert_false(m.ext.is_checksum_ok);
	assert_int_equal(m.ext.mpls_count, 2);
}

/* RFC 4884 5.5: extension at 128 with a zero length field. */
static void rfc4884_non_compliant(void **state)
{
	(void)state;
	uint8_t fx[256], pkt[512];
	size_t flen = load_hex("icmp4_time_exceeded.hex", fx, sizeof fx);
	size_t len = build_error_with_ext(pkt, sizeof pkt, fx + 8, flen - 8);
	struct ik_icmp m;
	pkt[5] = 0;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_true(m.ext.is_present);
	assert_int_equal(m.ext.offset, 136);
	assert_int_equal(m.ext.mpls_count, 2);
	assert_int_equal(m.quote.quoted_len, 128);
	/* With a zero extension checksum the guess is too weak: no extension. */
	pkt[136 + 2] = pkt[136 + 3] = 0;
	fix_cksum(pkt, len);
	assert_int_equal(ik_icmp4_decode(pkt, len, &m), 0);
	assert_false(m.ext.is_present);
	assert_int_equal(m.quote.quoted_len, len - 8);
	/* A long echo-like quote with no extension stays a quote. */
	uint8_t big[300];
	memset(big, 0xab, sizeof big);
	memcpy(big, fx, flen);
	big[5] = 0;
	fix_cksum(big, sizeof big);
	assert_int_equal(ik_icmp4_decode(big, sizeof big, &m), 0);
	assert_false(m.ext.is_present);
	assert_int_equal(m.ext_err, 0);
}

static void round_trip(struct ik_icmp *in, size_t expect_len)
{
	uint8_t buf[1024];
	int rc = ik_icmp4_encode(in, buf, sizeof buf);
	assert_int_equal(rc, (int)expect_len);
	/* One byte short of the need must not fit. */
	uint8_t small[1024];
	assert_int_equal(ik_icmp4_encode(in, small, expect_len - 1), IK_ERR_NOSPACE);
	struct ik_icmp out;
	assert_int_equal(ik_icmp4_decode(buf, (size_t)rc, &out), 0);
	assert_int_equal(out.type, in->type);
	assert_int_equal(out.code, in->code);
	assert_int_equal(out.id, in->id);
	assert_int_equal(out.seq, in->seq);
	assert_int_equal(out.mtu, in->mtu);
	assert_int_equal(out.pointer, in->pointer);
	assert_int_equal(out.ts_originate, in->ts_originate);
	assert_int_equal(out.ts_receive, in->ts_receive);
	assert_int_equal(out.ts_transmit, in->ts_transmit);
	assert_int_equal(out.address_mask, in->address_mask);
	assert_int_equal(out.xe_is_local, in->xe_is_local);
	assert_int_equal(out.xe_state, in->xe_state);
	assert_int_equal(out.xe_is_active, in->xe_is_active);
	assert_int_equal(out.xe_has_ipv4, in->xe_has_ipv4);
	assert_int_equal(out.xe_has_ipv6, in->xe_has_ipv6);
	assert_int_equal(out.data_len, in->data_len);
	if (in->data_len)
		assert_memory_equal(out.data, in->data, in->data_len);
	if (in->type == IK_ICMP4_REDIRECT)
		assert_true(ik_addr_equal(&out.gateway, &in->gateway));
	*in = out;
}

static void every_type_round_trips(void **state)
{
	(void)state;
	uint8_t fx[256];
	size_t flen = load_hex("icmp4_time_exceeded.hex", fx, sizeof fx);
	const uint8_t *quote = fx + 8;
	size_t qlen = flen - 8;
	const uint8_t payload[] = "icmpkit payload";
	struct ik_icmp m;

	static const uint8_t echo_types[] = {0, 8, 15, 16};
	for (size_t i = 0; i < sizeof echo_types; i++) {
		memset(&m, 0, sizeof m);
		m.type = echo_types[i];
		m.id = 0xbeef;
		m.seq = 0x1234;
		m.data = payload;
		m.data_len = sizeof payload;
		round_trip(&m, 8 + sizeof payload);
	}
	for (uint8_t code = 0; code < 16; code++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP4_DEST_UNREACH;
		m.code = code;
		m.mtu = code == IK_UNREACH_FRAG_NEEDED ? 1400 : 0;
		m.data = quote;
		m.data_len = qlen;
		round_trip(&m, 8 + qlen);
		assert_true(m.quote.is_present);
		assert_int_equal(m.quote.icmp_seq, 1);
	}
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP4_SOURCE_QUENCH;
	m.data = quote;
	m.data_len = qlen;
	round_trip(&m, 8 + qlen);
	for (uint8_t code = 0; code < 4; code++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP4_REDIRECT;
		m.code = code;
		const uint8_t gw[4] = {192, 0, 2, (uint8_t)(code + 1)};
		ik_addr_set4(&m.gateway, gw);
		m.data = quote;
		m.data_len = qlen;
		round_trip(&m, 8 + qlen);
	}
	for (uint8_t code = 0; code < 2; code++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP4_TIME_EXCEEDED;
		m.code = code;
		m.data = quote;
		m.data_len = qlen;
		round_trip(&m, 8 + qlen);
	}
	for (uint8_t code = 0; code < 3; code++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP4_PARAM_PROBLEM;
		m.code = code;
		m.pointer = code == 0 ? 22 : 0;
		m.data = quote;
		m.data_len = qlen;
		round_trip(&m, 8 + qlen);
	}
	for (uint8_t t = IK_ICMP4_TIMESTAMP; t <= IK_ICMP4_TIMESTAMP_REPLY; t++) {
		memset(&m, 0, sizeof m);
		m.type = t;
		m.id = 7;
		m.seq = 9;
		m.ts_originate = 12345678;
		m.ts_receive = 0x80000001u; /* RFC 792: high bit = non-standard, kept raw */
		m.ts_transmit = 86399999;
		round_trip(&m, 20);
	}
	for (uint8_t t = IK_ICMP4_MASK_REQUEST; t <= IK_ICMP4_MASK_REPLY; t++) {
		memset(&m, 0, sizeof m);
		m.type = t;
		m.id = 1;
		m.seq = 2;
		m.address_mask = 0xffffff00;
		round_trip(&m, 12);
	}
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP4_ROUTER_ADVERT;
	m.ra4_num_addrs = 2;
	m.ra4_entry_words = 2;
	m.ra4_lifetime_s = 1800;
	m.ra4_entry_count = 2;
	const uint8_t r1[4] = {10, 0, 0, 1}, r2[4] = {10, 0, 0, 2};
	ik_addr_set4(&m.ra4_entries[0].addr, r1);
	m.ra4_entries[0].preference = 0;
	ik_addr_set4(&m.ra4_entries[1].addr, r2);
	m.ra4_entries[1].preference = (int32_t)0x80000000; /* RFC 1256: "never use" */
	round_trip(&m, 8 + 16);
	assert_int_equal(m.ra4_entry_count, 2);
	assert_int_equal(m.ra4_lifetime_s, 1800);
	assert_true(ik_addr_equal(&m.ra4_entries[1].addr, &(struct ik_addr){4, {10, 0, 0, 2}}));
	assert_int_equal(m.ra4_entries[1].preference, INT32_MIN);
	memset(&m, 0, sizeof m);
	m.type = IK_ICMP4_ROUTER_SOLICIT;
	round_trip(&m, 8);

	/* RFC 8335 extended echo request, one per identification kind. */
	for (uint8_t kind = IK_XE_BY_NAME; kind <= IK_XE_BY_ADDR; kind++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP4_EXT_ECHO_REQUEST;
		m.id = 0x4b48;
		m.seq = 200;
		m.xe_is_local = kind != IK_XE_BY_ADDR;
		m.ext.is_present = true;
		m.ext.ident_kind = kind;
		strcpy(m.ext.ident.name, "eth0.100");
		m.ext.ident.ifindex = 42;
		const uint8_t six[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
		ik_addr_set6(&m.ext.ident.addr, six);
		size_t body = kind == IK_XE_BY_NAME ? 8 : kind == IK_XE_BY_INDEX ? 4 : 20;
		uint8_t buf[128];
		int rc = ik_icmp4_encode(&m, buf, sizeof buf);
		assert_int_equal(rc, (int)(8 + 4 + 4 + body));
		struct ik_icmp out;
		assert_int_equal(ik_icmp4_decode(buf, (size_t)rc, &out), 0);
		assert_int_equal(out.ext_err, 0);
		assert_int_equal(out.seq, 200);
		assert_int_equal(out.xe_is_local, m.xe_is_local);
		assert_int_equal(out.xe_ident_kind, kind);
		if (kind == IK_XE_BY_NAME)
			assert_string_equal(out.xe_ident.name, "eth0.100");
		if (kind == IK_XE_BY_INDEX)
			assert_int_equal(out.xe_ident.ifindex, 42);
		if (kind == IK_XE_BY_ADDR)
			assert_true(ik_addr_equal(&out.xe_ident.addr, &m.ext.ident.addr));
	}
	for (uint8_t st = 0; st < 8; st++) {
		memset(&m, 0, sizeof m);
		m.type = IK_ICMP4_EXT_ECHO_REPLY;
		m.id = 3;
		m.seq = st;
		m.xe_state = st;
		m.xe_is_active = st & 1;
		m.xe_has_ipv4 = (st >> 1) & 1;
		m.xe_has_ipv6 = (st >> 2) & 1;
		round_trip(&m, 8);
	}
	/* Unknown types: header and body, rest kept raw, not an error. */
	memset(&m, 0, sizeof m);
	m.type = 200;
	m.code = 7;
	m.rest = 0xdeadbeef;
	m.data = payload;
	m.data_len = 4;
	round_trip(&m, 12);
	assert_int_equal(m.rest, 0xdeadbeef);
}

static void fixed_fields_truncated(void **state)
{
	(void)state;
	struct ik_icmp m;
	uint8_t ts[20] = {13, 0, 0, 0, 0, 1, 0, 1};
	fix_cksum(ts, 12);
	assert_int_equal(ik_icmp4_decode(ts, 12, &m), IK_ERR_TRUNCATED);
	assert_int_equal(m.id, 1);
	uint8_t mask[12] = {17, 0};
	fix_cksum(mask, 10);
	assert_int_equal(ik_icmp4_decode(mask, 10, &m), IK_ERR_TRUNCATED);
	/* Router advertisement: claims 3 entries, holds one. */
	uint8_t ra[16] = {9, 0, 0, 0, 3, 2, 0, 30, 10, 0, 0, 1, 0, 0, 0, 0};
	fix_cksum(ra, sizeof ra);
	assert_int_equal(ik_icmp4_decode(ra, sizeof ra, &m), IK_ERR_TRUNCATED);
	assert_int_equal(m.ra4_entry_count, 1);
	/* Entry size below two words is a lie (RFC 1256 3.1). */
	ra[4] = 1;
	ra[5] = 1;
	fix_cksum(ra, sizeof ra);
	assert_int_equal(ik_icmp4_decode(ra, sizeof ra, &m), IK_ERR_BAD_LENGTH);
}

/* More router entries than we keep: decoded up to the bound, the rest counted. */
static void router_advert_bounded(void **state)
{
	(void)state;
	uint8_t ra[8 + 12 * 12];
	memset(ra, 0, sizeof ra);
	ra[0] = 9;
	ra[4] = 12; /* entries */
	ra[5] = 3;  /* 3 words each: a future extension of the entry */
	for (int i = 0; i < 12; i++)
		ra[8 + 12 * i + 3] = (uint8_t)(i + 1);
	fix_cksum(ra, sizeof ra);
	struct ik_icmp m;
	assert_int_equal(ik_icmp4_decode(ra, sizeof ra, &m), 0);
	assert_int_equal(m.ra4_num_addrs, 12);
	assert_int_equal(m.ra4_entry_count, IK_RA4_MAX_ENTRIES);
	assert_int_equal(m.ra4_entries[7].addr.bytes[3], 8);
	assert_int_equal(m.data_len, 0);
	uint8_t out[256];
	assert_int_equal(ik_icmp4_encode(&m, out, sizeof out), IK_ERR_INVALID);
}

static void is_error_table(void **state)
{
	(void)state;
	for (unsigned t = 0; t < 256; t++) {
		bool want4 = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
		assert_int_equal(ik_icmp_is_error(4, (uint8_t)t), want4);
		assert_int_equal(ik_icmp_is_error(6, (uint8_t)t), t < 128);
	}
}

static void encode_invalid(void **state)
{
	(void)state;
	struct ik_icmp m;
	uint8_t buf[64];
	memset(&m, 0, sizeof m);
	m.type = 8;
	m.data_len = 4; /* no data pointer */
	assert_int_equal(ik_icmp4_encode(&m, buf, sizeof buf), IK_ERR_INVALID);
	memset(&m, 0, sizeof m);
	m.type = 5;
	m.gateway.family = 6;
	assert_int_equal(ik_icmp4_encode(&m, buf, sizeof buf), IK_ERR_INVALID);
	assert_int_equal(ik_icmp4_encode(&(struct ik_icmp){.type = 0}, buf, 7), IK_ERR_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixtures_decode_and_reencode),
		cmocka_unit_test(real_echo_pair),
		cmocka_unit_test(real_time_exceeded),
		cmocka_unit_test(real_frag_needed),
		cmocka_unit_test(real_port_unreach_udp),
		cmocka_unit_test(real_param_problem),
		cmocka_unit_test(real_redirect),
		cmocka_unit_test(real_timestamp),
		cmocka_unit_test(real_extended_echo),
		cmocka_unit_test(truncated_at_every_offset),
		cmocka_unit_test(bad_checksum_is_complete),
		cmocka_unit_test(quote_errors),
		cmocka_unit_test(rfc4884_round_trip),
		cmocka_unit_test(rfc4884_lying_lengths),
		cmocka_unit_test(rfc4884_non_compliant),
		cmocka_unit_test(every_type_round_trips),
		cmocka_unit_test(fixed_fields_truncated),
		cmocka_unit_test(router_advert_bounded),
		cmocka_unit_test(is_error_table),
		cmocka_unit_test(encode_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
