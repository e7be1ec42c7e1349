/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit watch: the ICMP intrusion-detection monitor; capture in, fast.log and EVE JSON alerts out. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/icmpkit.h"
#include "icmpkit/watch.h"
#include "jsonw.h"

#define WATCH_PROG "icmpkit watch"
#define WATCH_MAX_IFACES 16
#define WATCH_MAX_SETS 64
#define WATCH_FILTER_MAX 4096
#define WATCH_CONF_MAX (1024 * 1024)
#define WATCH_JSON_BUF (256 * 1024)
#define WATCH_BLOCK_MAX 64

/*
 * What the kernel hands us: ICMP, ICMPv6, every IPv4/IPv6 fragment (ping
 * of death hides in the non-first ones) and TCP SYNs (to know which
 * connections exist when an error quotes one).
 */
static const char watch_default_filter[] =
	"icmp or icmp6 or (ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) "
	"or (tcp[tcpflags] & tcp-syn != 0) or (ip6 and ip6[6] == 6 and ip6[53] & 2 != 0)";

struct watch_opts {
	const char *ifaces[WATCH_MAX_IFACES];
	int iface_count;
	const char *file;
	const char *conf_path;
	const char *sets[WATCH_MAX_SETS];
	int set_count;
	const char *eve_path;
	bool is_quiet;
	bool is_flows;
	bool is_promisc;
	long long stats_interval;
	long long duration;
	long long buffer_kib;
	long long snaplen;
	long long block_seconds; /* --block: 0 off, -1 guard's set timeout */
	char filter[WATCH_FILTER_MAX];
};

struct watch_cap {
	pcap_t *pcap;
	const char *name;
	enum ik_link link;
};

struct watch_ctx {
	struct watch_opts opt;
	struct ik_watch_conf conf;
	struct ik_watch *engine;
	struct watch_cap caps[WATCH_MAX_IFACES];
	int cap_count;
	bool is_live;
	FILE *eve_file;
	struct jsonw jw;
	bool has_eve;
	int64_t first_ns;      /* first packet time */
	int64_t last_ns;       /* latest packet time */
	int64_t next_stats_ns; /* packet time (offline) or monotonic (live) */
	int64_t start_mono_ns;
	int current_cap;       /* the capture pcap_dispatch is reading */
	/* --block: sources waiting for the next nft call, and those already sent. */
	struct ik_addr block_pending[WATCH_BLOCK_MAX];
	int block_pending_count;
	struct ik_addr block_done[WATCH_BLOCK_MAX];
	int64_t block_done_ns[WATCH_BLOCK_MAX];
	bool is_block_failed;
};

static volatile sig_atomic_t watch_stop;

static void watch_on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int64_t watch_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void watch_usage(FILE *out)
{
	fprintf(out,
		"usage: icmpkit watch (-i IFACE [-i IFACE...] | -r FILE) [options] [FILTER]\n"
		"Watch ICMP for floods, ping of death, smurf, tunnels, forged errors, sweeps\n"
		"and malformed messages; explain every alert.\n\n"
		"  -i IFACE             capture live on IFACE (repeatable, up to %d)\n"
		"  -r FILE              read a pcap or pcapng file ('-' for stdin); time comes\n"
		"                       from the packets, so a capture replays as it happened\n"
		"  -c FILE              config file (default %s if it exists)\n"
		"  --set KEY=VALUE      set one config key (repeatable); see icmpkit-watch(1)\n"
		"  --eve FILE           write Suricata EVE JSON lines to FILE ('-' for stdout)\n"
		"  -q, --quiet          no fast.log-style alerts on stdout\n"
		"  --stats-interval S   an EVE stats record every S seconds (default 60, 0: only\n"
		"                       the final one)\n"
		"  --flows              also write EVE flow records for ICMP echo flows\n"
		"  --duration S         stop a live capture after S seconds\n"
		"  -B KIB               kernel capture buffer in KiB (default 32768)\n"
		"  -s SNAPLEN           bytes kept of each packet (default 2048)\n"
		"  -p                   do not put the interfaces in promiscuous mode\n"
		"  --block[=SECONDS]    add the sources of flood, tunnel and smurf alerts to\n"
		"                       icmpkit guard's blocked sets (needs guard apply, root)\n"
		"  --sigs               print the signature table and exit\n"
		"  -h, --help           this text\n\n"
		"FILTER is a pcap filter ANDed with watch's own (ICMP, fragments, TCP SYN).\n"
		"Exit status: 0 done, 1 capture or output failed, 2 bad command line or config.\n",
		WATCH_MAX_IFACES, IK_WATCH_CONF_PATH);
}

