#!/usr/bin/env bash
# Loopback TCP throughput of one large stream through a listen/connect pair:
#   head -c SIZE /dev/zero | TOOL connect 127.0.0.1 P   ->   TOOL listen P | wc -c
# for wirekit, ncat and socat in one run; prints MB/s and wirekit's ratio to each.
# usage: bench/relay.sh [WIREKIT] (env SIZE, default 4G; RUNS, default 3, best run kept)
set -u
W=${1:-${WIREKIT:-build/wirekit}}
SIZE=${SIZE:-4G}
RUNS=${RUNS:-3}
TMO=${TMO:-300}
bytes=$(numfmt --from=iec "$SIZE")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
tmp=$(mktemp -d)
trap cleanup EXIT
. "$(dirname "$0")/peers.sh"
need_peers bench/relay.sh ncat socat
[ -x "$W" ] || { echo "relay.sh: no wirekit binary at $W"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_listen() { # port
	for _ in $(seq 100); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.02
	done
	return 1
}

# one run: prints seconds (or FAIL)
one() { # tool
	local p
	p=$(free_port)
	case $1 in
	wirekit) lcmd=("$W" listen 127.0.0.1 "$p"); ccmd=("$W" connect 127.0.0.1 "$p") ;;
	wirekit-rw) lcmd=("$W" listen --no-splice 127.0.0.1 "$p"); ccmd=("$W" connect --no-splice 127.0.0.1 "$p") ;;
	ncat) lcmd=(ncat -l 127.0.0.1 "$p"); ccmd=(ncat --send-only 127.0.0.1 "$p") ;;
	socat) lcmd=(socat -u "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr" STDOUT)
	       ccmd=(socat -u STDIN "TCP:127.0.0.1:$p") ;;
	esac
	timeout "$TMO" "${lcmd[@]}" </dev/null | wc -c >"$tmp/count" &
	local lp=$!
	pids+=("$lp")
	wait_listen "$p" || { echo FAIL; return; }
	local t0 t1
	t0=$(date +%s%N)
	head -c "$bytes" /dev/zero | timeout "$TMO" "${ccmd[@]}"
	wait "$lp"
	t1=$(date +%s%N)
	if [ "$(cat "$tmp/count")" != "$bytes" ]; then
		echo FAIL
		return
	fi
	echo $(((t1 - t0) / 1000000))
}

declare -A best
tools=(wirekit wirekit-rw ncat socat)
for r in $(seq "$RUNS"); do
	for t in "${tools[@]}"; do
		ms=$(one "$t")
		if [ "$ms" != FAIL ] && { [ -z "${best[$t]:-}" ] || [ "$ms" -lt "${best[$t]}" ]; }; then
			best[$t]=$ms
		fi
	done
done
echo "loopback TCP relay, $SIZE from head|connect to listen|wc -c, best of $RUNS"
for t in "${tools[@]}"; do
	ms=${best[$t]:-}
	if [ -z "$ms" ]; then
		printf '  %-11s FAILED\n' "$t"
		continue
	fi
	printf '  %-11s %8.0f MB/s  (%d ms)\n' "$t" "$(echo "$bytes / $ms / 1000" | bc -l)" "$ms"
done
w=${best[wirekit]:-}
if [ -n "$w" ]; then
	for t in wirekit-rw ncat socat; do
		[ -n "${best[$t]:-}" ] && printf '  wirekit / %-10s speed ratio %.2f\n' "$t" \
			"$(echo "${best[$t]} / $w" | bc -l)"
	done
fi
