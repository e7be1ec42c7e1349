/* SPDX-License-Identifier: BSD-3-Clause */
/* Clock offset and transit times from ICMP Timestamp exchanges (RFC 792), NTP style. */
#include <stdlib.h>

#include "icmpkit/clockoff.h"

#define DAY_US ((int64_t)IK_TS_DAY_MS * 1000)
/* Non-standard and other-base stamps count in 31 bits of milliseconds. */
#define WRAP31_US (((int64_t)1 << 31) * 1000)
/* The peer's whole milliseconds are taken at their middle (see clockoff.h). */
#define HALF_MS_US 500

const char *ik_ts_base_name(uint8_t base)
{
	switch (base) {
	case IK_TS_BASE_UT:
		return "UT";
	case IK_TS_BASE_OTHER:
		return "other";
	case IK_TS_BASE_NONSTANDARD:
		return "non-standard";
	default:
		return "unknown";
	}
}

/* x mod m in [0, m), also for negative x. */
static int64_t mod_pos(int64_t x, int64_t m)
{
	int64_t r = x % m;
	return r < 0 ? r + m : r;
}

/* x brought into (-m/2, m/2] modulo m. */
static int64_t wrap_half(int64_t x, int64_t m)
{
	int64_t r = mod_pos(x, m);
	return r > m / 2 ? r - m : r;
}

uint32_t ik_ts_ms_of_day(int64_t realtime_us)
{
	return (uint32_t)(mod_pos(realtime_us, DAY_US) / 1000);
}

static uint8_t stamp_base(uint32_t v)
{
	if (v & IK_TS_NONSTANDARD)
		return IK_TS_BASE_NONSTANDARD;
	return v < IK_TS_DAY_MS ? IK_TS_BASE_UT : IK_TS_BASE_OTHER;
}

int ik_ts_eval(const struct ik_ts_sample *s, struct ik_ts_est *out)
{
	if (s->t4_us < s->t1_us)
		return IK_ERR_INVALID;
	uint8_t b2 = stamp_base(s->receive), b3 = stamp_base(s->transmit);
	/* RFC 792: the high bit says which base a stamp is in; two bases cannot be subtracted. */
	if ((b2 == IK_TS_BASE_NONSTANDARD) != (b3 == IK_TS_BASE_NONSTANDARD))
		return IK_ERR_UNSUPPORTED;
	/* A UT stamp next to one past a day: the peer does not count ms of day. */
	uint8_t base = b2 > b3 ? b2 : b3;

	int64_t t2 = (int64_t)(s->receive & ~IK_TS_NONSTANDARD) * 1000;
	int64_t t3 = (int64_t)(s->transmit & ~IK_TS_NONSTANDARD) * 1000;
	/* The peer's clock may pass its midnight (or its 31-bit wrap) between T2 and T3. */
	int64_t hold = wrap_half(t3 - t2, base == IK_TS_BASE_UT ? DAY_US : WRAP31_US);
	int64_t t1 = mod_pos(s->t1_us, DAY_US);
	int64_t fwd = t2 + HALF_MS_US - t1;
	/*
	 * Ours and the peer's midnight UT need not fall between the same two
	 * stamps: in UT every difference across the two clocks is modulo a day.
	 * In another base the difference is the base's own offset; leave it.
	 */
	if (base == IK_TS_BASE_UT)
		fwd = wrap_half(fwd, DAY_US);
	int64_t wire = s->t4_us - s->t1_us;
	/* T3 = T2 + hold, so return = T4 - T3 = wire - hold - forward. */
	int64_t ret = wire - hold - fwd;

	out->base = base;
	out->wire_us = wire;
	out->rtt_us = wire - hold;
	out->forward_us = fwd;
	out->return_us = ret;
	/* RFC 5905 8: theta = ((T2 - T1) + (T3 - T4)) / 2. */
	out->offset_us = (fwd - ret) / 2;
	/* The peer's true t3 is at least its field T3 and came before our T4; t2 likewise. */
	out->lo_us = -ret - HALF_MS_US;
	out->hi_us = fwd + HALF_MS_US;
	return IK_OK;
}

static int cmp_wire(const void *a, const void *b)
{
	const struct ik_ts_est *x = a, *y = b;
	if (x->wire_us != y->wire_us)
		return x->wire_us < y->wire_us ? -1 : 1;
	return 0;
}

int ik_ts_summarize(struct ik_ts_est *ests, size_t n, struct ik_ts_summary *out)
{
	if (n == 0)
		return IK_ERR_INVALID;
	qsort(ests, n, sizeof *ests, cmp_wire);
	*out = (struct ik_ts_summary){.base = ests[0].base};
	int64_t ref = ests[0].offset_us;

	/* Keep the samples in the best sample's base, in wire-RTT order. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (ests[i].base != out->base)
			continue;
		struct ik_ts_est e = ests[i];
		/* Our midnight during a run shifts a foreign base's offset by a day. */
		int64_t shift = wrap_half(e.offset_us - ref, DAY_US) - (e.offset_us - ref);
		e.offset_us += shift;
		e.lo_us += shift;
		e.hi_us += shift;
		ests[m++] = e;
	}
	out->count = m;
	/* clockdiff's rule: the exchanges with the least queueing tell the most. */
	out->best_count = m / 4 ? m / 4 : 1;
	out->min_wire_us = ests[0].wire_us;
	out->min_rtt_us = ests[0].rtt_us;
	out->lo_us = ests[0].lo_us;
	out->hi_us = ests[0].hi_us;
	int64_t sum = 0;
	for (size_t i = 0; i < m; i++) {
		if (i < out->best_count)
			sum += ests[i].offset_us;
		if (ests[i].rtt_us < out->min_rtt_us)
			out->min_rtt_us = ests[i].rtt_us;
		if (ests[i].lo_us > out->lo_us)
			out->lo_us = ests[i].lo_us;
		if (ests[i].hi_us < out->hi_us)
			out->hi_us = ests[i].hi_us;
	}
	out->best_offset_us = sum / (int64_t)out->best_count;
	out->best_error_us = (out->min_wire_us + 1) / 2 + HALF_MS_US;
	out->is_bounded = out->lo_us < out->hi_us;
	if (out->is_bounded) {
		out->offset_us = out->lo_us + (out->hi_us - out->lo_us) / 2;
		out->error_us = (out->hi_us - out->lo_us + 1) / 2;
	} else {
		out->offset_us = out->best_offset_us;
		out->error_us = out->best_error_us;
	}
	return IK_OK;
}
