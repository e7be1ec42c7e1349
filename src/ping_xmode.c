/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw socket, event loop, pacing and summaries shared by ping's --timestamp and --probe modes. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "icmpkit/names.h"
#include "ping_xmode.h"

/* STYLE.md: a signal handler only sets a flag; the loop does the work. */
static volatile sig_atomic_t xmode_stop;

static void on_signal(int sig)
{
	(void)sig;
	xmode_stop = 1;
}

void xmode_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool xmode_is_interrupted(void)
{
	return xmode_stop != 0;
}

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t xmode_mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

int64_t xmode_real_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

void xmode_sched_init(struct xmode_sched *s, const struct ping_opts *o, int64_t default_linger_us)
{
	memset(s, 0, sizeof *s);
	s->count = o->count;
	s->interval_us = o->has_interval ? (int64_t)(o->interval_s * 1e6) : 1000000;
	s->linger_us = o->has_timeout && o->timeout_s > 0 ? (int64_t)(o->timeout_s * 1e6)
							 : default_linger_us;
	s->start_us = xmode_mono_us();
	s->next_us = s->start_us;
	if (o->deadline_s > 0)
		s->deadline_us = s->start_us + (int64_t)(o->deadline_s * 1e6);
}

bool xmode_sched_due(struct xmode_sched *s, int64_t now_us)
{
	if (s->count && s->sent >= s->count)
		return false;
	if (now_us < s->next_us)
		return false;
	s->sent++;
	s->last_us = now_us;
	s->next_us += s->interval_us;
	/* A late loop does not send a burst to catch up. */
	if (s->next_us < now_us)
		s->next_us = now_us + s->interval_us;
	return true;
}

bool xmode_sched_done(const struct xmode_sched *s, int64_t now_us, long long outstanding)
{
	if (xmode_stop)
		return true;
	if (s->deadline_us && now_us >= s->deadline_us)
		return true;
	if (!s->count || s->sent < s->count)
		return false;
	return outstanding <= 0 || now_us >= s->last_us + s->linger_us;
}

int xmode_sched_wait_ms(const struct xmode_sched *s, int64_t now_us)
{
	int64_t until = now_us + 1000000;
	if (!s->count || s->sent < s->count) {
		if (s->next_us < until)
			until = s->next_us;
	} else if (s->last_us + s->linger_us < until) {
		until = s->last_us + s->linger_us;
	}
	if (s->deadline_us && s->deadline_us < until)
		until = s->deadline_us;
	int64_t ms = (until - now_us + 999) / 1000;
	return ms < 0 ? 0 : (int)ms;
}

int xmode_sock_open(struct ik_sock **out, const struct ping_opts *o, int family,
		    const struct xmode_sock_cfg *cfg)
{
	int rc = ik_sock_open(out, family, IK_SOCK_RAW);
	if (rc != 0) {
		fprintf(stderr, "%s: %s needs a raw ICMP socket: %s%s\n", o->prog, cfg->mode,
			ik_strerror(rc),
			ik_err_errno(rc) == EPERM ? " (run as root or with CAP_NET_RAW)" : "");
		return -1;
	}
	struct ik_sock *s = *out;
	if (o->ttl > 0 && (rc = ik_sock_set_ttl(s, o->ttl)) != 0) {
		fprintf(stderr, "%s: -t %d: %s\n", o->prog, o->ttl, ik_strerror(rc));
		return -1;
	}
	if (o->tos >= 0 && (rc = ik_sock_set_tos(s, o->tos)) != 0) {
		fprintf(stderr, "%s: -Q %d: %s\n", o->prog, o->tos, ik_strerror(rc));
		return -1;
	}
	if (o->interface && (rc = ik_sock_bind_device(s, o->interface)) != 0) {
		fprintf(stderr, "%s: -I %s: %s\n", o->prog, o->interface, ik_strerror(rc));
		return -1;
	}
	if (o->source.family == family && (rc = ik_sock_bind_source(s, &o->source)) != 0) {
		fprintf(stderr, "%s: -I: cannot bind the source address: %s\n", o->prog,
			ik_strerror(rc));
		return -1;
	}
	/* Only the replies and the errors that can quote our requests wake us. */
	rc = family == 4 ? ik_sock_set_filter4(s, cfg->pass4)
			 : ik_sock_set_filter6(s, cfg->pass6, cfg->pass6_len);
	if (rc != 0) {
		fprintf(stderr, "%s: ICMP filter: %s\n", o->prog, ik_strerror(rc));
		return -1;
	}
	/* Kernel stamps when we can have them; user-space clock reads otherwise. */
	if ((!cfg->wants_tx_stamps || ik_sock_set_timestamps(s, true, true, false) != 0) &&
	    ik_sock_set_timestamps(s, true, false, false) != 0 && o->is_verbose)
		fprintf(stderr, "%s: %s\n", o->prog, cfg->no_stamps_text);
	return 0;
}

