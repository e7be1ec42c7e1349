# SPDX-License-Identifier: BSD-3-Clause
# Shared setup for the guard_*.sh lab tests: lab_lib.sh plus labs named ikg<pid><letter>.
# Sourced, not run. Every packet of these tests starts inside a lab namespace.

. "$(dirname "$0")/lab_lib.sh"

# g_up LETTER TOPOLOGY: builds lab ikg<ID><LETTER>; sets L to its name.
g_up() {
	L="ikg${LAB_ID}$1"
	LABS_MADE="$LABS_MADE $L"
	local got
	got=$("$ICMPKIT" lab up --name "$L" "$2") || fail "lab up $L $2"
	[ "$got" = "$L" ] || fail "lab up printed '$got', want '$L'"
}

# gx NODE CMD...: runs CMD in a node of lab $L.
gx() {
	lx "$L" "$@"
}

# ifname_to NODE PREFIX: the interface of NODE on the IPv4 PREFIX.
ifname_to() {
	gx "$1" ip -o -4 addr show to "$2" | awk '{print $2; exit}'
}

# Counter of the rule whose comment contains TEXT, from `guard status` on NODE.
guard_count() {
	gx "$1" "$ICMPKIT" guard status | grep -F -- "$2" | awk '{s += $2} END {print s + 0}'
}

# A scratch directory removed on exit with the labs.
G_TMP=$(mktemp -d /tmp/ikg.XXXXXX)
guard_cleanup() {
	lab_cleanup
	rm -rf "$G_TMP"
}
trap guard_cleanup EXIT
