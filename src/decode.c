/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit decode: prints the ICMP and ICMPv6 packets of a capture file or a live interface. */
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "icmpkit/icmpkit.h"
#include "jsonw.h"

#define DECODE_PROG "icmpkit: decode"
#define DECODE_SNAPLEN_DEFAULT 262144
#define DECODE_STDOUT_BUF (1u << 20)
#define DECODE_JSON_BUF (1u << 20)
#define DECODE_LINE_MAX 4096
#define DECODE_FILTER_MAX 4096

struct decode_opts {
	const char *file;      /* capture file, "-" for stdin */
	const char *iface;     /* live capture interface */
	char filter[DECODE_FILTER_MAX];
	long long count_max;   /* stop after this many ICMP packets; 0: no limit */
	long long snaplen;
	bool is_json;
	bool is_verbose;
	bool is_promisc;
	bool is_quiet;         /* no summary on stderr */
};

/* Everything one run needs; handed to every function that prints. */
struct decode_ctx {
	struct decode_opts opt;
	pcap_t *pcap;
	enum ik_link link;
	bool is_live;
	struct jsonw jw;
	uint64_t frames;       /* frames read */
	uint64_t icmp;         /* ICMP/ICMPv6 packets printed (fragments included) */
	uint64_t errors;       /* frames whose link, IP or ICMP decode failed */
	uint64_t bad_cksum;    /* ICMP messages whose checksum did not verify */
	/* Local time of the last second seen, so localtime_r runs once a second. */
	time_t tm_sec_cached;
	char tm_text[16];
	bool has_tm_cache;
};

/*
 * The signal handler's only state: a flag and the handle it breaks out of.
 * A handler cannot take arguments, so these two are file-scope by necessity.
 */
static volatile sig_atomic_t decode_stop;
static pcap_t *volatile decode_sig_pcap;

static void decode_on_signal(int signo)
{
	(void)signo;
	decode_stop = 1;
	if (decode_sig_pcap)
		pcap_breakloop(decode_sig_pcap);
}

/* ---- a bounded text line, flushed into the (large) stdio buffer ---- */

struct line {
	size_t len;
	char buf[DECODE_LINE_MAX];
};

static inline void line_putn(struct line *l, const char *s, size_t n)
{
	if (n > sizeof l->buf - 1 - l->len)
		n = sizeof l->buf - 1 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static inline void line_puts(struct line *l, const char *s)
{
	line_putn(l, s, strlen(s));
}

static inline void line_putc(struct line *l, char c)
{
	if (l->len < sizeof l->buf - 1)
		l->buf[l->len++] = c;
}

static void line_putu(struct line *l, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		line_putc(l, tmp[--n]);
}

static void line_printf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_printf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < sizeof l->buf - l->len ? (size_t)n : sizeof l->buf - 1 - l->len;
}

/* Untrusted text (interface names from the wire): printable ASCII only. */
static void line_put_safe(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			line_putc(l, (char)c);
		} else {
			line_putc(l, '\\');
			line_putc(l, 'x');
			line_putc(l, hex[c >> 4]);
			line_putc(l, hex[c & 15]);
		}
	}
}

/*
 * Formats an address. IPv4 is done by hand: it is on every line and
 * inet_ntop costs more than the rest of the line.
 */
static size_t addr_text(const struct ik_addr *a, char *buf, size_t cap)
{
	if (a->family == 4 && cap >= 16) {
		size_t n = 0;
		for (int i = 0; i < 4; i++) {
			unsigned v = a->bytes[i];
			if (i)
				buf[n++] = '.';
			if (v >= 100)
				buf[n++] = (char)('0' + v / 100);
			if (v >= 10)
				buf[n++] = (char)('0' + v / 10 % 10);
			buf[n++] = (char)('0' + v % 10);
		}
		buf[n] = '\0';
		return n;
	}
	int rc = ik_addr_format(a, buf, cap);
	if (rc < 0) {
		snprintf(buf, cap, "?");
		return strlen(buf);
	}
	return (size_t)rc;
}

static void line_addr(struct line *l, const struct ik_addr *a)
{
	char tmp[IK_ADDR_STRLEN];
	line_putn(l, tmp, addr_text(a, tmp, sizeof tmp));
}

static void jsonw_kaddr(struct jsonw *w, const char *key, const struct ik_addr *a)
{
	char tmp[IK_ADDR_STRLEN];
	size_t n = addr_text(a, tmp, sizeof tmp);
	jsonw_key(w, key);
	jsonw_strn(w, tmp, n);
}

/* ---- what each ICMP type carries ---- */

/* Types whose rest-of-header is identifier + sequence number. */
static bool type_has_id_seq(uint8_t version, uint8_t type)
{
	if (version == 4) {
		switch (type) {
		case IK_ICMP4_ECHO_REPLY: case IK_ICMP4_ECHO_REQUEST:
		case IK_ICMP4_TIMESTAMP: case IK_ICMP4_TIMESTAMP_REPLY:
		case IK_ICMP4_INFO_REQUEST: case IK_ICMP4_INFO_REPLY:
		case IK_ICMP4_MASK_REQUEST: case IK_ICMP4_MASK_REPLY:
		case IK_ICMP4_EXT_ECHO_REQUEST: case IK_ICMP4_EXT_ECHO_REPLY:
			return true;
		default:
			return false;
		}
	}
	switch (type) {
	case IK_ICMP6_ECHO_REQUEST: case IK_ICMP6_ECHO_REPLY:
	case IK_ICMP6_EXT_ECHO_REQUEST: case IK_ICMP6_EXT_ECHO_REPLY:
		return true;
	default:
		return false;
	}
}

static bool type_has_mtu(const struct ik_icmp *m)
{
	if (m->version == 4)
		return m->type == IK_ICMP4_DEST_UNREACH && m->code == IK_UNREACH_FRAG_NEEDED;
	return m->type == IK_ICMP6_PACKET_TOO_BIG;
}

static bool type_has_pointer(const struct ik_icmp *m)
{
	return m->type == (m->version == 4 ? IK_ICMP4_PARAM_PROBLEM : IK_ICMP6_PARAM_PROBLEM);
}

static bool type_has_quote(const struct ik_icmp *m)
{
	if (ik_icmp_is_error(m->version, m->type))
		return true;
	return m->version == 6 && m->type == IK_ICMP6_REDIRECT && m->nd.has_redirected_header;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IK_PROTO_ICMP: return "ICMP";
	case IK_PROTO_TCP: return "TCP";
	case IK_PROTO_UDP: return "UDP";
	case IK_PROTO_ICMPV6: return "ICMP6";
	default: return NULL;
	}
}

