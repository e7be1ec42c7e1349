/* SPDX-License-Identifier: BSD-3-Clause */
/* Parses the line-based lab topology language into a plan the caller owns. */
#ifndef ICMPKIT_TOPO_H
#define ICMPKIT_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The grammar is documented in man/icmpkit-lab.1 (section TOPOLOGY FILES)
 * and at the top of lib/topo.c. Limits bound what untrusted text can make
 * the parser allocate; hitting one is an IK_ERR_SYNTAX with a reason.
 */
#define IK_TOPO_NAME_SIZE 16    /* node names: 1..15 chars [a-z0-9_], with NUL */
#define IK_TOPO_IFNAME_SIZE 16  /* Linux IFNAMSIZ, with NUL */
#define IK_TOPO_MAX_NODES 128
#define IK_TOPO_MAX_LINKS 256
#define IK_TOPO_MAX_ROUTES 1024
#define IK_TOPO_MAX_SYSCTLS 512
#define IK_TOPO_MAX_SHAPES 512
#define IK_TOPO_MAX_NEXTHOPS 8
#define IK_TOPO_MAX_VARS 64
#define IK_TOPO_SYSCTL_KEY_SIZE 96
#define IK_TOPO_SYSCTL_VALUE_SIZE 64
#define IK_TOPO_REASON_SIZE 160

enum ik_topo_node_kind {
	IK_TOPO_HOST = 0,   /* an end host: no forwarding */
	IK_TOPO_ROUTER = 1, /* forwards IPv4 and IPv6 */
	IK_TOPO_LAN = 2,    /* a switch: a namespace holding bridge "br0" */
};

struct ik_topo_node {
	char name[IK_TOPO_NAME_SIZE];
	enum ik_topo_node_kind kind;
};

/* An address with its prefix length; addr.family is 0 when absent. */
struct ik_topo_prefix {
	struct ik_addr addr;
	uint8_t len; /* 0..32 for IPv4, 0..128 for IPv6 */
};

/* One side of a veth pair. */
struct ik_topo_end {
	size_t node;                      /* index into the node list */
	char ifname[IK_TOPO_IFNAME_SIZE]; /* given, or ethN / pN by order */
	struct ik_topo_prefix addr4;      /* absent on a LAN node's port */
	struct ik_topo_prefix addr6;
};

struct ik_topo_link {
	struct ik_topo_end end[2];
	unsigned mtu; /* bytes; 0 keeps the kernel default */
};

enum ik_topo_route_kind {
	IK_TOPO_ROUTE_VIA = 0,     /* one or more (ECMP) gateways */
	IK_TOPO_ROUTE_UNREACHABLE, /* `ip route add unreachable` */
	IK_TOPO_ROUTE_PROHIBIT,    /* `ip route add prohibit` */
	IK_TOPO_ROUTE_BLACKHOLE,   /* `ip route add blackhole` */
};

struct ik_topo_route {
	size_t node;
	struct ik_topo_prefix dst; /* "default" is the family's /0 */
	enum ik_topo_route_kind kind;
	size_t nexthop_count; /* 1 for a plain route, >1 for ECMP */
	struct ik_addr nexthop[IK_TOPO_MAX_NEXTHOPS];
};

struct ik_topo_sysctl {
	size_t node;
	char key[IK_TOPO_SYSCTL_KEY_SIZE];     /* dotted, always under net.ipv4/net.ipv6 */
	char value[IK_TOPO_SYSCTL_VALUE_SIZE]; /* no spaces */
};

enum ik_topo_shape_kind {
	IK_TOPO_LOSS = 0,  /* value: percent of packets dropped, 0..100 */
	IK_TOPO_DELAY = 1, /* value: milliseconds each packet is held */
};

/* Loss or delay on the packets a node sends out of one interface (or all). */
struct ik_topo_shape {
	size_t node;
	enum ik_topo_shape_kind kind;
	char ifname[IK_TOPO_IFNAME_SIZE]; /* "" means every interface */
	unsigned value;
};

struct ik_topo;

/* Allocates an empty topology; NULL when out of memory. Free with ik_topo_free. */
struct ik_topo *ik_topo_create(void);

/* Frees a topology and everything it owns; NULL is a no-op. */
void ik_topo_free(struct ik_topo *topo);

/*
 * Defines ${NAME} for the text parsed afterwards (from `--set NAME=VALUE`);
 * a later call with the same name replaces the value. Both strings are
 * copied. NAME is [A-Za-z_][A-Za-z0-9_]*, VALUE has no whitespace.
 * Returns 0, IK_ERR_INVALID for a bad name/value or too many variables, or
 * ik_err_sys(ENOMEM).
 */
IK_WUR int ik_topo_set_var(struct ik_topo *topo, const char *name, const char *value);

/*
 * Parses text (text_len bytes, NUL not required) into topo, which must be
 * fresh from ik_topo_create (plus variables). On IK_ERR_SYNTAX the line
 * number and reason are kept for ik_topo_error_line/_reason and the plan is
 * left unusable. Returns 0, IK_ERR_SYNTAX, IK_ERR_INVALID (topo already
 * parsed) or ik_err_sys(ENOMEM).
 */
IK_WUR int ik_topo_parse(struct ik_topo *topo, const char *text, size_t text_len);

/* The 1-based line of the last syntax error (0 when none or not per line). */
unsigned ik_topo_error_line(const struct ik_topo *topo);
/* The reason of the last error, "" when none. Owned by topo. */
const char *ik_topo_error_reason(const struct ik_topo *topo);

/* Counts and element accessors; index must be below the count. */
size_t ik_topo_node_count(const struct ik_topo *topo);
const struct ik_topo_node *ik_topo_node(const struct ik_topo *topo, size_t index);
size_t ik_topo_link_count(const struct ik_topo *topo);
const struct ik_topo_link *ik_topo_link(const struct ik_topo *topo, size_t index);
size_t ik_topo_route_count(const struct ik_topo *topo);
const struct ik_topo_route *ik_topo_route(const struct ik_topo *topo, size_t index);
size_t ik_topo_sysctl_count(const struct ik_topo *topo);
const struct ik_topo_sysctl *ik_topo_sysctl(const struct ik_topo *topo, size_t index);
size_t ik_topo_shape_count(const struct ik_topo *topo);
const struct ik_topo_shape *ik_topo_shape(const struct ik_topo *topo, size_t index);

/* Returns the index of the node called name, or IK_ERR_NOT_FOUND. */
IK_WUR int ik_topo_find_node(const struct ik_topo *topo, const char *name);

#ifdef __cplusplus
}
#endif
#endif