static void watch_print_sigs(void)
{
	size_t n;
	const struct ik_watch_sig *s = ik_watch_sigs(&n);
	printf("%-8s %-9s %-3s %s\n", "sid", "detector", "sev", "signature / advice");
	for (size_t i = 0; i < n; i++)
		printf("%-8u %-9s %-3u %s\n%22s%s\n", s[i].sid, s[i].detector, s[i].severity,
		       s[i].signature, "", s[i].advice);
}

/* Returns 0 to run, 1 when done (--help, --sigs), -1 on a bad command line. */
static int watch_parse(int argc, char **argv, struct watch_opts *o)
{
	enum { OPT_EVE = 256, OPT_SET, OPT_STATS, OPT_FLOWS, OPT_DURATION, OPT_SIGS, OPT_BLOCK };
	static const struct option longs[] = {
		{"eve", required_argument, NULL, OPT_EVE},
		{"set", required_argument, NULL, OPT_SET},
		{"stats-interval", required_argument, NULL, OPT_STATS},
		{"flows", no_argument, NULL, OPT_FLOWS},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"sigs", no_argument, NULL, OPT_SIGS},
		{"block", optional_argument, NULL, OPT_BLOCK},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct watch_opts){.stats_interval = 60, .buffer_kib = 32768, .snaplen = 2048,
				 .is_promisc = true};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+i:r:c:qB:s:ph", longs, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->iface_count >= WATCH_MAX_IFACES) {
				fprintf(stderr, "%s: more than %d interfaces\n", WATCH_PROG,
					WATCH_MAX_IFACES);
				return -1;
			}
			if (strlen(optarg) >= IFNAMSIZ || !*optarg) {
				fprintf(stderr, "%s: -i: '%s' is not an interface name\n", WATCH_PROG,
					optarg);
				return -1;
			}
			o->ifaces[o->iface_count++] = optarg;
			break;
		case 'r':
			o->file = optarg;
			break;
		case 'c':
			o->conf_path = optarg;
			break;
		case 'q':
			o->is_quiet = true;
			break;
		case 'p':
			o->is_promisc = false;
			break;
		case 'B':
			if (opt_number(WATCH_PROG, "-B", optarg, 64, 4 * 1024 * 1024, &o->buffer_kib))
				return -1;
			break;
		case 's':
			if (opt_number(WATCH_PROG, "-s", optarg, 128, 262144, &o->snaplen))
				return -1;
			break;
		case OPT_EVE:
			o->eve_path = optarg;
			break;
		case OPT_SET:
			if (o->set_count >= WATCH_MAX_SETS) {
				fprintf(stderr, "%s: more than %d --set\n", WATCH_PROG, WATCH_MAX_SETS);
				return -1;
			}
			o->sets[o->set_count++] = optarg;
			break;
		case OPT_STATS:
			if (opt_number(WATCH_PROG, "--stats-interval", optarg, 0, 86400,
				       &o->stats_interval))
				return -1;
			break;
		case OPT_FLOWS:
			o->is_flows = true;
			break;
		case OPT_DURATION:
			if (opt_number(WATCH_PROG, "--duration", optarg, 1, 31536000, &o->duration))
				return -1;
			break;
		case OPT_BLOCK:
			o->block_seconds = -1;
			if (optarg && opt_number(WATCH_PROG, "--block", optarg, 1, 31536000,
						 &o->block_seconds))
				return -1;
			break;
		case OPT_SIGS:
			watch_print_sigs();
			return 1;
		case 'h':
			watch_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value\n", WATCH_PROG, argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "%s: unknown option '%s'\n", WATCH_PROG, argv[optind - 1]);
			return -1;
		}
	}
	if (!o->file && o->iface_count == 0) {
		fprintf(stderr, "%s: give -i IFACE or -r FILE (see --help)\n", WATCH_PROG);
		return -1;
	}
	if (o->file && o->iface_count) {
		fprintf(stderr, "%s: -i and -r exclude each other\n", WATCH_PROG);
		return -1;
	}
	if (o->duration && o->file) {
		fprintf(stderr, "%s: --duration is for live capture (-i)\n", WATCH_PROG);
		return -1;
	}
	/* watch's filter, ANDed with the user's words joined like tcpdump does. */
	int len = snprintf(o->filter, sizeof o->filter, "(%s)", watch_default_filter);
	for (int i = optind; i < argc; i++) {
		int n = snprintf(o->filter + len, sizeof o->filter - (size_t)len, "%s%s",
				 i == optind ? " and (" : " ", argv[i]);
		if (n < 0 || (size_t)(len + n) + 2 > sizeof o->filter) {
			fprintf(stderr, "%s: filter expression too long\n", WATCH_PROG);
			return -1;
		}
		len += n;
	}
	if (optind < argc)
		strcat(o->filter, ")");
	return 0;
}

