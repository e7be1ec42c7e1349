/* SPDX-License-Identifier: BSD-3-Clause */
/* icmpkit-delayer: holds every packet of one NFQUEUE for a fixed time, then accepts it (lab delay without netem). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#define DELAYER_DEFAULT_MAX 4096

/* Set by the handler only (STYLE: handlers do no work). */
static volatile sig_atomic_t delayer_stop;

static void delayer_on_signal(int sig)
{
	(void)sig;
	delayer_stop = 1;
}

/* One held packet: its queue id and when to let it go. */
struct delayer_slot {
	uint32_t id;
	uint64_t due_ns;
};

/*
 * The delay is the same for every packet, so due times arrive in order and
 * a FIFO ring is also a priority queue. Its size bounds memory: a packet
 * arriving to a full ring is accepted at once instead of held.
 */
struct delayer {
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	struct delayer_slot *ring;
	size_t cap;
	size_t head;
	size_t count;
	uint64_t delay_ns;
	uint64_t delayed;
	uint64_t overflowed;
	uint64_t verdict_errors;
};

static uint64_t delayer_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void delayer_accept(struct delayer *d, uint32_t id)
{
	if (nfq_set_verdict(d->qh, id, NF_ACCEPT, 0, NULL) < 0)
		d->verdict_errors++;
}

static int delayer_on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
			     void *data)
{
	(void)qh;
	(void)msg;
	struct delayer *d = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	if (!ph)
		return 0;
	uint32_t id = ntohl(ph->packet_id);
	if (d->count == d->cap) {
		d->overflowed++;
		delayer_accept(d, id);
		return 0;
	}
	struct delayer_slot *s = &d->ring[(d->head + d->count) % d->cap];
	s->id = id;
	s->due_ns = delayer_now_ns() + d->delay_ns;
	d->count++;
	d->delayed++;
	return 0;
}

/* Accepts every held packet whose time has come (all of them when is_all). */
static void delayer_release(struct delayer *d, bool is_all)
{
	uint64_t now = delayer_now_ns();
	while (d->count > 0 && (is_all || d->ring[d->head].due_ns <= now)) {
		delayer_accept(d, d->ring[d->head].id);
		d->head = (d->head + 1) % d->cap;
		d->count--;
	}
}

/* The range-checked number parser: whole string, decimal, within [min, max]. */
static int delayer_number(const char *option, const char *text, long long min, long long max,
			  long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (end == text || *end != '\0' || errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "icmpkit-delayer: %s: '%s' is not a number %lld..%lld\n", option,
			text, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static void delayer_usage(FILE *out)
{
	fprintf(out, "usage: icmpkit-delayer --queue N --delay-ms MS [--max-queued N] "
		     "[--ready-fd FD]\n"
		     "Holds each packet of NFQUEUE N for MS milliseconds, then accepts it.\n"
		     "At most --max-queued packets (default %d) are held; more pass at once.\n"
		     "Writes 'R' to FD once the queue is bound. SIGTERM releases all and exits.\n",
		     DELAYER_DEFAULT_MAX);
}

int main(int argc, char **argv)
{
	long long queue = -1, delay_ms = -1, max_queued = DELAYER_DEFAULT_MAX, ready_fd = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long long *slot = NULL, min = 0, max = 0;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			delayer_usage(stdout);
			return 0;
		} else if (strcmp(a, "--queue") == 0) {
			slot = &queue, max = 65535;
		} else if (strcmp(a, "--delay-ms") == 0) {
			slot = &delay_ms, max = 10000;
		} else if (strcmp(a, "--max-queued") == 0) {
			slot = &max_queued, min = 1, max = 1000000;
		} else if (strcmp(a, "--ready-fd") == 0) {
			slot = &ready_fd, min = 3, max = INT_MAX;
		} else {
			delayer_usage(stderr);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "icmpkit-delayer: %s needs a value\n", a);
			return 2;
		}
		if (delayer_number(a, argv[++i], min, max, slot) < 0)
			return 2;
	}
	if (queue < 0 || delay_ms < 0) {
		delayer_usage(stderr);
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = delayer_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: ppoll must return so the loop sees the flag. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct delayer d;
	memset(&d, 0, sizeof d);
	d.cap = (size_t)max_queued;
	d.delay_ns = (uint64_t)delay_ms * 1000000u;
	d.ring = calloc(d.cap, sizeof *d.ring);
	if (!d.ring) {
		fprintf(stderr, "icmpkit-delayer: out of memory\n");
		return 2;
	}
	d.h = nfq_open();
	if (!d.h) {
		fprintf(stderr, "icmpkit-delayer: nfq_open: %s\n", strerror(errno));
		free(d.ring);
		return 2;
	}
	d.qh = nfq_create_queue(d.h, (uint16_t)queue, delayer_on_packet, &d);
	if (!d.qh) {
		fprintf(stderr, "icmpkit-delayer: queue %lld: %s\n", queue, strerror(errno));
		nfq_close(d.h);
		free(d.ring);
		return 2;
	}
	/* Only the packet id is needed: ask for metadata, not payload copies. */
	if (nfq_set_mode(d.qh, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "icmpkit-delayer: set mode: %s\n", strerror(errno));
		nfq_destroy_queue(d.qh);
		nfq_close(d.h);
		free(d.ring);
		return 2;
	}
	/* The kernel queue is bounded too, and fails open: overflow passes undelayed. */
	(void)nfq_set_queue_maxlen(d.qh, (uint32_t)max_queued);
	(void)nfq_set_queue_flags(d.qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);

	if (ready_fd >= 0) {
		char r = 'R';
		if (write((int)ready_fd, &r, 1) != 1)
			fprintf(stderr, "icmpkit-delayer: ready fd: %s\n", strerror(errno));
		close((int)ready_fd);
	}

	int fd = nfq_fd(d.h);
	static char buf[65536];
	while (!delayer_stop) {
		delayer_release(&d, false);
		struct timespec ts, *tsp = NULL;
		if (d.count > 0) {
			uint64_t now = delayer_now_ns(), due = d.ring[d.head].due_ns;
			uint64_t wait = due > now ? due - now : 0;
			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tsp = &ts;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = ppoll(&p, 1, tsp, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "icmpkit-delayer: poll: %s\n", strerror(errno));
			break;
		}
		if (n == 0 || !(p.revents & POLLIN))
			continue;
		/* Drain what is there without blocking, so due packets are not held up. */
		for (int k = 0; k < 256; k++) {
			ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
			if (got < 0) {
				/* ENOBUFS: the kernel dropped messages; the queue fails open. */
				if (errno == EINTR || errno == ENOBUFS)
					continue;
				break;
			}
			nfq_handle_packet(d.h, buf, (int)got);
		}
	}
	delayer_release(&d, true);
	nfq_destroy_queue(d.qh);
	nfq_close(d.h);
	free(d.ring);
	fprintf(stderr,
		"icmpkit-delayer: queue %lld: %llu delayed, %llu passed at once (full), %llu verdict "
		"errors\n",
		queue, (unsigned long long)d.delayed, (unsigned long long)d.overflowed,
		(unsigned long long)d.verdict_errors);
	return 0;
}