static void xmode_events(struct xmode_run *r, const struct xmode_ops *ops, void *ctx)
{
	const struct ping_opts *o = r->o;
	uint8_t buf[1500];
	for (;;) {
		int64_t now = xmode_mono_us();
		if (ops->expire)
			ops->expire(ctx, now, false);
		if (xmode_sched_done(&r->sched, now, r->outstanding))
			break;
		if (xmode_sched_due(&r->sched, now)) {
			int rc = ops->send(ctx);
			if (rc != 0) {
				fprintf(stderr, "%s: sendto %s: %s\n", o->prog, r->t->addr_text,
					ik_strerror(rc));
				r->errors++;
			}
			continue;
		}
		struct pollfd p = {.fd = ik_sock_fd(r->sock), .events = POLLIN};
		int n = poll(&p, 1, xmode_sched_wait_ms(&r->sched, now));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "%s: poll: %s\n", o->prog, strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		/* Errors come as packets too; by default just empty the queue so poll sleeps. */
		if (p.revents & POLLERR) {
			if (ops->drain_errqueue) {
				ops->drain_errqueue(ctx);
			} else {
				struct ik_sock_err err;
				while (ik_sock_recv_err(r->sock, buf, sizeof buf, &err) == 0)
					;
			}
		}
		for (int i = 0; i < 64 && (p.revents & POLLIN); i++) {
			struct ik_sock_info info;
			int len = ik_sock_recv(r->sock, buf, sizeof buf, false, &info);
			if (len < 0)
				break;
			ops->handle(ctx, buf, (size_t)len, &info);
		}
		if (o->is_json)
			jsonw_flush(&r->json);
		else
			fflush(stdout);
	}
	if (ops->expire)
		ops->expire(ctx, xmode_mono_us(), true);
}

int xmode_loop(struct xmode_run *r, const struct xmode_ops *ops, void *ctx)
{
	const struct ping_opts *o = r->o;
	int status = EXIT_USAGE;
	if (xmode_sock_open(&r->sock, o, r->t->addr.family, &ops->sock) != 0 ||
	    privs_drop(o->prog) != 0)
		goto out;
	if (o->is_json && jsonw_init(&r->json, stdout, 1 << 16) != 0) {
		fprintf(stderr, "%s: out of memory\n", o->prog);
		goto out;
	}
	r->ident = (uint16_t)getpid();
	ik_sock_set_ident(r->sock, r->ident);
	xmode_signals_install();
	xmode_sched_init(&r->sched, o, ops->default_linger_us);
	ops->start(ctx);
	xmode_events(r, ops, ctx);
	ops->finish(ctx);
	status = r->received ? EXIT_OK : EXIT_NOREPLY;
	if (o->is_json && jsonw_finish(&r->json) != 0)
		status = EXIT_USAGE;
out:
	fflush(stdout);
	ik_sock_free(r->sock);
	r->sock = NULL;
	return status;
}

void xmode_print_error(struct xmode_run *r, const struct ik_icmp *m, const struct ik_addr *from,
		       const char *seq_name, unsigned json_seq, unsigned text_seq)
{
	char f[IK_ADDR_STRLEN] = "?", text[128];
	if (ik_addr_format(from, f, sizeof f) < 0)
		strcpy(f, "?");
	if (ik_icmp_describe(m, text, sizeof text) < 0)
		snprintf(text, sizeof text, "ICMP type %u code %u", m->type, m->code);
	r->errors++;
	if (r->o->is_json) {
		struct jsonw *w = &r->json;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "type", "error");
		jsonw_kstr(w, "from", f);
		jsonw_kuint(w, "seq", json_seq);
		jsonw_kuint(w, "icmp_type", m->type);
		jsonw_kuint(w, "icmp_code", m->code);
		jsonw_kstr(w, "text", text);
		jsonw_obj_end(w);
		jsonw_eol(w);
	} else if (!r->o->is_quiet) {
		printf("From %s %s=%u %s\n", f, seq_name, text_seq, text);
	}
}

static long long xmode_loss_pct(const struct xmode_run *r)
{
	long long sent = r->sched.sent;
	return sent ? (sent - r->received) * 100 / sent : 0;
}

static long long xmode_elapsed_ms(const struct xmode_run *r)
{
	return (long long)((xmode_mono_us() - r->sched.start_us) / 1000);
}

void xmode_summary_json_begin(struct xmode_run *r, const char *type)
{
	struct jsonw *w = &r->json;
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", type);
	jsonw_kstr(w, "host", r->t->addr_text);
	jsonw_kuint(w, "transmitted", (uint64_t)r->sched.sent);
	jsonw_kuint(w, "received", (uint64_t)r->received);
	jsonw_kuint(w, "errors", (uint64_t)r->errors);
	jsonw_kuint(w, "loss_pct", (uint64_t)xmode_loss_pct(r));
	jsonw_kuint(w, "time_ms", (uint64_t)xmode_elapsed_ms(r));
}

void xmode_summary_text(struct xmode_run *r, const char *what)
{
	printf("\n--- %s %s statistics ---\n", r->t->name, what);
	printf("%lld packets transmitted, %lld received", r->sched.sent, r->received);
	if (r->errors)
		printf(", +%lld errors", r->errors);
	printf(", %lld%% packet loss, time %lldms\n", xmode_loss_pct(r), xmode_elapsed_ms(r));
}
