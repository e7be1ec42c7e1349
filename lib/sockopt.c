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
