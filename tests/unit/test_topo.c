/* SPDX-License-Identifier: BSD-3-Clause */
/* The lab topology parser: grammar, variables, loops, the shipped topologies and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/topo.h"

/* Parses text with optional NAME=VALUE variables; returns the plan or fails the test. */
static struct ik_topo *parse_ok(const char *text, const char *const *vars)
{
	struct ik_topo *t = ik_topo_create();
	assert_non_null(t);
	for (size_t i = 0; vars && vars[i]; i += 2)
		assert_int_equal(ik_topo_set_var(t, vars[i], vars[i + 1]), 0);
	int rc = ik_topo_parse(t, text, strlen(text));
	if (rc != 0)
		fail_msg("line %u: %s", ik_topo_error_line(t), ik_topo_error_reason(t));
	return t;
}

#define ANY_LINE 0xffffffffu

/* Expects a syntax error on the given line whose reason contains needle. */
static void parse_bad(const char *text, unsigned line, const char *needle)
{
	struct ik_topo *t = ik_topo_create();
	assert_non_null(t);
	assert_int_equal(ik_topo_parse(t, text, strlen(text)), IK_ERR_SYNTAX);
	if ((line != ANY_LINE && ik_topo_error_line(t) != line) || !strstr(ik_topo_error_reason(t), needle))
		fail_msg("for %s: got line %u '%s', want line %u '%s'", text,
			 ik_topo_error_line(t), ik_topo_error_reason(t), line, needle);
	/* A failed plan exposes nothing. */
	assert_int_equal(ik_topo_node_count(t), 0);
	assert_int_equal(ik_topo_link_count(t), 0);
	ik_topo_free(t);
}

