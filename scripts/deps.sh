#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian packages icmpkit builds, tests and demos with.
# Idempotent and quiet when everything is already there.
set -eu
PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev make
libpcap-dev libcmocka-dev libnetfilter-queue-dev
iproute2 nftables iptables tshark tcpdump
iputils-ping iputils-tracepath iputils-clockdiff traceroute nmap hping3 fping python3
mtr-tiny scamper libbpf-dev ptunnel-ng icmptx python3-scapy time jq"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 2
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
