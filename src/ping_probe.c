/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit ping --probe: RFC 8335 PROBE, asking a proxy node about one of its interfaces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"
#include "icmpkit/sock.h"
#include "jsonw.h"
#include "ping.h"
#include "ping_xmode.h"

/* RFC 8335 2: the sequence number is 8 bits; remember one window of it. */
#define PR_WINDOW 256
#define PR_DEFAULT_LINGER_US 10000000

struct pr_sent {
	bool is_used;
	bool is_done; /* answered or reported as timed out */
	uint8_t seq;
	int64_t sent_mono_us;
	int64_t sent_real_us;
};

struct pr_ctx {
	struct xmode_run run;
	int family;
	struct ik_ext query; /* the RFC 8335 Interface Identification Object */
	struct pr_sent sent[PR_WINDOW];
};

/* RFC 8335 3: Extended Echo Reply codes. */
static const char *const pr_code_names[] = {
	"No Error",
	"Malformed Query",
	"No Such Interface",
	"No Such Table Entry",
	"Multiple Interfaces Satisfy Query",
};

static const char *pr_code_name(uint8_t code)
{
	return code < sizeof pr_code_names / sizeof pr_code_names[0] ? pr_code_names[code]
								      : "Unknown Code";
}

static const char *pr_kind_name(uint8_t kind)
{
	switch (kind) {
	case IK_XE_BY_NAME:
		return "name";
	case IK_XE_BY_INDEX:
		return "ifindex";
	case IK_XE_BY_ADDR:
		return "address";
	default:
		return "none";
	}
}

/*
 * RFC 8335 2.1: the object names the interface by name (C-Type 1), ifindex
 * (C-Type 2) or address (C-Type 3). Digits alone are an index, an address
 * literal an address, anything else a name.
 */
static int pr_parse_query(struct pr_ctx *c, const char *arg)
{
	struct ik_ifinfo *id = &c->query.ident;
	c->query.is_present = true;
	c->query.version = 2;
	size_t len = strlen(arg);
	if (len == 0) {
		fprintf(stderr, "%s: --probe: empty interface\n", c->run.o->prog);
		return -1;
	}
	if (strspn(arg, "0123456789") == len) {
		long long v;
		if (opt_number(c->run.o->prog, "--probe", arg, 0, 0xffffffffLL, &v) != 0)
			return -1;
		c->query.ident_kind = IK_XE_BY_INDEX;
		id->has_ifindex = true;
		id->ifindex = (uint32_t)v;
		return 0;
	}
	if (ik_addr_parse(arg, &id->addr) == 0) {
		c->query.ident_kind = IK_XE_BY_ADDR;
		id->has_addr = true;
		return 0;
	}
	/* RFC 8335 2.1: a name of at most 255 octets; ours fit IK_IFNAME_MAX. */
	if (len >= IK_IFNAME_MAX) {
		fprintf(stderr, "%s: --probe: interface name longer than %d bytes\n",
			c->run.o->prog, IK_IFNAME_MAX - 1);
		return -1;
	}
	c->query.ident_kind = IK_XE_BY_NAME;
	id->has_name = true;
	memcpy(id->name, arg, len + 1);
	return 0;
}

static int pr_send(void *ctx)
{
	struct pr_ctx *c = ctx;
	uint8_t seq = (uint8_t)c->run.sched.sent;
	struct pr_sent *e = &c->sent[seq];
	if (e->is_used && !e->is_done)
		c->run.outstanding--;
	*e = (struct pr_sent){.is_used = true, .seq = seq, .sent_mono_us = xmode_mono_us(),
			      .sent_real_us = xmode_real_us()};
	/* RFC 8335 2: L is set because the interface asked about is on the proxy itself. */
	struct ik_icmp m = {.version = (uint8_t)c->family, .id = c->run.ident, .seq = seq,
			    .xe_is_local = true, .ext = c->query};
	uint8_t buf[256];
	int len;
	if (c->family == 4) {
		m.type = IK_ICMP4_EXT_ECHO_REQUEST;
		len = ik_icmp4_encode(&m, buf, sizeof buf);
	} else {
		/* A raw ICMPv6 socket has the kernel fill in the checksum (RFC 3542 3.1). */
		struct ik_addr any = {.family = 6};
		m.type = IK_ICMP6_EXT_ECHO_REQUEST;
		len = ik_icmp6_encode(&m, &any, &c->run.t->addr, buf, sizeof buf);
	}
	if (len < 0)
		return len;
	int rc = ik_sock_send(c->run.sock, &c->run.t->addr, buf, (size_t)len);
	if (rc < 0) {
		e->is_used = false;
		return rc;
	}
	c->run.outstanding++;
	return 0;
}

