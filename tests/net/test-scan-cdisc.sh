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

finish
