/* SPDX-License-Identifier: BSD-3-Clause */
/* Family-tagged addresses and their text forms. */
#include <arpa/inet.h>
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
