/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 4884 extension codec tests: MPLS (4950), interface info (5837), identification (8335). */
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

/* The extension structure of a real request, as the Linux kernel accepted it. */
static void real_ident_object(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t len = load_hex("icmp4_ext_echo_request_3.hex", pkt, sizeof pkt);
	struct ik_ext e;
	assert_int_equal(ik_ext_decode(pkt + 8, len - 8, &e), 0);
	assert_true(e.is_present);
	assert_int_equal(e.version, 2);
	assert_true(e.is_checksum_ok);
	assert_int_equal(e.checksum, 0xcbf3);
	assert_int_equal(e.ident_kind, IK_XE_BY_ADDR);
	assert_true(e.ident.has_addr);
	assert_int_equal(e.ident.addr.bytes[3], 2);
	/* Re-encoding the decoded form gives the same bytes. */
	uint8_t out[64];
	assert_int_equal(ik_ext_encode(&e, out, sizeof out), (int)(len - 8));
	assert_memory_equal(out, pkt + 8, len - 8);
}

/* RFC 4950 5: label 16, TC 0, S 1, TTL 1 is 00 01 01 01. */
static void mpls_vector(void **state)
{
	(void)state;
	uint8_t e[] = {0x20, 0, 0, 0, 0, 12, 1, 1, 0x03, 0xe8, 0x0a, 0xfe, 0x00, 0x01, 0x01, 0x01};
	fix_cksum(e, sizeof e);
	struct ik_ext x;
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), 0);
	assert_int_equal(x.mpls_count, 2);
	assert_int_equal(x.mpls[0].label, 16000);
	assert_int_equal(x.mpls[0].tc, 5);
	assert_false(x.mpls[0].is_bottom);
	assert_int_equal(x.mpls[0].ttl, 254);
	assert_int_equal(x.mpls[1].label, 16);
	assert_int_equal(x.mpls[1].tc, 0);
	assert_true(x.mpls[1].is_bottom);
	assert_int_equal(x.mpls[1].ttl, 1);
	/* Zero checksum: "not computed", accepted (RFC 4884 7). */
	e[2] = e[3] = 0;
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), 0);
	assert_true(x.is_checksum_ok);
	/* Wrong checksum: decoded, reported. */
	e[2] = 0x12;
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), IK_ERR_BAD_CHECKSUM);
	assert_false(x.is_checksum_ok);
	assert_int_equal(x.mpls_count, 2);
	/* Version 1 is not RFC 4884. */
	e[0] = 0x10;
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), IK_ERR_UNSUPPORTED);
	assert_false(x.is_present);
}

static void full_round_trip(void **state)
{
	(void)state;
	struct ik_ext in, out;
	memset(&in, 0, sizeof in);
	in.is_present = true;
	in.mpls_count = 3;
	for (int i = 0; i < 3; i++)
		in.mpls[i] = (struct ik_mpls_entry){.label = 0xfffff - (uint32_t)i, .tc = (uint8_t)i,
						    .is_bottom = i == 2, .ttl = (uint8_t)(255 - i)};
	in.ifinfo_count = 2;
	in.ifinfo[0].role = IK_IFROLE_INCOMING;
	in.ifinfo[0].has_ifindex = true;
	in.ifinfo[0].ifindex = 7;
	in.ifinfo[0].has_addr = true;
	ik_addr_set4(&in.ifinfo[0].addr, (const uint8_t[4]){192, 0, 2, 1});
	in.ifinfo[0].has_name = true;
	strcpy(in.ifinfo[0].name, "ge-0/0/1.100");
	in.ifinfo[0].has_mtu = true;
	in.ifinfo[0].mtu = 9000;
	in.ifinfo[1].role = IK_IFROLE_NEXTHOP;
	in.ifinfo[1].has_addr = true;
	memset(&in.ifinfo[1].addr, 0, sizeof in.ifinfo[1].addr);
	ik_addr_set6(&in.ifinfo[1].addr, (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 9});
	in.ident_kind = IK_XE_BY_INDEX;
	in.ident.ifindex = 3;
	uint8_t buf[512];
	int len = ik_ext_encode(&in, buf, sizeof buf);
	/* 4 + (4+12) + (4+4+8+16+4) + (4+4+16) + (4+4) */
	assert_int_equal(len, 4 + 16 + 36 + 24 + 8);
	assert_int_equal(ik_cksum(buf, (size_t)len), 0);
	for (int cap = 0; cap < len; cap++)
		assert_int_equal(ik_ext_encode(&in, buf, (size_t)cap), IK_ERR_NOSPACE);
	assert_int_equal(ik_ext_encode(&in, buf, sizeof buf), len);
	assert_int_equal(ik_ext_decode(buf, (size_t)len, &out), 0);
	assert_int_equal(out.mpls_count, 3);
	assert_int_equal(out.mpls[0].label, 0xfffff);
	assert_int_equal(out.mpls[2].ttl, 253);
	assert_true(out.mpls[2].is_bottom);
	assert_int_equal(out.ifinfo_count, 2);
	assert_int_equal(out.ifinfo[0].role, IK_IFROLE_INCOMING);
	assert_true(out.ifinfo[0].has_ifindex && out.ifinfo[0].has_addr && out.ifinfo[0].has_name &&
		    out.ifinfo[0].has_mtu);
	assert_int_equal(out.ifinfo[0].ifindex, 7);
	assert_true(ik_addr_equal(&out.ifinfo[0].addr, &in.ifinfo[0].addr));
	assert_string_equal(out.ifinfo[0].name, "ge-0/0/1.100");
	assert_int_equal(out.ifinfo[0].mtu, 9000);
	assert_int_equal(out.ifinfo[1].role, IK_IFROLE_NEXTHOP);
	assert_false(out.ifinfo[1].has_ifindex || out.ifinfo[1].has_name || out.ifinfo[1].has_mtu);
	assert_true(ik_addr_equal(&out.ifinfo[1].addr, &in.ifinfo[1].addr));
	assert_int_equal(out.ident_kind, IK_XE_BY_INDEX);
	assert_int_equal(out.ident.ifindex, 3);
	assert_int_equal(out.unknown_objects, 0);

	/* Cut at every length: an error, never a read past the end. */
	for (int n = 0; n < len; n++) {
		uint8_t *copy = malloc((size_t)n + 1);
		memcpy(copy, buf, (size_t)n);
		int rc = ik_ext_decode(copy, (size_t)n, &out);
		assert_true(rc < 0);
		assert_true(out.mpls_count <= IK_EXT_MAX_MPLS && out.ifinfo_count <= IK_EXT_MAX_IFINFO);
		free(copy);
	}
}

