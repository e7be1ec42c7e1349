/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit ping --timestamp: ICMP Timestamp (RFC 792) transit times and clock offset, clockdiff style. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "icmpkit/clockoff.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"
#include "icmpkit/names.h"
#include "icmpkit/sock.h"
#include "jsonw.h"
#include "ping.h"
#include "ping_xmode.h"

/* Requests remembered for matching; a reply older than this many probes is stale. */
#define TS_WINDOW 1024
/* Most replies kept for the summary (a day at 10 per second). */
#define TS_MAX_SAMPLES (1u << 20)
#define TS_DEFAULT_LINGER_US 10000000

struct ts_sent {
	bool is_used;
	bool is_answered;
	bool has_tx_stamp;
	uint16_t seq;
	uint32_t originate; /* what we wrote: replies must echo it (RFC 792) */
	int64_t t1_us;      /* realtime µs: user clock, then the kernel's TX stamp */
	uint32_t tx_id;     /* SO_TIMESTAMPING OPT_ID of this send */
};

struct ts_ctx {
	struct xmode_run run;
	struct ts_sent sent[TS_WINDOW];
	uint32_t tx_count;
	struct ik_ts_est *ests;
	size_t n_ests;
	size_t cap_ests;
	/* wire RTT statistics, µs */
	int64_t rtt_min, rtt_max;
	double rtt_sum, rtt_sum2;
	bool has_rx_stamps;
	bool has_tx_stamps;
};

