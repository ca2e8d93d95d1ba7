#!/usr/bin/env bash
# wirekit scan's host discovery before a connect scan, as nmap's, in the scan lab
# (tests/net/scanlab.sh: 198.19.0.x answer pings, their TCP 25 is dropped, .20-.23 drop
# everything, .24 rejects with admin-prohibited), each compared with nmap -n run the same
# way on the same lab: as root, -sT pings first (host up with echo-reply, a filtered port
# still reported; silent hosts down and never connected to); as an unprivileged user
# (setpriv to nobody, no CAP_NET_RAW), the default scan (connect) and -sn discover by
# connects to TCP 80 and 443 (syn-ack, conn-refused), -PS ports instead when given. Then
# -sT with discovery keeps --shard, --resume-file, -Z and --pcapng working.
. "$(dirname "$0")/lib.sh"
need ip nft python3 timeout nmap setpriv tshark
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
S=wkcdis$$ # scanner
G=wkcdit$$ # target
LAB=$(dirname "$0")/scanlab.py
. "$(dirname "$0")/scanlab.sh"
lab_up || exit 1
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)
SILENT="198.19.0.20-23"

# pair NAME [setpriv...] -- ARGS...: wirekit scan ARGS and nmap -n ARGS, both text; then
# $T/NAME.{wk,nm} hold the lines both print about hosts and ports (latency and times out)
pair() {
	local name=$1 pre=()
	shift
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	(cd "$T" && inS "${pre[@]}" "$W" scan "$@" >"$T/$name.wko" 2>"$T/$name.wke")
	echo $? >"$T/$name.rc"
	(cd "$T" && TMO=120 inS "${pre[@]}" nmap -n "$@" >"$T/$name.nmo" 2>&1)
	norm <"$T/$name.wko" >"$T/$name.wk"
	norm <"$T/$name.nmo" >"$T/$name.nm"
}
# (-v's down hosts come as decided, so in address order here; nmap's text leaves their
# reason out even with --reason, ours names it: compared without it)
norm() {
	sed -E 's/^Nmap /wirekit /; s/ \([0-9.]+s latency\)//; s/ scanned in .*//' |
		sed -E 's/\[host down, received [a-z-]+\]/[host down]/' >"$T/norm.tmp"
	grep -E '\[host down\]$' "$T/norm.tmp" | sort -V
	grep -E '^(wirekit scan report|Host is up|PORT|[0-9]+/tcp|wirekit done)' "$T/norm.tmp" |
		grep -v '\[host down\]$'
}
same() { # same NAME: exit 0 and the lines nmap prints
	[ "$(cat "$T/$1.rc")" = 0 ] || { echo "    exit $(cat "$T/$1.rc"): $(head -3 "$T/$1.wke")"; return 1; }
	[ -s "$T/$1.nm" ] || { echo "    nmap said nothing: $(head -3 "$T/$1.nmo")"; return 1; }
	diff "$T/$1.nm" "$T/$1.wk" | sed 's/^/    /'
	cmp -s "$T/$1.nm" "$T/$1.wk"
}

# 1. root -sT: the ping decides the host (echo-reply), a dropped port is still reported
pair t25 -- -sT -p25 --reason 198.19.0.5
check "-sT -p25 (root): host up echo-reply, 25 filtered, as nmap" same t25
check "-sT -p25 (root): 1 host up" grep -q '^wirekit done: 1 IP address (1 host up)' "$T/t25.wk"
# 2. root -sT over silent hosts: down (-v lists them as nmap does), no connect to them
pair tsil -- -sT -v -p22,25 --reason --packet-trace "$SILENT" 198.19.0.5
check "-sT (root) over silent hosts: down, .5 up with echo-reply, as nmap" same tsil
check "-sT (root): no connect to a silent host (nmap neither)" bash -c "
	! grep -E '^CONN .* > 198\.19\.0\.2[0-3]:' '$T/tsil.wko' &&
	! grep -E '^CONN .* > 198\.19\.0\.2[0-3]:' '$T/tsil.nmo' &&
	grep -qE '^CONN .* > 198\.19\.0\.5:25' '$T/tsil.wko'"