static void name_sub_object_rules(void **state)
{
	(void)state;
	/* Interface object, name only: length octet 8 = itself + "eth0" + 3 NULs. */
	uint8_t e[] = {0x20, 0, 0, 0, 0, 12, 2, 0x02, 8, 'e', 't', 'h', '0', 0, 0, 0};
	struct ik_ext x;
	fix_cksum(e, sizeof e);
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), 0);
	assert_string_equal(x.ifinfo[0].name, "eth0");
	/* Not a multiple of 4. */
	e[8] = 7;
	fix_cksum(e, sizeof e);
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), IK_ERR_BAD_LENGTH);
	/* Longer than the object. */
	e[8] = 12;
	fix_cksum(e, sizeof e);
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), IK_ERR_BAD_LENGTH);
	/* Shorter than the object: bytes left over. */
	e[8] = 4;
	fix_cksum(e, sizeof e);
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), IK_ERR_BAD_LENGTH);
	/* Over 64 (RFC 5837 4.3). */
	uint8_t big[4 + 4 + 68];
	memset(big, 'a', sizeof big);
	big[0] = 0x20, big[1] = 0;
	big[4] = 0, big[5] = 72, big[6] = 2, big[7] = 0x02;
	big[8] = 68;
	fix_cksum(big, sizeof big);
	assert_int_equal(ik_ext_decode(big, sizeof big, &x), IK_ERR_BAD_LENGTH);
	/* Exactly 64: a 63-byte name fills the buffer with its NUL. */
	big[5] = 68;
	big[8] = 64;
	fix_cksum(big, 72);
	assert_int_equal(ik_ext_decode(big, 72, &x), 0);
	assert_int_equal(strlen(x.ifinfo[0].name), 63);
	/* Address sub-object with an unknown AFI. */
	uint8_t af[] = {0x20, 0, 0, 0, 0, 12, 2, 0x04, 0, 9, 0, 0, 1, 2, 3, 4};
	fix_cksum(af, sizeof af);
	assert_int_equal(ik_ext_decode(af, sizeof af, &x), IK_ERR_UNSUPPORTED);
}

static void object_length_lies(void **state)
{
	(void)state;
	struct ik_ext x;
	/* Object length 2. */
	uint8_t a[] = {0x20, 0, 0, 0, 0, 2, 1, 1};
	fix_cksum(a, sizeof a);
	assert_int_equal(ik_ext_decode(a, sizeof a, &x), IK_ERR_BAD_LENGTH);
	/* Object length past the end. */
	uint8_t b[] = {0x20, 0, 0, 0, 0, 16, 1, 1, 0, 0, 0x11, 0x01};
	fix_cksum(b, sizeof b);
	assert_int_equal(ik_ext_decode(b, sizeof b, &x), IK_ERR_BAD_LENGTH);
	/* MPLS payload not a multiple of 4. */
	uint8_t c[] = {0x20, 0, 0, 0, 0, 10, 1, 1, 0, 0, 0x11, 0x01, 0, 0};
	fix_cksum(c, sizeof c);
	assert_int_equal(ik_ext_decode(c, sizeof c, &x), IK_ERR_BAD_LENGTH);
	/* Two stray bytes after the last object. */
	uint8_t d[] = {0x20, 0, 0, 0, 0, 8, 1, 1, 0, 0, 0x11, 0x01, 0xaa, 0xbb};
	fix_cksum(d, sizeof d);
	assert_int_equal(ik_ext_decode(d, sizeof d, &x), IK_ERR_BAD_LENGTH);
	assert_int_equal(x.mpls_count, 1);
	/* Header only: present, no objects. */
	assert_int_equal(ik_ext_decode(d, 4, &x), IK_ERR_BAD_CHECKSUM);
	uint8_t h[] = {0x20, 0, 0, 0};
	assert_int_equal(ik_ext_decode(h, 3, &x), IK_ERR_TRUNCATED);
	assert_int_equal(ik_ext_decode(h, 4, &x), 0);
	assert_true(x.is_present);
	/* Interface object whose flags promise more than its length holds. */
	uint8_t f[] = {0x20, 0, 0, 0, 0, 8, 2, 0x09, 0, 0, 0, 5};
	fix_cksum(f, sizeof f);
	assert_int_equal(ik_ext_decode(f, sizeof f, &x), IK_ERR_BAD_LENGTH);
}

