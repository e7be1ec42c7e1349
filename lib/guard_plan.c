/* SPDX-License-Identifier: BSD-3-Clause */
/* Builds icmpkit guard's nftables ruleset (table inet icmpkit) from its config, and its sysctl advice. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "icmpkit/guard.h"

/* An append-only writer over the caller's buffer; overflow is sticky. */
struct plan_out {
	char *buf;
	size_t cap;
	size_t len;
	bool is_full;
};

__attribute__((format(printf, 2, 3))) static void plan_put(struct plan_out *o, const char *fmt,
							    ...)
{
	if (o->is_full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->is_full = true;
		return;
	}
	o->len += (size_t)n;
}

/* Prerouting below -400 runs before nf_defrag (NF_IP_PRI_CONNTRACK_DEFRAG), so fragments are seen as sent. */
#define PLAN_PRE_PRIORITY (-450)
/* Input/forward a little before the usual filter chains (priority 0). */
#define PLAN_FILTER_PRIORITY (-10)
/* IPv4 header without options; a fragment's data starts after it. */
#define PLAN_IPV4_HEADER_LEN 20
#define PLAN_IPV6_HEADER_LEN 40

static void plan_sets(struct plan_out *o, const struct ik_guard_conf *c)
{
	plan_put(o,
		 "\t# Sources blocked by hand or by `icmpkit watch --block`: their ICMP is\n"
		 "\t# dropped before anything else looks at it; entries expire by themselves.\n"
		 "\tset blocked4 {\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t\ttimeout %us\n\t}\n"
		 "\tset blocked6 {\n\t\ttype ipv6_addr\n\t\tflags timeout\n\t\ttimeout %us\n\t}\n\n",
		 c->block_timeout, c->block_timeout);
	plan_put(o,
		 "\t# One token bucket per source of echo requests (a meter), forgotten after\n"
		 "\t# %us of silence; at most %u sources are tracked per family.\n"
		 "\tset echo_src4 {\n\t\ttype ipv4_addr\n\t\tsize %u\n\t\tflags dynamic,timeout\n"
		 "\t\ttimeout %us\n\t}\n"
		 "\tset echo_src6 {\n\t\ttype ipv6_addr\n\t\tsize %u\n\t\tflags dynamic,timeout\n"
		 "\t\ttimeout %us\n\t}\n\n",
		 c->source_timeout, c->meter_size, c->meter_size, c->source_timeout, c->meter_size,
		 c->source_timeout);
}

static void plan_pre(struct plan_out *o, const struct ik_guard_conf *c)
{
	plan_put(o,
		 "\t# Runs before IP reassembly (priority %d < -400), so fragments are seen\n"
		 "\t# one by one and a ping of death never gets reassembled.\n"
		 "\tchain pre {\n\t\ttype filter hook prerouting priority %d; policy accept;\n",
		 PLAN_PRE_PRIORITY, PLAN_PRE_PRIORITY);
	plan_put(o, "\t\tip protocol icmp ip saddr @blocked4 counter drop "
		    "comment \"blocked IPv4 source\"\n"
		    "\t\tmeta l4proto ipv6-icmp ip6 saddr @blocked6 counter drop "
		    "comment \"blocked IPv6 source\"\n");
	if (c->is_fragments_dropped) {
		/* RFC 791 3.1: MF is 0x2000, the offset the low 13 bits. */
		plan_put(o, "\t\tip protocol icmp ip frag-off & 0x3fff != 0 counter drop "
			    "comment \"ICMP fragment: no ICMP message needs fragmenting "
			    "(ping of death, fragment floods)\"\n");
		/* RFC 8200 4.5: the Fragment header names the upper layer. */
		plan_put(o, "\t\tip6 nexthdr ipv6-frag frag nexthdr ipv6-icmp counter drop "
			    "comment \"ICMPv6 fragment: RFC 6980 forbids fragmented ND; "
			    "no other ICMPv6 needs it\"\n");
	} else {
		/*
		 * Without dropping them all, drop the fragments that start so far
		 * in that, at max_length, they would end past 65535 (RFC 791: the
		 * total length is 16 bits), the ping of death.
		 */
		unsigned room = 65535u - c->max_length;
		plan_put(o, "\t\tip protocol icmp ip frag-off & 0x1fff > %u counter drop "
			    "comment \"ICMP fragment at offset > %u bytes: would reassemble past "
			    "65535 (ping of death)\"\n",
			 room / 8, room);
	}
	plan_put(o, "\t\tip protocol icmp ip length > %u counter drop "
		    "comment \"ICMP longer than max_length %u bytes\"\n",
		 c->max_length, c->max_length);
	unsigned v6_payload = c->max_length > PLAN_IPV6_HEADER_LEN
				      ? c->max_length - PLAN_IPV6_HEADER_LEN
				      : 0;
	plan_put(o, "\t\tip6 nexthdr ipv6-icmp ip6 length > %u counter drop "
		    "comment \"ICMPv6 longer than max_length %u bytes (payload %u)\"\n",
		 v6_payload, c->max_length, v6_payload);
	plan_put(o, "\t}\n\n");
}

