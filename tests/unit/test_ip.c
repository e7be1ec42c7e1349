/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4/IPv6 header decoder tests: real quoted headers, lying lengths, extension walks, truncation. */
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
#include "icmpkit/ip.h"

/* The real datagram R quoted in its Time Exceeded (ping -t 1 from 10.250.1.2). */
static void real_quoted_ipv4(void **state)
{
	(void)state;
	uint8_t pkt[256];
	size_t len = load_hex("icmp4_time_exceeded.hex", pkt, sizeof pkt);
	struct ik_ip ip;
	assert_int_equal(ik_ip_decode(pkt + 8, len - 8, &ip), 0);
	assert_int_equal(ip.version, 4);
	assert_int_equal(ip.header_len, 20);
	assert_int_equal(ip.total_len, 84);
	assert_int_equal(ip.ttl, 1);
	assert_int_equal(ip.protocol, IK_PROTO_ICMP);
	assert_int_equal(ip.frag_id, 0x2182);
	assert_true(ip.is_df);
	assert_false(ip.is_mf);
	assert_false(ip.is_fragment);
	assert_int_equal(ip.checksum, 0x3f30);
	assert_true(ip.is_checksum_ok);
	const uint8_t src[4] = {10, 250, 1, 2}, dst[4] = {10, 250, 2, 2};
	assert_memory_equal(ip.src.bytes, src, 4);
	assert_memory_equal(ip.dst.bytes, dst, 4);
	assert_ptr_equal(ip.payload, pkt + 8 + 20);
	assert_int_equal(ip.payload_len, len - 8 - 20);
	assert_int_equal(ip.is_truncated, ip.payload_len < 64);

	/* With options: the Record Route quote of the parameter problem. */
	len = load_hex("icmp4_param_problem.hex", pkt, sizeof pkt);
	assert_int_equal(ik_ip_decode(pkt + 8, len - 8, &ip), 0);
	assert_int_equal(ip.header_len, 28);
	assert_int_equal(ip.protocol, IK_PROTO_UDP);
	assert_true(ip.is_checksum_ok);
	assert_false(ip.is_truncated);
	assert_int_equal(ip.payload_len, 16);
}

static void ipv4_truncated_quote(void **state)
{
	(void)state;
	uint8_t pkt[2048];
	size_t len = load_hex("icmp4_frag_needed.hex", pkt, sizeof pkt);
	struct ik_ip ip;
	assert_int_equal(ik_ip_decode(pkt + 8, len - 8, &ip), 0);
	assert_true(ip.is_truncated);
	assert_int_equal(ip.total_len, 1428);
	assert_int_equal(ip.payload_len, len - 8 - 20);
	/* Cut right after the header: accepted, no payload. */
	assert_int_equal(ik_ip_decode(pkt + 8, 20, &ip), 0);
	assert_true(ip.is_truncated);
	assert_int_equal(ip.payload_len, 0);
	/* Cut inside the header. */
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(ik_ip_decode(pkt + 8, n, &ip), IK_ERR_TRUNCATED);
}

static void ipv4_lying_lengths(void **state)
{
	(void)state;
	uint8_t h[60] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
	struct ik_ip ip;
	/* IHL below 5. */
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		h[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(ik_ip_decode(h, 28, &ip), IK_ERR_BAD_LENGTH);
	}
	/* IHL beyond the total length. */
	h[0] = 0x4f;
	assert_int_equal(ik_ip_decode(h, 60, &ip), IK_ERR_BAD_LENGTH);
	/* IHL beyond the bytes present, total length consistent: header incomplete. */
	h[0] = 0x46;
	h[3] = 40;
	assert_int_equal(ik_ip_decode(h, 22, &ip), IK_ERR_TRUNCATED);
	/* Total length below the header. */
	h[0] = 0x45;
	h[3] = 19;
	assert_int_equal(ik_ip_decode(h, 28, &ip), IK_ERR_BAD_LENGTH);
	h[3] = 0;
	assert_int_equal(ik_ip_decode(h, 28, &ip), IK_ERR_BAD_LENGTH);
	/* Trailing link padding is not payload. */
	h[3] = 24;
	assert_int_equal(ik_ip_decode(h, 60, &ip), 0);
	assert_int_equal(ip.payload_len, 4);
	assert_false(ip.is_truncated);
	/* Unknown version. */
	h[0] = 0x55;
	assert_int_equal(ik_ip_decode(h, 28, &ip), IK_ERR_UNSUPPORTED);
	assert_int_equal(ik_ip_decode(h, 0, &ip), IK_ERR_TRUNCATED);
}

static void ipv4_checksum_and_fragments(void **state)
{
	(void)state;
	/* The captured header of test_cksum, checksum b861. */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	struct ik_ip ip;
	assert_int_equal(ik_ip_decode(h, 20, &ip), 0);
	assert_true(ip.is_checksum_ok);
	assert_true(ip.is_truncated);
	h[11] ^= 1;
	assert_int_equal(ik_ip_decode(h, 20, &ip), 0);
	assert_false(ip.is_checksum_ok);
	/* MF with offset 185 units = 1480 bytes. */
	h[6] = 0x20;
	h[7] = 185;
	assert_int_equal(ik_ip_decode(h, 20, &ip), 0);
	assert_true(ip.is_mf && ip.is_fragment);
	assert_false(ip.is_df);
	assert_int_equal(ip.frag_offset, 1480);
	h[6] = 0;
	h[7] = 1;
	assert_int_equal(ik_ip_decode(h, 20, &ip), 0);
	assert_true(ip.is_fragment);
	assert_false(ip.is_mf);
	assert_int_equal(ip.frag_offset, 8);
}