# 3. unprivileged: the default scan falls back to connects and discovers by connects to
# 80 and 443 (host syn-ack, not the scanned ports' conn-refused; a host of filtered ports
# is up; silent hosts and the admin-prohibited one are down)
pair uscan "${NOBODY[@]}" -- -p25,1000 --reason -v "$SILENT" 198.19.0.24 198.19.0.5-6
check "unprivileged default scan: connect-ping discovery, as nmap" same uscan
check "unprivileged default scan: the fallback notice" grep -q 'connect scan (-sT) instead of SYN' "$T/uscan.wke"
pair usn "${NOBODY[@]}" -- -sn --reason "$SILENT" 198.19.0.24 198.19.0.1-6
check "unprivileged -sn: exit 0, the connect-ping sweep, as nmap" same usn
pair usn25 "${NOBODY[@]}" -- -sn -PS25 --reason 198.19.0.1-3
check "unprivileged -sn -PS25: pings to 25 only (every host down), as nmap" same usn25
check "unprivileged -sn -PS25: 0 hosts up" grep -q '(0 hosts up)' "$T/usn25.wk"
pair usn22 "${NOBODY[@]}" -- -sn -PS22,25 --reason 198.19.0.1-3
check "unprivileged -sn -PS22,25: up by 22, as nmap" same usn22

# 4. -sT with discovery (root) keeps the position space of the connect scan: shards are
# disjoint and together the truth of the up hosts' ports; the silent hosts get none
js_silent_none() { # FILES...: no port record of .20-.23
	! cat "$@" | grep '"port"' | grep -qE '"198\.19\.0\.2[0-3]"'
}
for k in 1 2; do
	inS "$W" scan -sT -p22,25,1000 --reason --seed 7 --shard "$k/2" --wait 300 --max-retries 2 \
		198.19.0.1-6 "$SILENT" -oJ "$T/sh$k.json" >"$T/sh$k.out" 2>"$T/sh$k.err"
	echo $? >"$T/sh$k.rc"
done
check "-sT --shard 1/2, 2/2: exit 0" bash -c "[ \$(cat $T/sh1.rc $T/sh2.rc | sort -u) = 0 ]"
check "-sT shards: disjoint" python3 "$LAB" disjoint "$T/sh1.json" "$T/sh2.json"
check "-sT shards: union = the up hosts' truth" python3 "$LAB" check connect 1-6 22,25,1000 \
	"$T/sh1.json" "$T/sh2.json"
check "-sT shards: no port of a silent host" js_silent_none "$T/sh1.json" "$T/sh2.json"
# resume: SIGINT in the connects, --resume: the union is the truth
RP=$(seq -s, 1 120)
(cd "$T" && exec ip netns exec "$S" timeout 60 "$W" scan -sT -p "$RP" --rate 150 --seed 3 \
	--max-retries 2 --resume-file "$T/r.resume" 198.19.0.1-6 "$SILENT" -oJ "$T/r1.json" \
	>"$T/r1.out" 2>"$T/r1.err") &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 1000); do # at most 20 s
	n=$(grep -c '"port"' "$T/r1.json" 2>/dev/null)
	[ "${n:-0}" -ge 150 ] && break
	sleep 0.02
done
kill -INT "$RPID"
wait_pid "$RPID" 30 || kill -KILL "$RPID"
wait "$RPID"
rrc=$?
check "-sT SIGINT in the connects: exit 130 with a position" bash -c \
	"[ $rrc = 130 ] && grep -q '^position=[1-9]' '$T/r.resume'"
inS "$W" scan --resume "$T/r.resume" >"$T/r2.out" 2>"$T/r2.err"
r2rc=$?
check "-sT --resume: exit 0, union = the up hosts' truth, no silent host's port" bash -c \
	"[ $r2rc = 0 ] && python3 '$LAB' check connect 1-6 '$RP' '$T/r1.json' >'$T/r.cmp' &&
	 ! grep '\"port\"' '$T/r1.json' | grep -qE '\"198\.19\.0\.2[0-3]\"' || { sed 's/^/    /' '$T/r.cmp'; false; }"
