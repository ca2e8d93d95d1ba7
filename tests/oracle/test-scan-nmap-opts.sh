#!/usr/bin/env bash
# nmap's everyday options against nmap itself on the scan lab (tests/net/scanlab.sh):
# --open (text, grepable and XML reports the same as nmap's, tests/oracle/scan_nmap_report.py;
# JSON Lines without the records --open leaves out), -v (the "Discovered open port" lines
# and the "[host down]" reports nmap prints), -r (ports in order per host, shards still
# disjoint with a full union), the probe shaping options --ttl, --data-length and
# --badsum (the probes carry them, in the --pcapng record and on the wire as nmap's do), and
# --packet-trace (nmap's SENT, RCVD and CONN lines: one per probe and reply of the record).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../net/lib.sh"
need ip nft python3 timeout nmap
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
S=wkopts$$
G=wkoptt$$
. "$here/../net/scanlab.sh"
lab_up || exit 1
REP=$here/scan_nmap_report.py
LAB=$here/../net/scanlab.py

# both NAME ARGS...: the same scan by nmap -n and by us, each written as text, XML and
# grepable (and JSON Lines for us); stdout kept. WX: more arguments for us only.
WX=()
both() {
	local name=$1
	shift
	(cd "$T" && TMO=120 inS nmap -n "$@" -oN "$T/$name.n.nmap" -oX "$T/$name.n.xml" \
		-oG "$T/$name.n.gnmap" >"$T/$name.n.out" 2>&1)
	(cd "$T" && TMO=120 inS "$W" scan "$@" "${WX[@]}" --wait 300 -oN "$T/$name.w.nmap" -oX "$T/$name.w.xml" \
		-oG "$T/$name.w.gnmap" -oJ "$T/$name.w.json" >"$T/$name.w.out" 2>"$T/$name.w.err")
}
same() { # MODE NAME EXT
	python3 "$REP" "$1" "$T/$2.n.$3" "$T/$2.w.$3" >"$T/$2.$3.cmp" 2>&1
	local r=$?
	[ $r = 0 ] || sed 's/^/    /' "$T/$2.$3.cmp"
	return $r
}
reports() { # NAME WHAT: text, grepable and XML the same as nmap's
	check "$2: text as nmap's" same text "$1" nmap
	check "$2: grepable as nmap's" same grep "$1" gnmap
	check "$2: XML as nmap's" same xml "$1" xml
}

# --- --open ----------------------------------------------------------------------------
# hosts 20-24 drop or reject everything: no open port, left out; the others fold closed
# and filtered ports whatever their count
both opa -sS -Pn -p 9,25,80,110,443 --open 198.19.0.18-25
reports opa "--open -sS"
both opb -sS -Pn -p 1-100 --open 198.19.0.1,20
reports opb "--open -sS, 100 ports"
# UDP: open|filtered counts as possibly open (host 20), admin-prohibited does not (24)
both opc -sU -Pn -p 7,53,500,501 --open 198.19.0.1,20,24
reports opc "--open -sU"
# -sA: unfiltered is shown, as nmap's rule says
both opd -sA -Pn -p 22,25,80 --open 198.19.0.1,20
reports opd "--open -sA"
both ope -sn -PE --open 198.19.0.18-25
reports ope "--open -sn"
check "--open: JSON Lines has only open, open|filtered, unfiltered ports and no down host" python3 -c '
import json, sys
ok = {"open", "open|filtered", "unfiltered"}
n = 0
for f in sys.argv[1:]:
    for l in open(f):
        o = json.loads(l)
        if "port" in o:
            assert o["state"] in ok, o
            n += 1
        elif o.get("state"):
            assert o["state"] == "up", o
assert n > 0' "$T/opa.w.json" "$T/opc.w.json" "$T/opd.w.json" "$T/ope.w.json"

# --- -v ----------------------------------------------------------------------------------
# nmap's "Discovered open port" lines (stdout, as found: compared as a set) and the down
# hosts it reports ("[host down]", "Status: Down", <status state="down">)
discovered() { grep '^Discovered open port' "$1" | sort; }
both vps -sS -Pn -v -p 9,25,80,443 198.19.0.1,2,20
check "-v: the Discovered open port lines of nmap" bash -c \
	"[ \$(grep -c Discovered $T/vps.n.out) -gt 0 ] && diff <(grep '^Discovered' $T/vps.n.out | sort) <(grep '^Discovered' $T/vps.w.out | sort)"
