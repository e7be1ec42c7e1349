/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw UDP/TCP probe sockets and the route lookup a traceroute needs besides ik_sock. */
#ifndef ICMPKIT_PROBE_SOCK_H
#define ICMPKIT_PROBE_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A raw socket of one transport protocol (IPPROTO_UDP or IPPROTO_TCP) whose
 * datagrams the kernel wraps in an IP header: the caller writes the
 * transport header, checksum included. The descriptor is plain; close() it.
 * When is_receiving is false a filter that accepts nothing is attached, so
 * the copies of every incoming UDP/TCP packet the kernel hands raw sockets
 * do not pile up. Needs CAP_NET_RAW. Returns 0 with *fd_out set,
 * IK_ERR_INVALID or a system error.
 */
IK_WUR int ik_probe_sock_open(int family, int protocol, bool is_receiving, int *fd_out);

/* TTL / hop limit 1..255 for what is sent next. Returns 0 or a system error. */
IK_WUR int ik_probe_sock_set_ttl(int fd, int family, int ttl);
/* IPv4 TOS or IPv6 traffic class. */
IK_WUR int ik_probe_sock_set_tos(int fd, int family, int tos);
/*
 * is_df: set DF and ignore the cached path MTU (IP_PMTUDISC_PROBE), so a
 * too-big probe meets the router that cannot forward it; otherwise let the
 * kernel fragment (IP_PMTUDISC_DONT), as traceroute does without -F.
 */
IK_WUR int ik_probe_sock_set_df(int fd, int family, bool is_df);
/* Binds to a source address (may be NULL) and/or an interface (may be NULL). */
IK_WUR int ik_probe_sock_bind(int fd, const struct ik_addr *src, const char *ifname);
/* Sends one datagram to dst. Returns bytes sent or a system error (EMSGSIZE...). */
IK_WUR int ik_probe_sock_send(int fd, const struct ik_addr *dst, const uint8_t *buf, size_t len);

/*
 * Receives one packet without blocking: IPv4 raw sockets deliver the IP
 * header first, IPv6 ones start at the transport header. *ts is the kernel
 * receive stamp (CLOCK_REALTIME) when SO_TIMESTAMPNS is on (ik_probe_sock_open
 * turns it on for receiving sockets) and *has_ts says whether it came.
 * Returns the length, or a system error (EAGAIN when nothing is queued).
 */
IK_WUR int ik_probe_sock_recv(int fd, uint8_t *buf, size_t cap, struct ik_addr *from,
			      struct timespec *ts, bool *has_ts);

/*
 * Asks the kernel which source address and MTU it would use towards dst
 * (a connected UDP socket, nothing is sent), honouring a wanted source and
 * interface (either may be NULL). Returns 0, or a system error
 * (ENETUNREACH, EADDRNOTAVAIL, ENODEV...).
 */
IK_WUR int ik_probe_route(const struct ik_addr *dst, const struct ik_addr *want_src,
			  const char *ifname, struct ik_addr *src_out, int *mtu_out);

#ifdef __cplusplus
}
#endif
#endif
