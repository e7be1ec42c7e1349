/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's engine state and the detectors' entry points (internal to libicmpkit). */
#ifndef ICMPKIT_LIB_WATCH_INT_H
#define ICMPKIT_LIB_WATCH_INT_H

#include "icmpkit/watch.h"
#include "watch_table.h"

#define NS_PER_SEC 1000000000ll
#define WATCH_ENTROPY_TABLE 2048 /* c*log2(c) precomputed for counts below this */
#define WATCH_MAX_RESPONDERS 8 /* the highest smurf_responders */
#define WATCH_SID_SLOTS 100 /* sids are 9100000 + 0..99 */

/* Addresses as 16 bytes (IPv4 mapped into ::ffff:0:0/96), the tables' key unit. */
struct watch_addr {
	uint8_t b[16];
};

/* What the detectors get for one decoded frame. */
struct watch_pkt {
	const struct ik_packet *p;
	int64_t ts_ns;
	int ifindex;
	size_t caplen;
	size_t wire_len;
	struct watch_addr src;
	struct watch_addr dst;
	uint64_t src_hash;   /* keyed hashes of src and dst, computed once */
	uint64_t dst_hash;
	bool is_tunnel_flow; /* its echo flow carries a tunnel's framing */
};

struct ik_watch {
	struct ik_watch_conf conf;
	struct ik_watch_callbacks cb;
	uint64_t seed[2];
	int64_t now_ns;    /* latest packet time */
	int64_t start_ns;  /* first packet time, 0 before it */
	int64_t next_sweep_ns;
	uint64_t sweep_pos;
	struct wt_table sources;
	struct wt_table destinations;
	struct wt_table flows;
	struct wt_table connections;
	struct wt_table alerts;
	struct ik_watch_stats stats;
	/* Per signature: the second being counted and the alerts raised in it. */
	int64_t sig_second[WATCH_SID_SLOTS];
	uint32_t sig_count[WATCH_SID_SLOTS];
	float clog2c[WATCH_ENTROPY_TABLE]; /* c * log2(c) */
	unsigned sweep_ones;               /* recon bits set that mean recon_destinations */
	uint16_t hist[2][256];             /* scratch for the entropy of one payload */
	uint16_t dhist[2][256];
};

/* Raises alert sid about pkt unless the same (sid, a, b) alerted within alert_interval. */
__attribute__((format(printf, 6, 7))) bool watch_alert(struct ik_watch *w, uint32_t sid,
						       const struct watch_pkt *wp,
						       const struct watch_addr *a,
						       struct ik_watch_alert *extra, const char *fmt,
						       ...);
/* As watch_alert, with the caller keeping the last-alert time in *last_ns. */
__attribute__((format(printf, 6, 7))) bool watch_alert_at(struct ik_watch *w, uint32_t sid,
							  const struct watch_pkt *wp,
							  int64_t *last_ns,
							  struct ik_watch_alert *extra,
							  const char *fmt, ...);

/* True when an alert kept at *last_ns may fire again now; counts the ones held back. */
bool watch_alert_due(struct ik_watch *w, int64_t last_ns, int64_t now_ns);

/* An address as text for an explanation; empty when it cannot be formatted. */
void watch_addr_text(const struct ik_addr *a, char *buf, size_t cap);

uint64_t watch_addr_hash(const struct ik_watch *w, const struct watch_addr *a);
void watch_addr_to_ik(const struct watch_addr *a, struct ik_addr *out);
bool watch_addr_is_v4(const struct watch_addr *a);

/* Detectors, one file each. */
unsigned watch_sweep_ones(unsigned destinations); /* watch_flood.c */
/* is_solicited: an echo reply whose flow saw a request (from watch_tunnel_packet). */
void watch_flood_packet(struct ik_watch *w, const struct watch_pkt *wp, bool is_solicited);
int watch_tunnel_init(struct ik_watch *w, size_t budget); /* watch_tunnel.c */
/* Tracks the echo flow; true for a reply to a request the flow saw. */
bool watch_tunnel_packet(struct ik_watch *w, struct watch_pkt *wp);
void watch_tunnel_sweep(struct ik_watch *w);
void watch_tunnel_finish(struct ik_watch *w);
void watch_frag_packet(struct ik_watch *w, const struct watch_pkt *wp);  /* watch_frag.c */
void watch_forged_packet(struct ik_watch *w, const struct watch_pkt *wp); /* watch_forged.c */
void watch_forged_tcp(struct ik_watch *w, const struct watch_pkt *wp);
void watch_malformed_packet(struct ik_watch *w, const struct watch_pkt *wp, int decode_rc);
void watch_fingerprints(struct ik_watch *w, const struct watch_pkt *wp);

/* Entry layouts of the tables (head, key, value). */
struct watch_src_entry {
	struct wt_head head;
	struct watch_addr addr;
	int64_t win_ns;           /* start of the one-second echo window */
	uint32_t echo_requests;   /* in that window */
	int64_t recon_win_ns;
	uint64_t recon_bits[2];   /* destinations queried, linear counting */
	uint32_t recon_queries;
	int64_t alerted_flood_ns;
	int64_t alerted_sweep_ns;
};

struct watch_talker {
	struct watch_addr addr;
	uint64_t packets;
};

struct watch_dst_entry {
	struct wt_head head;
	struct watch_addr addr;
	int64_t win_ns;
	uint32_t echo_requests;
	uint32_t unsolicited;     /* echo replies it never asked for, in the window */
	uint64_t source_bits[4];  /* distinct sources, linear counting */
	/*
	 * Distinct unsolicited responders, counted exactly (a smurf on a small
	 * LAN has two or three: a bitmap estimate would merge two of them one
	 * time in 64): 32 hash bits each, up to WATCH_MAX_RESPONDERS.
	 */
	uint32_t responders[WATCH_MAX_RESPONDERS];
	uint32_t responder_count;
	struct watch_talker top[IK_WATCH_TOP_TALKERS]; /* space-saving top talkers */
	int64_t alerted_flood_ns;
	int64_t alerted_smurf_ns;
};

#endif
