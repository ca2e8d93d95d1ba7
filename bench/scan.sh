#!/usr/bin/env bash
# Scan speed and memory, side by side in one run in a namespace lab (198.18.0.0/15 only):
# the target namespace answers for 198.19.0.0/16 (a local route on lo) and listens on
# port 80 (so every address has it open) and 22.
#   1. /16 x port 80 SYN: wirekit scan, zmap, masscan (and nmap -sS --min-rate 50000),
#      time and open ports missed (of 65,536), RUNS times each.
#   2. 1 host x 65,535 ports -sS: wirekit scan vs nmap -sS -T5 (and masscan).
#   3. RSS (/usr/bin/time -f %M): -sn -PE and -sS -Pn -p80 over a /24, a /20 and a /16
#      where only the first /24 answers (nftables drops the rest in the target), then
#      spaces of 2^24 and 2^25 positions (198.19.0.0/16 x 256 and x 512 ports: the size
#      of a /8 x 1 and x 2 ports; a /8 itself is outside the lab's addresses, and sending
#      there is not allowed), stopped by SIGINT after 3 s.
#   4. --rate accuracy: probes counted and timed on the target's side of the link
#      (tcpdump, first to last SYN) at 1k, 10k and 100k pps, measured/asked, with zmap -r
#      at the same rates beside it; the probed addresses are silent (dropped by nftables).
# Peers run in a temporary directory (masscan writes paused.conf where it runs).
# Prints the ratios. usage: bench/scan.sh [WIREKIT] [RUNS] [RATE]   (root)
# ONLY="16 65535 mem rate" (the default: all four) picks sections. MRUNS=N runs masscan in
# only the first N of the /16 runs (it can take its whole 300 s timeout a run here).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$top/build/wirekit}
RUNS=${2:-10}
RATE=${3:-100000}
ONLY=${ONLY:-16 65535 mem rate}
MRUNS=${MRUNS:-$RUNS}
want() { [[ " $ONLY " == *" $1 "* ]]; }
[ "$(id -u)" = 0 ] || { echo "bench/scan.sh: needs root (namespaces, raw sockets)"; exit 1; }
S=wkengbs$$
T=wkengbt$$
D=$(mktemp -d /tmp/wkeng-bench.XXXXXX)
LPID=
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	[ -n "${CPID:-}" ] && kill "$CPID" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$T" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$S"
ip netns add "$T"
ip link add "bs$$" netns "$S" type veth peer name "bt$$" netns "$T"
ip -n "$S" addr add 198.18.0.1/24 dev "bs$$"
ip -n "$T" addr add 198.18.0.2/24 dev "bt$$"
for n in "$S" "$T"; do
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.tcp_max_syn_backlog=65536 \
		net.core.somaxconn=65535 net.ipv4.tcp_syncookies=1
done
ip -n "$S" link set "bs$$" up
ip -n "$T" link set "bt$$" up
ip -n "$T" route add local 198.19.0.0/16 dev lo
ip -n "$S" route add 198.19.0.0/16 via 198.18.0.2
tmac=$(ip -n "$T" -br link show "bt$$" | awk '{print $3}')
ip -n "$S" neigh replace 198.18.0.2 lladdr "$tmac" dev "bs$$" nud permanent
timeout 7200 ip netns exec "$T" python3 -c '
import socket, time
ss = []
for p in (22, 80):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(65535); ss.append(s)
time.sleep(7200)' &
LPID=$!
for i in $(seq 100); do # the listener is up before the first probe
	ip netns exec "$T" ss -Hltn "sport = :80" | grep -q . && break
	sleep 0.1
done
: >"$D/empty.blocklist"


# timed NAME CMD...: wall seconds of the command into $D/NAME.t
timed() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	(cd "$D" && timeout 300 ip netns exec "$S" "$@" >"$D/$name.out" 2>"$D/$name.err")
	t1=$(date +%s.%N)
	python3 -c "print('%.2f' % ($t1 - $t0))" >"$D/$name.t"
}
declare -A TIME MISS
row() { # NAME SECONDS OPEN EXPECTED
	local miss=$(($4 - $3))
	printf '%-44s %8s s %8s open %8s missed\n' "$1" "$2" "$3" "$miss"
}

