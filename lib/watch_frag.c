/* SPDX-License-Identifier: BSD-3-Clause */
/* Ping of death, oversize ICMP and fragmented ICMP, judged fragment by fragment without reassembly. */
#include "watch_int.h"

/*
 * Why no fragment table: every fragment states where its bytes end in the
 * datagram (offset + length), and the last one (MF clear) states the whole
 * datagram's size. A datagram that would reassemble past 65,535 bytes is
 * therefore seen in the fragment that reaches past it, and an ICMP
 * datagram's size in its last fragment, whatever order they come in. So a
 * flood of fragments costs no memory at all.
 */

#define IP_MAX_DATAGRAM 65535u

void watch_frag_packet(struct ik_watch *w, const struct watch_pkt *wp)
{
	const struct ik_ip *ip = &wp->p->ip;
	/* The stated length, not the captured one: a short capture hides nothing. */
	size_t data = ip->total_len > ip->header_len ? ip->total_len - ip->header_len : 0;
	size_t end = ip->frag_offset + data;
	/* IPv4 counts its header in the 65535; IPv6 only the payload after the fixed header. */
	size_t datagram = (ip->version == 4 ? ip->header_len : 40) + end;
	size_t limit = IP_MAX_DATAGRAM + (ip->version == 4 ? 0 : 40);
	bool is_icmp = ip->protocol == IK_PROTO_ICMP || ip->protocol == IK_PROTO_ICMPV6;
	if (datagram > limit) {
		struct ik_watch_alert a = {.count = datagram, .threshold = limit};
		watch_alert(w, IK_SID_POD, wp, NULL, &a,
			    "fragment at offset %u with %zu bytes ends the datagram (id 0x%x, "
			    "protocol %u) at %zu bytes, past the %zu an IP datagram can hold",
			    ip->frag_offset, data, ip->frag_id, ip->protocol, datagram, limit);
		return;
	}
	if (!is_icmp || ip->is_mf)
		return;
	if (datagram > w->conf.oversize_length) {
		struct ik_watch_alert a = {.count = datagram, .threshold = w->conf.oversize_length};
		watch_alert(w, IK_SID_OVERSIZE, wp, NULL, &a,
			    "fragmented ICMP datagram of %zu bytes (id 0x%x; threshold %u)",
			    datagram, ip->frag_id, w->conf.oversize_length);
		return;
	}
	struct ik_watch_alert a = {.count = datagram};
	watch_alert(w, IK_SID_FRAGMENTED, wp, NULL, &a,
		    "ICMP datagram of %zu bytes came in fragments (id 0x%x)", datagram,
		    ip->frag_id);
}
