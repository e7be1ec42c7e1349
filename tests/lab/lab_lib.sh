# SPDX-License-Identifier: BSD-3-Clause
# Shared setup for the lab_*.sh tests: root check, unique names, cleanup on every exit.
# Sourced, not run. Needs ICMPKIT (the binary) and SRCDIR (the source tree).

set -u
: "${ICMPKIT:?set ICMPKIT to the icmpkit binary}"
: "${SRCDIR:?set SRCDIR to the source tree}"
if [ "$(id -u)" != 0 ]; then
	echo "!!! SKIP $(basename "$0"): needs root to build network namespaces !!!" >&2
	exit 77
fi
export ICMPKIT_LAB_DIR="$SRCDIR/lab"
unset ICMPKIT_LAB

# Lab names: iklab + pid + a letter per lab, at most 12 characters.
LAB_ID=$(( $$ % 100000 ))
LABS_MADE=""
BG_PIDS=""

lab_cleanup() {
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	for n in $LABS_MADE; do
		"$ICMPKIT" lab down "$n" >/dev/null 2>&1
	done
}
trap lab_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

# lab_up LETTER [up args...]: builds lab iklab<ID><LETTER>, prints nothing.
lab_up() {
	local name="iklab${LAB_ID}$1"
	shift
	LABS_MADE="$LABS_MADE $name"
	local got
	got=$("$ICMPKIT" lab up --name "$name" "$@") || fail "lab up $name $*"
	[ "$got" = "$name" ] || fail "lab up printed '$got', want '$name'"
}

# lx NAME NODE CMD...: runs CMD in a lab node.
lx() {
	local name=$1 node=$2
	shift 2
	"$ICMPKIT" lab exec --name "$name" "$node" -- "$@"
}

# A process is gone when it does not exist or is only a zombie awaiting its reaper.
pid_running() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
	return 0
}

# Asserts that nothing of lab NAME remains: namespaces, state, delayers.
assert_gone() {
	local name=$1 pids=${2:-}
	[ ! -e "/run/icmpkit/$name.state" ] || fail "$name: state file left behind"
	if ip netns list | awk '{print $1}' | grep -q "^$name-"; then
		fail "$name: namespaces left behind: $(ip netns list | grep "^$name-" | tr '\n' ' ')"
	fi
	for p in $pids; do
		if pid_running "$p"; then
			fail "$name: delayer $p still running"
		fi
	done
	if ip -o link show | grep -q "$name"; then
		fail "$name: an interface in the host namespace mentions the lab"
	fi
}
