/* SPDX-License-Identifier: BSD-3-Clause */
/* The traceroute probe engine: builds probes, paces them per hop, matches answers by the quoted packet. */
#ifndef ICMPKIT_TRACE_H
#define ICMPKIT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"
#include "icmpkit/icmp.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The engine does no I/O, so it can be driven by a command, a report loop,
 * a multipath prober or a unit test alike. Lifecycle (STYLE.md):
 *
 *   ik_trace_create()  ->  ik_trace_configure(cfg)  ->  ik_trace_start(now)
 *   loop:  ik_trace_next()      a probe to send now (bytes + TTL), or none
 *          ik_trace_sent()      optional: the precise send time
 *          ik_trace_input_*()   every ICMP message / TCP segment received
 *          ik_trace_deadline()  when to call ik_trace_next() again
 *   until ik_trace_is_done();  read ik_trace_hop() for each TTL;  ik_trace_free().
 *
 * Times are nanoseconds on CLOCK_MONOTONIC (any monotonic base works as long
 * as every call uses the same one). Probe bytes start at the transport
 * header (UDP, ICMP or TCP): the caller's socket adds the IP header.
 */
struct ik_trace;

enum ik_trace_method {
	IK_TRACE_UDP = 0, /* UDP to high ports (traceroute's default) */
	IK_TRACE_ICMP,    /* ICMP / ICMPv6 Echo Request (traceroute -I) */
	IK_TRACE_TCP,     /* TCP SYN to one port (traceroute -T) */
};

struct ik_trace_cfg {
	enum ik_trace_method method;
	struct ik_addr dst;
	/* The source address the probes leave with: the checksums cover it. */
	struct ik_addr src;
	/*
	 * The flow: UDP/TCP source port, or the ICMP Echo identifier.
	 * UDP: dport is the (first) destination port, TCP the port probed.
	 * A multipath prober varies sport (or the Echo id) to pick another flow.
	 */
	uint16_t sport;
	uint16_t dport;
	/*
	 * Paris traceroute: keep the fields load balancers hash on constant for
	 * every probe: UDP ports fixed and the probe told apart by its checksum
	 * (set through two payload bytes); ICMP id fixed, seq varying and the
	 * checksum held constant by two compensating payload bytes. Without it
	 * UDP increments the destination port per probe and ICMP lets the
	 * checksum vary, as classic traceroute does. TCP always keeps its ports
	 * and tells probes apart by the sequence number.
	 */
	bool is_paris;
	uint8_t first_ttl;   /* 1..255 */
	uint8_t max_ttl;     /* first_ttl..255 */
	uint8_t nqueries;    /* probes per hop, 1..IK_TRACE_MAX_QUERIES */
	uint16_t packet_len; /* whole IP datagram in bytes, header included */
	uint16_t window;     /* probes in flight at most (traceroute -N) */
	uint32_t wait_ms;    /* longest wait for any probe (traceroute -w MAX) */
	/* Wait no more than here_x10/10 times a same-hop RTT, near_x10/10 times a farther hop's; 0: off. */
	uint16_t here_x10;
	uint16_t near_x10;
	uint32_t min_wait_ms; /* floor of the adaptive waits */
	uint32_t sendwait_us; /* gap between any two probes (traceroute -z) */
	/*
	 * Per-hop pacing for routers' per-destination ICMP token bucket
	 * (Linux icmp_ratelimit: a burst of 6, then one per second). The engine
	 * assumes hop_burst answers are available at a hop, and once a probe to
	 * that hop goes unanswered it assumes the bucket is empty and sends
	 * there no faster than one probe per hop_refill_ms.
	 */
	uint8_t hop_burst;
	uint32_t hop_refill_ms;
	/* Extra sends of an unanswered query, only when the path shows life there. */
	uint8_t retries;
	/*
	 * tracepath-style path MTU: on Fragmentation Needed / Packet Too Big the
	 * probe is sent again at the reported size (not counted as a query),
	 * and each hop records the size that reached it. Set packet_len to the
	 * first-hop MTU and send with DF.
	 */
	bool is_mtu_discovery;
	/* Stop at the first hop that answers an unreachable with an annotation (!N, !H, ...). */
	bool is_stop_on_unreach;
	/*
	 * The first guess at the path length, in hops from first_ttl; 0: off
	 * (any TTL up to max_ttl is sent as the window allows, as traceroute
	 * -N does). Every probe with a TTL at or past the destination's hop
	 * reaches the destination, whose ICMP bucket (hop_burst) answers few,
	 * so until the end is known only TTLs up to the guess, or up to
	 * hop_burst - nqueries TTLs (at least 1) past the one after the
	 * farthest router that answered, are sent; every TTL left gets one
	 * probe once the path past that router stays silent after refill
	 * intervals.
	 *
	 * Whatever the guess, once the destination answers a probe (at any
	 * TTL) with an ICMP error, the TTL it quotes tells its hop (probe TTL
	 * - quoted TTL + 1): nothing is sent past that hop any more, and that
	 * hop's unanswered queries are asked again (up to `retries` each),
	 * paced by its bucket. A router answering at or past that hop
	 * disproves it.
	 */
	uint8_t guess_hops;
};

