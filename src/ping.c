/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit ping: iputils-compatible echo with kernel timestamps, keyed cookies and JSON output. */
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
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/icmpkit.h"
#include "icmpkit/cookie.h"
#include "icmpkit/stats.h"
#include "jsonw.h"
#include "ping.h"

/* iputils' limits, so scripts see the same boundaries. */
#define PING_DEFAULT_SIZE 56
#define PING_MAX_SIZE4 65507 /* 65535 - 20 (IPv4 header) - 8 (ICMP header) */
#define PING_MAX_SIZE6 65527 /* 65535 - 8: the IPv6 payload length covers ICMPv6 only */
#define PING_MAX_PRELOAD 65536
#define PING_MIN_USER_INTERVAL_MS 200 /* iputils MINUSERINTERVAL for non-root */
#define PING_FLOOD_WAIT_MS 10         /* flood: at most 100 probes/s while nothing comes back */
#define PING_DEFAULT_LINGER_MS 10000  /* -W default: wait this long for the last reply */
#define PING_SEQ_SLOTS 65536          /* one slot per 16-bit sequence number */
#define PING_HDR_LEN 16               /* payload head: send time + cookie (iputils' timeval area) */
#define PING_BUF_LEN (65535 + 512)

/* Set from signal handlers only (STYLE.md). */
static volatile sig_atomic_t sig_exit;
static volatile sig_atomic_t sig_status;

static void on_exit_signal(int signo)
{
	(void)signo;
	sig_exit = 1;
}

static void on_status_signal(int signo)
{
	(void)signo;
	sig_status = 1;
}

/* Per sequence number: when it left and what came back. */
struct ping_slot {
	int64_t send_ns;  /* CLOCK_REALTIME read just before sendto */
	int64_t tx_ns;    /* kernel transmit stamp, 0 when none arrived */
	uint8_t cookie[8]; /* the keyed cookie the probe carried */
	bool is_sent;
	bool is_received; /* a valid reply was counted (dup detection) */
	bool is_errored;  /* an ICMP error was counted for it */
	bool is_reported; /* JSON: timeout already reported */
};

/* The whole state of one echo run: one context struct, no globals. */
struct ping_ctx {
	const struct ping_opts *o;
	const struct ping_target *t;
	struct ik_sock *sock;
	int family;
	bool is_raw;
	uint16_t ident;
	struct ik_cookie_key key;
	uint8_t *outpack; /* ICMP header + size bytes */
	size_t outpack_len;
	uint8_t *inbuf;
	struct ping_slot *slots;
	uint16_t *txid_seq; /* OPT_ID counter -> sequence number */
	uint32_t tx_sent;   /* successful sends, the OPT_ID counter */
	bool has_tx_stamps;
	bool has_tx_seen;   /* at least one TX stamp arrived */
	/* Counters, as iputils keeps them. */
	long long ntransmitted, nreceived, nrepeats, nchecksum, nerrors;
	long long nforeign; /* replies failing id/window/cookie checks */
	uint16_t acked;
	int pipesize;
	struct ik_stats st;
	bool is_timing;
	int64_t start_mono_ns, last_send_mono_ns;
	int interval_ms;    /* current interval (adaptive changes it) */
	int64_t rtt_addend_us;
	int64_t exit_at_ns;  /* 0 = not scheduled */
	int64_t deadline_ns; /* 0 = none */
	long long linger_ms;
	int64_t next_send_ns;
	int64_t flood_tokens_ms;
	bool is_multicast;
	char last_from_key[IK_ADDR_STRLEN + 20];
	char last_from[512];
	struct jsonw json;
	uint16_t timeout_scan; /* JSON: oldest sequence not yet settled */
	long long timeout_scan_count;
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* iputils' usage text is what scripts grep; ours adds icmpkit's options. */
static void ping_help(FILE *out, const char *prog)
{
	fprintf(out,
		"\nUsage\n"
		"  %s [options] <destination>\n"
		"\nOptions:\n"
		"  <destination>      dns name or ip address\n"
		"  -a                 use audible ping\n"
		"  -A                 use adaptive ping\n"
		"  -c <count>         stop after <count> replies\n"
		"  -D                 print timestamps\n"
		"  -f                 flood ping\n"
		"  -h, --help         print help and exit\n"
		"  -I <interface>     either interface name or address\n"
		"  -i <interval>      seconds between sending each packet\n"
		"  -l <preload>       send <preload> number of packages while waiting replies\n"
		"  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want|probe>\n"
		"  -n                 no dns name resolution\n"
		"  -O                 report outstanding replies\n"
		"  -p <pattern>       contents of padding byte\n"
		"  -q                 quiet output\n"
		"  -Q <tclass>        use quality of service <tclass> bits\n"
		"  -s <size>          use <size> as number of data bytes to be sent\n"
		"  -t <ttl>           define time to live\n"
		"  -v                 verbose output\n"
		"  -V                 print version and exit\n"
		"  -w <deadline>      reply wait <deadline> in seconds\n"
		"  -W <timeout>       time to wait for response\n"
		"\nIPv4 options:\n"
		"  -4                 use IPv4\n"
		"  -b                 allow pinging broadcast\n"
		"\nIPv6 options:\n"
		"  -6                 use IPv6\n"
		"\nicmpkit options:\n"
		"  --json             one JSON object per reply, error and timeout, then a summary\n"
		"  --percentiles      add a median/p95/p99/jitter line after the statistics\n"
		"  --timestamp        ICMP Timestamp (type 13) probes with clock offset\n"
		"  --probe <if>       RFC 8335 PROBE about interface <if> (name, index or address)\n"
		"\nTiming: the RTT is the kernel's receive stamp (SO_TIMESTAMPNS) minus the\n"
		"kernel's transmit stamp (SO_TIMESTAMPING, software; hardware where the NIC\n"
		"has it). When no transmit stamp arrives, the clock read just before\n"
		"sendto() stands in; a flood (-f without -i) always uses that clock read,\n"
		"to save a kernel clone and a read per probe. --json says which source\n"
		"each reply used.\n"
		"Replies count only when identifier, sequence window and a SipHash-2-4\n"
		"cookie keyed per run all match.\n"
		"\nExit status: 0 a reply came, 1 no reply (or fewer than -c with -w), 2 error.\n"
		"For more details see icmpkit-ping(1).\n",
		prog);
}

/* iputils-worded numeric option: "invalid argument: 'x'" or the range. */
static int ping_number(const struct ping_opts *o, const char *text, long long min, long long max,
		       long long *out)
{
	int rc = opt_parse_number(text, min, max, out);
	if (rc == OPT_NUM_INVALID) {
		fprintf(stderr, "%s: invalid argument: '%s'\n", o->prog, text);
		return -1;
	}
	if (rc == OPT_NUM_RANGE) {
		fprintf(stderr, "%s: invalid argument: '%s': out of range: %lld <= value <= %lld\n",
			o->prog, text, min, max);
		return -1;
	}
	return 0;
}

/* A decimal number of seconds (-i, -W, -w): finite, not negative, no junk. */
static int ping_seconds(const struct ping_opts *o, const char *what, const char *text, double max,
			double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (!*text || end == text || *end || errno || !isfinite(v) || v < 0.0 || v > max) {
		fprintf(stderr, "%s: %s: %s\n", o->prog, what, text);
		return -1;
	}
	*out = v;
	return 0;
}

/* iputils parsetos(): decimal or 0x hex, at most 255. */
static int ping_tos(const struct ping_opts *o, const char *text, int *out)
{
	char *end = NULL;
	long v;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		v = strtol(text + 2, &end, 16);
	else
		v = strtol(text, &end, 10);
	if (*end || end == text) {
		fprintf(stderr, "%s: bad TOS value: %s\n", o->prog, text);
		return -1;
	}
	if (v < 0 || v > 255) {
		fprintf(stderr, "%s: the decimal value of TOS bits must be in range 0-255: %ld\n",
			o->prog, v);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* -p: up to 16 bytes given as hex digits. */
static int ping_pattern(struct ping_opts *o, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		      (*p >= 'A' && *p <= 'F'))) {
			fprintf(stderr, "%s: patterns must be specified as hex digits: %s\n", o->prog,
				p);
			return -1;
		}
	}
	o->pattern_len = 0;
	for (size_t i = 0; text[i] && o->pattern_len < PING_PATTERN_MAX; i += 2) {
		char hex[3] = {text[i], text[i + 1], 0};
		o->pattern[o->pattern_len++] = (uint8_t)strtoul(hex, NULL, 16);
		if (!text[i + 1])
			break;
	}
	return 0;
}

