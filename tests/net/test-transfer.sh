#!/usr/bin/env bash
# Bulk and concurrency: a 64 MiB stream whose sha256 matches on both ends (through
# wirekit, with splice and without, and against ncat), half-close (the reply after our EOF
# still arrives), 100 concurrent clients against listen -k, and --broker.
. "$(dirname "$0")/lib.sh"
need ncat socat python3 ss timeout sha256sum

head -c 64M /dev/urandom >"$T/big"
want=$(sha256sum <"$T/big" | cut -c1-64)

# 64 MiB through wirekit listen | wirekit connect, both directions at once
for mode in splice no-splice; do
	opt=()
	[ $mode = no-splice ] && opt=(--no-splice)
	p=$(free_port)
	bg timeout 30 "$W" listen "${opt[@]}" 127.0.0.1 "$p" <"$T/big" >"$T/l.out"
	lp=$BGPID
	wait_port "$p"
	cat "$T/big" | timeout 30 "$W" connect "${opt[@]}" 127.0.0.1 "$p" | sha256sum | cut -c1-64 >"$T/c.sum"
	wait "$lp"
	check "64 MiB ($mode): listener exit 0" [ $? = 0 ]
	check "64 MiB ($mode): sha256 at the listener" [ "$(sha256sum <"$T/l.out" | cut -c1-64)" = "$want" ]
	check "64 MiB ($mode): sha256 at the client" [ "$(cat "$T/c.sum")" = "$want" ]
done
# and with ncat at the other end
p=$(free_port)
bg timeout 30 ncat -l 127.0.0.1 "$p" <"$T/big" >"$T/n.out"
np=$BGPID
wait_port "$p"
timeout 30 "$W" connect 127.0.0.1 "$p" <"$T/big" >"$T/c.out"
wait_pid "$np" 10
check "64 MiB with ncat: sha256 at ncat" [ "$(sha256sum <"$T/n.out" | cut -c1-64)" = "$want" ]
check "64 MiB with ncat: sha256 at wirekit" [ "$(sha256sum <"$T/c.out" | cut -c1-64)" = "$want" ]

# half-close: the server answers only after our EOF (sha256sum needs all of its input)
p=$(free_port)
bg timeout 30 socat -t 10 "TCP-LISTEN:$p,reuseaddr,bind=127.0.0.1" EXEC:sha256sum
wait_port "$p"
timeout 30 "$W" connect 127.0.0.1 "$p" <"$T/big" >"$T/reply"
check "half-close: the reply after our EOF arrives" [ "$(cut -c1-64 "$T/reply")" = "$want" ]
# and ours as the server: its late reply reaches a client that has already sent EOF
p=$(free_port)
bg timeout 10 "$W" listen 127.0.0.1 "$p" < <(sleep 1; echo late reply) >"$T/l.out"
wait_port "$p"
printf 'request\n' | timeout 10 "$W" connect 127.0.0.1 "$p" >"$T/c.out"
check "half-close: listener got the request" grep -q '^request$' "$T/l.out"
check "half-close: client got the late reply" grep -q '^late reply$' "$T/c.out"

# 100 concurrent clients, distinct data each (lines of varied length), against listen -k
p=$(free_port)
bg timeout 60 "$W" listen -k --recv-only 127.0.0.1 "$p" >"$T/k.out"
kp=$BGPID
wait_port "$p"
python3 - "$T" <<'PY'
import os, random, sys
t = sys.argv[1]
random.seed(5)
allx = []
for c in range(100):
    lines = []
    for j in range(60):
        n = random.choice([5, 40, 300, 5000])
        lines.append(f"c{c:03d} l{j:03d} " + "x" * n)
    open(f"{t}/cl{c}", "w").write("\n".join(lines) + "\n")
    allx += lines
open(f"{t}/k.want", "w").write("\n".join(sorted(allx)) + "\n")
PY
cpids=()
for c in $(seq 0 99); do
	if [ $((c % 2)) = 0 ]; then
		timeout 30 "$W" connect 127.0.0.1 "$p" <"$T/cl$c" >/dev/null &
	else
		timeout 30 ncat 127.0.0.1 "$p" <"$T/cl$c" >/dev/null &
	fi
	cpids+=($!)
done
PIDS+=("${cpids[@]}")
cfail=0
for c in "${cpids[@]}"; do wait "$c" || cfail=$((cfail + 1)); done
check "100 clients: all exited 0" [ $cfail = 0 ]
wait_file "$T/k.out" "$(stat -c %s "$T/k.want")"
kill "$kp"
sort "$T/k.out" >"$T/k.sorted"
check "100 clients: every line arrived whole, none lost or mixed" same_file "$T/k.sorted" "$T/k.want"
ordered=$(python3 - "$T/k.out" <<'PY'
import sys
last = {}
for line in open(sys.argv[1]):
    c, l = line.split()[:2]
    if last.get(c, "") > l:
        print("no"); sys.exit()
    last[c] = l
print("yes")
PY
)
check "100 clients: each client's lines in order" [ "$ordered" = yes ]

# --broker: one client's lines go to the others, not back to itself
p=$(free_port)
bg timeout 20 "$W" listen --broker 127.0.0.1 "$p" </dev/null >/dev/null
wait_port "$p"
(sleep 1.5) | timeout 10 "$W" connect 127.0.0.1 "$p" >"$T/b1" &
b1=$!
(sleep 1.5) | timeout 10 ncat 127.0.0.1 "$p" >"$T/b2" &
b2=$!
(sleep 0.7; echo "from A"; sleep 1) | timeout 10 "$W" connect 127.0.0.1 "$p" >"$T/ba" &
ba=$!
PIDS+=("$b1" "$b2" "$ba")
wait "$b1" "$b2" "$ba"
check "broker: B got A's line" grep -qx 'from A' "$T/b1"
check "broker: C got A's line" grep -qx 'from A' "$T/b2"
check "broker: A did not get its own line" [ ! -s "$T/ba" ]
finish