/* Reads a whole small file; returns its length or -1 with errno set. */
static long watch_slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *buf = malloc(WATCH_CONF_MAX + 1);
	size_t n = buf ? fread(buf, 1, WATCH_CONF_MAX + 1, f) : 0;
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (!buf || err || n > WATCH_CONF_MAX) {
		free(buf);
		errno = !buf ? ENOMEM : err ? err : EFBIG;
		return -1;
	}
	*out = buf;
	return (long)n;
}

static int watch_load_conf(struct watch_ctx *ctx)
{
	const struct watch_opts *o = &ctx->opt;
	ik_watch_conf_defaults(&ctx->conf);
	const char *path = o->conf_path;
	if (!path && access(IK_WATCH_CONF_PATH, F_OK) == 0)
		path = IK_WATCH_CONF_PATH;
	char reason[IK_WATCH_REASON_SIZE];
	unsigned line;
	if (path) {
		char *text = NULL;
		long n = watch_slurp(path, &text);
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, path, strerror(errno));
			return -1;
		}
		int rc = ik_watch_conf_parse(&ctx->conf, text, (size_t)n, &line, reason,
					     sizeof reason);
		free(text);
		if (rc != IK_OK) {
			fprintf(stderr, "%s: %s:%u: %s\n", WATCH_PROG, path, line, reason);
			return -1;
		}
	}
	for (int i = 0; i < o->set_count; i++) {
		if (ik_watch_conf_parse(&ctx->conf, o->sets[i], strlen(o->sets[i]), &line, reason,
					sizeof reason) != IK_OK) {
			fprintf(stderr, "%s: --set %s: %s\n", WATCH_PROG, o->sets[i], reason);
			return -1;
		}
	}
	return 0;
}

/* "2026-11-29T20:10:11.123456+0000", EVE's timestamp (UTC). */
static void watch_timestamp(int64_t ns, char *buf, size_t cap, bool is_fast_log)
{
	time_t sec = (time_t)(ns / 1000000000);
	long usec = (long)(ns % 1000000000) / 1000;
	struct tm tm;
	gmtime_r(&sec, &tm);
	char base[40];
	strftime(base, sizeof base, is_fast_log ? "%m/%d/%Y-%H:%M:%S" : "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%06ld%s", base, usec, is_fast_log ? "" : "+0000");
}

static void watch_format(const struct ik_addr *a, char *buf, size_t cap)
{
	if (ik_addr_format(a, buf, cap) < 0)
		snprintf(buf, cap, "?");
}

static const char *watch_iface_name(const struct watch_ctx *ctx, int ifindex)
{
	if (ifindex >= 0 && ifindex < ctx->cap_count && ctx->caps[ifindex].name)
		return ctx->caps[ifindex].name;
	return NULL;
}

static void watch_eve_head(struct watch_ctx *ctx, int64_t ts_ns, const char *type)
{
	char ts[64];
	watch_timestamp(ts_ns, ts, sizeof ts, false);
	jsonw_obj_begin(&ctx->jw);
	jsonw_kstr(&ctx->jw, "timestamp", ts);
	jsonw_kstr(&ctx->jw, "event_type", type);
}

static void watch_eve_alert(struct watch_ctx *ctx, const struct ik_watch_alert *a)
{
	struct jsonw *j = &ctx->jw;
	char s[64], d[64];
	watch_format(&a->src, s, sizeof s);
	watch_format(&a->dst, d, sizeof d);
	watch_eve_head(ctx, a->ts_ns, "alert");
	const char *iface = watch_iface_name(ctx, a->ifindex);
	if (iface)
		jsonw_kstr(j, "in_iface", iface);
	jsonw_kstr(j, "src_ip", s);
	jsonw_kstr(j, "dest_ip", d);
	jsonw_kstr(j, "proto", a->src.family == 6 ? "IPv6-ICMP" : "ICMP");
	if (a->has_icmp) {
		jsonw_kuint(j, "icmp_type", a->icmp_type);
		jsonw_kuint(j, "icmp_code", a->icmp_code);
	}
	jsonw_key(j, "alert");
	jsonw_obj_begin(j);
	jsonw_kstr(j, "action", "allowed");
	jsonw_kuint(j, "gid", 1);
	jsonw_kuint(j, "signature_id", a->sig->sid);
	jsonw_kuint(j, "rev", 1);
	jsonw_kstr(j, "signature", a->sig->signature);
	jsonw_kstr(j, "category", a->sig->category);
	jsonw_kuint(j, "severity", a->sig->severity);
	jsonw_obj_end(j);
	jsonw_key(j, "icmpkit");
	jsonw_obj_begin(j);
	jsonw_kstr(j, "detector", a->sig->detector);
	jsonw_kstr(j, "explanation", a->explanation);
	jsonw_kstr(j, "advice", a->sig->advice);
	if (a->count)
		jsonw_kuint(j, "count", a->count);
	if (a->threshold)
		jsonw_kuint(j, "threshold", a->threshold);
	if (a->sources)
		jsonw_kuint(j, "sources", a->sources);
	if (a->score)
		jsonw_kuint(j, "score", a->score);
	if (a->reasons) {
		jsonw_key(j, "reasons");
		jsonw_arr_begin(j);
		for (unsigned bit = 0; ik_watch_reason_name(bit); bit++) {
			if (a->reasons & (1u << bit))
				jsonw_str(j, ik_watch_reason_name(bit));
		}
		jsonw_arr_end(j);
	}
	if (a->sig->detector[0] == 't')
		jsonw_kuint(j, "echo_id", a->echo_id);
	if (a->top_count) {
		jsonw_key(j, "top_talkers");
		jsonw_arr_begin(j);
		for (int i = 0; i < a->top_count; i++) {
			char t[64];
			watch_format(&a->top[i].addr, t, sizeof t);
			jsonw_obj_begin(j);
			jsonw_kstr(j, "ip", t);
			jsonw_kuint(j, "packets", a->top[i].packets);
			jsonw_obj_end(j);
		}
		jsonw_arr_end(j);
	}
	jsonw_obj_end(j);
	jsonw_obj_end(j);
	jsonw_eol(j);
}

