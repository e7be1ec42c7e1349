/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw UDP/TCP probe sockets and route lookups for traceroute-style probing. */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icmpkit/probe_sock.h"
#include "sockopt.h"

int ik_probe_sock_open(int family, int protocol, bool is_receiving, int *fd_out)
{
	if ((family != 4 && family != 6) || (protocol != IPPROTO_UDP && protocol != IPPROTO_TCP))
		return IK_ERR_INVALID;
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return ik_err_sys(errno);
	int rc;
	if (is_receiving) {
		rc = sockopt_setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	} else {
		/* A classic BPF program of one instruction: accept 0 bytes. */
		struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog prog = {.len = 1, .filter = &drop};
		rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0
			     ? IK_OK
			     : ik_err_sys(errno);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return IK_OK;
}

int ik_probe_sock_set_ttl(int fd, int family, int ttl)
{
	return sockopt_set_ttl(fd, family, ttl);
}

int ik_probe_sock_set_tos(int fd, int family, int tos)
{
	return sockopt_set_tos(fd, family, tos);
}

int ik_probe_sock_set_df(int fd, int family, bool is_df)
{
	if (family == 6)
		return sockopt_setint(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
			      is_df ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT);
	return sockopt_setint(fd, IPPROTO_IP, IP_MTU_DISCOVER,
			      is_df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT);
}

int ik_probe_sock_bind(int fd, const struct ik_addr *src, const char *ifname)
{
	if (ifname && *ifname) {
		int rc = sockopt_bind_device(fd, ifname);
		if (rc != IK_OK)
			return rc;
	}
	if (src && src->family) {
		struct sockaddr_storage ss;
		socklen_t sl = ik_addr_to_sockaddr(src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
			return ik_err_sys(errno);
	}
	return IK_OK;
}

int ik_probe_sock_send(int fd, const struct ik_addr *dst, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = ik_addr_to_sockaddr(dst, 0, &ss);
	if (!sl)
		return IK_ERR_INVALID;
	ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	if (n < 0)
		return ik_err_sys(errno);
	return (int)n;
}

int ik_probe_sock_recv(int fd, uint8_t *buf, size_t cap, struct ik_addr *from, struct timespec *ts,
		       bool *has_ts)
{
	struct sockopt_msg m;
	sockopt_msg_init(&m, buf, cap);
	*has_ts = false;
	ssize_t n = recvmsg(fd, &m.mh, MSG_DONTWAIT);
	if (n < 0)
		return ik_err_sys(errno);
	ik_addr_from_sockaddr(&m.from, from);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m.mh); c; c = CMSG_NXTHDR(&m.mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof *ts)) {
			memcpy(ts, CMSG_DATA(c), sizeof *ts);
			*has_ts = true;
		}
	}
	return (int)(n > (ssize_t)cap ? (ssize_t)cap : n);
}

int ik_probe_route(const struct ik_addr *dst, const struct ik_addr *want_src, const char *ifname,
		   struct ik_addr *src_out, int *mtu_out)
{
	if (dst->family != 4 && dst->family != 6)
		return IK_ERR_INVALID;
	int fd = socket(dst->family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ik_err_sys(errno);
	int rc = ik_probe_sock_bind(fd, want_src, ifname);
	struct sockaddr_storage ss;
	socklen_t sl = ik_addr_to_sockaddr(dst, 33434, &ss);
	/* connect() on UDP only picks the route and source; no packet leaves. */
	if (rc == 0 && connect(fd, (struct sockaddr *)&ss, sl) != 0)
		rc = ik_err_sys(errno);
	if (rc == 0) {
		sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
			rc = ik_err_sys(errno);
		else
			ik_addr_from_sockaddr(&ss, src_out);
	}
	if (rc == 0 && mtu_out) {
		int mtu = 0;
		socklen_t ml = sizeof mtu;
		if (getsockopt(fd, dst->family == 6 ? IPPROTO_IPV6 : IPPROTO_IP,
			       dst->family == 6 ? IPV6_MTU : IP_MTU, &mtu, &ml) != 0)
			mtu = 0;
		*mtu_out = mtu;
	}
	close(fd);
	return rc;
}
