/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of ICMP and ICMPv6 types and codes, worded as iputils ping and Linux traceroute print them. */
#include <stdarg.h>
#include <stdio.h>

#include "icmpkit/names.h"

/* Type names; ping's own wording where ping names the type. */
static const char *const icmp4_types[IK_ICMP4_EXT_ECHO_REPLY + 1] = {
	[IK_ICMP4_ECHO_REPLY] = "Echo Reply",
	[IK_ICMP4_DEST_UNREACH] = "Destination Unreachable",
	[IK_ICMP4_SOURCE_QUENCH] = "Source Quench",
	[IK_ICMP4_REDIRECT] = "Redirect",
	[IK_ICMP4_ECHO_REQUEST] = "Echo Request",
	[IK_ICMP4_ROUTER_ADVERT] = "Router Advertisement",
	[IK_ICMP4_ROUTER_SOLICIT] = "Router Solicitation",
	[IK_ICMP4_TIME_EXCEEDED] = "Time Exceeded",
	[IK_ICMP4_PARAM_PROBLEM] = "Parameter Problem",
	[IK_ICMP4_TIMESTAMP] = "Timestamp",
	[IK_ICMP4_TIMESTAMP_REPLY] = "Timestamp Reply",
	[IK_ICMP4_INFO_REQUEST] = "Information Request",
	[IK_ICMP4_INFO_REPLY] = "Information Reply",
	[IK_ICMP4_MASK_REQUEST] = "Address Mask Request",
	[IK_ICMP4_MASK_REPLY] = "Address Mask Reply",
	[IK_ICMP4_EXT_ECHO_REQUEST] = "Extended Echo Request",
	[IK_ICMP4_EXT_ECHO_REPLY] = "Extended Echo Reply",
};

/* iputils ping/ping.c pr_icmph() wording for Destination Unreachable. */
static const char *const icmp4_unreach[IK_UNREACH_PREC_CUTOFF + 1] = {
	[IK_UNREACH_NET] = "Destination Net Unreachable",
	[IK_UNREACH_HOST] = "Destination Host Unreachable",
	[IK_UNREACH_PROTOCOL] = "Destination Protocol Unreachable",
	[IK_UNREACH_PORT] = "Destination Port Unreachable",
	[IK_UNREACH_FRAG_NEEDED] = "Frag needed and DF set",
	[IK_UNREACH_SRC_ROUTE] = "Source Route Failed",
	[IK_UNREACH_NET_UNKNOWN] = "Destination Net Unknown",
	[IK_UNREACH_HOST_UNKNOWN] = "Destination Host Unknown",
	[IK_UNREACH_ISOLATED] = "Source Host Isolated",
	[IK_UNREACH_NET_PROHIB] = "Destination Net Prohibited",
	[IK_UNREACH_HOST_PROHIB] = "Destination Host Prohibited",
	[IK_UNREACH_TOS_NET] = "Destination Net Unreachable for Type of Service",
	[IK_UNREACH_TOS_HOST] = "Destination Host Unreachable for Type of Service",
	[IK_UNREACH_ADMIN_PROHIB] = "Packet filtered",
	[IK_UNREACH_PREC_VIOLATION] = "Precedence Violation",
	[IK_UNREACH_PREC_CUTOFF] = "Precedence Cutoff",
};

static const char *const icmp4_redirect[4] = {
	"Redirect Network",
	"Redirect Host",
	"Redirect Type of Service and Network",
	"Redirect Type of Service and Host",
};

static const char *const icmp4_time_exceeded[2] = {
	"Time to live exceeded",
	"Frag reassembly time exceeded",
};

/* RFC 792 and RFC 1108 2.3 codes; ping prints only the pointer. */
static const char *const icmp4_param_problem[3] = {
	"Pointer indicates the error",
	"Missing a required option",
	"Bad length",
};