check "-v: Discovered lines only on stdout, not in -oN" bash -c "! grep -q Discovered $T/vps.w.nmap"
check "-v: still the seed and position" grep -q "seed [0-9]*, shard 1/1, position 0" "$T/vps.w.err"
both vsn -sn -PE -v 198.19.0.18-25
check "-sn -v: text as nmap's, down hosts listed" same text-down vsn nmap
check "-sn -v: grepable as nmap's, down hosts listed" same grep-down vsn gnmap
check "-sn -v: XML as nmap's, down hosts listed" same xml-down vsn xml
both vsd -sS -v -p 22,80 198.19.0.18-25
check "-sS -v with discovery: text as nmap's, down hosts listed" same text-down vsd nmap
check "-sS -v with discovery: Discovered lines of nmap" bash -c \
	"diff <(grep '^Discovered' $T/vsd.n.out | sort) <(grep '^Discovered' $T/vsd.w.out | sort)"
both vso -sn -PE -v --open 198.19.0.18-25
check "-sn -v --open: no down hosts, as nmap" same text vso nmap

# -sn -Pn: nmap lists every target up (user-set) and sends nothing
both snpn -sn -Pn --reason 198.19.0.19-22
reports snpn "-sn -Pn"
# -v --reason: nmap's "[host down, received no-response]"
both vdr -sn -v --reason 198.19.0.18-21
check "-sn -v --reason: down hosts with their reason, as nmap's" same text-down vdr nmap

# -v collapses a state into "Not shown" only above 50 ports (ports 1-40: the 38 closed are
# listed), -vv never and shows the reasons: as nmap
both vc -sS -Pn -v -p 1-40 198.19.0.1
check "-v, 38 closed ports: text as nmap's (listed, not folded)" same text vc nmap
both vvc -sS -Pn -vv -p 1-60 198.19.0.1
check "-vv, 58 closed ports: text as nmap's (every port, reasons)" same text vvc nmap

# --- -r ----------------------------------------------------------------------------------
# the same report as nmap -r, and in the --pcapng record each host's ports are probed in
# increasing order (the first probe of each; retransmissions come later); without -r they
# are not; shards of a -r walk stay disjoint with the full truth as their union
RP=1-40,80,443,8080
WX=(--pcapng "$T/ord.pcapng" --rate 2000)
both ord -sS -Pn -r -p "$RP" 198.19.0.1-3
WX=()
check "-r: text as nmap's" same text ord nmap
inS "$W" scan -sS -Pn -p "$RP" 198.19.0.1-3 --wait 300 --pcapng "$T/rnd.pcapng" --rate 2000 \
	-oJ "$T/rnd.json" >/dev/null 2>&1
in_order() { # PCAPNG: per destination, the first probe of each port in increasing order
	tshark -r "$1" -Y 'ip.src == 198.18.0.1 && tcp.flags.syn == 1 && tcp.flags.ack == 0' \
		-T fields -e ip.dst -e tcp.dstport 2>/dev/null | python3 -c '
import sys
seen, order = set(), {}
for line in sys.stdin:
    ip, port = line.split()
    if (ip, port) not in seen:
        seen.add((ip, port))
        order.setdefault(ip, []).append(int(port))
assert len(order) == 3 and all(len(v) == 43 for v in order.values()), order
sys.exit(0 if all(v == sorted(v) for v in order.values()) else 1)'
}
if command -v tshark >/dev/null; then
	check "-r: each host's ports probed in order (--pcapng record)" in_order "$T/ord.pcapng"
	if in_order "$T/rnd.pcapng"; then bad "without -r: ports in order"; else ok "without -r: ports in random order"; fi
else
	echo "note: tshark missing, probe order not checked"
fi
for k in 1 2 3; do
	TMO=60 inS "$W" scan -sS -Pn -r -p 9,22,25,80,110,111,443 198.19.0.1-30 --seed 9 --shard "$k/3" \
		--wait 300 -oJ "$T/rsh$k.json" >/dev/null 2>&1
done
check "-r shards: pairwise disjoint" python3 "$LAB" disjoint "$T/rsh1.json" "$T/rsh2.json" "$T/rsh3.json"
check "-r shards: union = the lab's truth" python3 "$LAB" check syn 1-30 9,22,25,80,110,111,443 \
	"$T/rsh1.json" "$T/rsh2.json" "$T/rsh3.json"
