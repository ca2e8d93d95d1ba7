#!/usr/bin/env bash
# make demo: the main jobs on embedded defaults. Reads a capture shipped in the repo (one
# line per packet, then the statistics) and runs TLS on loopback; as root it also builds
# namespace labs (198.18.0.0/15, no route out, removed at the end) for sniff, send and scan.
# Packets leave only inside those labs. tests/net/test-demo.sh runs it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
wk=${1:-$top/build/wirekit}
cap=$top/tests/corpus/pcapplusplus-three_http_streams.pcap
dns=$top/tests/corpus/pcapplusplus-Dns.pcap
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say wirekit read -c 12 "${cap#$top/}"
"$wk" read -c 12 "$cap"
say wirekit read "${dns#$top/}"
"$wk" read "$dns"
say wirekit read -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e frame.len -c 5 "${cap#$top/}" tcp port 80
"$wk" read -T fields -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e frame.len -c 5 "$cap" tcp port 80
say wirekit read --stats --top 5 "${cap#$top/}"
"$wk" read --stats --top 5 "$cap"

# TLS on loopback (wirekit listen/connect): a fresh self-signed certificate made in memory,
# one line each way, and the certificate summary that connect -v prints. Needs no root.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "echo 'hello from the listener' | wirekit listen --tls -w 5 127.0.0.1 $port &"
echo "hello from the listener" | timeout 10 "$wk" listen --tls -w 5 127.0.0.1 "$port" &
tls_pid=$!
for _ in $(seq 50); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.05; done
say "echo 'hello from the client' | wirekit connect --tls --insecure -v 127.0.0.1 $port"
echo "hello from the client" | timeout 10 "$wk" connect --tls --insecure -v 127.0.0.1 "$port" || true
wait "$tls_pid" || true

# Live capture (wirekit sniff): a namespace lab made here and removed at the end (two
# namespaces, one veth pair, 198.18.0.0/24, no route out). Needs root.
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v python3 >/dev/null; then
	printf '\n(wirekit sniff demo skipped: it needs root, ip and python3 to build its own namespace lab)\n'
	exit 0
fi
lab=$(mktemp -d)
na=wkdemoa$$
nb=wkdemob$$
demo_pids=()
demo_cleanup() {
	local p
	for p in "${demo_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$na" 2>/dev/null || true
	ip netns del "$nb" 2>/dev/null || true
	rm -rf "$lab"
}
trap demo_cleanup EXIT
ip netns add "$na"
ip netns add "$nb"
ip link add va netns "$na" type veth peer name vb netns "$nb"
for n in "$na" "$nb"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$n" link set lo up
done
ip -n "$na" addr add 198.18.0.1/24 dev va
ip -n "$nb" addr add 198.18.0.2/24 dev vb
ip -n "$na" link set va up
ip -n "$nb" link set vb up
say "wirekit sniff -i vb --duration 3 -w lab.pcap   # in the lab namespace, while A talks to B"
ip netns exec "$nb" "$wk" sniff -i vb -Z root --duration 3 -w "$lab/lab.pcap" &
demo_pids+=($!)
sniffer=$!
sleep 0.5
# B: a TCP echo server; A: a client and a few UDP datagrams
ip netns exec "$nb" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 8080)); s.listen(1); s.settimeout(3)
c, _ = s.accept(); c.sendall(c.recv(100).upper()); c.close()' &
demo_pids+=($!)
sleep 0.3
ip netns exec "$na" python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    u.sendto(b"demo datagram %d" % i, ("198.18.0.2", 9999)); time.sleep(0.05)
t = socket.create_connection(("198.18.0.2", 8080), timeout=3)
t.sendall(b"hello from A\n"); print("A got:", t.recv(100).decode().strip()); t.close()'
wait "$sniffer" || true
say wirekit read -c 12 lab.pcap
"$wk" read -c 12 "$lab/lab.pcap"
say wirekit read --stats lab.pcap
"$wk" read --stats "$lab/lab.pcap"
demo_cleanup # the lab goes now; the trap stays for the failure paths

# wirekit send: crafted probes and their matched replies, in a namespace lab of its own
# (three namespaces in a chain, 198.18.1.0/24 -> router -> 198.18.2.0/24, no route out),
# removed again at the end. Needs root (without it the script has already stopped above).
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	printf '\n(wirekit send demo skipped: its namespace lab needs root)\n'
	say wirekit send --dry-run "'ip(dst=198.18.0.2,ttl=1-3)/udp(dport=33434)'"
	"$wk" send --dry-run 'ip(dst=198.18.0.2,ttl=1-3)/udp(dport=33434)'
	exit 0
fi
sa=wksenda$$ sr=wksendr$$ sb=wksendb$$
send_pid=
send_cleanup() {
	if [ -n "$send_pid" ]; then kill "$send_pid" 2>/dev/null || true; fi
	send_pid=
	for n in "$sa" "$sr" "$sb"; do ip netns del "$n" 2>/dev/null || true; done
}
# keep the earlier part's cleanup (if any) on exit as well
if declare -F demo_cleanup >/dev/null; then
	trap 'send_cleanup; demo_cleanup' EXIT
