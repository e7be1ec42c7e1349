/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP/ICMPv6 sockets: datagram-first opening, options, kernel timestamps and the error queue. */
#include <errno.h>
/* glibc's net/if.h must come before the linux/ headers (libc-compat). */
#include <net/if.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <linux/net_tstamp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icmpkit/sock.h"
#include "sockopt.h"

struct ik_sock {
	int fd;
	int family; /* 4 or 6 */
	bool is_raw;
	int ident;  /* raw: caller's identifier; datagram: cached local port; -1 unknown */
};

static int sock_setint(const struct ik_sock *s, int level, int name, int value)
{
	return sockopt_setint(s->fd, level, name, value);
}

int ik_sock_open(struct ik_sock **out, int family, unsigned flags)
{
	*out = NULL;
	if ((family != 4 && family != 6) || (flags & IK_SOCK_RAW && flags & IK_SOCK_DGRAM))
		return IK_ERR_INVALID;
	int af = family == 4 ? AF_INET : AF_INET6;
	int proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = -1;
	bool is_raw = false;
	if (!(flags & IK_SOCK_RAW)) {
		fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, proto);
		/*
		 * Only "not allowed" or "not built in" means try raw; any other
		 * failure (no memory, too many files) would fail raw too.
		 */
		if (fd < 0 && (flags & IK_SOCK_DGRAM ||
			       (errno != EACCES && errno != EPERM && errno != EPROTONOSUPPORT)))
			return ik_err_sys(errno);
	}
	if (fd < 0) {
		fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, proto);
		if (fd < 0)
			return ik_err_sys(errno);
		is_raw = true;
	}
	struct ik_sock *s = calloc(1, sizeof *s);
	if (!s) {
		close(fd);
		return ik_err_sys(ENOMEM);
	}
	s->fd = fd;
	s->family = family;
	s->is_raw = is_raw;
	s->ident = -1;
	/*
	 * Errors about our datagrams reach a datagram socket only through the
	 * error queue, and the TTL of each reply is only known from a cmsg;
	 * a raw IPv4 socket reads it in the IP header it receives, so it does
	 * not ask the kernel for the cmsg on every packet.
	 */
	int rc;
	if (family == 4) {
		rc = sock_setint(s, IPPROTO_IP, IP_RECVERR, 1);
		if (rc == IK_OK && !is_raw)
			rc = sock_setint(s, IPPROTO_IP, IP_RECVTTL, 1);
	} else {
		rc = sock_setint(s, IPPROTO_IPV6, IPV6_RECVERR, 1);
		if (rc == IK_OK)
			rc = sock_setint(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	}
	if (rc != IK_OK) {
		ik_sock_free(s);
		return rc;
	}
	*out = s;
	return IK_OK;
}

