/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw socket, event loop, pacing and summaries shared by ping's --timestamp and --probe modes. */
#ifndef ICMPKIT_PING_XMODE_H
#define ICMPKIT_PING_XMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/icmp.h"
#include "icmpkit/sock.h"
#include "jsonw.h"
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

/* What a mode's raw socket lets through and how its packets are stamped. */
struct xmode_sock_cfg {
	const char *mode;           /* the option, for "--probe needs a raw ICMP socket" */
	uint32_t pass4;             /* IPv4 types ICMP_FILTER passes (32 and up always pass) */
	const uint8_t *pass6;       /* IPv6 types ICMP6_FILTER passes */
	size_t pass6_len;
	bool wants_tx_stamps;       /* try kernel TX stamps too, RX only if refused */
	const char *no_stamps_text; /* -v note when the kernel gives no stamps */
};

/*
 * Opens a raw ICMP socket of the given family with -t, -Q and -I applied and
 * the cfg's filter and stamps. Prints why on failure; returns 0 or -1.
 */
int xmode_sock_open(struct ik_sock **out, const struct ping_opts *o, int family,
		    const struct xmode_sock_cfg *cfg);

/* The state every mode's run has; a mode's context embeds it. */
struct xmode_run {
	const struct ping_opts *o;
	const struct ping_target *t;
	struct ik_sock *sock;
	uint16_t ident;
	struct xmode_sched sched;
	long long received;
	long long errors;
	long long outstanding; /* sent, neither answered nor expired */
	struct jsonw json;
};

/* What a mode does at each step of xmode_loop; ctx is the mode's context. */
struct xmode_ops {
	struct xmode_sock_cfg sock;
	int64_t default_linger_us;
	void (*start)(void *ctx);                     /* the banner */
	int (*send)(void *ctx);                       /* one probe: 0 or an ik_err */
	void (*handle)(void *ctx, const uint8_t *buf, size_t len,
		       const struct ik_sock_info *info); /* one received packet */
	void (*drain_errqueue)(void *ctx);            /* on POLLERR; NULL discards the queue */
	void (*expire)(void *ctx, int64_t now_us, bool is_final); /* NULL: nothing expires */
	void (*finish)(void *ctx);                    /* the summary */
};

/*
 * Opens r->sock for r->t's family, drops privileges, then sends, receives and
 * expires until the schedule is done, finishes, and closes r->sock.
 * Returns the exit code: 0 a reply came, 1 none, 2 error.
 */
int xmode_loop(struct xmode_run *r, const struct xmode_ops *ops, void *ctx);

/* "From X <seq_name>=N text" (or a JSON "error") for an ICMP error quoting one of ours. */
void xmode_print_error(struct xmode_run *r, const struct ik_icmp *m, const struct ik_addr *from,
		       const char *seq_name, unsigned json_seq, unsigned text_seq);

/*
 * The counts every summary starts with. JSON: opens the object with type,
 * host and counts, for the caller to add to and close. Text: the header and
 * the transmitted/received line.
 */
void xmode_summary_json_begin(struct xmode_run *r, const char *type);
void xmode_summary_text(struct xmode_run *r, const char *what);

#endif