static void pr_print_reply(struct pr_ctx *c, const struct ik_icmp *m, const struct ik_addr *from,
			   int ttl, int64_t rtt_us)
{
	char f[IK_ADDR_STRLEN] = "?";
	if (ik_addr_format(from, f, sizeof f) < 0)
		strcpy(f, "?");
	if (c->run.o->is_json) {
		struct jsonw *w = &c->run.json;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "probe_reply");
		jsonw_kstr(w, "from", f);
		jsonw_kuint(w, "seq", m->seq);
		if (ttl >= 0)
			jsonw_kuint(w, "ttl", (uint64_t)ttl);
		jsonw_key(w, "rtt_us");
		jsonw_int(w, rtt_us);
		jsonw_kstr(w, "query", pr_kind_name(c->query.ident_kind));
		jsonw_kstr(w, "interface", c->run.o->probe_arg);
		jsonw_kuint(w, "code", m->code);
		jsonw_kstr(w, "code_text", pr_code_name(m->code));
		if (m->code == 0) {
			jsonw_kuint(w, "state", m->xe_state);
			jsonw_kbool(w, "is_active", m->xe_is_active);
			jsonw_kbool(w, "has_ipv4", m->xe_has_ipv4);
			jsonw_kbool(w, "has_ipv6", m->xe_has_ipv6);
		}
		jsonw_obj_end(w);
		jsonw_eol(w);
		return;
	}
	if (c->run.o->is_quiet)
		return;
	printf("from %s: probe_seq=%u", f, m->seq);
	if (ttl >= 0)
		printf(" ttl=%d", ttl);
	printf(" time=%lld.%03lld ms", (long long)(rtt_us / 1000), (long long)(rtt_us % 1000));
	if (m->code != 0) {
		printf(" code=%u %s\n", m->code, pr_code_name(m->code));
		return;
	}
	printf(" code=0 interface=%s active=%s ipv4=%s ipv6=%s", c->run.o->probe_arg,
	       m->xe_is_active ? "yes" : "no", m->xe_has_ipv4 ? "yes" : "no",
	       m->xe_has_ipv6 ? "yes" : "no");
	/* RFC 8335 2: the state is only meaningful for a neighbor-table (remote) query. */
	if (m->xe_state)
		printf(" state=%u", m->xe_state);
	printf("\n");
}

static void pr_handle(void *ctx, const uint8_t *buf, size_t len, const struct ik_sock_info *info)
{
	struct pr_ctx *c = ctx;
	struct ik_icmp m;
	struct ik_addr from = info->from;
	int ttl = info->ttl;
	if (c->family == 4) {
		struct ik_ip ip;
		if (ik_ip_decode(buf, len, &ip) != 0 || ip.protocol != IK_PROTO_ICMP ||
		    ip.is_fragment)
			return;
		if (ik_icmp4_decode(ip.payload, ip.payload_len, &m) != 0)
			return;
		from = ip.src;
		ttl = ip.ttl;
	} else if (ik_icmp6_decode(buf, len, NULL, NULL, &m) != 0) {
		/* No addresses, no checksum check: the kernel did it (RFC 3542 3.1). */
		return;
	}
	uint8_t req = c->family == 4 ? IK_ICMP4_EXT_ECHO_REQUEST : IK_ICMP6_EXT_ECHO_REQUEST;
	uint8_t rep = c->family == 4 ? IK_ICMP4_EXT_ECHO_REPLY : IK_ICMP6_EXT_ECHO_REPLY;
	if (ik_icmp_is_error((uint8_t)c->family, m.type)) {
		if (m.quote.has_icmp && m.quote.icmp_type == req &&
		    m.quote.icmp_id == c->run.ident) {
			struct pr_sent *e = &c->sent[(m.quote.icmp_seq >> 8) & 0xff];
			if (e->is_used && !e->is_done) {
				e->is_done = true;
				c->run.outstanding--;
			}
			/* The quoted sequence word is seq << 8 | flags for extended echo. */
			xmode_print_error(&c->run, &m, &from, "probe_seq", m.quote.icmp_seq & 0xff,
					  (m.quote.icmp_seq >> 8) & 0xff);
		}
		return;
	}
	if (m.type != rep || m.id != c->run.ident)
		return;
	struct pr_sent *e = &c->sent[m.seq & 0xff];
	if (!e->is_used || e->is_done)
		return;
	int64_t rtt = info->has_ts ? (int64_t)info->ts.tv_sec * 1000000 + info->ts.tv_nsec / 1000 -
					     e->sent_real_us
				   : xmode_mono_us() - e->sent_mono_us;
	if (rtt < 0)
		rtt = 0;
	e->is_done = true;
	c->run.outstanding--;
	c->run.received++;
	pr_print_reply(c, &m, &from, ttl, rtt);
}

