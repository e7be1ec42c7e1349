/* SPDX-License-Identifier: BSD-3-Clause */
/* Pacing, clocks and signals shared by icmpkit ping's --timestamp and --probe modes. */
#ifndef ICMPKIT_PING_XMODE_H
#define ICMPKIT_PING_XMODE_H

#include <stdbool.h>
#include <stdint.h>

#include "ping.h"

/*
 * When to send and when to stop, with ping's meaning of -c, -i, -W and -w:
 * send count probes (0: until interrupted) interval apart; after the last,
 * wait up to -W seconds (default linger) for what is outstanding; -w ends
 * the whole run.
 */
struct xmode_sched {
	long long count;
	long long sent;
	int64_t interval_us;
	int64_t linger_us;
	int64_t deadline_us; /* monotonic µs, 0 for none */
	int64_t start_us;
	int64_t next_us;     /* next send, monotonic µs */
	int64_t last_us;     /* last send */
};

/* Monotonic and realtime clocks in µs. */
int64_t xmode_mono_us(void);
int64_t xmode_real_us(void);

void xmode_sched_init(struct xmode_sched *s, const struct ping_opts *o, int64_t default_linger_us);
/* True when a probe is due now (and counts it as sent). */
bool xmode_sched_due(struct xmode_sched *s, int64_t now_us);
/*
 * True when the run is over: interrupted, past the deadline, or everything
 * sent and either all answered (outstanding 0) or the linger expired.
 */
bool xmode_sched_done(const struct xmode_sched *s, int64_t now_us, long long outstanding);
/* Milliseconds poll() may sleep before the next event (at least 0, at most 1000). */
int xmode_sched_wait_ms(const struct xmode_sched *s, int64_t now_us);

/* SIGINT/SIGTERM set a flag (no SA_RESTART, so poll returns EINTR). */
void xmode_signals_install(void);
bool xmode_is_interrupted(void);

#endif
