/* SPDX-License-Identifier: BSD-3-Clause */
/* What guard's XDP program (bpf/guard.bpf.c) and its loader (src/guard_xdp.c) share: counter indexes and the config map's value. */
#ifndef ICMPKIT_BPF_GUARD_XDP_ABI_H
#define ICMPKIT_BPF_GUARD_XDP_ABI_H

#include <linux/types.h>

/* Indexes of the per-CPU counters in gx_stats. */
enum {
	GX_PASS = 0,
	GX_DROP_FLOOD = 1,
	GX_DROP_POD = 2,
	GX_DROP_BCAST = 3,
	GX_COUNTERS = 4,
};

#define GX_MAX_BCAST 16

/*
 * What the loader writes into gx_conf before attaching: token-bucket
 * parameters and the interface's directed broadcast addresses (network
 * byte order). An array scanned in a few compares, not a hash map: every
 * echo request asks.
 */
struct gx_config {
	__u64 rate_pps;
	__u64 burst;
	__u32 bcast_count;
	__u32 bcast[GX_MAX_BCAST];
};

#endif