/* Suricata's fast.log line, then the explanation indented on the next. */
static void watch_fast_alert(struct watch_ctx *ctx, const struct ik_watch_alert *a)
{
	char ts[64], s[64], d[64];
	watch_timestamp(a->ts_ns, ts, sizeof ts, true);
	watch_format(&a->src, s, sizeof s);
	watch_format(&a->dst, d, sizeof d);
	printf("%s  [**] [1:%u:1] %s [**] [Classification: %s] [Priority: %u] {%s} %s:%u -> "
	       "%s:%u\n    %s\n",
	       ts, a->sig->sid, a->sig->signature, a->sig->category, a->sig->severity,
	       a->src.family == 6 ? "IPV6-ICMP" : "ICMP", s, a->icmp_type, d, a->icmp_code,
	       a->explanation);
	if (ctx->is_live)
		fflush(stdout);
}

/* Queues a source for guard's blocked set, once per block period. */
static void watch_block_add(struct watch_ctx *ctx, const struct ik_addr *a, int64_t now_ns)
{
	int64_t period = (ctx->opt.block_seconds > 0 ? ctx->opt.block_seconds : 60) * 1000000000;
	int oldest = 0;
	for (int i = 0; i < WATCH_BLOCK_MAX; i++) {
		if (ctx->block_done_ns[i] && ik_addr_equal(&ctx->block_done[i], a) &&
		    now_ns - ctx->block_done_ns[i] < period)
			return;
		if (ctx->block_done_ns[i] < ctx->block_done_ns[oldest])
			oldest = i;
	}
	if (ctx->block_pending_count >= WATCH_BLOCK_MAX)
		return;
	ctx->block_done[oldest] = *a;
	ctx->block_done_ns[oldest] = now_ns;
	ctx->block_pending[ctx->block_pending_count++] = *a;
}

/*
 * Who to block, like fail2ban: the flooding source, the top talkers of a
 * flood from a few sources, the amplifiers answering a smurf victim, the
 * tunnel's sender. Never the source of a broadcast echo (it is the spoofed
 * victim) nor the thousands of spoofed sources of a distributed flood.
 */
static void watch_block_alert(struct watch_ctx *ctx, const struct ik_watch_alert *a)
{
	switch (a->sig->sid) {
	case IK_SID_FLOOD_SOURCE:
	case IK_SID_TUNNEL:
	case IK_SID_TUNNEL_PTUNNEL:
	case IK_SID_TUNNEL_ICMPTX:
		watch_block_add(ctx, &a->src, a->ts_ns);
		break;
	case IK_SID_FLOOD_DESTINATION:
	case IK_SID_SMURF_VICTIM:
		for (int i = 0; i < a->top_count; i++)
			watch_block_add(ctx, &a->top[i].addr, a->ts_ns);
		break;
	default:
		break;
	}
}

static void watch_block_flush(struct watch_ctx *ctx)
{
	if (ctx->block_pending_count == 0 || ctx->is_block_failed)
		return;
	unsigned timeout = ctx->opt.block_seconds > 0 ? (unsigned)ctx->opt.block_seconds : 0;
	if (guard_block_sources(ctx->block_pending, (size_t)ctx->block_pending_count, timeout) < 0)
		ctx->is_block_failed = true; /* said once; alerts go on */
	else
		for (int i = 0; i < ctx->block_pending_count; i++) {
			char t[64];
			watch_format(&ctx->block_pending[i], t, sizeof t);
			fprintf(stderr, "%s: blocked %s\n", WATCH_PROG, t);
		}
	ctx->block_pending_count = 0;
}

