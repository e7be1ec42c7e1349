/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: a run of hostile frames (and config text) through watch's engine and its tables. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/icmpkit.h"
#include "icmpkit/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum ik_link links[] = {
	IK_LINK_ETHERNET, IK_LINK_RAW, IK_LINK_SLL, IK_LINK_SLL2, IK_LINK_NULL, IK_LINK_LOOP,
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_watch: %s\n", what);
	abort();
}

/* Every alert must name a signature and carry a terminated explanation. */
static void on_alert(void *user, const struct ik_watch_alert *a)
{
	(void)user;
	if (!a->sig || !ik_watch_sig(a->sig->sid))
		fail("alert without a known signature");
	if (strnlen(a->explanation, sizeof a->explanation) >= sizeof a->explanation)
		fail("explanation not terminated");
	if (a->top_count > IK_WATCH_TOP_TALKERS)
		fail("more top talkers than room for them");
}

static void on_flow(void *user, const struct ik_watch_flow *f)
{
	(void)user;
	if (!f->end_reason || f->end_ns < f->start_ns)
		fail("flow ends before it starts");
}

/*
 * Input: byte 0 'C' = the rest is config text. Otherwise byte 0 picks the
 * link type and the rest is records of [length 2][time step 1][frame], so
 * one input is a little capture whose state carries from frame to frame.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct ik_watch_conf conf;
	ik_watch_conf_defaults(&conf);
	if (data[0] == 'C') {
		unsigned line;
		char why[IK_WATCH_REASON_SIZE];
		if (ik_watch_conf_parse(&conf, (const char *)data + 1, size - 1, &line, why,
					sizeof why) != IK_OK &&
		    strnlen(why, sizeof why) >= sizeof why)
			fail("config reason not terminated");
		return 0;
	}
	/* Low thresholds so short inputs reach every detector's alert path. */
	conf.memory_cap_mib = 12;
	conf.flood_source_rate = 3;
	conf.flood_destination_rate = 4;
	conf.flood_distributed_sources = 2;
	conf.smurf_replies = 2;
	conf.recon_destinations = 2;
	conf.tunnel_min_packets = 2;
	conf.alert_interval = 0;
	conf.flow_timeout = 1;
	struct ik_watch_callbacks cb = {.alert = on_alert, .flow = on_flow};
	struct ik_watch *w;
	if (ik_watch_new(&conf, &cb, &w) != IK_OK)
		fail("ik_watch_new");
	enum ik_link link = links[data[0] % (sizeof links / sizeof links[0])];
	size_t pos = 1;
	int64_t ts = 1000000000;
	while (pos + 3 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		ts += (int64_t)data[pos + 2] * 50000000;
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		/* A private copy, so reading past the frame is an ASan error. */
		uint8_t *frame = malloc(len ? len : 1);
		if (!frame)
			break;
		memcpy(frame, data + pos, len);
		ik_watch_frame(w, link, frame, len, len + (data[0] & 0x80 ? 100 : 0), ts, 0);
		free(frame);
		pos += len;
	}
	ik_watch_finish(w);
	struct ik_watch_stats st;
	ik_watch_stats(w, &st);
	for (int i = 0; i < IK_WATCH_TABLES; i++) {
		if (st.tables[i].used > st.tables[i].capacity)
			fail("table holds more than its capacity");
	}
	ik_watch_free(w);
	return 0;
}