/* ---- text output ---- */

static void text_time(struct decode_ctx *ctx, struct line *l, const struct timeval *tv)
{
	time_t sec = tv->tv_sec;
	if (!ctx->has_tm_cache || sec != ctx->tm_sec_cached) {
		struct tm tm;
		if (localtime_r(&sec, &tm))
			snprintf(ctx->tm_text, sizeof ctx->tm_text, "%02d:%02d:%02d", tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
		else
			snprintf(ctx->tm_text, sizeof ctx->tm_text, "??:??:??");
		ctx->tm_sec_cached = sec;
		ctx->has_tm_cache = true;
	}
	line_puts(l, ctx->tm_text);
	line_putc(l, '.');
	long usec = (long)tv->tv_usec;
	if (usec < 0 || usec > 999999)
		usec = 0;
	for (long div = 100000; div > 0; div /= 10)
		line_putc(l, (char)('0' + usec / div % 10));
	line_putc(l, ' ');
}

/* "IP a > b: " with, under -v, the header fields tcpdump shows in parentheses. */
static void text_ip(struct decode_ctx *ctx, struct line *l, const struct ik_ip *ip)
{
	line_puts(l, ip->version == 6 ? "IP6 " : "IP ");
	if (ctx->opt.is_verbose) {
		if (ip->version == 4) {
			line_printf(l, "(tos 0x%x, ttl %u, id %" PRIu32 ", offset %" PRIu32
				       ", flags [%s%s%s], length %u) ",
				    ip->tos, ip->ttl, ip->frag_id, ip->frag_offset,
				    ip->is_df ? "DF" : "", ip->is_mf ? "+" : "",
				    ip->is_df || ip->is_mf ? "" : "none", ip->total_len);
		} else {
			line_printf(l, "(class 0x%x, flowlabel 0x%05" PRIx32 ", hlim %u, payload length %u) ",
				    ip->tos, ip->flow_label, ip->ttl,
				    ip->total_len >= 40 ? ip->total_len - 40 : 0);
		}
	}
	line_addr(l, &ip->src);
	line_puts(l, " > ");
	line_addr(l, &ip->dst);
	line_puts(l, ": ");
}

/* The address a port is appended to, tcpdump style ("10.0.2.2.33434"). */
static void text_endpoint(struct line *l, const struct ik_addr *a, bool has_port, uint16_t port)
{
	line_addr(l, a);
	if (has_port) {
		line_putc(l, '.');
		line_putu(l, port);
	}
}

static const char *icmp_short_name(uint8_t version, uint8_t type);

static void text_quote(struct decode_ctx *ctx, struct line *l, const struct ik_icmp *m)
{
	const struct ik_quote *q = &m->quote;
	if (!q->is_present) {
		if (m->quote_err)
			line_printf(l, " [quote: %s]", ik_errname(m->quote_err));
		return;
	}
	const char *pname = proto_name(q->ip.protocol);
	line_puts(l, " [quoted: ");
	if (pname)
		line_puts(l, pname);
	else
		line_printf(l, "proto %u", q->ip.protocol);
	line_putc(l, ' ');
	text_endpoint(l, &q->ip.src, q->has_ports, q->sport);
	line_puts(l, " > ");
	text_endpoint(l, &q->ip.dst, q->has_ports, q->dport);
	if (q->has_icmp) {
		const char *n = icmp_short_name(q->ip.version, q->icmp_type);
		if (n)
			line_printf(l, " %s", n);
		else
			line_printf(l, " type %u code %u", q->icmp_type, q->icmp_code);
		if (type_has_id_seq(q->ip.version, q->icmp_type))
			line_printf(l, " id %u seq %u", q->icmp_id, q->icmp_seq);
	}
	if (ctx->opt.is_verbose) {
		line_printf(l, ", ttl %u", q->ip.ttl);
		if (q->ip.version == 4)
			line_printf(l, ", id %" PRIu32, q->ip.frag_id);
		line_printf(l, ", length %u, quoted %zu", q->ip.total_len, q->quoted_len);
		if (q->ip.is_fragment)
			line_printf(l, ", frag offset %" PRIu32, q->ip.frag_offset);
	}
	if (m->quote_err)
		line_printf(l, ", %s", ik_errname(m->quote_err));
	line_putc(l, ']');
}

static void text_ifinfo(struct line *l, const struct ik_ifinfo *f, bool has_role)
{
	static const char *const roles[] = {"incoming", "sub-ip", "outgoing", "next-hop"};
	if (has_role)
		line_puts(l, roles[f->role & 3]);
	if (f->has_ifindex)
		line_printf(l, " ifindex %" PRIu32, f->ifindex);
	if (f->has_addr) {
		line_puts(l, " addr ");
		line_addr(l, &f->addr);
	}
	if (f->has_name) {
		line_puts(l, " name \"");
		line_put_safe(l, f->name);
		line_putc(l, '"');
	}
	if (f->has_mtu)
		line_printf(l, " mtu %" PRIu32, f->mtu);
}

static void text_ext(struct line *l, const struct ik_icmp *m)
{
	const struct ik_ext *e = &m->ext;
	if (!e->is_present) {
		if (m->ext_err)
			line_printf(l, " [ext: %s]", ik_errname(m->ext_err));
		return;
	}
	line_printf(l, " [ext v%u%s", e->version, e->is_checksum_ok ? "" : " bad cksum");
	for (unsigned i = 0; i < e->mpls_count && i < IK_EXT_MAX_MPLS; i++) {
		const struct ik_mpls_entry *me = &e->mpls[i];
		line_printf(l, "; mpls label %" PRIu32 " tc %u s %u ttl %u", me->label, me->tc,
			    me->is_bottom, me->ttl);
	}
	for (unsigned i = 0; i < e->ifinfo_count && i < IK_EXT_MAX_IFINFO; i++) {
		line_puts(l, "; ");
		text_ifinfo(l, &e->ifinfo[i], true);
	}
	if (e->ident_kind != IK_XE_NONE) {
		line_puts(l, "; ident");
		text_ifinfo(l, &e->ident, false);
	}
	if (e->unknown_objects)
		line_printf(l, "; %u unknown objects", e->unknown_objects);
	if (m->ext_err)
		line_printf(l, "; %s", ik_errname(m->ext_err));
	line_putc(l, ']');
}

static void text_lladdr(struct line *l, const char *what, const uint8_t *a, size_t n)
{
	line_puts(l, what);
	for (size_t i = 0; i < n; i++)
		line_printf(l, i ? ":%02x" : "%02x", a[i]);
}

/* -v: the RFC 4861 options of a neighbor discovery message. */
static void text_nd(struct line *l, const struct ik_icmp *m)
{
	const struct ik_nd *nd = &m->nd;
	size_t lllen = nd->lladdr_len <= sizeof nd->src_lladdr ? nd->lladdr_len : sizeof nd->src_lladdr;
	if (m->type == IK_ICMP6_ROUTER_ADVERT)
		line_printf(l, ", hop limit %u, flags [%s%s], router lifetime %us, reachable %" PRIu32
			       "ms, retrans %" PRIu32 "ms",
			    nd->cur_hop_limit, nd->flags & 0x80 ? "managed" : "",
			    nd->flags & 0x40 ? (nd->flags & 0x80 ? " other" : "other") : "",
			    nd->router_lifetime_s, nd->reachable_time_ms, nd->retrans_timer_ms);
	if (m->type == IK_ICMP6_NEIGHBOR_ADVERT)
		line_printf(l, ", flags [%s%s%s]", nd->flags & 0x80 ? "R" : "",
			    nd->flags & 0x40 ? "S" : "", nd->flags & 0x20 ? "O" : "");
	if (nd->has_src_lladdr)
		text_lladdr(l, ", source link-address ", nd->src_lladdr, lllen);
	if (nd->has_tgt_lladdr)
		text_lladdr(l, ", target link-address ", nd->tgt_lladdr, lllen);
	if (nd->has_mtu)
		line_printf(l, ", mtu %" PRIu32, nd->mtu);
	for (unsigned i = 0; i < nd->prefix_count && i < IK_ND_MAX_PREFIXES; i++) {
		const struct ik_nd_prefix *p = &nd->prefixes[i];
		line_puts(l, ", prefix ");
		line_addr(l, &p->prefix);
		line_printf(l, "/%u%s%s valid %" PRIu32 "s pref %" PRIu32 "s", p->prefix_len,
			    p->is_onlink ? " onlink" : "", p->is_autonomous ? " auto" : "",
			    p->valid_lifetime_s, p->preferred_lifetime_s);
	}
	if (nd->unknown_options)
		line_printf(l, ", %u unknown options", nd->unknown_options);
}

/* Lower-case names in tcpdump's wording, used in text lines and quotes. */
static const char *icmp_short_name(uint8_t version, uint8_t type)
{
	static const char *const v4[44] = {
		[0] = "echo reply", [3] = "unreachable", [4] = "source quench",
		[5] = "redirect", [8] = "echo request", [9] = "router advertisement",
		[10] = "router solicitation", [11] = "time exceeded",
		[12] = "parameter problem", [13] = "time stamp query",
		[14] = "time stamp reply", [15] = "information request",
		[16] = "information reply", [17] = "address mask request",
		[18] = "address mask reply", [42] = "extended echo request",
		[43] = "extended echo reply",
	};
	if (version == 4)
		return type < sizeof v4 / sizeof v4[0] ? v4[type] : NULL;
	switch (type) {
	case 1: return "destination unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded";
	case 4: return "parameter problem";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 130: return "multicast listener query";
	case 131: return "multicast listener report";
	case 132: return "multicast listener done";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	case 137: return "redirect";
	case 143: return "multicast listener report v2";
	case 160: return "extended echo request";
	case 161: return "extended echo reply";
	default: return NULL;
	}
}

/* RFC 792 / 1122 / 1812 Destination Unreachable codes, tcpdump's words. */
static const char *const unreach4_text[16] = {
	"net unreachable", "host unreachable", "protocol unreachable", "port unreachable",
	"need to frag", "source route failed", "net unknown", "host unknown",
	"src host isolated", "net prohibited", "host prohibited", "tos net unreachable",
	"tos host unreachable", "admin prohibited filter", "host precedence violation",
	"precedence cutoff",
};

/* RFC 4443 3.1 codes. */
static const char *const unreach6_text[8] = {
	"unreachable route", "unreachable prohibited", "beyond scope", "unreachable address",
	"unreachable port", "source address failed policy", "reject route", "source routing header error",
};

static const char *const paramprob6_text[4] = {
	"erroneous header field", "unrecognized next header", "unrecognized option",
	"first fragment has incomplete header chain",
};

static void text_ts(struct line *l, const char *what, uint32_t ms)
{
	line_puts(l, what);
	/* RFC 792: the high bit marks a non-standard value, printed raw. */
	if (ms & 0x80000000u) {
		line_printf(l, "0x%08" PRIx32, ms);
		return;
	}
	line_printf(l, "%02" PRIu32 ":%02" PRIu32 ":%02" PRIu32 ".%03" PRIu32, ms / 3600000u,
		    ms / 60000u % 60, ms / 1000u % 60, ms % 1000u);
}

/* The message itself: "echo request, id 1, seq 2" and the like. */
static void text_icmp_body(struct decode_ctx *ctx, struct line *l, const struct ik_icmp *m)
{
	const struct ik_quote *q = &m->quote;
	const char *name = icmp_short_name(m->version, m->type);

	if (m->version == 4) {
		switch (m->type) {
		case IK_ICMP4_DEST_UNREACH:
			if (q->is_present) {
				line_addr(l, &q->ip.dst);
				line_putc(l, ' ');
			}
			if (m->code == IK_UNREACH_PORT && q->is_present)
				line_printf(l, "%s port %u unreachable",
					    q->ip.protocol == IK_PROTO_TCP ? "tcp" :
					    q->ip.protocol == IK_PROTO_UDP ? "udp" : "ip",
					    q->has_ports ? q->dport : 0);
			else if (m->code == IK_UNREACH_PROTOCOL && q->is_present)
				line_printf(l, "protocol %u unreachable", q->ip.protocol);
			else if (m->code == IK_UNREACH_FRAG_NEEDED)
				line_printf(l, "unreachable - need to frag (mtu %" PRIu32 ")", m->mtu);
			else if (m->code < 16)
				line_printf(l, "unreachable - %s", unreach4_text[m->code]);
			else
				line_printf(l, "unreachable - code %u", m->code);
			return;
		case IK_ICMP4_REDIRECT:
			line_puts(l, "redirect ");
			if (q->is_present)
				line_addr(l, &q->ip.dst);
			line_printf(l, " to %s ", m->code == 0 || m->code == 2 ? "net" : "host");
			line_addr(l, &m->gateway);
			return;
		case IK_ICMP4_TIME_EXCEEDED:
			line_puts(l, m->code == 0 ? "time exceeded in-transit" :
				     m->code == 1 ? "ip reassembly time exceeded" : "time exceeded");
			if (m->code > 1)
				line_printf(l, " code %u", m->code);
			return;
		case IK_ICMP4_PARAM_PROBLEM:
			line_printf(l, "parameter problem - code %u octet %" PRIu32, m->code, m->pointer);
			return;
		case IK_ICMP4_ROUTER_ADVERT:
			line_printf(l, "router advertisement lifetime %us, %u addrs", m->ra4_lifetime_s,
				    m->ra4_num_addrs);
			if (ctx->opt.is_verbose) {
				for (unsigned i = 0; i < m->ra4_entry_count && i < IK_RA4_MAX_ENTRIES; i++) {
					line_puts(l, i ? ", " : ": ");
					line_addr(l, &m->ra4_entries[i].addr);
					line_printf(l, " pref %" PRId32, m->ra4_entries[i].preference);
				}
			}
			return;
		case IK_ICMP4_TIMESTAMP_REPLY:
			line_printf(l, "time stamp reply id %u seq %u : ", m->id, m->seq);
			text_ts(l, "org ", m->ts_originate);
			text_ts(l, ", recv ", m->ts_receive);
			text_ts(l, ", xmit ", m->ts_transmit);
			return;
		case IK_ICMP4_MASK_REPLY:
			line_printf(l, "address mask is 0x%08" PRIx32 ", id %u, seq %u", m->address_mask,
				    m->id, m->seq);
			return;
		default:
			break;
		}
	} else {
		switch (m->type) {
		case IK_ICMP6_DEST_UNREACH:
			line_puts(l, "destination unreachable, ");
			if (m->code < 8)
				line_puts(l, unreach6_text[m->code]);
			else
				line_printf(l, "code %u", m->code);
			if (q->is_present) {
				line_putc(l, ' ');
				line_addr(l, &q->ip.dst);
				if (m->code == 4 && q->has_ports)
					line_printf(l, " %s port %u",
						    q->ip.protocol == IK_PROTO_TCP ? "tcp" : "udp", q->dport);
			}
			return;
		case IK_ICMP6_PACKET_TOO_BIG:
			line_printf(l, "packet too big, mtu %" PRIu32, m->mtu);
			return;
		case IK_ICMP6_TIME_EXCEEDED:
			line_puts(l, m->code == 0 ? "time exceeded in-transit" :
				     m->code == 1 ? "reassembly time exceeded" : "time exceeded");
			if (m->code > 1)
				line_printf(l, " code %u", m->code);
			return;
		case IK_ICMP6_PARAM_PROBLEM:
			line_puts(l, "parameter problem, ");
			if (m->code < 4)
				line_puts(l, paramprob6_text[m->code]);
			else
				line_printf(l, "code %u", m->code);
			line_printf(l, ", pointer %" PRIu32, m->pointer);
			return;
		case IK_ICMP6_NEIGHBOR_SOLICIT:
			line_puts(l, "neighbor solicitation, who has ");
			line_addr(l, &m->nd.target);
			return;
		case IK_ICMP6_NEIGHBOR_ADVERT:
			line_puts(l, "neighbor advertisement, tgt is ");
			line_addr(l, &m->nd.target);
			return;
		case IK_ICMP6_REDIRECT:
			line_puts(l, "redirect, ");
			line_addr(l, &m->nd.destination);
			line_puts(l, " to ");
			line_addr(l, &m->nd.target);
			return;
		default:
			break;
		}
	}
	if (name)
		line_puts(l, name);
	else
		line_printf(l, "type %u", m->type);
	if (m->code != 0)
		line_printf(l, " code %u", m->code);
	if (type_has_id_seq(m->version, m->type))
		line_printf(l, ", id %u, seq %u", m->id, m->seq);
	if (m->version == 4 && m->type == IK_ICMP4_TIMESTAMP && ctx->opt.is_verbose)
		text_ts(l, ", org ", m->ts_originate);
}

/* The ICMP length tcpdump prints: what the IP header says follows it. */
static unsigned icmp_wire_len(const struct ik_ip *ip)
{
	return ip->total_len > ip->header_len ? (unsigned)(ip->total_len - ip->header_len) : 0;
}

static void text_packet(struct decode_ctx *ctx, const struct pcap_pkthdr *h,
			const struct ik_packet *p, int rc)
{
	struct line l;
	l.len = 0;
	text_time(ctx, &l, &h->ts);

	if (rc < 0) {
		line_printf(&l, "[undecodable frame %" PRIu64 ": %s (%s), %u bytes]", ctx->frames,
			    ik_errname(rc), ik_strerror(rc), h->caplen);
		goto done;
	}
	text_ip(ctx, &l, &p->ip);
	if (!p->has_icmp) {
		/* A later fragment of an ICMP datagram: no header to show. */
		line_printf(&l, "%s [fragment, offset %" PRIu32 "], length %u",
			    p->ip.version == 6 ? "ICMP6" : "ICMP", p->ip.frag_offset,
			    icmp_wire_len(&p->ip));
		goto done;
	}
	const struct ik_icmp *m = &p->icmp;
	line_puts(&l, m->version == 6 ? "ICMP6, " : "ICMP ");
	bool is_failed = p->icmp_err < 0 && p->icmp_err != IK_ERR_BAD_CHECKSUM;
	if (is_failed) {
		line_printf(&l, "type %u code %u, length %u [decode error: %s (%s)]", m->type, m->code,
			    icmp_wire_len(&p->ip), ik_errname(p->icmp_err), ik_strerror(p->icmp_err));
		goto done;
	}
	text_icmp_body(ctx, &l, m);
	line_puts(&l, ", length ");
	line_putu(&l, icmp_wire_len(&p->ip));
	if (p->is_fragment)
		line_puts(&l, " [first fragment]");
	if (m->is_checksum_checked && !m->is_checksum_ok)
		line_puts(&l, " [bad cksum]");
	if (type_has_quote(m))
		text_quote(ctx, &l, m);
	if (ctx->opt.is_verbose) {
		if (m->version == 6 && m->type >= IK_ICMP6_ROUTER_SOLICIT && m->type <= IK_ICMP6_REDIRECT)
			text_nd(&l, m);
	}
	if (m->ext.is_present || (m->ext_err && ctx->opt.is_verbose))
		text_ext(&l, m);
done:
	line_putc(&l, '\n');
	fwrite_unlocked(l.buf, 1, l.len, stdout);
}

/* ---- JSON output ---- */

static void json_ifinfo(struct jsonw *w, const struct ik_ifinfo *f, bool has_role)
{
	static const char *const roles[] = {"incoming", "sub-ip", "outgoing", "next-hop"};
	jsonw_obj_begin(w);
	if (has_role)
		jsonw_kstr(w, "role", roles[f->role & 3]);
	if (f->has_ifindex)
		jsonw_kuint(w, "ifindex", f->ifindex);
	if (f->has_addr)
		jsonw_kaddr(w, "addr", &f->addr);
	if (f->has_name) {
		jsonw_key(w, "name");
		jsonw_strn(w, f->name, strnlen(f->name, sizeof f->name));
	}
	if (f->has_mtu)
		jsonw_kuint(w, "mtu", f->mtu);
	jsonw_obj_end(w);
}

static void json_quote(struct jsonw *w, const struct ik_icmp *m)
{
	const struct ik_quote *q = &m->quote;
	jsonw_key(w, "quote");
	jsonw_obj_begin(w);
	jsonw_kuint(w, "ip_version", q->ip.version);
	jsonw_kaddr(w, "src", &q->ip.src);
	jsonw_kaddr(w, "dst", &q->ip.dst);
	jsonw_kuint(w, "protocol", q->ip.protocol);
	jsonw_kuint(w, "ttl", q->ip.ttl);
	jsonw_kuint(w, "ip_len", q->ip.total_len);
	if (q->ip.version == 4)
		jsonw_kuint(w, "ip_id", q->ip.frag_id);
	else
		jsonw_kuint(w, "flow_label", q->ip.flow_label);
	if (q->ip.is_fragment) {
		jsonw_kbool(w, "is_fragment", true);
		jsonw_kuint(w, "frag_offset", q->ip.frag_offset);
	}
	if (q->has_ports) {
		jsonw_kuint(w, "sport", q->sport);
		jsonw_kuint(w, "dport", q->dport);
		if (q->ip.protocol == IK_PROTO_UDP)
			jsonw_kuint(w, "udp_len", q->udp_len);
		if (q->ip.protocol == IK_PROTO_TCP)
			jsonw_kuint(w, "tcp_seq", q->tcp_seq);
	}
	if (q->has_icmp) {
		jsonw_kuint(w, "icmp_type", q->icmp_type);
		jsonw_kuint(w, "icmp_code", q->icmp_code);
		if (type_has_id_seq(q->ip.version, q->icmp_type)) {
			jsonw_kuint(w, "icmp_id", q->icmp_id);
			jsonw_kuint(w, "icmp_seq", q->icmp_seq);
		}
	}
	jsonw_kuint(w, "quoted_len", q->quoted_len);
	jsonw_obj_end(w);
}

static void json_ext(struct jsonw *w, const struct ik_ext *e)
{
	jsonw_key(w, "ext");
	jsonw_obj_begin(w);
	jsonw_kuint(w, "version", e->version);
	jsonw_kuint(w, "checksum", e->checksum);
	jsonw_kbool(w, "checksum_ok", e->is_checksum_ok);
	jsonw_kuint(w, "offset", e->offset);
	jsonw_key(w, "mpls");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < e->mpls_count && i < IK_EXT_MAX_MPLS; i++) {
		jsonw_obj_begin(w);
		jsonw_kuint(w, "label", e->mpls[i].label);
		jsonw_kuint(w, "tc", e->mpls[i].tc);
		jsonw_kuint(w, "s", e->mpls[i].is_bottom);
		jsonw_kuint(w, "ttl", e->mpls[i].ttl);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "ifinfo");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < e->ifinfo_count && i < IK_EXT_MAX_IFINFO; i++)
		json_ifinfo(w, &e->ifinfo[i], true);
	jsonw_arr_end(w);
	if (e->ident_kind != IK_XE_NONE) {
		static const char *const kinds[] = {"none", "name", "index", "addr"};
		jsonw_kstr(w, "ident_kind", kinds[e->ident_kind & 3]);
		jsonw_key(w, "ident");
		json_ifinfo(w, &e->ident, false);
	}
	if (e->unknown_objects)
		jsonw_kuint(w, "unknown_objects", e->unknown_objects);
	jsonw_obj_end(w);
}

