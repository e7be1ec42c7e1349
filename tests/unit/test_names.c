/* SPDX-License-Identifier: BSD-3-Clause */
/* Name and description strings, checked against iputils ping and traceroute's wording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/names.h"

static const char *describe(uint8_t version, uint8_t type, uint8_t code, uint32_t info)
{
	static char buf[128];
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.version = version;
	m.type = type;
	m.code = code;
	m.mtu = info;
	m.pointer = info;
	const uint8_t gw[4] = {10, 250, 1, 3};
	ik_addr_set4(&m.gateway, gw);
	int rc = ik_icmp_describe(&m, buf, sizeof buf);
	assert_int_equal(rc, (int)strlen(buf));
	return buf;
}

static const char *annotate(uint8_t version, uint8_t type, uint8_t code, uint32_t mtu)
{
	static char buf[32];
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.version = version;
	m.type = type;
	m.code = code;
	m.mtu = mtu;
	int rc = ik_trace_annotation(&m, buf, sizeof buf);
	assert_int_equal(rc, (int)strlen(buf));
	return buf;
}

/* iputils ping/ping.c pr_icmph(), every Destination Unreachable code. */
static void ping4_unreachable(void **state)
{
	(void)state;
	static const char *const want[16] = {
		"Destination Net Unreachable",
		"Destination Host Unreachable",
		"Destination Protocol Unreachable",
		"Destination Port Unreachable",
		"Frag needed and DF set (mtu = 1280)",
		"Source Route Failed",
		"Destination Net Unknown",
		"Destination Host Unknown",
		"Source Host Isolated",
		"Destination Net Prohibited",
		"Destination Host Prohibited",
		"Destination Net Unreachable for Type of Service",
		"Destination Host Unreachable for Type of Service",
		"Packet filtered",
		"Precedence Violation",
		"Precedence Cutoff",
	};
	for (uint8_t c = 0; c < 16; c++)
		assert_string_equal(describe(4, 3, c, 1280), want[c]);
	assert_string_equal(describe(4, 3, 16, 0), "Dest Unreachable, Bad Code: 16");
	assert_string_equal(ik_icmp_code_name(4, 3, 13), "Packet filtered");
	assert_null(ik_icmp_code_name(4, 3, 16));
}

static void ping4_others(void **state)
{
	(void)state;
	assert_string_equal(describe(4, 0, 0, 0), "Echo Reply");
	assert_string_equal(describe(4, 8, 0, 0), "Echo Request");
	assert_string_equal(describe(4, 4, 0, 0), "Source Quench");
	assert_string_equal(describe(4, 5, 0, 0), "Redirect Network(New nexthop: 10.250.1.3)");
	assert_string_equal(describe(4, 5, 1, 0), "Redirect Host(New nexthop: 10.250.1.3)");
	assert_string_equal(describe(4, 5, 2, 0),
			    "Redirect Type of Service and Network(New nexthop: 10.250.1.3)");
	assert_string_equal(describe(4, 5, 3, 0),
			    "Redirect Type of Service and Host(New nexthop: 10.250.1.3)");
	assert_string_equal(describe(4, 5, 9, 0), "Redirect, Bad Code: 9(New nexthop: 10.250.1.3)");
	assert_string_equal(describe(4, 11, 0, 0), "Time to live exceeded");
	assert_string_equal(describe(4, 11, 1, 0), "Frag reassembly time exceeded");
	assert_string_equal(describe(4, 11, 2, 0), "Time exceeded, Bad Code: 2");
	assert_string_equal(describe(4, 12, 0, 22), "Parameter problem: pointer = 22");
	assert_string_equal(describe(4, 13, 0, 0), "Timestamp");
	assert_string_equal(describe(4, 14, 0, 0), "Timestamp Reply");
	assert_string_equal(describe(4, 15, 0, 0), "Information Request");
	assert_string_equal(describe(4, 16, 0, 0), "Information Reply");
	assert_string_equal(describe(4, 17, 0, 0), "Address Mask Request");
	assert_string_equal(describe(4, 18, 0, 0), "Address Mask Reply");
	assert_string_equal(describe(4, 9, 0, 0), "Bad ICMP type: 9");
	assert_string_equal(describe(4, 42, 0, 0), "Bad ICMP type: 42");
	assert_string_equal(describe(4, 255, 0, 0), "Bad ICMP type: 255");
}

/* iputils ping/ping6_common.c print_icmp(). */
static void ping6_all(void **state)
{
	(void)state;
	assert_string_equal(describe(6, 1, 0, 0), "Destination unreachable: No route");
	assert_string_equal(describe(6, 1, 1, 0), "Destination unreachable: Administratively prohibited");
	assert_string_equal(describe(6, 1, 2, 0), "Destination unreachable: Beyond scope of source address");
	assert_string_equal(describe(6, 1, 3, 0), "Destination unreachable: Address unreachable");
	assert_string_equal(describe(6, 1, 4, 0), "Destination unreachable: Port unreachable");
	assert_string_equal(describe(6, 1, 5, 0),
			    "Destination unreachable: Source address failed ingress/egress policy");
	assert_string_equal(describe(6, 1, 6, 0), "Destination unreachable: Reject route to destination");
	assert_string_equal(describe(6, 1, 7, 0), "Destination unreachable: Unknown code 7");
	assert_string_equal(describe(6, 2, 0, 1280), "Packet too big: mtu=1280");
	assert_string_equal(describe(6, 2, 1, 1280), "Packet too big: mtu=1280, code=1");
	assert_string_equal(describe(6, 3, 0, 0), "Time exceeded: Hop limit");
	assert_string_equal(describe(6, 3, 1, 0), "Time exceeded: Defragmentation failure");
	assert_string_equal(describe(6, 3, 5, 0), "Time exceeded: code 5");
	assert_string_equal(describe(6, 4, 0, 40), "Parameter problem: Wrong header field at 40");
	assert_string_equal(describe(6, 4, 1, 6), "Parameter problem: Unknown header at 6");
	assert_string_equal(describe(6, 4, 2, 42), "Parameter problem: Unknown option at 42");
	assert_string_equal(describe(6, 4, 3, 0), "Parameter problem: code 3 at 0");
	assert_string_equal(describe(6, 128, 0, 0), "Echo request");
	assert_string_equal(describe(6, 129, 0, 0), "Echo reply");
	assert_string_equal(describe(6, 130, 0, 0), "MLD Query");
	assert_string_equal(describe(6, 131, 0, 0), "MLD Report");
	assert_string_equal(describe(6, 132, 0, 0), "MLD Reduction");
	assert_string_equal(describe(6, 135, 0, 0), "unknown icmp type: 135");
}