/* The ICMP types (RFC 792, RFC 950) that a host need not answer by default. */
static void plan_info_requests(struct plan_out *o, const struct ik_guard_conf *c)
{
	if (!c->is_redirect_allowed)
		plan_put(o, "\t\ticmp type redirect counter drop comment \"Redirect: rewrites "
			    "routes on the word of anyone on the link (allow_redirects = no)\"\n");
	if (!c->is_timestamp_allowed)
		plan_put(o, "\t\ticmp type timestamp-request counter drop comment \"Timestamp "
			    "request: leaks the clock (allow_timestamp = no)\"\n");
	if (!c->is_address_mask_allowed)
		plan_put(o, "\t\ticmp type address-mask-request counter drop comment \"Address "
			    "Mask request (RFC 950): leaks the netmask (allow_address_mask = no)\"\n");
}

static void plan_guard(struct plan_out *o, const struct ik_guard_conf *c)
{
	plan_put(o, "\t# Every ICMP packet that reaches this host or crosses it.\n"
		    "\tchain guard {\n");
	if (c->is_broadcast_echo_dropped) {
		plan_put(o, "\t\ticmp type echo-request fib daddr type { broadcast, multicast } "
			    "counter drop comment \"echo to broadcast/multicast: smurf amplifier "
			    "(RFC 1122 3.2.2.6 lets hosts ignore it)\"\n"
			    "\t\ticmpv6 type echo-request ip6 daddr ff00::/8 counter drop "
			    "comment \"echo to IPv6 multicast: amplifier\"\n");
	}
	plan_put(o, "\t\ticmp type echo-request update @echo_src4 { ip saddr limit rate over "
		    "%u/second burst %u packets } counter drop comment \"one IPv4 source over "
		    "%u echo/s (burst %u): flood\"\n",
		 c->echo_rate_per_source, c->echo_burst_per_source, c->echo_rate_per_source,
		 c->echo_burst_per_source);
	plan_put(o, "\t\ticmpv6 type echo-request update @echo_src6 { ip6 saddr limit rate over "
		    "%u/second burst %u packets } counter drop comment \"one IPv6 source over "
		    "%u echo/s (burst %u): flood\"\n",
		 c->echo_rate_per_source, c->echo_burst_per_source, c->echo_rate_per_source,
		 c->echo_burst_per_source);
	plan_put(o, "\t\ticmp type echo-request limit rate over "
		    "%u/second burst %u packets counter drop comment \"all IPv4 sources over "
		    "%u echo/s (burst %u): distributed flood\"\n",
		 c->echo_rate_total, c->echo_burst_total, c->echo_rate_total, c->echo_burst_total);
	plan_put(o, "\t\ticmpv6 type echo-request limit rate over %u/second burst %u packets "
		    "counter drop comment \"all IPv6 sources over %u echo/s (burst %u): "
		    "distributed flood\"\n",
		 c->echo_rate_total, c->echo_burst_total, c->echo_rate_total, c->echo_burst_total);
	/*
	 * RFC 1122 3.2.2 and RFC 1191: Destination Unreachable (with Frag
	 * Needed), Time Exceeded and Parameter Problem are how the network
	 * reports trouble; blocking them breaks PMTU discovery and traceroute.
	 */
	plan_put(o, "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } "
		    "limit rate %u/second burst %u packets counter accept comment \"needed errors "
		    "(incl. Frag Needed for PMTU, RFC 1191), up to %u/s\"\n"
		    "\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } "
		    "counter drop comment \"errors over %u/s: error flood\"\n",
		 c->error_rate, c->error_burst, c->error_rate, c->error_rate);
	/* RFC 4890 4.3.1/4.4.1: must not be dropped, but may be rate-limited. */
	plan_put(o, "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
		    "parameter-problem } limit rate %u/second burst %u packets counter accept "
		    "comment \"RFC 4890 errors incl. Packet Too Big (PMTU, RFC 8201), up to %u/s\"\n"
		    "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
		    "parameter-problem } counter drop comment \"ICMPv6 errors over %u/s: error "
		    "flood\"\n",
		 c->error_rate, c->error_burst, c->error_rate, c->error_rate);
	/* RFC 4861 6.1/7.1: a node drops ND messages whose hop limit is not 255. */
	plan_put(o, "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, "
		    "nd-neighbor-advert } ip6 hoplimit 255 counter accept comment \"neighbor "
		    "discovery from the link itself (hop limit 255, RFC 4861)\"\n"
		    "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, "
		    "nd-neighbor-advert } counter drop comment \"neighbor discovery with hop "
		    "limit below 255: sent from off the link\"\n");
	if (!c->is_redirect_allowed)
		plan_put(o, "\t\ticmpv6 type nd-redirect counter drop comment \"ICMPv6 Redirect: "
			    "rewrites routes (allow_redirects = no)\"\n");
	else
		plan_put(o, "\t\ticmpv6 type nd-redirect ip6 hoplimit != 255 counter drop "
			    "comment \"ICMPv6 Redirect from off the link (RFC 4861 8.1)\"\n");
	plan_info_requests(o, c);
	plan_put(o, "\t}\n\n");
}

