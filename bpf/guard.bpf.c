/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit guard's XDP fast path: drops echo floods per source, ping-of-death fragments and broadcast echo at the driver. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "guard_xdp_abi.h"

/*
 * Header fields are read through the structs of <linux/ip.h> only after the
 * verifier-visible bounds check against data_end: the kernel refuses any
 * access it cannot prove in bounds, which is this program's cursor.
 */

/* One bucket per source: tokens scaled by 1e9 so refill needs no division per token. */
struct gx_bucket {
	__u64 last_ns;
	__u64 tokens_nano; /* tokens * 1e9 */
};

/* The source address; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291 2.5.5.2). */
struct gx_key {
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gx_config);
} gx_conf SEC(".maps");

/* Per-CPU LRU lists: CPUs dropping a flood do not contend on one list lock. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct gx_key);
	__type(value, struct gx_bucket);
} gx_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GX_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} gx_stats SEC(".maps");

#define GX_NANO 1000000000ULL

static __always_inline int gx_count(__u32 index, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&gx_stats, &index);
	if (c)
		*c += 1;
	return verdict;
}

/*
 * Takes one token from the source's bucket; false when it is empty. Two CPUs
 * may race on one bucket and both win a token: the limit is approximate under
 * contention, never stricter than configured.
 */
static __always_inline int gx_allow(const struct gx_config *cfg, struct gx_key *key)
{
	if (cfg->rate_pps == 0)
		return 1;
	/* The tick-grained clock: a plain load, where the precise one reads the
	 * TSC (slow under a hypervisor); buckets refill per tick, not per ns. */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u64 cap = cfg->burst * GX_NANO;
	struct gx_bucket *b = bpf_map_lookup_elem(&gx_sources, key);
	if (!b) {
		struct gx_bucket fresh = {now, cap - GX_NANO};
		bpf_map_update_elem(&gx_sources, key, &fresh, BPF_ANY);
		return 1;
	}
	__u64 elapsed = now - b->last_ns;
	/* Past a full refill the bucket is simply full (and no product overflows). */
	__u64 tokens = b->tokens_nano;
	if (elapsed >= GX_NANO * 3600)
		tokens = cap;
	else
		tokens += elapsed * cfg->rate_pps;
	if (tokens > cap)
		tokens = cap;
	b->last_ns = now;
	if (tokens < GX_NANO) {
		b->tokens_nano = tokens;
		return 0;
	}
	b->tokens_nano = tokens - GX_NANO;
	return 1;
}

static __always_inline int gx_is_bcast(const struct gx_config *cfg, __u32 daddr)
{
	for (__u32 i = 0; i < GX_MAX_BCAST; i++) {
		if (i >= cfg->bcast_count)
			break;
		if (cfg->bcast[i] == daddr)
			return 1;
	}
	return 0;
}

static __always_inline int gx_ipv4(const struct gx_config *cfg, void *data, void *data_end)
{
	struct iphdr *ip = data;
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (ip->protocol != IPPROTO_ICMP)
		return gx_count(GX_PASS, XDP_PASS);
	__u32 ihl_len = ip->ihl * 4u;
	if (ihl_len < sizeof *ip)
		return XDP_PASS; /* malformed: the stack drops and counts it */
	__u16 frag = bpf_ntohs(ip->frag_off);
	__u32 offset = (frag & 0x1fff) * 8u;
	__u32 tot_len = bpf_ntohs(ip->tot_len);
	/*
	 * RFC 791: a datagram is at most 65535 bytes. Header plus data up to
	 * this fragment's end is offset + tot_len: past 65535 is a ping of death.
	 */
	if (offset + tot_len > 65535)
		return gx_count(GX_DROP_POD, XDP_DROP);
	if (offset != 0)
		return gx_count(GX_PASS, XDP_PASS); /* later fragments carry no ICMP header */
	__u8 *icmp = (__u8 *)ip + ihl_len;
	if ((void *)(icmp + 1) > data_end)
		return XDP_PASS;
	if (icmp[0] != 8) /* RFC 792: Echo Request */
		return gx_count(GX_PASS, XDP_PASS);
	__u32 daddr = ip->daddr;
	__u8 first = ((__u8 *)&ip->daddr)[0];
	if (daddr == 0xffffffff || (first & 0xf0) == 0xe0 || gx_is_bcast(cfg, daddr))
		return gx_count(GX_DROP_BCAST, XDP_DROP);
	struct gx_key key = {.addr = {[10] = 0xff, [11] = 0xff}};
	__builtin_memcpy(key.addr + 12, &ip->saddr, 4);
	if (!gx_allow(cfg, &key))
		return gx_count(GX_DROP_FLOOD, XDP_DROP);
	return gx_count(GX_PASS, XDP_PASS);
}

static __always_inline int gx_ipv6(const struct gx_config *cfg, void *data, void *data_end)
{
	struct ipv6hdr *ip6 = data;
	if ((void *)(ip6 + 1) > data_end)
		return XDP_PASS;
	if (ip6->nexthdr != IPPROTO_ICMPV6)
		return gx_count(GX_PASS, XDP_PASS);
	__u8 *icmp = (__u8 *)(ip6 + 1);
	if ((void *)(icmp + 1) > data_end)
		return XDP_PASS;
	if (icmp[0] != 128) /* RFC 4443 4.1: Echo Request */
		return gx_count(GX_PASS, XDP_PASS);
	if (ip6->daddr.s6_addr[0] == 0xff)
		return gx_count(GX_DROP_BCAST, XDP_DROP);
	struct gx_key key;
	__builtin_memcpy(key.addr, &ip6->saddr, 16);
	if (!gx_allow(cfg, &key))
		return gx_count(GX_DROP_FLOOD, XDP_DROP);
	return gx_count(GX_PASS, XDP_PASS);
}

SEC("xdp")
int icmpkit_guard(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	__u32 zero = 0;
	const struct gx_config *cfg = bpf_map_lookup_elem(&gx_conf, &zero);
	if (!cfg)
		return XDP_PASS;
	__u16 proto = bpf_ntohs(eth->h_proto);
	if (proto == ETH_P_IP)
		return gx_ipv4(cfg, eth + 1, data_end);
	if (proto == ETH_P_IPV6)
		return gx_ipv6(cfg, eth + 1, data_end);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
