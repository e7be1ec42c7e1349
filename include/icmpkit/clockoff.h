/* SPDX-License-Identifier: BSD-3-Clause */
/* Clock offset and transit times from ICMP Timestamp exchanges (RFC 792), NTP style. */
#ifndef ICMPKIT_CLOCKOFF_H
#define ICMPKIT_CLOCKOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Names used below, as in NTP (RFC 5905 8): T1 our send time, T2 the peer's
 * receive timestamp, T3 the peer's transmit timestamp, T4 our receive time.
 * Our times are microseconds since the Unix epoch on CLOCK_REALTIME (from
 * kernel timestamps where possible); the peer's are the 32-bit fields of the
 * Timestamp Reply, in host order, as they came off the wire. All results are
 * in microseconds, signed; an offset is the peer's clock minus ours.
 */

#define IK_TS_DAY_MS 86400000u
/* RFC 792: a timestamp with the high bit set is not ms since midnight UT. */
#define IK_TS_NONSTANDARD 0x80000000u

/* The time base a peer answered in. */
enum ik_ts_base {
	/* RFC 792: ms since midnight UT (high bit clear, below one day). */
	IK_TS_BASE_UT = 0,
	/* High bit clear but a day or more: not ms of day (e.g. ms since boot). */
	IK_TS_BASE_OTHER = 1,
	/* High bit set (RFC 792 "non-standard"): the low 31 bits in the peer's own base. */
	IK_TS_BASE_NONSTANDARD = 2,
};

/* Returns "UT", "other" or "non-standard" (never NULL). */
const char *ik_ts_base_name(uint8_t base);

/*
 * The originate timestamp for a request sent at realtime_us: ms since
 * midnight UT (RFC 792), truncated. realtime_us may be negative (before 1970).
 */
uint32_t ik_ts_ms_of_day(int64_t realtime_us);

/* One Timestamp Request/Reply exchange. */
struct ik_ts_sample {
	int64_t t1_us;     /* T1: our send time, µs since the epoch */
	int64_t t4_us;     /* T4: our receive time, µs since the epoch */
	uint32_t receive;  /* T2 as on the wire (high bit included) */
	uint32_t transmit; /* T3 as on the wire (high bit included) */
};

/*
 * What one exchange says. The peer's stamps are whole milliseconds that its
 * clock had reached (Linux's inet_current_timestamp() and the BSDs truncate),
 * so each stands for [T, T + 1 ms) and is taken at its middle, T + 0.5 ms.
 * In a base other than UT, forward/return transit and the offset include the
 * unknown difference between the peer's base and midnight UT: only rtt and
 * the differences between samples' offsets mean something there.
 */
struct ik_ts_est {
	uint8_t base;       /* enum ik_ts_base of T2 and T3 */
	int64_t wire_us;    /* T4 - T1: the whole round trip as we saw it */
	int64_t rtt_us;     /* (T4 - T1) - (T3 - T2): the network's share */
	int64_t forward_us; /* T2 - T1: transit to the peer plus the offset */
	int64_t return_us;  /* T4 - T3: transit back minus the offset */
	int64_t offset_us;  /* ((T2 - T1) + (T3 - T4)) / 2 */
	/*
	 * Hard bounds on the offset from causality alone: T1 <= t2 <= t3 <= T4 in
	 * true time, so T3 - T4 <= offset < T2 + 1 ms - T1.
	 */
	int64_t lo_us;
	int64_t hi_us;
};

/*
 * Evaluates one exchange. Midnight UT between T1 and T4, or between our
 * clock's and the peer's reading of it, is handled: differences are taken
 * modulo one day (UT) or 2^31 ms (non-standard) and brought into (-half,
 * half]. Returns 0; IK_ERR_INVALID when T4 < T1; IK_ERR_UNSUPPORTED when
 * T2 and T3 are in different bases (one has the high bit set, the other not).
 */
IK_WUR int ik_ts_eval(const struct ik_ts_sample *s, struct ik_ts_est *out);

/* The estimate over a run of exchanges. */
struct ik_ts_summary {
	uint8_t base;          /* enum ik_ts_base of the samples used */
	size_t count;          /* samples in that base */
	size_t best_count;     /* the lowest-RTT quartile of them (at least 1) */
	int64_t min_wire_us;   /* smallest T4 - T1 */
	int64_t min_rtt_us;    /* smallest (T4 - T1) - (T3 - T2) */
	/* NTP style: mean offset over the best quartile, +- half the min wire RTT + 0.5 ms. */
	int64_t best_offset_us;
	int64_t best_error_us;
	/*
	 * The intersection of every sample's [lo, hi): when not empty, its middle
	 * and half width are a tighter estimate, below a millisecond once the
	 * samples fall at different phases of the peer's millisecond.
	 */
	bool is_bounded;
	int64_t lo_us;
	int64_t hi_us;
	/* The answer: the bounded estimate when there is one, else the best quartile's. */
	int64_t offset_us;
	int64_t error_us;
};

/*
 * Summarises n evaluated samples. Samples in a base other than the one of the
 * lowest-RTT sample are left out (count says how many were used). Offsets in
 * a base other than UT are brought within half a day of the best sample's, so
 * our own midnight during a run does not split them. Reorders ests (sorted by
 * wire_us). Returns 0, or IK_ERR_INVALID when n is 0.
 */
IK_WUR int ik_ts_summarize(struct ik_ts_est *ests, size_t n, struct ik_ts_summary *out);

#ifdef __cplusplus
}
#endif
#endif