int ik_guard_plan(const struct ik_guard_conf *conf, char *buf, size_t cap)
{
	if (!conf || !buf || conf->echo_rate_per_source == 0 || conf->echo_burst_per_source == 0 ||
	    conf->echo_rate_total == 0 || conf->echo_burst_total == 0 || conf->error_rate == 0 ||
	    conf->error_burst == 0 || conf->max_length < 68 || conf->max_length > 65535 ||
	    conf->source_timeout == 0 || conf->block_timeout == 0 || conf->meter_size == 0)
		return IK_ERR_INVALID;
	if (cap == 0)
		return IK_ERR_NOSPACE;
	struct plan_out o = {buf, cap, 0, false};
	buf[0] = '\0';
	/*
	 * One nft transaction: declare (a no-op if present), delete, recreate.
	 * nft loads a file all or nothing, so a failure keeps the old table.
	 */
	plan_put(&o, "#!/usr/sbin/nft -f\n"
		     "# icmpkit guard: rate-limits and filters ICMP without breaking it.\n"
		     "# Loading this file replaces only table inet %s, atomically.\n"
		     "table inet %s\ndelete table inet %s\n\n"
		     "table inet %s {\n",
		 IK_GUARD_TABLE, IK_GUARD_TABLE, IK_GUARD_TABLE, IK_GUARD_TABLE);
	plan_sets(&o, conf);
	plan_pre(&o, conf);
	plan_guard(&o, conf);
	plan_put(&o, "\t# Hooks: ICMP for this host and ICMP it forwards go through guard;\n"
		     "\t# everything else passes untouched (policy accept).\n"
		     "\tchain input {\n\t\ttype filter hook input priority %d; policy accept;\n"
		     "\t\tmeta l4proto { icmp, ipv6-icmp } counter jump guard comment \"ICMP to this "
		     "host\"\n\t}\n"
		     "\tchain forward {\n\t\ttype filter hook forward priority %d; policy accept;\n"
		     "\t\tmeta l4proto { icmp, ipv6-icmp } counter jump guard comment \"ICMP routed "
		     "through this host\"\n\t}\n}\n",
		 PLAN_FILTER_PRIORITY, PLAN_FILTER_PRIORITY);
	if (o.is_full) {
		buf[0] = '\0';
		return IK_ERR_NOSPACE;
	}
	return (int)o.len;
}

