/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP tunnels: scores each echo flow on how unlike ping its payloads are, and knows two tunnels by their framing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "icmpkit/cksum.h"
#include "watch_int.h"

/* The first 4 payload bytes of every packet: ptunnel's magic and ptunnel-ng's default. */
#define PTUNNEL_MAGIC 0xd5200880u
#define PTUNNEL_NG_MAGIC 0xdeadc0deu
/* Payload bytes sampled for the entropy (at least, at most) and hashed for the echo check. */
#define TUNNEL_ENTROPY_MIN 32
#define TUNNEL_ENTROPY_MAX 512
#define TUNNEL_HASH_BYTES 64
/* Score weights: a reply that does not echo its request is what RFC 792 forbids. */
#define SCORE_SIZES 3
#define SCORE_ENTROPY 3
#define SCORE_MISMATCH 4
#define SCORE_VOLUME 1
#define SCORE_DURATION 1

struct watch_flow_key {
	struct watch_addr requester;
	struct watch_addr responder;
	uint16_t id;
	uint8_t version;
	uint8_t pad[5];
};

struct watch_flow_entry {
	struct wt_head head;
	struct watch_flow_key key;
	int64_t start_ns;
	uint64_t requests;
	uint64_t replies;
	uint64_t request_bytes;
	uint64_t reply_bytes;
	double size_sum;
	double size_sum2;
	float entropy_sum;
	uint32_t entropy_samples;
	uint64_t last_request_hash;
	uint16_t last_request_seq;
	bool has_last_request;
	bool is_alerted;
	uint32_t pairs;
	uint32_t mismatches;
	uint32_t score;
	uint32_t reasons;
	int64_t alerted_ns;
};

static void watch_flow_report(struct ik_watch *w, const struct watch_flow_entry *f, const char *why)
{
	struct ik_watch_flow out = {
		.version = f->key.version,
		.echo_id = f->key.id,
		.start_ns = f->start_ns,
		.end_ns = f->head.last_ns,
		.requests = f->requests,
		.replies = f->replies,
		.request_bytes = f->request_bytes,
		.reply_bytes = f->reply_bytes,
		.score = f->score,
		.reasons = f->reasons,
		.is_alerted = f->is_alerted,
		.end_reason = why,
	};
	watch_addr_to_ik(&f->key.requester, &out.requester);
	watch_addr_to_ik(&f->key.responder, &out.responder);
	w->cb.flow(w->cb.user, &out);
}

static void watch_tunnel_evicted(void *ctx, void *entry, const char *why)
{
	struct ik_watch *w = ctx;
	if (w->cb.flow)
		watch_flow_report(w, entry, why);
}

int watch_tunnel_init(struct ik_watch *w, size_t budget)
{
	int rc = wt_init(&w->flows, "flows", sizeof(struct watch_flow_entry),
			 sizeof(struct watch_flow_key), budget);
	w->flows.on_evict = watch_tunnel_evicted;
	w->flows.ctx = w;
	return rc;
}

/* Ends flows silent for flow_timeout, visiting a slice of the table per second. */
void watch_tunnel_sweep(struct ik_watch *w)
{
	uint64_t slice = w->flows.active / w->conf.flow_timeout + 1;
	int64_t idle = (int64_t)w->conf.flow_timeout * NS_PER_SEC;
	for (uint64_t n = 0; n < slice; n++) {
		w->sweep_pos = (w->sweep_pos + 1) % w->flows.active;
		struct watch_flow_entry *f = wt_at(&w->flows, w->sweep_pos);
		if (f && w->now_ns - f->head.last_ns > idle)
			wt_remove(&w->flows, f, "timeout");
	}
}

void watch_tunnel_finish(struct ik_watch *w)
{
	for (uint64_t i = 0; i < w->flows.active; i++) {
		struct watch_flow_entry *f = wt_at(&w->flows, i);
		if (f)
			wt_remove(&w->flows, f, "shutdown");
	}
}

/*
 * Bits per byte of the payload, the lower of the byte entropy and the
 * entropy of the differences between neighbouring bytes. ping's payloads
 * defeat plain byte entropy: iputils fills 1400 bytes with a counting
 * pattern whose bytes are uniformly spread (8 bits/byte) yet whose
 * differences are all 1 (0 bits/byte). Compressed or encrypted tunnel
 * payloads score high on both.
 */
