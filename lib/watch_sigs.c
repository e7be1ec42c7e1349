/* SPDX-License-Identifier: BSD-3-Clause */
/* watch's signatures: id, wording, Suricata classification, severity and advice, in one table. */
#include <stddef.h>

#include "icmpkit/watch.h"

#define DOS "Attempted Denial of Service"
#define SCAN "Detection of a Network Scan"
#define BAD "Potentially Bad Traffic"
#define LEAK "Potential Corporate Privacy Violation"
#define DECODE "Generic Protocol Command Decode"
#define MISC "Misc Attack"

static const struct ik_watch_sig watch_sigs[] = {
	{IK_SID_FLOOD_SOURCE, "flood", "ICMPKIT echo flood from one source", DOS, 2,
	 "rate-limit echo per source (icmpkit guard apply) or block the source"},
	{IK_SID_FLOOD_DESTINATION, "flood", "ICMPKIT echo flood toward one destination", DOS, 2,
	 "rate-limit echo in aggregate toward the destination; the top talkers are named"},
	{IK_SID_FLOOD_DISTRIBUTED, "flood",
	 "ICMPKIT distributed echo flood from many sources (likely spoofed)", DOS, 1,
	 "per-source limits cannot stop it: limit echo in aggregate (guard) or drop it in XDP upstream"},
	{IK_SID_POD, "pod", "ICMPKIT ping of death: fragments reassemble past 65535 bytes", DOS, 1,
	 "drop the fragments (guard drops ICMP fragments); patch hosts that reassemble them"},
	{IK_SID_OVERSIZE, "pod", "ICMPKIT oversize ICMP datagram", BAD, 2,
	 "no diagnostic needs it: drop ICMP longer than guard's max_length"},
	{IK_SID_SMURF_BROADCAST, "smurf",
	 "ICMPKIT echo request to a broadcast address (smurf amplifier)", DOS, 2,
	 "set net.ipv4.icmp_echo_ignore_broadcasts=1 and drop directed broadcasts at the router"},
	{IK_SID_SMURF_VICTIM, "smurf",
	 "ICMPKIT smurf victim: unsolicited echo replies from many hosts", DOS, 1,
	 "find the amplifying network (the responders) and have it ignore broadcast echo"},
	{IK_SID_TUNNEL, "tunnel", "ICMPKIT ICMP tunnel: echo payloads do not look like ping", LEAK,
	 1, "inspect the two hosts; limit echo payload size or block the flow"},
	{IK_SID_TUNNEL_PTUNNEL, "tunnel", "ICMPKIT ICMP tunnel: ptunnel magic in echo payload",
	 LEAK, 1, "a TCP-over-ICMP tunnel (ptunnel/ptunnel-ng): block the flow, find the client"},
	{IK_SID_TUNNEL_ICMPTX, "tunnel",
	 "ICMPKIT ICMP tunnel: IP packet carried in echo payload (icmptx)", LEAK, 1,
	 "an IP-over-ICMP tunnel (icmptx and kin): block the flow, find the TUN endpoint"},
	{IK_SID_REDIRECT, "forged", "ICMPKIT ICMP redirect", BAD, 2,
	 "hosts should ignore redirects: accept_redirects=0 (icmpkit guard audit --fix)"},
	{IK_SID_SMALL_MTU, "forged",
	 "ICMPKIT frag needed / packet too big with an implausibly small MTU", MISC, 2,
	 "a forged PMTU error shrinks segments to a crawl; keep min_pmtu at 552 and check the source"},
	{IK_SID_ERROR_ABOUT_ERROR, "forged", "ICMPKIT ICMP error quoting an ICMP error", BAD, 2,
	 "RFC 1122 forbids errors about errors: the sender is broken or forging"},
	{IK_SID_BLIND_TCP, "forged",
	 "ICMPKIT ICMP error quoting a TCP connection never seen (blind attack)", MISC, 1,
	 "a blind connection-reset or PMTU attack (RFC 5927); check the source of the error"},
	{IK_SID_SWEEP, "recon", "ICMPKIT ICMP sweep: one source queries many destinations", SCAN,
	 2, "a host discovery scan; find out who runs it"},
	{IK_SID_NMAP_ECHO, "recon", "ICMPKIT zero-length echo request (nmap host discovery)", SCAN,
	 3, "the echo nmap -sn/-PE sends: a scan is on"},
	{IK_SID_ICMPENUM, "recon", "ICMPKIT echo request with id 666 (icmpenum)", SCAN, 3,
	 "icmpenum's fingerprint: a scan is on"},
	{IK_SID_BROADSCAN, "recon", "ICMPKIT 4-byte echo request (broadscan smurf scanner)", SCAN,
	 3, "someone is looking for smurf amplifiers"},
	{IK_SID_BAD_CHECKSUM, "malformed", "ICMPKIT ICMP bad checksum", DECODE, 3,
	 "corruption or crafted packets; hosts drop them"},
	{IK_SID_UNKNOWN_TYPE, "malformed", "ICMPKIT unknown ICMP type", DECODE, 3,
	 "no stack answers it: crafted traffic, probing or a covert channel"},
	{IK_SID_UNKNOWN_CODE, "malformed", "ICMPKIT unknown ICMP code", DECODE, 3,
	 "a code no RFC defines for the type: crafted traffic or fingerprinting"},
	{IK_SID_TRUNCATED, "malformed", "ICMPKIT truncated ICMP message", DECODE, 3,
	 "the message is shorter than its type requires: crafted or broken"},
	{IK_SID_FRAGMENTED, "malformed", "ICMPKIT fragmented ICMP", DECODE, 3,
	 "legitimate ICMP rarely needs fragments; guard drops them by default"},
	{IK_SID_QUOTE_TRUNCATED, "malformed", "ICMPKIT ICMP error with a truncated quoted header",
	 DECODE, 3, "real routers quote the whole header: crafted error"},
	{IK_SID_QUOTE_VERSION, "malformed", "ICMPKIT ICMP error quoting the wrong IP version",
	 DECODE, 3, "an ICMPv4 error quotes IPv4, an ICMPv6 error IPv6: crafted error"},
	{IK_SID_QUOTE_FRAGMENT, "malformed",
	 "ICMPKIT ICMP error quoting a non-first fragment", DECODE, 3,
	 "RFC 1812 4.3.2.7: no errors about non-first fragments; crafted or broken router"},
	{IK_SID_QUOTE_SHORT, "malformed",
	 "ICMPKIT ICMP error quoting fewer than 8 bytes of payload", DECODE, 3,
	 "RFC 792 requires 64 bits of the datagram: crafted or broken sender"},
};

#define WATCH_SIG_COUNT (sizeof watch_sigs / sizeof watch_sigs[0])

const struct ik_watch_sig *ik_watch_sigs(size_t *count)
{
	*count = WATCH_SIG_COUNT;
	return watch_sigs;
}

const struct ik_watch_sig *ik_watch_sig(uint32_t sid)
{
	for (size_t i = 0; i < WATCH_SIG_COUNT; i++) {
		if (watch_sigs[i].sid == sid)
			return &watch_sigs[i];
	}
	return NULL;
}

static const char *const watch_reason_names[] = {"sizes", "entropy", "mismatch", "volume",
						  "duration", "signature"};

const char *ik_watch_reason_name(unsigned bit)
{
	return bit < sizeof watch_reason_names / sizeof watch_reason_names[0]
		       ? watch_reason_names[bit]
		       : NULL;
}