TMO=60 inS "$W" scan -sT -Pn -r -p 9,22,25,80,110,111,443 198.19.0.1-30 --wait 300 \
	-oJ "$T/rcon.json" >/dev/null 2>&1
check "-sT -r: the lab's truth" python3 "$LAB" check connect 1-30 9,22,25,80,110,111,443 "$T/rcon.json"
check "--randomize-hosts: accepted" bash -c \
	"TMO=30 ip netns exec $S $W scan -sS -Pn --randomize-hosts -p 80 198.19.0.1 --wait 100 | grep -q '80/tcp open'"

# --- --ttl, --data-length, --badsum --------------------------------------------------------
# the same results as nmap with the same options; the probes carry them in our --pcapng
# record and on the wire alike (tshark reads both); closed ports still found: a RST
# acknowledges the SYN's data too
need tshark tcpdump
probes() { # PCAPNG [tshark -o ...]: every probe as "dst dport ttl len checksum status"
	local f=$1
	shift
	tshark -r "$f" "$@" -Y '!icmp && ip.src == 198.18.0.1 && tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e ip.dst -e tcp.dstport \
		-e ip.ttl -e tcp.len -e tcp.checksum -e tcp.checksum.status 2>/dev/null | sort
}
SP=9,22,25,80,110
bg timeout 120 ip netns exec "$G" tcpdump -i "et$$" -n -U -w "$T/shp.wire.pcap" 'src host 198.18.0.1 and tcp'
sleep 1
WX=(--pcapng "$T/shp.pcapng")
both shp -sS -Pn --ttl 33 --data-length 40 -p "$SP" 198.19.0.1,20,24
WX=()
sleep 1
kill "$BGPID" 2>/dev/null
wait_pid "$BGPID" 5
check "--ttl --data-length: text as nmap's" same text shp nmap
check "--ttl --data-length: the lab's truth" python3 "$LAB" check syn 1-1,20-20,24-24 "$SP" "$T/shp.w.json"
probes "$T/shp.pcapng" -o tcp.check_checksum:TRUE >"$T/shp.rec"
probes "$T/shp.wire.pcap" -o tcp.check_checksum:TRUE >"$T/shp.wire"
check "--ttl 33 --data-length 40: every probe in the record has them, good checksums" awk \
	'$3 != 33 || $4 != 40 || $6 != 1 { bad = 1 } END { exit bad || NR < 15 }' "$T/shp.rec"
# (the wire also holds nmap's probes of the same scan: every recorded one must be there)
check "--pcapng record: each probe as it was on the wire" bash -c \
	"cut -f1-5 $T/shp.rec | sort -u >$T/a; cut -f1-5 $T/shp.wire | sort -u >$T/b; [ -s $T/a ] && [ -z \"\$(comm -23 $T/a $T/b)\" ]"
WX=(--pcapng "$T/bad.pcapng" --max-retries 1)
both bad -sS -Pn --badsum -p "$SP" 198.19.0.1,2
WX=()
check "--badsum: text as nmap's (the hosts drop every probe)" same text bad nmap
probes "$T/bad.pcapng" -o tcp.check_checksum:TRUE >"$T/bad.rec"
check "--badsum: every probe's checksum is bad" awk '$6 != 0 { b = 1 } END { exit b || NR < 10 }' "$T/bad.rec"
WX=(--pcapng "$T/udl.pcapng")
both udl -sU -Pn --data-length 20 --badsum -p 7,53,9999 198.19.0.1
WX=()
check "-sU --data-length --badsum: text as nmap's" same text udl nmap
check "-sU --data-length 20 --badsum: 28-byte datagrams with bad checksums" bash -c \
	"tshark -r $T/udl.pcapng -o udp.check_checksum:TRUE -Y 'ip.src == 198.18.0.1 && udp' -T fields \
	 -e udp.length -e udp.checksum.status 2>/dev/null | awk '\$1 != 28 || \$2 != 0 { b = 1 } END { exit b || NR < 3 }'"
WX=(--pcapng "$T/icl.pcapng")
both icl -sn -PE --ttl 7 --data-length 16 198.19.0.1-3,20
WX=()
check "-sn -PE --ttl --data-length: text as nmap's" same text icl nmap
check "-PE --ttl 7 --data-length 16: echo requests carry them" bash -c \
	"tshark -r $T/icl.pcapng -Y 'ip.src == 198.18.0.1 && icmp.type == 8' -T fields -e ip.ttl -e data.len \
	 2>/dev/null | awk '\$1 != 7 || \$2 != 16 { b = 1 } END { exit b || NR < 4 }'"