if want 16; then
echo "== 198.19.0.0/16 x port 80 SYN, rate $RATE, $RUNS runs each"
best() { sort -n | head -1; }
for r in $(seq "$RUNS"); do
	timed w "$W" scan -sS -Pn -p80 198.19.0.0/16 --rate "$RATE" --wait 500 -oJ "$D/w.json"
	n=$(grep -c '"state":"open"' "$D/w.json")
	row "wirekit scan -sS -Pn -p80 --rate $RATE" "$(cat "$D/w.t")" "$n" 65536
	echo "$(cat "$D/w.t") $n" >>"$D/w.all"
	timed z zmap -p 80 -i "bs$$" -S 198.18.0.1 -G "$tmac" -b "$D/empty.blocklist" \
		-r "$RATE" -c 1 -o "$D/z.csv" 198.19.0.0/16
	n=$(sort -u "$D/z.csv" | grep -c '^198')
	row "zmap -r $RATE -c 1" "$(cat "$D/z.t")" "$n" 65536
	echo "$(cat "$D/z.t") $n" >>"$D/z.all"
	[ "$r" -le "$MRUNS" ] || continue
	rm -f "$D/m.list"
	timed m masscan 198.19.0.0/16 -p80 --rate "$RATE" --adapter "bs$$" --adapter-ip 198.18.0.1 \
		--router-mac "$tmac" --wait 1 -oL "$D/m.list"
	n=$(grep -c '^open' "$D/m.list")
	row "masscan --rate $RATE --wait 1" "$(cat "$D/m.t")" "$n" 65536
	echo "$(cat "$D/m.t") $n" >>"$D/m.all"
