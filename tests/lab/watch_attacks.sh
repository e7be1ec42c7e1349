#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit watch live against real attack tools: ping -f and hping3 floods, a spoofed-source flood, a scapy ping of death, an nmap sweep (seed lab) and an hping3 smurf (lan lab); each run must raise exactly its own signatures.
. "$(dirname "$0")/watch_lib.sh"
w_need hping3 nmap ping

w_up a seed
ATT=10.0.1.2
VIC=10.0.2.2

# 1. ping -f from pc1: one source, flooding (9100001).
w_watch_start pingf pc2 30 -i eth0
e0=$(w_snmp pc2 Icmp InEchos)
out=$(wx pc1 timeout 10 ping -n -q -f -c 20000 -w 5 "$VIC" 2>&1)
e1=$(w_snmp pc2 Icmp InEchos)
sleep 1
w_watch_end pingf
[ $((e1 - e0)) -ge 10000 ] || fail "ping -f: pc2 got only $((e1 - e0)) echo requests: $out"
ok "ping -f -c 20000 -w 5: pc2 got $((e1 - e0)) echo requests ($(echo "$out" | grep transmitted))"
w_expect_sids pingf "ping -f flood from pc1" 9100001
w_alert_has pingf 9100001 "ping -f flood from pc1" ".src_ip == \"$ATT\""

# 1b. The same over IPv6: ping -6 -f (9100001, proto IPv6-ICMP).
w_watch_start pingf6 pc2 30 -i eth0
e0=$(wx pc2 awk '$1 == "Icmp6InEchos" {print $2}' /proc/net/snmp6)
out=$(wx pc1 timeout 10 ping -6 -n -q -f -c 20000 -w 5 fd00:2::2 2>&1)
e1=$(wx pc2 awk '$1 == "Icmp6InEchos" {print $2}' /proc/net/snmp6)
sleep 1
w_watch_end pingf6
[ $((e1 - e0)) -ge 10000 ] || fail "ping -6 -f: pc2 got only $((e1 - e0)) echo requests: $out"
ok "ping -6 -f -c 20000 -w 5: pc2 got $((e1 - e0)) echo requests ($(echo "$out" | grep transmitted))"
w_expect_sids pingf6 "ping -6 -f flood from pc1" 9100001
w_alert_has pingf6 9100001 "ping -6 -f flood from pc1" '.src_ip == "fd00:1::2" and .proto == "IPv6-ICMP"'

# 2. hping3 --flood from pc1: one source again (9100001), at hping3's rate.
w_watch_start hflood pc2 30 -i eth0
e0=$(w_snmp pc2 Icmp InEchos)
wx pc1 timeout 3 hping3 --icmp --flood -q -d 32 "$VIC" >/dev/null 2>&1
e1=$(w_snmp pc2 Icmp InEchos)
sleep 1
w_watch_end hflood
[ $((e1 - e0)) -ge 10000 ] || fail "hping3 --flood: pc2 got only $((e1 - e0)) echo requests in 3 s"
ok "hping3 --icmp --flood -d 32 (3 s): pc2 got $((e1 - e0)) echo requests"
w_expect_sids hflood "hping3 --flood from pc1" 9100001
w_alert_has hflood 9100001 "hping3 --flood from pc1" ".src_ip == \"$ATT\""

# 3. hping3 --rand-source: one destination, thousands of spoofed sources (9100003).
w_watch_start rsrc pc2 30 -i eth0
w_cap_start rsrc pc2 eth0 8 3000 "icmp[icmptype] == icmp-echo"
e0=$(w_snmp pc2 Icmp InEchos)
wx pc1 timeout 3 hping3 --icmp --flood --rand-source -q -d 32 "$VIC" >/dev/null 2>&1
e1=$(w_snmp pc2 Icmp InEchos)
w_cap_stop rsrc
sleep 1
w_watch_end rsrc
nsrc=$(tcpdump -r "$W_TMP/rsrc.pcap" -n 2>/dev/null | awk '{print $3}' | sort -u | wc -l)
[ $((e1 - e0)) -ge 10000 ] || fail "hping3 --rand-source: pc2 got only $((e1 - e0)) echo requests in 3 s"
[ "$nsrc" -ge 2000 ] || fail "hping3 --rand-source: only $nsrc distinct sources in the first 3000 requests"
ok "hping3 --rand-source (3 s): pc2 got $((e1 - e0)) echo requests, $nsrc distinct sources in the first 3000"
w_expect_sids rsrc "hping3 --rand-source flood" 9100003
w_alert_has rsrc 9100003 "hping3 --rand-source flood" ".dest_ip == \"$VIC\""