static char *read_lab_file(const char *name)
{
	const char *fix = getenv("FIXTURES");
	char path[4096];
	snprintf(path, sizeof path, "%s/../../../lab/%s", fix ? fix : "tests/unit/fixtures", name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void addr_is(const struct ik_topo_prefix *p, const char *text, unsigned len)
{
	char buf[IK_ADDR_STRLEN];
	assert_true(ik_addr_format(&p->addr, buf, sizeof buf) > 0);
	assert_string_equal(buf, text);
	assert_int_equal(p->len, len);
}

static void basic(void **state)
{
	(void)state;
	const char *text = "# comment\n"
			   "node a\n"
			   "node b router   # trailing comment\n"
			   "\n"
			   "link a 10.0.0.1/24 fd00::1/64 b:up0 fd00::2/64 10.0.0.2/24 mtu 1400\n"
			   "link b - c:x 192.168.9.1/30\n";
	struct ik_topo *t = ik_topo_create();
	assert_int_equal(ik_topo_parse(t, text, strlen(text)), IK_ERR_SYNTAX);
	assert_int_equal(ik_topo_error_line(t), 6);
	assert_non_null(strstr(ik_topo_error_reason(t), "unknown node 'c'"));
	ik_topo_free(t);

	text = "node a\nnode b router\nnode c\n"
	       "link a 10.0.0.1/24 fd00::1/64 b:up0 fd00::2/64 10.0.0.2/24 mtu 1400\n"
	       "link b - c:x 192.168.9.1/30\n"
	       "route a default via 10.0.0.2\n"
	       "route a 192.168.9.0/30 nexthop via 10.0.0.2 nexthop via 10.0.0.3\n"
	       "route c fd00:99::/32 unreachable\n"
	       "sysctl b net.ipv4.icmp_ratelimit=0\n"
	       "sysctl a net.ipv4.ping_group_range=0 2147483647\n"
	       "loss b up0 5\n"
	       "delay b * 20\n";
	t = parse_ok(text, NULL);
	assert_int_equal(ik_topo_node_count(t), 3);
	assert_string_equal(ik_topo_node(t, 1)->name, "b");
	assert_int_equal(ik_topo_node(t, 1)->kind, IK_TOPO_ROUTER);
	assert_int_equal(ik_topo_node(t, 0)->kind, IK_TOPO_HOST);
	assert_int_equal(ik_topo_find_node(t, "c"), 2);
	assert_int_equal(ik_topo_find_node(t, "zz"), IK_ERR_NOT_FOUND);

	assert_int_equal(ik_topo_link_count(t), 2);
	const struct ik_topo_link *l = ik_topo_link(t, 0);
	assert_string_equal(l->end[0].ifname, "eth0");
	assert_string_equal(l->end[1].ifname, "up0");
	addr_is(&l->end[0].addr4, "10.0.0.1", 24);
	addr_is(&l->end[0].addr6, "fd00::1", 64);
	addr_is(&l->end[1].addr4, "10.0.0.2", 24);
	assert_int_equal(l->mtu, 1400);
	l = ik_topo_link(t, 1);
	/* b's second interface gets the next auto name; '-' leaves it bare. */
	assert_string_equal(l->end[0].ifname, "eth1");
	assert_int_equal(l->end[0].addr4.addr.family, 0);
	assert_int_equal(l->end[0].addr6.addr.family, 0);
	assert_string_equal(l->end[1].ifname, "x");
	assert_int_equal(l->mtu, 0);

	assert_int_equal(ik_topo_route_count(t), 3);
	const struct ik_topo_route *r = ik_topo_route(t, 0);
	assert_int_equal(r->dst.addr.family, 4);
	assert_int_equal(r->dst.len, 0);
	assert_int_equal(r->nexthop_count, 1);
	r = ik_topo_route(t, 1);
	assert_int_equal(r->nexthop_count, 2);
	r = ik_topo_route(t, 2);
	assert_int_equal(r->kind, IK_TOPO_ROUTE_UNREACHABLE);
	addr_is(&r->dst, "fd00:99::", 32);

	assert_int_equal(ik_topo_sysctl_count(t), 2);
	assert_string_equal(ik_topo_sysctl(t, 0)->key, "net.ipv4.icmp_ratelimit");
	assert_string_equal(ik_topo_sysctl(t, 0)->value, "0");
	assert_string_equal(ik_topo_sysctl(t, 1)->value, "0 2147483647");

	assert_int_equal(ik_topo_shape_count(t), 2);
	assert_int_equal(ik_topo_shape(t, 0)->kind, IK_TOPO_LOSS);
	assert_string_equal(ik_topo_shape(t, 0)->ifname, "up0");
	assert_int_equal(ik_topo_shape(t, 0)->value, 5);
	assert_int_equal(ik_topo_shape(t, 1)->kind, IK_TOPO_DELAY);
	assert_string_equal(ik_topo_shape(t, 1)->ifname, "");
	assert_null(ik_topo_node(t, 3));
	ik_topo_free(t);
}

static void variables_and_loops(void **state)
{
	(void)state;
	const char *text = "for i 1 ${N:-3}\n"
			   "node r${i} router\n"
			   "end\n"
			   "for i 1 $((${N:-3} - 1))\n"
			   "  for j 1 1\n"
			   "link r${i} 10.1.${i}.1/30 r$((i + j)) 10.1.${i}.2/30\n"
			   "  end\n"
			   "end\n"
			   "delay r1 * ${D:-0}\n"
			   "delay r${N:-3} * $((2 * 3 + 4 * -1))\n";
	struct ik_topo *t = parse_ok(text, NULL);
	assert_int_equal(ik_topo_node_count(t), 3);
	assert_int_equal(ik_topo_link_count(t), 2);
	assert_int_equal(ik_topo_shape(t, 0)->value, 0);
	assert_int_equal(ik_topo_shape(t, 1)->value, 2);
	ik_topo_free(t);

	const char *vars[] = {"N", "7", "D", "25", NULL};
	t = parse_ok(text, vars);
	assert_int_equal(ik_topo_node_count(t), 7);
	assert_string_equal(ik_topo_node(t, 6)->name, "r7");
	assert_int_equal(ik_topo_link_count(t), 6);
	addr_is(&ik_topo_link(t, 5)->end[1].addr4, "10.1.6.2", 30);
	assert_int_equal(ik_topo_shape(t, 0)->value, 25);
	ik_topo_free(t);

	/* N=1: the link loop runs zero times. */
	const char *one[] = {"N", "1", NULL};
	t = parse_ok(text, one);
	assert_int_equal(ik_topo_node_count(t), 1);
	assert_int_equal(ik_topo_link_count(t), 0);
	ik_topo_free(t);

	t = ik_topo_create();
	assert_int_equal(ik_topo_set_var(t, "1bad", "x"), IK_ERR_INVALID);
	assert_int_equal(ik_topo_set_var(t, "OK", "has space"), IK_ERR_INVALID);
	assert_int_equal(ik_topo_set_var(t, "OK", "v"), 0);
	assert_int_equal(ik_topo_set_var(t, "OK", "w"), 0);
	assert_int_equal(ik_topo_parse(t, "node ${OK}\n", 10), 0);
	assert_string_equal(ik_topo_node(t, 0)->name, "w");
	/* A plan is parsed once. */
	assert_int_equal(ik_topo_parse(t, "node x\n", 7), IK_ERR_INVALID);
	ik_topo_free(t);
}

static void shipped_topologies(void **state)
{
	(void)state;
	char *text = read_lab_file("seed.topo");
	struct ik_topo *t = parse_ok(text, NULL);
	assert_int_equal(ik_topo_node_count(t), 4);
	int r2 = ik_topo_find_node(t, "r2");
	assert_true(r2 >= 0);
	assert_int_equal(ik_topo_node(t, (size_t)r2)->kind, IK_TOPO_ROUTER);
	/* r2 must have no route into 10.99.0.0/16: the Net Unreachable depends on it. */
	for (size_t i = 0; i < ik_topo_route_count(t); i++) {
		const struct ik_topo_route *r = ik_topo_route(t, i);
		if (r->node == (size_t)r2 && r->dst.addr.family == 4)
			assert_false(r->dst.addr.bytes[0] == 10 && r->dst.addr.bytes[1] == 99);
		if (r->node == (size_t)r2)
			assert_true(r->dst.len > 0);
	}
	ik_topo_free(t);
	free(text);

	text = read_lab_file("chain.topo");
	const char *vars[] = {"N", "4", "DELAY_MS", "20", NULL};
	t = parse_ok(text, vars);
	assert_int_equal(ik_topo_node_count(t), 6);
	assert_int_equal(ik_topo_link_count(t), 5);
	/* Each router routes toward both ends except where the end is adjacent. */
	assert_int_equal(ik_topo_route_count(t), 4 + 2 * 3 * 2);
	assert_int_equal(ik_topo_shape_count(t), 8);
	ik_topo_free(t);
	t = parse_ok(text, NULL);
	assert_int_equal(ik_topo_node_count(t), 12);
	ik_topo_free(t);
	free(text);

	text = read_lab_file("lan.topo");
	t = parse_ok(text, NULL);
	int sw = ik_topo_find_node(t, "sw");
	assert_true(sw >= 0);
	assert_int_equal(ik_topo_node(t, (size_t)sw)->kind, IK_TOPO_LAN);
	assert_string_equal(ik_topo_link(t, 0)->end[0].ifname, "p0");
	assert_string_equal(ik_topo_link(t, 5)->end[0].ifname, "p5");
	ik_topo_free(t);
	free(text);
}

static void malformed(void **state)
{
	(void)state;
	parse_bad("", 0, "no nodes");
	parse_bad("# only a comment\n", 0, "no nodes");
	parse_bad("node a\nfrobnicate a\n", 2, "unknown statement");
	parse_bad("node A\n", 1, "bad node name");
	parse_bad("node abcdefghijklmnop\n", 1, "bad node name");
	parse_bad("node a\nnode a\n", 2, "declared twice");
	parse_bad("node a switch\n", 1, "node kind");
	parse_bad("node a\nnode b\nlink a 10.0.0.1 b\n", 3, "neither NODE");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/33 b\n", 3, "prefix length");
	parse_bad("node a\nnode b\nlink a 10.0.0.300/24 b\n", 3, "not an IPv4 or IPv6");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/24 10.0.0.9/24 b\n", 3, "two IPv4");
	parse_bad("node a\nlink a a\n", 2, "to itself");
	parse_bad("node a\nnode b\nlink a:toolonginterface0 b\n", 3, "bad interface name");
	parse_bad("node a\nnode b\nlink a:x/y - b\n", 3, "bad interface name");
	parse_bad("node a\nnode b\nlink a:lo - b\n", 3, "bad interface name");
	parse_bad("node a\nnode b\nlink a:e b:e\nlink a:e b\n", 4, "already has interface");
	parse_bad("node a\nnode b\nlink a b mtu 10\n", 3, "mtu");
	parse_bad("node a\nnode b\nlink a b mtu 1500 x\n", 3, "after mtu");
	parse_bad("node a\nnode b\nlink a b c\n", 3, "unexpected 'c'");
	parse_bad("lan s\nlan t\nlink s t\n", 3, "two lans");
	parse_bad("lan s\nnode a\nlink s 10.0.0.1/24 a\n", 3, "no address");
	parse_bad("node a\nattach a a\n", 2, "not a lan");
	parse_bad("node a\nroute a 10.0.0.0/8\n", 2, "usage: route");
	parse_bad("node a\nroute a 10.0.0.1/8 via 10.0.0.2\n", 2, "host bits");
	parse_bad("node a\nroute a 10.0.0.0/8 via 10.0.0.2\n", 2, "not on any link");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/24 b\nroute a default via 8.8.8.8\n", 4,
		  "not on any link");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/24 fd00::1/64 b\n"
		  "route a 10.1.0.0/16 via fd00::2\n",
		  4, "family");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/24 fd00::1/64 b\n"
		  "route a 10.1.0.0/16 nexthop via 10.0.0.2 nexthop via fd00::2\n",
		  4, "mix");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/24 b\n"
		  "route a 10.1.0.0/16 nexthop via 10.0.0.2\n",
		  4, "at least two");
	parse_bad("node a\nnode b\nlink a 10.0.0.1/24 b\n"
		  "route a 10.1.0.0/16 via 10.0.0.2 via 10.0.0.3\n",
		  4, "unexpected");
	parse_bad("node a\nroute a default unreachable\n", 2, "no family");
	parse_bad("node a\nroute a 10.0.0.0/8 unreachable now\n", 2, "unexpected");
	parse_bad("lan s\nroute s 10.0.0.0/8 unreachable\n", 2, "no routing table");
	parse_bad("node a\nsysctl a kernel.panic=1\n", 2, "per-namespace");
	parse_bad("node a\nsysctl a net.ipv4..x=1\n", 2, "per-namespace");
	parse_bad("node a\nsysctl a net.ipv4.icmp_ratelimit\n", 2, "KEY=VALUE");
	parse_bad("node a\nsysctl a net.ipv4.icmp_ratelimit=\n", 2, "empty value");
	parse_bad("node a\nsysctl a net.ipv4.conf/../x=1\n", 2, "per-namespace");
	parse_bad("node a\nloss a eth0 5\n", 2, "no interface");
	parse_bad("node a\nloss a * 101\n", 2, "0..100");
	parse_bad("node a\ndelay a * -1\n", 2, "0..10000");
	parse_bad("node a\ndelay a * 5x\n", 2, "0..10000");
	parse_bad("node a\ndelay a *\n", 2, "usage: delay");
	parse_bad("node ${X}\n", 1, "undefined variable 'X'");
	parse_bad("node ${X\n", 1, "unterminated ${");
	parse_bad("node ${1X}\n", 1, "bad variable name");
	parse_bad("node $X\n", 1, "stray '$'");
	parse_bad("node a$((1 +))\n", 1, "missing operand");
	parse_bad("node a$((1 + \n", 1, "unterminated $((");
	parse_bad("node a$((q))\n", 1, "undefined variable 'q'");
	parse_bad("node a$((1 / 2))\n", 1, "unexpected '/'");
	parse_bad("node a$((99999999999))\n", 1, "too large");
	parse_bad("node a$((100000 * 100000))\n", 1, "too large");
	parse_bad("node a\nfor i 1 2\nnode b${i}\n", 2, "without 'end'");
	parse_bad("node a\nend\n", 2, "without 'for'");
	parse_bad("node a\nfor i 1\nend\n", 2, "usage: for");
	parse_bad("node a\nfor i x 3\nend\n", 2, "bounds");
	parse_bad("node a\nfor i 1 2\nnode b\nend\n", 3, "declared twice");
	parse_bad("for a 1 1\nfor b 1 1\nfor c 1 1\nfor d 1 1\nfor e 1 1\nend\nend\nend\nend\nend\n",
		  5, "nested deeper");
	parse_bad("for i 0 100000\nfor j 0 100000\nend\nend\n", ANY_LINE, "runaway");
}

