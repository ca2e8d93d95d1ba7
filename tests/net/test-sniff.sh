#!/usr/bin/env bash
# wirekit sniff in a namespace lab (veth pair, 198.18.0.0/15, no default route): known
# UDP traffic captured in order and decoded like tshark decodes our -w file; the kernel
# filter passes exactly the matching packets; promiscuity 1 while capturing and 0 after
# every kind of exit (and 0 throughout with -p); -w complete after SIGINT/SIGTERM; -Z
# nobody; --raw-ip icmp; -C rotation, with -W as a ring; -G -W's limit; checksum offload;
# exit 3 without CAP_NET_RAW.
. "$(dirname "$0")/lib.sh"
need ip python3 tshark timeout setpriv
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
netns_or_skip
A=wksa$$
B=wksb$$
VA=vsa$$
VB=vsb$$
ip netns add "$A" || { echo "SKIP: cannot create network namespaces"; exit 77; }
NETNS+=("$A")
ip netns add "$B"
NETNS+=("$B")
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
for n in "$A" "$B"; do
	# no IPv6 chatter (router solicitations, MLD): the lab carries only what we send
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=0
	ip -n "$n" link set lo up
done
ip -n "$A" addr add 198.18.0.1/24 dev "$VA"
ip -n "$B" addr add 198.18.0.2/24 dev "$VB"
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up
# static neighbours: no ARP exchange in the middle of the counted traffic
MA=$(ip -n "$A" -br link show "$VA" | awk '{print $3}')
MB=$(ip -n "$B" -br link show "$VB" | awk '{print $3}')
ip -n "$A" neigh replace 198.18.0.2 lladdr "$MB" dev "$VA" nud permanent
ip -n "$B" neigh replace 198.18.0.1 lladdr "$MA" dev "$VB" nud permanent

# send.py COUNT DPORT [step] [gap-seconds] [size]: UDP from 198.18.0.1 to .2
cat >"$T/send.py" <<'PY'
import socket, sys, time
n, port = int(sys.argv[1]), int(sys.argv[2])
step = int(sys.argv[3]) if len(sys.argv) > 3 else 0
gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
size = int(sys.argv[5]) if len(sys.argv) > 5 else 16
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 0))
for i in range(n):
    s.sendto(b"wk%06d" % i + b"x" * max(0, size - 8), ("198.18.0.2", port + step * i))
    if gap:
        time.sleep(gap)
PY
sendA() { ip netns exec "$A" python3 "$T/send.py" "$@"; }

# start_sniff NS ERRFILE OUTFILE ARGS...: wirekit sniff in the background, waits until it
# says it is listening; SP = its PID (ip netns exec runs it in place)
start_sniff() {
	local ns=$1 err=$2 out=$3 i
	shift 3
	bg ip netns exec "$ns" "$W" sniff "$@" >"$out" 2>"$err"
	SP=$BGPID
	for i in $(seq 250); do
		grep -q 'listening on' "$err" 2>/dev/null && return 0
		kill -0 "$SP" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}
promisc() { ip -n "$B" -d link show "$VB" | sed -n 's/.*promiscuity \([0-9]*\).*/\1/p'; }
written() { sed -n 's/.* \([0-9]*\) written$/\1/p' "$1" | tail -1; }
tcount() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }

# 1. every packet, in order, fields as tshark reads them from our file
F="frame.len ip.src ip.dst ip.id ip.ttl ip.proto udp.srcport udp.dstport udp.length"
E=()
for f in $F; do E+=(-e "$f"); done
start_sniff "$B" "$T/1.err" "$T/1.out" -i "$VB" -Z root -c 60 -w "$T/1.pcap" -T fields "${E[@]}" udp
check "order: sniffer started" [ $? = 0 ]
sendA 60 10000 1
wait_pid "$SP" 10
wait "$SP"
check "order: exit 0 after -c 60" [ $? = 0 ]
check "order: 60 lines" [ "$(wc -l <"$T/1.out")" = 60 ]
check "order: destination ports 10000..10059 in sending order" \
	[ "$(cut -f8 "$T/1.out" | tr '\n' ' ')" = "$(seq 10000 10059 | tr '\n' ' ')" ]
tshark -r "$T/1.pcap" -T fields "${E[@]}" >"$T/1.tshark" 2>/dev/null
check "order: tshark decodes the same fields from our -w file" same_file "$T/1.out" "$T/1.tshark"
check "order: 60 written" [ "$(written "$T/1.err")" = 60 ]

# 2. the kernel filter: non-matching traffic flows while the sniffer opens and runs
sendA 400 7002 0 0.005 &
noise=$!
PIDS+=("$noise")
sleep 0.3
start_sniff "$B" "$T/2.err" "$T/2.out" -i "$VB" -Z root --duration 3 -w "$T/2.pcap" udp dst port 7001
check "filter: sniffer started" [ $? = 0 ]
sendA 25 7001 0 0.01
wait "$noise"
wait_pid "$SP" 10
check "filter: 25 written" [ "$(written "$T/2.err")" = 25 ]
check "filter: 25 received" grep -q ' 25 packets received' "$T/2.err"
check "filter: the file holds exactly the 25 to port 7001" \
	[ "$(tshark -r "$T/2.pcap" -T fields -e udp.dstport 2>/dev/null | sort | uniq -c | tr -s ' ')" = " 25 7001" ]

