#!/usr/bin/env bash
# Version detection over the service lab (tests/net/svclab.sh: real daemons in a network
# namespace) by wirekit's engine and by nmap -sV, same ports, same run; RUNS each (best
# kept), then the ratio and whether the answers (service, product, version) are the same.
# usage: sudo bench/service.sh [BUILD] (env RUNS, default 3). Needs root (namespaces).
set -u
BUILD=${1:-${BUILD:-build}}
BUILD=$(cd "$BUILD" && pwd)
RUNS=${RUNS:-3}
export WIREKIT=$BUILD/wirekit
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/net/lib.sh"
. "$top/tests/net/svclab.sh"
SVC=$BUILD/tests/svc_probe
[ -x "$SVC" ] || { echo "service.sh: $SVC missing (ninja -C $BUILD)"; exit 1; }
command -v nmap >/dev/null || { echo "service.sh: nmap missing (scripts/deps.sh --lab)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "service.sh: needs root (network namespaces)"; exit 1; }
lab_up >/dev/null || { echo "service.sh: lab did not come up"; exit 1; }
read -r -a spec <<<"$(lab_portspec)"
tl=$(IFS=,; echo "${TCP_PORTS[*]}")
ul=$(IFS=,; echo "${UDP_PORTS[*]}")
echo "lab: ${LAB_DAEMONS[*]}; ports ${spec[*]}"

best() { sort -n | head -1; }
now() { date +%s.%N; }
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