#define IK_TRACE_MAX_QUERIES 10
#define IK_TRACE_ANNOT_MAX 16

/* Fills cfg with traceroute's defaults for a method (ports, 30 hops, 3 queries, 60/80 bytes...). */
void ik_trace_cfg_defaults(struct ik_trace_cfg *cfg, enum ik_trace_method method, int family);

/* One query of one hop, as finally answered (or not). */
struct ik_trace_reply {
	bool is_answered;
	bool is_final;          /* the destination answered, or an unreachable ended the trace */
	struct ik_addr from;
	int64_t rtt_ns;
	uint8_t icmp_type;      /* 0 for a TCP answer */
	uint8_t icmp_code;
	uint8_t tcp_flags;      /* TCP answer: its flags (SYN|ACK, RST|ACK) */
	char annotation[IK_TRACE_ANNOT_MAX]; /* "!N", "!F-1400", ... or "" */
	int reply_ttl;          /* TTL / hop limit of the answer, -1 unknown */
	bool has_quoted_ttl;    /* the error quoted our IP header */
	uint8_t quoted_ttl;     /* its TTL: 1 normally, more behind a rewriting hop */
	uint32_t mtu;           /* next-hop MTU of Frag Needed / Packet Too Big, 0 none */
	uint16_t probe_len;     /* IP datagram length of the probe that was answered */
	uint8_t attempts;       /* sends this query took */
	struct ik_ext ext;      /* RFC 4884 extensions: MPLS stack, RFC 5837 interfaces */
};

struct ik_trace_hop {
	uint8_t ttl;
	uint8_t nqueries;
	bool is_final;          /* every query of this hop is answered or given up */
	uint16_t probes_sent;   /* including retries and MTU re-sends */
	uint32_t pmtu;          /* --mtu: the largest datagram known to reach this hop, 0 unknown */
	struct ik_trace_reply replies[IK_TRACE_MAX_QUERIES];
};

/* Counters for benchmarks and JSON. */
struct ik_trace_stats {
	uint32_t probes_sent;
	uint32_t replies;       /* matched to a probe */
	uint32_t foreign;       /* ICMP/TCP that quoted or answered someone else's flow */
	uint32_t late;          /* matched, but the query was already settled */
	uint32_t malformed;     /* did not decode */
	uint32_t retries;
	uint32_t past_end;      /* probes sent past the last hop, once the trace reached its end */
	int64_t start_ns;
	int64_t end_ns;         /* when the last hop settled */
};

/* A probe to send now. */
struct ik_trace_probe {
	uint32_t index;   /* pass back to ik_trace_sent() */
	uint8_t ttl;
	uint16_t ip_len;  /* the IP datagram length this probe makes */
};

