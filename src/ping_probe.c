/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit ping --probe: RFC 8335 PROBE, asking a proxy node about one of its interfaces. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"
#include "icmpkit/names.h"
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
	const struct ping_opts *o;
	const struct ping_target *t;
	struct ik_sock *sock;
	int family;
	uint16_t ident;
	struct ik_ext query; /* the RFC 8335 Interface Identification Object */
	struct xmode_sched sched;
	struct pr_sent sent[PR_WINDOW];
	long long received;
	long long errors;
	long long outstanding;
	struct jsonw json;
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
		fprintf(stderr, "%s: --probe: empty interface\n", c->o->prog);
		return -1;
	}
	if (strspn(arg, "0123456789") == len) {
		long long v;
		if (opt_number(c->o->prog, "--probe", arg, 0, 0xffffffffLL, &v) != 0)
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
		fprintf(stderr, "%s: --probe: interface name longer than %d bytes\n", c->o->prog,
			IK_IFNAME_MAX - 1);
		return -1;
	}
	c->query.ident_kind = IK_XE_BY_NAME;
	id->has_name = true;
	memcpy(id->name, arg, len + 1);
	return 0;
}

static int pr_send(struct pr_ctx *c)
{
	uint8_t seq = (uint8_t)c->sched.sent;
	struct pr_sent *e = &c->sent[seq];
	if (e->is_used && !e->is_done)
		c->outstanding--;
	*e = (struct pr_sent){.is_used = true, .seq = seq, .sent_mono_us = xmode_mono_us(),
			      .sent_real_us = xmode_real_us()};
	/* RFC 8335 2: L is set because the interface asked about is on the proxy itself. */
	struct ik_icmp m = {.version = (uint8_t)c->family, .id = c->ident, .seq = seq,
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
		len = ik_icmp6_encode(&m, &any, &c->t->addr, buf, sizeof buf);
	}
	if (len < 0)
		return len;
	int rc = ik_sock_send(c->sock, &c->t->addr, buf, (size_t)len);
	if (rc < 0) {
		e->is_used = false;
		return rc;
	}
	c->outstanding++;
	return 0;
}

static void pr_print_reply(struct pr_ctx *c, const struct ik_icmp *m, const struct ik_addr *from,
			   int ttl, int64_t rtt_us)
{
	char f[IK_ADDR_STRLEN] = "?";
	if (ik_addr_format(from, f, sizeof f) < 0)
		strcpy(f, "?");
	if (c->o->is_json) {
		struct jsonw *w = &c->json;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "probe_reply");
		jsonw_kstr(w, "from", f);
		jsonw_kuint(w, "seq", m->seq);
		if (ttl >= 0)
			jsonw_kuint(w, "ttl", (uint64_t)ttl);
		jsonw_key(w, "rtt_us");
		jsonw_int(w, rtt_us);
		jsonw_kstr(w, "query", pr_kind_name(c->query.ident_kind));
		jsonw_kstr(w, "interface", c->o->probe_arg);
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
	if (c->o->is_quiet)
		return;
	printf("from %s: probe_seq=%u", f, m->seq);
	if (ttl >= 0)
		printf(" ttl=%d", ttl);
	printf(" time=%lld.%03lld ms", (long long)(rtt_us / 1000), (long long)(rtt_us % 1000));
	if (m->code != 0) {
		printf(" code=%u %s\n", m->code, pr_code_name(m->code));
		return;
	}
	printf(" code=0 interface=%s active=%s ipv4=%s ipv6=%s", c->o->probe_arg,
	       m->xe_is_active ? "yes" : "no", m->xe_has_ipv4 ? "yes" : "no",
	       m->xe_has_ipv6 ? "yes" : "no");
	/* RFC 8335 2: the state is only meaningful for a neighbor-table (remote) query. */
	if (m->xe_state)
		printf(" state=%u", m->xe_state);
	printf("\n");
}

static void pr_print_error(struct pr_ctx *c, const struct ik_icmp *m, const struct ik_addr *from)
{
	char f[IK_ADDR_STRLEN] = "?", text[128];
	if (ik_addr_format(from, f, sizeof f) < 0)
		strcpy(f, "?");
	if (ik_icmp_describe(m, text, sizeof text) < 0)
		snprintf(text, sizeof text, "ICMP type %u code %u", m->type, m->code);
	c->errors++;
	if (c->o->is_json) {
		struct jsonw *w = &c->json;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "error");
		jsonw_kstr(w, "from", f);
		jsonw_kuint(w, "seq", m->quote.icmp_seq & 0xff);
		jsonw_kuint(w, "icmp_type", m->type);
		jsonw_kuint(w, "icmp_code", m->code);
		jsonw_kstr(w, "text", text);
		jsonw_obj_end(w);
		jsonw_eol(w);
	} else if (!c->o->is_quiet) {
		/* The quoted header's sequence word is seq << 8 | flags for extended echo. */
		printf("From %s probe_seq=%u %s\n", f, (m->quote.icmp_seq >> 8) & 0xff, text);
	}
}

