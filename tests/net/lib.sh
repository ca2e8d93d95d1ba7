# Shared helpers for the socket tests (sourced; not a test itself).
# Every background process is started with bg and killed by PID on exit; every peer and
# every wirekit run has a timeout.
set -u
W=${WIREKIT:?WIREKIT not set}
T=$(mktemp -d /tmp/wk-net.XXXXXX)
PIDS=()
NETNS=()
FAILS=0
# descendants PID: every process below PID (children first found through their parent PID)
descendants() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		descendants "$c"
		echo "$c"
	done
}
cleanup() {
	local p d all=()
	# the started processes and everything below them (a peer under timeout under sh -c
	# must not survive to hold the test's output open)
	for p in "${PIDS[@]}"; do
		all+=("$p")
		for d in $(descendants "$p"); do all+=("$d"); done
	done
	for p in "${all[@]}"; do kill "$p" 2>/dev/null; done
	# bounded: whatever has not ended 5 s after SIGTERM is killed
	for p in "${all[@]}"; do
		wait_pid "$p" 5 || kill -KILL "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${NETNS[@]}"; do ip netns del "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t not installed (scripts/deps.sh)"; exit 77; }
	done
}

# netns_or_skip: exit 77 (skipped, with the reason) unless we are root and may create a
# network namespace here (containers without CAP_SYS_ADMIN may not)
netns_or_skip() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
	local probe="wkprobe$$"
	if ! ip netns add "$probe" 2>"$T/netns.err"; then
		echo "SKIP: cannot create a network namespace: $(cat "$T/netns.err")"
		exit 77
	fi
	ip netns del "$probe"
}

# bg CMD...: run in the background, remember the PID in BGPID and PIDS
bg() {
	"$@" <&0 &
	BGPID=$!
	PIDS+=("$BGPID")
}

free_port() { # [udp]
	python3 - "${1:-tcp}" <<'PY'
import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET6, t)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
print(s.getsockname()[1])
PY
}

# wait_port PORT [t|u] [NETNS]: until something listens there (5 s at most)
wait_port() {
	local i pre=()
	[ -n "${3:-}" ] && pre=(ip netns exec "$3")
	for i in $(seq 250); do
		"${pre[@]}" ss -Hn"${2:-t}"l "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.02
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# wait_file FILE BYTES: until FILE has at least BYTES bytes (10 s at most)
wait_file() {
	local i
	for i in $(seq 500); do
		[ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ] && return 0
		sleep 0.02
	done
	return 1
}

# wait_says FILE TEXT PID: until FILE contains TEXT (5 s at most); 1 if PID ended first
wait_says() {
	local i
	for i in $(seq 250); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# wait_pid PID [SEC]: until PID exits (default 10 s), 1 if it did not
wait_pid() {
	local i n=$((${2:-10} * 50))
	for i in $(seq "$n"); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.02
	done
	return 1
}

ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	FAILS=$((FAILS + 1))
}
# check NAME CONDITION...: evaluate the command, report
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
same_file() { cmp -s "$1" "$2"; }
contains() { grep -q -- "$2" "$1"; }
finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}

# veth_lab A B VA VB: namespaces A and B (removed on exit) joined by the veth pair VA-VB,
# 198.18.0.1/24 in A and 198.18.0.2/24 in B, no IPv6 chatter, static neighbours
veth_lab() {
	local n ma mb
	ip netns add "$1" || return 1
	NETNS+=("$1")
	ip netns add "$2" || return 1
	NETNS+=("$2")
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2"
	for n in "$1" "$2"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$n" link set lo up
	done
	ip -n "$1" addr add 198.18.0.1/24 dev "$3"
	ip -n "$2" addr add 198.18.0.2/24 dev "$4"
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
	ma=$(ip -n "$1" -br link show "$3" | awk '{print $3}')
	mb=$(ip -n "$2" -br link show "$4" | awk '{print $3}')
	ip -n "$1" neigh replace 198.18.0.2 lladdr "$mb" dev "$3" nud permanent
	ip -n "$2" neigh replace 198.18.0.1 lladdr "$ma" dev "$4" nud permanent
}