static void watch_on_alert(void *user, const struct ik_watch_alert *a)
{
	struct watch_ctx *ctx = user;
	if (ctx->has_eve)
		watch_eve_alert(ctx, a);
	if (!ctx->opt.is_quiet)
		watch_fast_alert(ctx, a);
	if (ctx->opt.block_seconds)
		watch_block_alert(ctx, a);
}

static void watch_on_flow(void *user, const struct ik_watch_flow *f)
{
	struct watch_ctx *ctx = user;
	struct jsonw *j = &ctx->jw;
	char s[64], d[64], t0[64], t1[64];
	watch_format(&f->requester, s, sizeof s);
	watch_format(&f->responder, d, sizeof d);
	watch_timestamp(f->start_ns, t0, sizeof t0, false);
	watch_timestamp(f->end_ns, t1, sizeof t1, false);
	watch_eve_head(ctx, f->end_ns, "flow");
	jsonw_kstr(j, "src_ip", s);
	jsonw_kstr(j, "dest_ip", d);
	jsonw_kstr(j, "proto", f->version == 6 ? "IPv6-ICMP" : "ICMP");
	jsonw_kuint(j, "icmp_type", f->version == 6 ? 128 : 8);
	jsonw_kuint(j, "icmp_code", 0);
	jsonw_key(j, "flow");
	jsonw_obj_begin(j);
	jsonw_kuint(j, "pkts_toserver", f->requests);
	jsonw_kuint(j, "pkts_toclient", f->replies);
	jsonw_kuint(j, "bytes_toserver", f->request_bytes);
	jsonw_kuint(j, "bytes_toclient", f->reply_bytes);
	jsonw_kstr(j, "start", t0);
	jsonw_kstr(j, "end", t1);
	jsonw_kuint(j, "age", (uint64_t)((f->end_ns - f->start_ns) / 1000000000));
	jsonw_kstr(j, "state", "closed");
	jsonw_kstr(j, "reason", f->end_reason);
	jsonw_kbool(j, "alerted", f->is_alerted);
	jsonw_obj_end(j);
	jsonw_key(j, "icmpkit");
	jsonw_obj_begin(j);
	jsonw_kuint(j, "echo_id", f->echo_id);
	jsonw_kuint(j, "score", f->score);
	jsonw_key(j, "reasons");
	jsonw_arr_begin(j);
	for (unsigned bit = 0; ik_watch_reason_name(bit); bit++) {
		if (f->reasons & (1u << bit))
			jsonw_str(j, ik_watch_reason_name(bit));
	}
	jsonw_arr_end(j);
	jsonw_obj_end(j);
	jsonw_obj_end(j);
	jsonw_eol(j);
}

struct watch_kernel {
	uint64_t received;
	uint64_t dropped;
	uint64_t ifdropped;
};

static void watch_kernel_stats(const struct watch_ctx *ctx, struct watch_kernel *k)
{
	*k = (struct watch_kernel){0};
	for (int i = 0; ctx->is_live && i < ctx->cap_count; i++) {
		struct pcap_stat st;
		if (pcap_stats(ctx->caps[i].pcap, &st) == 0) {
			k->received += st.ps_recv;
			k->dropped += st.ps_drop;
			k->ifdropped += st.ps_ifdrop;
		}
	}
}

static void watch_eve_stats(struct watch_ctx *ctx, int64_t ts_ns)
{
	struct jsonw *j = &ctx->jw;
	struct ik_watch_stats st;
	ik_watch_stats(ctx->engine, &st);
	struct watch_kernel k;
	watch_kernel_stats(ctx, &k);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	watch_eve_head(ctx, ts_ns, "stats");
	jsonw_key(j, "stats");
	jsonw_obj_begin(j);
	int64_t uptime = ctx->is_live ? (watch_mono_ns() - ctx->start_mono_ns) / 1000000000
				      : (ctx->last_ns - ctx->first_ns) / 1000000000;
	jsonw_kuint(j, "uptime", (uint64_t)(uptime > 0 ? uptime : 0));
	jsonw_key(j, "capture");
	jsonw_obj_begin(j);
	jsonw_kuint(j, "kernel_packets", k.received);
	jsonw_kuint(j, "kernel_drops", k.dropped);
	jsonw_kuint(j, "kernel_ifdrops", k.ifdropped);
	jsonw_obj_end(j);
	jsonw_key(j, "decoder");
	jsonw_obj_begin(j);
	jsonw_kuint(j, "pkts", st.frames);
	jsonw_kuint(j, "bytes", st.bytes);
	jsonw_kuint(j, "ip", st.ip);
	jsonw_kuint(j, "icmpv4", st.icmp4);
	jsonw_kuint(j, "icmpv6", st.icmp6);
	jsonw_kuint(j, "fragments", st.fragments);
	jsonw_kuint(j, "tcp_syn", st.tcp_handshakes);
	jsonw_kuint(j, "undecodable", st.undecodable);
	jsonw_obj_end(j);
	jsonw_key(j, "detect");
	jsonw_obj_begin(j);
	jsonw_kuint(j, "alert", st.alerts);
	jsonw_kuint(j, "suppressed", st.alerts_suppressed);
	jsonw_obj_end(j);
	jsonw_key(j, "memory");
	jsonw_obj_begin(j);
	jsonw_kuint(j, "cap", (uint64_t)ctx->conf.memory_cap_mib * 1024 * 1024);
	jsonw_kuint(j, "tables", st.memory_bytes);
	jsonw_kuint(j, "rss_peak_kib", (uint64_t)ru.ru_maxrss);
	jsonw_obj_end(j);
	jsonw_key(j, "tables");
	jsonw_obj_begin(j);
	for (int i = 0; i < IK_WATCH_TABLES; i++) {
		jsonw_key(j, st.tables[i].name);
		jsonw_obj_begin(j);
		jsonw_kuint(j, "capacity", st.tables[i].capacity);
		jsonw_kuint(j, "used", st.tables[i].used);
		jsonw_kuint(j, "evictions", st.tables[i].evictions);
		jsonw_obj_end(j);
	}
	jsonw_obj_end(j);
	jsonw_obj_end(j);
	jsonw_obj_end(j);
	jsonw_eol(j);
	jsonw_flush(j);
}

