/* SPDX-License-Identifier: BSD-3-Clause */
/* Pacing, clocks and signals shared by icmpkit ping's --timestamp and --probe modes. */
#include <signal.h>
#include <string.h>
#include <time.h>

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
