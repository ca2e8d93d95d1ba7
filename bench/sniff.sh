#!/usr/bin/env bash
# bench/sniff.sh [WIREKIT]: capture loss of wirekit sniff against tcpdump under a UDP
# flood across a veth pair at rising rates (a few seconds each), both writing to
# /dev/null, in the same run. For each rate: packets offered (sent by the flooder),
# captured and dropped by the kernel. Run twice per tool: with each tool's default ring
# and with the same ring (-B 2048 KiB, tcpdump's default). Needs root; everything happens
# inside two network namespaces made here (198.18.0.0/15, no default route).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
wk=${1:-$top/build/wirekit}
rates=${SNIFF_RATES:-"50000 100000 200000 400000 800000 0"}
secs=${SNIFF_SECONDS:-3}
size=${SNIFF_SIZE:-18}
# SNIFF_CPU=N: flooder and capture tool share CPU N (a busy host: the tool competes with
# the traffic for the processor, which is where rings fill up)
pin=()
[ -n "${SNIFF_CPU:-}" ] && pin=(taskset -c "$SNIFF_CPU")
. "$top/bench/peers.sh"
need_peers bench/sniff.sh tcpdump
[ "$(id -u)" = 0 ] || { echo "bench/sniff.sh: skipped: needs root for network namespaces"; exit 0; }
tmp=$(mktemp -d)
A=wkbsa$$
B=wkbsb$$
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
gcc -O2 -o "$tmp/udpflood" "$top/bench/udpflood.c" || exit 1
ip netns add "$A" && ip netns add "$B" || exit 1
ip link add va netns "$A" type veth peer name vb netns "$B"
for n in "$A" "$B"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$n" link set lo up
done
ip -n "$A" addr add 198.18.0.1/24 dev va
ip -n "$B" addr add 198.18.0.2/24 dev vb
ip -n "$A" link set va up
ip -n "$B" link set vb up
# The flood goes to 198.18.0.3, which B does not own: B's stack drops it silently (no ICMP
# back), after every packet tap has seen it.
mb=$(ip -n "$B" -br link show vb | awk '{print $3}')
ip -n "$A" neigh replace 198.18.0.3 lladdr "$mb" dev va nud permanent

# run TOOL RATE EXTRA...: prints "offered captured dropped"
run() {
	local tool=$1 rate=$2 i
	shift 2
	: >"$tmp/err"
	if [ "$tool" = wirekit ]; then
		ip netns exec "$B" "${pin[@]}" "$wk" sniff -i vb -Z root -w /dev/null "$@" udp 2>"$tmp/err" &
	else
		ip netns exec "$B" "${pin[@]}" tcpdump -i vb -n -Z root -w /dev/null "$@" udp 2>"$tmp/err" &
	fi
	local p=$!
	PIDS+=("$p")
	for i in $(seq 250); do
		grep -q 'listening on' "$tmp/err" && break
		sleep 0.02
	done
	sleep 0.2
	local off
	off=$(ip netns exec "$A" "${pin[@]}" "$tmp/udpflood" 198.18.0.3 9 "$rate" "$secs" "$size")
	sleep 0.5
	kill -INT "$p"
	wait "$p" 2>/dev/null
	local cap drop
	if [ "$tool" = wirekit ]; then
		cap=$(sed -n 's/.*: \([0-9]*\) packets received, .*/\1/p' "$tmp/err" | tail -1)
		drop=$(sed -n 's/.* \([0-9]*\) dropped by kernel.*/\1/p' "$tmp/err" | tail -1)
	else
		cap=$(sed -n 's/^\([0-9]*\) packets* captured/\1/p' "$tmp/err")
		drop=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel/\1/p' "$tmp/err")
	fi
	echo "$off ${cap:-?} ${drop:-?}"
}

# offered but neither captured nor counted as dropped (lost without a word)
unseen() { awk -v o="$1" -v c="$2" -v d="$3" 'BEGIN { if (c ~ /^[0-9]+$/ && d ~ /^[0-9]+$/) print o - c - d; else print "?" }'; }

echo "wirekit sniff vs tcpdump: UDP flood of ${size}-byte payloads across a veth, ${secs} s per rate${SNIFF_CPU:+, all on CPU $SNIFF_CPU}"
for ring in default same; do
	if [ $ring = default ]; then
		echo
		echo "each tool's default ring (wirekit 8 MiB, tcpdump 2 MiB)"
		wx=()
		tx=()
	else
		echo
		echo "same ring for both: -B 2048 (KiB)"
		wx=(-B 2048)
		tx=(-B 2048)
	fi
	printf '%-8s | %10s %10s %8s %8s | %10s %10s %8s %8s\n' "rate pps" "wk offered" "captured" \
		"dropped" "unseen" "td offered" "captured" "dropped" "unseen"
	for r in $rates; do
		read -r wo wc wd < <(run wirekit "$r" "${wx[@]}")
		read -r to tc td < <(run tcpdump "$r" "${tx[@]}")
		label=$r
		[ "$r" = 0 ] && label=max
		printf '%-8s | %10s %10s %8s %8s | %10s %10s %8s %8s\n' "$label" "$wo" "$wc" "$wd" \
			"$(unseen "$wo" "$wc" "$wd")" "$to" "$tc" "$td" "$(unseen "$to" "$tc" "$td")"
	done
done
