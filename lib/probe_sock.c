/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw UDP/TCP probe sockets and route lookups for traceroute-style probing. */
#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icmpkit/probe_sock.h"

static socklen_t probe_sockaddr(const struct ik_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof *sin;
	}
	if (a->family == 6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		return sizeof *sin6;
	}
	return 0;
}

static void probe_from_sockaddr(const struct sockaddr_storage *ss, struct ik_addr *a)
{
	memset(a, 0, sizeof *a);
	if (ss->ss_family == AF_INET) {
		uint8_t b[4];
		memcpy(b, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		ik_addr_set4(a, b);
	} else if (ss->ss_family == AF_INET6) {
		uint8_t b[16];
		memcpy(b, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		ik_addr_set6(a, b);
	}
}

static int setint(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof value) != 0)
		return ik_err_sys(errno);
	return IK_OK;
}

int ik_probe_sock_open(int family, int protocol, bool is_receiving, int *fd_out)
{
	if ((family != 4 && family != 6) || (protocol != IPPROTO_UDP && protocol != IPPROTO_TCP))
		return IK_ERR_INVALID;
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return ik_err_sys(errno);
	int rc;
	if (is_receiving) {
		rc = setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
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
	if (ttl < 1 || ttl > 255)
		return IK_ERR_INVALID;
	return family == 6 ? setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)
			   : setint(fd, IPPROTO_IP, IP_TTL, ttl);
}

int ik_probe_sock_set_tos(int fd, int family, int tos)
{
	if (tos < 0 || tos > 255)
		return IK_ERR_INVALID;
	return family == 6 ? setint(fd, IPPROTO_IPV6, IPV6_TCLASS, tos)
			   : setint(fd, IPPROTO_IP, IP_TOS, tos);
}

int ik_probe_sock_set_df(int fd, int family, bool is_df)
{
	if (family == 6)
		return setint(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
			      is_df ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT);
	return setint(fd, IPPROTO_IP, IP_MTU_DISCOVER, is_df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT);
}

int ik_probe_sock_bind(int fd, const struct ik_addr *src, const char *ifname)
{
	if (ifname && *ifname) {
		if (strlen(ifname) >= IFNAMSIZ)
			return ik_err_sys(ENODEV);
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0)
			return ik_err_sys(errno);
	}
	if (src && src->family) {
		struct sockaddr_storage ss;
		socklen_t sl = probe_sockaddr(src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
			return ik_err_sys(errno);
	}
	return IK_OK;
}

int ik_probe_sock_send(int fd, const struct ik_addr *dst, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = probe_sockaddr(dst, 0, &ss);
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
	struct sockaddr_storage ss;
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
	    .msg_name = &ss,
	    .msg_namelen = sizeof ss,
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof ctl.buf,
	};
	*has_ts = false;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return ik_err_sys(errno);
	probe_from_sockaddr(&ss, from);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
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
	socklen_t sl = probe_sockaddr(dst, 33434, &ss);
	/* connect() on UDP only picks the route and source; no packet leaves. */
	if (rc == 0 && connect(fd, (struct sockaddr *)&ss, sl) != 0)
		rc = ik_err_sys(errno);
	if (rc == 0) {
		sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
			rc = ik_err_sys(errno);
		else
			probe_from_sockaddr(&ss, src_out);
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
