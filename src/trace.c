/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit trace: traceroute's options and output over the parallel, rate-limit-aware probe engine. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/icmpkit.h"
#include "icmpkit/probe_sock.h"
#include "icmpkit/trace.h"
#include "icmpkit/trace_report.h"
#include "icmpkit/mda.h"
#include "jsonw.h"

#define TRACE_BUF_LEN 65536

struct trace_opts {
	int family;            /* 0: from the address */
	enum ik_trace_method method;
	bool is_paris_set;
	bool is_paris;
	long long port;        /* -1: method default */
	long long first_ttl, max_ttl, nqueries, sim, tos;
	double wait_s, here, near, sendwait_s;
	bool is_numeric;
	bool is_df;
	bool is_mtu;
	bool is_json;
	const char *src_text;
	const char *ifname;
	const char *host;
	long long packet_len;  /* -1: method default */
	bool is_traceroute;    /* run as "traceroute": its exit status and window */
	bool is_queries_set;   /* -q given */
	bool is_wait_set;      /* -w given */
	bool is_report;        /* --report: rounds, then mtr's table */
	long long cycles;      /* -c: report rounds */
	double interval_s;     /* --interval: from one round's start to the next */
	bool is_multipath;     /* --multipath: MDA */
	long long confidence;  /* --confidence: percent */
	long long sport;       /* --sport: the flow (first flow with --multipath); -1 from the pid */
};

struct trace_ctx {
	const char *prog;
	struct trace_opts o;
	struct ik_trace_cfg cfg;
	struct ik_trace *t;
	struct ik_sock *icmp;   /* receives every ICMP error; sends ICMP probes */
	int send_fd;            /* raw UDP/TCP socket, -1 for ICMP */
	int tcp_fd;             /* raw TCP socket that hears SYN-ACK/RST, -1 unless -T */
	int cur_ttl;
	struct jsonw json;
	uint8_t *buf;
	uint8_t next_print;
	uint32_t last_pmtu;
};

static volatile sig_atomic_t trace_stop;

static void trace_on_signal(int sig)
{
	(void)sig;
	trace_stop = 1;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A kernel CLOCK_REALTIME receive stamp moved onto CLOCK_MONOTONIC. */
static int64_t rx_mono(bool has_ts, const struct timespec *ts)
{
	int64_t now = mono_ns();
	if (!has_ts)
		return now;
	struct timespec real;
	clock_gettime(CLOCK_REALTIME, &real);
	int64_t age = ((int64_t)real.tv_sec - ts->tv_sec) * 1000000000 + (real.tv_nsec - ts->tv_nsec);
	if (age < 0 || age > 1000000000)
		return now;
	return now - age;
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [-46ITUnF] [-f first_ttl] [-m max_ttl] [-q nqueries] [-w waittime]\n"
		"          [-z sendwait] [-N sim_queries] [-p port] [-s src] [-i iface] [-t tos]\n"
		"          [--paris|--no-paris] [--mtu] [--json]\n"
		"          [--report [-c cycles] [--interval secs]]\n"
		"          [--multipath [--confidence 95|99]] [--sport port] host [packetlen]\n"
		"See icmpkit-trace(1).\n",
		prog);
}

/* A decimal number of seconds in [min, max]; the float sibling of opt_number(). */
static int opt_seconds(const char *prog, const char *option, const char *text, double min,
		       double max, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end != '\0' || !isfinite(v)) {
		fprintf(stderr, "%s: %s: invalid number '%s'\n", prog, option, text);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' out of range: %g <= value <= %g\n", prog, option, text,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* traceroute -w MAX[,HERE[,NEAR]]. */
static int parse_wait(const char *prog, char *text, struct trace_opts *o)
{
	char *parts[3] = {text, NULL, NULL};
	for (int i = 1; i < 3; i++) {
		char *comma = parts[i - 1] ? strchr(parts[i - 1], ',') : NULL;
		if (!comma)
			break;
		*comma = '\0';
		parts[i] = comma + 1;
	}
	if (opt_seconds(prog, "-w", parts[0], 0, 3600, &o->wait_s) < 0)
		return -1;
	if (parts[1] && opt_seconds(prog, "-w HERE", parts[1], 0, 1000, &o->here) < 0)
		return -1;
	if (parts[2] && opt_seconds(prog, "-w NEAR", parts[2], 0, 1000, &o->near) < 0)
		return -1;
	return 0;
}

enum { OPT_PARIS = 256, OPT_NO_PARIS, OPT_MTU, OPT_JSON, OPT_REPORT, OPT_INTERVAL, OPT_MULTIPATH, OPT_CONFIDENCE,
       OPT_SPORT };

static int parse_args(struct trace_ctx *x, int argc, char **argv)
{
	struct trace_opts *o = &x->o;
	static const struct option longs[] = {
	    {"paris", no_argument, NULL, OPT_PARIS},
	    {"no-paris", no_argument, NULL, OPT_NO_PARIS},
	    {"mtu", no_argument, NULL, OPT_MTU},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"report", no_argument, NULL, OPT_REPORT},
	    {"report-cycles", required_argument, NULL, 'c'},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {"multipath", no_argument, NULL, OPT_MULTIPATH},
	    {"confidence", required_argument, NULL, OPT_CONFIDENCE},
	    {"sport", required_argument, NULL, OPT_SPORT},
	    {"icmp", no_argument, NULL, 'I'},
	    {"tcp", no_argument, NULL, 'T'},
	    {"udp", no_argument, NULL, 'U'},
	    {"port", required_argument, NULL, 'p'},
	    {"first", required_argument, NULL, 'f'},
	    {"max-hops", required_argument, NULL, 'm'},
	    {"queries", required_argument, NULL, 'q'},
	    {"wait", required_argument, NULL, 'w'},
	    {"sendwait", required_argument, NULL, 'z'},
	    {"sim-queries", required_argument, NULL, 'N'},
	    {"source", required_argument, NULL, 's'},
	    {"interface", required_argument, NULL, 'i'},
	    {"tos", required_argument, NULL, 't'},
	    {"dont-fragment", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "+46ITUnFhc:p:f:m:q:w:z:N:s:i:t:", longs, NULL)) != -1) {
		const char *prog = x->prog;
		switch (c) {
		case '4': o->family = 4; break;
		case '6': o->family = 6; break;
		case 'I': o->method = IK_TRACE_ICMP; break;
		case 'T': o->method = IK_TRACE_TCP; break;
		case 'U': o->method = IK_TRACE_UDP; break;
		case 'n': o->is_numeric = true; break;
		case 'F': o->is_df = true; break;
		case 'p':
			if (opt_number(prog, "-p", optarg, 1, 65535, &o->port) < 0)
				return -1;
			break;
		case 'f':
			if (opt_number(prog, "-f", optarg, 1, 255, &o->first_ttl) < 0)
				return -1;
			break;
		case 'm':
			if (opt_number(prog, "-m", optarg, 1, 255, &o->max_ttl) < 0)
				return -1;
			break;
		case 'q':
			if (opt_number(prog, "-q", optarg, 1, IK_TRACE_MAX_QUERIES, &o->nqueries) < 0)
				return -1;
			o->is_queries_set = true;
			break;
		case 'w':
			if (parse_wait(prog, optarg, o) < 0)
				return -1;
			o->is_wait_set = true;
			break;
		case 'z':
			if (opt_seconds(prog, "-z", optarg, 0, 1000, &o->sendwait_s) < 0)
				return -1;
			/* traceroute: a value above 10 means milliseconds. */
			if (o->sendwait_s > 10)
				o->sendwait_s /= 1000;
			break;
		case 'N':
			if (opt_number(prog, "-N", optarg, 1, 2550, &o->sim) < 0)
				return -1;
			break;
		case 's': o->src_text = optarg; break;
		case 'i': o->ifname = optarg; break;
		case 't':
			if (opt_number(prog, "-t", optarg, 0, 255, &o->tos) < 0)
				return -1;
			break;
		case OPT_PARIS: o->is_paris_set = o->is_paris = true; break;
		case OPT_NO_PARIS: o->is_paris_set = true; o->is_paris = false; break;
		case OPT_MTU: o->is_mtu = true; break;
		case OPT_JSON: o->is_json = true; break;
		case OPT_REPORT: o->is_report = true; break;
		case 'c':
			if (opt_number(prog, "-c", optarg, 1, 100000, &o->cycles) < 0)
				return -1;
			break;
		case OPT_MULTIPATH: o->is_multipath = true; break;
		case OPT_CONFIDENCE:
			if (opt_number(prog, "--confidence", optarg, 50, 99, &o->confidence) < 0)
				return -1;
			break;
		case OPT_SPORT:
			if (opt_number(prog, "--sport", optarg, 1, 65535, &o->sport) < 0)
				return -1;
			break;
		case OPT_INTERVAL:
			if (opt_seconds(prog, "--interval", optarg, 0, 3600, &o->interval_s) < 0)
				return -1;
			break;
		case 'h': usage(stdout, prog); exit(EXIT_OK);
		default: usage(stderr, prog); return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no host given\n", x->prog);
		usage(stderr, x->prog);
		return -1;
	}
	o->host = argv[optind++];
	if (optind < argc &&
	    opt_number(x->prog, "packetlen", argv[optind++], 0, 65000, &o->packet_len) < 0)
		return -1;
	if (optind < argc) {
		fprintf(stderr, "%s: too many arguments\n", x->prog);
		return -1;
	}
	/* Incompatible options are rejected after parsing (STYLE.md). */
	if (o->first_ttl > o->max_ttl) {
		fprintf(stderr, "%s: first hop out of range: -f %lld > -m %lld\n", x->prog,
			o->first_ttl, o->max_ttl);
		return -1;
	}
	if (o->cycles > 0 && !o->is_report) {
		fprintf(stderr, "%s: -c: only with --report\n", x->prog);
		return -1;
	}
	if (o->confidence && !o->is_multipath) {
		fprintf(stderr, "%s: --confidence: only with --multipath\n", x->prog);
		return -1;
	}
	if (o->is_multipath && (o->is_report || o->is_mtu || (o->is_paris_set && !o->is_paris))) {
		fprintf(stderr, "%s: --multipath goes with none of --report, --mtu, --no-paris\n",
			x->prog);
		return -1;
	}
	if (o->is_report && o->is_mtu) {
		fprintf(stderr, "%s: --report and --mtu do not go together\n", x->prog);
		return -1;
	}
	if (o->is_paris && o->is_paris_set && o->method == IK_TRACE_TCP) {
		fprintf(stderr, "%s: --paris: TCP probes keep their ports anyway\n", x->prog);
		return -1;
	}
	return 0;
}