enum { OPT_JSON = 256, OPT_PERCENTILES, OPT_TIMESTAMP, OPT_PROBE, OPT_HELP };

/* Parses argv into o; returns -1 (message printed) on a usage error, 1 for help/version. */
static int ping_parse(int argc, char **argv, struct ping_opts *o, const char **host)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"percentiles", no_argument, NULL, OPT_PERCENTILES},
	    {"timestamp", no_argument, NULL, OPT_TIMESTAMP},
	    {"probe", required_argument, NULL, OPT_PROBE},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	long long n;
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+46aAbc:DfhI:i:l:M:nOp:qQ:s:t:vVw:W:", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case '4':
		case '6':
			if (o->family && o->family != (ch == '4' ? 4 : 6)) {
				fprintf(stderr, "%s: only one -4 or -6 option may be specified\n",
					o->prog);
				return -1;
			}
			o->family = ch == '4' ? 4 : 6;
			break;
		case 'a':
			o->is_audible = true;
			break;
		case 'A':
			o->is_adaptive = true;
			break;
		case 'b':
			o->is_broadcast = true;
			break;
		case 'c':
			if (ping_number(o, optarg, 1, INT64_MAX, &o->count))
				return -1;
			break;
		case 'D':
			o->print_timestamps = true;
			break;
		case 'f':
			o->is_flood = true;
			o->is_numeric = true; /* as iputils: no lookups during a flood */
			break;
		case 'h':
		case OPT_HELP:
			ping_help(stdout, o->prog);
			return 1;
		case 'I': {
			struct ik_addr a;
			if (ik_addr_parse(optarg, &a) == IK_OK)
				o->source = a;
			else if (strchr(optarg, ':')) {
				fprintf(stderr, "%s: invalid source address: %s\n", o->prog, optarg);
				return -1;
			} else
				o->interface = optarg;
			break;
		}
		case 'i':
			if (ping_seconds(o, "bad timing interval", optarg, 2147483.0, &o->interval_s))
				return -1;
			o->has_interval = true;
			o->interval_ms = (long long)(o->interval_s * 1000.0);
			break;
		case 'l':
			if (ping_number(o, optarg, 1, PING_MAX_PRELOAD, &o->preload))
				return -1;
			if (!o->is_root && o->preload > 3) {
				fprintf(stderr, "%s: cannot set preload to value greater than 3: %lld\n",
					o->prog, o->preload);
				return -1;
			}
			break;
		case 'M':
			if (strcmp(optarg, "do") == 0)
				o->pmtu = IK_PMTU_DO;
			else if (strcmp(optarg, "dont") == 0)
				o->pmtu = IK_PMTU_DONT;
			else if (strcmp(optarg, "want") == 0)
				o->pmtu = IK_PMTU_WANT;
			else if (strcmp(optarg, "probe") == 0)
				o->pmtu = IK_PMTU_PROBE;
			else {
				fprintf(stderr, "%s: invalid -M argument: %s\n", o->prog, optarg);
				return -1;
			}
			break;
		case 'n':
			o->is_numeric = true;
			break;
		case 'O':
			o->report_outstanding = true;
			break;
		case 'p':
			if (ping_pattern(o, optarg))
				return -1;
			break;
		case 'q':
			o->is_quiet = true;
			break;
		case 'Q':
			if (ping_tos(o, optarg, &o->tos))
				return -1;
			break;
		case 's':
			if (ping_number(o, optarg, 0, PING_MAX_SIZE6, &o->size))
				return -1;
			break;
		case 't':
			if (ping_number(o, optarg, 0, 255, &n))
				return -1;
			o->ttl = (int)n;
			o->has_ttl = true;
			break;
		case 'v':
			o->is_verbose = true;
			break;
		case 'V':
			printf("%s from icmpkit %s\n", o->prog, IK_VERSION);
			return 1;
		case 'w':
			if (ping_seconds(o, "invalid argument", optarg, 2147483.0, &o->deadline_s))
				return -1;
			break;
		case 'W':
			if (ping_seconds(o, "bad linger time", optarg, 2147483.0, &o->timeout_s))
				return -1;
			o->has_timeout = true;
			break;
		case OPT_JSON:
			o->is_json = true;
			break;
		case OPT_PERCENTILES:
			o->has_percentiles = true;
			break;
		case OPT_TIMESTAMP:
			o->is_timestamp = true;
			break;
		case OPT_PROBE:
			o->probe_arg = optarg;
			break;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, "%s: invalid option -- '%c'\n", o->prog, optopt);
			else
				fprintf(stderr, "%s: invalid option '%s'\n", o->prog, argv[optind - 1]);
			ping_help(stderr, o->prog);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: usage error: Destination address required\n", o->prog);
		return -1;
	}
	*host = argv[argc - 1];
	/* Incompatible options are rejected after parsing (STYLE.md). */
	if (o->is_timestamp && o->probe_arg) {
		fprintf(stderr, "%s: --timestamp and --probe cannot be combined\n", o->prog);
		return -1;
	}
	if (o->is_flood && o->has_interval && o->interval_ms == 0 && !o->is_root) {
		fprintf(stderr, "%s: cannot flood; minimal interval allowed for user is %dms\n",
			o->prog, PING_MIN_USER_INTERVAL_MS);
		return -1;
	}
	if (!o->is_root && ((o->has_interval && o->interval_ms < PING_MIN_USER_INTERVAL_MS) ||
			    (o->is_flood && !o->has_interval))) {
		fprintf(stderr, "%s: cannot flood; minimal interval allowed for user is %dms\n",
			o->prog, PING_MIN_USER_INTERVAL_MS);
		return -1;
	}
	if (o->is_json && o->is_flood)
		o->is_quiet = true; /* the dots would corrupt the JSON stream */
	return 0;
}

