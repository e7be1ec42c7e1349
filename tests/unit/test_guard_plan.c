/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard's ruleset generator: every threshold appears, IPv4 and IPv6 parts, switches, buffer limits; sysctl paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "icmpkit/guard.h"

#define PLAN_CAP 32768

static char *plan_of(const struct ik_guard_conf *c)
{
	char *buf = malloc(PLAN_CAP);
	assert_non_null(buf);
	int n = ik_guard_plan(c, buf, PLAN_CAP);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static void has(const char *plan, const char *needle)
{
	if (!strstr(plan, needle))
		fail_msg("plan lacks '%s':\n%s", needle, plan);
}

static void lacks(const char *plan, const char *needle)
{
	if (strstr(plan, needle))
		fail_msg("plan has '%s':\n%s", needle, plan);
}

static void test_thresholds(void **state)
{
	(void)state;
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	/* Odd values that appear nowhere else in the text. */
	c.echo_rate_per_source = 4321;
	c.echo_burst_per_source = 8765;
	c.echo_rate_total = 54321;
	c.echo_burst_total = 98765;
	c.error_rate = 333;
	c.error_burst = 777;
	c.max_length = 1234;
	c.source_timeout = 47;
	c.block_timeout = 4242;
	c.meter_size = 9999;
	char *p = plan_of(&c);
	/* One transaction over our own table only. */
	has(p, "table inet icmpkit\ndelete table inet icmpkit\n\ntable inet icmpkit {\n");
	has(p, "update @echo_src4 { ip saddr limit rate over 4321/second burst 8765 packets } "
	       "counter drop");
	has(p, "update @echo_src6 { ip6 saddr limit rate over 4321/second burst 8765 packets } "
	       "counter drop");
	has(p, "icmp type echo-request limit rate over 54321/second burst 98765 packets counter drop");
	has(p, "icmpv6 type echo-request limit rate over 54321/second burst 98765 packets counter "
	       "drop");
	has(p, "icmp type { destination-unreachable, time-exceeded, parameter-problem } limit rate "
	       "333/second burst 777 packets counter accept");
	has(p, "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
	       "parameter-problem } limit rate 333/second burst 777 packets counter accept");
	has(p, "ip protocol icmp ip length > 1234 counter drop");
	has(p, "ip6 nexthdr ipv6-icmp ip6 length > 1194 counter drop");
	has(p, "set echo_src4 {\n\t\ttype ipv4_addr\n\t\tsize 9999\n\t\tflags dynamic,timeout\n"
	       "\t\ttimeout 47s\n\t}");
	has(p, "set echo_src6 {\n\t\ttype ipv6_addr\n\t\tsize 9999\n");
	has(p, "set blocked4 {\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t\ttimeout 4242s\n\t}");
	has(p, "set blocked6 {\n\t\ttype ipv6_addr\n\t\tflags timeout\n\t\ttimeout 4242s\n\t}");
	free(p);
}

static void test_defaults_parts(void **state)
{
	(void)state;
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	char *p = plan_of(&c);
	/* Blocked sources are consulted first, before reassembly. */
	const char *pre = strstr(p, "chain pre {");
	assert_non_null(pre);
	has(pre, "type filter hook prerouting priority -450; policy accept;");
	const char *blocked = strstr(pre, "ip saddr @blocked4");
	const char *frag = strstr(pre, "frag-off");
	assert_non_null(blocked);
	assert_non_null(frag);
	assert_true(blocked < frag);
	has(p, "ip protocol icmp ip frag-off & 0x3fff != 0 counter drop");
	has(p, "ip6 nexthdr ipv6-frag frag nexthdr ipv6-icmp counter drop");
	has(p, "icmp type echo-request fib daddr type { broadcast, multicast } counter drop");
	has(p, "icmpv6 type echo-request ip6 daddr ff00::/8 counter drop");
	has(p, "ip6 hoplimit 255 counter accept");
	has(p, "icmp type redirect counter drop");
	has(p, "icmp type timestamp-request counter drop");
	has(p, "icmp type address-mask-request counter drop");
	has(p, "icmpv6 type nd-redirect counter drop");
	has(p, "type filter hook input priority -10; policy accept;");
	has(p, "type filter hook forward priority -10; policy accept;");
	has(p, "meta l4proto { icmp, ipv6-icmp } counter jump guard comment \"ICMP to this host\"");
	/* Every rule explains itself. */
	for (const char *line = p; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		snprintf(buf, sizeof buf, "%.*s", (int)len, line);
		/* A rule line counts or jumps; '#' lines are the file's own notes. */
		bool is_rule = buf[strspn(buf, "\t")] != '#' &&
			       (strstr(buf, "counter ") || strstr(buf, "jump "));
		if (is_rule && !strstr(buf, "comment \""))
			fail_msg("rule without a comment: %s", buf);
	}
	/* The table name appears only as ours: nothing else is touched. */
	const char *t = p;
	while ((t = strstr(t, "table ")) != NULL) {
		assert_int_equal(strncmp(t, "table inet icmpkit", 18), 0);
		t += 6;
	}
	free(p);
}

static void test_switches(void **state)
{
	(void)state;
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	c.is_fragments_dropped = false;
	c.is_broadcast_echo_dropped = false;
	c.is_timestamp_allowed = true;
	c.is_address_mask_allowed = true;
	c.is_redirect_allowed = true;
	c.max_length = 1500;
	char *p = plan_of(&c);
	lacks(p, "frag-off & 0x3fff");
	lacks(p, "frag nexthdr");
	/* (65535 - 1500) / 8 = 8004: later fragments would end past 65535. */
	has(p, "ip protocol icmp ip frag-off & 0x1fff > 8004 counter drop");
	lacks(p, "fib daddr type");
	lacks(p, "ff00::/8");
	lacks(p, "timestamp-request");
	lacks(p, "address-mask-request");
	lacks(p, "icmp type redirect");
	lacks(p, "nd-redirect counter drop");
	has(p, "icmpv6 type nd-redirect ip6 hoplimit != 255 counter drop");
	free(p);
}

static void test_limits(void **state)
{
	(void)state;
	struct ik_guard_conf c;
	ik_guard_conf_defaults(&c);
	char small[256];
	memset(small, 'x', sizeof small);
	assert_int_equal(ik_guard_plan(&c, small, sizeof small), IK_ERR_NOSPACE);
	assert_int_equal(small[0], '\0');
	assert_int_equal(ik_guard_plan(&c, small, 0), IK_ERR_NOSPACE);
	/* Exactly the needed size works; one byte less does not. */
	char *p = plan_of(&c);
	size_t need = strlen(p) + 1;
	char *exact = malloc(need);
	assert_non_null(exact);
	assert_int_equal(ik_guard_plan(&c, exact, need), (int)need - 1);
	assert_int_equal(ik_guard_plan(&c, exact, need - 1), IK_ERR_NOSPACE);
	free(exact);
	free(p);
	char buf[64];
	c.error_rate = 0;
	assert_int_equal(ik_guard_plan(&c, buf, sizeof buf), IK_ERR_INVALID);
	ik_guard_conf_defaults(&c);
	c.max_length = 70000;
	assert_int_equal(ik_guard_plan(&c, buf, sizeof buf), IK_ERR_INVALID);
	assert_string_equal(ik_guard_remove_script(),
			    "table inet icmpkit\ndelete table inet icmpkit\n");
}

static void test_sysctls(void **state)
{
	(void)state;
	size_t n = 0;
	const struct ik_guard_sysctl *t = ik_guard_sysctls(&n);
	assert_true(n >= 15);
	const char *want[] = {"net.ipv4.icmp_echo_ignore_broadcasts", "net.ipv4.icmp_ratelimit",
			      "net.ipv4.icmp_ratemask", "net.ipv4.icmp_msgs_per_sec",
			      "net.ipv4.icmp_msgs_burst", "net.ipv4.icmp_ignore_bogus_error_responses",
			      "net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.all.send_redirects",
			      "net.ipv4.conf.all.secure_redirects", "net.ipv4.conf.all.rp_filter",
			      "net.ipv6.icmp.ratelimit", "net.ipv6.conf.all.accept_redirects"};
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		bool is_found = false;
		for (size_t i = 0; i < n; i++)
			is_found |= strcmp(t[i].key, want[w]) == 0;
		if (!is_found)
			fail_msg("sysctl %s not audited", want[w]);
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(t[i].recommended) > 0);
		assert_true(strlen(t[i].why) > 10);
	}
	char path[128];
	assert_int_equal(ik_guard_sysctl_path("net.ipv4.icmp_ratelimit", path, sizeof path), 33);
	assert_string_equal(path, "/proc/sys/net/ipv4/icmp_ratelimit");
	assert_int_equal(ik_guard_sysctl_path("net..x", path, sizeof path), IK_ERR_INVALID);
	assert_int_equal(ik_guard_sysctl_path("net/ipv4", path, sizeof path), IK_ERR_INVALID);
	assert_int_equal(ik_guard_sysctl_path("", path, sizeof path), IK_ERR_INVALID);
	assert_int_equal(ik_guard_sysctl_path("net.ipv4.icmp_ratelimit", path, 20), IK_ERR_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_defaults_parts),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sysctls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