static void pr_handle(struct pr_ctx *c, const uint8_t *buf, size_t len,
		      const struct ik_sock_info *info)
{
	struct ik_icmp m;
	struct ik_addr from = info->from;
	int ttl = info->ttl;
	if (c->family == 4) {
		struct ik_ip ip;
		if (ik_ip_decode(buf, len, &ip) != 0 || ip.protocol != IK_PROTO_ICMP || ip.is_fragment)
			return;
		if (ik_icmp4_decode(ip.payload, ip.payload_len, &m) != 0)
			return;
		from = ip.src;
		ttl = ip.ttl;
	} else if (ik_icmp6_decode(buf, len, NULL, NULL, &m) != 0) {
		/* Without the addresses the checksum is not checked: the kernel did (RFC 3542 3.1). */
		return;
	}
	uint8_t req = c->family == 4 ? IK_ICMP4_EXT_ECHO_REQUEST : IK_ICMP6_EXT_ECHO_REQUEST;
	uint8_t rep = c->family == 4 ? IK_ICMP4_EXT_ECHO_REPLY : IK_ICMP6_EXT_ECHO_REPLY;
	if (ik_icmp_is_error((uint8_t)c->family, m.type)) {
		if (m.quote.has_icmp && m.quote.icmp_type == req && m.quote.icmp_id == c->ident) {
			struct pr_sent *e = &c->sent[(m.quote.icmp_seq >> 8) & 0xff];
			if (e->is_used && !e->is_done) {
				e->is_done = true;
				c->outstanding--;
			}
			pr_print_error(c, &m, &from);
		}
		return;
	}
	if (m.type != rep || m.id != c->ident)
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
	c->outstanding--;
	c->received++;
	pr_print_reply(c, &m, &from, ttl, rtt);
}

/* Probes older than the -W wait are reported once, as they expire. */
static void pr_expire(struct pr_ctx *c, int64_t now, bool is_final)
{
	for (size_t i = 0; i < PR_WINDOW; i++) {
		struct pr_sent *e = &c->sent[i];
		if (!e->is_used || e->is_done)
			continue;
		if (!is_final && now - e->sent_mono_us < c->sched.linger_us)
			continue;
		e->is_done = true;
		c->outstanding--;
		if (c->o->is_json) {
			jsonw_obj_begin(&c->json);
			jsonw_kstr(&c->json, "type", "probe_timeout");
			jsonw_kuint(&c->json, "seq", e->seq);
			jsonw_obj_end(&c->json);
			jsonw_eol(&c->json);
		} else if (!c->o->is_quiet) {
			printf("no answer yet for probe_seq=%u\n", e->seq);
		}
	}
}

static void pr_summary(struct pr_ctx *c)
{
	long long sent = c->sched.sent;
	long long loss = sent ? (sent - c->received) * 100 / sent : 0;
	long long ms = (long long)((xmode_mono_us() - c->sched.start_us) / 1000);
	if (c->o->is_json) {
		struct jsonw *w = &c->json;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "probe_summary");
		jsonw_kstr(w, "host", c->t->addr_text);
		jsonw_kuint(w, "transmitted", (uint64_t)sent);
		jsonw_kuint(w, "received", (uint64_t)c->received);
		jsonw_kuint(w, "errors", (uint64_t)c->errors);
		jsonw_kuint(w, "loss_pct", (uint64_t)loss);
		jsonw_kuint(w, "time_ms", (uint64_t)ms);
		jsonw_obj_end(w);
		jsonw_eol(w);
		return;
	}
	printf("\n--- %s probe statistics ---\n", c->t->name);
	printf("%lld packets transmitted, %lld received", sent, c->received);
	if (c->errors)
		printf(", +%lld errors", c->errors);
	printf(", %lld%% packet loss, time %lldms\n", loss, ms);
}

