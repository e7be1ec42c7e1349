/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit watch: an ICMP intrusion-detection engine fed one captured frame at a time. */
#ifndef ICMPKIT_WATCH_H
#define ICMPKIT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"
#include "icmpkit/packet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where `icmpkit watch` reads its config when no -c is given. */
#define IK_WATCH_CONF_PATH "/etc/icmpkit/watch.conf"
#define IK_WATCH_REASON_SIZE 160
#define IK_WATCH_MAX_BROADCASTS 64

/*
 * Every threshold, with the defaults of ik_watch_conf_defaults (documented
 * in icmpkit-watch(1)). Rates are packets per second measured over one
 * second of packet time; windows and intervals are seconds.
 */
struct ik_watch_conf {
	unsigned flood_source_rate;      /* echo requests/s from one source */
	unsigned flood_destination_rate; /* echo requests/s toward one destination */
	unsigned flood_distributed_sources; /* distinct sources that make it distributed */
	unsigned oversize_length;        /* ICMP datagrams longer than this (bytes) */
	unsigned smurf_replies;          /* unsolicited echo replies/s toward one host */
	unsigned smurf_responders;       /* ... from at least this many hosts (1..8) */
	unsigned tunnel_score;           /* flow score that raises the tunnel alert */
	unsigned tunnel_min_packets;     /* echo packets seen before a flow is scored */
	double tunnel_entropy;           /* bits per byte above which payloads look random */
	unsigned tunnel_size_stddev;     /* payload size deviation (bytes) that is not ping */
	unsigned tunnel_bytes;           /* bytes in one flow that count as sustained volume */
	unsigned tunnel_duration;        /* seconds that make a flow a long session */
	unsigned forged_min_mtu;         /* IPv4 Frag Needed MTU below this is forged */
	unsigned forged_min_mtu6;        /* IPv6 Packet Too Big MTU below this is forged */
	bool is_forged_tcp_checked;      /* errors quoting unseen TCP connections alert */
	unsigned forged_tcp_warmup;      /* seconds of watching before they may */
	unsigned recon_destinations;     /* distinct destinations that make a sweep */
	unsigned recon_window;           /* ... within this many seconds */
	unsigned alert_interval;         /* seconds before the same alert repeats */
	unsigned alert_rate;             /* alerts per signature per second, at most */
	unsigned flow_timeout;           /* seconds of silence that end an ICMP flow */
	unsigned memory_cap_mib;         /* all state tables together */
	unsigned broadcast_count;
	struct ik_addr broadcasts[IK_WATCH_MAX_BROADCASTS]; /* directed broadcasts watched */
};

void ik_watch_conf_defaults(struct ik_watch_conf *conf);

/*
 * Parses a config (untrusted `key = value` text, the grammar of guard's)
 * over conf, which should hold the defaults. `broadcast` may be given
 * several times, one address each. On IK_ERR_SYNTAX, *error_line and
 * reason say what is wrong. Returns 0 or IK_ERR_SYNTAX.
 */
IK_WUR int ik_watch_conf_parse(struct ik_watch_conf *conf, const char *text, size_t text_len,
			       unsigned *error_line, char *reason, size_t reason_size);

/* Adds a directed broadcast address. Returns 0, IK_ERR_NOSPACE or IK_ERR_INVALID. */
IK_WUR int ik_watch_conf_add_broadcast(struct ik_watch_conf *conf, const struct ik_addr *a);

/* Signature ids: icmpkit's own range, gid 1, rev 1 (see icmpkit-watch(1)). */
enum ik_watch_sid {
	IK_SID_FLOOD_SOURCE = 9100001,
	IK_SID_FLOOD_DESTINATION = 9100002,
	IK_SID_FLOOD_DISTRIBUTED = 9100003,
	IK_SID_POD = 9100010,
	IK_SID_OVERSIZE = 9100011,
	IK_SID_SMURF_BROADCAST = 9100020,
	IK_SID_SMURF_VICTIM = 9100021,
	IK_SID_TUNNEL = 9100030,
	IK_SID_TUNNEL_PTUNNEL = 9100031,
	IK_SID_TUNNEL_ICMPTX = 9100032,
	IK_SID_REDIRECT = 9100040,
	IK_SID_SMALL_MTU = 9100041,
	IK_SID_ERROR_ABOUT_ERROR = 9100042,
	IK_SID_BLIND_TCP = 9100043,
	IK_SID_SWEEP = 9100050,
	IK_SID_NMAP_ECHO = 9100051,
	IK_SID_ICMPENUM = 9100052,
	IK_SID_BROADSCAN = 9100053,
	IK_SID_BAD_CHECKSUM = 9100060,
	IK_SID_UNKNOWN_TYPE = 9100061,
	IK_SID_UNKNOWN_CODE = 9100062,
	IK_SID_TRUNCATED = 9100063,
	IK_SID_FRAGMENTED = 9100064,
	IK_SID_QUOTE_TRUNCATED = 9100065,
	IK_SID_QUOTE_VERSION = 9100066,
	IK_SID_QUOTE_FRAGMENT = 9100067,
	IK_SID_QUOTE_SHORT = 9100068,
};

