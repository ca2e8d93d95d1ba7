#!/usr/bin/env bash
# SYN packets per second: wirekit send --flood (on-link destination: frames over AF_PACKET) and
# --flood --l2, against hping3 --flood and masscan, in one run, in a namespace pair (198.18.0.0/15 only).
# Packets are counted on the receiving side (rx_packets of its veth). They go to addresses
# the target does not hold (198.18.0.99 through a static neighbour entry, masscan's
# 198.19.0.0/16 through its --router-mac), so its kernel drops them on arrival instead
# of answering: the receiver's own work is the same small cost for every tool, and the
# sender's speed is what is measured. Prints the ratios.
# usage: bench/send.sh [WIREKIT] [SECONDS]   (root; scripts/deps.sh --peers installs peers)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/peers.sh"
need_peers bench/send.sh hping3 masscan
W=${1:-$top/build/wirekit}
D=${2:-3}

# Packets built and written to a file (no privileges, no network): wirekit send -w against
# scapy building the same packets (a SYN to 1,000 ports, random source port, IP ID and
# sequence number, as both tools default) and writing them with wrpcap.
PY=/usr/bin/python3 # python3 on PATH may be another interpreter without scapy
N=${WRITE_N:-5000000}
NS=${SCAPY_N:-50000}
tmp=$(mktemp -d)
t0=$(date +%s.%N)
"$W" send -w "$tmp/wk.pcap" -c "$N" 'ip(dst=198.18.0.2)/tcp(dport=1-1000,flags=S)' 2>/dev/null
t1=$(date +%s.%N)
wk_w=$(python3 -c "print(int($N / ($t1 - $t0)))")
t0=$(date +%s.%N)
"$W" send --dry-run -q -c "$N" 'ip(dst=198.18.0.2)/tcp(dport=1-1000,flags=S)' 2>/dev/null
t1=$(date +%s.%N)
wk_q=$(python3 -c "print(int($N / ($t1 - $t0)))")
printf '%-28s %10s pps (%d packets to a pcap file)\n' "wirekit send -w" "$wk_w" "$N"
printf '%-28s %10s pps (built, not written)\n' "wirekit send --dry-run -q" "$wk_q"
if $PY -c 'import scapy.all' 2>/dev/null; then
	sc=$(cd "$tmp" && $PY - "$NS" <<'PY'
import sys, time
from scapy.all import IP, TCP, RandShort, RandInt, wrpcap, conf
conf.verb = 0
n = int(sys.argv[1])
t0 = time.perf_counter()
pkts = []
base = IP(dst="198.18.0.2", id=RandShort()) / TCP(sport=RandShort(), seq=RandInt(), flags="S")
for i in range(n):
    p = base.copy()
    p[TCP].dport = 1 + i % 1000
    pkts.append(IP(bytes(p)))
wrpcap("sc.pcap", pkts)
print(int(n / (time.perf_counter() - t0)))
PY
)
	printf '%-28s %10s pps (%d packets, wrpcap)\n' "scapy build + wrpcap" "$sc" "$NS"
	python3 -c "print('wirekit send -w / scapy wrpcap     %.0fx' % ($wk_w / max(1, $sc)))"
else
	echo "bench/send.sh: scapy (python3-scapy) is missing: no ratio for -w"
	missing=1
fi
rm -rf "$tmp"
[ "$(id -u)" = 0 ] || { echo "bench/send.sh: the wire part needs root (namespaces, raw sockets)"; exit 1; }
S=wkbs$$
T=wkbt$$
tmp=$(mktemp -d)
cleanup() {
	ip netns del "$S" 2>/dev/null
	ip netns del "$T" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# every tool runs in a directory of its own: masscan writes paused.conf where it runs
cd "$tmp" || exit 1
trap 'exit 1' INT TERM
ip netns add "$S"
ip netns add "$T"
ip link add "bs$$" netns "$S" type veth peer name "bt$$" netns "$T"
ip -n "$S" addr add 198.18.0.1/24 dev "bs$$"
ip -n "$T" addr add 198.18.0.2/24 dev "bt$$"
for n in "$S" "$T"; do ip -n "$n" link set lo up; done
ip -n "$S" link set "bs$$" up
ip -n "$T" link set "bt$$" up
tmac=$(ip -n "$T" -br link show "bt$$" | awk '{print $3}')
ip -n "$S" neigh add 198.18.0.99 lladdr "$tmac" dev "bs$$" nud permanent
rx() { ip netns exec "$T" cat "/sys/class/net/bt$$/statistics/rx_packets"; }

# run NAME CMD...: the command for D seconds (SIGINT at the end), packets counted at T
declare -A PPS
run() {
	local name=$1 a b t0 t1
	shift
	a=$(rx)
	t0=$(date +%s.%N)
	timeout -s INT "$D" ip netns exec "$S" "$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	sleep 0.2
	b=$(rx)
	PPS[$name]=$(python3 -c "print(int(($b - $a) / ($t1 - $t0)))")
	printf '%-28s %10s pps received\n' "$name" "${PPS[$name]}"
}
run "wirekit --flood" "$W" send --flood -q 'ip(dst=198.18.0.99)/tcp(dport=80)'
run "wirekit --flood --l2" "$W" send --flood -q --l2 'ip(dst=198.18.0.99)/tcp(dport=80)'
run "hping3 --flood" hping3 --flood -q -S -p 80 198.18.0.99
# masscan walks addresses x ports: 198.19.0.0/16 x all ports, to the target's MAC
run "masscan --rate 100M" masscan 198.19.0.0/16 -p1-65535 --rate 100000000 \
	--adapter "bs$$" --adapter-ip 198.18.0.1 --router-mac "$tmac" --wait 0
# --rate: the token bucket's achieved rate against the asked one, counted at the receiver
for want in 10000 100000; do
	n=$((want * 2))
	a=$(rx)
	t0=$(date +%s.%N)
	ip netns exec "$S" timeout 30 "$W" send -q --rate "$want" -c "$n" 'ip(dst=198.18.0.99)/udp(dport=9)' \
		>/dev/null 2>&1
	t1=$(date +%s.%N)
	sleep 0.2
	b=$(rx)
	python3 -c "g = ($b - $a) / ($t1 - $t0); print('wirekit --rate %-8d %10d pps received (%+.1f%%, %d of %d)' % ($want, g, 100 * (g - $want) / $want, $b - $a, $n))"
done
best=${PPS["wirekit --flood"]}
[ "${PPS["wirekit --flood --l2"]}" -gt "$best" ] && best=${PPS["wirekit --flood --l2"]}
for peer in "hping3 --flood" "masscan --rate 100M"; do
	[ -n "${PPS[$peer]:-}" ] || continue
	python3 -c "print('wirekit (best) / %-20s %.2fx' % ('$peer', $best / max(1, ${PPS[$peer]})))"
done