/* Probes older than the -W wait are reported once, as they expire. */
static void pr_expire(void *ctx, int64_t now, bool is_final)
{
	struct pr_ctx *c = ctx;
	for (size_t i = 0; i < PR_WINDOW; i++) {
		struct pr_sent *e = &c->sent[i];
		if (!e->is_used || e->is_done)
			continue;
		if (!is_final && now - e->sent_mono_us < c->run.sched.linger_us)
			continue;
		e->is_done = true;
		c->run.outstanding--;
		if (c->run.o->is_json) {
			struct jsonw *w = &c->run.json;
			jsonw_obj_begin(w);
			jsonw_kstr(w, "type", "probe_timeout");
			jsonw_kuint(w, "seq", e->seq);
			jsonw_obj_end(w);
			jsonw_eol(w);
		} else if (!c->run.o->is_quiet) {
			printf("no answer yet for probe_seq=%u\n", e->seq);
		}
	}
}

static void pr_summary(void *ctx)
{
	struct pr_ctx *c = ctx;
	if (c->run.o->is_json) {
		xmode_summary_json_begin(&c->run, "probe_summary");
		jsonw_obj_end(&c->run.json);
		jsonw_eol(&c->run.json);
		return;
	}
	xmode_summary_text(&c->run, "probe");
}

static void pr_start(void *ctx)
{
	struct pr_ctx *c = ctx;
	const struct ping_opts *o = c->run.o;
	if (!o->is_json)
		printf("PROBE %s (%s): interface %s by %s, RFC 8335 Extended Echo\n",
		       c->run.t->name, c->run.t->addr_text, o->probe_arg,
		       pr_kind_name(c->query.ident_kind));
}

static const uint8_t pr_pass6[] = {IK_ICMP6_EXT_ECHO_REPLY, IK_ICMP6_DEST_UNREACH,
				   IK_ICMP6_TIME_EXCEEDED, IK_ICMP6_PARAM_PROBLEM};

static const struct xmode_ops pr_ops = {
    .sock = {.mode = "--probe",
	     /* Types from 32 up (the reply is 43) always pass ICMP_FILTER. */
	     .pass4 = 1u << IK_ICMP4_DEST_UNREACH | 1u << IK_ICMP4_TIME_EXCEEDED |
		      1u << IK_ICMP4_PARAM_PROBLEM,
	     .pass6 = pr_pass6,
	     .pass6_len = sizeof pr_pass6,
	     .no_stamps_text = "no kernel receive stamps"},
    .default_linger_us = PR_DEFAULT_LINGER_US,
    .start = pr_start,
    .send = pr_send,
    .handle = pr_handle,
    .expire = pr_expire,
    .finish = pr_summary,
};

int ping_probe_run(const struct ping_opts *o, const struct ping_target *t)
{
	struct pr_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		return EXIT_USAGE;
	}
	c->run.o = o;
	c->run.t = t;
	c->family = t->addr.family;
	int status = EXIT_USAGE;
	if (pr_parse_query(c, o->probe_arg) == 0)
		status = xmode_loop(&c->run, &pr_ops, c);
	free(c);
	return status;
}
