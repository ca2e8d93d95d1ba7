#!/usr/bin/env bash
# nmap -n as the oracle of wirekit scan on a slice of the scan lab (tests/net/scanlab.sh):
# 198.19.0.1-254 x 100 TCP ports with -sS and -sA, and -sn -PE over the /24. Every port
# nmap lists must have the same state and reason; the ports nmap folds into "Not shown"
# must have the same counts per state and reason (tests/oracle/scan_nmap_cmp.py).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../net/lib.sh"
need ip nft python3 timeout nmap
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
S=wkengos$$
G=wkengot$$
. "$here/../net/scanlab.sh"
lab_up || exit 1
CMP=$here/scan_nmap_cmp.py
PORTS=1-93,110,111,443,8080,9999,40000,50000
H=198.19.0.1-254

both() { # NAME NMAP-ARGS -- WIREKIT-ARGS
	local name=$1
	shift
	local na=() wa=()
	while [ "$1" != -- ]; do na+=("$1"); shift; done
	shift
	wa=("$@")
	(cd "$T" && TMO=240 inS nmap -n "${na[@]}" -oX "$T/$name.xml" >"$T/$name.nmap.out" 2>&1)
	TMO=120 inS "$W" scan "${wa[@]}" -oJ "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err"
}
cmp_ok() { # MODE NAME
	python3 "$CMP" "$1" "$T/$2.xml" "$T/$2.json" >"$T/$2.cmp" 2>&1
	local r=$?
	sed 's/^/    /' "$T/$2.cmp"
	return $r
}

both syn -sS -Pn --reason -T4 -p "$PORTS" "$H" -- -sS -Pn -p "$PORTS" "$H" --wait 500
check "-sS: same states and reasons as nmap" cmp_ok ports syn
both ack -sA -Pn --reason -T4 -p "$PORTS" "$H" -- -sA -Pn -p "$PORTS" "$H" --wait 500
check "-sA: same states and reasons as nmap" cmp_ok ports ack
both png -sn -PE -v --reason -T4 "$H" -- -sn -PE "$H" --wait 500
check "-sn -PE: same host states and reasons as nmap" cmp_ok hosts png
finish
