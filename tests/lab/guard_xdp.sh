#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit guard xdp: the flood, ping-of-death and smurf tests with the XDP program (native on veth) instead of nftables.
. "$(dirname "$0")/guard_lib.sh"

# Without XDP support the command says so (this argument error touches nothing).
out=$("$ICMPKIT" guard xdp lo --detach --seconds 1 2>&1)
echo "$out" | grep -q "built without XDP" && { echo "!!! SKIP: icmpkit built without XDP (libbpf-dev, clang) !!!" >&2; exit 77; }

# xdp_start NODE IFACE SECONDS [CONF]: runs guard xdp in the background until
# it has attached; its output goes to $G_TMP/xdp.NODE.
xdp_start() {
	local node=$1 ifc=$2 secs=$3 conf=${4:-}
	local log="$G_TMP/xdp.$node"
	if [ -n "$conf" ]; then
		gx "$node" "$ICMPKIT" guard xdp "$ifc" -c "$conf" --seconds "$secs" > "$log" 2>&1 &
	else
		gx "$node" "$ICMPKIT" guard xdp "$ifc" --seconds "$secs" > "$log" 2>&1 &
	fi
	BG_PIDS="$BG_PIDS $!"
	eval "XDP_PID_$node=$!"
	for _ in $(seq 50); do
		grep -q "^XDP attached to $ifc (native)" "$log" && return 0
		sleep 0.1
	done
	fail "guard xdp on $node $ifc did not attach natively: $(cat "$log")"
}
# xdp_wait NODE: waits for guard xdp on NODE to detach; prints its log.
xdp_wait() {
	local pid
	eval "pid=\$XDP_PID_$1"
	wait "$pid" || fail "guard xdp on $1 failed: $(cat "$G_TMP/xdp.$1")"
	grep -q "^XDP detached" "$G_TMP/xdp.$1" || fail "guard xdp on $1 did not detach: $(cat "$G_TMP/xdp.$1")"
	cat "$G_TMP/xdp.$1"
}
xdp_counter() {
	grep -F -- "$2" "$G_TMP/xdp.$1" | awk '{print $1}'
}

# --- Flood: the same scenario as guard_flood.sh, XDP on r2's side facing r1.
g_up x seed
VICTIM=10.0.2.2
IF=$(ifname_to r2 10.0.2.0/24)
UP=$(ifname_to r2 10.0.12.0/30)
gx r2 tc qdisc add dev "$IF" root tbf rate 2mbit burst 4kb latency 50ms || fail "tbf on r2"
printf 'echo_rate_per_source = 200\necho_burst_per_source = 400\n' > "$G_TMP/guard.conf"
flood_round() {
	gx pc1 timeout 6 hping3 --icmp --flood -q -c 3000000 "$VICTIM" >/dev/null 2>&1 &
	local flood=$!
	sleep 1
	local out
	out=$(gx r1 ping -n -q -c 200 -i 0.01 -W 1 "$VICTIM")
	wait "$flood"
	echo "$out" | sed -n 's/.* transmitted, \([0-9]*\) received.*/\1/p'
}
without=$(flood_round)
ok "without guard: $without/200 legitimate replies kept under the flood"
xdp_start r2 "$UP" 9 "$G_TMP/guard.conf"
with=$(flood_round)
# While the program runs, guard status reads its counters from the kernel.
status=$(gx r2 "$ICMPKIT" guard status)
echo "$status" | grep -q "^XDP on $UP (native):" || fail "guard status does not show the XDP program: $status"
st_drop=$(echo "$status" | grep -F "dropped: echo over the per-source rate" | awk '{print $1}')
[ "${st_drop:-0}" -gt 1000 ] || fail "guard status shows only ${st_drop:-0} XDP flood drops: $status"
ok "guard status during the flood: XDP on $UP (native), $st_drop echo dropped over the per-source rate"
xdp_wait r2 >/dev/null
dropped=$(xdp_counter r2 "echo over the per-source rate")
ok "with XDP on r2 $UP: $with/200 replies kept; XDP dropped $dropped flood packets"
[ "$with" -ge 198 ] || fail "with XDP only $with/200 replies (< 99%)"
[ "$dropped" -gt 10000 ] || fail "XDP dropped only $dropped flood packets"
[ "$without" -lt "$with" ] || fail "without guard $without >= with XDP $with: proves nothing"
# Detached: XDP left nothing on the interface.
gx r2 ip -d link show "$UP" | grep -q "prog/xdp" && fail "an XDP program is still attached to r2 $UP"

# --- Ping of death: XDP on pc2 drops only the fragments ending past 65535.
PIF=$(ifname_to pc2 10.0.2.0/24)
gx r2 tc qdisc del dev "$IF" root
xdp_start pc2 "$PIF" 3
reasm() {
	gx pc2 awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "ReasmReqds") c = i; h = 1 } else print $c }' /proc/net/snmp
}
r0=$(reasm pc2)
sent=$(gx pc1 python3 "$SRCDIR/tests/lab/guard_pod.py" 10.0.1.2 "$VICTIM" 20) || fail "guard_pod.py"
gx pc1 ping -n -q -c 2 -i 0.2 -W 1 -s 3000 "$VICTIM" >/dev/null || fail "fragmented ping -s 3000 through XDP"
xdp_wait pc2 >/dev/null
r1=$(reasm pc2)
pod=$(xdp_counter pc2 "reassembling past 65535")
[ "$pod" = 20 ] || fail "XDP dropped $pod ping-of-death fragments, want 20 (of $sent)"
# The 20 harmless first fragments (and ping -s 3000's) still reach reassembly.
[ $((r1 - r0)) -ge 20 ] || fail "reassembly saw $((r1 - r0)) fragments"
ok "XDP on pc2 dropped the $pod fragments ending past 65535; a fragmented ping -s 3000 still answered"

# --- Smurf: XDP on h1 and h2 drops echo to the LAN broadcast.
g_up y lan
VIF=$(ifname_to h3 10.0.5.0/24)
gx h3 timeout 6 tcpdump -i "$VIF" -n -U -w "$G_TMP/smurf.pcap" "icmp and icmp[icmptype] == icmp-echoreply and dst host 10.0.5.13" >/dev/null 2>&1 &
cap=$!
for h in h1 h2; do xdp_start $h "$(ifname_to $h 10.0.5.0/24)" 5; done
sleep 0.5
gx attacker timeout 5 hping3 --icmp -q -a 10.0.5.13 -c 100 -i u10000 10.0.5.255 >/dev/null 2>&1
wait "$cap"
replies=$(tcpdump -r "$G_TMP/smurf.pcap" -n 2>/dev/null | wc -l)
xdp_wait h1 >/dev/null
xdp_wait h2 >/dev/null
b1=$(xdp_counter h1 "echo to broadcast")
b2=$(xdp_counter h2 "echo to broadcast")
[ "$b1" -ge 100 ] && [ "$b2" -ge 100 ] || fail "XDP broadcast drops h1 $b1, h2 $b2 (want >= 100 each)"
[ "$replies" = 0 ] || fail "smurf with XDP: $replies replies reached the victim"
ok "smurf with XDP on h1, h2: 0 replies to the victim; $b1 + $b2 broadcast echo requests dropped"
echo "figures: XDP flood replies kept without $without/200, with $with/200; pod fragments dropped $pod/20; smurf replies 0"