static int resolve(struct trace_ctx *x, struct ik_addr *dst)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM};
	hints.ai_family = x->o.family == 6 ? AF_INET6 : x->o.family == 4 ? AF_INET : AF_UNSPEC;
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(x->o.host, NULL, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "%s: %s: %s\n", x->prog, x->o.host, gai_strerror(rc));
		return -1;
	}
	/* traceroute takes the first address; prefer it as getaddrinfo ordered them. */
	struct addrinfo *ai = res;
	if (ai->ai_family == AF_INET) {
		uint8_t b[4];
		memcpy(b, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		ik_addr_set4(dst, b);
	} else {
		uint8_t b[16];
		memcpy(b, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		ik_addr_set6(dst, b);
	}
	freeaddrinfo(res);
	return 0;
}

static int sys_fail(const struct trace_ctx *x, const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", x->prog, what, ik_strerror(rc));
	return -1;
}

/* Opens and configures the sockets, then drops root. */
static int open_sockets(struct trace_ctx *x, const struct ik_addr *src_want)
{
	int fam = x->cfg.dst.family;
	int rc = ik_sock_open(&x->icmp, fam, IK_SOCK_RAW);
	if (rc < 0)
		return sys_fail(x, "ICMP raw socket (needs root or CAP_NET_RAW)", rc);
	rc = ik_sock_set_timestamps(x->icmp, true, false, false);
	if (rc < 0)
		return sys_fail(x, "SO_TIMESTAMPNS", rc);
	if (fam == 4) {
		rc = ik_sock_set_filter4(x->icmp, (1u << IK_ICMP4_ECHO_REPLY) |
						      (1u << IK_ICMP4_DEST_UNREACH) |
						      (1u << IK_ICMP4_TIME_EXCEEDED) |
						      (1u << IK_ICMP4_PARAM_PROBLEM));
	} else {
		const uint8_t pass[] = {IK_ICMP6_DEST_UNREACH, IK_ICMP6_PACKET_TOO_BIG,
					IK_ICMP6_TIME_EXCEEDED, IK_ICMP6_PARAM_PROBLEM,
					IK_ICMP6_ECHO_REPLY};
		rc = ik_sock_set_filter6(x->icmp, pass, sizeof pass);
	}
	if (rc < 0)
		return sys_fail(x, "ICMP filter", rc);
	if (x->o.ifname && (rc = ik_sock_bind_device(x->icmp, x->o.ifname)) < 0)
		return sys_fail(x, x->o.ifname, rc);
	if (src_want && (rc = ik_sock_bind_source(x->icmp, src_want)) < 0)
		return sys_fail(x, "bind source", rc);
	rc = ik_sock_set_bufs(x->icmp, 1 << 20, 0);
	(void)rc; /* a smaller buffer still works */
	if (x->cfg.method == IK_TRACE_ICMP) {
		ik_sock_set_ident(x->icmp, x->cfg.sport);
		if (x->o.tos && (rc = ik_sock_set_tos(x->icmp, (int)x->o.tos)) < 0)
			return sys_fail(x, "-t", rc);
		rc = ik_sock_set_pmtu(x->icmp, x->o.is_df || x->o.is_mtu ? IK_PMTU_PROBE : IK_PMTU_DONT);
		if (rc < 0)
			return sys_fail(x, "IP_MTU_DISCOVER", rc);
	} else {
		int proto = x->cfg.method == IK_TRACE_TCP ? IPPROTO_TCP : IPPROTO_UDP;
		rc = ik_probe_sock_open(fam, proto, false, &x->send_fd);
		if (rc < 0)
			return sys_fail(x, "raw probe socket (needs root or CAP_NET_RAW)", rc);
		if ((rc = ik_probe_sock_bind(x->send_fd, src_want, x->o.ifname)) < 0)
			return sys_fail(x, "bind", rc);
		if (x->o.tos && (rc = ik_probe_sock_set_tos(x->send_fd, fam, (int)x->o.tos)) < 0)
			return sys_fail(x, "-t", rc);
		if ((rc = ik_probe_sock_set_df(x->send_fd, fam, x->o.is_df || x->o.is_mtu)) < 0)
			return sys_fail(x, "IP_MTU_DISCOVER", rc);
		if (x->cfg.method == IK_TRACE_TCP) {
			rc = ik_probe_sock_open(fam, IPPROTO_TCP, true, &x->tcp_fd);
			if (rc < 0)
				return sys_fail(x, "raw TCP socket", rc);
			if ((rc = ik_probe_sock_bind(x->tcp_fd, NULL, x->o.ifname)) < 0)
				return sys_fail(x, "bind", rc);
		}
	}
	return privs_drop(x->prog);
}

static void fmt_addr(const struct ik_addr *a, char *buf, size_t cap)
{
	if (ik_addr_format(a, buf, cap) < 0)
		snprintf(buf, cap, "?");
}

static void print_host(const struct trace_ctx *x, const struct ik_addr *a)
{
	char text[IK_ADDR_STRLEN];
	fmt_addr(a, text, sizeof text);
	if (x->o.is_numeric) {
		printf(" %s", text);
		return;
	}
	char name[NI_MAXHOST] = "";
	struct sockaddr_storage ss;
	socklen_t sl = ik_addr_to_sockaddr(a, 0, &ss);
	if (getnameinfo((struct sockaddr *)&ss, sl, name, sizeof name, NULL, 0, 0) != 0)
		name[0] = '\0';
	printf(" %s (%s)", name[0] ? name : text, text);
}

/* Wire text (an RFC 5837 interface name) with anything unprintable escaped. */
static void print_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
}

