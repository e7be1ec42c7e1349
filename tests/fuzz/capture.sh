#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Captures real ICMP traffic for the seed corpora in a private namespace lab.
# Usage (root): capture.sh OUTDIR. Builds pc1 - r1 - r2 - pc2 with a 1280-byte
# link between the routers, runs iputils ping/tracepath, traceroute and hping3
# from pc1, and writes OUTDIR/eth.pcap (Ethernet on r1), OUTDIR/sll2.pcap and
# OUTDIR/sll.pcap (cooked "any" captures on pc2). Every namespace is removed on
# exit; every probe is bounded by a count and a timeout.
set -euo pipefail
out=${1:?usage: capture.sh OUTDIR}
[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root for namespaces" >&2; exit 2; }
mkdir -p "$out"
p="ikbn$$"
ns_pc1="$p-pc1" ns_r1="$p-r1" ns_r2="$p-r2" ns_pc2="$p-pc2"
pids=()

cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	for ns in "$ns_pc1" "$ns_r1" "$ns_r2" "$ns_pc2"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT INT TERM

x() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
for ns in "$ns_pc1" "$ns_r1" "$ns_r2" "$ns_pc2"; do
	ip netns add "$ns"
	x "$ns" ip link set lo up
	x "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
# Veth pairs are made inside the namespaces: nothing touches the host's.
ip -n "$ns_pc1" link add eth0 type veth peer name e1 netns "$ns_r1"
ip -n "$ns_r1" link add e2 mtu 1280 type veth peer name e1 mtu 1280 netns "$ns_r2"
ip -n "$ns_r2" link add e2 type veth peer name eth0 netns "$ns_pc2"
addr() { x "$1" ip addr add "$3" dev "$2" nodad 2>/dev/null || x "$1" ip addr add "$3" dev "$2"; x "$1" ip link set "$2" up; }
addr "$ns_pc1" eth0 10.0.1.2/24; addr "$ns_pc1" eth0 fd00:1::2/64
addr "$ns_r1" e1 10.0.1.1/24; addr "$ns_r1" e1 fd00:1::1/64
addr "$ns_r1" e2 10.0.12.1/30; addr "$ns_r1" e2 fd00:12::1/64
addr "$ns_r2" e1 10.0.12.2/30; addr "$ns_r2" e1 fd00:12::2/64
addr "$ns_r2" e2 10.0.2.1/24; addr "$ns_r2" e2 fd00:2::1/64
addr "$ns_pc2" eth0 10.0.2.2/24; addr "$ns_pc2" eth0 fd00:2::2/64
x "$ns_pc1" ip route add default via 10.0.1.1
x "$ns_pc1" ip -6 route add default via fd00:1::1
x "$ns_pc2" ip route add default via 10.0.2.1
x "$ns_pc2" ip -6 route add default via fd00:2::1
x "$ns_r1" ip route add default via 10.0.12.2
x "$ns_r1" ip -6 route add default via fd00:12::2
x "$ns_r2" ip route add 10.0.1.0/24 via 10.0.12.1
x "$ns_r2" ip -6 route add fd00:1::/64 via fd00:12::1
# R2 answers for two prefixes it cannot reach: net unreachable and prohibited.
x "$ns_r2" ip route add unreachable 10.9.0.0/16
x "$ns_r2" ip -6 route add unreachable fd00:9::/64
x "$ns_r2" ip route add prohibit 10.8.0.0/16
x "$ns_r2" ip -6 route add prohibit fd00:8::/64
for ns in "$ns_r1" "$ns_r2"; do
	x "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# Lab routers only: no error rate limit, so every probe gets its answer.
	x "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
done
x "$ns_pc2" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0 || true
# PC2 rejects two TCP ports with ICMP errors of chosen codes.
x "$ns_pc2" nft -f - <<'NFT'
table inet ikbn {
	chain input {
		type filter hook input priority 0;
		tcp dport 81 reject with icmp type admin-prohibited
		tcp dport 82 reject with icmp type host-unreachable
		tcp dport 81 reject with icmpv6 type admin-prohibited
		tcp dport 82 reject with icmpv6 type addr-unreachable
	}
}
NFT

x "$ns_r1" tcpdump -q -n -i e1 -s 0 -U -w "$out/eth.pcap" 2>/dev/null & pids+=($!)
x "$ns_pc2" tcpdump -q -n -i any -s 0 -U -w "$out/sll2.pcap" 2>/dev/null & pids+=($!)
x "$ns_pc2" tcpdump -q -n -i any -y LINUX_SLL -s 0 -U -w "$out/sll.pcap" 2>/dev/null & pids+=($!)
sleep 1

run() { timeout 15 ip netns exec "$ns_pc1" "$@" >/dev/null 2>&1 || true; }
run ping -c 2 -i 0.2 10.0.2.2
run ping -6 -c 2 -i 0.2 fd00:2::2
run ping -c 1 -s 1400 -M do 10.0.2.2
run ping -6 -c 1 -s 1400 -M do fd00:2::2
run ping -c 1 -s 3000 10.0.2.2
run ping -6 -c 1 -s 3000 fd00:2::2
run ping -c 1 -t 1 10.0.2.2
run ping -c 1 -t 2 10.0.2.2
run ping -6 -c 1 -t 1 fd00:2::2
run ping -c 1 -W 1 10.9.0.1
run ping -6 -c 1 -W 1 fd00:9::1
run ping -c 1 -W 1 10.8.0.1
run ping -6 -c 1 -W 1 fd00:8::1
run ping -c 1 -W 4 10.0.2.99
run ping -6 -c 1 -W 4 fd00:2::99
run ping -c 1 -R 10.0.2.2
run ping -c 1 -T tsonly 10.0.2.2
run ping -c 1 -s 0 10.0.2.2
run ping -c 1 -p ff00 -s 1 10.0.2.2
run traceroute -n -q 1 -w 1 -m 4 10.0.2.2
run traceroute -n -q 1 -w 1 -m 4 -I 10.0.2.2
run traceroute -n -q 1 -w 1 -m 4 -T -p 81 10.0.2.2
run traceroute -6 -n -q 1 -w 1 -m 4 fd00:2::2
run traceroute -6 -n -q 1 -w 1 -m 4 -I fd00:2::2
run tracepath -n -m 4 10.0.2.2
run tracepath -6 -n -m 4 fd00:2::2
run hping3 -q -c 1 -S -p 81 10.0.2.2
run hping3 -q -c 1 -S -p 82 10.0.2.2
run hping3 -q -c 1 --udp -p 9 10.0.2.2
for t in 13 15 17 10 42; do run hping3 -q -c 1 --icmp -C "$t" 10.0.2.2; done
for t in "3 -K 1" "3 -K 4" "4" "5 -K 1" "11" "12"; do
	# shellcheck disable=SC2086
	run hping3 -q -c 1 --icmp -C $t 10.0.2.2
done
run hping3 -q -c 1 --icmp -d 1600 10.0.2.2
sleep 1