/* Integer square root, so the front end needs no libm for one mdev. */
static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;
	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static int64_t ts_us(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

/* µs as signed milliseconds with three decimals. */
static void fmt_ms(char *buf, size_t cap, int64_t us, bool is_signed)
{
	const char *sign = us < 0 ? "-" : (is_signed ? "+" : "");
	int64_t a = us < 0 ? -us : us;
	snprintf(buf, cap, "%s%lld.%03lld", sign, (long long)(a / 1000), (long long)(a % 1000));
}

static int ts_send(void *ctx)
{
	struct ts_ctx *c = ctx;
	uint16_t seq = (uint16_t)c->run.sched.sent; /* first probe is seq 1 */
	struct ts_sent *e = &c->sent[seq % TS_WINDOW];
	if (e->is_used && !e->is_answered)
		c->run.outstanding--; /* fell out of the window unanswered */
	int64_t now = xmode_real_us();
	*e = (struct ts_sent){.is_used = true,
			      .seq = seq,
			      .t1_us = now,
			      .originate = ik_ts_ms_of_day(now),
			      .tx_id = c->tx_count};
	struct ik_icmp m = {.version = 4,
			    .type = IK_ICMP4_TIMESTAMP,
			    .id = c->run.ident,
			    .seq = seq,
			    .ts_originate = e->originate};
	uint8_t buf[64];
	int len = ik_icmp4_encode(&m, buf, sizeof buf);
	if (len < 0)
		return len;
	int rc = ik_sock_send(c->run.sock, &c->run.t->addr, buf, (size_t)len);
	if (rc < 0) {
		e->is_used = false;
		return rc;
	}
	c->tx_count++;
	c->run.outstanding++;
	return 0;
}

/* Kernel TX stamps replace the user-space send time: closer to the wire, still before it. */
static void ts_drain_errqueue(void *ctx)
{
	struct ts_ctx *c = ctx;
	uint8_t buf[256];
	struct ik_sock_err err;
	while (ik_sock_recv_err(c->run.sock, buf, sizeof buf, &err) == 0) {
		if (err.kind != IK_SOCKERR_TXSTAMP || !err.has_ts)
			continue; /* ICMP errors come in as raw packets too; handled there */
		for (size_t i = 0; i < TS_WINDOW; i++) {
			struct ts_sent *e = &c->sent[i];
			if (e->is_used && e->tx_id == err.tx_id && !e->has_tx_stamp) {
				e->t1_us = ts_us(&err.ts);
				e->has_tx_stamp = true;
				c->has_tx_stamps = true;
				break;
			}
		}
	}
}

static void ts_keep(struct ts_ctx *c, const struct ik_ts_est *est)
{
	if (c->n_ests == c->cap_ests) {
		if (c->cap_ests >= TS_MAX_SAMPLES)
			return;
		size_t cap = c->cap_ests ? c->cap_ests * 2 : 64;
		struct ik_ts_est *p = realloc(c->ests, cap * sizeof *p);
		if (!p)
			return;
		c->ests = p;
		c->cap_ests = cap;
	}
	c->ests[c->n_ests++] = *est;
}

static void ts_print_reply(struct ts_ctx *c, const struct ik_icmp *m, const struct ik_ip *ip,
			   const struct ik_ts_est *est, int64_t t4_us)
{
	char from[IK_ADDR_STRLEN] = "?";
	if (ik_addr_format(&ip->src, from, sizeof from) < 0)
		strcpy(from, "?");
	bool is_ut = est->base == IK_TS_BASE_UT;
	if (c->run.o->is_json) {
		struct jsonw *w = &c->run.json;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "timestamp_reply");
		jsonw_kstr(w, "from", from);
		jsonw_kuint(w, "seq", m->seq);
		jsonw_kuint(w, "ttl", ip->ttl);
		jsonw_key(w, "time");
		jsonw_time(w, t4_us / 1000000, (uint32_t)(t4_us % 1000000));
		jsonw_kuint(w, "originate", m->ts_originate);
		jsonw_kuint(w, "receive", m->ts_receive);
		jsonw_kuint(w, "transmit", m->ts_transmit);
		jsonw_kstr(w, "base", ik_ts_base_name(est->base));
		jsonw_key(w, "rtt_us");
		jsonw_int(w, est->wire_us);
		jsonw_key(w, "peer_hold_us");
		jsonw_int(w, est->wire_us - est->rtt_us);
		jsonw_key(w, "forward_us");
		jsonw_int(w, est->forward_us);
		jsonw_key(w, "return_us");
		jsonw_int(w, est->return_us);
		jsonw_key(w, "offset_us");
		jsonw_int(w, est->offset_us);
		jsonw_key(w, "offset_lo_us");
		jsonw_int(w, est->lo_us);
		jsonw_key(w, "offset_hi_us");
		jsonw_int(w, est->hi_us);
		jsonw_obj_end(w);
		jsonw_eol(w);
		return;
	}
	if (c->run.o->is_quiet)
		return;
	char rtt[32], fwd[32], ret[32], off[32];
	fmt_ms(rtt, sizeof rtt, est->wire_us, false);
	fmt_ms(fwd, sizeof fwd, est->forward_us, true);
	fmt_ms(ret, sizeof ret, est->return_us, true);
	fmt_ms(off, sizeof off, est->offset_us, true);
	if (c->run.o->print_timestamps)
		printf("[%lld.%06lld] ", (long long)(t4_us / 1000000),
		       (long long)(t4_us % 1000000));
	uint32_t mask = ~IK_TS_NONSTANDARD;
	printf("from %s: ts_seq=%u ttl=%u orig=%u recv=%u xmit=%u rtt=%s ms", from, m->seq, ip->ttl,
	       m->ts_originate, m->ts_receive & mask, m->ts_transmit & mask, rtt);
	if (est->wire_us != est->rtt_us)
		printf(" hold=%lld ms", (long long)((est->wire_us - est->rtt_us) / 1000));
	if (is_ut)
		printf(" fwd=%s ms ret=%s ms offset=%s ms\n", fwd, ret, off);
	else
		/* Transit each way is unknowable in a foreign base: only the base difference. */
		printf(" base_diff=%s ms (%s time base%s)\n", off, ik_ts_base_name(est->base),
		       est->base == IK_TS_BASE_NONSTANDARD ? ", high bit set" : "");
}

