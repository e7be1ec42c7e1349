/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket options and sockaddr conversion shared by the ICMP and the probe sockets. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "sockopt.h"

int sockopt_setint(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof value) != 0)
		return ik_err_sys(errno);
	return IK_OK;
}

int sockopt_set_ttl(int fd, int family, int ttl)
{
	if (ttl < 1 || ttl > 255)
		return IK_ERR_INVALID;
	return family == 6 ? sockopt_setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)
			   : sockopt_setint(fd, IPPROTO_IP, IP_TTL, ttl);
}

int sockopt_set_tos(int fd, int family, int tos)
{
	if (tos < 0 || tos > 255)
		return IK_ERR_INVALID;
	return family == 6 ? sockopt_setint(fd, IPPROTO_IPV6, IPV6_TCLASS, tos)
			   : sockopt_setint(fd, IPPROTO_IP, IP_TOS, tos);
}

int sockopt_bind_device(int fd, const char *ifname)
{
	size_t n = strlen(ifname);
	if (n == 0 || n >= IFNAMSIZ)
		return ik_err_sys(ENODEV);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)n + 1) != 0)
		return ik_err_sys(errno);
	return IK_OK;
}

socklen_t sockopt_sockaddr(const struct ik_addr *a, uint16_t port, struct sockaddr_storage *ss)
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

void sockopt_from_sockaddr(const struct sockaddr_storage *ss, struct ik_addr *a)
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

void sockopt_msg_init(struct sockopt_msg *m, uint8_t *buf, size_t cap)
{
	m->iov = (struct iovec){.iov_base = buf, .iov_len = cap};
	m->mh = (struct msghdr){
	    .msg_name = &m->from,
	    .msg_namelen = sizeof m->from,
	    .msg_iov = &m->iov,
	    .msg_iovlen = 1,
	    .msg_control = m->ctl,
	    .msg_controllen = sizeof m->ctl,
	};
}