# 3. promiscuous mode: set while capturing, cleared after every kind of exit; -p never
check "promisc: 0 before" [ "$(promisc)" = 0 ]
for how in normal INT TERM error; do
	args=(-i "$VB" -Z root)
	case $how in
	normal) args+=(-c 3) ;;
	error) args+=(-w /dev/full) ;;
	*) args+=(--duration 20) ;;
	esac
	start_sniff "$B" "$T/3.err" "$T/3.out" "${args[@]}"
	check "promisc $how: 1 while capturing" [ "$(promisc)" = 1 ]
	case $how in
	normal | error) sendA 3 7003 ;;
	*) kill -"$how" "$SP" ;;
	esac
	wait_pid "$SP" 10
	wait "$SP"
	rc=$?
	case $how in
	error) check "promisc error: write error exits 1" [ $rc = 1 ]
		check "promisc error: the reason is given" grep -q 'No space left on device' "$T/3.err" ;;
	*) check "promisc $how: exit 0" [ $rc = 0 ] ;;
	esac
	check "promisc $how: 0 after" [ "$(promisc)" = 0 ]
done
start_sniff "$B" "$T/3p.err" "$T/3p.out" -i "$VB" -Z root -p -c 3
check "promisc -p: 0 while capturing" [ "$(promisc)" = 0 ]
sendA 3 7003
wait_pid "$SP" 10
check "promisc -p: still captures" [ "$(wc -l <"$T/3p.out")" = 3 ]
check "promisc -p: 0 after" [ "$(promisc)" = 0 ]

# 4. -w complete after SIGINT / SIGTERM in the middle of a stream (pcap and pcapng)
for sig in INT TERM; do
	for fmt in pcap pcapng; do
		o=$T/4-$sig.$fmt
		args=(-i "$VB" -Z root -w "$o")
		[ $fmt = pcapng ] && args+=(--pcapng)
		start_sniff "$B" "$T/4.err" "$T/4.out" "${args[@]}"
		sendA 3000 7004 0 0.0002 &
		s=$!
		PIDS+=("$s")
		# mid-stream: once packets are in the file (it grows batch by batch), not before
		wait_file "$o" 400
		sleep 0.1
		kill -"$sig" "$SP"
		wait_pid "$SP" 10
		wait "$s"
		n=$(written "$T/4.err")
		check "SIG$sig $fmt: some packets written mid-stream (${n:-none})" [ "${n:-0}" -gt 0 ]
		check "SIG$sig $fmt: tshark reads every packet counted as written" [ "$(tcount "$o")" = "${n:--1}" ]
		if [ $fmt = pcapng ]; then # the IDB names the interface (if_name), as tcpdump's
			check "SIG$sig pcapng: tshark finds the interface name" \
				[ "$(tshark -r "$o" -c 1 -T fields -e frame.interface_name 2>/dev/null)" = "$VB" ]
		fi
	done
done

# 5. -Z nobody (the default as root): no root left, capture continues
start_sniff "$B" "$T/5.err" "$T/5.out" -i "$VB" -c 20 -T fields -e udp.dstport udp
check "-Z: sniffer started" [ $? = 0 ]
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$SP/status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$SP/status")
check "-Z: /proc shows uid nobody ($uids)" [ "$uids" = "65534 65534 65534 65534" ]
check "-Z: /proc shows no root group ($gids)" [ "$gids" = "65534 65534 65534 65534" ]
check "-Z: it is the sniffer" [ "$(cat "/proc/$SP/comm")" = wirekit ]
sendA 20 7005
wait_pid "$SP" 10
check "-Z: capture continued after the drop" [ "$(grep -c '^7005$' "$T/5.out")" = 20 ]

# 6. --raw-ip icmp in A sees the echo replies of B
cat >"$T/ping.py" <<'PY'
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for seq in range(1, 6):
    h = struct.pack("!BBHHH", 8, 0, 0, 0x4b57, seq) + b"wirekit!"
    h = h[:2] + struct.pack("!H", csum(h)) + h[4:]
    s.sendto(h, (sys.argv[1], 0))
    time.sleep(0.02)
PY
start_sniff "$A" "$T/6.err" "$T/6.out" --raw-ip icmp -Z root -c 5 -w "$T/6.pcap"
check "--raw-ip: sniffer started" [ $? = 0 ]
ip netns exec "$A" python3 "$T/ping.py" 198.18.0.2
wait_pid "$SP" 10
check "--raw-ip: 5 packets written" [ "$(written "$T/6.err")" = 5 ]
check "--raw-ip: all are echo replies from B (tshark)" \
	[ "$(tshark -r "$T/6.pcap" -T fields -e ip.src -e icmp.type -e icmp.seq 2>/dev/null | sort -u | wc -l)" = 5 ]