else
	trap send_cleanup EXIT
fi
for n in "$sa" "$sr" "$sb"; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
ip link add wsa$$ netns "$sa" type veth peer name wsr$$ netns "$sr"
ip link add wsq$$ netns "$sr" type veth peer name wsb$$ netns "$sb"
ip -n "$sa" addr add 198.18.1.1/24 dev wsa$$
ip -n "$sr" addr add 198.18.1.254/24 dev wsr$$
ip -n "$sr" addr add 198.18.2.254/24 dev wsq$$
ip -n "$sb" addr add 198.18.2.2/24 dev wsb$$
for d in "$sa wsa$$" "$sr wsr$$" "$sr wsq$$" "$sb wsb$$"; do
	set -- $d
	ip -n "$1" link set "$2" up
done
ip netns exec "$sr" sysctl -qw net.ipv4.ip_forward=1
ip -n "$sa" route add 198.18.2.0/24 via 198.18.1.254
ip -n "$sb" route add 198.18.1.0/24 via 198.18.2.254
timeout 20 ip netns exec "$sb" python3 -c 'import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 80)); s.listen(8); time.sleep(19)' &
send_pid=$!
sleep 0.5
printf '\n(lab: 198.18.1.1 -> router 198.18.1.254 -> 198.18.2.2 with port 80 open)\n'
inS() { timeout 10 ip netns exec "$sa" "$wk" send "$@"; }
say wirekit send --wait 1 "'ip(dst=198.18.2.2)/tcp(dport=79-81)'"
inS --wait 1 'ip(dst=198.18.2.2)/tcp(dport=79-81)' || true
say wirekit send --wait 1 "'ip(dst=198.18.2.2)/icmp(seq=1-2)/\"ping\"'"
inS --wait 1 'ip(dst=198.18.2.2)/icmp(seq=1-2)/"ping"' || true
say wirekit send --wait 1 "'ip(dst=198.18.2.2,ttl=1-3)/udp(dport=33434)'" "  # a traceroute"
inS --wait 1 'ip(dst=198.18.2.2,ttl=1-3)/udp(dport=33434)' || true
say wirekit send --dry-run "'ip(dst=198.18.2.2,tll=3)/tcp()'" "  # a typo"
inS --dry-run 'ip(dst=198.18.2.2,tll=3)/tcp()' || true
send_cleanup

# wirekit scan: host discovery, then a SYN and UDP scan with reasons, in a lab of its own
# (scanner 198.18.3.1, target 198.18.3.2 answering for 198.19.3.0/28 through a local route,
# TCP 22 and 80 and UDP 53 listening, TCP 25 silently dropped and TCP 110 refused with
# admin-prohibited by nftables, no route out), removed at the end.
if ! command -v nft >/dev/null; then
	printf '\n(wirekit scan demo skipped: it needs nft for its lab)\n'
	exit 0
fi
ns=wkscans$$ nt=wkscant$$
scan_pid=
scan_cleanup() {
	if [ -n "$scan_pid" ]; then kill "$scan_pid" 2>/dev/null || true; fi
	scan_pid=
	for n in "$ns" "$nt"; do ip netns del "$n" 2>/dev/null || true; done
}
trap 'scan_cleanup; send_cleanup; demo_cleanup' EXIT
for n in "$ns" "$nt"; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
ip link add wks$$ netns "$ns" type veth peer name wkt$$ netns "$nt"
ip -n "$ns" addr add 198.18.3.1/24 dev wks$$
ip -n "$nt" addr add 198.18.3.2/24 dev wkt$$
ip -n "$ns" link set wks$$ up
ip -n "$nt" link set wkt$$ up
ip -n "$nt" route add local 198.19.3.0/29 dev lo
ip -n "$ns" route add 198.19.3.0/28 via 198.18.3.2
ip netns exec "$nt" nft -f - <<'NFT'
table inet wkdemo {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp dport 25 drop
		tcp dport 110 reject with icmp type admin-prohibited
	}
}
NFT
timeout 60 ip netns exec "$nt" python3 -c 'import socket, select, time
ls = []
for p in (22, 80):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(64); ls.append(s)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("198.19.3.1", 53)); ls.append(u)
end = time.time() + 59
while time.time() < end:
    for s in select.select(ls, [], [], 1)[0]:
        if s is u:
            d, a = u.recvfrom(2048); u.sendto(d[:2] + b"\x81\x80" + d[4:], a)
        else:
            s.accept()[0].close()' &
scan_pid=$!
for _ in $(seq 50); do ip netns exec "$nt" ss -Htln "sport = :80" | grep -q . && break; sleep 0.1; done
printf '\n(lab: 198.18.3.1 scans 198.19.3.0/28, of which 198.19.3.0-7 answer)\n'
inScan() { timeout 30 ip netns exec "$ns" "$wk" scan "$@"; }
say wirekit scan -sn 198.19.3.0/28 "  # host discovery"
inScan -sn 198.19.3.0/28 || true
say wirekit scan -sS -sU --reason -p T:22,25,80,110,U:53,500 198.19.3.1
inScan -sS -sU --reason -p T:22,25,80,110,U:53,500 198.19.3.1 || true
scan_cleanup
