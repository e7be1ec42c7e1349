/* SPDX-License-Identifier: BSD-3-Clause */
/* Human names for ICMP types and codes, worded as iputils and traceroute word them. */
#ifndef ICMPKIT_NAMES_H
#define ICMPKIT_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "icmpkit/error.h"
#include "icmpkit/icmp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Name of a type ("Echo Request", "Destination Unreachable"); NULL if unknown. */
const char *ik_icmp_type_name(uint8_t version, uint8_t type);

/* Name of a code within a type ("Destination Net Unreachable"); NULL if unknown. */
const char *ik_icmp_code_name(uint8_t version, uint8_t type, uint8_t code);

/*
 * Writes the line iputils ping prints for a message, e.g.
 * "Destination Net Unreachable", "Time to live exceeded",
 * "Frag needed and DF set (mtu = 1400)", "Packet too big: mtu=1280".
 * Returns the length written or IK_ERR_NOSPACE.
 */
IK_WUR int ik_icmp_describe(const struct ik_icmp *msg, char *buf, size_t cap);

/*
 * traceroute's annotation for an unreachable ("!H", "!N", "!P", "!F-1400",
 * "!X", "!V", "!C", "!S", "!<code>"); empty string when the message needs
 * none (time exceeded, port unreachable at the destination).
 */
IK_WUR int ik_trace_annotation(const struct ik_icmp *msg, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