void ik_sock_free(struct ik_sock *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

int ik_sock_fd(const struct ik_sock *s)
{
	return s->fd;
}

bool ik_sock_is_raw(const struct ik_sock *s)
{
	return s->is_raw;
}

int ik_sock_family(const struct ik_sock *s)
{
	return s->family;
}

int ik_sock_ident(const struct ik_sock *s)
{
	if (s->is_raw || s->ident >= 0)
		return s->ident;
	/* A ping socket's identifier is its local "port", bound by the kernel. */
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	int port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
					   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return port == 0 ? -1 : port;
}

void ik_sock_set_ident(struct ik_sock *s, uint16_t ident)
{
	if (s->is_raw)
		s->ident = ident;
}

int ik_sock_set_ttl(struct ik_sock *s, int ttl)
{
	return sockopt_set_ttl(s->fd, s->family, ttl);
}

int ik_sock_set_mcast_ttl(struct ik_sock *s, int ttl)
{
	if (ttl < 0 || ttl > 255)
		return IK_ERR_INVALID;
	if (s->family == 4) {
		unsigned char v = (unsigned char)ttl;
		if (setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof v) != 0)
			return ik_err_sys(errno);
		return IK_OK;
	}
	return sock_setint(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
}

int ik_sock_set_tos(struct ik_sock *s, int tos)
{
	return sockopt_set_tos(s->fd, s->family, tos);
}

int ik_sock_bind_device(struct ik_sock *s, const char *ifname)
{
	return sockopt_bind_device(s->fd, ifname);
}

int ik_sock_bind_source(struct ik_sock *s, const struct ik_addr *src)
{
	if (src->family != s->family)
		return IK_ERR_INVALID;
	struct sockaddr_storage ss;
	socklen_t sl = ik_addr_to_sockaddr(src, 0, &ss);
	if (bind(s->fd, (struct sockaddr *)&ss, sl) != 0)
		return ik_err_sys(errno);
	return IK_OK;
}

int ik_sock_set_broadcast(struct ik_sock *s, bool is_allowed)
{
	return sock_setint(s, SOL_SOCKET, SO_BROADCAST, is_allowed ? 1 : 0);
}

int ik_sock_set_bufs(struct ik_sock *s, int rcvbuf_len, int sndbuf_len)
{
	/* The FORCE variants pass the rmem_max cap when we are privileged. */
	if (rcvbuf_len > 0 && sock_setint(s, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf_len) != IK_OK) {
		int rc = sock_setint(s, SOL_SOCKET, SO_RCVBUF, rcvbuf_len);
		if (rc != IK_OK)
			return rc;
	}
	if (sndbuf_len > 0 && sock_setint(s, SOL_SOCKET, SO_SNDBUFFORCE, sndbuf_len) != IK_OK) {
		int rc = sock_setint(s, SOL_SOCKET, SO_SNDBUF, sndbuf_len);
		if (rc != IK_OK)
			return rc;
	}
	return IK_OK;
}

int ik_sock_set_pmtu(struct ik_sock *s, enum ik_pmtu_mode mode)
{
	int v4, v6;
	switch (mode) {
	case IK_PMTU_DEFAULT:
		return IK_OK;
	case IK_PMTU_DO:
		v4 = IP_PMTUDISC_DO;
		v6 = IPV6_PMTUDISC_DO;
		break;
	case IK_PMTU_DONT:
		v4 = IP_PMTUDISC_DONT;
		v6 = IPV6_PMTUDISC_DONT;
		break;
	case IK_PMTU_WANT:
		v4 = IP_PMTUDISC_WANT;
		v6 = IPV6_PMTUDISC_WANT;
		break;
	case IK_PMTU_PROBE:
		v4 = IP_PMTUDISC_PROBE;
		v6 = IPV6_PMTUDISC_PROBE;
		break;
	default:
		return IK_ERR_INVALID;
	}
	if (s->family == 4)
		return sock_setint(s, IPPROTO_IP, IP_MTU_DISCOVER, v4);
	return sock_setint(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, v6);
}

int ik_sock_set_timestamps(struct ik_sock *s, bool is_rx, bool is_tx, bool want_hw)
{
	if (is_rx) {
		int rc = sock_setint(s, SOL_SOCKET, SO_TIMESTAMPNS, 1);
		if (rc != IK_OK)
			return rc;
	}
	if (is_tx) {
		int v = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
		if (want_hw)
			v |= SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
		int rc = sock_setint(s, SOL_SOCKET, SO_TIMESTAMPING, v);
		/* Hardware flags are refused where no NIC offers them: keep software. */
		if (rc != IK_OK && want_hw)
			rc = ik_sock_set_timestamps(s, false, true, false);
		if (rc != IK_OK)
			return rc;
	}
	return IK_OK;
}

int ik_sock_set_filter4(struct ik_sock *s, uint32_t pass_types)
{
	if (!s->is_raw || s->family != 4)
		return IK_OK;
	/* ICMP_FILTER holds the types to drop. */
	struct icmp_filter f = {.data = ~pass_types};
	if (setsockopt(s->fd, SOL_RAW, ICMP_FILTER, &f, sizeof f) != 0)
		return ik_err_sys(errno);
	return IK_OK;
}

int ik_sock_set_filter6(struct ik_sock *s, const uint8_t *pass6, size_t n6)
{
	if (!s->is_raw || s->family != 6)
		return IK_OK;
	struct icmp6_filter f;
	ICMP6_FILTER_SETBLOCKALL(&f);
	for (size_t i = 0; i < n6; i++)
		ICMP6_FILTER_SETPASS(pass6[i], &f);
	if (setsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) != 0)
		return ik_err_sys(errno);
	return IK_OK;
}