static const char *role_name(uint8_t role)
{
	static const char *const names[] = {"incoming", "sub-IP", "outgoing", "next-hop"};
	return role < 4 ? names[role] : "?";
}

static void print_ext(const struct ik_ext *e)
{
	for (unsigned i = 0; i < e->mpls_count && i < IK_EXT_MAX_MPLS; i++)
		printf("     [MPLS: Lbl %u TC %u S %u TTL %u]\n", (unsigned)e->mpls[i].label,
		       e->mpls[i].tc, e->mpls[i].is_bottom ? 1 : 0, e->mpls[i].ttl);
	for (unsigned i = 0; i < e->ifinfo_count && i < IK_EXT_MAX_IFINFO; i++) {
		const struct ik_ifinfo *f = &e->ifinfo[i];
		printf("     [IF %s:", role_name(f->role));
		if (f->has_ifindex)
			printf(" ifindex %u", (unsigned)f->ifindex);
		if (f->has_addr) {
			char a[IK_ADDR_STRLEN];
			fmt_addr(&f->addr, a, sizeof a);
			printf(" addr %s", a);
		}
		if (f->has_name) {
			printf(" name \"");
			print_safe(f->name);
			printf("\"");
		}
		if (f->has_mtu)
			printf(" mtu %u", (unsigned)f->mtu);
		printf("]\n");
	}
}

/* True when an error's quoted TTL shows a hop rewrote it (a router quotes 1 normally). */
static bool shows_quoted_ttl(const struct ik_trace_reply *r)
{
	bool is_time_exceeded = (r->from.family == 4 && r->icmp_type == IK_ICMP4_TIME_EXCEEDED) ||
				(r->from.family == 6 && r->icmp_type == IK_ICMP6_TIME_EXCEEDED);
	return is_time_exceeded && r->has_quoted_ttl && r->quoted_ttl > 1;
}

/* One hop in traceroute's format: " 3  10.0.3.1  0.412 ms  0.390 ms  0.377 ms". */
static void print_hop_text(struct trace_ctx *x, const struct ik_trace_hop *h)
{
	printf("%2u ", h->ttl);
	int prev = -1;
	for (unsigned q = 0; q < h->nqueries; q++) {
		const struct ik_trace_reply *r = &h->replies[q];
		if (!r->is_answered) {
			printf(" *");
			continue;
		}
		if (prev < 0 || !ik_addr_equal(&h->replies[prev].from, &r->from))
			print_host(x, &r->from);
		prev = (int)q;
		printf("  %.3f ms", (double)r->rtt_ns / 1e6);
		if (r->annotation[0])
			printf(" %s", r->annotation);
		if (shows_quoted_ttl(r))
			printf(" [qttl=%u]", r->quoted_ttl);
	}
	if (x->o.is_mtu && h->pmtu && h->pmtu != x->last_pmtu) {
		printf("  pmtu %u", (unsigned)h->pmtu);
		x->last_pmtu = h->pmtu;
	}
	printf("\n");
	/* Extensions once per distinct sender, after the line, as mtr and Juniper print them. */
	for (unsigned q = 0; q < h->nqueries; q++) {
		const struct ik_trace_reply *r = &h->replies[q];
		if (!r->is_answered || !r->ext.is_present)
			continue;
		bool seen = false;
		for (unsigned p = 0; p < q; p++)
			seen |= h->replies[p].is_answered && h->replies[p].ext.is_present &&
				ik_addr_equal(&h->replies[p].from, &r->from);
		if (!seen)
			print_ext(&r->ext);
	}
	fflush(stdout);
}

static void json_ms(struct jsonw *w, const char *key, int64_t ns)
{
	jsonw_key(w, key);
	jsonw_time(w, ns / 1000000, (uint32_t)(ns % 1000000));
}

