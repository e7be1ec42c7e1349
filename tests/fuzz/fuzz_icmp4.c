/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: ik_icmp4_decode on bare ICMP messages, and the texts made from them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/icmpkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int code)
{
	fprintf(stderr, "fuzz_icmp4: %s (%s)\n", what, ik_errname(code));
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ik_icmp msg;
	char text[512];

	/* Copy to an exact-size heap buffer so ASan sees any over-read. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	int rc = ik_icmp4_decode(buf, size, &msg);
	if (rc > 0)
		fail("ik_icmp4_decode returned a positive value", rc);
	if (rc == 0 || rc == IK_ERR_BAD_CHECKSUM) {
		if (msg.version != 4)
			fail("decoded message is not version 4", rc);
		if (msg.data_len > size || (msg.data_len && (msg.data < buf || msg.data + msg.data_len > buf + size)))
			fail("data points outside the input", rc);
		if (msg.quote.is_present && msg.quote.ip.payload_len &&
		    (msg.quote.ip.payload < buf || msg.quote.ip.payload + msg.quote.ip.payload_len > buf + size))
			fail("quoted payload points outside the input", rc);
		int n = ik_icmp_describe(&msg, text, sizeof text);
		if (n >= 0 && strlen(text) != (size_t)n)
			fail("ik_icmp_describe length disagrees with its text", n);
		n = ik_trace_annotation(&msg, text, sizeof text);
		if (n >= 0 && strlen(text) != (size_t)n)
			fail("ik_trace_annotation length disagrees with its text", n);
		/* The checksum verdict must agree with the RFC 1071 sum of the input. */
		if ((rc == 0) != (ik_cksum(buf, size) == 0))
			fail("checksum verdict disagrees with ik_cksum", rc);
	}
	free(buf);
	return 0;
}
