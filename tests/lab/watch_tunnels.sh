#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit watch live against real ICMP tunnels in the seed lab: ptunnel-ng carrying a 200 KB TCP transfer with its default magic (9100031) and with -m (9100030), and icmptx carrying TCP over a TUN device (9100032); watched on the server pc2 and on the router r1.
. "$(dirname "$0")/watch_lib.sh"
w_need ptunnel-ng icmptx ss

w_up t seed
CLI=10.0.1.2
SRV=10.0.2.2

# w_listening NODE PORT: waits up to 5 s for a TCP listener on PORT in NODE.
w_listening() {
	local i
	for i in $(seq 50); do
		wx "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	fail "nothing listens on TCP port $2 in $1"
}

# ptunnel_round TAG PORT [-m MAGIC]: a ptunnel-ng proxy on pc2 forwarding to
# a TCP sink on pc2:5000, its client on pc1 listening on PORT, 200 000
# random bytes from pc1 through the tunnel, watched on pc2 and r1.
ptunnel_round() {
	local tag=$1 port=$2
	shift 2
	w_watch_start "${tag}_pc2" pc2 40 -i eth0
	w_watch_start "${tag}_r1" r1 40 -i eth0
	w_cap_start "$tag" pc2 eth0 20 5000 icmp
	w_bg pc2 "$W_TMP/$tag.sink" timeout 20 "$W_PY" "$W_CRAFT" sink "$SRV" 5000 15
	local sink=$W_PID
	w_bg pc2 "$W_TMP/$tag.proxy" timeout 25 ptunnel-ng -r"$SRV" -R5000 -v 1 "$@"
	local proxy=$W_PID
	w_listening pc2 5000
	w_bg pc1 "$W_TMP/$tag.client" timeout 25 ptunnel-ng -p"$SRV" -l"$port" -r"$SRV" -R5000 -v 1 "$@"
	local client=$W_PID
	w_listening pc1 "$port"
	local t0=$SECONDS
	wx pc1 timeout 15 "$W_PY" "$W_CRAFT" send 127.0.0.1 "$port" 200000 12 >/dev/null || fail "$tag: sending through ptunnel-ng"
	wait "$sink"
	local got
	got=$(cat "$W_TMP/$tag.sink")
	kill "$client" "$proxy" 2>/dev/null
	wait "$client" "$proxy" 2>/dev/null
	w_cap_stop "$tag"
	sleep 1
	w_watch_end "${tag}_pc2"
	w_watch_end "${tag}_r1"
	[ "$got" = 200000 ] || fail "$tag: the sink behind ptunnel-ng got '$got' bytes, want 200000 (proxy: $(tail -n 3 "$W_TMP/$tag.proxy"))"
	ok "$tag: 200000 bytes crossed ptunnel-ng${*:+ $*} in $((SECONDS - t0)) s"
}

# w_stat STATS KEY: one figure of watch_craft.py echo-stats output.
w_stat() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# w_tolerated STATS: the sids that the capture itself justifies beyond a
# scenario's own: 9100060 when ptunnel-ng put a wrong checksum on the wire
# (it gets about one data packet in 64 wrong: off by 0x100 when the right
# one ends in ff), 9100064 when ICMP datagrams were fragmented.
w_tolerated() {
	local extra=""
	[ "$(w_stat "$1" badsum)" -gt 0 ] && extra="$extra 9100060"
	[ "$(w_stat "$1" fragments)" -gt 0 ] && extra="$extra 9100064"
	echo "$extra"
}

# ptunnel_check TAG MAGIC SID WHAT: the capture carried MAGIC; both watches alerted SID.
ptunnel_check() {
	local tag=$1 magic=$2 sid=$3 what=$4 st w
	st=$("$W_PY" "$W_CRAFT" echo-stats "$W_TMP/$tag.pcap") || fail "echo-stats $tag"
	[ "$(w_stat "$st" magics)" = "$magic" ] || fail "$what: echo payloads start with $(w_stat "$st" magics), want only $magic"
	[ "$(w_stat "$st" requests)" -ge 150 ] || fail "$what: only $(w_stat "$st" requests) echo requests captured"
	ok "$what on the wire at pc2: $st"
	for w in "${tag}_pc2" "${tag}_r1"; do
		w_expect_sids "$w" "$what, 200 KB TCP, watched on ${w#"${tag}"_}" "$sid $(w_tolerated "$st")"
		w_alert_has "$w" "$sid" "$what" \
			"(.src_ip == \"$CLI\" and .dest_ip == \"$SRV\") or (.src_ip == \"$SRV\" and .dest_ip == \"$CLI\")"
	done
}

