#!/usr/bin/env bash
# Scan speed and memory, side by side in one run in a namespace lab (198.18.0.0/15 only):
# the target namespace answers for 198.19.0.0/16 (a local route on lo) and listens on
# port 80 (so every address has it open) and 22.
#   1. /16 x port 80 SYN: wirekit scan, zmap, masscan (and nmap -sS --min-rate 50000),
#      time and open ports missed (of 65,536), RUNS times each.
#   2. 1 host x 65,535 ports -sS: wirekit scan vs nmap -sS -T5 (and masscan).
#   3. RSS (/usr/bin/time -v) of a /24 x 1 port scan against a space of 2^25 positions
#      (198.19.0.0/16 x 512 ports, the size of a /8 x 2 ports; a /8 itself is outside the
#      lab's addresses), stopped by SIGINT after 3 s.
# Prints the ratios. usage: bench/scan.sh [WIREKIT] [RUNS] [RATE]   (root)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$top/build/wirekit}
RUNS=${2:-3}
RATE=${3:-100000}
[ "$(id -u)" = 0 ] || { echo "bench/scan.sh: needs root (namespaces, raw sockets)"; exit 1; }
S=wkengbs$$
T=wkengbt$$
D=$(mktemp -d /tmp/wkeng-bench.XXXXXX)
LPID=
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
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
timeout 600 ip netns exec "$T" python3 -c '
import socket, time
ss = []
for p in (22, 80):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(65535); ss.append(s)
time.sleep(600)' &
LPID=$!
sleep 1
: >"$D/empty.blocklist"
inS() { ip netns exec "$S" "$@"; }

# timed NAME CMD...: wall seconds of the command into $D/NAME.t
timed() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	(cd "$D" && timeout 300 "$@" >"$D/$name.out" 2>"$D/$name.err")
	t1=$(date +%s.%N)
	python3 -c "print('%.2f' % ($t1 - $t0))" >"$D/$name.t"
}
declare -A TIME MISS
row() { # NAME SECONDS OPEN EXPECTED
	local miss=$(($4 - $3))
	printf '%-44s %8s s %8s open %8s missed\n' "$1" "$2" "$3" "$miss"
}

echo "== 198.19.0.0/16 x port 80 SYN, rate $RATE, $RUNS runs each"
best() { sort -n | head -1; }
for r in $(seq "$RUNS"); do
	timed w inS "$W" scan -sS -Pn -p80 198.19.0.0/16 --rate "$RATE" --wait 500 -oJ "$D/w.json"
	n=$(grep -c '"state":"open"' "$D/w.json")
	row "wirekit scan -sS -Pn -p80 --rate $RATE" "$(cat "$D/w.t")" "$n" 65536
	echo "$(cat "$D/w.t") $n" >>"$D/w.all"
	timed z inS zmap -p 80 -i "bs$$" -S 198.18.0.1 -G "$tmac" --blocklist-file "$D/empty.blocklist" \
		-r "$RATE" -c 1 -o "$D/z.csv" 198.19.0.0/16
	n=$(sort -u "$D/z.csv" | grep -c '^198')
	row "zmap -r $RATE -c 1" "$(cat "$D/z.t")" "$n" 65536
	echo "$(cat "$D/z.t") $n" >>"$D/z.all"
	rm -f "$D/m.list"
	timed m inS masscan 198.19.0.0/16 -p80 --rate "$RATE" --adapter "bs$$" --adapter-ip 198.18.0.1 \
		--router-mac "$tmac" --wait 1 -oL "$D/m.list"
	n=$(grep -c '^open' "$D/m.list")
	row "masscan --rate $RATE --wait 1" "$(cat "$D/m.t")" "$n" 65536
	echo "$(cat "$D/m.t") $n" >>"$D/m.all"
done
timed n inS nmap -n -Pn -sS -p80 --min-rate 50000 198.19.0.0/16 -oG "$D/n.gnmap"
n=$(grep -c '80/open' "$D/n.gnmap")
row "nmap -sS -Pn -p80 --min-rate 50000" "$(cat "$D/n.t")" "$n" 65536
med() { awk '{print $1}' "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
missmax() { awk '{m = 65536 - $2; if (m > x) x = m} END {print x + 0}' "$1"; }
wm=$(med "$D/w.all")
zm=$(med "$D/z.all")
mm=$(med "$D/m.all")
echo "median: wirekit $wm s, zmap $zm s, masscan $mm s, nmap $(cat "$D/n.t") s"
echo "most missed in a run: wirekit $(missmax "$D/w.all"), zmap $(missmax "$D/z.all"), masscan $(missmax "$D/m.all")"
python3 -c "print('ratio zmap/wirekit %.2f, masscan/wirekit %.2f, nmap/wirekit %.2f' % ($zm / $wm, $mm / $wm, $(cat "$D/n.t") / $wm))"

echo "== 198.19.0.1 x 65,535 ports -sS"
timed w1 inS "$W" scan -sS -Pn -p- 198.19.0.1 --rate 300000 --wait 200 -oJ "$D/w1.json"
n=$(grep -c '"state":"open"' "$D/w1.json")
c=$(grep -c '"state":"closed"' "$D/w1.json")
row "wirekit scan -sS -Pn -p- --rate 300000" "$(cat "$D/w1.t")" "$n" 2
echo "    closed: $c of 65533"
timed n1 inS nmap -n -Pn -sS -T5 -p- 198.19.0.1 -oG "$D/n1.gnmap"
n=$(grep -o '[0-9]*/open' "$D/n1.gnmap" | wc -l)
row "nmap -sS -T5 -Pn -p-" "$(cat "$D/n1.t")" "$n" 2
rm -f "$D/m1.list"
timed m1 inS masscan 198.19.0.1 -p1-65535 --rate 300000 --adapter "bs$$" --adapter-ip 198.18.0.1 \
	--router-mac "$tmac" --wait 1 -oL "$D/m1.list"
n=$(grep -c '^open' "$D/m1.list")
row "masscan -p1-65535 --rate 300000 --wait 1" "$(cat "$D/m1.t")" "$n" 2
python3 -c "print('ratio nmap -T5/wirekit %.2f, masscan/wirekit %.2f' % ($(cat "$D/n1.t") / $(cat "$D/w1.t"), $(cat "$D/m1.t") / $(cat "$D/w1.t")))"

echo "== memory (max RSS)"
(cd "$D" && timeout 60 ip netns exec "$S" /usr/bin/time -f '%M' -o "$D/rss24" "$W" scan -sS -Pn -p80 \
	198.19.0.0/24 --rate 10000 --wait 200 -oJ "$D/r24.json" >/dev/null 2>&1)
(cd "$D" && ip netns exec "$S" /usr/bin/time -f "%M" -o "$D/rss25" timeout -s INT 3 "$W" scan -sS -Pn \
	-p1-512 198.19.0.0/16 --rate "$RATE" --wait 200 -oJ "$D/r25.json" >/dev/null 2>&1)
sleep 1
echo "wirekit /24 x 1 port: $(tail -1 "$D/rss24") KiB; 2^25 positions (3 s, then SIGINT): $(tail -1 "$D/rss25") KiB"