/* An IPv6 packet built to RFC 8200 with every walked extension header. */
static size_t build_v6(uint8_t *p, bool with_frag, uint16_t frag_field)
{
	memset(p, 0, 256);
	size_t off = 40;
	p[0] = 0x6a; /* traffic class 0xab, flow label 0xcdef1 */
	p[1] = 0xbc;
	p[2] = 0xde;
	p[3] = 0xf1;
	p[6] = 0;     /* hop-by-hop */
	p[7] = 64;
	p[8] = 0xfe, p[9] = 0x80, p[23] = 1;
	p[24] = 0xfe, p[25] = 0x80, p[39] = 2;
	/* Hop-by-hop, 8 bytes: PadN. */
	p[off] = 43;
	p[off + 1] = 0;
	p[off + 2] = 1, p[off + 3] = 4;
	off += 8;
	/* Routing, 24 bytes (type 4 segment routing-ish, opaque to us). */
	p[off] = 60;
	p[off + 1] = 2;
	p[off + 2] = 4;
	off += 24;
	/* Destination options, 16 bytes. */
	p[off] = with_frag ? 44 : 17;
	p[off + 1] = 1;
	p[off + 2] = 1, p[off + 3] = 12;
	off += 16;
	if (with_frag) {
		p[off] = 17;
		p[off + 2] = (uint8_t)(frag_field >> 8);
		p[off + 3] = (uint8_t)frag_field;
		p[off + 4] = 0xca, p[off + 5] = 0xfe, p[off + 6] = 0xba, p[off + 7] = 0xbe;
		off += 8;
	}
	/* UDP 8 bytes + 4 payload. */
	p[off] = 0x9c, p[off + 1] = 0x40, p[off + 2] = 0x82, p[off + 3] = 0x9a;
	p[off + 5] = 12;
	off += 12;
	uint16_t plen = (uint16_t)(off - 40);
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	return off;
}

static void ipv6_extension_walk(void **state)
{
	(void)state;
	uint8_t p[256];
	struct ik_ip ip;
	size_t len = build_v6(p, false, 0);
	assert_int_equal(ik_ip_decode(p, len, &ip), 0);
	assert_int_equal(ip.version, 6);
	assert_int_equal(ip.tos, 0xab);
	assert_int_equal(ip.flow_label, 0xcdef1);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.protocol, IK_PROTO_UDP);
	assert_int_equal(ip.header_len, 40 + 8 + 24 + 16);
	assert_int_equal(ip.total_len, len);
	assert_true(ip.is_checksum_ok);
	assert_false(ip.is_fragment);
	assert_int_equal(ip.payload_len, 12);
	assert_int_equal(ip.payload[0], 0x9c);
	assert_int_equal(ip.src.family, 6);
	assert_int_equal(ip.dst.bytes[15], 2);

	/* First fragment (offset 0, M set): walk on to UDP. */
	len = build_v6(p, true, 0x0001);
	assert_int_equal(ik_ip_decode(p, len, &ip), 0);
	assert_true(ip.is_fragment && ip.is_mf);
	assert_int_equal(ip.frag_offset, 0);
	assert_int_equal(ip.frag_id, 0xcafebabe);
	assert_int_equal(ip.protocol, IK_PROTO_UDP);
	assert_int_equal(ip.header_len, 40 + 8 + 24 + 16 + 8);

	/* Later fragment, offset 1480: stop after the fragment header. */
	len = build_v6(p, true, (uint16_t)(185 << 3));
	assert_int_equal(ik_ip_decode(p, len, &ip), 0);
	assert_int_equal(ip.frag_offset, 1480);
	assert_false(ip.is_mf);
	assert_int_equal(ip.protocol, IK_PROTO_UDP);
	assert_int_equal(ip.payload_len, 12);
}

static void ipv6_lies_and_truncation(void **state)
{
	(void)state;
	uint8_t p[256];
	struct ik_ip ip;
	size_t len = build_v6(p, true, 1);
	/* Cut anywhere: the fixed header needs 40 bytes, the chain its own. */
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, p, n);
		int rc = ik_ip_decode(copy, n, &ip);
		if (n < 40)
			assert_int_equal(rc, IK_ERR_TRUNCATED);
		else if (n < 40 + 8 + 24 + 16 + 8)
			assert_int_equal(rc, IK_ERR_TRUNCATED);
		else {
			assert_int_equal(rc, 0);
			assert_int_equal(ip.is_truncated, n < len);
			assert_true(ip.payload + ip.payload_len <= copy + n);
		}
		free(copy);
	}
	/* Payload length ends inside the routing header: a lie. */
	p[4] = 0;
	p[5] = 16;
	assert_int_equal(ik_ip_decode(p, len, &ip), IK_ERR_BAD_LENGTH);
	/* Hdr Ext Len running past the payload length. */
	len = build_v6(p, false, 0);
	p[40 + 8 + 1] = 200;
	assert_int_equal(ik_ip_decode(p, len, &ip), IK_ERR_BAD_LENGTH);
	/* An endless chain of destination options is refused. */
	uint8_t chain[40 + 8 * 40];
	memset(chain, 0, sizeof chain);
	chain[0] = 0x60;
	chain[4] = (uint8_t)((8 * 40) >> 8);
	chain[5] = (uint8_t)(8 * 40);
	chain[6] = 60;
	for (int i = 0; i < 40; i++)
		chain[40 + 8 * i] = 60;
	assert_int_equal(ik_ip_decode(chain, sizeof chain, &ip), IK_ERR_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_quoted_ipv4),
		cmocka_unit_test(ipv4_truncated_quote),
		cmocka_unit_test(ipv4_lying_lengths),
		cmocka_unit_test(ipv4_checksum_and_fragments),
		cmocka_unit_test(ipv6_extension_walk),
		cmocka_unit_test(ipv6_lies_and_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
