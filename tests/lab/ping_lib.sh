# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the ping_*.sh lab tests: ikp1-prefixed labs, a "ping" link, routers without error rate limits.
# Sourced, not run. Builds on lab_lib.sh (root check, cleanup on every exit).
. "$(dirname "$0")/lab_lib.sh"

# A link named ping runs icmpkit ping with iputils' name in its messages.
PING_DIR=$(mktemp -d /tmp/ikp1.XXXXXX) || fail "mktemp"
ln -s "$ICMPKIT" "$PING_DIR/ping" || fail "ln"
IKPING="$PING_DIR/ping"
ping_cleanup() {
	lab_cleanup
	rm -rf "$PING_DIR"
}
trap ping_cleanup EXIT

# pl_up LETTER TOPO [up args...]: builds lab ikp1<ID><LETTER>; sets L to its name.
pl_up() {
	local name="ikp1${LAB_ID}$1"
	shift
	LABS_MADE="$LABS_MADE $name"
	local got
	got=$("$ICMPKIT" lab up --name "$name" "$@") || fail "lab up $name $*"
	[ "$got" = "$name" ] || fail "lab up printed '$got', want '$name'"
	L=$name
}

# no_ratelimit NODE...: routers answer every probe (the tests count errors).
# Not covered: IPv4 "no route" errors also pass ip_error()'s own bucket
# (burst 5, one a second, per source; net.ipv4.route.error_cost exists only
# in the host namespace), so a test waits ROUTE_REFILL_S between such runs.
ROUTE_REFILL_S=5
no_ratelimit() {
	for n in "$@"; do
		lx "$L" "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 ||
			fail "sysctl on $n"
	done
}

# Masks what depends on timing: RTTs, elapsed time, rtt/ipg lines, -D stamps.
mask_times() {
	sed -E 's/time=[0-9.]+ ms/time=T ms/; s/, time [0-9]+ms/, time Tms/;
		s#^(rtt min/avg/max/mdev = )[0-9./]+ ms#\1T ms#; s#ipg/ewma [0-9./]+ ms#ipg/ewma T ms#;
		s/^\[[0-9]+\.[0-9]{6}\] /[T] /'
}