/* RFC 8335 3 Extended Echo Reply codes. */
static const char *const xe_reply_codes[5] = {
	"No Error",
	"Malformed Query",
	"No Such Interface",
	"No Such Table Entry",
	"Multiple Interfaces Satisfy Query",
};

/* iputils ping/ping6_common.c print_icmp() wording. */
static const char *const icmp6_unreach[9] = {
	"No route",
	"Administratively prohibited",
	"Beyond scope of source address",
	"Address unreachable",
	"Port unreachable",
	"Source address failed ingress/egress policy",
	"Reject route to destination",
	"Error in Source Routing Header", /* RFC 6554; ping prints "Unknown code 7" */
	"Headers too long",               /* RFC 8883; ping prints "Unknown code 8" */
};

static const char *const icmp6_time_exceeded[2] = {
	"Hop limit",
	"Defragmentation failure",
};

static const char *const icmp6_param_problem[4] = {
	"Wrong header field",
	"Unknown header",
	"Unknown option",
	"First fragment has incomplete header chain", /* RFC 7112 */
};

#define PICK(table, i) ((size_t)(i) < sizeof(table) / sizeof((table)[0]) ? (table)[i] : NULL)

static const char *icmp6_type_name(uint8_t type)
{
	switch (type) {
	case IK_ICMP6_DEST_UNREACH: return "Destination Unreachable";
	case IK_ICMP6_PACKET_TOO_BIG: return "Packet Too Big";
	case IK_ICMP6_TIME_EXCEEDED: return "Time Exceeded";
	case IK_ICMP6_PARAM_PROBLEM: return "Parameter Problem";
	case IK_ICMP6_ECHO_REQUEST: return "Echo Request";
	case IK_ICMP6_ECHO_REPLY: return "Echo Reply";
	case 130: return "MLD Query";
	case 131: return "MLD Report";
	case 132: return "MLD Reduction";
	case IK_ICMP6_ROUTER_SOLICIT: return "Router Solicitation";
	case IK_ICMP6_ROUTER_ADVERT: return "Router Advertisement";
	case IK_ICMP6_NEIGHBOR_SOLICIT: return "Neighbor Solicitation";
	case IK_ICMP6_NEIGHBOR_ADVERT: return "Neighbor Advertisement";
	case IK_ICMP6_REDIRECT: return "Redirect";
	case 143: return "MLDv2 Report";
	case IK_ICMP6_EXT_ECHO_REQUEST: return "Extended Echo Request";
	case IK_ICMP6_EXT_ECHO_REPLY: return "Extended Echo Reply";
	default: return NULL;
	}
}

const char *ik_icmp_type_name(uint8_t version, uint8_t type)
{
	if (version == 4)
		return PICK(icmp4_types, type);
	if (version == 6)
		return icmp6_type_name(type);
	return NULL;
}

const char *ik_icmp_code_name(uint8_t version, uint8_t type, uint8_t code)
{
	if (version == 4) {
		switch (type) {
		case IK_ICMP4_DEST_UNREACH: return PICK(icmp4_unreach, code);
		case IK_ICMP4_REDIRECT: return PICK(icmp4_redirect, code);
		case IK_ICMP4_TIME_EXCEEDED: return PICK(icmp4_time_exceeded, code);
		case IK_ICMP4_PARAM_PROBLEM: return PICK(icmp4_param_problem, code);
		case IK_ICMP4_EXT_ECHO_REPLY: return PICK(xe_reply_codes, code);
		default: return NULL;
		}
	}
	if (version == 6) {
		switch (type) {
		case IK_ICMP6_DEST_UNREACH: return PICK(icmp6_unreach, code);
		case IK_ICMP6_TIME_EXCEEDED: return PICK(icmp6_time_exceeded, code);
		case IK_ICMP6_PARAM_PROBLEM: return PICK(icmp6_param_problem, code);
		case IK_ICMP6_EXT_ECHO_REPLY: return PICK(xe_reply_codes, code);
		default: return NULL;
		}
	}
	return NULL;
}

