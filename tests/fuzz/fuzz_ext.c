/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the RFC 4884 extension structure decoder and an encode round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/icmpkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int code)
{
	fprintf(stderr, "fuzz_ext: %s (%s)\n", what, ik_errname(code));
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ik_ext ext, again;
	uint8_t out[4096];

	/* Copy to an exact-size heap buffer so ASan sees any over-read. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	int rc = ik_ext_decode(buf, size, &ext);
	free(buf);
	if (rc > 0)
		fail("ik_ext_decode returned a positive value", rc);
	if (rc != 0)
		return 0;
	if (ext.mpls_count > IK_EXT_MAX_MPLS || ext.ifinfo_count > IK_EXT_MAX_IFINFO)
		fail("object counts exceed their arrays", rc);
	for (unsigned i = 0; i < ext.ifinfo_count; i++)
		if (ext.ifinfo[i].has_name && strnlen(ext.ifinfo[i].name, IK_IFNAME_MAX) == IK_IFNAME_MAX)
			fail("interface name is not NUL-terminated", rc);
	/*
	 * What decoded must encode and decode to the same objects; objects of
	 * unknown classes are counted only, so they are not carried over.
	 */
	int n = ik_ext_encode(&ext, out, sizeof out);
	if (n < 0)
		return 0;
	rc = ik_ext_decode(out, (size_t)n, &again);
	if (rc != 0)
		fail("re-encoded extension does not decode", rc);
	if (again.mpls_count != ext.mpls_count || again.ifinfo_count != ext.ifinfo_count)
		fail("round trip changed the object counts", rc);
	for (unsigned i = 0; i < ext.mpls_count; i++)
		if (again.mpls[i].label != ext.mpls[i].label || again.mpls[i].ttl != ext.mpls[i].ttl)
			fail("round trip changed an MPLS entry", rc);
	if (!again.is_checksum_ok)
		fail("encoder wrote a checksum that does not verify", rc);
	return 0;
}