/* One signature: what the alert says and what to do about it. */
struct ik_watch_sig {
	uint32_t sid;
	const char *detector;  /* flood, pod, smurf, tunnel, forged, recon, malformed */
	const char *signature; /* "ICMPKIT ..." one line, as EVE's alert.signature */
	const char *category;  /* Suricata classification text */
	uint8_t severity;      /* 1 high .. 3 low, as Suricata */
	const char *advice;    /* what to do about it, one sentence */
};

/* The signature table, ordered by sid; *count gets its length. */
const struct ik_watch_sig *ik_watch_sigs(size_t *count);
/* The entry for sid, or NULL. */
const struct ik_watch_sig *ik_watch_sig(uint32_t sid);

#define IK_WATCH_TOP_TALKERS 4
#define IK_WATCH_EXPLAIN_SIZE 256

/* One alert, valid only during the callback. */
struct ik_watch_alert {
	const struct ik_watch_sig *sig;
	int64_t ts_ns;          /* packet time of the packet that raised it */
	int ifindex;            /* the caller's interface number given with the frame */
	struct ik_addr src;
	struct ik_addr dst;
	bool has_icmp;
	uint8_t icmp_version;   /* 4 or 6 */
	uint8_t icmp_type;
	uint8_t icmp_code;
	char explanation[IK_WATCH_EXPLAIN_SIZE]; /* the figures that triggered it */
	/* Figures (zero when the detector has none): */
	uint64_t count;         /* packets counted in the window */
	uint64_t threshold;
	uint32_t sources;       /* distinct sources (estimated) */
	uint32_t score;         /* tunnel score */
	uint32_t reasons;       /* IK_WATCH_REASON_* bits, tunnel */
	uint8_t top_count;
	struct {
		struct ik_addr addr;
		uint64_t packets;
	} top[IK_WATCH_TOP_TALKERS];
	/* The echo flow (requester -> responder, id) for tunnel alerts. */
	uint16_t echo_id;
};

/* Why a flow scored as a tunnel. */
enum ik_watch_reason {
	IK_WATCH_REASON_SIZES = 1u << 0,     /* payload sizes vary */
	IK_WATCH_REASON_ENTROPY = 1u << 1,   /* payloads look random */
	IK_WATCH_REASON_MISMATCH = 1u << 2,  /* replies do not echo requests */
	IK_WATCH_REASON_VOLUME = 1u << 3,    /* sustained byte volume */
	IK_WATCH_REASON_DURATION = 1u << 4,  /* long session */
	IK_WATCH_REASON_SIGNATURE = 1u << 5, /* known tunnel framing */
};

/* Names of the reason bits in order ("sizes", "entropy", ...); NULL past the end. */
const char *ik_watch_reason_name(unsigned bit);

/* An ICMP echo flow ended (timeout, eviction or end of input). */
struct ik_watch_flow {
	struct ik_addr requester;
	struct ik_addr responder;
	uint8_t version;
	uint16_t echo_id;
	int64_t start_ns;
	int64_t end_ns;
	uint64_t requests;
	uint64_t replies;
	uint64_t request_bytes;
	uint64_t reply_bytes;
	uint32_t score;
	uint32_t reasons;
	bool is_alerted;
	const char *end_reason; /* "timeout", "evicted", "shutdown" */
};

struct ik_watch_callbacks {
	void (*alert)(void *user, const struct ik_watch_alert *alert);
	void (*flow)(void *user, const struct ik_watch_flow *flow); /* may be NULL */
	void *user;
};

/* State table use, for the periodic stats records. */
struct ik_watch_table_stats {
	const char *name;
	uint64_t capacity;
	uint64_t used;
	uint64_t evictions;
};

#define IK_WATCH_TABLES 5

struct ik_watch_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t ip;
	uint64_t icmp4;
	uint64_t icmp6;
	uint64_t fragments;
	uint64_t tcp_handshakes; /* SYNs seen for blind-error checks */
	uint64_t undecodable;    /* frames with no IP packet in them */
	uint64_t alerts;
	uint64_t alerts_suppressed; /* same alert within alert_interval */
	uint64_t memory_bytes;   /* allocated for all tables */
	struct ik_watch_table_stats tables[IK_WATCH_TABLES];
};

struct ik_watch;

/*
 * Makes an engine. Table sizes come from conf->memory_cap_mib and are
 * allocated here, once: nothing the traffic does makes them grow. Hashes
 * are keyed with a random seed so that spoofed sources cannot aim at one
 * bucket. Returns 0, IK_ERR_INVALID (a zero threshold, cap below 12 MiB) or
 * ik_err_sys(ENOMEM).
 */
IK_WUR int ik_watch_new(const struct ik_watch_conf *conf, const struct ik_watch_callbacks *cb,
			struct ik_watch **out);
void ik_watch_free(struct ik_watch *w);

/*
 * Feeds one captured frame: caplen bytes present of wire_len on the wire,
 * captured at ts_ns (packet time; it need not be monotonic across
 * interfaces, the engine keeps the latest). Alerts are delivered through
 * the callbacks before this returns. Never fails: what cannot be decoded is
 * counted or raised as a malformed alert.
 */
void ik_watch_frame(struct ik_watch *w, enum ik_link link, const uint8_t *frame, size_t caplen,
		    size_t wire_len, int64_t ts_ns, int ifindex);

/* Ends every flow (flow callback with end_reason "shutdown"). */
void ik_watch_finish(struct ik_watch *w);

void ik_watch_stats(const struct ik_watch *w, struct ik_watch_stats *out);

#ifdef __cplusplus
}
#endif
#endif
