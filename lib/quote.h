/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal: decoding of the datagram quoted by ICMPv4 and ICMPv6 errors. */
#ifndef ICMPKIT_QUOTE_H
#define ICMPKIT_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "icmpkit/icmp.h"

/*
 * Decodes the quoted datagram p[0..len) into *q (zeroed first): its IP
 * header, then UDP/TCP ports or the quoted ICMP header of the same IP
 * version. Returns 0, or the reason it fell short (what was read is kept).
 */
IK_WUR int quote_decode(const uint8_t *p, size_t len, struct ik_quote *q);

#endif