/* snprintf into buf, with the library's return convention. */
__attribute__((format(printf, 3, 4))) static int put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		return IK_ERR_NOSPACE;
	return n;
}

static int describe4(const struct ik_icmp *m, char *buf, size_t cap)
{
	const char *name;
	switch (m->type) {
	case IK_ICMP4_DEST_UNREACH:
		if (m->code == IK_UNREACH_FRAG_NEEDED)
			return put(buf, cap, "Frag needed and DF set (mtu = %u)", (unsigned)m->mtu);
		if ((name = PICK(icmp4_unreach, m->code)))
			return put(buf, cap, "%s", name);
		return put(buf, cap, "Dest Unreachable, Bad Code: %d", m->code);
	case IK_ICMP4_REDIRECT: {
		/* ping prints the new next hop right after the code, with no space. */
		char gw[IK_ADDR_STRLEN] = "0.0.0.0";
		struct ik_addr a = m->gateway;
		a.family = 4;
		if (ik_addr_format(&a, gw, sizeof gw) < 0)
			return IK_ERR_INVALID;
		if ((name = PICK(icmp4_redirect, m->code)))
			return put(buf, cap, "%s(New nexthop: %s)", name, gw);
		return put(buf, cap, "Redirect, Bad Code: %d(New nexthop: %s)", m->code, gw);
	}
	case IK_ICMP4_TIME_EXCEEDED:
		if ((name = PICK(icmp4_time_exceeded, m->code)))
			return put(buf, cap, "%s", name);
		return put(buf, cap, "Time exceeded, Bad Code: %d", m->code);
	case IK_ICMP4_PARAM_PROBLEM:
		return put(buf, cap, "Parameter problem: pointer = %u", (unsigned)m->pointer);
	case IK_ICMP4_ECHO_REPLY:
	case IK_ICMP4_ECHO_REQUEST:
	case IK_ICMP4_SOURCE_QUENCH:
	case IK_ICMP4_TIMESTAMP:
	case IK_ICMP4_TIMESTAMP_REPLY:
	case IK_ICMP4_INFO_REQUEST:
	case IK_ICMP4_INFO_REPLY:
	case IK_ICMP4_MASK_REQUEST:
	case IK_ICMP4_MASK_REPLY:
		return put(buf, cap, "%s", icmp4_types[m->type]);
	default:
		/* ping knows no other type, router discovery and extended echo included. */
		return put(buf, cap, "Bad ICMP type: %d", m->type);
	}
}

static int describe6(const struct ik_icmp *m, char *buf, size_t cap)
{
	const char *name;
	switch (m->type) {
	case IK_ICMP6_DEST_UNREACH:
		/* ping has no words for codes 7 and 8. */
		if (m->code < 7 && (name = PICK(icmp6_unreach, m->code)))
			return put(buf, cap, "Destination unreachable: %s", name);
		return put(buf, cap, "Destination unreachable: Unknown code %d", m->code);
	case IK_ICMP6_PACKET_TOO_BIG:
		if (m->code)
			return put(buf, cap, "Packet too big: mtu=%u, code=%d", (unsigned)m->mtu, m->code);
		return put(buf, cap, "Packet too big: mtu=%u", (unsigned)m->mtu);
	case IK_ICMP6_TIME_EXCEEDED:
		if ((name = PICK(icmp6_time_exceeded, m->code)))
			return put(buf, cap, "Time exceeded: %s", name);
		return put(buf, cap, "Time exceeded: code %d", m->code);
	case IK_ICMP6_PARAM_PROBLEM:
		if (m->code < 3)
			return put(buf, cap, "Parameter problem: %s at %u", icmp6_param_problem[m->code],
				   (unsigned)m->pointer);
		return put(buf, cap, "Parameter problem: code %d at %u", m->code, (unsigned)m->pointer);
	case IK_ICMP6_ECHO_REQUEST: return put(buf, cap, "Echo request");
	case IK_ICMP6_ECHO_REPLY: return put(buf, cap, "Echo reply");
	case 130: return put(buf, cap, "MLD Query");
	case 131: return put(buf, cap, "MLD Report");
	case 132: return put(buf, cap, "MLD Reduction");
	default: return put(buf, cap, "unknown icmp type: %u", m->type);
	}
}