static void json_lladdr(struct jsonw *w, const char *key, const uint8_t *a, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[3 * 8];
	size_t k = 0;
	for (size_t i = 0; i < n && i < 8; i++) {
		if (i)
			tmp[k++] = ':';
		tmp[k++] = hex[a[i] >> 4];
		tmp[k++] = hex[a[i] & 15];
	}
	jsonw_key(w, key);
	jsonw_strn(w, tmp, k);
}

static void json_nd(struct jsonw *w, const struct ik_icmp *m)
{
	const struct ik_nd *nd = &m->nd;
	size_t lllen = nd->lladdr_len <= sizeof nd->src_lladdr ? nd->lladdr_len : sizeof nd->src_lladdr;
	jsonw_key(w, "nd");
	jsonw_obj_begin(w);
	if (m->type == IK_ICMP6_ROUTER_ADVERT) {
		jsonw_kuint(w, "cur_hop_limit", nd->cur_hop_limit);
		jsonw_kuint(w, "flags", nd->flags);
		jsonw_kuint(w, "router_lifetime_s", nd->router_lifetime_s);
		jsonw_kuint(w, "reachable_time_ms", nd->reachable_time_ms);
		jsonw_kuint(w, "retrans_timer_ms", nd->retrans_timer_ms);
	}
	if (m->type == IK_ICMP6_NEIGHBOR_ADVERT)
		jsonw_kuint(w, "flags", nd->flags);
	if (m->type == IK_ICMP6_NEIGHBOR_SOLICIT || m->type == IK_ICMP6_NEIGHBOR_ADVERT ||
	    m->type == IK_ICMP6_REDIRECT)
		jsonw_kaddr(w, "target", &nd->target);
	if (m->type == IK_ICMP6_REDIRECT)
		jsonw_kaddr(w, "destination", &nd->destination);
	if (nd->has_src_lladdr)
		json_lladdr(w, "src_lladdr", nd->src_lladdr, lllen);
	if (nd->has_tgt_lladdr)
		json_lladdr(w, "tgt_lladdr", nd->tgt_lladdr, lllen);
	if (nd->has_mtu)
		jsonw_kuint(w, "mtu", nd->mtu);
	if (nd->prefix_count) {
		jsonw_key(w, "prefixes");
		jsonw_arr_begin(w);
		for (unsigned i = 0; i < nd->prefix_count && i < IK_ND_MAX_PREFIXES; i++) {
			const struct ik_nd_prefix *p = &nd->prefixes[i];
			jsonw_obj_begin(w);
			jsonw_kaddr(w, "prefix", &p->prefix);
			jsonw_kuint(w, "prefix_len", p->prefix_len);
			jsonw_kbool(w, "onlink", p->is_onlink);
			jsonw_kbool(w, "autonomous", p->is_autonomous);
			jsonw_kuint(w, "valid_lifetime_s", p->valid_lifetime_s);
			jsonw_kuint(w, "preferred_lifetime_s", p->preferred_lifetime_s);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
	}
	if (nd->unknown_options)
		jsonw_kuint(w, "unknown_options", nd->unknown_options);
	jsonw_obj_end(w);
}

static void json_error(struct jsonw *w, const char *key, int code)
{
	jsonw_kstr(w, key, ik_errname(code));
}

static void json_icmp(struct decode_ctx *ctx, struct jsonw *w, const struct ik_packet *p)
{
	const struct ik_icmp *m = &p->icmp;
	jsonw_kuint(w, "icmp_type", m->type);
	jsonw_kuint(w, "icmp_code", m->code);
	const char *tn = ik_icmp_type_name(m->version, m->type);
	const char *cn = ik_icmp_code_name(m->version, m->type, m->code);
	if (tn)
		jsonw_kstr(w, "type_name", tn);
	else
		jsonw_knull(w, "type_name");
	if (cn)
		jsonw_kstr(w, "code_name", cn);
	else
		jsonw_knull(w, "code_name");
	jsonw_kuint(w, "checksum", m->checksum);
	if (m->is_checksum_checked)
		jsonw_kbool(w, "checksum_ok", m->is_checksum_ok);
	else
		jsonw_knull(w, "checksum_ok");
	jsonw_kuint(w, "length", icmp_wire_len(&p->ip));
	jsonw_kuint(w, "payload_len", p->ip.payload_len > 8 ? p->ip.payload_len - 8 : 0);

	if (p->icmp_err < 0 && p->icmp_err != IK_ERR_BAD_CHECKSUM) {
		json_error(w, "error", p->icmp_err);
		return;
	}
	char desc[256];
	if (ik_icmp_describe(m, desc, sizeof desc) >= 0)
		jsonw_kstr(w, "description", desc);

	if (type_has_id_seq(m->version, m->type)) {
		jsonw_kuint(w, "id", m->id);
		jsonw_kuint(w, "seq", m->seq);
	}
	if (type_has_mtu(m))
		jsonw_kuint(w, "mtu", m->mtu);
	if (type_has_pointer(m))
		jsonw_kuint(w, "pointer", m->pointer);
	if (m->version == 4) {
		switch (m->type) {
		case IK_ICMP4_REDIRECT:
			jsonw_kaddr(w, "gateway", &m->gateway);
			break;
		case IK_ICMP4_TIMESTAMP:
		case IK_ICMP4_TIMESTAMP_REPLY:
			jsonw_key(w, "timestamps");
			jsonw_obj_begin(w);
			jsonw_kuint(w, "originate", m->ts_originate);
			jsonw_kuint(w, "receive", m->ts_receive);
			jsonw_kuint(w, "transmit", m->ts_transmit);
			jsonw_obj_end(w);
			break;
		case IK_ICMP4_MASK_REQUEST:
		case IK_ICMP4_MASK_REPLY: {
			struct ik_addr mask;
			uint8_t b[4] = {(uint8_t)(m->address_mask >> 24), (uint8_t)(m->address_mask >> 16),
					(uint8_t)(m->address_mask >> 8), (uint8_t)m->address_mask};
			ik_addr_set4(&mask, b);
			jsonw_kaddr(w, "address_mask", &mask);
			break;
		}
		case IK_ICMP4_ROUTER_ADVERT:
			jsonw_kuint(w, "num_addrs", m->ra4_num_addrs);
			jsonw_kuint(w, "lifetime_s", m->ra4_lifetime_s);
			jsonw_key(w, "routers");
			jsonw_arr_begin(w);
			for (unsigned i = 0; i < m->ra4_entry_count && i < IK_RA4_MAX_ENTRIES; i++) {
				jsonw_obj_begin(w);
				jsonw_kaddr(w, "addr", &m->ra4_entries[i].addr);
				jsonw_key(w, "preference");
				jsonw_int(w, m->ra4_entries[i].preference);
				jsonw_obj_end(w);
			}
			jsonw_arr_end(w);
			break;
		case IK_ICMP4_EXT_ECHO_REQUEST:
			jsonw_kbool(w, "local", m->xe_is_local);
			break;
		case IK_ICMP4_EXT_ECHO_REPLY:
			jsonw_kuint(w, "state", m->xe_state);
			jsonw_kbool(w, "active", m->xe_is_active);
			jsonw_kbool(w, "ipv4", m->xe_has_ipv4);
			jsonw_kbool(w, "ipv6", m->xe_has_ipv6);
			break;
		default:
			break;
		}
	} else {
		if (m->type >= IK_ICMP6_ROUTER_SOLICIT && m->type <= IK_ICMP6_REDIRECT)
			json_nd(w, m);
		if (m->type == IK_ICMP6_EXT_ECHO_REQUEST)
			jsonw_kbool(w, "local", m->xe_is_local);
		if (m->type == IK_ICMP6_EXT_ECHO_REPLY) {
			jsonw_kuint(w, "state", m->xe_state);
			jsonw_kbool(w, "active", m->xe_is_active);
			jsonw_kbool(w, "ipv4", m->xe_has_ipv4);
			jsonw_kbool(w, "ipv6", m->xe_has_ipv6);
		}
	}
	if (type_has_quote(m) && m->quote.is_present)
		json_quote(w, m);
	if (m->quote_err)
		json_error(w, "quote_error", m->quote_err);
	if (m->ext.is_present)
		json_ext(w, &m->ext);
	if (m->ext_err)
		json_error(w, "ext_error", m->ext_err);
	(void)ctx;
}

static void json_packet(struct decode_ctx *ctx, const struct pcap_pkthdr *h,
			const struct ik_packet *p, int rc)
{
	struct jsonw *w = &ctx->jw;
	jsonw_obj_begin(w);
	jsonw_key(w, "ts");
	jsonw_time(w, (int64_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec);
	jsonw_kuint(w, "frame", ctx->frames);
	jsonw_kuint(w, "caplen", h->caplen);
	if (rc < 0) {
		json_error(w, "error", rc);
		jsonw_kstr(w, "error_text", ik_strerror(rc));
		goto done;
	}
	const struct ik_ip *ip = &p->ip;
	jsonw_kuint(w, "ip_version", ip->version);
	jsonw_kaddr(w, "src", &ip->src);
	jsonw_kaddr(w, "dst", &ip->dst);
	jsonw_kuint(w, "ttl", ip->ttl);
	jsonw_kuint(w, "ip_len", ip->total_len);
	if (ip->version == 4)
		jsonw_kuint(w, "ip_id", ip->frag_id);
	else
		jsonw_kuint(w, "flow_label", ip->flow_label);
	jsonw_kbool(w, "is_fragment", ip->is_fragment);
	if (ip->is_fragment) {
		jsonw_kuint(w, "frag_offset", ip->frag_offset);
		if (ip->version == 6)
			jsonw_kuint(w, "frag_id", ip->frag_id);
	}
	if (p->has_icmp)
		json_icmp(ctx, w, p);
	if (p->has_icmp && p->icmp_err < 0 && p->icmp_err != IK_ERR_BAD_CHECKSUM)
		jsonw_kstr(w, "error_text", ik_strerror(p->icmp_err));
done:
	jsonw_obj_end(w);
	jsonw_eol(w);
}

/* ---- the capture loop ---- */

static void decode_frame(struct decode_ctx *ctx, const struct pcap_pkthdr *h, const uint8_t *data)
{
	struct ik_packet p;
	ctx->frames++;
	int rc = ik_packet_decode(ctx->link, data, h->caplen, &p);
	if (rc == IK_ERR_UNSUPPORTED)
		return; /* not IP: ARP, LLDP, ... */
	if (rc == 0) {
		bool is_icmp_proto = p.ip.protocol == IK_PROTO_ICMP || p.ip.protocol == IK_PROTO_ICMPV6;
		if (!p.has_icmp && !(p.is_fragment && is_icmp_proto))
			return; /* TCP, UDP, ... */
		if (p.has_icmp && p.icmp_err < 0) {
			if (p.icmp_err == IK_ERR_BAD_CHECKSUM)
				ctx->bad_cksum++;
			else
				ctx->errors++;
		}
	} else {
		ctx->errors++;
	}
	ctx->icmp++;
	if (ctx->opt.is_json)
		json_packet(ctx, h, &p, rc);
	else
		text_packet(ctx, h, &p, rc);
	if (ctx->is_live) {
		/* A person is watching: show each packet as it comes. */
		if (ctx->opt.is_json)
			(void)jsonw_flush(&ctx->jw);
		else
			fflush(stdout);
	}
}

static int decode_loop(struct decode_ctx *ctx)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	for (;;) {
		if (decode_stop)
			return 0;
		if (ctx->opt.count_max && ctx->icmp >= (uint64_t)ctx->opt.count_max)
			return 0;
		int rc = pcap_next_ex(ctx->pcap, &h, &data);
		if (rc == 1) {
			decode_frame(ctx, h, data);
		} else if (rc == 0) {
			continue; /* live timeout: look at the flag again */
		} else if (rc == PCAP_ERROR_BREAK) {
			return 0; /* end of file, or pcap_breakloop */
		} else {
			fprintf(stderr, "%s: %s: %s\n", DECODE_PROG,
				ctx->is_live ? ctx->opt.iface : ctx->opt.file, pcap_geterr(ctx->pcap));
			return -1;
		}
	}
}

static void decode_usage(FILE *out)
{
	fprintf(out,
		"usage: icmpkit decode [-nqv] [--json] [-c COUNT] FILE [FILTER...]\n"
		"       icmpkit decode [-nqv] [--json] [-c COUNT] [-s SNAPLEN] [--promisc] -i IFACE [FILTER...]\n"
		"Prints the ICMP and ICMPv6 packets of a pcap/pcapng file ('-' for stdin)\n"
		"or of a live interface; FILTER is a pcap-filter(7) expression.\n"
		"  -c COUNT     stop after COUNT ICMP packets\n"
		"  -i IFACE     capture live on IFACE (Ctrl-C stops)\n"
		"  -r FILE      read FILE (same as the FILE argument)\n"
		"  -s SNAPLEN   bytes captured per packet (live; default %d)\n"
		"  --promisc    put the interface in promiscuous mode\n"
		"  -n           numeric output (always the case; accepted for tcpdump users)\n"
		"  -v           more detail: IP header, quote, extensions, ND options\n"
		"  -q           no summary on stderr\n"
		"  --json       one JSON object per packet per line\n"
		"See icmpkit-decode(1).\n",
		DECODE_SNAPLEN_DEFAULT);
}

static int decode_parse(int argc, char **argv, struct decode_opts *o)
{
	enum { OPT_JSON = 256, OPT_PROMISC, OPT_HELP };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"promisc", no_argument, NULL, OPT_PROMISC},
		{"help", no_argument, NULL, OPT_HELP},
		{"count", required_argument, NULL, 'c'},
		{"interface", required_argument, NULL, 'i'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	int c;
	memset(o, 0, sizeof *o);
	o->snaplen = DECODE_SNAPLEN_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:i:r:s:nqvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (opt_number(DECODE_PROG, "-c", optarg, 1, INT64_MAX, &o->count_max))
				return -1;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'r':
			o->file = optarg;
			break;
		case 's':
			if (opt_number(DECODE_PROG, "-s", optarg, 64, 262144, &o->snaplen))
				return -1;
			break;
		case 'n':
			break;
		case 'q':
			o->is_quiet = true;
			break;
		case 'v':
			o->is_verbose = true;
			break;
		case OPT_JSON:
			o->is_json = true;
			break;
		case OPT_PROMISC:
			o->is_promisc = true;
			break;
		case 'h':
		case OPT_HELP:
			decode_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "%s: option '%s' needs a value\n", DECODE_PROG, argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "%s: unknown option '%s'\n", DECODE_PROG, argv[optind - 1]);
			return -1;
		}
	}
	if (!o->iface && !o->file) {
		if (optind >= argc) {
			fprintf(stderr, "%s: no capture file or interface given\n", DECODE_PROG);
			return -1;
		}
		o->file = argv[optind++];
	}
	if (o->iface && o->file) {
		fprintf(stderr, "%s: -i and a capture file exclude each other\n", DECODE_PROG);
		return -1;
	}
	/* The rest is a filter expression, its words joined like tcpdump does. */
	size_t len = 0;
	for (int i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (len + n + 2 > sizeof o->filter) {
			fprintf(stderr, "%s: filter expression longer than %zu bytes\n", DECODE_PROG,
				sizeof o->filter - 1);
			return -1;
		}
		if (len)
			o->filter[len++] = ' ';
		memcpy(o->filter + len, argv[i], n);
		len += n;
		o->filter[len] = '\0';
	}
	return 0;
}

