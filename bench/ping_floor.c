/* SPDX-License-Identifier: BSD-3-Clause */
/* The floor under a ping flood: a loop that only sends an echo request and reads its reply, for bench/ping.sh. */
/*
 * Usage: ping_floor IPV4-ADDR COUNT. One raw ICMP socket with kernel
 * receive stamps, not connected (what icmpkit ping and iputils use); per
 * probe one sendto() and one recvmsg() with the sender's address, nothing
 * else: no cookie, no statistics, no duplicate or checksum checks. Its replies per second are what the kernel's round trip
 * allows any flood ping on this machine; bench/ping.sh prints it beside
 * icmpkit and iputils so their ratio can be read against that ceiling.
 * Prints "REPLIES SECONDS". Exits 2 on a bad command line or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "icmpkit/cksum.h"

#define FLOOR_PAYLOAD 56 /* ping's default */
#define FLOOR_WAIT_S 1   /* a reply later than this counts as lost */

int main(int argc, char **argv)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	char *end = NULL;
	long count = argc == 3 ? strtol(argv[2], &end, 10) : 0;
	if (argc != 3 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || !end || *end ||
	    count < 1) {
		fprintf(stderr, "usage: ping_floor IPV4-ADDR COUNT\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	int on = 1;
	struct timeval wait = {.tv_sec = FLOOR_WAIT_S};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) < 0) {
		fprintf(stderr, "ping_floor: %s\n", strerror(errno));
		return 2;
	}
	uint8_t probe[8 + FLOOR_PAYLOAD] = {8}; /* RFC 792 Echo Request */
	uint8_t in[512], control[256];
	uint16_t id = (uint16_t)getpid();
	probe[4] = (uint8_t)(id >> 8);
	probe[5] = (uint8_t)id;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long replies = 0;
	for (long seq = 0; seq < count; seq++) {
		probe[6] = (uint8_t)(seq >> 8);
		probe[7] = (uint8_t)seq;
		probe[2] = probe[3] = 0;
		uint16_t ck = ik_cksum(probe, sizeof probe);
		probe[2] = (uint8_t)(ck >> 8);
		probe[3] = (uint8_t)ck;
		if (sendto(fd, probe, sizeof probe, 0, (struct sockaddr *)&to, sizeof to) < 0)
			continue;
		for (;;) {
			struct sockaddr_in from;
			struct iovec iov = {in, sizeof in};
			struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from,
					   .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
					   .msg_controllen = sizeof control};
			ssize_t n = recvmsg(fd, &m, 0);
			if (n < 0)
				break; /* timed out: lost */
			size_t off = (size_t)(in[0] & 0x0f) * 4;
			if ((size_t)n >= off + 8 && in[off] == 0 && in[off + 4] == probe[4] &&
			    in[off + 5] == probe[5] && in[off + 6] == probe[6] && in[off + 7] == probe[7]) {
				replies++;
				break;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld %.6f\n", replies, s);
	return 0;
}