/* Directed broadcasts of the interfaces watched, so smurf requests to them are known. */
static void watch_learn_broadcasts(struct watch_ctx *ctx)
{
	for (int c = 0; c < ctx->opt.iface_count; c++) {
		struct ik_addr found[IK_WATCH_MAX_BROADCASTS];
		int n = if_broadcasts(ctx->opt.ifaces[c], found, IK_WATCH_MAX_BROADCASTS);
		for (int i = 0; i < n; i++) {
			if (ik_watch_conf_add_broadcast(&ctx->conf, &found[i]) != IK_OK)
				return;
		}
	}
}

static int watch_set_filter(struct watch_ctx *ctx, struct watch_cap *cap)
{
	struct bpf_program prog;
	if (pcap_compile(cap->pcap, &prog, ctx->opt.filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "%s: filter: %s\n", WATCH_PROG, pcap_geterr(cap->pcap));
		return -1;
	}
	int rc = pcap_setfilter(cap->pcap, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		fprintf(stderr, "%s: filter: %s\n", WATCH_PROG, pcap_geterr(cap->pcap));
		return -1;
	}
	return 0;
}

static int watch_link(struct watch_cap *cap, const char *what)
{
	int dlt = pcap_datalink(cap->pcap);
	if (ik_link_from_dlt(dlt, &cap->link) != IK_OK) {
		const char *name = pcap_datalink_val_to_name(dlt);
		fprintf(stderr, "%s: %s: link type %s (%d) is not one watch reads\n", WATCH_PROG,
			what, name ? name : "unknown", dlt);
		return -1;
	}
	return 0;
}

static int watch_open(struct watch_ctx *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const struct watch_opts *o = &ctx->opt;
	if (o->file) {
		struct watch_cap *cap = &ctx->caps[ctx->cap_count++];
		cap->pcap = pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_NANO,
								    errbuf);
		if (!cap->pcap) {
			/* libpcap's text already names the file for system errors. */
			bool is_named = strncmp(errbuf, o->file, strlen(o->file)) == 0;
			fprintf(stderr, "%s: %s%s%s\n", WATCH_PROG, is_named ? "" : o->file,
				is_named ? "" : ": ", errbuf);
			return -1;
		}
		cap->name = NULL;
		/* stdio's 4 KiB default makes a read(2) per few packets, a third of
		 * the time at millions of packets per second; 256 KiB reads are as
		 * fast as larger ones and leave the CPU's L2 cache to the tables. */
		static char file_buf[256 << 10];
		FILE *f = pcap_file(cap->pcap);
		if (f) {
			setvbuf(f, file_buf, _IOFBF, sizeof file_buf);
			/* Only this thread reads it: no lock taken on each of libpcap's
			 * two freads per packet. */
			__fsetlocking(f, FSETLOCKING_BYCALLER);
		}
		return watch_link(cap, o->file) < 0 || watch_set_filter(ctx, cap) < 0 ? -1 : 0;
	}
	ctx->is_live = true;
	for (int i = 0; i < o->iface_count; i++) {
		struct watch_cap *cap = &ctx->caps[ctx->cap_count++];
		cap->name = o->ifaces[i];
		cap->pcap = pcap_create(cap->name, errbuf);
		if (!cap->pcap) {
			fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, cap->name, errbuf);
			return -1;
		}
		/* Batches from the TPACKET_V3 ring, not a wakeup per packet: under a flood
		 * that is what keeps up. A short timeout bounds the alert delay. */
		if (pcap_set_snaplen(cap->pcap, (int)o->snaplen) ||
		    pcap_set_promisc(cap->pcap, o->is_promisc) ||
		    pcap_set_buffer_size(cap->pcap, (int)(o->buffer_kib * 1024)) ||
		    pcap_set_timeout(cap->pcap, 50) ||
		    pcap_set_tstamp_precision(cap->pcap, PCAP_TSTAMP_PRECISION_NANO)) {
			fprintf(stderr, "%s: %s: cannot set capture options\n", WATCH_PROG, cap->name);
			return -1;
		}
		int rc = pcap_activate(cap->pcap);
		if (rc < 0) {
			const char *why = rc == PCAP_ERROR ? pcap_geterr(cap->pcap) : pcap_statustostr(rc);
			fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, cap->name, why);
			if (rc == PCAP_ERROR_PERM_DENIED)
				fprintf(stderr, "%s: live capture needs root or CAP_NET_RAW\n",
					WATCH_PROG);
			return -1;
		}
		if (rc > 0)
			fprintf(stderr, "%s: %s: warning: %s\n", WATCH_PROG, cap->name,
				rc == PCAP_WARNING ? pcap_geterr(cap->pcap) : pcap_statustostr(rc));
		if (watch_link(cap, cap->name) < 0 || watch_set_filter(ctx, cap) < 0)
			return -1;
		if (pcap_setnonblock(cap->pcap, 1, errbuf) < 0) {
			fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, cap->name, errbuf);
			return -1;
		}
	}
	return 0;
}

