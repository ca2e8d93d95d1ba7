#!/usr/bin/env bash
# Connect scan (-sT) of one host x 65,535 ports, nmap and wirekit in the same lab in one
# run: a scanner namespace and a target namespace on veth (198.18.0.1 -> 198.19.0.1, a
# local route on the target's lo, no default route), listeners on a few ports; with
# FIREWALL=1 (default) nftables also drops some ports and rejects others with
# admin-prohibited. Prints each tool's best time of RUNS, whether every run was exact
# (every port's state against the lab's configuration) and wirekit's speed ratio.
# usage: sudo bench/scan-connect.sh [BUILD] (env RUNS=3, FIREWALL=1, NMAP_T=-T5)
set -u
B=${1:-${BUILD:-build}}
RUNS=${RUNS:-3}
FIREWALL=${FIREWALL:-1}
NMAP_T=${NMAP_T:--T5}
HELPER=${SCAN_HELPER:-$B/tests/scan_connect_helper}
W=$B/wirekit
[ "$(id -u)" = 0 ] || { echo "scan-connect.sh: needs root (network namespaces)"; exit 1; }
for t in nmap nft ip python3; do
	command -v $t >/dev/null || { echo "scan-connect.sh: $t missing (bash scripts/deps.sh --peers)"; exit 1; }
done
[ -x "$HELPER" ] || { echo "scan-connect.sh: build $HELPER first (ninja -C $B)"; exit 1; }

S=wkbs$$ TN=wkbt$$
OPEN="1 22 80 443 1000 3306 8080 40000 65535"
DROP="25 111 3000 3001 3002 3003 3004 60001"
REJECT="135 139 445 5000 5001 5002 65534"
[ "$FIREWALL" = 1 ] || DROP="" REJECT=""
tmp=$(mktemp -d)
lp=""
cleanup() {
	[ -n "$lp" ] && kill "$lp" 2>/dev/null && wait "$lp" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$TN" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$(dirname "$0")/../tests/net/connectlab.sh"
scanlab_up "$S" "$TN" || exit 1
if [ "$FIREWALL" = 1 ]; then
	ip netns exec "$TN" nft -f - <<-EOF || exit 1
		table ip wkb {
			chain input {
				type filter hook input priority 0; policy accept;
				tcp dport { $(echo $DROP | tr ' ' ,) } drop
				tcp dport { $(echo $REJECT | tr ' ' ,) } reject with icmp type admin-prohibited
			}
		}
	EOF
fi
scanlab_listener "$tmp/listen.py"
timeout 900 ip netns exec "$TN" python3 "$tmp/listen.py" $OPEN &
lp=$!
for _ in $(seq 250); do [ -f "$tmp/listen.py.ready" ] && break; sleep 0.02; done

# the truth: "PORT STATE" for every port
python3 - "$OPEN" "$DROP $REJECT" >"$tmp/truth" <<'PY'
import sys
opn, filt = set(sys.argv[1].split()), set(sys.argv[2].split())
for p in range(1, 65536):
    print(p, "open" if str(p) in opn else "filtered" if str(p) in filt else "closed")
PY

# one run: prints "MS exact|WRONG"
run() { # tool
	local t0 t1 ok
	t0=$(date +%s%N)
	case $1 in
	nmap)
		ip netns exec "$S" timeout 600 nmap -n -Pn -sT $NMAP_T -p- -oG "$tmp/nmap.g" 198.19.0.1 \
			>/dev/null 2>&1
		t1=$(date +%s%N)
		scanlab_norm_nmap "$tmp/nmap.g" 1 65535 | cut -d' ' -f2- >"$tmp/got"
		;;
	wirekit-lib)
		ip netns exec "$S" timeout 600 "$HELPER" 1-65535 198.19.0.1 >"$tmp/raw" 2>/dev/null
		t1=$(date +%s%N)
		awk '{print $2, $3}' "$tmp/raw" | sort -n >"$tmp/got"
		;;
	wirekit-cli)
		ip netns exec "$S" timeout 600 "$W" scan -sT -n -Pn -p- -oG "$tmp/wk.g" 198.19.0.1 \
			>/dev/null 2>&1
		t1=$(date +%s%N)
		scanlab_norm_nmap "$tmp/wk.g" 1 65535 | cut -d' ' -f2- >"$tmp/got"
		;;
	esac
	if cmp -s "$tmp/got" "$tmp/truth"; then ok=exact; else ok=WRONG; fi
	echo "$(((t1 - t0) / 1000000)) $ok"
}

tools=(nmap wirekit-lib)
"$W" scan --help 2>&1 | grep -q -- '-sT' && tools+=(wirekit-cli)
declare -A best exact
for t in "${tools[@]}"; do best[$t]=0 exact[$t]=yes; done
for r in $(seq "$RUNS"); do
	for t in "${tools[@]}"; do
		read -r ms ok < <(run "$t")
		printf '  run %d %-12s %6d ms  %s\n' "$r" "$t" "$ms" "$ok"
		[ "$ok" = exact ] || exact[$t]=no
		if [ "${best[$t]}" = 0 ] || [ "$ms" -lt "${best[$t]}" ]; then best[$t]=$ms; fi
	done
done
echo "1 host x 65,535 ports, -sT, firewall=$FIREWALL ($(echo $OPEN | wc -w) open," \
	"$(echo $DROP | wc -w) dropped, $(echo $REJECT | wc -w) admin-prohibited), best of $RUNS:"
for t in "${tools[@]}"; do
	line=$(printf '  %-12s %6d ms  exact in every run: %s' "$t" "${best[$t]}" "${exact[$t]}")
	if [ "$t" != nmap ] && [ "${best[$t]}" -gt 0 ]; then
		ratio=$(awk -v a="${best[nmap]}" -v b="${best[$t]}" 'BEGIN { printf "%.2f", a / b }')
		line+="  ${ratio}x nmap $NMAP_T's speed"
	fi
	echo "$line"
done