# bad values: exit 2, one line naming the option, not one packet on the link
bg timeout 60 ip netns exec "$G" tcpdump -i "et$$" -n -U -w "$T/badv.pcap" \
	'src host 198.18.0.1 and not arp and not (tcp[tcpflags] & tcp-rst != 0)'
sleep 1
bad_value() { # CULPRIT ARGS...
	local culprit=$1
	shift
	inS "$W" scan "$@" -p 80 198.19.0.1 >"$T/bv.out" 2>"$T/bv.err"
	local r=$?
	[ $r = 2 ] && [ "$(wc -l <"$T/bv.err")" = 1 ] && grep -q -- "$culprit" "$T/bv.err" ||
		{ echo "    exit $r: $(cat "$T/bv.err")"; return 1; }
}
check "--ttl 0: exit 2" bad_value --ttl --ttl 0
check "--ttl 256: exit 2" bad_value --ttl --ttl 256
check "--data-length 1401: exit 2" bad_value --data-length --data-length 1401
check "--data-length -1: exit 2" bad_value --data-length --data-length -1
check "--badsum with -sT: exit 2" bad_value --badsum -sT --badsum
sleep 1
kill "$BGPID" 2>/dev/null
wait_pid "$BGPID" 5
check "bad values: no packet on the link" bash -c "[ \$(tcpdump -r $T/badv.pcap -n 2>/dev/null | wc -l) = 0 ]"

# --- --packet-trace ----------------------------------------------------------------------
# one SENT line per probe of the --pcapng record of the same run and one RCVD line per
# reply it holds (each line's fields are those of its packet), each reply's verdict in the
# JSON output; every line has the shape of one nmap --packet-trace printed for the same
# scan (tests/oracle/scan_trace_cmp.py); -sT: nmap's CONN lines, the last of each port
# saying what the report says
TRC=$here/scan_trace_cmp.py
trace_scan() { # NAME ARGS...
	local name=$1
	shift
	WX=(--pcapng "$T/$name.pcapng")
	both "$name" --packet-trace "$@"
	WX=()
	check "--packet-trace $*: a line per probe and reply of the record, verdicts in JSON" \
		python3 "$TRC" record "$T/$name.w.out" "$T/$name.pcapng" "$T/$name.w.json"
	check "--packet-trace $*: the shapes of nmap's lines" \
		python3 "$TRC" shape "$T/$name.n.out" "$T/$name.w.out"
	check "--packet-trace $*: the same lines in -oN, as nmap's" same_trace "$name"
}
same_trace() { # NAME: stdout's trace lines are the -oN file's (nmap writes them to both)
	local n
	for n in n w; do
		grep -E '^(SENT|RCVD|CONN) ' "$T/$1.$n.out" >"$T/$1.$n.tro"
		grep -E '^(SENT|RCVD|CONN) ' "$T/$1.$n.nmap" >"$T/$1.$n.trn"
	done
	[ -s "$T/$1.n.tro" ] && cmp -s "$T/$1.n.tro" "$T/$1.n.trn" && [ -s "$T/$1.w.tro" ] &&
		cmp -s "$T/$1.w.tro" "$T/$1.w.trn"
}
trace_scan trs -sS -Pn -p 9,22,25,80,110 198.19.0.1,20
trace_scan tru -sU -Pn -p 7,53,500,501 198.19.0.1,20
trace_scan tre -sn -PE 198.19.0.1-3,20,24
trace_scan tra -sn -PR 198.18.0.2-4
trace_scan trd -sS -p 22,80 198.19.0.1,20
trace_scan trk -sA -Pn -p 22,25,80 198.19.0.1
both trc -sT -Pn --packet-trace -p 9,22,25,80,110 198.19.0.1
check "--packet-trace -sT: the shapes of nmap's CONN lines" python3 "$TRC" shape "$T/trc.n.out" "$T/trc.w.out"
check "--packet-trace -sT: each port's last CONN line says its state" \
	python3 "$TRC" conn "$T/trc.w.out" "$T/trc.w.json"
check "--packet-trace -sT: the same lines in -oN, as nmap's" same_trace trc
check "without --packet-trace: no trace line" bash -c "! grep -qE '^(SENT|RCVD|CONN) ' $T/shp.w.out $T/opa.w.out"

finish
