#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit watch live against forged ICMP errors on the lan lab: an on-link attacker sends h3 a Redirect that takes effect, a blind TCP reset error, a Frag Needed with MTU 296 and an error about an error (scapy); watch on h3 must raise exactly the matching signature for each.
. "$(dirname "$0")/watch_lib.sh"

w_up f lan
VIC=10.0.5.13
ATT=10.0.5.66
GW=10.0.5.1
FAR=10.0.6.2

# forged_round TAG CRAFT-ARGS...: watch on h3 while the attacker sends one crafted error.
forged_round() {
	local tag=$1
	shift
	w_cap_start "$tag" h3 eth0 10 100 "icmp and src host $1"
	w_watch_start "$tag" h3 20 -i eth0
	local n
	n=$(wx attacker "$W_PY" "$W_CRAFT" "$tag" "$@") || fail "watch_craft.py $tag $*"
	sleep 0.7
	w_cap_stop "$tag"
	w_watch_end "$tag"
	[ "$(w_cap_count "$tag")" = "$n" ] || fail "$tag: h3 received $(w_cap_count "$tag") crafted packets, the attacker sent $n"
	ok "$tag: the attacker sent $n crafted error(s), h3 received them: $(tcpdump -r "$W_TMP/$tag.pcap" -n 2>/dev/null | head -n 1 | cut -d' ' -f2-)"
}

# 1. Redirect, spoofed from h3's gateway: "for 10.0.6.2 use the attacker".
# Linux applies it to a flow a socket owns, towards a neighbour it knows:
# h3 holds a UDP socket to far:53 and has just pinged the attacker.
wx h3 ping -n -q -c 1 -W 1 "$ATT" >/dev/null || fail "h3 cannot ping the attacker"
w_bg h3 "$W_TMP/udp.out" timeout 8 "$W_PY" "$W_CRAFT" udp-hold "$VIC" 41000 "$FAR" 53 4
sleep 0.5
forged_round redirect "$GW" "$VIC" "$FAR" "$ATT"
route=$(wx h3 ip route get "$FAR")
echo "$route" | grep -q "via $ATT" || fail "the Redirect did not take: h3 routes $FAR as: $route"
ok "h3 now sends $FAR's traffic through the attacker: $(echo "$route" | head -n 1)"
wx h3 ip route flush cache
w_expect_sids redirect "forged Redirect from the gateway's address" 9100040
w_alert_has redirect 9100040 "forged Redirect" ".src_ip == \"$GW\" and .dest_ip == \"$VIC\" and .icmp_type == 5"

# 2. Port and protocol unreachable about a TCP connection h3 never opened (RFC 5927 blind reset).
forged_round blind-tcp "$FAR" "$VIC" 40123
w_expect_sids blind-tcp "blind TCP errors (port/protocol unreachable, no SYN ever)" 9100043
w_alert_has blind-tcp 9100043 "blind TCP errors" ".src_ip == \"$FAR\" and .dest_ip == \"$VIC\" and .icmp_type == 3"

# 2b. The same errors about a connection whose SYN watch saw (h3 really
# tried far:443 from port 40124, far answered RST): not blind, no alert.
w_watch_start seen h3 20 -i eth0
r=$(wx h3 "$W_PY" "$W_CRAFT" tcp-try "$VIC" 40124 "$FAR" 443)
[ "$r" = ConnectionRefusedError ] || fail "h3's TCP attempt to far:443 gave '$r', want a refusal"
n=$(wx attacker "$W_PY" "$W_CRAFT" blind-tcp "$FAR" "$VIC" 40124) || fail "watch_craft.py blind-tcp"
sleep 0.7
w_watch_end seen
ok "errors about h3's real connection attempt from port 40124 sent ($n)"
# Not a vacuous pass: watch saw the SYN and both errors.
w_min_pkts seen 3
w_expect_sids seen "port/protocol unreachable about a TCP connection whose SYN was seen" ""

# 3. Frag Needed with a next-hop MTU of 296, quoting a UDP datagram.
forged_round small-mtu "$FAR" "$VIC" 296
w_expect_sids small-mtu "Frag Needed with MTU 296" 9100041
w_alert_has small-mtu 9100041 "Frag Needed with MTU 296" ".src_ip == \"$FAR\" and .icmp_type == 3 and .icmp_code == 4"

# 4. Host Unreachable quoting h3's own Port Unreachable (RFC 1122 3.2.2).
forged_round err-err "$FAR" "$VIC"
w_expect_sids err-err "error quoting an error" 9100042
w_alert_has err-err 9100042 "error quoting an error" ".src_ip == \"$FAR\" and .dest_ip == \"$VIC\""
w_done