# 5. --pcapng (opened before the drop) and -Z: the pings and the connects to the up hosts
# are recorded, none to a silent host; the scan runs as nobody once its sockets are open
ip netns exec "$S" timeout 60 "$W" scan -sT -p22,25 --rate 40 --max-retries 2 -Z nobody \
	198.19.0.1-6 "$SILENT" -oJ "$T/z.json" --pcapng "$T/z.pcapng" >"$T/z.out" 2>"$T/z.err" &
ZPID=$!
PIDS+=("$ZPID")
uids=
for _ in $(seq 200); do # the uids once they are not root's (at most 10 s)
	sleep 0.05
	u=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$ZPID/status 2>/dev/null)
	for c in $(cat /proc/$ZPID/task/*/children 2>/dev/null); do
		[ "$(cat /proc/$c/comm 2>/dev/null)" = wirekit ] &&
			u=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$c/status 2>/dev/null)
	done
	[ -n "$u" ] && [ "$u" != "0 0 0 0" ] && { uids=$u; break; }
done
wait_pid "$ZPID" 60
wait "$ZPID"
zrc=$?
check "-sT -Z nobody --pcapng: exit 0, ran as nobody ($uids)" \
	[ "$zrc" = 0 ] && [ "$uids" = "65534 65534 65534 65534" ]
check "-sT --pcapng: the JSON is the up hosts' truth" python3 "$LAB" check connect 1-6 22,25 "$T/z.json"
check "-sT --pcapng: echo requests recorded, SYNs to 22 and 25 of the up hosts, none to a silent one" bash -c "
	[ \$(tshark -r '$T/z.pcapng' -Y 'icmp.type==8 && ip.dst==198.19.0.20' 2>/dev/null | wc -l) -ge 1 ] &&
	[ \$(tshark -r '$T/z.pcapng' -Y 'ip.src==198.18.0.1 && tcp.flags==0x002 && (tcp.dstport==22 || tcp.dstport==25) && ip.dst>=198.19.0.20 && ip.dst<=198.19.0.23' 2>/dev/null | wc -l) = 0 ] &&
	for h in 1 2 3 4 5 6; do for p in 22 25; do
		[ \$(tshark -r '$T/z.pcapng' -Y \"ip.src==198.18.0.1 && tcp.flags==0x002 && ip.dst==198.19.0.\$h && tcp.dstport==\$p\" 2>/dev/null | wc -l) -ge 1 ] || exit 1
	done; done"

# 6. unprivileged -sn --shard: each target in one shard, the up ones = 1-6
for k in 1 2; do
	inS "${NOBODY[@]}" "$W" scan -sn --seed 11 --shard "$k/2" 198.19.0.1-6 "$SILENT" \
		-oJ - >"$T/n$k.json" 2>"$T/n$k.err" # (nobody may not write in $T)
	echo $? >"$T/n$k.rc"
done
sn_shards() { # FILES...: every target in one file, the up ones .1-.6
	python3 - "$@" <<-'PY'
	import json, sys
	seen, up = [], set()
	for f in sys.argv[1:]:
	    for l in open(f):
	        o = json.loads(l)
	        if "state" in o and "port" not in o:
	            seen.append(o["ip"])
	            if o["state"] == "up":
	                up.add(o["ip"])
	want = ["198.19.0.%d" % i for i in list(range(1, 7)) + list(range(20, 24))]
	assert sorted(seen) == sorted(want), sorted(seen)
	assert up == {"198.19.0.%d" % i for i in range(1, 7)}, up
	PY
}
check "unprivileged -sn --shard 1/2, 2/2: exit 0" bash -c "[ \$(cat $T/n1.rc $T/n2.rc | sort -u) = 0 ]"
check "unprivileged -sn shards: each target once, up = .1-.6" sn_shards "$T/n1.json" "$T/n2.json"

finish
