/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: whole frames through ik_packet_decode, then an encode/decode round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmpkit/icmpkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The link types a frame may carry; the first input byte picks one. */
static const enum ik_link links[] = {
	IK_LINK_ETHERNET, IK_LINK_RAW, IK_LINK_SLL, IK_LINK_SLL2, IK_LINK_NULL, IK_LINK_LOOP,
};

/* A broken invariant is a bug: stop so libFuzzer saves the input. */
static void fail(const char *what, int code)
{
	fprintf(stderr, "fuzz_packet: %s (%s)\n", what, ik_errname(code));
	abort();
}

/*
 * The texts a front end prints for any decoded message must never overrun:
 * a small buffer exercises the NOSPACE path, a large one the full text.
 */
static void describe(const struct ik_icmp *msg)
{
	char small[8];
	char big[512];
	int n = ik_icmp_describe(msg, big, sizeof big);
	if (n >= (int)sizeof big || (n >= 0 && strlen(big) != (size_t)n))
		fail("ik_icmp_describe length disagrees with its text", n);
	(void)ik_icmp_describe(msg, small, sizeof small);
	n = ik_trace_annotation(msg, big, sizeof big);
	if (n >= (int)sizeof big || (n >= 0 && strlen(big) != (size_t)n))
		fail("ik_trace_annotation length disagrees with its text", n);
	(void)ik_trace_annotation(msg, small, sizeof small);
}

/*
 * Re-encodes a message decoded from the wire and decodes the result: what
 * the encoder writes must decode with a good checksum and the same header.
 * The encoder may refuse a message it cannot represent (INVALID, NOSPACE).
 */
static void round_trip(const struct ik_packet *pkt)
{
	static uint8_t buf[70000];
	const struct ik_icmp *msg = &pkt->icmp;
	struct ik_icmp again;
	int n, rc;

	if (msg->version == 4) {
		n = ik_icmp4_encode(msg, buf, sizeof buf);
		if (n < 0)
			return;
		rc = ik_icmp4_decode(buf, (size_t)n, &again);
	} else {
		n = ik_icmp6_encode(msg, &pkt->ip.src, &pkt->ip.dst, buf, sizeof buf);
		if (n < 0)
			return;
		rc = ik_icmp6_decode(buf, (size_t)n, &pkt->ip.src, &pkt->ip.dst, &again);
	}
	if (n < 8)
		fail("encoder wrote less than an ICMP header", n);
	if (rc != 0)
		fail("re-encoded message does not decode", rc);
	if (again.type != msg->type || again.code != msg->code)
		fail("round trip changed type or code", 0);
	if (ik_icmp_is_error(msg->version, msg->type) == false &&
	    (again.id != msg->id || again.seq != msg->seq))
		fail("round trip changed id or seq", 0);
	if (!again.is_checksum_checked || !again.is_checksum_ok)
		fail("encoder wrote a checksum that does not verify", 0);
	/*
	 * icmp.h promises encode(decode(m)) == m. Checked byte for byte on
	 * echo messages, whose layout leaves the encoder no choices, except
	 * the checksum: 0x0000 and 0xffff both verify (RFC 1071's two zeros),
	 * and the encoder is free to write either.
	 */
	bool is_echo = msg->version == 4 ? (msg->type == IK_ICMP4_ECHO_REQUEST ||
					    msg->type == IK_ICMP4_ECHO_REPLY)
					 : (msg->type == IK_ICMP6_ECHO_REQUEST ||
					    msg->type == IK_ICMP6_ECHO_REPLY);
	if (is_echo && pkt->icmp_err == 0 && !pkt->ip.is_truncated &&
	    ((size_t)n != pkt->ip.payload_len || memcmp(buf, pkt->ip.payload, 2) != 0 ||
	     memcmp(buf + 4, pkt->ip.payload + 4, (size_t)n - 4) != 0))
		fail("echo message did not encode back to the same bytes", 0);
	describe(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ik_packet pkt;

	if (size < 1)
		return 0;
	enum ik_link link = links[data[0] % (sizeof links / sizeof links[0])];
	/* Copy to an exact-size heap buffer so ASan sees any over-read. */
	uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, size - 1);

	int rc = ik_packet_decode(link, frame, size - 1, &pkt);
	if (rc > 0)
		fail("ik_packet_decode returned a positive value", rc);
	if (rc == 0 && pkt.has_icmp) {
		if (pkt.icmp.version != 4 && pkt.icmp.version != 6)
			fail("decoded ICMP has no version", 0);
		describe(&pkt.icmp);
		/* A first fragment holds only the header; the rest is elsewhere. */
		if ((pkt.icmp_err == 0 || pkt.icmp_err == IK_ERR_BAD_CHECKSUM) && !pkt.is_fragment)
			round_trip(&pkt);
	}
	free(frame);
	return 0;
}