/* Allocates an engine. Returns 0 or ik_err_sys(ENOMEM). */
IK_WUR int ik_trace_create(struct ik_trace **out);
/* Frees it; NULL is allowed. */
void ik_trace_free(struct ik_trace *t);
/*
 * Checks and copies cfg. Returns 0 or IK_ERR_INVALID (families differ,
 * TTLs out of order, nqueries 0 or too many, packet_len too small for the
 * headers or above 65535, window 0).
 */
IK_WUR int ik_trace_configure(struct ik_trace *t, const struct ik_trace_cfg *cfg);
/* Resets every hop and starts the clock. Returns 0 or IK_ERR_INVALID (not configured). */
IK_WUR int ik_trace_start(struct ik_trace *t, int64_t now_ns);

/*
 * The next probe due at now_ns: writes its transport header and payload into
 * buf (capacity cap) and returns the length (> 0); returns 0 when nothing is
 * due now (see ik_trace_deadline()), IK_ERR_NOSPACE when cap is too small.
 * The send time is taken as now_ns.
 */
IK_WUR int ik_trace_next(struct ik_trace *t, int64_t now_ns, struct ik_trace_probe *probe,
			 uint8_t *buf, size_t cap);
/* Records the exact send time (e.g. right after sendto) of a probe. */
void ik_trace_sent(struct ik_trace *t, uint32_t index, int64_t sent_ns);
/*
 * The probe could not be sent (err is a system error): EMSGSIZE in MTU
 * discovery lowers the size to mtu (when not 0) and sends again; other errors
 * settle the query as unanswered.
 */
void ik_trace_send_failed(struct ik_trace *t, uint32_t index, int err, uint32_t mtu);

/* The earliest time ik_trace_next() may have work; INT64_MAX when done. */
int64_t ik_trace_deadline(struct ik_trace *t, int64_t now_ns);
/* True once every hop up to the destination (or max_ttl) has settled. */
bool ik_trace_is_done(const struct ik_trace *t);

/*
 * Feeds one received ICMP message (buf at the ICMP type byte, or at the IPv4
 * header when has_ip_header). from is the sender, reply_ttl its TTL (-1
 * unknown), rx_ns the receive time. ICMPv6 checksums are checked against
 * from and cfg.src. Returns 1 when it answered one of our probes, 0 when it
 * is not ours (another flow, another program, forged), or a decode error.
 */
IK_WUR int ik_trace_input_icmp(struct ik_trace *t, const uint8_t *buf, size_t len,
			       bool has_ip_header, const struct ik_addr *from, int reply_ttl,
			       int64_t rx_ns);
/* The same for a decoded message (m must be an ICMP message from `from`). */
IK_WUR int ik_trace_input_msg(struct ik_trace *t, const struct ik_icmp *m,
			      const struct ik_addr *from, int reply_ttl, int64_t rx_ns);
/*
 * Feeds one received TCP segment (buf at the TCP header, or at the IPv4
 * header when has_ip_header) from `from`: a SYN-ACK or RST from the
 * destination answers a TCP probe. Returns 1, 0 or a decode error.
 */
IK_WUR int ik_trace_input_tcp(struct ik_trace *t, const uint8_t *buf, size_t len,
			      bool has_ip_header, const struct ik_addr *from, int reply_ttl,
			      int64_t rx_ns);

/* The TTL range to report: first_ttl .. last (the destination's hop, or max_ttl). */
uint8_t ik_trace_first_ttl(const struct ik_trace *t);
uint8_t ik_trace_last_ttl(const struct ik_trace *t);
/* True when some probe reached the destination (or ended at a final unreachable). */
bool ik_trace_has_reached(const struct ik_trace *t);
/* The hop at ttl, or NULL outside first_ttl..max_ttl. Owned by the engine. */
const struct ik_trace_hop *ik_trace_hop(const struct ik_trace *t, uint8_t ttl);
/* Counters so far. */
void ik_trace_get_stats(const struct ik_trace *t, struct ik_trace_stats *out);

#ifdef __cplusplus
}
#endif
#endif