# 1. ptunnel-ng, default magic 0xDEADC0DE at the start of every echo payload.
ptunnel_round ptd 2222
ptunnel_check ptd deadc0de 9100031 "ptunnel-ng default magic"

# 2. ptunnel-ng -m 0x1badf00d: no known framing left, only its behaviour.
ptunnel_round ptm 2223 -m 0x1badf00d
ptunnel_check ptm 1badf00d 9100030 "ptunnel-ng -m 0x1badf00d"

# 3. icmptx: IP packets straight in echo payloads, between TUN devices
# 10.9.9.2 (pc1) and 10.9.9.1 (pc2). The server ignores echo in its kernel
# as icmptx's how-to says (icmptx answers plain pings itself). No ICMP goes
# through the tunnel: icmptx sends to whoever sent it the last ICMP packet,
# so tunnelled ICMP would loop its own packets back into tun0.
wx pc2 sysctl -qw net.ipv4.icmp_echo_ignore_all=1
w_watch_start tx_pc2 pc2 40 -i eth0
w_watch_start tx_r1 r1 40 -i eth0
w_cap_start tx pc2 eth0 20 20000 icmp
w_bg pc2 "$W_TMP/tx.server" timeout 20 icmptx -s "$SRV"
txs=$W_PID
w_bg pc1 "$W_TMP/tx.client" timeout 20 icmptx -c "$SRV"
txc=$W_PID
for i in $(seq 50); do
	wx pc2 ip link show tun0 >/dev/null 2>&1 && wx pc1 ip link show tun0 >/dev/null 2>&1 && break
	sleep 0.1
done
wx pc2 ip addr add 10.9.9.1/24 dev tun0 || fail "icmptx server made no tun0: $(cat "$W_TMP/tx.server")"
wx pc2 ip link set tun0 up
wx pc1 ip addr add 10.9.9.2/24 dev tun0 || fail "icmptx client made no tun0: $(cat "$W_TMP/tx.client")"
wx pc1 ip link set tun0 up
w_bg pc2 "$W_TMP/tx.sink" timeout 15 "$W_PY" "$W_CRAFT" sink 10.9.9.1 5001 12
sink=$W_PID
w_listening pc2 5001
wx pc1 timeout 12 "$W_PY" "$W_CRAFT" send 10.9.9.1 5001 100000 10 >/dev/null || fail "icmptx: TCP through the tunnel failed"
wait "$sink"
got=$(cat "$W_TMP/tx.sink")
# An idle tunnel: the client polls with an empty echo request every second.
sleep 2.2
kill "$txc" "$txs" 2>/dev/null
wait "$txc" "$txs" 2>/dev/null
w_cap_stop tx
wx pc2 sysctl -qw net.ipv4.icmp_echo_ignore_all=0
sleep 1
w_watch_end tx_pc2
w_watch_end tx_r1
[ "$got" = 100000 ] || fail "icmptx: the sink at 10.9.9.1 got '$got' bytes, want 100000"
st=$("$W_PY" "$W_CRAFT" echo-stats "$W_TMP/tx.pcap") || fail "echo-stats tx"
[ "$(w_stat "$st" ip_inside)" -ge 50 ] || fail "icmptx: only $(w_stat "$st" ip_inside) echo payloads start with an IPv4 header: $st"
[ "$(w_stat "$st" empty)" -ge 1 ] || fail "icmptx: no empty keepalive echo request in 2 idle seconds: $st"
ok "icmptx: 100000 bytes of TCP crossed tun0; on the wire at pc2: $st"
for w in tx_pc2 tx_r1; do
	w_expect_sids "$w" "icmptx carrying TCP, watched on ${w#tx_}" "9100032 $(w_tolerated "$st")"
	w_alert_has "$w" 9100032 "icmptx" \
		"(.src_ip == \"$CLI\" and .dest_ip == \"$SRV\") or (.src_ip == \"$SRV\" and .dest_ip == \"$CLI\")"
done
w_done