static void watch_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct watch_ctx *ctx = (struct watch_ctx *)(void *)user;
	int index = ctx->current_cap;
	/* Nanosecond precision was asked for: tv_usec holds nanoseconds. */
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
	if (ctx->first_ns == 0)
		ctx->first_ns = ts;
	if (ts > ctx->last_ns)
		ctx->last_ns = ts;
	ik_watch_frame(ctx->engine, ctx->caps[index].link, data, h->caplen, h->len, ts, index);
}

static int watch_offline(struct watch_ctx *ctx)
{
	struct watch_cap *cap = &ctx->caps[0];
	int64_t interval = ctx->opt.stats_interval * 1000000000;
	for (;;) {
		int n = pcap_dispatch(cap->pcap, 4096, watch_packet, (u_char *)ctx);
		if (n < 0) {
			if (n == PCAP_ERROR_BREAK)
				return 0;
			fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, ctx->opt.file,
				pcap_geterr(cap->pcap));
			return -1;
		}
		if (n == 0 || watch_stop)
			return 0;
		/* Stats on packet time, so a replay reports as the live run would have. */
		if (ctx->has_eve && interval > 0) {
			if (ctx->next_stats_ns == 0)
				ctx->next_stats_ns = ctx->first_ns + interval;
			while (ctx->last_ns >= ctx->next_stats_ns) {
				watch_eve_stats(ctx, ctx->next_stats_ns);
				ctx->next_stats_ns += interval;
			}
		}
	}
}

static int watch_live(struct watch_ctx *ctx)
{
	struct pollfd fds[WATCH_MAX_IFACES];
	for (int i = 0; i < ctx->cap_count; i++) {
		fds[i].fd = pcap_get_selectable_fd(ctx->caps[i].pcap);
		fds[i].events = POLLIN;
		fprintf(stderr, "%s: listening on %s, link-type %s, snapshot length %lld bytes, "
				"buffer %lld KiB\n",
			WATCH_PROG, ctx->caps[i].name,
			pcap_datalink_val_to_name(pcap_datalink(ctx->caps[i].pcap)),
			ctx->opt.snaplen, ctx->opt.buffer_kib);
	}
	int64_t interval = ctx->opt.stats_interval * 1000000000;
	int64_t end = ctx->opt.duration ? ctx->start_mono_ns + ctx->opt.duration * 1000000000 : 0;
	ctx->next_stats_ns = ctx->start_mono_ns + interval;
	while (!watch_stop) {
		int64_t now = watch_mono_ns();
		if (end && now >= end)
			break;
		if (ctx->has_eve && interval > 0 && now >= ctx->next_stats_ns) {
			watch_eve_stats(ctx, ctx->last_ns ? ctx->last_ns : now);
			ctx->next_stats_ns += interval;
		}
		int rc = poll(fds, (nfds_t)ctx->cap_count, 100);
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", WATCH_PROG, strerror(errno));
			return -1;
		}
		/* Every ring, every time: a TPACKET_V3 block may be ready before poll says so. */
		for (int i = 0; i < ctx->cap_count; i++) {
			ctx->current_cap = i;
			int n;
			do {
				n = pcap_dispatch(ctx->caps[i].pcap, 4096, watch_packet, (u_char *)ctx);
			} while (n > 0 && !watch_stop);
			if (n < 0 && n != PCAP_ERROR_BREAK) {
				fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, ctx->caps[i].name,
					pcap_geterr(ctx->caps[i].pcap));
				return -1;
			}
		}
		watch_block_flush(ctx);
	}
	return 0;
}