/* Resolves HOST like iputils: literal first, else getaddrinfo with the canonical name. */
static int ping_resolve(const struct ping_opts *o, const char *host, struct ping_target *t)
{
	memset(t, 0, sizeof *t);
	t->arg = host;
	struct ik_addr a;
	if (ik_addr_parse(host, &a) == IK_OK) {
		if (o->family && a.family != o->family) {
			fprintf(stderr, "%s: %s: Address family for hostname not supported\n",
				o->prog, host);
			return -1;
		}
		t->addr = a;
		snprintf(t->name, sizeof t->name, "%s", host);
	} else {
		struct addrinfo hints = {
		    .ai_family = o->family == 4 ? AF_INET : o->family == 6 ? AF_INET6 : AF_UNSPEC,
		    .ai_socktype = SOCK_DGRAM,
		    .ai_protocol = IPPROTO_UDP,
		    .ai_flags = AI_CANONNAME,
		};
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(host, NULL, &hints, &res);
		if (rc != 0) {
			fprintf(stderr, "%s: %s: %s\n", o->prog, host, gai_strerror(rc));
			return -1;
		}
		const struct addrinfo *ai = res;
		if (ai->ai_family == AF_INET) {
			uint8_t b[4];
			memcpy(b, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
			ik_addr_set4(&t->addr, b);
		} else {
			uint8_t b[16];
			memcpy(b, &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
			memset(&t->addr, 0, sizeof t->addr);
			ik_addr_set6(&t->addr, b);
		}
		snprintf(t->name, sizeof t->name, "%s", ai->ai_canonname ? ai->ai_canonname : host);
		freeaddrinfo(res);
	}
	if (ik_addr_format(&t->addr, t->addr_text, sizeof t->addr_text) < 0)
		return -1;
	return 0;
}

/* iputils pr_addr(): "name (addr)" when a reverse lookup answers, else "addr"; one-entry cache. */
static const char *ping_pr_addr(struct ping_ctx *c, const struct ik_addr *a)
{
	char text[IK_ADDR_STRLEN + 20];
	if (ik_addr_format(a, text, sizeof text) < 0)
		snprintf(text, sizeof text, "?");
	if (c->last_from[0] && strcmp(text, c->last_from_key) == 0)
		return c->last_from;
	snprintf(c->last_from_key, sizeof c->last_from_key, "%s", text);
	char name[NI_MAXHOST] = "";
	if (!c->o->is_numeric && !sig_exit) {
		struct sockaddr_storage ss;
		socklen_t sl = ik_addr_to_sockaddr(a, 0, &ss);
		if (getnameinfo((struct sockaddr *)&ss, sl, name, sizeof name, NULL, 0, NI_NAMEREQD))
			name[0] = '\0';
	}
	/* Link-local senders carry their zone, as getnameinfo() writes it for iputils. */
	if (a->family == 6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80 &&
	    c->o->interface) {
		size_t n = strlen(text);
		snprintf(text + n, sizeof text - n, "%%%s", c->o->interface);
	}
	if (name[0])
		snprintf(c->last_from, sizeof c->last_from, "%s (%s)", name, text);
	else
		snprintf(c->last_from, sizeof c->last_from, "%s", text);
	return c->last_from;
}

static void ping_print_timestamp(const struct ping_ctx *c)
{
	if (!c->o->print_timestamps)
		return;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("[%lu.%06lu] ", (unsigned long)tv.tv_sec, (unsigned long)tv.tv_usec);
}

static void ping_write(const char *s, size_t len)
{
	fflush(stdout);
	if (write(STDOUT_FILENO, s, len) < 0)
		return; /* nothing useful to do about a closed terminal mid-flood */
}

/* The outstanding window as iputils counts it, from the highest acknowledged seq. */
static int ping_in_flight(const struct ping_ctx *c)
{
	uint16_t diff = (uint16_t)((uint16_t)c->ntransmitted - c->acked);
	return diff <= 0x7fff ? diff : 0;
}

static void ping_acknowledge(struct ping_ctx *c, uint16_t seq)
{
	uint16_t diff = (uint16_t)((uint16_t)c->ntransmitted - seq);
	if (diff <= 0x7fff) {
		if ((int)diff + 1 > c->pipesize)
			c->pipesize = (int)diff + 1;
		if ((int16_t)(seq - c->acked) > 0 ||
		    (uint16_t)((uint16_t)c->ntransmitted - c->acked) > 0x7fff)
			c->acked = seq;
	}
}

/* True when seq was sent by this run and is within the last half of the sequence space. */
static bool ping_seq_in_window(const struct ping_ctx *c, uint16_t seq)
{
	uint16_t diff = (uint16_t)((uint16_t)c->ntransmitted - seq);
	long long window = c->ntransmitted < 0x8000 ? c->ntransmitted : 0x8000;
	return diff < window && c->slots[seq].is_sent;
}

/* Builds the ICMP echo request for seq into outpack; returns its length. */
static size_t ping_build(struct ping_ctx *c, uint16_t seq, int64_t send_ns, uint8_t cookie[8])
{
	uint8_t *p = c->outpack;
	p[0] = c->family == 4 ? IK_ICMP4_ECHO_REQUEST : IK_ICMP6_ECHO_REQUEST;
	p[1] = 0;
	p[2] = p[3] = 0;
	p[4] = (uint8_t)(c->ident >> 8);
	p[5] = (uint8_t)c->ident;
	p[6] = (uint8_t)(seq >> 8);
	p[7] = (uint8_t)seq;
	if (c->is_timing) {
		uint64_t t = (uint64_t)send_ns;
		for (int i = 0; i < 8; i++)
			p[8 + i] = (uint8_t)(t >> (56 - 8 * i));
		ik_cookie_make(&c->key, &c->t->addr, c->ident, seq, send_ns, p + 16);
		memcpy(cookie, p + 16, 8);
	}
	/* Raw IPv4 sockets leave the checksum to us; the kernel does ICMPv6 and ping sockets. */
	if (c->family == 4 && c->is_raw) {
		uint16_t ck = ik_cksum(p, c->outpack_len);
		p[2] = (uint8_t)(ck >> 8);
		p[3] = (uint8_t)ck;
	}
	return c->outpack_len;
}

static void json_ms(struct jsonw *w, const char *key, int64_t ns)
{
	jsonw_key(w, key);
	if (ns < 0) {
		jsonw_null(w);
		return;
	}
	jsonw_time(w, ns / 1000000, (uint32_t)(ns % 1000000));
}

static void json_addr(struct jsonw *w, const char *key, const struct ik_addr *a)
{
	char text[IK_ADDR_STRLEN];
	if (ik_addr_format(a, text, sizeof text) < 0)
		text[0] = '\0';
	jsonw_kstr(w, key, text);
}

/* Handles an error queue entry: ICMP errors about our probes, local errors, TX stamps. */
static void ping_handle_err(struct ping_ctx *c, const struct ik_sock_err *e, const uint8_t *q)
{
	const struct ping_opts *o = c->o;
	if (e->kind == IK_SOCKERR_TXSTAMP) {
		if (e->has_ts) {
			uint16_t seq = c->txid_seq[e->tx_id & 0xffff];
			if (c->slots[seq].is_sent && c->slots[seq].tx_ns == 0) {
				c->slots[seq].tx_ns = ts_ns(&e->ts);
				c->has_tx_seen = true;
			}
		}
		return;
	}
	if (e->kind == IK_SOCKERR_LOCAL) {
		c->nerrors++;
		if (o->is_quiet || o->is_json) {
			if (o->is_json) {
				jsonw_obj_begin(&c->json);
				jsonw_kstr(&c->json, "type", "local_error");
				jsonw_kstr(&c->json, "error", strerror(e->err_no));
				if (e->err_no == EMSGSIZE)
					jsonw_kuint(&c->json, "mtu", e->info);
				jsonw_obj_end(&c->json);
				jsonw_eol(&c->json);
			}
			return;
		}
		if (o->is_flood)
			ping_write("E", 1);
		else if (e->err_no != EMSGSIZE) {
			fflush(stdout);
			fprintf(stderr, "%s: local error: %s\n", o->prog, strerror(e->err_no));
		} else {
			fflush(stdout);
			fprintf(stderr, "%s: local error: message too long, mtu=%u\n", o->prog,
				e->info);
		}
		return;
	}
	if (e->kind != IK_SOCKERR_ICMP)
		return;
	/* The quoted probe: skip a raw socket's IPv4 header, then read its ICMP header. */
	size_t off = 0;
	if (e->has_ip_header)
		off = (size_t)(q[0] & 0x0f) * 4;
	if (e->quoted_len < off + 8 || !ik_addr_equal(&e->dst, &c->t->addr))
		return;
	const uint8_t *ic = q + off;
	uint8_t want = c->family == 4 ? IK_ICMP4_ECHO_REQUEST : IK_ICMP6_ECHO_REQUEST;
	uint16_t id = (uint16_t)(ic[4] << 8 | ic[5]);
	uint16_t seq = (uint16_t)(ic[6] << 8 | ic[7]);
	if (ic[0] != want || (c->is_raw && id != c->ident) || !ping_seq_in_window(c, seq))
		return;
	ping_acknowledge(c, seq);
	c->nerrors++;
	c->slots[seq].is_errored = true;
	struct ik_icmp m;
	memset(&m, 0, sizeof m);
	m.version = (uint8_t)c->family;
	m.type = e->type;
	m.code = e->code;
	m.mtu = e->info;
	m.pointer = e->info;
	char desc[160];
	if (ik_icmp_describe(&m, desc, sizeof desc) < 0)
		snprintf(desc, sizeof desc, "Bad ICMP type: %d", e->type);
	struct ik_addr from = e->has_offender ? e->offender : c->t->addr;
	if (o->is_json) {
		jsonw_obj_begin(&c->json);
		jsonw_kstr(&c->json, "type", "error");
		jsonw_kuint(&c->json, "seq", seq);
		json_addr(&c->json, "from", &from);
		jsonw_kuint(&c->json, "icmp_type", e->type);
		jsonw_kuint(&c->json, "icmp_code", e->code);
		if (e->info)
			jsonw_kuint(&c->json, "info", e->info);
		jsonw_kstr(&c->json, "text", desc);
		jsonw_obj_end(&c->json);
		jsonw_eol(&c->json);
		return;
	}
	if (o->is_quiet)
		return;
	if (o->is_flood) {
		ping_write("\bE", 2);
		return;
	}
	ping_print_timestamp(c);
	printf("From %s icmp_seq=%u %s\n", ping_pr_addr(c, &from), seq, desc);
	fflush(stdout);
}

static void ping_drain_errqueue(struct ping_ctx *c)
{
	struct ik_sock_err e;
	uint8_t q[2048];
	while (ik_sock_recv_err(c->sock, q, sizeof q, &e) == IK_OK)
		ping_handle_err(c, &e, q);
}

/*
 * Reads the error queue until seq's transmit stamp turns up or the queue is
 * empty: usually one read, since the stamp is queued before the reply.
 */
static void ping_fetch_tx(struct ping_ctx *c, uint16_t seq)
{
	struct ik_sock_err e;
	uint8_t q[2048];
	for (int i = 0; i < 64 && c->slots[seq].tx_ns == 0; i++) {
		if (ik_sock_recv_err(c->sock, q, sizeof q, &e) != IK_OK)
			return;
		ping_handle_err(c, &e, q);
	}
}

/* iputils' time= formatting: fewer decimals as the RTT grows. */
static void ping_print_time(int64_t us)
{
	if (us >= 100000 - 50)
		printf(" time=%ld ms", (long)((us + 500) / 1000));
	else if (us >= 10000 - 5)
		printf(" time=%ld.%01ld ms", (long)((us + 50) / 1000), (long)(((us + 50) % 1000) / 100));
	else if (us >= 1000)
		printf(" time=%ld.%02ld ms", (long)((us + 5) / 1000), (long)(((us + 5) % 1000) / 10));
	else
		printf(" time=%ld.%03ld ms", (long)(us / 1000), (long)(us % 1000));
}

static void ping_update_interval(struct ping_ctx *c)
{
	int64_t est = c->st.count ? c->st.ewma8_us / 8 : (int64_t)c->interval_ms * 1000;
	c->interval_ms = (int)((est + c->rtt_addend_us + 500) / 1000);
	if (!c->o->is_root && c->interval_ms < PING_MIN_USER_INTERVAL_MS)
		c->interval_ms = PING_MIN_USER_INTERVAL_MS;
}

/* One received packet: our echo reply, an error quoting our probe (raw), or foreign. */
static void ping_handle_packet(struct ping_ctx *c, const uint8_t *buf, size_t len,
			       const struct ik_sock_info *info)
{
	const struct ping_opts *o = c->o;
	size_t off = 0;
	int ttl = info->ttl;
	if (info->has_ip_header) {
		if (len < 20 || (buf[0] >> 4) != 4 || (buf[0] & 0x0f) < 5)
			return;
		off = (size_t)(buf[0] & 0x0f) * 4;
		if (len < off + 8) {
			if (o->is_verbose && !o->is_json)
				fprintf(stderr, "%s: packet too short (%zu bytes) from %s\n", o->prog,
					len, ping_pr_addr(c, &info->from));
			return;
		}
		ttl = buf[8];
	}
	const uint8_t *ic = buf + off;
	size_t cc = len - off;
	if (cc < 8)
		return;
	uint8_t reply = c->family == 4 ? IK_ICMP4_ECHO_REPLY : IK_ICMP6_ECHO_REPLY;
	if (ic[0] != reply) {
		/*
		 * A raw socket also sees the ICMP errors the error queue reports;
		 * they are counted there, with the offender's address.
		 */
		return;
	}
	uint16_t id = (uint16_t)(ic[4] << 8 | ic[5]);
	uint16_t seq = (uint16_t)(ic[6] << 8 | ic[7]);
	if ((c->is_raw && id != c->ident) || !ping_seq_in_window(c, seq)) {
		c->nforeign++;
		return;
	}
	/* ICMPv4 checksum: raw sockets hand us the bytes unchecked. */
	bool is_csfailed = c->family == 4 && c->is_raw && ik_cksum(ic, cc) != 0;
	int64_t rtt_ns = -1;
	bool used_tx = false;
	if (c->is_timing) {
		if (cc < 8 + PING_HDR_LEN) {
			c->nforeign++;
			return;
		}
		/* The cookie proves the reply echoes a probe of this run (STYLE.md):
		 * it must carry the send time and keyed cookie this seq went out with. */
		int64_t sent = 0;
		for (int i = 0; i < 8; i++)
			sent = (int64_t)((uint64_t)sent << 8 | ic[8 + i]);
		if (sent != c->slots[seq].send_ns || !ik_cookie_equal(c->slots[seq].cookie, ic + 16, 8)) {
			c->nforeign++;
			return;
		}
		if (c->has_tx_stamps && c->slots[seq].tx_ns == 0)
			ping_fetch_tx(c, seq);
		int64_t t_rx = info->has_ts ? ts_ns(&info->ts) : now_ns(CLOCK_REALTIME);
		int64_t t_tx = c->slots[seq].tx_ns;
		used_tx = t_tx != 0;
		rtt_ns = t_rx - (used_tx ? t_tx : sent);
		/* Our own looped-back multicast is received before the NIC stamps it. */
		if (rtt_ns < 0 && used_tx) {
			used_tx = false;
			rtt_ns = t_rx - sent;
		}
		if (rtt_ns < 0)
			rtt_ns = 0;
	}
	c->nreceived++;
	if (!is_csfailed)
		ping_acknowledge(c, seq);
	if (!is_csfailed && rtt_ns >= 0) {
		ik_stats_add(&c->st, rtt_ns);
		if (o->is_adaptive)
			ping_update_interval(c);
	}
	bool is_dup = false;
	if (is_csfailed) {
		c->nchecksum++;
		c->nreceived--;
	} else if (c->slots[seq].is_received) {
		c->nrepeats++;
		c->nreceived--;
		is_dup = true;
	} else {
		c->slots[seq].is_received = true;
	}
	int64_t us = rtt_ns >= 0 ? (rtt_ns + 500) / 1000 : -1;
	if (o->is_json) {
		jsonw_obj_begin(&c->json);
		jsonw_kstr(&c->json, "type", "reply");
		jsonw_kuint(&c->json, "seq", seq);
		json_addr(&c->json, "from", &info->from);
		jsonw_kuint(&c->json, "bytes", cc);
		if (ttl >= 0)
			jsonw_kuint(&c->json, "ttl", (uint64_t)ttl);
		json_ms(&c->json, "rtt_ms", rtt_ns);
		if (rtt_ns >= 0)
			jsonw_kstr(&c->json, "rtt_source",
				   used_tx ? "kernel_tx_rx" : info->has_ts ? "user_tx_kernel_rx"
									: "user");
		jsonw_kbool(&c->json, "dup", is_dup);
		jsonw_kbool(&c->json, "bad_checksum", is_csfailed);
		jsonw_obj_end(&c->json);
		jsonw_eol(&c->json);
		return;
	}
	if (o->is_quiet)
		return;
	if (o->is_flood) {
		if (!is_csfailed)
			ping_write("\b \b", 3);
		else
			ping_write("\bC", 2);
		if (o->is_audible)
			ping_write("\a", 1);
		return;
	}
	ping_print_timestamp(c);
	printf("%zu bytes from %s: icmp_seq=%u", cc, ping_pr_addr(c, &info->from), seq);
	if (ttl >= 0)
		printf(" ttl=%d", ttl);
	if (cc < (size_t)o->size + 8) {
		printf(" (truncated)\n");
		fflush(stdout);
		return;
	}
	if (us >= 0)
		ping_print_time(us);
	if (is_dup && (!c->is_multicast || o->is_verbose))
		printf(" (DUP!)");
	if (is_csfailed)
		printf(" (BAD CHECKSUM!)");
	/* iputils checks the bytes after its timeval area against what it sent. */
	const uint8_t *got = ic + 8;
	const uint8_t *sent = c->outpack + 8;
	for (size_t i = PING_HDR_LEN; i < (size_t)o->size; i++) {
		if (got[i] != sent[i]) {
			printf("\nwrong data byte #%zu should be 0x%x but was 0x%x", i, sent[i],
			       got[i]);
			for (size_t j = PING_HDR_LEN; j < (size_t)o->size; j++) {
				if (j % 32 == PING_HDR_LEN)
					printf("\n#%zu\t", j);
				printf("%x ", got[j]);
			}
			break;
		}
	}
	if (o->is_audible)
		putchar('\a');
	putchar('\n');
	fflush(stdout);
}

static void ping_status(struct ping_ctx *c)
{
	sig_status = 0;
	int loss = 0;
	if (c->ntransmitted)
		loss = (int)(((c->ntransmitted - c->nreceived) * 100) / c->ntransmitted);
	fprintf(stderr, "\r%lld/%lld packets, %d%% loss", c->nreceived, c->ntransmitted, loss);
	if (c->nreceived && c->is_timing && c->st.count) {
		int64_t avg = ik_stats_avg_us(&c->st);
		fprintf(stderr, ", min/avg/ewma/max = %ld.%03ld/%ld.%03ld/%ld.%03ld/%ld.%03ld ms",
			(long)(c->st.min_us / 1000), (long)(c->st.min_us % 1000),
			(long)(avg / 1000), (long)(avg % 1000), (long)(c->st.ewma8_us / 8000),
			(long)((c->st.ewma8_us / 8) % 1000), (long)(c->st.max_us / 1000),
			(long)(c->st.max_us % 1000));
	}
	fprintf(stderr, "\n");
}

/*
 * Sends the next probe; now is the loop's CLOCK_MONOTONIC read, kept as its
 * send time. Returns 0, 1 when the queue was full (not sent: retry), or -1
 * after a hard local error (counted as sent, as iputils does).
 */
static int ping_send_one(struct ping_ctx *c, int64_t now)
{
	const struct ping_opts *o = c->o;
	uint16_t seq = (uint16_t)(c->ntransmitted + 1);
	if (o->report_outstanding && c->ntransmitted > 0 &&
	    !c->slots[(uint16_t)c->ntransmitted].is_received && !o->is_json) {
		ping_print_timestamp(c);
		printf("no answer yet for icmp_seq=%u\n", (unsigned)(uint16_t)c->ntransmitted);
		fflush(stdout);
	}
	struct ping_slot *s = &c->slots[seq];
	memset(s, 0, sizeof *s);
	int64_t send_ns = now_ns(CLOCK_REALTIME);
	size_t len = ping_build(c, seq, send_ns, s->cookie);
	s->send_ns = send_ns;
	s->is_sent = true;
	int rc = ik_sock_send(c->sock, &c->t->addr, c->outpack, len);
	c->last_send_mono_ns = now;
	if (rc >= 0) {
		if (c->has_tx_stamps)
			c->txid_seq[c->tx_sent & 0xffff] = seq;
		c->tx_sent++;
		c->ntransmitted++;
		if (!o->is_quiet && o->is_flood)
			ping_write(".", 1);
		return 0;
	}
	int err = ik_err_errno(rc);
	if (err == EAGAIN || err == ENOBUFS || err == ENOMEM) {
		/* Queue full: the probe did not leave; try again shortly. */
		s->is_sent = false;
		return 1;
	}
	/* A hard local error: iputils pretends the probe was sent and says why. */
	c->ntransmitted++;
	long long before = c->nerrors;
	ping_drain_errqueue(c);
	if (c->nerrors == before && !o->is_quiet) {
		if (o->is_flood)
			ping_write("E", 1);
		else if (!o->is_json) {
			fflush(stdout);
			fprintf(stderr, "%s: sendmsg: %s\n", o->prog, strerror(err));
		}
	}
	return -1;
}

/* Arms the exit timer once the last probe is out, as iputils' schedule_exit. */
static void ping_schedule_exit(struct ping_ctx *c, int64_t now)
{
	if (c->exit_at_ns)
		return;
	int64_t wait_us;
	if (c->nreceived) {
		wait_us = 2 * c->st.max_us;
		if (wait_us < (int64_t)c->interval_ms * 1000)
			wait_us = (int64_t)c->interval_ms * 1000;
	} else {
		wait_us = c->linger_ms * 1000;
	}
	c->exit_at_ns = now + wait_us * 1000;
}

/* JSON: reports probes older than the reply timeout that got neither reply nor error. */
static void ping_json_timeouts(struct ping_ctx *c, int64_t now_real, bool is_final)
{
	while (c->timeout_scan_count < c->ntransmitted) {
		uint16_t seq = (uint16_t)(c->timeout_scan_count + 1);
		struct ping_slot *s = &c->slots[seq];
		if (!is_final && s->is_sent && s->send_ns + c->linger_ms * 1000000 > now_real)
			break;
		if (s->is_sent && !s->is_received && !s->is_errored && !s->is_reported) {
			s->is_reported = true;
			jsonw_obj_begin(&c->json);
			jsonw_kstr(&c->json, "type", "timeout");
			jsonw_kuint(&c->json, "seq", seq);
			jsonw_obj_end(&c->json);
			jsonw_eol(&c->json);
		}
		c->timeout_scan_count++;
	}
}

static void ping_finish_text(struct ping_ctx *c, int64_t elapsed_ns)
{
	const struct ping_opts *o = c->o;
	long long tsec = elapsed_ns / 1000000000, tnsec = elapsed_ns % 1000000000;
	putchar('\n');
	printf("--- %s ping statistics ---\n", c->t->name);
	printf("%lld packets transmitted, ", c->ntransmitted);
	printf("%lld received", c->nreceived);
	if (c->nrepeats)
		printf(", +%lld duplicates", c->nrepeats);
	if (c->nchecksum)
		printf(", +%lld corrupted", c->nchecksum);
	if (c->nerrors)
		printf(", +%lld errors", c->nerrors);
	if (c->ntransmitted) {
		/* iputils computes the loss in float and prints it with %g. */
		float loss = (float)(((double)(c->ntransmitted - c->nreceived) * 100.0) /
				     (double)c->ntransmitted);
		printf(", %g%% packet loss", (double)loss);
		printf(", time %lldms", 1000 * tsec + (tnsec + 500000) / 1000000);
	}
	putchar('\n');
	const char *comma = "";
	if (c->nreceived && c->is_timing && c->st.count) {
		int64_t avg = ik_stats_avg_us(&c->st), mdev = ik_stats_mdev_us(&c->st);
		printf("rtt min/avg/max/mdev = %ld.%03ld/%ld.%03ld/%ld.%03ld/%ld.%03ld ms",
		       (long)(c->st.min_us / 1000), (long)(c->st.min_us % 1000), (long)(avg / 1000),
		       (long)(avg % 1000), (long)(c->st.max_us / 1000), (long)(c->st.max_us % 1000),
		       (long)(mdev / 1000), (long)(mdev % 1000));
		comma = ", ";
	}
	if (c->pipesize > 1) {
		printf("%spipe %d", comma, c->pipesize);
		comma = ", ";
	}
	if (c->nreceived && (c->interval_ms == 0 || o->is_flood || o->is_adaptive) &&
	    c->ntransmitted > 1) {
		long long ipg = (1000000 * tsec + tnsec / 1000) / (c->ntransmitted - 1);
		printf("%sipg/ewma %lld.%03lld/%ld.%03ld ms", comma, ipg / 1000, ipg % 1000,
		       (long)(c->st.ewma8_us / 8000), (long)((c->st.ewma8_us / 8) % 1000));
	}
	putchar('\n');
	if (o->has_percentiles && c->st.count) {
		int64_t p50 = 0, p95 = 0, p99 = 0;
		if (ik_stats_percentile(&c->st, 50, &p50) == IK_OK &&
		    ik_stats_percentile(&c->st, 95, &p95) == IK_OK &&
		    ik_stats_percentile(&c->st, 99, &p99) == IK_OK) {
			int64_t j = ik_stats_jitter_ns(&c->st);
			printf("rtt median/p95/p99/jitter = %.3f/%.3f/%.3f/%.3f ms\n", p50 / 1e6,
			       p95 / 1e6, p99 / 1e6, j / 1e6);
		}
	}
	fflush(stdout);
}

static void ping_finish_json(struct ping_ctx *c, int64_t elapsed_ns)
{
	struct jsonw *w = &c->json;
	ping_json_timeouts(c, 0, true);
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", "summary");
	jsonw_kstr(w, "host", c->t->name);
	jsonw_kstr(w, "addr", c->t->addr_text);
	jsonw_kuint(w, "transmitted", (uint64_t)c->ntransmitted);
	jsonw_kuint(w, "received", (uint64_t)c->nreceived);
	jsonw_kuint(w, "duplicates", (uint64_t)c->nrepeats);
	jsonw_kuint(w, "corrupted", (uint64_t)c->nchecksum);
	jsonw_kuint(w, "errors", (uint64_t)c->nerrors);
	jsonw_kuint(w, "ignored", (uint64_t)c->nforeign);
	double loss = c->ntransmitted ? (double)(c->ntransmitted - c->nreceived) * 100.0 /
					    (double)c->ntransmitted
				      : 0.0;
	/* Loss as a percentage with 6 decimals, through the writer's fixed-point form. */
	int64_t loss_u = (int64_t)llround(loss * 1e6);
	jsonw_key(w, "loss_pct");
	jsonw_time(w, loss_u / 1000000, (uint32_t)(loss_u % 1000000));
	json_ms(w, "time_ms", elapsed_ns);
	if (c->st.count) {
		int64_t p50 = -1, p95 = -1, p99 = -1;
		if (ik_stats_percentile(&c->st, 50, &p50) != IK_OK ||
		    ik_stats_percentile(&c->st, 95, &p95) != IK_OK ||
		    ik_stats_percentile(&c->st, 99, &p99) != IK_OK)
			p50 = p95 = p99 = -1;
		json_ms(w, "rtt_min_ms", c->st.min_us * 1000);
		json_ms(w, "rtt_avg_ms", ik_stats_avg_us(&c->st) * 1000);
		json_ms(w, "rtt_max_ms", c->st.max_us * 1000);
		json_ms(w, "rtt_mdev_ms", ik_stats_mdev_us(&c->st) * 1000);
		json_ms(w, "rtt_median_ms", p50);
		json_ms(w, "rtt_p95_ms", p95);
		json_ms(w, "rtt_p99_ms", p99);
		json_ms(w, "jitter_ms", ik_stats_jitter_ns(&c->st));
	}
	jsonw_kstr(w, "tx_timestamps", c->has_tx_seen ? "kernel" : "user");
	jsonw_obj_end(w);
	jsonw_eol(w);
}

/* Opens and configures the socket, prints the header; returns 0 or an exit code. */
static int ping_setup(struct ping_ctx *c)
{
	const struct ping_opts *o = c->o;
	int rc = ik_sock_open(&c->sock, c->family, 0);
	if (rc != IK_OK) {
		int err = ik_err_errno(rc);
		if (err == EPERM || err == EACCES)
			fprintf(stderr,
				"%s: socket: %s (no ICMP datagram socket: net.ipv4.ping_group_range "
				"excludes this group, and raw sockets need CAP_NET_RAW)\n",
				o->prog, strerror(err));
		else
			fprintf(stderr, "%s: socket: %s\n", o->prog, ik_strerror(rc));
		return EXIT_USAGE;
	}
	c->is_raw = ik_sock_is_raw(c->sock);

	/*
	 * Learn the source address as iputils does: connect a UDP socket to
	 * the target (no packet leaves) and ask which address it got. This is
	 * also where a broadcast target is caught.
	 */
	struct ik_addr src = o->source;
	{
		int af = c->family == 4 ? AF_INET : AF_INET6;
		int pfd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (pfd < 0) {
			fprintf(stderr, "%s: socket: %s\n", o->prog, strerror(errno));
			return EXIT_USAGE;
		}
		if (o->interface &&
		    setsockopt(pfd, SOL_SOCKET, SO_BINDTODEVICE, o->interface,
			       (socklen_t)strlen(o->interface) + 1) != 0) {
			fprintf(stderr, "%s: SO_BINDTODEVICE %s: %s\n", o->prog, o->interface,
				strerror(errno));
			close(pfd);
			return EXIT_USAGE;
		}
		struct sockaddr_storage ss;
		socklen_t sl = ik_addr_to_sockaddr(&c->t->addr, 1025, &ss);
		if (connect(pfd, (struct sockaddr *)&ss, sl) != 0) {
			if (errno == EACCES && c->family == 4) {
				if (!o->is_broadcast) {
					fprintf(stderr,
						"%s: Do you want to ping broadcast? Then -b. If not, "
						"check your local firewall rules\n",
						o->prog);
					close(pfd);
					return EXIT_USAGE;
				}
				fprintf(stderr, "WARNING: pinging broadcast address\n");
				int one = 1;
				(void)setsockopt(pfd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
				if (connect(pfd, (struct sockaddr *)&ss, sl) != 0) {
					fprintf(stderr, "%s: connect: %s\n", o->prog,
						strerror(errno));
					close(pfd);
					return EXIT_USAGE;
				}
			} else {
				fprintf(stderr, "%s: connect: %s\n", o->prog, strerror(errno));
				close(pfd);
				return EXIT_USAGE;
			}
		}
		if (!src.family) {
			sl = sizeof ss;
			if (getsockname(pfd, (struct sockaddr *)&ss, &sl) == 0) {
				if (c->family == 4) {
					uint8_t b[4];
					memcpy(b, &((struct sockaddr_in *)&ss)->sin_addr, 4);
					ik_addr_set4(&src, b);
				} else {
					uint8_t b[16];
					memcpy(b, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
					memset(&src, 0, sizeof src);
					ik_addr_set6(&src, b);
				}
			}
		}
		close(pfd);
	}

	if (o->interface) {
		rc = ik_sock_bind_device(c->sock, o->interface);
		if (rc != IK_OK) {
			fprintf(stderr, "%s: SO_BINDTODEVICE %s: %s\n", o->prog, o->interface,
				strerror(ik_err_errno(rc)));
			return EXIT_USAGE;
		}
	}
	/* A datagram socket's identifier is its port: bind now to learn it. */
	if (o->source.family || !c->is_raw) {
		struct ik_addr any;
		memset(&any, 0, sizeof any);
		any.family = (uint8_t)c->family;
		rc = ik_sock_bind_source(c->sock, o->source.family ? &o->source : &any);
		if (rc != IK_OK) {
			fprintf(stderr, "%s: bind: %s\n", o->prog, strerror(ik_err_errno(rc)));
			return EXIT_USAGE;
		}
	}
	if (c->is_raw) {
		uint16_t id;
		if (getrandom(&id, sizeof id, 0) != sizeof id)
			id = (uint16_t)getpid();
		c->ident = id;
		ik_sock_set_ident(c->sock, id);
		/* Only echo replies and the errors that quote probes wake us. */
		uint32_t pass4 = 1u << IK_ICMP4_ECHO_REPLY | 1u << IK_ICMP4_DEST_UNREACH |
				 1u << IK_ICMP4_SOURCE_QUENCH | 1u << IK_ICMP4_REDIRECT |
				 1u << IK_ICMP4_TIME_EXCEEDED | 1u << IK_ICMP4_PARAM_PROBLEM;
		const uint8_t pass6[] = {IK_ICMP6_ECHO_REPLY, IK_ICMP6_DEST_UNREACH,
					 IK_ICMP6_PACKET_TOO_BIG, IK_ICMP6_TIME_EXCEEDED,
					 IK_ICMP6_PARAM_PROBLEM};
		if (ik_sock_set_filter4(c->sock, pass4) != IK_OK ||
		    ik_sock_set_filter6(c->sock, pass6, sizeof pass6) != IK_OK)
			fprintf(stderr, "%s: WARNING: setsockopt(ICMP_FILTER)\n", o->prog);
	} else {
		int id = ik_sock_ident(c->sock);
		c->ident = (uint16_t)(id < 0 ? 0 : id);
	}

	enum ik_pmtu_mode pmtu = o->pmtu;
	bool is_mcast = c->family == 4 ? (c->t->addr.bytes[0] & 0xf0) == 0xe0
				       : c->t->addr.bytes[0] == 0xff;
	if (o->is_broadcast || is_mcast) {
		c->is_multicast = true;
		if (pmtu == IK_PMTU_DEFAULT && c->family == 4)
			pmtu = IK_PMTU_DO; /* iputils: broadcast pings do not fragment */
	}
	if (pmtu != IK_PMTU_DEFAULT && ik_sock_set_pmtu(c->sock, pmtu) != IK_OK) {
		fprintf(stderr, "%s: %s: %s\n", o->prog,
			c->family == 4 ? "IP_MTU_DISCOVER" : "IPV6_MTU_DISCOVER", strerror(errno));
		return EXIT_USAGE;
	}
	if (o->tos >= 0 && o->tos > 0 && ik_sock_set_tos(c->sock, o->tos) != IK_OK) {
		fprintf(stderr, "%s: setsockopt: %s\n", o->prog, strerror(errno));
		return EXIT_USAGE;
	}
	if (o->is_broadcast && c->family == 4 &&
	    ik_sock_set_broadcast(c->sock, true) != IK_OK) {
		fprintf(stderr, "%s: cannot set broadcasting\n", o->prog);
		return EXIT_USAGE;
	}
	if (o->has_ttl) {
		if (ik_sock_set_mcast_ttl(c->sock, o->ttl) != IK_OK) {
			fprintf(stderr, "%s: cannot set multicast time-to-live: %s\n", o->prog,
				strerror(errno));
			return EXIT_USAGE;
		}
		if (ik_sock_set_ttl(c->sock, o->ttl) != IK_OK) {
			fprintf(stderr, "%s: cannot set unicast time-to-live: Invalid argument\n",
				o->prog);
			return EXIT_USAGE;
		}
	}
	/* A flood or a deep preload needs room for replies that arrive together. */
	int per = (int)o->size + 8 + 512;
	int rcv = per * (int)(o->preload > 64 ? o->preload : 64);
	if (o->is_flood && rcv < (1 << 20))
		rcv = 1 << 20;
	if (ik_sock_set_bufs(c->sock, rcv, 0) != IK_OK && o->is_verbose)
		fprintf(stderr, "%s: WARNING: probably, rcvbuf is not enough to hold preload\n", o->prog);
	if (ik_sock_set_timestamps(c->sock, true, false, false) != IK_OK)
		fprintf(stderr, "%s: Warning: no SO_TIMESTAMPNS support\n", o->prog);
	/*
	 * A flood measures throughput: a transmit stamp costs the kernel a
	 * clone and us an error-queue read per probe, so a flood times from
	 * the clock read just before sendto() (see --help).
	 */
	c->has_tx_stamps = !(o->is_flood && c->interval_ms == 0) &&
			   ik_sock_set_timestamps(c->sock, false, true, true) == IK_OK;

	/*
	 * Not connect()ed, though a connected socket would save the address
	 * copies (5% of a flood): like iputils, a reply from another address
	 * than the target's (anycast, NAT, a router answering from another
	 * interface) still counts, and is shown with its sender.
	 */
	if (o->pattern_len && !o->is_quiet && !o->is_json) {
		printf("PATTERN: 0x");
		for (size_t i = 0; i < o->pattern_len; i++)
			printf("%02x", o->pattern[i]);
		printf("\n");
	}
	if (!o->is_json) {
		char srctext[IK_ADDR_STRLEN] = "";
		if (src.family && ik_addr_format(&src, srctext, sizeof srctext) < 0)
			srctext[0] = '\0';
		bool has_from = o->interface || o->source.family;
		if (c->family == 4) {
			printf("PING %s (%s) ", c->t->name, c->t->addr_text);
			if (has_from)
				printf("from %s %s: ", srctext, o->interface ? o->interface : "");
			printf("%lld(%lld) bytes of data.\n", o->size, o->size + 8 + 20);
		} else {
			printf("PING %s(%s) ", c->t->name, c->t->addr_text);
			if (has_from)
				printf("from %s %s: ", srctext, o->interface ? o->interface : "");
			printf("%lld data bytes\n", o->size);
		}
		fflush(stdout);
	}
	return 0;
}

/* Every packet the counters have taken, of any kind: a drain that moved it read something. */
static long long ping_packets_counted(const struct ping_ctx *c)
{
	return c->nreceived + c->nrepeats + c->nerrors + c->nforeign + c->nchecksum;
}

/* Reads everything queued on the socket without blocking. */
static void ping_drain(struct ping_ctx *c)
{
	struct ik_sock_info info;
	for (;;) {
		int n = ik_sock_recv(c->sock, c->inbuf, PING_BUF_LEN, false, &info);
		if (n < 0) {
			int err = ik_err_errno(n);
			if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
				ping_drain_errqueue(c);
			return;
		}
		ping_handle_packet(c, c->inbuf, (size_t)n, &info);
		/* As iputils: with nothing in flight, go back and send (saves an EAGAIN read). */
		if (sig_exit || ping_in_flight(c) == 0)
			return;
	}
}

static int ping_loop(struct ping_ctx *c)
{
	const struct ping_opts *o = c->o;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_exit_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_status_signal;
	sigaction(SIGQUIT, &sa, NULL);

	c->start_mono_ns = now_ns(CLOCK_MONOTONIC);
	c->last_send_mono_ns = c->start_mono_ns;
	if (o->deadline_s > 0)
		c->deadline_ns = c->start_mono_ns + (int64_t)(o->deadline_s * 1e9);
	c->next_send_ns = c->start_mono_ns;
	long long preload_left = o->preload;
	struct pollfd pfd = {.fd = ik_sock_fd(c->sock), .events = POLLIN};

	for (;;) {
		if (sig_exit)
			break;
		if (o->count && c->nreceived + c->nerrors >= o->count)
			break;
		if (c->deadline_ns && c->nerrors)
			break;
		if (sig_status)
			ping_status(c);
		int64_t now = now_ns(CLOCK_MONOTONIC);
		if (c->deadline_ns && now >= c->deadline_ns)
			break;
		if (c->exit_at_ns && now >= c->exit_at_ns)
			break;

		/* Send what is due: the preload at once, then one per interval. */
		bool is_done_sending = o->count && c->ntransmitted >= o->count && !c->deadline_ns;
		while (!is_done_sending && now >= c->next_send_ns) {
			if (c->interval_ms == 0 && preload_left <= 0 &&
			    ping_in_flight(c) >= o->preload &&
			    now - c->last_send_mono_ns < PING_FLOOD_WAIT_MS * 1000000LL)
				break; /* flood: wait for a reply, or 10 ms */
			int rc = ping_send_one(c, now);
			if (rc > 0) {
				c->next_send_ns = now + 1000000; /* queue full: retry in 1 ms */
				break;
			}
			if (preload_left > 0)
				preload_left--;
			if (preload_left <= 0)
				c->next_send_ns = (c->interval_ms ? c->next_send_ns : now) +
						  (int64_t)c->interval_ms * 1000000;
			is_done_sending = o->count && c->ntransmitted >= o->count && !c->deadline_ns;
			if (c->interval_ms == 0 || preload_left <= 0)
				break;
		}
		if (is_done_sending)
			ping_schedule_exit(c, c->last_send_mono_ns);
		if (o->is_json)
			ping_json_timeouts(c, now_ns(CLOCK_REALTIME), false);

		/*
		 * In a flood the reply is usually queued by the time sendto()
		 * returns (veth delivers in the same softirq): try a
		 * non-blocking read first and skip poll() (and the clock
		 * read for its timeout) when it answers.
		 */
		if (c->interval_ms == 0) {
			long long before = ping_packets_counted(c);
			ping_drain(c);
			if (ping_packets_counted(c) != before)
				continue;
		}

		/* Wait for a packet, the next send, the exit time or the deadline. */
		int64_t wake = INT64_MAX;
		if (!is_done_sending)
			wake = c->next_send_ns;
		if (c->interval_ms == 0 && !is_done_sending)
			wake = c->last_send_mono_ns + PING_FLOOD_WAIT_MS * 1000000LL;
		if (c->exit_at_ns && c->exit_at_ns < wake)
			wake = c->exit_at_ns;
		if (c->deadline_ns && c->deadline_ns < wake)
			wake = c->deadline_ns;
		now = now_ns(CLOCK_MONOTONIC);
		int timeout_ms;
		if (c->interval_ms == 0 && !is_done_sending && ping_in_flight(c) < o->preload)
			timeout_ms = 0;
		else if (wake == INT64_MAX)
			timeout_ms = 1000;
		else if (wake <= now)
			timeout_ms = 0;
		else
			timeout_ms = (int)((wake - now + 999999) / 1000000);
		if (timeout_ms > 1000)
			timeout_ms = 1000;
		pfd.revents = 0;
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", o->prog, strerror(errno));
			return EXIT_USAGE;
		}
		if (pr > 0) {
			if (pfd.revents & POLLERR)
				ping_drain_errqueue(c);
			if (pfd.revents & POLLIN)
				ping_drain(c);
		}
	}
	/* TX stamps still queued belong to replies already counted; errors may remain. */
	ping_drain_errqueue(c);
	int64_t elapsed = c->last_send_mono_ns - c->start_mono_ns;
	if (elapsed < 0)
		elapsed = 0;
	if (o->is_json)
		ping_finish_json(c, elapsed);
	else
		ping_finish_text(c, elapsed);
	if (!c->nreceived || (c->deadline_ns && o->count && c->nreceived < o->count))
		return EXIT_NOREPLY;
	return EXIT_OK;
}

int ping_echo_run(const struct ping_opts *o, const struct ping_target *t)
{
	struct ping_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		fprintf(stderr, "%s: memory allocation failed\n", o->prog);
		return EXIT_USAGE;
	}
	int ret = EXIT_USAGE;
	c->o = o;
	c->t = t;
	c->family = t->addr.family;
	c->is_timing = o->size >= PING_HDR_LEN;
	c->outpack_len = 8 + (size_t)o->size;
	c->outpack = calloc(1, c->outpack_len);
	c->inbuf = malloc(PING_BUF_LEN);
	c->slots = calloc(PING_SEQ_SLOTS, sizeof *c->slots);
	c->txid_seq = calloc(PING_SEQ_SLOTS, sizeof *c->txid_seq);
	ik_stats_init(&c->st);
	if (!c->outpack || !c->inbuf || !c->slots || !c->txid_seq) {
		fprintf(stderr, "%s: memory allocation failed\n", o->prog);
		goto out;
	}
	if (ik_cookie_key_random(&c->key) != IK_OK) {
		fprintf(stderr, "%s: getrandom: %s\n", o->prog, strerror(errno));
		goto out;
	}
	/* iputils' payload: byte i is i, or the -p pattern repeated. */
	for (size_t i = 0; i < (size_t)o->size; i++)
		c->outpack[8 + i] = o->pattern_len ? o->pattern[i % o->pattern_len] : (uint8_t)i;
	c->interval_ms = o->is_flood && !o->has_interval ? 0
			 : o->has_interval		 ? (int)o->interval_ms
							 : 1000;
	c->linger_ms = o->has_timeout ? (long long)(o->timeout_s * 1000.0) : PING_DEFAULT_LINGER_MS;
	if (o->is_json && jsonw_init(&c->json, stdout, 1 << 16) != 0) {
		fprintf(stderr, "%s: memory allocation failed\n", o->prog);
		goto out;
	}
	ret = ping_setup(c);
	if (ret != 0)
		goto out_json;
	/* Sockets are open and configured: nothing else needs root (STYLE.md). */
	if (privs_drop(o->prog) != 0) {
		ret = EXIT_USAGE;
		goto out_json;
	}
	ret = ping_loop(c);
out_json:
	if (o->is_json && jsonw_finish(&c->json) != 0 && ret == EXIT_OK)
		ret = EXIT_USAGE;
out:
	ik_sock_free(c->sock);
	ik_stats_free(&c->st);
	free(c->outpack);
	free(c->inbuf);
	free(c->slots);
	free(c->txid_seq);
	free(c);
	return ret;
}

int cmd_ping(int argc, char **argv)
{
	const char *self = argc > 0 && argv[0] ? argv[0] : "ping";
	const char *base = strrchr(self, '/');
	base = base ? base + 1 : self;
	struct ping_opts o;
	memset(&o, 0, sizeof o);
	o.prog = strcmp(base, "ping") == 0 ? "ping" : "icmpkit ping";
	o.size = PING_DEFAULT_SIZE;
	o.tos = -1;
	o.preload = 1;
	o.is_root = geteuid() == 0;
	const char *host = NULL;
	int rc = ping_parse(argc, argv, &o, &host);
	if (rc > 0)
		return EXIT_OK;
	if (rc < 0)
		return EXIT_USAGE;
	struct ping_target t;
	if (ping_resolve(&o, host, &t) != 0)
		return EXIT_USAGE;
	long long max = t.addr.family == 4 ? PING_MAX_SIZE4 : PING_MAX_SIZE6;
	if (o.size > max) {
		fprintf(stderr, "%s: invalid argument: '%lld': out of range: 0 <= value <= %lld\n",
			o.prog, o.size, max);
		return EXIT_USAGE;
	}
	if (o.is_timestamp) {
		return ping_timestamp_run(&o, &t);
	}
	if (o.probe_arg) {
		return ping_probe_run(&o, &t);
	}
	return ping_echo_run(&o, &t);
}