check "--raw-ip: replies seen" [ "$(tshark -r "$T/6.pcap" -Y 'icmp.type == 0 && ip.src == 198.18.0.2' 2>/dev/null | wc -l)" = 5 ]
"$W" read "$T/6.pcap" >"$T/6.lines"
check "--raw-ip: read decodes the replies" [ "$(grep -c 'ICMP echo reply' "$T/6.lines")" = 5 ]

# 7. -C rotation: FILE, FILE1, ... and every written packet is in one of them
start_sniff "$B" "$T/7.err" "$T/7.out" -i "$VB" -Z root -C 20k -w "$T/rot.pcap" udp
sendA 200 7007 0 0 400
sleep 0.3
kill -INT "$SP"
wait_pid "$SP" 10
n=0
for f in "$T"/rot.pcap*; do n=$((n + $(tcount "$f"))); done
check "-C: several files ($(ls "$T"/rot.pcap* | wc -l))" [ "$(ls "$T"/rot.pcap* | wc -l)" -ge 4 ]
check "-C: rot.pcap1 follows rot.pcap" [ -s "$T/rot.pcap1" ]
check "-C: all $(written "$T/7.err") written packets across the files ($n)" [ "$n" = "$(written "$T/7.err")" ]
check "-C: 200 written" [ "$n" = 200 ]

# 7b. -C with -W 3: a ring of rot3.pcap0..2 (tcpdump's names), the oldest written over:
# the newest packets are kept, every file is whole
start_sniff "$B" "$T/7b.err" "$T/7b.out" -i "$VB" -Z root -C 20k -W 3 -w "$T/rot3.pcap" udp
sendA 200 7007 0 0 400
sleep 0.3
kill -INT "$SP"
wait_pid "$SP" 10
check "-W 3: exactly rot3.pcap0 rot3.pcap1 rot3.pcap2 ($(cd "$T" && echo rot3.pcap*))" \
	[ "$(cd "$T" && echo rot3.pcap*)" = "rot3.pcap0 rot3.pcap1 rot3.pcap2" ]
n=0
for f in "$T"/rot3.pcap*; do n=$((n + $(tcount "$f"))); done
check "-W 3: 200 written, fewer kept ($n): the ring went round" \
	[ "$(written "$T/7b.err")" = 200 -a "$n" -lt 200 -a "$n" -gt 0 ]
last=$(for f in "$T"/rot3.pcap*; do tshark -r "$f" -T fields -e data.data 2>/dev/null; done | grep -c "^$(printf 'wk000199' | od -An -tx1 | tr -d ' \n')")
check "-W 3: the last packet sent is kept" [ "$last" = 1 ]

# 7c. -G 1 with -W 2: two files, then the capture ends by itself with status 0
start_sniff "$B" "$T/7c.err" "$T/7c.out" -i "$VB" -Z root -G 1 -W 2 -w "$T/g-%s.pcap" udp
sendA 50 7007 0 0.08 &
SEND=$!
st=""
if wait_pid "$SP" 15; then wait "$SP"; st=$?; fi
wait "$SEND" 2>/dev/null
check "-G 1 -W 2: ended by itself with status 0 (status '$st')" [ "$st" = 0 ]
check "-G 1 -W 2: two files ($(ls "$T"/g-*.pcap | wc -l))" [ "$(ls "$T"/g-*.pcap | wc -l)" = 2 ]

# 8. outgoing packets with checksum offload on the veth: "checksum offloaded", not bad
start_sniff "$A" "$T/8.err" "$T/8.out" -i "$VA" -Z root -c 2 udp
sendA 2 7008
wait_pid "$SP" 10
check "offload: outgoing UDP marked 'checksum offloaded'" [ "$(grep -c '(checksum offloaded)$' "$T/8.out")" = 2 ]

# 9. no privilege: a clear message and exit 3; unknown interface and bad filter
# (opening fails before anything is captured, so the host's lo is safe to name)
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$W" sniff -i lo -c 1 >/dev/null 2>"$T/9.err" </dev/null
rc=$?
check "no CAP_NET_RAW: exit 3" [ $rc = 3 ]
check "no CAP_NET_RAW: says what is missing" grep -q 'CAP_NET_RAW' "$T/9.err"
ip netns exec "$B" "$W" sniff -i nosuch0 -c 1 >/dev/null 2>"$T/9b.err"
check "unknown interface: exit 1 with the name" [ $? = 1 ] && grep -q 'nosuch0: no such interface' "$T/9b.err"
ip netns exec "$B" "$W" sniff -i "$VB" -c 1 'udp port' >/dev/null 2>"$T/9c.err"
check "bad filter: exit 2" [ $? = 2 ]
check "promisc after the failures: 0" [ "$(promisc)" = 0 ]
finish
