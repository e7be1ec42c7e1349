/* SPDX-License-Identifier: BSD-3-Clause */
/* RTT statistics: iputils-compatible integer sums, stored samples for percentiles, RFC 3550 jitter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/stats.h"

void ik_stats_init(struct ik_stats *st)
{
	memset(st, 0, sizeof *st);
	st->min_us = INT64_MAX;
}

void ik_stats_free(struct ik_stats *st)
{
	free(st->samples_ns);
	ik_stats_init(st);
}

void ik_stats_add(struct ik_stats *st, int64_t rtt_ns)
{
	if (rtt_ns < 0)
		rtt_ns = 0;
	/* Round to the microsecond iputils would have measured. */
	int64_t us = (rtt_ns + 500) / 1000;
	st->sum_us += us;
	st->sum2_us += (double)us * (double)us;
	if (us < st->min_us)
		st->min_us = us;
	if (us > st->max_us)
		st->max_us = us;
	/* iputils keeps 8x the average with gain 1/8: rtt += t - rtt/8. */
	if (st->count == 0)
		st->ewma8_us = us * 8;
	else
		st->ewma8_us += us - st->ewma8_us / 8;
	/*
	 * RFC 3550 6.4.1: D is the difference of transit times of consecutive
	 * packets; for a round trip the transit is the RTT itself.
	 */
	if (st->has_last) {
		double d = fabs((double)(rtt_ns - st->last_ns));
		st->jitter_ns += (d - st->jitter_ns) / 16.0;
	}
	st->last_ns = rtt_ns;
	st->has_last = true;
	st->count++;

	if (st->count > st->samples_cap) {
		size_t cap = st->samples_cap ? st->samples_cap * 2 : 1024;
		int64_t *p = realloc(st->samples_ns, cap * sizeof *p);
		if (!p) {
			/* The percentiles then cover the first samples_cap RTTs. */
			st->is_oom = true;
			return;
		}
		st->samples_ns = p;
		st->samples_cap = cap;
	}
	if (st->count <= st->samples_cap) {
		st->samples_ns[st->count - 1] = rtt_ns;
		st->is_sorted = false;
	}
}

int64_t ik_stats_avg_us(const struct ik_stats *st)
{
	return st->count ? st->sum_us / (int64_t)st->count : 0;
}

/* Newton's integer square root, as iputils takes it of the variance. */
static int64_t isqrt(int64_t a)
{
	if (a <= 0)
		return 0;
	int64_t x = a, prev = INT64_MAX;
	while (x < prev) {
		prev = x;
		x = (x + a / x) / 2;
	}
	return x;
}

int64_t ik_stats_mdev_us(const struct ik_stats *st)
{
	if (!st->count)
		return 0;
	int64_t n = (int64_t)st->count;
	int64_t var;
	/*
	 * The same order of operations as iputils, so the last digit agrees:
	 * (sum2 - sum*sum/n) / n while the sum is small, else sum2/n - avg^2.
	 */
	if (st->sum_us < 2147483647)
		var = (int64_t)((st->sum2_us - (double)((st->sum_us * st->sum_us) / n)) / (double)n);
	else
		var = (int64_t)(st->sum2_us / (double)n) - ik_stats_avg_us(st) * ik_stats_avg_us(st);
	return isqrt(var);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int ik_stats_percentile(struct ik_stats *st, double p, int64_t *out_ns)
{
	size_t n = st->count < st->samples_cap ? (size_t)st->count : st->samples_cap;
	if (n == 0 || !st->samples_ns)
		return IK_ERR_NOT_FOUND;
	if (!(p >= 0.0 && p <= 100.0))
		return IK_ERR_INVALID;
	if (!st->is_sorted) {
		qsort(st->samples_ns, n, sizeof *st->samples_ns, cmp_i64);
		st->is_sorted = true;
	}
	/* Nearest rank: ceil(p/100 * n), at least 1. */
	double r = ceil(p / 100.0 * (double)n);
	size_t rank = r < 1.0 ? 1 : (size_t)r;
	if (rank > n)
		rank = n;
	*out_ns = st->samples_ns[rank - 1];
	return IK_OK;
}

int64_t ik_stats_jitter_ns(const struct ik_stats *st)
{
	return (int64_t)llround(st->jitter_ns);
}
