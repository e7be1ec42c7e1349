/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: ik_icmp6_decode with and without the pseudo-header addresses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/icmpkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int code)
{
	fprintf(stderr, "fuzz_icmp6: %s (%s)\n", what, ik_errname(code));
	abort();
}

static void check(const uint8_t *buf, size_t len, const struct ik_icmp *msg, int rc)
{
	char text[512];

	if (rc > 0)
		fail("ik_icmp6_decode returned a positive value", rc);
	if (rc != 0 && rc != IK_ERR_BAD_CHECKSUM)
		return;
	if (msg->version != 6)
		fail("decoded message is not version 6", rc);
	if (msg->data_len && (msg->data < buf || msg->data + msg->data_len > buf + len))
		fail("data points outside the input", rc);
	if (msg->quote.is_present && msg->quote.ip.payload_len &&
	    (msg->quote.ip.payload < buf ||
	     msg->quote.ip.payload + msg->quote.ip.payload_len > buf + len))
		fail("quoted payload points outside the input", rc);
	int n = ik_icmp_describe(msg, text, sizeof text);
	if (n >= 0 && strlen(text) != (size_t)n)
		fail("ik_icmp_describe length disagrees with its text", n);
	n = ik_trace_annotation(msg, text, sizeof text);
	if (n >= 0 && strlen(text) != (size_t)n)
		fail("ik_trace_annotation length disagrees with its text", n);
}

/*
 * Input layout: 16 bytes source, 16 bytes destination, then the ICMPv6
 * message. Shorter inputs are decoded as a message with no addresses.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ik_icmp msg;
	struct ik_addr src, dst;

	if (size < 32) {
		uint8_t *buf = malloc(size ? size : 1);
		if (!buf)
			return 0;
		memcpy(buf, data, size);
		check(buf, size, &msg, ik_icmp6_decode(buf, size, NULL, NULL, &msg));
		free(buf);
		return 0;
	}
	ik_addr_set6(&src, data);
	ik_addr_set6(&dst, data + 16);
	size_t len = size - 32;
	/* Copy to an exact-size heap buffer so ASan sees any over-read. */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 32, len);

	int rc = ik_icmp6_decode(buf, len, &src, &dst, &msg);
	check(buf, len, &msg, rc);
	if (rc == 0 || rc == IK_ERR_BAD_CHECKSUM) {
		/* RFC 4443 2.3: the sum over pseudo-header and message is zero. */
		uint32_t acc = ik_cksum_pseudo6(&src, &dst, (uint32_t)len, IK_PROTO_ICMPV6);
		bool is_ok = ik_cksum_finish(ik_cksum_add(acc, buf, len)) == 0;
		if (!msg.is_checksum_checked || (rc == 0) != is_ok)
			fail("checksum verdict disagrees with ik_cksum", rc);
	}
	rc = ik_icmp6_decode(buf, len, NULL, NULL, &msg);
	check(buf, len, &msg, rc);
	if (rc == 0 && msg.is_checksum_checked)
		fail("checksum claimed checked without addresses", rc);
	free(buf);
	return 0;
}
