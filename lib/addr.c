/* SPDX-License-Identifier: BSD-3-Clause */
/* Family-tagged addresses and their text forms. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "icmpkit/addr.h"

void ik_addr_set4(struct ik_addr *a, const uint8_t bytes[4])
{
	memset(a, 0, sizeof *a);
	a->family = 4;
	memcpy(a->bytes, bytes, 4);
}

void ik_addr_set6(struct ik_addr *a, const uint8_t bytes[16])
{
	a->family = 6;
	memcpy(a->bytes, bytes, 16);
}

bool ik_addr_equal(const struct ik_addr *a, const struct ik_addr *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

int ik_addr_format(const struct ik_addr *a, char *buf, size_t cap)
{
	int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : 0;
	if (!af)
		return IK_ERR_INVALID;
	if (cap > 0x7fffffff)
		cap = 0x7fffffff;
	if (!inet_ntop(af, a->bytes, buf, (socklen_t)cap))
		return IK_ERR_NOSPACE;
	return (int)strlen(buf);
}

int ik_addr_parse(const char *text, struct ik_addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, text, out->bytes) == 1) {
		out->family = 4;
		return IK_OK;
	}
	if (inet_pton(AF_INET6, text, out->bytes) == 1) {
		out->family = 6;
		return IK_OK;
	}
	return IK_ERR_SYNTAX;
}

socklen_t ik_addr_to_sockaddr(const struct ik_addr *a, uint16_t port, struct sockaddr_storage *ss)
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

void ik_addr_from_sockaddr(const struct sockaddr_storage *ss, struct ik_addr *a)
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