static void type_and_code_names(void **state)
{
	(void)state;
	assert_string_equal(ik_icmp_type_name(4, 0), "Echo Reply");
	assert_string_equal(ik_icmp_type_name(4, 3), "Destination Unreachable");
	assert_string_equal(ik_icmp_type_name(4, 9), "Router Advertisement");
	assert_string_equal(ik_icmp_type_name(4, 42), "Extended Echo Request");
	assert_null(ik_icmp_type_name(4, 1));
	assert_null(ik_icmp_type_name(4, 44));
	assert_null(ik_icmp_type_name(4, 255));
	assert_string_equal(ik_icmp_type_name(6, 2), "Packet Too Big");
	assert_string_equal(ik_icmp_type_name(6, 135), "Neighbor Solicitation");
	assert_string_equal(ik_icmp_type_name(6, 161), "Extended Echo Reply");
	assert_null(ik_icmp_type_name(6, 0));
	assert_null(ik_icmp_type_name(5, 0));
	assert_string_equal(ik_icmp_code_name(4, 5, 1), "Redirect Host");
	assert_string_equal(ik_icmp_code_name(4, 11, 1), "Frag reassembly time exceeded");
	assert_string_equal(ik_icmp_code_name(4, 12, 1), "Missing a required option");
	assert_string_equal(ik_icmp_code_name(4, 12, 2), "Bad length");
	assert_string_equal(ik_icmp_code_name(4, 43, 2), "No Such Interface");
	assert_string_equal(ik_icmp_code_name(6, 1, 4), "Port unreachable");
	assert_string_equal(ik_icmp_code_name(6, 3, 0), "Hop limit");
	assert_string_equal(ik_icmp_code_name(6, 4, 1), "Unknown header");
	assert_null(ik_icmp_code_name(4, 0, 0));
	assert_null(ik_icmp_code_name(6, 1, 200));
}

/* Linux traceroute (Butskoy) parse_icmp_res(). */
static void trace_annotations(void **state)
{
	(void)state;
	static const char *const want4[16] = {
		"!N", "!H", "!P", "", "!F-1400", "!S", "!N", "!H",
		"!N", "!X", "!X", "!N", "!H", "!X", "!V", "!C",
	};
	for (uint8_t c = 0; c < 16; c++)
		assert_string_equal(annotate(4, 3, c, 1400), want4[c]);
	assert_string_equal(annotate(4, 3, 20, 0), "!<20>");
	assert_string_equal(annotate(4, 11, 0, 0), "");
	assert_string_equal(annotate(4, 11, 1, 0), "!<11-1>");
	assert_string_equal(annotate(4, 12, 0, 0), "!<12-0>");
	assert_string_equal(annotate(4, 0, 0, 0), "");
	assert_string_equal(annotate(6, 1, 0, 0), "!N");
	assert_string_equal(annotate(6, 1, 1, 0), "!X");
	assert_string_equal(annotate(6, 1, 2, 0), "!H");
	assert_string_equal(annotate(6, 1, 3, 0), "!H");
	assert_string_equal(annotate(6, 1, 4, 0), "");
	assert_string_equal(annotate(6, 1, 5, 0), "!<5>");
	assert_string_equal(annotate(6, 2, 0, 1280), "!F-1280");
	assert_string_equal(annotate(6, 3, 0, 0), "");
	assert_string_equal(annotate(6, 3, 1, 0), "!<3-1>");
	assert_string_equal(annotate(6, 129, 0, 0), "");
}

static void no_space(void **state)
{
	(void)state;
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.version = 4;
	m.type = 3;
	m.code = 4;
	m.mtu = 1500;
	char buf[64];
	/* "Frag needed and DF set (mtu = 1500)" is 35 characters. */
	assert_int_equal(ik_icmp_describe(&m, buf, 35), IK_ERR_NOSPACE);
	assert_int_equal(ik_icmp_describe(&m, buf, 36), 35);
	assert_int_equal(ik_trace_annotation(&m, buf, 7), IK_ERR_NOSPACE);
	assert_int_equal(ik_trace_annotation(&m, buf, 8), 7);
	m.version = 0;
	assert_int_equal(ik_icmp_describe(&m, buf, sizeof buf), IK_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping4_unreachable),
		cmocka_unit_test(ping4_others),
		cmocka_unit_test(ping6_all),
		cmocka_unit_test(type_and_code_names),
		cmocka_unit_test(trace_annotations),
		cmocka_unit_test(no_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