# 4. Ping of death: three echo requests of 65628 bytes as real fragments (9100010).
# This watch ends by itself (--duration 6) rather than by SIGTERM.
w_watch_start pod pc2 6 -i eth0
f0=$(w_snmp pc2 Ip ReasmFails)
sent=$(wx pc1 "$W_PY" "$W_CRAFT" pod "$ATT" "$VIC" 3) || fail "watch_craft.py pod"
sleep 1
f1=$(w_snmp pc2 Ip ReasmFails)
w_watch_end pod none
[ "$sent" = 135 ] || fail "ping of death: sent $sent fragments, want 3 x 45"
[ $((f1 - f0)) = 3 ] || fail "ping of death: pc2's reassembly failed $((f1 - f0)) times, want 3 (oversized)"
ok "ping of death: 135 fragments, pc2's kernel refused 3 oversized reassemblies"
w_expect_sids pod "ping of death (scapy fragments)" 9100010
w_alert_has pod 9100010 "ping of death (scapy fragments)" ".src_ip == \"$ATT\" and .dest_ip == \"$VIC\""

# 5. nmap -sn -PE -PP -PM over 64 addresses behind r2, watched at r1 (9100050, 9100051).
w_watch_start sweep r1 30 -i eth0
out=$(wx pc1 timeout 30 nmap -n -sn -PE -PP -PM -T4 --max-retries 1 10.0.2.0/26 2>&1) || fail "nmap: $out"
sleep 1
w_watch_end sweep
echo "$out" | grep -q "Nmap done: 64 IP addresses (2 hosts up)" || fail "nmap did not find r2 and pc2 among 64 addresses: $out"
ok "nmap -sn -PE -PP -PM 10.0.2.0/26: $(echo "$out" | grep 'Nmap done')"
w_expect_sids sweep "nmap -sn -PE -PP -PM sweep of 64 addresses" "9100050 9100051"
w_alert_has sweep 9100050 "nmap sweep" ".src_ip == \"$ATT\""

# 6. Smurf on the lan: echo to 10.0.5.255 spoofed from h3; h1 and h2 answer it.
# h4 sees the broadcast echo (9100020); the victim h3 also the reply storm (9100021).
w_up b lan
w_watch_start smurf3 h3 30 -i eth0
w_watch_start smurf4 h4 30 -i eth0
w_cap_start smurf h3 eth0 10 5000 "icmp[icmptype] == icmp-echoreply and dst host 10.0.5.13"
wx attacker timeout 5 hping3 --icmp -q -a 10.0.5.13 -d 32 -c 200 -i u5000 10.0.5.255 >/dev/null 2>&1
sleep 1
w_cap_stop smurf
w_watch_end smurf3
w_watch_end smurf4
n=$(w_cap_count smurf)
[ "$n" -ge 200 ] || fail "smurf: only $n echo replies reached h3 (h1 and h2 answer broadcasts)"
ok "smurf: 200 broadcast echo requests from the attacker, $n echo replies reached the victim h3"
w_expect_sids smurf4 "smurf, watched on bystander h4" 9100020
w_expect_sids smurf3 "smurf, watched on victim h3" "9100020 9100021"
w_alert_has smurf3 9100021 "smurf victim" ".dest_ip == \"10.0.5.13\""
w_alert_has smurf4 9100020 "smurf broadcast" ".dest_ip == \"10.0.5.255\""
w_done
