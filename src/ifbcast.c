/* SPDX-License-Identifier: BSD-3-Clause */
/* The directed IPv4 broadcast addresses of an interface, for watch (smurf) and guard xdp. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "cmd.h"
#include "icmpkit/addr.h"

/*
 * Computed as address | ~netmask (RFC 919/922), not taken from
 * ifa_broadaddr: glibc puts the address itself there when the address was
 * added without `brd`, which would make every ping to this host look like
 * a broadcast. /31 and /32 have no broadcast address (RFC 3021).
 */
int if_broadcasts(const char *ifname, struct ik_addr *out, int max)
{
	struct ifaddrs *list = NULL;
	if (getifaddrs(&list) < 0)
		return -1;
	int n = 0;
	for (struct ifaddrs *a = list; a && n < max; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask ||
		    strcmp(a->ifa_name, ifname) != 0 || !(a->ifa_flags & IFF_BROADCAST))
			continue;
		struct sockaddr_in addr, mask;
		memcpy(&addr, a->ifa_addr, sizeof addr);
		memcpy(&mask, a->ifa_netmask, sizeof mask);
		uint32_t host_mask = ntohl(mask.sin_addr.s_addr);
		if (host_mask >= 0xfffffffeu)
			continue;
		uint32_t bcast = addr.sin_addr.s_addr | htonl(~host_mask); /* network order */
		uint8_t bytes[4];
		memcpy(bytes, &bcast, 4);
		ik_addr_set4(&out[n++], bytes);
	}
	freeifaddrs(list);
	return n;
}
