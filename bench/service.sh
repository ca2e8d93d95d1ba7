#!/usr/bin/env bash
# Version detection over the service lab (tests/net/svclab.sh: real daemons in a network
# namespace) by wirekit's engine and by nmap -sV, same ports, same run; RUNS each (best
# kept), then the ratio and whether the answers (service, product, version) are the same.
# Then --banners over a /16 (the AnyIP lab: the target namespace answers for 198.19.0.0/16
# on its lo, one greeting server, tests/net/banner_srv.c, on port 2121 for every address):
# the engine alone (svc_probe) and `wirekit scan -sS --banners` end to end, connections per
# second and banners lost (a host whose greeting was not captured); nmap's banner script
# over a /22 of the same lab (NMAP_BLOCK) for the ratio.
# usage: sudo bench/service.sh [BUILD] (env RUNS, default 3; BANNERS_ONLY=1 skips -sV;
# PARALLEL, default 1024: banner connections in flight, engine and scan alike). Needs root.
set -u
BUILD=${1:-${BUILD:-build}}
BUILD=$(cd "$BUILD" && pwd)
RUNS=${RUNS:-3}
export WIREKIT=$BUILD/wirekit
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/net/lib.sh"
. "$top/tests/net/svclab.sh"
SVC=$BUILD/tests/svc_probe
SRV=$BUILD/tests/banner_srv
[ -x "$SVC" ] && [ -x "$SRV" ] || { echo "service.sh: $SVC or $SRV missing (ninja -C $BUILD)"; exit 1; }
command -v nmap >/dev/null || { echo "service.sh: nmap missing (scripts/deps.sh --lab)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "service.sh: needs root (network namespaces)"; exit 1; }
best() { sort -n | head -1; }
now() { date +%s.%N; }

# --- --banners over a /16 with one open port per host
banners_16() {
	local bs=wkbbs$$ bt=wkbbt$$ par=${PARALLEL:-1024}
	ip netns add $bs && NETNS+=($bs) && ip netns add $bt && NETNS+=($bt) || return 1
	ip link add wkbb$$a netns $bs type veth peer name wkbb$$b netns $bt || return 1
	ip -n $bs addr add 198.18.78.1/24 dev wkbb$$a
	ip -n $bt addr add 198.18.78.2/24 dev wkbb$$b
	for ns in $bs $bt; do ip -n $ns link set lo up; done
	ip -n $bs link set wkbb$$a up
	ip -n $bt link set wkbb$$b up
	ip -n $bt route add local 198.19.0.0/16 dev lo
	ip -n $bs route add 198.19.0.0/16 via 198.18.78.2
	ip netns exec $bt sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
	ip netns exec $bs sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	bg ip netns exec $bt "$SRV" 2121
	wait_port 2121 t $bt || return 1
	local i line
	for i in $(seq "$RUNS"); do
		line=$(ip netns exec $bs "$SVC" --banners -q -P "$par" 198.19.0.0/16 T:2121 2>/dev/null)
		echo "engine run $i: $line"
	done
	# nmap's banner script on a /22 of the same lab (a /16 would take it too long): hosts/s
	local nb=${NMAP_BLOCK:-22} a b
	a=$(now)
	timeout 900 ip netns exec $bs nmap -n -Pn -sS -p 2121 --script banner -oX "$T/nb.xml" \
		"198.19.0.0/$nb" >/dev/null 2>&1
	b=$(now)
	printf 'nmap -sS --script banner /%d: %.2f s, %d of %d banners, %.0f hosts/s\n' "$nb" \
		"$(echo "$b - $a" | bc)" "$(grep -c 'output="220 wkbench' "$T/nb.xml")" \
		$((1 << (32 - nb))) "$(echo "$((1 << (32 - nb))) / ($b - $a)" | bc -l)"
	for i in $(seq "$RUNS"); do
		a=$(now)
		timeout 300 ip netns exec $bs /usr/bin/time -f %M -o "$T/b16.$i.rss" "$W" scan -sS \
			--banners --max-parallelism "$par" -Pn -p 2121 --rate 200000 -oJ "$T/b16.$i.json" \
			198.19.0.0/16 >/dev/null 2>"$T/b16.err"
		b=$(now)
		local got
		got=$(grep -c '"banner_b64":"MjIwIHdrYmVuY2gg' "$T/b16.$i.json")
		printf 'wirekit scan -sS --banners /16 run %d: %.2f s, %d of 65536 banners, %.0f hosts/s, max RSS %s KiB\n' \
			"$i" "$(echo "$b - $a" | bc)" "$got" "$(echo "65536 / ($b - $a)" | bc -l)" \
			"$(tail -1 "$T/b16.$i.rss")"
	done
	# memory is bounded by the parallelism, not by the targets: the same scan of a /22
	timeout 300 ip netns exec $bs /usr/bin/time -f %M -o "$T/b22.rss" "$W" scan -sS --banners \
		--max-parallelism "$par" -Pn -p 2121 --rate 200000 -oJ "$T/b22.json" 198.19.0.0/22 \
		>/dev/null 2>&1
	printf 'wirekit scan -sS --banners /22 (1,024 hosts): max RSS %s KiB, %d banners\n' \
		"$(tail -1 "$T/b22.rss")" "$(grep -c '"banner_b64":"MjIwIHdrYmVuY2gg' "$T/b22.json")"
}
if [ "${BANNERS_ONLY:-0}" = 1 ]; then
	banners_16 || echo "service.sh: the /16 banner lab did not come up"
	exit 0
fi

lab_up >/dev/null || { echo "service.sh: lab did not come up"; exit 1; }
read -r -a spec <<<"$(lab_portspec)"
tl=$(IFS=,; echo "${TCP_PORTS[*]}")
ul=$(IFS=,; echo "${UDP_PORTS[*]}")
echo "lab: ${LAB_DAEMONS[*]}; ports ${spec[*]}"
for i in $(seq "$RUNS"); do
	a=$(now)
	ip netns exec "$SNS" "$SVC" -sV "$TADDR" "${spec[@]}" >"$T/ours.$i" 2>/dev/null
	b=$(now)
	ip netns exec "$SNS" nmap -sS -sU -sV -n -Pn -p "T:$tl,U:$ul" -oX "$T/nmap.$i.xml" "$TADDR" \
		>/dev/null 2>&1
	c=$(now)
	echo "$b - $a" | bc >>"$T/t.ours"
	echo "$c - $b" | bc >>"$T/t.nmap"
done
ours=$(best <"$T/t.ours")
theirs=$(best <"$T/t.nmap")
same=$(python3 - "$T/ours.1" "$T/nmap.1.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
ours = {}
for l in open(sys.argv[1]):
    f = l.rstrip("\n").split("\t")
    ours[(f[0], int(f[1]))] = (f[2], f[3], f[4])
n = same = 0
for p in ET.parse(sys.argv[2]).getroot().iter("port"):
    s = p.find("service")
    if s is None or not p.find("state").get("state").startswith("open"):
        continue
    name = ("ssl/" if s.get("tunnel") == "ssl" else "") + s.get("name", "")
    n += 1
    same += ours.get((p.get("protocol"), int(p.get("portid")))) == (name, s.get("product", ""), s.get("version", ""))
print("%d/%d" % (same, n))
PY
)
printf 'wirekit -sV %6.2f s   nmap -sV %6.2f s   ratio %.1fx   same answers %s ports\n' \
	"$ours" "$theirs" "$(echo "$theirs / $ours" | bc -l)" "$same"
banners_16 || echo "service.sh: the /16 banner lab did not come up"