done
[ "$MRUNS" -lt "$RUNS" ] && echo "(masscan: $MRUNS of the $RUNS runs, MRUNS=$MRUNS)"
timed n nmap -n -Pn -sS -p80 --min-rate 50000 198.19.0.0/16 -oG "$D/n.gnmap"
n=$(grep -c '80/open' "$D/n.gnmap")
row "nmap -sS -Pn -p80 --min-rate 50000" "$(cat "$D/n.t")" "$n" 65536
med() { awk '{print $1}' "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
missmax() { awk '{m = 65536 - $2; if (m > x) x = m} END {print x + 0}' "$1"; }
wm=$(med "$D/w.all")
zm=$(med "$D/z.all")
if [ -s "$D/m.all" ]; then # MRUNS=0: masscan not run
	mm=$(med "$D/m.all")
	echo "median: wirekit $wm s, zmap $zm s, masscan $mm s, nmap $(cat "$D/n.t") s"
	echo "most missed in a run: wirekit $(missmax "$D/w.all"), zmap $(missmax "$D/z.all"), masscan $(missmax "$D/m.all")"
	python3 -c "print('ratio zmap/wirekit %.2f, masscan/wirekit %.2f, nmap/wirekit %.2f' % ($zm / $wm, $mm / $wm, $(cat "$D/n.t") / $wm))"
else
	echo "median: wirekit $wm s, zmap $zm s, nmap $(cat "$D/n.t") s (masscan not run: MRUNS=0)"
	echo "most missed in a run: wirekit $(missmax "$D/w.all"), zmap $(missmax "$D/z.all")"
	python3 -c "print('ratio zmap/wirekit %.2f, nmap/wirekit %.2f' % ($zm / $wm, $(cat "$D/n.t") / $wm))"
fi

fi
if want 65535; then
echo "== 198.19.0.1 x 65,535 ports -sS"
timed w1 "$W" scan -sS -Pn -p- 198.19.0.1 --rate 300000 --wait 200 -oJ "$D/w1.json"
n=$(grep -c '"state":"open"' "$D/w1.json")
c=$(grep -c '"state":"closed"' "$D/w1.json")
row "wirekit scan -sS -Pn -p- --rate 300000" "$(cat "$D/w1.t")" "$n" 2
echo "    closed: $c of 65533"
timed n1 nmap -n -Pn -sS -T5 -p- 198.19.0.1 -oG "$D/n1.gnmap"
n=$(grep -o '[0-9]*/open' "$D/n1.gnmap" | wc -l)
row "nmap -sS -T5 -Pn -p-" "$(cat "$D/n1.t")" "$n" 2
rm -f "$D/m1.list"
timed m1 masscan 198.19.0.1 -p1-65535 --rate 300000 --adapter "bs$$" --adapter-ip 198.18.0.1 \
	--router-mac "$tmac" --wait 1 -oL "$D/m1.list"
n=$(grep -c '^open' "$D/m1.list")
row "masscan -p1-65535 --rate 300000 --wait 1" "$(cat "$D/m1.t")" "$n" 2
python3 -c "print('ratio nmap -T5/wirekit %.2f, masscan/wirekit %.2f' % ($(cat "$D/n1.t") / $(cat "$D/w1.t"), $(cat "$D/m1.t") / $(cat "$D/w1.t")))"

fi
want mem && echo "== memory (max RSS), only 198.19.0.0/24 answers"
ip netns exec "$T" nft -f - <<NFT
table inet wkbench {
	chain in {
		type filter hook input priority 0; policy accept;
		ip daddr 198.19.1.0-198.19.255.255 drop
	}
}
NFT
rss() { # NAME ARGS...: max RSS in KiB of a complete scan
	local name=$1
	shift
	(cd "$D" && timeout 120 ip netns exec "$S" /usr/bin/time -f '%M' -o "$D/$name.rss" "$W" scan \
		"$@" --rate "$RATE" --wait 300 --max-retries 1 -oJ "$D/$name.json" >/dev/null 2>&1)
	tail -1 "$D/$name.rss"
}
if want mem; then
for kind in sn sS; do
	args=(-sn -PE)
	[ $kind = sS ] && args=(-sS -Pn -p80)
	line="wirekit scan ${args[*]}:"
	for set in 198.19.0.0/24 198.19.0.0/20 198.19.0.0/16; do
		line="$line ${set#*/}: $(rss "rss$kind" "${args[@]}" "$set") KiB,"
	done
	echo "${line%,}"
done
for np in 256 512; do
	(cd "$D" && ip netns exec "$S" /usr/bin/time -f "%M" -o "$D/rssp$np" timeout -s INT 3 "$W" scan \
		-sS -Pn -p1-$np 198.19.0.0/16 --rate "$RATE" --wait 200 -oJ "$D/rssp$np.json" >/dev/null 2>&1)
	echo "wirekit scan -sS -Pn 198.19.0.0/16 x $np ports ($((65536 * np)) positions, SIGINT after 3 s): $(tail -1 "$D/rssp$np") KiB"
done

fi
if want rate; then
echo "== --rate accuracy (SYNs counted and timed on the target's link; silent addresses)"
# pcap_rate FILE: "count rate" from the first to the last packet of a pcap
pcap_rate() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
if len(d) < 24:
    print("0 0"); sys.exit()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
nano = d[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
o, n, t0, t1 = 24, 0, None, None
while o + 16 <= len(d):
    s, f, cl, _ = struct.unpack(e + "IIII", d[o:o + 16])
    t = s + f / (1e9 if nano else 1e6)
    t0 = t if t0 is None else t0
    t1 = t
    n += 1
    o += 16 + cl
print(n, "%.0f" % ((n - 1) / (t1 - t0) if n > 1 and t1 > t0 else 0))
PY
}
# capture NAME CMD...: the SYNs to port 80 the command sends, counted on the target's side
capture() {
	local name=$1
	shift
	timeout 120 ip netns exec "$T" tcpdump -i "bt$$" -B 65536 -s 64 -nn -U -w "$D/$name.pcap" \
		'tcp[tcpflags] & tcp-syn != 0 and dst port 80' 2>"$D/$name.tcpdump" &
	CPID=$!
	for i in $(seq 100); do grep -q listening "$D/$name.tcpdump" && break; sleep 0.05; done
	(cd "$D" && timeout 120 ip netns exec "$S" "$@" >"$D/$name.out" 2>"$D/$name.err")
	sleep 0.5
	kill -INT "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
	pcap_rate "$D/$name.pcap"
}
for r in 1000 10000 100000; do
	case $r in # 2 to 3 s of probes (100k: 0.66 s), to silent addresses
	1000) set=198.19.8.0/21 ;;
	10000) set=198.19.128.0/17 ;;
	100000) set=198.19.0.0/16 ;; # the first /24 answers
	esac
	read -r n m < <(capture rw$r "$W" scan -sS -Pn -p80 "$set" --rate $r --max-retries 0 --wait 100 -oJ "$D/rw$r.json")
	read -r zn zm < <(capture rz$r zmap -p 80 -i "bs$$" -S 198.18.0.1 -G "$tmac" -b "$D/empty.blocklist" \
		-r $r -c 0 -o "$D/rz$r.csv" "$set")
	python3 -c "print('asked %6d pps: wirekit %6d probes at %7s pps (%.3f), zmap %6d probes at %7s pps (%.3f)' % ($r, $n, $m, $m / $r, $zn, $zm, $zm / $r))"
done
fi
ip netns exec "$T" nft delete table inet wkbench
