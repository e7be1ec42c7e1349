# SPDX-License-Identifier: BSD-3-Clause
# Shared setup for the watch_*.sh lab tests: lab_lib.sh, labs named ikw<pid><letter>, icmpkit watch run live in a node, EVE checks.
# Sourced, not run. Every packet of these tests starts inside a lab namespace.
#
# WATCH_FINDINGS=FILE appends every wrong or missing alert (scenario, want,
# got, the EVE alert lines) to FILE as well as failing the test.
# WATCH_KEEP_GOING=1 goes on to the next scenario after a wrong alert set
# (w_done fails the test at the end), to see every finding in one run.
# WATCH_TRAFFIC_ONLY=1 runs the attacks and their tcpdump/counter checks
# without watch (to check the lab itself); it says so loudly.

. "$(dirname "$0")/lab_lib.sh"

W_CRAFT="$SRCDIR/tests/lab/watch_craft.py"
# scapy lives in Debian's python3; a python3 earlier in PATH may lack it.
W_PY=/usr/bin/python3

# w_need TOOL...: skips (77), loudly, when a peer tool is missing.
w_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "!!! SKIP $(basename "$0"): $t is not installed (Debian package of the same name) !!!" >&2
			exit 77
		fi
	done
}
w_need jq tcpdump
if ! "$W_PY" -c 'import scapy.all' >/dev/null 2>&1; then
	echo "!!! SKIP $(basename "$0"): $W_PY has no scapy (Debian python3-scapy) !!!" >&2
	exit 77
fi
W_ON=1
if [ "${WATCH_TRAFFIC_ONLY:-0}" = 1 ]; then
	W_ON=0
	echo "!!! $(basename "$0"): WATCH_TRAFFIC_ONLY=1: attacks and their traffic checks only, icmpkit watch NOT run !!!" >&2
else
	# The tests are about watch: a build without it is a failure, not a skip.
	"$ICMPKIT" watch --help >/dev/null 2>&1 || fail "'$ICMPKIT watch --help' failed: this icmpkit has no watch"
fi

# Scratch space for EVE files and captures; watch may drop privileges
# before it opens its output, so others may write here.
W_TMP=$(mktemp -d /tmp/ikw.XXXXXX)
chmod 1777 "$W_TMP"
w_cleanup() {
	lab_cleanup
	rm -rf "$W_TMP"
}
trap w_cleanup EXIT

# Background captures and watches by tag.
declare -A W_CAPS W_WATCHES

# w_up LETTER TOPOLOGY [lab up args...]: builds lab ikw<ID><LETTER>; sets L to its name.
w_up() {
	L="ikw${LAB_ID}$1"
	local topo=$2
	shift 2
	LABS_MADE="$LABS_MADE $L"
	local got
	got=$("$ICMPKIT" lab up --name "$L" "$@" "$topo") || fail "lab up $L $topo"
	[ "$got" = "$L" ] || fail "lab up printed '$got', want '$L'"
}

# wx NODE CMD...: runs CMD in a node of lab $L.
wx() {
	lx "$L" "$@"
}

# w_bg NODE OUT CMD...: runs CMD in a node of lab $L in the background, its
# output to OUT; W_PID is the command itself (lab exec execs it), so
# killing W_PID reaches it. Put a `timeout` in CMD: it bounds the command
# and passes on a kill.
w_bg() {
	local node=$1 out=$2
	shift 2
	"$ICMPKIT" lab exec --name "$L" "$node" -- "$@" >"$out" 2>&1 &
	W_PID=$!
	BG_PIDS="$BG_PIDS $W_PID"
}

# w_snmp NODE PROTO FIELD: a counter of /proc/net/snmp in a node (Ip ReasmFails, Icmp InEchos, ...).
w_snmp() {
	wx "$1" awk -v p="$2:" -v f="$3" '$1 == p { if (!h) { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1 } else print $c }' /proc/net/snmp
}