int ik_icmp_describe(const struct ik_icmp *msg, char *buf, size_t cap)
{
	if (msg->version == 4)
		return describe4(msg, buf, cap);
	if (msg->version == 6)
		return describe6(msg, buf, cap);
	return IK_ERR_INVALID;
}

/* traceroute/traceroute.c parse_icmp_res(), Dmitry Butskoy's traceroute 2.1. */
static int annotate4(const struct ik_icmp *m, char *buf, size_t cap)
{
	switch (m->type) {
	case IK_ICMP4_ECHO_REPLY:
		return put(buf, cap, "%s", ""); /* the destination answered traceroute -I */
	case IK_ICMP4_TIME_EXCEEDED:
		if (m->code == 0)
			return put(buf, cap, "%s", "");
		break;
	case IK_ICMP4_DEST_UNREACH:
		switch (m->code) {
		case IK_UNREACH_NET:
		case IK_UNREACH_NET_UNKNOWN:
		case IK_UNREACH_ISOLATED:
		case IK_UNREACH_TOS_NET:
			return put(buf, cap, "!N");
		case IK_UNREACH_HOST:
		case IK_UNREACH_HOST_UNKNOWN:
		case IK_UNREACH_TOS_HOST:
			return put(buf, cap, "!H");
		case IK_UNREACH_NET_PROHIB:
		case IK_UNREACH_HOST_PROHIB:
		case IK_UNREACH_ADMIN_PROHIB:
			return put(buf, cap, "!X");
		case IK_UNREACH_PORT:
			return put(buf, cap, "%s", ""); /* the destination itself answered */
		case IK_UNREACH_PROTOCOL:
			return put(buf, cap, "!P");
		case IK_UNREACH_FRAG_NEEDED:
			return put(buf, cap, "!F-%u", (unsigned)m->mtu);
		case IK_UNREACH_SRC_ROUTE:
			return put(buf, cap, "!S");
		case IK_UNREACH_PREC_VIOLATION:
			return put(buf, cap, "!V");
		case IK_UNREACH_PREC_CUTOFF:
			return put(buf, cap, "!C");
		default:
			return put(buf, cap, "!<%u>", m->code);
		}
	default:
		break;
	}
	return put(buf, cap, "!<%u-%u>", m->type, m->code);
}

static int annotate6(const struct ik_icmp *m, char *buf, size_t cap)
{
	switch (m->type) {
	case IK_ICMP6_ECHO_REPLY:
		return put(buf, cap, "%s", "");
	case IK_ICMP6_TIME_EXCEEDED:
		if (m->code == 0)
			return put(buf, cap, "%s", "");
		break;
	case IK_ICMP6_DEST_UNREACH:
		switch (m->code) {
		case 0: return put(buf, cap, "!N");  /* no route */
		case 2:                              /* beyond scope */
		case 3: return put(buf, cap, "!H");  /* address unreachable */
		case 1: return put(buf, cap, "!X");  /* administratively prohibited */
		case 4: return put(buf, cap, "%s", ""); /* port unreachable: arrived */
		default: return put(buf, cap, "!<%u>", m->code);
		}
	case IK_ICMP6_PACKET_TOO_BIG:
		return put(buf, cap, "!F-%u", (unsigned)m->mtu);
	default:
		break;
	}
	return put(buf, cap, "!<%u-%u>", m->type, m->code);
}

int ik_trace_annotation(const struct ik_icmp *msg, char *buf, size_t cap)
{
	if (msg->version == 4)
		return annotate4(msg, buf, cap);
	if (msg->version == 6)
		return annotate6(msg, buf, cap);
	return IK_ERR_INVALID;
}