static int decode_open(struct decode_ctx *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const struct decode_opts *o = &ctx->opt;
	if (o->file) {
		ctx->pcap = pcap_open_offline(o->file, errbuf);
		if (!ctx->pcap) {
			/* libpcap's text already names the file for system errors. */
			bool is_named = strncmp(errbuf, o->file, strlen(o->file)) == 0;
			fprintf(stderr, "%s: %s%s%s\n", DECODE_PROG, is_named ? "" : o->file,
				is_named ? "" : ": ", errbuf);
			return -1;
		}
		return 0;
	}
	ctx->is_live = true;
	ctx->pcap = pcap_create(o->iface, errbuf);
	if (!ctx->pcap) {
		fprintf(stderr, "%s: %s: %s\n", DECODE_PROG, o->iface, errbuf);
		return -1;
	}
	if (pcap_set_snaplen(ctx->pcap, (int)o->snaplen) || pcap_set_promisc(ctx->pcap, o->is_promisc) ||
	    pcap_set_immediate_mode(ctx->pcap, 1) || pcap_set_timeout(ctx->pcap, 100)) {
		fprintf(stderr, "%s: %s: cannot configure the capture\n", DECODE_PROG, o->iface);
		return -1;
	}
	int rc = pcap_activate(ctx->pcap);
	if (rc < 0) {
		const char *why = rc == PCAP_ERROR ? pcap_geterr(ctx->pcap) : pcap_statustostr(rc);
		fprintf(stderr, "%s: %s: %s\n", DECODE_PROG, o->iface, why);
		return -1;
	}
	if (rc > 0)
		fprintf(stderr, "%s: %s: warning: %s\n", DECODE_PROG, o->iface,
			rc == PCAP_WARNING ? pcap_geterr(ctx->pcap) : pcap_statustostr(rc));
	return 0;
}