static float watch_entropy(struct ik_watch *w, const uint8_t *p, size_t n)
{
	/* Two histograms of each, even and odd bytes: a run of equal bytes or
	 * differences (ping's patterns) would otherwise make every increment
	 * wait for the one before it. */
	uint8_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		w->hist[i & 1][p[i]]++;
		w->dhist[i & 1][(uint8_t)(p[i] - prev)]++;
		prev = p[i];
	}
	double sum = 0, dsum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = w->hist[0][p[i]] + w->hist[1][p[i]];
		if (c) {
			sum += c < WATCH_ENTROPY_TABLE ? w->clog2c[c] : c * log2(c);
			w->hist[0][p[i]] = w->hist[1][p[i]] = 0;
		}
		uint8_t d = (uint8_t)(p[i] - (i ? p[i - 1] : 0));
		c = w->dhist[0][d] + w->dhist[1][d];
		if (c) {
			dsum += c < WATCH_ENTROPY_TABLE ? w->clog2c[c] : c * log2(c);
			w->dhist[0][d] = w->dhist[1][d] = 0;
		}
	}
	double logn = log2((double)n);
	double h = logn - sum / (double)n, dh = logn - dsum / (double)n;
	return (float)(h < dh ? h : dh);
}

static uint64_t watch_payload_hash(const struct ik_watch *w, const uint8_t *p, size_t n)
{
	uint8_t buf[TUNNEL_HASH_BYTES + 8] = {0};
	size_t take = n < TUNNEL_HASH_BYTES ? n : TUNNEL_HASH_BYTES;
	memcpy(buf, p, take);
	uint64_t len = n;
	memcpy(buf + ((take + 7) & ~(size_t)7), &len, 8);
	return wt_hash(w->seed, buf, ((take + 7) & ~(size_t)7) + 8);
}

/* An IPv4 or IPv6 packet filling the payload exactly, as icmptx and kin carry. */
static bool watch_is_ip_inside(const uint8_t *p, size_t n)
{
	if (n >= 20 && p[0] >> 4 == 4 && (p[0] & 15) >= 5 && (size_t)(p[0] & 15) * 4 <= n) {
		size_t total = (size_t)p[2] << 8 | p[3];
		return total == n && ik_cksum(p, (size_t)(p[0] & 15) * 4) == 0;
	}
	if (n >= 40 && p[0] >> 4 == 6) {
		size_t payload = (size_t)p[4] << 8 | p[5];
		return payload + 40 == n;
	}
	return false;
}

static void watch_signature(struct ik_watch *w, const struct watch_pkt *wp,
			    struct watch_flow_entry *f, uint32_t sid, const char *what)
{
	f->reasons |= IK_WATCH_REASON_SIGNATURE;
	struct ik_watch_alert a = {.count = f->requests + f->replies, .reasons = f->reasons,
				   .echo_id = f->key.id};
	if (watch_alert_at(w, sid, wp, &f->alerted_ns, &a,
			   "%s in echo %s payload (id %u, %llu packets, %llu bytes so far)", what,
			   wp->p->icmp.type == IK_ICMP4_ECHO_REPLY ||
				   wp->p->icmp.type == IK_ICMP6_ECHO_REPLY
			   ? "reply"
			   : "request",
			   f->key.id, (unsigned long long)(f->requests + f->replies),
			   (unsigned long long)(f->request_bytes + f->reply_bytes)))
		f->is_alerted = true;
}

static void watch_score(struct ik_watch *w, const struct watch_pkt *wp, struct watch_flow_entry *f)
{
	const struct ik_watch_conf *c = &w->conf;
	uint64_t n = f->requests + f->replies;
	double mean = f->size_sum / (double)n;
	double var = f->size_sum2 / (double)n - mean * mean;
	double stddev = var > 0 ? sqrt(var) : 0;
	float entropy = f->entropy_samples ? f->entropy_sum / (float)f->entropy_samples : 0;
	uint64_t bytes = f->request_bytes + f->reply_bytes;
	double seconds = (double)(f->head.last_ns - f->start_ns) / NS_PER_SEC;
	uint32_t reasons = f->reasons & IK_WATCH_REASON_SIGNATURE, score = 0;
	if (stddev > c->tunnel_size_stddev) {
		reasons |= IK_WATCH_REASON_SIZES;
		score += SCORE_SIZES;
	}
	if (f->entropy_samples && entropy > c->tunnel_entropy) {
		reasons |= IK_WATCH_REASON_ENTROPY;
		score += SCORE_ENTROPY;
	}
	if (f->pairs >= 4 && f->mismatches * 2 > f->pairs) {
		reasons |= IK_WATCH_REASON_MISMATCH;
		score += SCORE_MISMATCH;
	}
	if (bytes > c->tunnel_bytes) {
		reasons |= IK_WATCH_REASON_VOLUME;
		score += SCORE_VOLUME;
	}
	if (seconds > c->tunnel_duration) {
		reasons |= IK_WATCH_REASON_DURATION;
		score += SCORE_DURATION;
	}
	f->score = score;
	f->reasons = reasons;
	/* A flow already named by its framing does not need the score alert too. */
	if (score < c->tunnel_score || (reasons & IK_WATCH_REASON_SIGNATURE))
		return;
	char why[128];
	int len = snprintf(why, sizeof why, "payload size stddev %.0f B, entropy %.2f bits/B, "
			   "%u of %u replies differ from their request, %llu bytes in %.0f s",
			   stddev, entropy, f->mismatches, f->pairs, (unsigned long long)bytes,
			   seconds);
	if (len < 0)
		why[0] = '\0';
	struct ik_watch_alert a = {.count = n, .threshold = c->tunnel_score, .score = score,
				   .reasons = reasons, .echo_id = f->key.id};
	if (watch_alert_at(w, IK_SID_TUNNEL, wp, &f->alerted_ns, &a,
			   "echo flow id %u scores %u (threshold %u): %s", f->key.id, score,
			   c->tunnel_score, why))
		f->is_alerted = true;
}

