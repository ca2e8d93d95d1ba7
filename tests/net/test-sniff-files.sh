#!/usr/bin/env bash
# wirekit sniff's files as root (issue 12 #2, #3), in a namespace of its own (loopback
# only): privileges are dropped before the first file is opened, so the -C -W ring goes
# round with every file owned by nobody and a directory only root may write to fails at
# once; -G without a time in the name writes one file over and over, and the counts say
# how many packets the files that remain hold.
. "$(dirname "$0")/lib.sh"
need ip python3 tshark timeout
netns_or_skip
N=wksf$$
ip netns add "$N" || { echo "SKIP: cannot create a network namespace"; exit 77; }
NETNS+=("$N")
ip -n "$N" link set lo up
chmod 711 "$T" # nobody may reach pub/, not priv/
mkdir -m 1777 "$T/pub"
mkdir -m 700 "$T/priv"

# send.py COUNT [gap-seconds]: 400-byte UDP datagrams to 127.0.0.1:7009
cat >"$T/send.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"wk%06d" % i + b"x" * 392, ("127.0.0.1", 7009))
    if len(sys.argv) > 2:
        time.sleep(float(sys.argv[2]))
PY
send() { ip netns exec "$N" timeout 20 python3 "$T/send.py" "$@"; }
# start_sniff ERR ARGS...: in the background until it says it listens (SP = its PID)
start_sniff() {
	local err=$1
	shift
	bg ip netns exec "$N" timeout 30 "$W" sniff -i lo "$@"
	SP=$BGPID
	wait_says "$err" 'listening on' "$SP"
}
stop_sniff() {
	kill -INT "$SP"
	wait_pid "$SP" 10
	wait "$SP"
}
tcount() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
written() { sed -n 's/.* \([0-9]*\) written$/\1/p' "$1" | tail -1; }
kept() { sed -n 's/.* \([0-9]*\) of them in the files kept.*/\1/p' "$1" | tail -1; }

# 2a. -C -W ring as root without -Z: nobody owns all three files, the ring wraps
start_sniff "$T/ring.err" -C 20k -W 3 -w "$T/pub/ring.pcap" udp 2>"$T/ring.err"
check "ring: sniffer started" [ $? = 0 ]
send 200
sleep 0.3
stop_sniff
st=$?
check "ring: exit 0 (status $st: $(grep -v listening "$T/ring.err" | head -2))" [ "$st" = 0 ]
check "ring: exactly ring.pcap0..2 ($(cd "$T/pub" && echo ring.pcap*))" \
	[ "$(cd "$T/pub" && echo ring.pcap*)" = "ring.pcap0 ring.pcap1 ring.pcap2" ]
check "ring: every file owned by nobody ($(stat -c %U "$T"/pub/ring.pcap* | sort -u | xargs))" \
	[ "$(stat -c %U "$T"/pub/ring.pcap* | sort -u)" = nobody ]
n=0
for f in "$T"/pub/ring.pcap*; do n=$((n + $(tcount "$f"))); done
check "ring: 200 written ($(written "$T/ring.err")), fewer kept ($n): it went round" \
	[ "$(written "$T/ring.err")" = 200 -a "$n" -lt 200 -a "$n" -gt 0 ]
check "ring: the count of kept packets ($(kept "$T/ring.err")) is what the files hold ($n)" \
	[ "$(kept "$T/ring.err")" = "$n" ]

# 2b. plain -C into a directory only root may write: fails at once, naming the problem
SECONDS=0
ip netns exec "$N" timeout 10 "$W" sniff -i lo -C 20k -w "$T/priv/c.pcap" udp 2>"$T/priv.err"
st=$?
check "root-only directory: exit 1 (status $st)" [ "$st" = 1 ]
check "root-only directory: at once (${SECONDS}s)" [ "$SECONDS" -le 2 ]
check "root-only directory: says why ($(head -1 "$T/priv.err"))" contains "$T/priv.err" "Permission denied"
check "root-only directory: says as whom" contains "$T/priv.err" "nobody"
check "root-only directory: no file" [ ! -e "$T/priv/c.pcap" ]

# 3. -G 1 without a time conversion in the name: tcpdump's rule (one file written over
# each period); the final counts tell how many packets that file holds
start_sniff "$T/g.err" -G 1 -w "$T/pub/g.pcap" udp 2>"$T/g.err"
check "-G: sniffer started" [ $? = 0 ]
send 30 0.08
stop_sniff
check "-G: one file ($(cd "$T/pub" && echo g.pcap*))" [ "$(cd "$T/pub" && echo g.pcap*)" = g.pcap ]
n=$(tcount "$T/pub/g.pcap")
check "-G: 30 written ($(written "$T/g.err"))" [ "$(written "$T/g.err")" = 30 ]
check "-G: kept ($(kept "$T/g.err")) = what the file holds ($n), fewer than 30" \
	[ "$(kept "$T/g.err")" = "$n" -a "$n" -lt 30 ]
# 5. a filter on a raw IP socket (LINKTYPE_RAW, which libpcap calls DLT_RAW): the ICMP
# port unreachables our UDP datagrams to a closed port bring back
bg ip netns exec "$N" timeout 20 "$W" sniff --raw-ip icmp -c 2 'icmp[icmptype] = icmp-unreach' \
	>"$T/raw.out" 2>"$T/raw.err"
SP=$BGPID
wait_says "$T/raw.err" 'listening on' "$SP"
check "--raw-ip icmp with a filter: started ($(head -1 "$T/raw.err"))" [ $? = 0 ]
send 2
wait_pid "$SP" 10
wait "$SP"
check "--raw-ip icmp with a filter: exit 0 (status $?)" [ $? = 0 ]
check "--raw-ip icmp with a filter: 2 unreachables ($(head -1 "$T/raw.out"))" \
	[ "$(grep -c 'udp port 7009 unreachable' "$T/raw.out")" = 2 ]
# 23. standard output that fails: said once, exit 1, and the count is what got through
# (a pipe whose reader left after 100 bytes; a full device)
bg ip netns exec "$N" timeout 20 sh -c '"$0" sniff -i lo -w - udp 2>"$1" | head -c 100 >/dev/null' \
	"$W" "$T/pipe.err"
SP=$BGPID
wait_says "$T/pipe.err" 'listening on' "$SP"
send 300
wait_pid "$SP" 10
check "-w - into a closed pipe: ends by itself" [ $? = 0 ]
check "-w - into a closed pipe: said once ($(grep -c 'Broken pipe' "$T/pipe.err"))" \
	[ "$(grep -c 'Broken pipe' "$T/pipe.err")" = 1 ]
w=$(written "$T/pipe.err")
check "-w - into a closed pipe: fewer than 300 written ($w)" [ -n "$w" ] && [ "$w" -lt 300 ]
bg ip netns exec "$N" timeout 20 sh -c '"$0" sniff -i lo -c 5 udp >/dev/full 2>"$1"' "$W" "$T/full.err"
SP=$BGPID
wait_says "$T/full.err" 'listening on' "$SP"
send 5
wait_pid "$SP" 10
wait "$SP"
check "lines to /dev/full: exit 1 (status $?)" [ $? = 1 ]
check "lines to /dev/full: said once ($(grep -c 'No space left' "$T/full.err"))" \
	[ "$(grep -c 'standard output: write: No space left on device' "$T/full.err")" = 1 ]
finish