static int pr_open(struct pr_ctx *c)
{
	const struct ping_opts *o = c->o;
	int rc = ik_sock_open(&c->sock, c->family, IK_SOCK_RAW);
	if (rc != 0) {
		fprintf(stderr, "%s: --probe needs a raw ICMP socket: %s%s\n", o->prog, ik_strerror(rc),
			ik_err_errno(rc) == EPERM ? " (run as root or with CAP_NET_RAW)" : "");
		return -1;
	}
	if (o->ttl > 0 && (rc = ik_sock_set_ttl(c->sock, o->ttl)) != 0) {
		fprintf(stderr, "%s: -t %d: %s\n", o->prog, o->ttl, ik_strerror(rc));
		return -1;
	}
	if (o->tos >= 0 && (rc = ik_sock_set_tos(c->sock, o->tos)) != 0) {
		fprintf(stderr, "%s: -Q %d: %s\n", o->prog, o->tos, ik_strerror(rc));
		return -1;
	}
	if (o->interface && (rc = ik_sock_bind_device(c->sock, o->interface)) != 0) {
		fprintf(stderr, "%s: -I %s: %s\n", o->prog, o->interface, ik_strerror(rc));
		return -1;
	}
	if (o->source.family == c->family && (rc = ik_sock_bind_source(c->sock, &o->source)) != 0) {
		fprintf(stderr, "%s: -I: cannot bind the source address: %s\n", o->prog, ik_strerror(rc));
		return -1;
	}
	if (c->family == 4) {
		/* Types from 32 up (the reply is 43) always pass ICMP_FILTER. */
		rc = ik_sock_set_filter4(c->sock, 1u << IK_ICMP4_DEST_UNREACH |
							  1u << IK_ICMP4_TIME_EXCEEDED |
							  1u << IK_ICMP4_PARAM_PROBLEM);
	} else {
		const uint8_t pass[] = {IK_ICMP6_EXT_ECHO_REPLY, IK_ICMP6_DEST_UNREACH,
					IK_ICMP6_TIME_EXCEEDED, IK_ICMP6_PARAM_PROBLEM};
		rc = ik_sock_set_filter6(c->sock, pass, sizeof pass);
	}
	if (rc != 0) {
		fprintf(stderr, "%s: ICMP filter: %s\n", o->prog, ik_strerror(rc));
		return -1;
	}
	if (ik_sock_set_timestamps(c->sock, true, false, false) != 0 && o->is_verbose)
		fprintf(stderr, "%s: no kernel receive stamps\n", o->prog);
	return 0;
}

int ping_probe_run(const struct ping_opts *o, const struct ping_target *t)
{
	struct pr_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		return EXIT_USAGE;
	}
	c->o = o;
	c->t = t;
	c->family = t->addr.family;
	int status = EXIT_USAGE;
	if (pr_parse_query(c, o->probe_arg) != 0 || pr_open(c) != 0 || privs_drop(o->prog) != 0)
		goto out;
	if (o->is_json && jsonw_init(&c->json, stdout, 1 << 16) != 0) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		goto out;
	}
	c->ident = (uint16_t)getpid();
	ik_sock_set_ident(c->sock, c->ident);
	xmode_signals_install();
	xmode_sched_init(&c->sched, o, PR_DEFAULT_LINGER_US);
	if (!o->is_json)
		printf("PROBE %s (%s): interface %s by %s, RFC 8335 Extended Echo\n", t->name,
		       t->addr_text, o->probe_arg, pr_kind_name(c->query.ident_kind));

	uint8_t buf[1500];
	for (;;) {
		int64_t now = xmode_mono_us();
		pr_expire(c, now, false);
		if (xmode_sched_done(&c->sched, now, c->outstanding))
			break;
		if (xmode_sched_due(&c->sched, now)) {
			int rc = pr_send(c);
			if (rc != 0) {
				fprintf(stderr, "%s: sendto %s: %s\n", o->prog, t->addr_text, ik_strerror(rc));
				c->errors++;
			}
			continue;
		}
		struct pollfd p = {.fd = ik_sock_fd(c->sock), .events = POLLIN};
		int n = poll(&p, 1, xmode_sched_wait_ms(&c->sched, now));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", o->prog, strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		if (p.revents & POLLERR) {
			/* ICMP errors arrive as packets too; empty the queue so poll sleeps. */
			struct ik_sock_err err;
			while (ik_sock_recv_err(c->sock, buf, sizeof buf, &err) == 0)
				;
		}
		for (int i = 0; i < 64 && (p.revents & POLLIN); i++) {
			struct ik_sock_info info;
			int len = ik_sock_recv(c->sock, buf, sizeof buf, false, &info);
			if (len < 0)
				break;
			pr_handle(c, buf, (size_t)len, &info);
		}
		if (o->is_json)
			jsonw_flush(&c->json);
		else
			fflush(stdout);
	}
	pr_expire(c, xmode_mono_us(), true);
	pr_summary(c);
	status = c->received ? EXIT_OK : EXIT_NOREPLY;
	if (o->is_json && jsonw_finish(&c->json) != 0)
		status = EXIT_USAGE;
out:
	fflush(stdout);
	ik_sock_free(c->sock);
	free(c);
	return status;
}