/* Lines too long, too many words, huge expansions: bounded and reported, never a crash. */
static void limits(void **state)
{
	(void)state;
	char *big = malloc(5000);
	assert_non_null(big);
	memset(big, 'a', 4999);
	big[0] = 'n';
	big[4999] = '\0';
	parse_bad(big, 1, "longer than");
	free(big);

	char words[400] = "node";
	for (int i = 0; i < 60; i++)
		strcat(words, " x");
	parse_bad(words, 1, "more than");

	/* Expansion that would exceed a line. */
	struct ik_topo *t = ik_topo_create();
	char val[64];
	memset(val, 'v', 63);
	val[63] = '\0';
	assert_int_equal(ik_topo_set_var(t, "V", val), 0);
	char line[800] = "node ";
	for (int i = 0; i < 20; i++)
		strcat(line, "${V}");
	assert_int_equal(ik_topo_parse(t, line, strlen(line)), IK_ERR_SYNTAX);
	assert_non_null(strstr(ik_topo_error_reason(t), "after expansion"));
	ik_topo_free(t);

	/* A NUL byte inside the stated length. */
	t = ik_topo_create();
	assert_int_equal(ik_topo_parse(t, "node a\nnode b\0\n", 15), IK_ERR_SYNTAX);
	assert_non_null(strstr(ik_topo_error_reason(t), "NUL"));
	ik_topo_free(t);

	/* Too many nodes. */
	parse_bad("for i 0 200\nnode n${i}\nend\n", 2, "more than 128 nodes");
	ik_topo_free(NULL);
}

/* Every prefix of a valid file is either valid or a clean syntax error. */
static void truncated(void **state)
{
	(void)state;
	char *text = read_lab_file("chain.topo");
	size_t len = strlen(text);
	for (size_t cut = 0; cut <= len; cut++) {
		struct ik_topo *t = ik_topo_create();
		assert_non_null(t);
		assert_int_equal(ik_topo_set_var(t, "N", "3"), 0);
		int rc = ik_topo_parse(t, text, cut);
		assert_true(rc == 0 || rc == IK_ERR_SYNTAX);
		if (rc)
			assert_true(ik_topo_error_reason(t)[0] != '\0');
		ik_topo_free(t);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic),      cmocka_unit_test(variables_and_loops),
		cmocka_unit_test(shipped_topologies), cmocka_unit_test(malformed),
		cmocka_unit_test(limits),     cmocka_unit_test(truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