int ik_sock_send(struct ik_sock *s, const struct ik_addr *dst, const uint8_t *buf, size_t len)
{
	if (dst->family != s->family)
		return IK_ERR_INVALID;
	struct sockaddr_storage ss;
	socklen_t sl = ik_addr_to_sockaddr(dst, 0, &ss);
	ssize_t n = sendto(s->fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	if (n < 0)
		return ik_err_sys(errno);
	return (int)n;
}

int ik_sock_recv(struct ik_sock *s, uint8_t *buf, size_t cap, bool is_blocking,
		 struct ik_sock_info *info)
{
	memset(info, 0, sizeof *info);
	info->ttl = -1;
	struct sockopt_msg m;
	sockopt_msg_init(&m, buf, cap);
	ssize_t n = recvmsg(s->fd, &m.mh, is_blocking ? 0 : MSG_DONTWAIT);
	if (n < 0)
		return ik_err_sys(errno);
	ik_addr_from_sockaddr(&m.from, &info->from);
	info->is_truncated = (m.mh.msg_flags & MSG_TRUNC) != 0;
	info->has_ip_header = s->is_raw && s->family == 4;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m.mh); c; c = CMSG_NXTHDR(&m.mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof info->ts)) {
			memcpy(&info->ts, CMSG_DATA(c), sizeof info->ts);
			info->has_ts = true;
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			if (c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&info->ttl, CMSG_DATA(c), sizeof(int));
		}
	}
	return (int)(n > (ssize_t)cap ? (ssize_t)cap : n);
}

int ik_sock_recv_err(struct ik_sock *s, uint8_t *buf, size_t cap, struct ik_sock_err *err)
{
	memset(err, 0, sizeof *err);
	err->ttl = -1;
	struct sockopt_msg m;
	sockopt_msg_init(&m, buf, cap);
	ssize_t n = recvmsg(s->fd, &m.mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return ik_err_sys(errno);
	err->quoted_len = (size_t)n > cap ? cap : (size_t)n;
	if (m.mh.msg_namelen > 0)
		ik_addr_from_sockaddr(&m.from, &err->dst);
	bool has_ee = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m.mh); c; c = CMSG_NXTHDR(&m.mh, c)) {
		bool is_ee = (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			     (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR);
		if (is_ee && c->cmsg_len >= CMSG_LEN(sizeof(struct sock_extended_err))) {
			struct sock_extended_err ee;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			has_ee = true;
			err->err_no = (int)ee.ee_errno;
			err->type = ee.ee_type;
			err->code = ee.ee_code;
			err->info = ee.ee_info;
			switch (ee.ee_origin) {
			case SO_EE_ORIGIN_ICMP:
			case SO_EE_ORIGIN_ICMP6:
				err->kind = IK_SOCKERR_ICMP;
				break;
			case SO_EE_ORIGIN_LOCAL:
				err->kind = IK_SOCKERR_LOCAL;
				break;
			case SO_EE_ORIGIN_TIMESTAMPING:
				err->kind = IK_SOCKERR_TXSTAMP;
				err->tx_id = ee.ee_data;
				break;
			default:
				err->kind = IK_SOCKERR_OTHER;
				break;
			}
			/* The offender sockaddr follows the struct in the same cmsg. */
			size_t off_len = c->cmsg_len - CMSG_LEN(sizeof ee);
			if (off_len >= sizeof(struct sockaddr_in)) {
				struct sockaddr_storage off;
				memset(&off, 0, sizeof off);
				memcpy(&off, CMSG_DATA(c) + sizeof ee,
				       off_len < sizeof off ? off_len : sizeof off);
				if (off.ss_family == AF_INET || off.ss_family == AF_INET6) {
					ik_addr_from_sockaddr(&off, &err->offender);
					err->has_offender = true;
				}
			}
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct scm_timestamping))) {
			struct scm_timestamping st;
			memcpy(&st, CMSG_DATA(c), sizeof st);
			/* ts[0] is the software stamp, ts[2] the raw hardware one. */
			if (st.ts[2].tv_sec != 0 || st.ts[2].tv_nsec != 0) {
				err->ts = st.ts[2];
				err->is_hw_ts = true;
				err->has_ts = true;
			} else if (st.ts[0].tv_sec != 0 || st.ts[0].tv_nsec != 0) {
				err->ts = st.ts[0];
				err->has_ts = true;
			}
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
			   c->cmsg_len >= CMSG_LEN(sizeof err->ts) && !err->has_ts) {
			memcpy(&err->ts, CMSG_DATA(c), sizeof err->ts);
			err->has_ts = true;
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			if (c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&err->ttl, CMSG_DATA(c), sizeof(int));
		}
	}
	if (!has_ee)
		err->kind = IK_SOCKERR_OTHER;
	/*
	 * A raw IPv4 socket queues the packet from its IP header; ICMP types
	 * 0x45..0x4f are unassigned, so a first byte 0x45..0x4f is a header.
	 */
	err->has_ip_header = s->is_raw && s->family == 4 && err->quoted_len >= 20 &&
			     (buf[0] >> 4) == 4 && (buf[0] & 0x0f) >= 5;
	return IK_OK;
}
