/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket options shared by sock.c and probe_sock.c (internal to lib/). */
#ifndef ICMPKIT_SOCKOPT_H
#define ICMPKIT_SOCKOPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

/* setsockopt of one int. Returns 0 or a system error. */
IK_WUR int sockopt_setint(int fd, int level, int name, int value);
/* TTL / hop limit 1..255 for family 4 or 6. Returns 0, IK_ERR_INVALID or a system error. */
IK_WUR int sockopt_set_ttl(int fd, int family, int ttl);
/* IPv4 TOS or IPv6 traffic class 0..255. Returns 0, IK_ERR_INVALID or a system error. */
IK_WUR int sockopt_set_tos(int fd, int family, int tos);
/* SO_BINDTODEVICE; an empty or too long name is ENODEV. Returns 0 or a system error. */
IK_WUR int sockopt_bind_device(int fd, const char *ifname);

/* Control buffer big enough for TTL, timestamps and an extended error. */
#define SOCKOPT_CMSG_LEN 512

/* A recvmsg header over one buffer, with room for the sender and control messages. */
struct sockopt_msg {
	struct sockaddr_storage from;
	struct iovec iov;
	_Alignas(struct cmsghdr) char ctl[SOCKOPT_CMSG_LEN];
	struct msghdr mh;
};

/* Points m->mh at buf (cap bytes), m->from and m->ctl; m must not move afterwards. */
void sockopt_msg_init(struct sockopt_msg *m, uint8_t *buf, size_t cap);

#endif
