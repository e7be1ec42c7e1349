/* SPDX-License-Identifier: BSD-3-Clause */
/* An ICMP/ICMPv6 socket handle: unprivileged datagram or raw, with kernel timestamps and errors. */
#ifndef ICMPKIT_SOCK_H
#define ICMPKIT_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "icmpkit/addr.h"
#include "icmpkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Lifecycle (STYLE.md): ik_sock_open() creates the socket, the ik_sock_set_*
 * calls configure it, ik_sock_send()/ik_sock_recv()/ik_sock_recv_err() use
 * it, ik_sock_free() closes it. The handle is opaque and owned by the caller;
 * nothing here prints, exits or keeps global state.
 */
struct ik_sock;

/* ik_sock_open() flags. */
enum ik_sock_flag {
	/* Raw socket only (Timestamp, PROBE, forged identifiers need it). */
	IK_SOCK_RAW = 1u << 0,
	/* Datagram ("ping") socket only, never fall back to raw. */
	IK_SOCK_DGRAM = 1u << 1,
};

/*
 * Opens an ICMP (family 4) or ICMPv6 (family 6) socket. Without flags it
 * tries the kernel's unprivileged datagram socket first (allowed by
 * net.ipv4.ping_group_range) and falls back to a raw socket only when that
 * fails with EACCES, EPERM or EPROTONOSUPPORT, as iputils' create_socket
 * does. Error queue reporting (IP_RECVERR / IPV6_RECVERR) and receive TTL /
 * hop limit are switched on here because every user needs them.
 * Returns 0 with *out set, IK_ERR_INVALID (bad family or flags) or a system
 * error (the raw socket's errno when both failed: EPERM means no privilege).
 */
IK_WUR int ik_sock_open(struct ik_sock **out, int family, unsigned flags);

/* Closes the socket and frees the handle; NULL is allowed. */
void ik_sock_free(struct ik_sock *s);

/* The descriptor, for poll(); do not close it. */
int ik_sock_fd(const struct ik_sock *s);
/* True when the handle is a raw socket (received IPv4 packets carry their IP header). */
bool ik_sock_is_raw(const struct ik_sock *s);
/* 4 or 6. */
int ik_sock_family(const struct ik_sock *s);

/*
 * The echo identifier on the wire. A datagram socket's identifier is its
 * local port, chosen by the kernel at bind (so only valid after the first
 * send or ik_sock_bind_source()); the kernel rewrites the id field of what
 * we send and filters replies by it. A raw socket returns the value given
 * to ik_sock_set_ident(). Returns -1 while unknown.
 */
int ik_sock_ident(const struct ik_sock *s);
/* Records the identifier a raw socket's caller writes into its probes. */
void ik_sock_set_ident(struct ik_sock *s, uint16_t ident);

/* Unicast TTL / hop limit, 1..255. Returns 0 or a system error. */
IK_WUR int ik_sock_set_ttl(struct ik_sock *s, int ttl);
/* Multicast TTL / hop limit, 0..255. */
IK_WUR int ik_sock_set_mcast_ttl(struct ik_sock *s, int ttl);
/* IPv4 TOS byte or IPv6 traffic class, 0..255. */
IK_WUR int ik_sock_set_tos(struct ik_sock *s, int tos);
/* Binds to an interface by name (SO_BINDTODEVICE). ENODEV when it does not exist. */
IK_WUR int ik_sock_bind_device(struct ik_sock *s, const char *ifname);
/* Binds the source address (port 0: the kernel picks a datagram socket's id). */
IK_WUR int ik_sock_bind_source(struct ik_sock *s, const struct ik_addr *src);
/* Allows sending to a broadcast address (SO_BROADCAST, IPv4). */
IK_WUR int ik_sock_set_broadcast(struct ik_sock *s, bool is_allowed);
/* Socket buffer sizes in bytes (a flood needs a large receive buffer). */
IK_WUR int ik_sock_set_bufs(struct ik_sock *s, int rcvbuf_len, int sndbuf_len);

/* Path MTU discovery modes (ping -M), mapped to IP(V6)_MTU_DISCOVER. */
enum ik_pmtu_mode {
	IK_PMTU_DEFAULT = 0, /* leave the kernel's per-route default */
	IK_PMTU_DO,          /* set DF, never fragment locally (RFC 1191) */
	IK_PMTU_DONT,        /* clear DF, fragment locally */
	IK_PMTU_WANT,        /* DF unless the route's MTU says fragment */
	IK_PMTU_PROBE,       /* set DF and ignore the cached path MTU */
};
IK_WUR int ik_sock_set_pmtu(struct ik_sock *s, enum ik_pmtu_mode mode);