static void unknown_and_bounded(void **state)
{
	(void)state;
	/* Two unknown classes, an MPLS c-type we do not know, then MPLS proper. */
	uint8_t e[] = {0x20, 0, 0, 0, 0, 4, 0xc8, 1, 0, 8, 4, 2, 1, 2, 3, 4,
		       0, 8, 1, 2, 0, 0, 0, 0, 0, 8, 1, 1, 0, 1, 0x01, 0x40};
	struct ik_ext x;
	fix_cksum(e, sizeof e);
	assert_int_equal(ik_ext_decode(e, sizeof e, &x), 0);
	assert_int_equal(x.unknown_objects, 3);
	assert_int_equal(x.mpls_count, 1);
	assert_int_equal(x.mpls[0].label, 16);
	assert_int_equal(x.mpls[0].ttl, 64);
	/* 20 MPLS entries: all checked, IK_EXT_MAX_MPLS kept. */
	uint8_t m[4 + 4 + 80];
	memset(m, 0, sizeof m);
	m[0] = 0x20;
	m[5] = 84, m[6] = 1, m[7] = 1;
	for (int i = 0; i < 20; i++)
		m[8 + 4 * i + 3] = (uint8_t)i;
	fix_cksum(m, sizeof m);
	assert_int_equal(ik_ext_decode(m, sizeof m, &x), 0);
	assert_int_equal(x.mpls_count, IK_EXT_MAX_MPLS);
	assert_int_equal(x.mpls[15].ttl, 15);
	/* Identification by name, by address with IPv6, and a bad address length. */
	uint8_t n[] = {0x20, 0, 0, 0, 0, 12, 3, 1, 'l', 'o', 0, 0, 0, 0, 0, 0};
	fix_cksum(n, sizeof n);
	assert_int_equal(ik_ext_decode(n, sizeof n, &x), 0);
	assert_int_equal(x.ident_kind, IK_XE_BY_NAME);
	assert_string_equal(x.ident.name, "lo");
	uint8_t a[4 + 4 + 4 + 16] = {0x20, 0, 0, 0, 0, 24, 3, 3, 0, 2, 16, 0, 0xfe, 0x80};
	fix_cksum(a, sizeof a);
	assert_int_equal(ik_ext_decode(a, sizeof a, &x), 0);
	assert_int_equal(x.ident.addr.family, 6);
	assert_int_equal(x.ident.addr.bytes[0], 0xfe);
	a[10] = 4; /* IPv6 AFI with a 4-byte address */
	fix_cksum(a, sizeof a);
	assert_int_equal(ik_ext_decode(a, sizeof a, &x), IK_ERR_BAD_LENGTH);
}

static void encode_invalid(void **state)
{
	(void)state;
	struct ik_ext e;
	uint8_t buf[128];
	memset(&e, 0, sizeof e);
	e.mpls_count = 1;
	e.mpls[0].label = 0x100000; /* 21 bits */
	assert_int_equal(ik_ext_encode(&e, buf, sizeof buf), IK_ERR_INVALID);
	memset(&e, 0, sizeof e);
	e.ifinfo_count = 1;
	e.ifinfo[0].has_addr = true; /* family 0 */
	assert_int_equal(ik_ext_encode(&e, buf, sizeof buf), IK_ERR_INVALID);
	memset(&e, 0, sizeof e);
	e.ident_kind = IK_XE_BY_NAME; /* empty name */
	assert_int_equal(ik_ext_encode(&e, buf, sizeof buf), IK_ERR_INVALID);
	memset(&e, 0, sizeof e);
	e.mpls_count = IK_EXT_MAX_MPLS + 1;
	assert_int_equal(ik_ext_encode(&e, buf, sizeof buf), IK_ERR_INVALID);
	memset(&e, 0, sizeof e);
	assert_int_equal(ik_ext_encode(&e, buf, sizeof buf), 4);
	assert_int_equal(buf[0], 0x20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_ident_object),
		cmocka_unit_test(mpls_vector),
		cmocka_unit_test(full_round_trip),
		cmocka_unit_test(name_sub_object_rules),
		cmocka_unit_test(object_length_lies),
		cmocka_unit_test(unknown_and_bounded),
		cmocka_unit_test(encode_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