static void ts_handle(void *ctx, const uint8_t *buf, size_t len, const struct ik_sock_info *info)
{
	struct ts_ctx *c = ctx;
	struct ik_ip ip;
	struct ik_icmp m;
	if (ik_ip_decode(buf, len, &ip) != 0 || ip.protocol != IK_PROTO_ICMP || ip.is_fragment)
		return;
	/* A bad checksum is not our peer's answer: drop it like the kernel would. */
	if (ik_icmp4_decode(ip.payload, ip.payload_len, &m) != 0)
		return;
	if (ik_icmp_is_error(4, m.type)) {
		if (m.quote.has_icmp && m.quote.icmp_type == IK_ICMP4_TIMESTAMP &&
		    m.quote.icmp_id == c->run.ident) {
			struct ts_sent *e = &c->sent[m.quote.icmp_seq % TS_WINDOW];
			if (e->is_used && e->seq == m.quote.icmp_seq && !e->is_answered) {
				e->is_answered = true;
				c->run.outstanding--;
			}
			/* "From X icmp_seq=N <text>", as ping prints. */
			xmode_print_error(&c->run, &m, &ip.src, "icmp_seq", m.quote.icmp_seq,
					  m.quote.icmp_seq);
		}
		return;
	}
	if (m.type != IK_ICMP4_TIMESTAMP_REPLY || m.id != c->run.ident)
		return;
	struct ts_sent *e = &c->sent[m.seq % TS_WINDOW];
	/* RFC 792: the reply returns our originate stamp; with id and seq it names our probe. */
	if (!e->is_used || e->seq != m.seq || e->originate != m.ts_originate || e->is_answered)
		return;
	int64_t t4 = info->has_ts ? ts_us(&info->ts) : xmode_real_us();
	if (info->has_ts)
		c->has_rx_stamps = true;
	/* The TX stamp may still sit on the error queue: take it first. */
	if (!e->has_tx_stamp)
		ts_drain_errqueue(c);
	e->is_answered = true;
	c->run.outstanding--;
	c->run.received++;
	struct ik_ts_sample s = {.t1_us = e->t1_us, .t4_us = t4, .receive = m.ts_receive,
				 .transmit = m.ts_transmit};
	struct ik_ts_est est;
	int rc = ik_ts_eval(&s, &est);
	if (rc != 0) {
		if (!c->run.o->is_json)
			printf("from %s: ts_seq=%u unusable stamps recv=%#x xmit=%#x: %s\n",
			       c->run.t->addr_text, m.seq, m.ts_receive, m.ts_transmit,
			       rc == IK_ERR_UNSUPPORTED
				   ? "receive and transmit in different time bases"
				   : ik_strerror(rc));
		return;
	}
	ts_keep(c, &est);
	int64_t w = est.wire_us;
	if (c->run.received == 1 || w < c->rtt_min)
		c->rtt_min = w;
	if (w > c->rtt_max)
		c->rtt_max = w;
	c->rtt_sum += (double)w;
	c->rtt_sum2 += (double)w * (double)w;
	ts_print_reply(c, &m, &ip, &est, t4);
}