static int decode_setup(struct decode_ctx *ctx)
{
	int dlt = pcap_datalink(ctx->pcap);
	if (ik_link_from_dlt(dlt, &ctx->link) < 0) {
		const char *name = pcap_datalink_val_to_name(dlt);
		fprintf(stderr, "%s: link type %d (%s) is not supported\n", DECODE_PROG, dlt,
			name ? name : "unknown");
		return -1;
	}
	if (ctx->opt.filter[0]) {
		struct bpf_program prog;
		if (pcap_compile(ctx->pcap, &prog, ctx->opt.filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			fprintf(stderr, "%s: filter '%s': %s\n", DECODE_PROG, ctx->opt.filter,
				pcap_geterr(ctx->pcap));
			return -1;
		}
		int rc = pcap_setfilter(ctx->pcap, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			fprintf(stderr, "%s: filter: %s\n", DECODE_PROG, pcap_geterr(ctx->pcap));
			return -1;
		}
	}
	return 0;
}

int cmd_decode(int argc, char **argv)
{
	/*
	 * stdout keeps using its buffer until exit, so it cannot live on the
	 * stack or be freed here; one static buffer, set once, is the simple way.
	 */
	static char stdout_buf[DECODE_STDOUT_BUF];
	static bool is_stdout_set;
	struct decode_ctx *ctx = calloc(1, sizeof *ctx);
	int status = EXIT_USAGE;
	if (!ctx) {
		fprintf(stderr, "%s: out of memory\n", DECODE_PROG);
		return EXIT_USAGE;
	}
	int prc = decode_parse(argc, argv, &ctx->opt);
	if (prc != 0) {
		free(ctx);
		return prc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (decode_open(ctx) < 0 || decode_setup(ctx) < 0 || privs_drop(DECODE_PROG) < 0)
		goto out;

	if (ctx->opt.is_json) {
		if (jsonw_init(&ctx->jw, stdout, DECODE_JSON_BUF) < 0) {
			fprintf(stderr, "%s: out of memory\n", DECODE_PROG);
			goto out;
		}
	} else {
		/* One big stdio buffer: a line per packet would otherwise be a write(2) each. */
		if (!is_stdout_set && setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf) == 0)
			is_stdout_set = true;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = decode_on_signal;
	sigemptyset(&sa.sa_mask);
	decode_stop = 0;
	decode_sig_pcap = ctx->pcap;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int lrc = decode_loop(ctx);

	/*
	 * The handler stays: a second SIGINT (timeout(1) sends one to the
	 * process and one to its group) must not kill us before the output is
	 * flushed. It no longer touches the handle, which is closed below.
	 */
	decode_sig_pcap = NULL;

	bool is_out_failed = false;
	if (ctx->opt.is_json)
		is_out_failed = jsonw_finish(&ctx->jw) < 0;
	else
		is_out_failed = fflush(stdout) != 0 || ferror(stdout);
	if (is_out_failed)
		fprintf(stderr, "%s: writing output failed\n", DECODE_PROG);

	if (!ctx->opt.is_quiet) {
		fprintf(stderr, "%" PRIu64 " packets read, %" PRIu64 " ICMP decoded, %" PRIu64
				" errors, %" PRIu64 " bad checksums",
			ctx->frames, ctx->icmp, ctx->errors, ctx->bad_cksum);
		struct pcap_stat st;
		if (ctx->is_live && pcap_stats(ctx->pcap, &st) == 0)
			fprintf(stderr, ", %u dropped by kernel", st.ps_drop);
		fputc('\n', stderr);
	}
	/* 1: the input ended in a read error after a partial decode. */
	status = lrc < 0 ? (ctx->frames ? EXIT_NOREPLY : EXIT_USAGE) : EXIT_OK;
	if (is_out_failed)
		status = EXIT_USAGE;
out:
	if (ctx->pcap)
		pcap_close(ctx->pcap);
	free(ctx);
	return status;
}