static void watch_summary(struct watch_ctx *ctx)
{
	struct ik_watch_stats st;
	ik_watch_stats(ctx->engine, &st);
	struct watch_kernel k;
	watch_kernel_stats(ctx, &k);
	fprintf(stderr,
		"%s: %" PRIu64 " packets (%" PRIu64 " ICMP, %" PRIu64 " ICMPv6, %" PRIu64
		" fragments), %" PRIu64 " alerts (%" PRIu64 " repeats held back)",
		WATCH_PROG, st.frames, st.icmp4, st.icmp6, st.fragments, st.alerts,
		st.alerts_suppressed);
	if (ctx->is_live)
		fprintf(stderr, "; kernel: %" PRIu64 " received, %" PRIu64 " dropped, %" PRIu64
				" dropped by the interface",
			k.received, k.dropped, k.ifdropped);
	fputc('\n', stderr);
}

int cmd_watch(int argc, char **argv)
{
	static char stdout_buf[1 << 16];
	struct watch_ctx *ctx = calloc(1, sizeof *ctx);
	int status = EXIT_NOREPLY;
	if (!ctx) {
		fprintf(stderr, "%s: out of memory\n", WATCH_PROG);
		return EXIT_NOREPLY;
	}
	int prc = watch_parse(argc, argv, &ctx->opt);
	if (prc != 0 || watch_load_conf(ctx) < 0) {
		free(ctx);
		return prc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (ctx->opt.iface_count)
		watch_learn_broadcasts(ctx);
	if (watch_open(ctx) < 0)
		goto out;
	if (ctx->opt.eve_path) {
		bool is_stdout = strcmp(ctx->opt.eve_path, "-") == 0;
		ctx->eve_file = is_stdout ? stdout : fopen(ctx->opt.eve_path, "a");
		if (!ctx->eve_file) {
			fprintf(stderr, "%s: %s: %s\n", WATCH_PROG, ctx->opt.eve_path, strerror(errno));
			goto out;
		}
		if (is_stdout)
			ctx->opt.is_quiet = true; /* one stream: JSON only */
		if (jsonw_init(&ctx->jw, ctx->eve_file, WATCH_JSON_BUF) < 0) {
			fprintf(stderr, "%s: out of memory\n", WATCH_PROG);
			goto out;
		}
		ctx->has_eve = true;
	}
	/* The capture and the EVE file are open: nothing after this needs root,
	 * except nft for --block, which keeps it. */
	if (!ctx->opt.block_seconds && privs_drop(WATCH_PROG) < 0)
		goto out;
	if (!ctx->is_live && !ctx->opt.is_quiet)
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
	struct ik_watch_callbacks cb = {.alert = watch_on_alert,
					.flow = ctx->opt.is_flows && ctx->has_eve ? watch_on_flow
										  : NULL,
					.user = ctx};
	int rc = ik_watch_new(&ctx->conf, &cb, &ctx->engine);
	if (rc != IK_OK) {
		fprintf(stderr, "%s: %s\n", WATCH_PROG, ik_strerror(rc));
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watch_on_signal;
	sigemptyset(&sa.sa_mask);
	watch_stop = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ctx->start_mono_ns = watch_mono_ns();
	int lrc = ctx->is_live ? watch_live(ctx) : watch_offline(ctx);
	watch_block_flush(ctx);
	bool is_out_failed = false;
	if (ctx->has_eve)
		watch_eve_stats(ctx, ctx->last_ns ? ctx->last_ns : (int64_t)time(NULL) * 1000000000);
	ik_watch_finish(ctx->engine); /* the flows still open, after the stats that count them */
	if (ctx->has_eve)
		is_out_failed = jsonw_finish(&ctx->jw) < 0;
	is_out_failed |= fflush(stdout) != 0;
	if (is_out_failed)
		fprintf(stderr, "%s: writing output failed\n", WATCH_PROG);
	watch_summary(ctx);
	status = lrc < 0 || is_out_failed ? EXIT_NOREPLY : EXIT_OK;
out:
	for (int i = 0; i < ctx->cap_count; i++) {
		if (ctx->caps[i].pcap)
			pcap_close(ctx->caps[i].pcap);
	}
	if (ctx->eve_file && ctx->eve_file != stdout)
		fclose(ctx->eve_file);
	ik_watch_free(ctx->engine);
	free(ctx);
	return status;
}
