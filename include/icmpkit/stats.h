/* SPDX-License-Identifier: BSD-3-Clause */
/* Round-trip statistics: iputils' min/avg/max/mdev and ewma, plus percentiles and RFC 3550 jitter. */
#ifndef ICMPKIT_STATS_H
#define ICMPKIT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An accumulator the caller owns. Sums are in microseconds, as iputils
 * keeps them, so the printed min/avg/max/mdev agree digit for digit; every
 * sample is also kept in nanoseconds for the percentiles.
 */
struct ik_stats {
	uint64_t count;     /* samples added */
	int64_t min_us;
	int64_t max_us;
	int64_t sum_us;
	double sum2_us;     /* sum of squares (double, like iputils' tsum2) */
	int64_t ewma8_us;   /* 8 x the exponentially weighted average (iputils' rtt) */
	/* RFC 3550 6.4.1: J += (|D| - J) / 16 over consecutive transit differences. */
	double jitter_ns;
	int64_t last_ns;
	bool has_last;
	int64_t *samples_ns; /* every sample, for the percentiles */
	size_t samples_cap;
	bool is_sorted;
	bool is_oom;         /* a sample could not be stored; percentiles cover fewer */
};

void ik_stats_init(struct ik_stats *st);
void ik_stats_free(struct ik_stats *st);
/* Adds one RTT in nanoseconds (negative values count as 0). */
void ik_stats_add(struct ik_stats *st, int64_t rtt_ns);
/* iputils' average and mdev in microseconds (integer sqrt of the variance). */
int64_t ik_stats_avg_us(const struct ik_stats *st);
int64_t ik_stats_mdev_us(const struct ik_stats *st);
/*
 * The p-th percentile (0..100) of the stored samples in nanoseconds, by the
 * nearest-rank method (the smallest sample with at least p% at or below
 * it). Sorts the samples on first use. Returns IK_ERR_NOT_FOUND when empty.
 */
IK_WUR int ik_stats_percentile(struct ik_stats *st, double p, int64_t *out_ns);
/* The RFC 3550 interarrival jitter estimate in nanoseconds. */
int64_t ik_stats_jitter_ns(const struct ik_stats *st);

#ifdef __cplusplus
}
#endif
#endif