const char *ik_guard_remove_script(void)
{
	/* Declaring first makes removal succeed when the table is already gone. */
	return "table inet " IK_GUARD_TABLE "\ndelete table inet " IK_GUARD_TABLE "\n";
}

static const struct ik_guard_sysctl guard_sysctls[] = {
	{"net.ipv4.icmp_echo_ignore_broadcasts", "1",
	 "a host that answers broadcast pings is a smurf amplifier (RFC 1122 3.2.2.6 allows ignoring them)"},
	{"net.ipv4.icmp_ratelimit", "1000",
	 "milliseconds per token of the per-destination error bucket: keeps this host from being an error flood source"},
	{"net.ipv4.icmp_ratemask", "6168",
	 "rate-limit Destination Unreachable, Source Quench, Time Exceeded and Parameter Problem (Frag Needed is exempt)"},
	{"net.ipv4.icmp_msgs_per_sec", "1000", "global cap on ICMP messages sent per second"},
	{"net.ipv4.icmp_msgs_burst", "50", "burst of that global cap"},
	{"net.ipv4.icmp_ignore_bogus_error_responses", "1",
	 "do not log errors sent in reply to broadcasts (RFC 1122 3.2.2: log flooding)"},
	{"net.ipv4.conf.all.accept_redirects", "0",
	 "Redirects let anyone on the link rewrite routes (RFC 1122 3.2.2.2)"},
	{"net.ipv4.conf.default.accept_redirects", "0", "the same for interfaces made later"},
	{"net.ipv4.conf.all.secure_redirects", "0",
	 "even redirects from listed gateways are forgeable"},
	{"net.ipv4.conf.default.secure_redirects", "0", "the same for interfaces made later"},
	{"net.ipv4.conf.all.send_redirects", "0",
	 "only a router that knows its link needs them; they teach hosts to trust redirects"},
	{"net.ipv4.conf.default.send_redirects", "0", "the same for interfaces made later"},
	{"net.ipv4.conf.all.rp_filter", "1",
	 "strict reverse-path filter (RFC 3704) drops spoofed sources such as smurf victims' addresses"},
	{"net.ipv4.conf.default.rp_filter", "1", "the same for interfaces made later"},
	{"net.ipv6.icmp.ratelimit", "100",
	 "milliseconds per token of the ICMPv6 error bucket, the kernel's default; 0 would disable the limit RFC 4443 2.4 (f) requires"},
	{"net.ipv6.icmp.echo_ignore_multicast", "1",
	 "a host that answers multicast pings is an amplifier"},
	{"net.ipv6.conf.all.accept_redirects", "0",
	 "ICMPv6 Redirects rewrite routes (RFC 4861 8)"},
	{"net.ipv6.conf.default.accept_redirects", "0", "the same for interfaces made later"},
};

const struct ik_guard_sysctl *ik_guard_sysctls(size_t *count)
{
	*count = sizeof guard_sysctls / sizeof guard_sysctls[0];
	return guard_sysctls;
}

int ik_guard_sysctl_path(const char *key, char *buf, size_t cap)
{
	size_t len = strlen(key);
	if (len == 0 || strstr(key, "..") || key[0] == '.' || key[len - 1] == '.')
		return IK_ERR_INVALID;
	for (size_t i = 0; i < len; i++) {
		char ch = key[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '.'))
			return IK_ERR_INVALID;
	}
	int n = snprintf(buf, cap, "/proc/sys/");
	if (n < 0 || (size_t)n + len >= cap)
		return IK_ERR_NOSPACE;
	for (size_t i = 0; i < len; i++)
		buf[n + (int)i] = key[i] == '.' ? '/' : key[i];
	buf[(size_t)n + len] = '\0';
	return n + (int)len;
}