bool watch_tunnel_packet(struct ik_watch *w, struct watch_pkt *wp)
{
	const struct ik_icmp *m = &wp->p->icmp;
	bool is_request, is_reply;
	if (m->version == 4) {
		is_request = m->type == IK_ICMP4_ECHO_REQUEST;
		is_reply = m->type == IK_ICMP4_ECHO_REPLY;
	} else {
		is_request = m->type == IK_ICMP6_ECHO_REQUEST;
		is_reply = m->type == IK_ICMP6_ECHO_REPLY;
	}
	if (!is_request && !is_reply)
		return false;
	struct watch_flow_key key;
	memset(&key, 0, sizeof key);
	key.requester = is_request ? wp->src : wp->dst;
	key.responder = is_request ? wp->dst : wp->src;
	key.id = m->id;
	key.version = m->version;
	bool is_new;
	struct watch_flow_entry *f =
		wt_get(&w->flows, wt_hash(w->seed, &key, sizeof key), &key, wp->ts_ns, &is_new);
	if (is_new)
		f->start_ns = wp->ts_ns;
	bool is_solicited = is_reply && f->requests > 0;
	const uint8_t *p = m->data;
	size_t n = m->data_len;
	if (is_request) {
		f->requests++;
		f->request_bytes += n;
		f->last_request_seq = m->seq;
		f->last_request_hash = watch_payload_hash(w, p, n);
		f->has_last_request = true;
	} else {
		f->replies++;
		f->reply_bytes += n;
		if (f->has_last_request && f->last_request_seq == m->seq) {
			f->pairs++;
			f->mismatches += watch_payload_hash(w, p, n) != f->last_request_hash;
			f->has_last_request = false;
		}
	}
	f->size_sum += (double)n;
	f->size_sum2 += (double)n * (double)n;
	uint64_t count = f->requests + f->replies;
	/*
	 * Sample the entropy of packets 2 to 9, then one in 64: a flow of one
	 * packet (every spoofed source of a flood) is never scored, so it need
	 * not pay for it.
	 */
	if (n >= TUNNEL_ENTROPY_MIN && count >= 2 && (count <= 9 || count % 64 == 0)) {
		f->entropy_sum += watch_entropy(w, p, n < TUNNEL_ENTROPY_MAX ? n : TUNNEL_ENTROPY_MAX);
		f->entropy_samples++;
	}
	uint32_t magic = n >= 4 ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
					  (uint32_t)p[2] << 8 | p[3]
				: 0;
	if (magic == PTUNNEL_MAGIC)
		watch_signature(w, wp, f, IK_SID_TUNNEL_PTUNNEL, "ptunnel magic 0xd5200880");
	else if (magic == PTUNNEL_NG_MAGIC)
		watch_signature(w, wp, f, IK_SID_TUNNEL_PTUNNEL, "ptunnel-ng magic 0xdeadc0de");
	else if (watch_is_ip_inside(p, n))
		watch_signature(w, wp, f, IK_SID_TUNNEL_ICMPTX, "a whole IP packet");
	if (count >= w->conf.tunnel_min_packets)
		watch_score(w, wp, f);
	wp->is_tunnel_flow = f->reasons & IK_WATCH_REASON_SIGNATURE;
	return is_solicited;
}