# w_cap_start TAG NODE IFACE SECONDS COUNT FILTER: tcpdump in a node (the
# first 2048 bytes of at most COUNT packets for at most SECONDS) into $W_TMP/TAG.pcap.
w_cap_start() {
	local tag=$1 node=$2 ifc=$3 secs=$4 count=$5 filter=$6
	w_bg "$node" "$W_TMP/$tag.tcpdump" timeout "$secs" tcpdump -i "$ifc" -n -U --immediate-mode -s 2048 -c "$count" -w "$W_TMP/$tag.pcap" "$filter"
	W_CAPS[$tag]=$W_PID
	# tcpdump says "listening on" once its filter is in place.
	local i
	for i in $(seq 50); do
		grep -q "listening on" "$W_TMP/$tag.tcpdump" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tcpdump $tag in $node did not start: $(cat "$W_TMP/$tag.tcpdump")"
}

# w_cap_stop TAG: ends the capture (or waits for its time limit).
w_cap_stop() {
	local pid=${W_CAPS[$1]}
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# w_cap_count TAG [FILTER]: packets in the capture (matching FILTER).
w_cap_count() {
	tcpdump -r "$W_TMP/$1.pcap" -n ${2:+"$2"} 2>/dev/null | wc -l
}

# w_watch_start TAG NODE SECONDS WATCH-ARGS...: starts `icmpkit watch -q
# --eve $W_TMP/TAG.eve --duration SECONDS WATCH-ARGS` in a node and waits
# for its "listening on" line on stderr (one per -i).
w_watch_start() {
	[ "$W_ON" = 1 ] || return 0
	local tag=$1 node=$2 secs=$3
	shift 3
	local nif=0 a
	for a in "$@"; do
		[ "$a" = -i ] && nif=$((nif + 1))
	done
	[ "$nif" -ge 1 ] || nif=1
	: >"$W_TMP/$tag.eve"
	chmod 666 "$W_TMP/$tag.eve"
	"$ICMPKIT" lab exec --name "$L" "$node" -- timeout -k 2 $((secs + 15)) \
		"$ICMPKIT" watch -q --eve "$W_TMP/$tag.eve" --duration "$secs" "$@" \
		>"$W_TMP/$tag.out" 2>"$W_TMP/$tag.err" &
	local pid=$!
	BG_PIDS="$BG_PIDS $pid"
	W_WATCHES[$tag]=$pid
	local i n
	for i in $(seq 100); do
		n=$(grep -c "listening on" "$W_TMP/$tag.err" 2>/dev/null)
		[ "${n:-0}" -ge "$nif" ] && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			fail "watch $tag in $node exited ($?) before listening: $(cat "$W_TMP/$tag.err")"
		fi
		sleep 0.1
	done
	fail "watch $tag in $node: no 'listening on' line within 10 s: $(cat "$W_TMP/$tag.err")"
}

# w_watch_end TAG [SIGNAL]: ends watch with SIGNAL (default TERM; "none"
# waits for --duration) and checks that it exits 0 with a final stats record.
w_watch_end() {
	[ "$W_ON" = 1 ] || return 0
	local tag=$1 sig=${2:-TERM} rc
	local pid=${W_WATCHES[$tag]}
	[ "$sig" = none ] || kill -"$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || fail "watch $tag exited $rc (SIG$sig): $(cat "$W_TMP/$tag.err")"
	w_eve_check "$tag"
}

# w_eve_check TAG: every line of the EVE file is one JSON object with an
# event_type; the last is a stats record; alerts are well formed.
w_eve_check() {
	local eve="$W_TMP/$1.eve"
	[ -s "$eve" ] || fail "watch $1: empty EVE file"
	jq -c 'if type == "object" and (.event_type | type) == "string" and (.timestamp | type) == "string" then empty else error("bad record") end' \
		"$eve" >/dev/null 2>"$W_TMP/$1.jq" || fail "watch $1: EVE file is not one JSON object per line: $(head -c 400 "$W_TMP/$1.jq")"
	[ "$(tail -n 1 "$eve" | jq -r .event_type)" = stats ] || fail "watch $1: the last EVE record is not the final stats"
	local bad
	bad=$(jq -c 'select(.event_type == "alert") | select((.alert.gid != 1) or (.alert.rev != 1)
		or ((.alert.signature | tostring | startswith("ICMPKIT ")) | not)
		or ((.alert.signature_id | type) != "number") or ((.src_ip | type) != "string")
		or ((.dest_ip | type) != "string") or ((.icmpkit.detector | type) != "string"))' "$eve" | head -n 3)
	[ -z "$bad" ] || fail "watch $1: malformed alert records: $bad"
}

# w_sids TAG: the distinct signature ids alerted, ascending, one line.
w_sids() {
	jq -r 'select(.event_type == "alert") | .alert.signature_id' "$W_TMP/$1.eve" | sort -n -u | tr '\n' ' ' | sed 's/ $//'
}

# w_alerts TAG: the alert records, short (sid src dst type/code detector explanation).
w_alerts() {
	jq -r 'select(.event_type == "alert") | "\(.alert.signature_id) \(.src_ip) -> \(.dest_ip) icmp \(.icmp_type // "-")/\(.icmp_code // "-") [\(.icmpkit.detector)] \(.icmpkit.explanation // "")"' "$W_TMP/$1.eve"
}

# w_stats TAG: a one-line summary of the final stats record.
w_stats() {
	tail -n 1 "$W_TMP/$1.eve" | jq -r '.stats | "pkts \(.decoder.pkts) icmpv4 \(.decoder.icmpv4) fragments \(.decoder.fragments) kernel_packets \(.capture.kernel_packets) kernel_drops \(.capture.kernel_drops) alerts \(.detect.alert) suppressed \(.detect.suppressed)"'
}

# w_min_pkts TAG N: watch decoded at least N packets (no vacuous silence).
w_min_pkts() {
	[ "$W_ON" = 1 ] || return 0
	local pk
	pk=$(tail -n 1 "$W_TMP/$1.eve" | jq .stats.decoder.pkts)
	[ "$pk" -ge "$2" ] || fail "watch $1 decoded only $pk packets, want at least $2"
}

# w_finding SCENARIO TEXT...: records a wrong watch result for the lead.
w_finding() {
	local scen=$1
	shift
	if [ -n "${WATCH_FINDINGS:-}" ]; then
		{
			echo "== $(date -u +%FT%TZ) $(basename "$0"): $scen"
			printf '%s\n' "$@"
			echo
		} >>"$WATCH_FINDINGS"
	fi
}

# w_bad TEXT: a wrong watch result; fails now, or at w_done with WATCH_KEEP_GOING=1.
W_BAD=0
w_bad() {
	if [ "${WATCH_KEEP_GOING:-0}" = 1 ]; then
		echo "FAIL (going on): $*" >&2
		W_BAD=$((W_BAD + 1))
		return 0
	fi
	fail "$@"
}

# w_done: the end of a test script.
w_done() {
	[ "$W_BAD" = 0 ] || fail "$W_BAD scenario(s) with wrong alerts (see above)"
	ok "all scenarios of $(basename "$0") passed"
}

# w_expect_sids TAG SCENARIO "SID SID...": the exact set of alerted sids ("" = none).
w_expect_sids() {
	[ "$W_ON" = 1 ] || return 0
	local tag=$1 scen=$2 want got
	want=$(printf '%s\n' $3 | sed '/^$/d' | sort -n -u | tr '\n' ' ' | sed 's/ $//')
	got=$(w_sids "$tag")
	if [ "$got" != "$want" ]; then
		w_finding "$scen" "want sids {$want}, got {$got}" "$(w_stats "$tag")" \
			"$(jq -c 'select(.event_type == "alert")' "$W_TMP/$tag.eve" | head -n 12)"
		echo "alerts of $tag:" >&2
		w_alerts "$tag" | head -n 20 >&2
		echo "stats of $tag: $(w_stats "$tag")" >&2
		w_bad "$scen: watch alerted {$got}, want {$want}"
		return 0
	fi
	ok "$scen: watch alerted exactly {$want} ($(w_stats "$tag"))"
}

# w_alert_has TAG SID SCENARIO JQ-CONDITION: some alert with SID satisfies the condition.
w_alert_has() {
	[ "$W_ON" = 1 ] || return 0
	local tag=$1 sid=$2 scen=$3 cond=$4
	if ! jq -e -s "[.[] | select(.event_type == \"alert\" and .alert.signature_id == $sid) | select($cond)] | length > 0" \
		"$W_TMP/$tag.eve" >/dev/null; then
		w_finding "$scen" "no alert $sid with $cond" "$(jq -c "select(.event_type == \"alert\" and .alert.signature_id == $sid)" "$W_TMP/$tag.eve" | head -n 4)"
		w_bad "$scen: no alert $sid satisfies $cond: $(w_alerts "$tag" | grep "^$sid " | head -n 3)"
	fi
}