static void json_ext(struct jsonw *w, const struct ik_ext *e)
{
	jsonw_key(w, "mpls");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < e->mpls_count && i < IK_EXT_MAX_MPLS; i++) {
		jsonw_obj_begin(w);
		jsonw_kuint(w, "label", e->mpls[i].label);
		jsonw_kuint(w, "tc", e->mpls[i].tc);
		jsonw_kbool(w, "s", e->mpls[i].is_bottom);
		jsonw_kuint(w, "ttl", e->mpls[i].ttl);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "interfaces");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < e->ifinfo_count && i < IK_EXT_MAX_IFINFO; i++) {
		const struct ik_ifinfo *f = &e->ifinfo[i];
		jsonw_obj_begin(w);
		jsonw_kstr(w, "role", role_name(f->role));
		if (f->has_ifindex)
			jsonw_kuint(w, "ifindex", f->ifindex);
		if (f->has_addr) {
			char a[IK_ADDR_STRLEN];
			fmt_addr(&f->addr, a, sizeof a);
			jsonw_kstr(w, "addr", a);
		}
		if (f->has_name)
			jsonw_kstr(w, "name", f->name);
		if (f->has_mtu)
			jsonw_kuint(w, "mtu", f->mtu);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void print_hop_json(struct trace_ctx *x, const struct ik_trace_hop *h)
{
	struct jsonw *w = &x->json;
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", "hop");
	jsonw_kuint(w, "ttl", h->ttl);
	jsonw_kuint(w, "probes", h->probes_sent);
	unsigned n = 0;
	for (unsigned q = 0; q < h->nqueries; q++)
		n += h->replies[q].is_answered;
	jsonw_kuint(w, "replies", n);
	if (h->pmtu)
		jsonw_kuint(w, "pmtu", h->pmtu);
	jsonw_key(w, "queries");
	jsonw_arr_begin(w);
	for (unsigned q = 0; q < h->nqueries; q++) {
		const struct ik_trace_reply *r = &h->replies[q];
		if (!r->is_answered) {
			jsonw_null(w);
			continue;
		}
		char a[IK_ADDR_STRLEN];
		fmt_addr(&r->from, a, sizeof a);
		jsonw_obj_begin(w);
		jsonw_kstr(w, "from", a);
		json_ms(w, "rtt_ms", r->rtt_ns);
		if (x->cfg.method == IK_TRACE_TCP && r->icmp_type == 0 && r->tcp_flags) {
			jsonw_kuint(w, "tcp_flags", r->tcp_flags);
		} else {
			jsonw_kuint(w, "icmp_type", r->icmp_type);
			jsonw_kuint(w, "icmp_code", r->icmp_code);
		}
		jsonw_kstr(w, "annotation", r->annotation);
		jsonw_kbool(w, "final", r->is_final);
		if (r->reply_ttl >= 0)
			jsonw_kuint(w, "reply_ttl", (uint64_t)r->reply_ttl);
		if (r->has_quoted_ttl)
			jsonw_kuint(w, "quoted_ttl", r->quoted_ttl);
		if (r->mtu)
			jsonw_kuint(w, "mtu", r->mtu);
		jsonw_kuint(w, "probe_len", r->probe_len);
		jsonw_kuint(w, "attempts", r->attempts);
		if (r->ext.is_present)
			json_ext(w, &r->ext);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
	jsonw_eol(w);
	jsonw_flush(w);
}

/* Prints every hop that has settled, in order, up to the last one of the trace. */
static void print_ready(struct trace_ctx *x, bool is_all)
{
	uint8_t last = ik_trace_last_ttl(x->t);
	while (x->next_print && x->next_print <= last) {
		const struct ik_trace_hop *h = ik_trace_hop(x->t, x->next_print);
		if (!h || (!h->is_final && !is_all))
			return;
		if (x->o.is_json)
			print_hop_json(x, h);
		else
			print_hop_text(x, h);
		x->next_print = x->next_print == 255 ? 0 : (uint8_t)(x->next_print + 1);
	}
}

static int send_probe(struct trace_ctx *x, const struct ik_trace_probe *p, size_t len,
		      int64_t *sent_ns)
{
	int fam = x->cfg.dst.family;
	int rc = 0;
	if (p->ttl != x->cur_ttl) {
		rc = x->send_fd >= 0 ? ik_probe_sock_set_ttl(x->send_fd, fam, p->ttl)
				     : ik_sock_set_ttl(x->icmp, p->ttl);
		if (rc < 0)
			return rc;
		x->cur_ttl = p->ttl;
	}
	/*
	 * Stamped before the call: on a veth lab the answer can be received
	 * (and kernel-stamped) before sendto() even returns.
	 */
	*sent_ns = mono_ns();
	if (x->send_fd >= 0)
		rc = ik_probe_sock_send(x->send_fd, &x->cfg.dst, x->buf, len);
	else
		rc = ik_sock_send(x->icmp, &x->cfg.dst, x->buf, len);
	return rc < 0 ? rc : 0;
}

/*
 * Sleeps until an answer arrives on the ICMP (or TCP) socket or the engine's
 * deadline dl passes, at most 1 s so signals are seen. Returns ppoll()'s result.
 */
static int wait_input(const struct trace_ctx *x, int64_t dl, int64_t now)
{
	int64_t wait = dl == INT64_MAX ? 1000000000 : dl - now;
	if (wait < 0)
		wait = 0;
	if (wait > 1000000000)
		wait = 1000000000;
	struct pollfd pf[2] = {{.fd = ik_sock_fd(x->icmp), .events = POLLIN}};
	nfds_t nf = 1;
	if (x->tcp_fd >= 0) {
		pf[1].fd = x->tcp_fd;
		pf[1].events = POLLIN;
		nf = 2;
	}
	struct timespec to = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
	return ppoll(pf, nf, &to, NULL);
}

static void drain_icmp(struct trace_ctx *x)
{
	for (;;) {
		struct ik_sock_info info;
		int n = ik_sock_recv(x->icmp, x->buf, TRACE_BUF_LEN, false, &info);
		if (n < 0) {
			if (ik_err_errno(n) == EAGAIN || ik_err_errno(n) == EWOULDBLOCK)
				break;
			if (ik_err_errno(n) == EINTR)
				continue;
			break;
		}
		int64_t at = rx_mono(info.has_ts, &info.ts);
		/* A foreign or malformed message is counted by the engine and dropped. */
		int rc = ik_trace_input_icmp(x->t, x->buf, (size_t)n, info.has_ip_header, &info.from,
					     info.has_ip_header ? -1 : info.ttl, at);
		(void)rc;
	}
	/* The error queue (IP_RECVERR) only duplicates what the raw socket saw: empty it. */
	for (int i = 0; i < 256; i++) {
		struct ik_sock_err e;
		if (ik_sock_recv_err(x->icmp, x->buf, TRACE_BUF_LEN, &e) < 0)
			break;
	}
}

static void drain_tcp(struct trace_ctx *x)
{
	for (;;) {
		struct ik_addr from;
		struct timespec ts;
		bool has_ts;
		int n = ik_probe_sock_recv(x->tcp_fd, x->buf, TRACE_BUF_LEN, &from, &ts, &has_ts);
		if (n < 0)
			break;
		int rc = ik_trace_input_tcp(x->t, x->buf, (size_t)n, x->cfg.dst.family == 4, &from, -1,
					    rx_mono(has_ts, &ts));
		(void)rc;
	}
}

static void run_loop(struct trace_ctx *x)
{
	while (!trace_stop && !ik_trace_is_done(x->t)) {
		int64_t now = mono_ns();
		struct ik_trace_probe p;
		int len;
		while ((len = ik_trace_next(x->t, now, &p, x->buf, TRACE_BUF_LEN)) > 0) {
			int64_t sent = now;
			int rc = send_probe(x, &p, (size_t)len, &sent);
			if (rc < 0) {
				int mtu = 0;
				struct ik_addr tmp;
				if (ik_err_errno(rc) == EMSGSIZE &&
				    ik_probe_route(&x->cfg.dst, &x->cfg.src, x->o.ifname, &tmp, &mtu) < 0)
					mtu = 0;
				ik_trace_send_failed(x->t, p.index, rc, mtu > 0 ? (uint32_t)mtu : 0);
			} else {
				ik_trace_sent(x->t, p.index, sent);
			}
			now = mono_ns();
		}
		print_ready(x, false);
		if (ik_trace_is_done(x->t))
			break;
		int64_t dl = ik_trace_deadline(x->t, now);
		int r = wait_input(x, dl, now);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			drain_icmp(x);
			if (x->tcp_fd >= 0)
				drain_tcp(x);
		}
	}
	print_ready(x, true);
}

/* An address as mtr's report names it: the name, or the address with -n; "???" for none. */
static void report_name(const struct trace_ctx *x, const struct ik_addr *a, char *out, size_t cap)
{
	char text[IK_ADDR_STRLEN];
	fmt_addr(a, text, sizeof text);
	snprintf(out, cap, "%s", text);
	if (x->o.is_numeric)
		return;
	struct sockaddr_storage ss;
	socklen_t sl = ik_addr_to_sockaddr(a, 0, &ss);
	char name[NI_MAXHOST];
	if (getnameinfo((struct sockaddr *)&ss, sl, name, sizeof name, NULL, 0, NI_NAMEREQD) == 0)
		snprintf(out, cap, "%s", name);
}

/*
 * mtr --report's columns: each field is written at a fixed offset, so a value
 * wider than its column is cut by the next one (mtr prints 100% loss as
 * "100.0"); the host column ends at 33. Values are mtr's: microseconds
 * truncated, then shown in ms.
 */
#define REPORT_HOST_END 33
struct report_field {
	const char *title;
	const char *fmt;
	int width;
};
static const struct report_field report_fields[] = {
    {"Loss%", " %4.1f%%", 6}, {"Snt", " %5d", 6},   {"Last", "  %5.1f", 7}, {"Avg", " %5.1f", 6},
    {"Best", " %5.1f", 6},    {"Wrst", " %5.1f", 6}, {"StDev", " %5.1f", 6},
};
#define REPORT_NFIELDS (sizeof report_fields / sizeof report_fields[0])

static double report_ms(double ns)
{
	return (double)(int64_t)(ns / 1000) / 1000.0;
}

static void print_report_text(const struct trace_ctx *x, const struct ik_report *rep,
			      const char *start)
{
	char buf[512];
	char host[256];
	printf("Start: %s\n", start);
	if (gethostname(host, sizeof host) < 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(buf, sizeof buf, "HOST: %-33s", host);
	size_t len = REPORT_HOST_END;
	for (size_t i = 0; i < REPORT_NFIELDS; i++) {
		snprintf(buf + len, sizeof buf - len, "%*s", report_fields[i].width,
			 report_fields[i].title);
		len += (size_t)report_fields[i].width;
	}
	printf("%s\n", buf);
	uint8_t last = ik_report_last_ttl(rep);
	for (unsigned ttl = ik_trace_first_ttl(x->t); ttl <= last; ttl++) {
		struct ik_report_hop h;
		if (ik_report_hop(rep, (uint8_t)ttl, &h) < 0)
			continue;
		char name[NI_MAXHOST + 8] = "???";
		if (h.addr_count)
			report_name(x, &h.addrs[0], name, sizeof name);
		snprintf(buf, sizeof buf, " %2u.|-- %-33s", ttl, name);
		len = REPORT_HOST_END;
		double v[REPORT_NFIELDS] = {
		    (double)(int64_t)(h.loss_pct * 1000) / 1000.0, (double)h.sent,
		    report_ms((double)h.last_ns), report_ms(h.avg_ns), report_ms((double)h.best_ns),
		    report_ms((double)h.worst_ns), report_ms(h.stdev_ns)};
		for (size_t i = 0; i < REPORT_NFIELDS; i++) {
			if (i == 1)
				snprintf(buf + len, sizeof buf - len, report_fields[i].fmt, (int)h.sent);
			else
				snprintf(buf + len, sizeof buf - len, report_fields[i].fmt, v[i]);
			len += (size_t)report_fields[i].width;
		}
		/*
		 * Not an mtr column: appended after the last one so parsers of
		 * mtr's columns still read the same fields. See icmpkit-trace(1).
		 */
		printf("%s%s\n", buf, h.is_rate_limited ? "  rate-limited" : "");
		/* Other senders at this hop (load balancing), as mtr lists them. */
		for (unsigned i = 1; i < h.addr_count; i++) {
			report_name(x, &h.addrs[i], name, sizeof name);
			printf("    |  %s-- %s\n", i == 1 ? "`|" : " |", name);
		}
	}
}

static void json_pct(struct jsonw *w, const char *key, double pct)
{
	int64_t milli = (int64_t)(pct * 1000 + 0.5);
	jsonw_key(w, key);
	jsonw_time(w, milli / 1000, (uint32_t)(milli % 1000) * 1000);
}

static const char *method_name(enum ik_trace_method m)
{
	return m == IK_TRACE_ICMP ? "icmp" : m == IK_TRACE_TCP ? "tcp" : "udp";
}

/* Opens a summary object with what every trace and report summary starts with. */
static void json_trace_head(struct trace_ctx *x, const char *type)
{
	struct jsonw *w = &x->json;
	char d[IK_ADDR_STRLEN], s[IK_ADDR_STRLEN];
	fmt_addr(&x->cfg.dst, d, sizeof d);
	fmt_addr(&x->cfg.src, s, sizeof s);
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", type);
	jsonw_kstr(w, "host", x->o.host);
	jsonw_kstr(w, "dst", d);
	jsonw_kstr(w, "src", s);
	jsonw_kstr(w, "method", method_name(x->cfg.method));
	jsonw_kbool(w, "paris", x->cfg.is_paris);
}

static void print_report_json(struct trace_ctx *x, const struct ik_report *rep, int64_t elapsed_ns)
{
	struct jsonw *w = &x->json;
	uint8_t last = ik_report_last_ttl(rep);
	for (unsigned ttl = ik_trace_first_ttl(x->t); ttl <= last; ttl++) {
		struct ik_report_hop h;
		if (ik_report_hop(rep, (uint8_t)ttl, &h) < 0)
			continue;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "report_hop");
		jsonw_kuint(w, "ttl", ttl);
		jsonw_key(w, "hosts");
		jsonw_arr_begin(w);
		for (unsigned i = 0; i < h.addr_count; i++) {
			char a[IK_ADDR_STRLEN];
			fmt_addr(&h.addrs[i], a, sizeof a);
			jsonw_obj_begin(w);
			jsonw_kstr(w, "addr", a);
			jsonw_kuint(w, "replies", h.addr_replies[i]);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		jsonw_kuint(w, "sent", h.sent);
		jsonw_kuint(w, "received", h.received);
		json_pct(w, "loss_pct", h.loss_pct);
		json_pct(w, "path_loss_pct", h.path_loss_pct);
		jsonw_kbool(w, "rate_limited", h.is_rate_limited);
		if (h.received) {
			json_ms(w, "last_ms", h.last_ns);
			json_ms(w, "avg_ms", (int64_t)h.avg_ns);
			json_ms(w, "best_ms", h.best_ns);
			json_ms(w, "worst_ms", h.worst_ns);
			json_ms(w, "stdev_ms", (int64_t)h.stdev_ns);
		}
		jsonw_kstr(w, "annotation", h.annotation);
		jsonw_kbool(w, "final", h.is_final);
		jsonw_obj_end(w);
		jsonw_eol(w);
	}
	json_trace_head(x, "report");
	jsonw_kuint(w, "cycles", ik_report_rounds(rep));
	jsonw_kbool(w, "reached", ik_report_has_reached(rep));
	jsonw_kuint(w, "hops", last);
	json_ms(w, "elapsed_ms", elapsed_ns);
	jsonw_kbool(w, "interrupted", trace_stop != 0);
	jsonw_obj_end(w);
	jsonw_eol(w);
}

/*
 * --multipath: one small trace engine per (flow, TTL) the MDA engine asks
 * for, all of a batch in flight together; every answer is offered to each
 * engine until one claims it (each matches only its own flow).
 */
#define MP_BATCH 64

struct mp_run {
	struct ik_trace *t[MP_BATCH];
	struct ik_mda_probe p[MP_BATCH];
	int n;
};

static void mp_feed_icmp(struct trace_ctx *x, struct mp_run *r)
{
	for (;;) {
		struct ik_sock_info info;
		int len = ik_sock_recv(x->icmp, x->buf, TRACE_BUF_LEN, false, &info);
		if (len < 0) {
			if (ik_err_errno(len) == EINTR)
				continue;
			break;
		}
		int64_t at = rx_mono(info.has_ts, &info.ts);
		for (int i = 0; i < r->n; i++)
			if (ik_trace_input_icmp(r->t[i], x->buf, (size_t)len, info.has_ip_header,
						&info.from, info.has_ip_header ? -1 : info.ttl, at) != 0)
				break;
	}
	for (int i = 0; i < 256; i++) {
		struct ik_sock_err e;
		if (ik_sock_recv_err(x->icmp, x->buf, TRACE_BUF_LEN, &e) < 0)
			break;
	}
}

static void mp_feed_tcp(struct trace_ctx *x, struct mp_run *r)
{
	for (;;) {
		struct ik_addr from;
		struct timespec ts;
		bool has_ts;
		int len = ik_probe_sock_recv(x->tcp_fd, x->buf, TRACE_BUF_LEN, &from, &ts, &has_ts);
		if (len < 0)
			break;
		for (int i = 0; i < r->n; i++)
			if (ik_trace_input_tcp(r->t[i], x->buf, (size_t)len, x->cfg.dst.family == 4,
					       &from, -1, rx_mono(has_ts, &ts)) != 0)
				break;
	}
}

static bool mp_all_done(const struct mp_run *r)
{
	for (int i = 0; i < r->n; i++)
		if (!ik_trace_is_done(r->t[i]))
			return false;
	return true;
}

/* Sends and hears one batch until every engine has settled. */
static int mp_run_batch(struct trace_ctx *x, struct mp_run *r)
{
	for (int i = 0; i < r->n; i++) {
		struct ik_trace_cfg c = x->cfg;
		c.sport = (uint16_t)(x->cfg.sport + r->p[i].flow);
		c.first_ttl = c.max_ttl = r->p[i].ttl;
		c.nqueries = 1;
		c.window = 1;
		int rc = ik_trace_configure(r->t[i], &c);
		if (rc >= 0)
			rc = ik_trace_start(r->t[i], mono_ns());
		if (rc < 0)
			return sys_fail(x, "multipath probe", rc);
	}
	while (!trace_stop && !mp_all_done(r)) {
		int64_t now = mono_ns();
		int64_t dl = INT64_MAX;
		for (int i = 0; i < r->n; i++) {
			struct ik_trace_probe p;
			int len;
			while ((len = ik_trace_next(r->t[i], now, &p, x->buf, TRACE_BUF_LEN)) > 0) {
				int64_t sent = now;
				int rc = send_probe(x, &p, (size_t)len, &sent);
				if (rc < 0)
					ik_trace_send_failed(r->t[i], p.index, rc, 0);
				else
					ik_trace_sent(r->t[i], p.index, sent);
			}
			int64_t d = ik_trace_deadline(r->t[i], now);
			if (d < dl)
				dl = d;
		}
		if (mp_all_done(r))
			break;
		int rc = wait_input(x, dl, now);
		if (rc < 0 && errno != EINTR)
			return sys_fail(x, "poll", ik_err_sys(errno));
		if (rc > 0) {
			mp_feed_icmp(x, r);
			if (x->tcp_fd >= 0)
				mp_feed_tcp(x, r);
		}
	}
	return 0;
}

static void print_mp_text(struct trace_ctx *x, const struct ik_mda *m)
{
	for (unsigned ttl = x->cfg.first_ttl; ttl <= ik_mda_last_ttl(m); ttl++) {
		const struct ik_mda_hop *h = ik_mda_hop(m, (uint8_t)ttl);
		const struct ik_mda_hop *n = ik_mda_hop(m, (uint8_t)(ttl + 1));
		if (!h)
			break;
		if (!h->iface_count) {
			printf("%2u  *\n", ttl);
			continue;
		}
		for (unsigned i = 0; i < h->iface_count; i++) {
			const struct ik_mda_iface *f = &h->ifaces[i];
			if (i == 0)
				printf("%2u ", ttl);
			else
				printf("   ");
			print_host(x, &f->addr);
			if (f->next_count && n && ttl < ik_mda_last_ttl(m)) {
				printf(" ->");
				for (unsigned e = 0; e < f->next_count; e++) {
					char a[IK_ADDR_STRLEN];
					fmt_addr(&n->ifaces[f->next[e]].addr, a, sizeof a);
					printf(" %s", a);
				}
			}
			printf("\n");
		}
	}
	printf("# %u flows, %u probes, %u%% confidence%s\n", (unsigned)ik_mda_flows(m),
	       (unsigned)ik_mda_probes(m), (unsigned)(x->o.confidence ? x->o.confidence : 95),
	       ik_mda_has_reached(m) ? "" : ", destination not reached");
}

static void print_mp_json(struct trace_ctx *x, const struct ik_mda *m, int64_t elapsed_ns)
{
	struct jsonw *w = &x->json;
	for (unsigned ttl = x->cfg.first_ttl; ttl <= ik_mda_last_ttl(m); ttl++) {
		const struct ik_mda_hop *h = ik_mda_hop(m, (uint8_t)ttl);
		const struct ik_mda_hop *n = ik_mda_hop(m, (uint8_t)(ttl + 1));
		if (!h)
			break;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "multipath_hop");
		jsonw_kuint(w, "ttl", ttl);
		jsonw_kuint(w, "probes", h->probes);
		jsonw_kuint(w, "lost", h->lost);
		jsonw_key(w, "interfaces");
		jsonw_arr_begin(w);
		for (unsigned i = 0; i < h->iface_count; i++) {
			const struct ik_mda_iface *f = &h->ifaces[i];
			char a[IK_ADDR_STRLEN];
			fmt_addr(&f->addr, a, sizeof a);
			jsonw_obj_begin(w);
			jsonw_kstr(w, "addr", a);
			jsonw_kuint(w, "flows", f->flows);
			jsonw_kbool(w, "final", f->is_final);
			jsonw_key(w, "next");
			jsonw_arr_begin(w);
			for (unsigned e = 0; n && e < f->next_count; e++) {
				fmt_addr(&n->ifaces[f->next[e]].addr, a, sizeof a);
				jsonw_str(w, a);
			}
			jsonw_arr_end(w);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		jsonw_obj_end(w);
		jsonw_eol(w);
	}
	char d[IK_ADDR_STRLEN];
	fmt_addr(&x->cfg.dst, d, sizeof d);
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", "multipath");
	jsonw_kstr(w, "host", x->o.host);
	jsonw_kstr(w, "dst", d);
	jsonw_kuint(w, "confidence", (uint64_t)(x->o.confidence ? x->o.confidence : 95));
	jsonw_kuint(w, "flows", ik_mda_flows(m));
	jsonw_kuint(w, "probes", ik_mda_probes(m));
	jsonw_kbool(w, "reached", ik_mda_has_reached(m));
	json_ms(w, "elapsed_ms", elapsed_ns);
	jsonw_kbool(w, "interrupted", trace_stop != 0);
	jsonw_obj_end(w);
	jsonw_eol(w);
}

/* --multipath: returns 1 reached, 0 not, -1 error. */
static int run_multipath(struct trace_ctx *x)
{
	struct ik_mda_cfg mc;
	ik_mda_cfg_defaults(&mc);
	mc.first_ttl = x->cfg.first_ttl;
	mc.max_ttl = x->cfg.max_ttl;
	mc.confidence = (uint8_t)(x->o.confidence ? x->o.confidence : 95);
	mc.max_batch = MP_BATCH;
	/* Flows are sport + flow: keep them below 65536. */
	if ((unsigned)x->cfg.sport + mc.max_flows > 65535)
		x->cfg.sport = (uint16_t)(65535 - mc.max_flows);
	struct ik_mda *m = NULL;
	struct mp_run r;
	memset(&r, 0, sizeof r);
	int status = -1;
	int rc = ik_mda_create(&m, &mc);
	if (rc < 0)
		return sys_fail(x, "multipath", rc);
	for (int i = 0; i < MP_BATCH; i++)
		if ((rc = ik_trace_create(&r.t[i])) < 0) {
			sys_fail(x, "multipath", rc);
			goto done;
		}
	if (!x->o.is_json) {
		char d[IK_ADDR_STRLEN];
		fmt_addr(&x->cfg.dst, d, sizeof d);
		printf("multipath to %s (%s), %u hops max, %u byte packets\n", x->o.host, d,
		       x->cfg.max_ttl, x->cfg.packet_len);
		fflush(stdout);
	}
	int64_t t0 = mono_ns();
	while (!trace_stop && (r.n = ik_mda_next(m, r.p, MP_BATCH)) > 0) {
		if (mp_run_batch(x, &r) < 0)
			goto done;
		for (int i = 0; i < r.n; i++) {
			const struct ik_trace_hop *h = ik_trace_hop(r.t[i], r.p[i].ttl);
			const struct ik_trace_reply *q = h ? &h->replies[0] : NULL;
			bool is_answered = q && q->is_answered && !trace_stop;
			rc = ik_mda_result(m, r.p[i].flow, r.p[i].ttl, is_answered ? &q->from : NULL,
					   is_answered && q->is_final);
			(void)rc; /* each pair was asked for exactly once */
		}
	}
	if (r.n < 0 && !trace_stop) {
		sys_fail(x, "multipath", r.n);
		goto done;
	}
	if (x->o.is_json)
		print_mp_json(x, m, mono_ns() - t0);
	else
		print_mp_text(x, m);
	status = ik_mda_has_reached(m) ? 1 : 0;
done:
	for (int i = 0; i < MP_BATCH; i++)
		ik_trace_free(r.t[i]);
	ik_mda_free(m);
	return status;
}

/* Sleeps until the monotonic time `until`, or a signal. */
static void sleep_until(int64_t until)
{
	while (!trace_stop) {
		int64_t left = until - mono_ns();
		if (left <= 0)
			return;
		struct timespec ts = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
		if (nanosleep(&ts, NULL) == 0)
			return;
	}
}

/* --report: -c rounds of one trace each, one round per --interval, then the table. */
static int run_report(struct trace_ctx *x)
{
	struct ik_report *rep = NULL;
	int rc = ik_report_create(&rep, x->cfg.first_ttl, x->cfg.max_ttl);
	if (rc < 0)
		return sys_fail(x, "report", rc);
	char start[64] = "";
	time_t wall = time(NULL);
	struct tm tm;
	if (localtime_r(&wall, &tm))
		strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%S%z", &tm);
	int64_t t0 = mono_ns();
	int64_t round_start = t0;
	for (long long i = 0; i < x->o.cycles && !trace_stop; i++) {
		if (i > 0)
			sleep_until(round_start + (int64_t)(x->o.interval_s * 1e9));
		if (trace_stop)
			break;
		/* Answers to the last round's probes that came late are fed to it, not the next. */
		drain_icmp(x);
		if (x->tcp_fd >= 0)
			drain_tcp(x);
		round_start = mono_ns();
		rc = ik_trace_start(x->t, round_start);
		if (rc < 0) {
			ik_report_free(rep);
			return sys_fail(x, "start", rc);
		}
		x->next_print = 0; /* nothing printed per hop */
		run_loop(x);
		if (!trace_stop || ik_trace_is_done(x->t)) {
			rc = ik_report_add_round(rep, x->t);
			(void)rc; /* the report spans the engine's TTLs: cannot fail */
		}
		/*
		 * Once the destination's distance is known, later rounds probe
		 * no further (as mtr): probes past it only spend the
		 * destination's ICMP token bucket (icmp_ratelimit covers Port
		 * Unreachable), which shows up as loss at the destination.
		 */
		uint8_t dist = ik_report_has_reached(rep) ? ik_report_last_ttl(rep) : 0;
		if (dist && dist < x->cfg.max_ttl && dist >= x->cfg.first_ttl) {
			x->cfg.max_ttl = dist;
			if ((rc = ik_trace_configure(x->t, &x->cfg)) < 0) {
				ik_report_free(rep);
				return sys_fail(x, "configure", rc);
			}
		}
	}
	int64_t elapsed = mono_ns() - t0;
	if (x->o.is_json)
		print_report_json(x, rep, elapsed);
	else
		print_report_text(x, rep, start);
	bool is_reached = ik_report_has_reached(rep);
	ik_report_free(rep);
	return is_reached ? 1 : 0;
}

static void print_summary_json(struct trace_ctx *x, int64_t elapsed_ns)
{
	struct ik_trace_stats st;
	ik_trace_get_stats(x->t, &st);
	struct jsonw *w = &x->json;
	json_trace_head(x, "trace");
	jsonw_kuint(w, "first_ttl", x->cfg.first_ttl);
	jsonw_kuint(w, "max_ttl", x->cfg.max_ttl);
	jsonw_kuint(w, "packet_len", x->cfg.packet_len);
	jsonw_kbool(w, "reached", ik_trace_has_reached(x->t));
	jsonw_kuint(w, "hops", ik_trace_last_ttl(x->t));
	jsonw_kuint(w, "probes_sent", st.probes_sent);
	jsonw_kuint(w, "probes_past_end", st.past_end);
	jsonw_kuint(w, "replies", st.replies);
	jsonw_kuint(w, "retries", st.retries);
	jsonw_kuint(w, "foreign", st.foreign);
	jsonw_kuint(w, "late", st.late);
	jsonw_kuint(w, "malformed", st.malformed);
	json_ms(w, "elapsed_ms", elapsed_ns);
	jsonw_kbool(w, "interrupted", trace_stop != 0);
	jsonw_obj_end(w);
	jsonw_eol(w);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_ctx x;
	memset(&x, 0, sizeof x);
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	x.o.is_traceroute = strcmp(base, "traceroute") == 0;
	x.prog = x.o.is_traceroute ? "traceroute" : "icmpkit trace";
	x.o.method = IK_TRACE_UDP;
	x.o.port = -1;
	x.o.first_ttl = 1;
	x.o.max_ttl = 30;
	x.o.nqueries = 3;
	x.o.wait_s = 5.0;
	x.o.here = 3.0;
	x.o.near = 10.0;
	x.o.sim = -1;
	x.o.packet_len = -1;
	x.o.interval_s = 1.0;
	x.o.sport = -1;
	x.send_fd = -1;
	x.tcp_fd = -1;
	if (parse_args(&x, argc, argv) < 0)
		return EXIT_USAGE;
	struct ik_addr dst;
	if (resolve(&x, &dst) < 0)
		return EXIT_USAGE;
	int fam = dst.family;
	struct ik_addr src_want = {0};
	if (x.o.src_text) {
		if (ik_addr_parse(x.o.src_text, &src_want) < 0 || src_want.family != fam) {
			fprintf(stderr, "%s: -s %s: not an IPv%d address\n", x.prog, x.o.src_text, fam);
			return EXIT_USAGE;
		}
	}
	ik_trace_cfg_defaults(&x.cfg, x.o.method, fam);
	x.cfg.dst = dst;
	int mtu = 0;
	int rc = ik_probe_route(&dst, x.o.src_text ? &src_want : NULL, x.o.ifname, &x.cfg.src, &mtu);
	if (rc < 0) {
		fprintf(stderr, "%s: %s: %s\n", x.prog, x.o.host, ik_strerror(rc));
		return EXIT_USAGE;
	}
	x.cfg.first_ttl = (uint8_t)x.o.first_ttl;
	x.cfg.max_ttl = (uint8_t)x.o.max_ttl;
	x.cfg.nqueries = (uint8_t)x.o.nqueries;
	if (x.o.is_report) {
		/* mtr: one probe per hop per round, and a retry would hide loss. */
		if (!x.o.is_queries_set)
			x.cfg.nqueries = 1;
		x.cfg.retries = 0;
		/* A round waits for its slowest lost probe: 1 s is ample in a report. */
		if (!x.o.is_wait_set)
			x.o.wait_s = 1.0;
		if (x.o.cycles <= 0)
			x.o.cycles = 10;
	}
	if (x.o.is_paris_set)
		x.cfg.is_paris = x.o.is_paris && x.o.method != IK_TRACE_TCP;
	if (x.o.port >= 0)
		x.cfg.dport = (uint16_t)x.o.port;
	/* The flow's source port / Echo id: from the pid, kept clear of 0 and the well-known ports. */
	x.cfg.sport = (uint16_t)(32768 + (getpid() % 28000));
	if (x.o.sport > 0)
		x.cfg.sport = (uint16_t)x.o.sport;
	if (x.o.is_multipath && !x.o.is_wait_set)
		x.o.wait_s = 1.0; /* one lost probe holds up its whole batch */
	size_t min_len = x.cfg.packet_len;
	if (x.o.packet_len >= 0)
		x.cfg.packet_len = (uint16_t)(x.o.packet_len < (long long)(fam == 6 ? 50 : 30)
						      ? (fam == 6 ? 50 : 30)
						      : x.o.packet_len);
	(void)min_len;
	if (x.o.is_mtu) {
		/* tracepath: start at the first hop's MTU and let the path lower it. */
		x.cfg.is_mtu_discovery = true;
		if (x.o.packet_len < 0 && mtu > 0)
			x.cfg.packet_len = (uint16_t)mtu;
	}
	/*
	 * As traceroute: -N probes in flight. icmpkit's own default keeps 16
	 * hops' worth of queries in flight, so a path of up to 16 hops is
	 * traced in about one round trip.
	 */
	if (x.o.sim > 0)
		x.cfg.window = (uint16_t)x.o.sim;
	else if (x.o.is_report)
		/*
		 * Report rounds repeat: every probe past the destination in the
		 * first round spends one of the destination's ICMP tokens
		 * (a burst of 6, then 1 a second), and later rounds then lose
		 * their answers there. Three in flight overshoot by two at most.
		 */
		x.cfg.window = 3;
	else
		x.cfg.window = x.o.is_traceroute ? 16 : (uint16_t)(16 * x.cfg.nqueries);
	/*
	 * icmpkit's own default: those 16 hops get every query at once; past
	 * them only what the path shows it reaches, so the destination (whose
	 * bucket answers about 6) is not sent dozens of probes it would refuse
	 * or answer in place of its own hop's. traceroute's -N window keeps
	 * traceroute's behaviour.
	 */
	if (x.o.sim <= 0 && !x.o.is_report && !x.o.is_traceroute && !x.o.is_multipath)
		x.cfg.guess_hops = 16;
	x.cfg.wait_ms = (uint32_t)(x.o.wait_s * 1000);
	x.cfg.here_x10 = (uint16_t)(x.o.here * 10);
	x.cfg.near_x10 = (uint16_t)(x.o.near * 10);
	if (x.cfg.min_wait_ms > x.cfg.wait_ms)
		x.cfg.min_wait_ms = x.cfg.wait_ms;
	x.cfg.sendwait_us = (uint32_t)(x.o.sendwait_s * 1e6);

	rc = ik_trace_create(&x.t);
	if (rc < 0)
		return sys_fail(&x, "trace", rc), EXIT_USAGE;
	rc = ik_trace_configure(x.t, &x.cfg);
	if (rc < 0) {
		fprintf(stderr, "%s: bad settings (packet length %u, hops %u..%u)\n", x.prog,
			x.cfg.packet_len, x.cfg.first_ttl, x.cfg.max_ttl);
		ik_trace_free(x.t);
		return EXIT_USAGE;
	}
	int status = EXIT_USAGE;
	x.buf = malloc(TRACE_BUF_LEN);
	if (!x.buf || open_sockets(&x, x.o.src_text ? &src_want : NULL) < 0)
		goto out;
	if (x.o.is_json && jsonw_init(&x.json, stdout, 1 << 16) < 0)
		goto out;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = trace_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (x.o.is_multipath) {
		int reached = run_multipath(&x);
		if (reached < 0)
			goto out;
		if (x.o.is_json && jsonw_finish(&x.json) < 0)
			goto out;
		status = trace_stop ? 130 : reached ? EXIT_OK : EXIT_NOREPLY;
		goto out;
	}
	if (x.o.is_report) {
		int reached = run_report(&x);
		if (reached < 0)
			goto out;
		if (x.o.is_json && jsonw_finish(&x.json) < 0)
			goto out;
		status = trace_stop ? 130 : reached ? EXIT_OK : EXIT_NOREPLY;
		goto out;
	}
	if (!x.o.is_json) {
		char d[IK_ADDR_STRLEN];
		fmt_addr(&dst, d, sizeof d);
		printf("traceroute to %s (%s), %u hops max, %u byte packets\n", x.o.host, d,
		       x.cfg.max_ttl, x.cfg.packet_len);
		fflush(stdout);
	}
	int64_t t0 = mono_ns();
	rc = ik_trace_start(x.t, t0);
	if (rc < 0) {
		sys_fail(&x, "start", rc);
		goto out;
	}
	x.next_print = x.cfg.first_ttl;
	run_loop(&x);
	int64_t elapsed = mono_ns() - t0;
	if (x.o.is_json) {
		print_summary_json(&x, elapsed);
		if (jsonw_finish(&x.json) < 0)
			goto out;
	}
	if (trace_stop)
		status = 130;
	else if (x.o.is_traceroute)
		status = EXIT_OK;
	else
		status = ik_trace_has_reached(x.t) ? EXIT_OK : EXIT_NOREPLY;
out:
	if (x.send_fd >= 0)
		close(x.send_fd);
	if (x.tcp_fd >= 0)
		close(x.tcp_fd);
	ik_sock_free(x.icmp);
	ik_trace_free(x.t);
	free(x.buf);
	return status;
}