static void ts_summary(void *ctx)
{
	struct ts_ctx *c = ctx;
	/* The counts first: their time_ms does not include summarizing. */
	if (c->run.o->is_json)
		xmode_summary_json_begin(&c->run, "timestamp_summary");
	else
		xmode_summary_text(&c->run, "timestamp");
	struct ik_ts_summary sum;
	bool has_sum = c->n_ests && ik_ts_summarize(c->ests, c->n_ests, &sum) == 0;
	int64_t avg = 0, mdev = 0;
	if (c->n_ests) {
		double mean = c->rtt_sum / (double)c->n_ests;
		double var = c->rtt_sum2 / (double)c->n_ests - mean * mean;
		avg = (int64_t)(mean + 0.5);
		mdev = var > 0 ? (int64_t)isqrt((uint64_t)var) : 0;
	}
	if (c->run.o->is_json) {
		struct jsonw *w = &c->run.json;
		jsonw_kstr(w, "rx_stamps", c->has_rx_stamps ? "kernel" : "user");
		jsonw_kstr(w, "tx_stamps", c->has_tx_stamps ? "kernel" : "user");
		if (has_sum) {
			jsonw_kstr(w, "base", ik_ts_base_name(sum.base));
			jsonw_kuint(w, "samples", sum.count);
			jsonw_kuint(w, "best_samples", sum.best_count);
			jsonw_key(w, "rtt_min_us");
			jsonw_int(w, sum.min_wire_us);
			jsonw_key(w, "rtt_avg_us");
			jsonw_int(w, avg);
			jsonw_key(w, "rtt_max_us");
			jsonw_int(w, c->rtt_max);
			jsonw_key(w, "rtt_mdev_us");
			jsonw_int(w, mdev);
			jsonw_key(w, "offset_us");
			jsonw_int(w, sum.offset_us);
			jsonw_key(w, "error_us");
			jsonw_int(w, sum.error_us);
			jsonw_kbool(w, "is_bounded", sum.is_bounded);
			jsonw_key(w, "quartile_offset_us");
			jsonw_int(w, sum.best_offset_us);
			jsonw_key(w, "quartile_error_us");
			jsonw_int(w, sum.best_error_us);
		}
		jsonw_obj_end(w);
		jsonw_eol(w);
		return;
	}
	if (!has_sum)
		return;
	char mn[32], av[32], mx[32], md[32], off[32], err[32], q[32], qe[32];
	fmt_ms(mn, sizeof mn, sum.min_wire_us, false);
	fmt_ms(av, sizeof av, avg, false);
	fmt_ms(mx, sizeof mx, c->rtt_max, false);
	fmt_ms(md, sizeof md, mdev, false);
	fmt_ms(off, sizeof off, sum.offset_us, true);
	fmt_ms(err, sizeof err, sum.error_us, false);
	fmt_ms(q, sizeof q, sum.best_offset_us, true);
	fmt_ms(qe, sizeof qe, sum.best_error_us, false);
	printf("rtt min/avg/max/mdev = %s/%s/%s/%s ms\n", mn, av, mx, md);
	/* clockdiff's line, host=... rtt=avg(dev)ms/minms delta=...ms/...ms, at µs resolution. */
	printf("host=%s rtt=%s(%s)ms/%sms delta=%sms/%sms error=%sms base=%s\n",
	       c->run.t->addr_text, av, md, mn, off, q, err, ik_ts_base_name(sum.base));
	const char *what = sum.base == IK_TS_BASE_UT ? "offset" : "base difference";
	if (sum.is_bounded)
		printf("%s %s ms +/- %s ms (peer minus local, bounds of %zu replies; "
		       "best quartile %s ms +/- %s ms from %zu)\n",
		       what, off, err, sum.count, q, qe, sum.best_count);
	else
		printf("%s %s ms +/- %s ms (peer minus local, best quartile of %zu replies; "
		       "their bounds disagree: the peer's clock moved or rounds)\n",
		       what, off, err, sum.count);
}

static void ts_start(void *ctx)
{
	struct ts_ctx *c = ctx;
	if (!c->run.o->is_json)
		printf("TIMESTAMP %s (%s): ICMP Timestamp Request, 20 bytes\n", c->run.t->name,
		       c->run.t->addr_text);
}

static const struct xmode_ops ts_ops = {
    .sock = {.mode = "--timestamp",
	     .pass4 = 1u << IK_ICMP4_TIMESTAMP_REPLY | 1u << IK_ICMP4_DEST_UNREACH |
		      1u << IK_ICMP4_TIME_EXCEEDED | 1u << IK_ICMP4_PARAM_PROBLEM,
	     .wants_tx_stamps = true,
	     .no_stamps_text = "no kernel timestamps; using the clock after each syscall"},
    .default_linger_us = TS_DEFAULT_LINGER_US,
    .start = ts_start,
    .send = ts_send,
    .handle = ts_handle,
    .drain_errqueue = ts_drain_errqueue,
    .finish = ts_summary,
};

int ping_timestamp_run(const struct ping_opts *o, const struct ping_target *t)
{
	if (t->addr.family != 4) {
		fprintf(stderr, "%s: --timestamp: ICMP Timestamp exists only in IPv4 (RFC 792); "
				"%s is IPv6\n", o->prog, t->arg);
		return EXIT_USAGE;
	}
	struct ts_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		return EXIT_USAGE;
	}
	c->run.o = o;
	c->run.t = t;
	int status = xmode_loop(&c->run, &ts_ops, c);
	free(c->ests);
	free(c);
	return status;
}