/*
 * Kernel timestamps: receive stamps (SO_TIMESTAMPNS, CLOCK_REALTIME) when
 * is_rx; transmit stamps (SO_TIMESTAMPING with TX_SOFTWARE, SOFTWARE,
 * OPT_ID, OPT_TSONLY; plus TX_HARDWARE/RAW_HARDWARE when want_hw) when
 * is_tx. TX stamps arrive on the error queue, see ik_sock_recv_err(); the
 * OPT_ID counter starts at 0 with the first send after this call.
 * Returns 0 or a system error.
 */
IK_WUR int ik_sock_set_timestamps(struct ik_sock *s, bool is_rx, bool is_tx, bool want_hw);

/*
 * Raw sockets only: let the kernel drop every ICMP type except those whose
 * bit is set in pass_types (types 0..31 for IPv4 via ICMP_FILTER; for IPv6,
 * pass6 lists up to n6 types via ICMP6_FILTER). Saves a wakeup per foreign
 * packet in a flood. A datagram socket returns 0 and does nothing.
 */
IK_WUR int ik_sock_set_filter4(struct ik_sock *s, uint32_t pass_types);
IK_WUR int ik_sock_set_filter6(struct ik_sock *s, const uint8_t *pass6, size_t n6);

/*
 * Sends one ICMP message (buf starts at the type byte; for ICMPv6 and for
 * datagram sockets the kernel fills the checksum, for raw IPv4 the caller
 * does). Returns the bytes sent or a system error (EAGAIN/ENOBUFS for a
 * full queue, EHOSTUNREACH, EMSGSIZE with -M do, ...).
 */
IK_WUR int ik_sock_send(struct ik_sock *s, const struct ik_addr *dst, const uint8_t *buf,
			size_t len);

/* What ik_sock_recv() learned about a packet besides its bytes. */
struct ik_sock_info {
	struct ik_addr from;     /* sender */
	int ttl;                 /* IP TTL / hop limit of the packet, -1 unknown */
	bool has_ts;             /* kernel receive stamp present */
	struct timespec ts;      /* CLOCK_REALTIME, from SO_TIMESTAMPNS */
	bool has_ip_header;      /* bytes start with the IPv4 header (raw IPv4) */
	bool is_truncated;       /* MSG_TRUNC: the packet was larger than cap */
};

/*
 * Receives one packet into buf (capacity cap). is_blocking false uses
 * MSG_DONTWAIT. Returns the length stored or a system error (EAGAIN when
 * nothing is queued, EINTR).
 */
IK_WUR int ik_sock_recv(struct ik_sock *s, uint8_t *buf, size_t cap, bool is_blocking,
			struct ik_sock_info *info);

/* Kinds of entry on the socket's error queue. */
enum ik_sock_err_kind {
	IK_SOCKERR_ICMP = 1,  /* an ICMP error about a packet we sent */
	IK_SOCKERR_LOCAL,     /* a local error (EMSGSIZE with the local MTU, ...) */
	IK_SOCKERR_TXSTAMP,   /* a transmit timestamp */
	IK_SOCKERR_OTHER,
};

/* One error queue entry (struct sock_extended_err, decoded). */
struct ik_sock_err {
	enum ik_sock_err_kind kind;
	int err_no;               /* ee_errno: EHOSTUNREACH, EMSGSIZE, ENOMSG (stamps) */
	uint8_t type;             /* ICMP type / code (ICMP errors) */
	uint8_t code;
	uint32_t info;            /* ee_info: the MTU for frag needed / too big */
	uint32_t tx_id;           /* TXSTAMP: OPT_ID counter, one per send */
	bool has_offender;        /* offender: the node that sent the error */
	struct ik_addr offender;
	bool has_ts;              /* TXSTAMP (or ICMP error receive) time */
	bool is_hw_ts;            /* the stamp came from the NIC */
	struct timespec ts;       /* CLOCK_REALTIME */
	/*
	 * The packet we sent as the kernel holds it, into the caller's buffer:
	 * the ICMP message (datagram sockets, raw ICMPv6) or starting at the IPv4
	 * header (raw IPv4: has_ip_header). Empty for OPT_TSONLY stamps.
	 */
	size_t quoted_len;
	bool has_ip_header;
	int ttl;                  /* of the packet carrying the error, -1 unknown */
	struct ik_addr dst;       /* where the quoted packet was going (msg_name) */
};

/*
 * Reads one error queue entry without blocking. The quoted packet goes into
 * buf (capacity cap). Returns 0, IK_ERR_SYS(EAGAIN) when the queue is
 * empty, or another system error.
 */
IK_WUR int ik_sock_recv_err(struct ik_sock *s, uint8_t *buf, size_t cap,
			    struct ik_sock_err *err);

#ifdef __cplusplus
}
#endif
#endif
