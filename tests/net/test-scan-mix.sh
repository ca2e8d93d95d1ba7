#!/usr/bin/env bash
# wirekit scan, TCP and UDP in one run (-sS -sU, -sA -sU, -sT -sU with nmap's -p U:..,T:..), the
# --pcapng record of the scan and -Z, in the scan lab (tests/net/scanlab.sh): every state and
# reason is the lab's truth (tests/net/scanlab.py) for both protocols; JSON, XML, grepable and
# text name both protocols; tshark reads the record, whose probe and reply counts are the
# scan's own and whose comments are the verdicts; as root the scan runs as nobody once its
# sockets are open, output files opened before that are root's; an unknown -Z user is exit 2
# with one line and not one packet on the link. -sT and -sT -sU record too (a capture of
# the kernel's SYNs and their answers, opened before the drop to nobody); without
# CAP_NET_RAW that is exit 3 before anything is sent. Everything is bounded by timeouts.
. "$(dirname "$0")/lib.sh"
need ip nft python3 timeout tcpdump tshark nmap ndiff xsltproc
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
S=wkmixs$$ # scanner
G=wkmixt$$ # target
LAB=$(dirname "$0")/scanlab.py
. "$(dirname "$0")/scanlab.sh"
lab_up || exit 1

scan() { # scan NAME ARGS...: JSON Lines in $T/NAME.json
	local name=$1
	shift
	inS "$W" scan "$@" -oJ "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ] || { echo "    exit $(cat "$T/$1.rc"): $(head -3 "$T/$1.err")"; false; }; }
truth() { # truth NAME KIND HOSTS PORTS
	python3 "$LAB" check "$2" "$3" "$4" "$T/$1.json" >"$T/$1.cmp" 2>&1
	local r=$?
	[ $r = 0 ] || sed 's/^/    /' "$T/$1.cmp"
	return $r
}

# run_uids PID: the real, effective, saved and fs uids of the wirekit process PID (or of its
# wirekit child) once they are no longer root's; empty when they stayed root's for 5 s
run_uids() {
	local uids= kids k u
	for _ in $(seq 100); do
		sleep 0.05
		kids=$(cat /proc/$1/task/*/children 2>/dev/null)
		for k in $1 $kids; do
			[ "$(cat /proc/$k/comm 2>/dev/null)" = wirekit ] || continue
			u=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$k/status 2>/dev/null)
			[ -n "$u" ] && [ "$u" != "0 0 0 0" ] && uids=$u
		done
		[ -n "$uids" ] && break
	done
	echo "$uids"
}

TP=9,22,25,80,110,111,443,1000,8080
UP=7,53,500,501,1000,9999
H=198.19.0.1-30
FAST=(--wait 300 --max-retries 2)

# 1. -sS -sU with nmap's T:/U: lists: one run, both protocols, every state and reason
scan mix -sS -sU -Pn -p "U:$UP,T:$TP" "$H" --reason "${FAST[@]}" -oX "$T/mix.xml" \
	-oG "$T/mix.gnmap" --pcapng "$T/mix.pcapng" -Z root
check "-sS -sU: exit 0" rc_is mix 0
check "-sS -sU: every TCP and UDP state and reason" truth mix syn+udp 1-30 "$TP/$UP"
check "-sS -sU: JSON summary names both scan types" python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["type"] == "summary" and s["scan_type"] == "syn+udp" and s["scan_types"] == ["syn", "udp"], s' "$T/mix.json"
# XML: one scaninfo per protocol with nmap's type names; each listed port's protocol and
# state is the JSON verdict; ports not listed are counted in extraports of their state, so
# every host shown has 9 TCP + 6 UDP ports
check "-sS -sU: XML scaninfo and per-port protocol" python3 - "$T/mix.xml" "$T/mix.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
si = sorted((e.get("type"), e.get("protocol"), int(e.get("numservices"))) for e in root.iter("scaninfo"))
assert si == [("syn", "tcp", 9), ("udp", "udp", 6)], si
js = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if "port" in o:
        js[(o["ip"], o["proto"], o["port"])] = o["state"]
listed = 0
per_host = {}
for h in root.iter("host"):
    ip = h.find("address").get("addr")
    for p in h.iter("port"):
        k = (ip, p.get("protocol"), int(p.get("portid")))
        assert js[k] == p.find("state").get("state"), (k, js[k])
        listed += 1
    n = sum(int(x.get("count")) for x in h.iter("extraports"))
    per_host[ip] = n + len(list(h.iter("port")))
assert listed and all(v == 15 for v in per_host.values()), per_host
# -Pn: every target is up (nmap's user-set), also .20-.23 that drop everything and .24
# that only sends ICMP errors from on the way
up = {"198.19.0.%d" % h for h in range(1, 31)}
assert set(per_host) == up, sorted(set(per_host) ^ up)
PY
check "-sS -sU: grepable Ports line with both protocols" bash -c \
	"grep -E '^Host: 198\.19\.0\.1 .*Ports: ' '$T/mix.gnmap' | grep -q '22/open/tcp/' &&
	 grep -E '^Host: 198\.19\.0\.1 .*Ports: ' '$T/mix.gnmap' | grep -q '53/open/udp/'"
check "-sS -sU: text output lists 22/tcp and 53/udp open" bash -c \
	"grep -Eq '^22/tcp +open' '$T/mix.out' && grep -Eq '^53/udp +open' '$T/mix.out'"

# nmap -sS -sU on a slice is the oracle of the states and reasons of both protocols
NP="U:53,500,501,1000,T:22,25,110,111"
(cd "$T" && TMO=240 inS nmap -n -Pn -sS -sU --reason -p "$NP" 198.19.0.1,24 -oX "$T/nmap.xml" >/dev/null 2>&1)
check "-sS -sU: nmap agrees on a slice (both protocols)" python3 - "$T/nmap.xml" "$T/mix.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
nm = {}
for h in root.iter("host"):
    ip = h.find("address").get("addr")
    for p in h.iter("port"):
        st = p.find("state")
        nm[(ip, p.get("protocol"), int(p.get("portid")))] = (st.get("state"), st.get("reason"))
assert len(nm) == 16, len(nm)
ours = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if "port" in o:
        ours[(o["ip"], o["proto"], o["port"])] = (o["state"], o["reason"])
bad = [(k, v, ours.get(k)) for k, v in nm.items() if ours.get(k) != v]
assert not bad, bad
PY

# 2. --pcapng: tshark reads it; probes = frames without a comment = probes_sent, replies =
# commented frames = replies; each comment names a verdict the scan reported
check "--pcapng: tshark reads it, counts are the scan's" python3 - "$T/mix.pcapng" "$T/mix.json" <<'PY'
import json, subprocess, sys
out = subprocess.run(["tshark", "-r", sys.argv[1], "-T", "fields", "-e", "frame.comment"],
                     capture_output=True, text=True, timeout=60)
assert out.returncode == 0, out.stderr
lines = out.stdout.split("\n")[:-1]
comments = [l for l in lines if l]
s = json.loads(open(sys.argv[2]).read().splitlines()[-1])
probes = len(lines) - len(comments)
assert probes == s["probes_sent"], (probes, s["probes_sent"])
assert len(comments) == s["replies"], (len(comments), s["replies"])
final = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if "port" in o:
        final["%s:%d/%s" % (o["ip"], o["port"], o["proto"])] = "%s %s" % (o["state"], o["reason"])
seen = set()
for c in comments:
    w = c.split(" ")
    key, verdict = w[0], " ".join(w[1:3])
    assert final.get(key) == verdict, (c, final.get(key))
    seen.add(key)
assert "198.19.0.1:22/tcp" in seen and "198.19.0.1:53/udp" in seen
assert "198.19.0.1:1000/udp" in seen  # port-unreach, an ICMP reply
print("    probes %d replies %d" % (probes, len(comments)))
PY
check "--pcapng: probes are TCP SYNs and UDP datagrams to the targets" bash -c "
	[ \$(tshark -r '$T/mix.pcapng' -Y 'ip.src==198.18.0.1 && tcp.flags==0x002' 2>/dev/null | wc -l) -ge 270 ] &&
	[ \$(tshark -r '$T/mix.pcapng' -Y 'ip.src==198.18.0.1 && udp && !icmp' 2>/dev/null | wc -l) -ge 180 ]"

# 3. -sA -sU, ports without T:/U: go to both protocols
scan ackmix -sA -sU -Pn -p 22,53,111,501 "$H" "${FAST[@]}" -oX "$T/ackmix.xml"
check "-sA -sU: every state and reason" truth ackmix ack+udp 1-30 "22,53,111,501/22,53,111,501"
check "-sA -sU: scan_type ack+udp" grep -q '"scan_type":"ack+udp","scan_types":\["ack","udp"\]' "$T/ackmix.json"
# nmap's own tools take the XML: ndiff (1: the files differ, 2: it could not read them) and
# xsltproc with nmap.xsl
ndiff "$T/mix.xml" "$T/ackmix.xml" >"$T/ndiff.out" 2>&1
nrc=$?
check "ndiff reads both XML files (exit $nrc)" [ "$nrc" = 1 ]
check "xsltproc with nmap.xsl renders the -sS -sU XML" bash -c \
	"xsltproc /usr/share/nmap/nmap.xsl '$T/mix.xml' >'$T/mix.html' 2>'$T/xslt.err' && [ ! -s '$T/xslt.err' ] && grep -q '>53<' '$T/mix.html' && grep -q '>udp<' '$T/mix.html'"

# 4. -sS alone with U: ports: nmap's warning, the UDP ports left out
scan warn -sS -Pn -p U:53,T:22 198.19.0.1 "${FAST[@]}"
check "-sS with U: ports: warning, TCP only" bash -c "
	grep -q 'WARNING.*U:' '$T/warn.err' && grep -q '\"port\":22,\"state\":\"open\"' '$T/warn.json' &&
	! grep -q '\"proto\":\"udp\"' '$T/warn.json'"

# 5. -Z: as root the default is nobody once the sockets are open; the files opened before
# the drop (outputs, --pcapng, --resume-file) are root's and complete
ip netns exec "$S" timeout 60 "$W" scan -sS -sU -Pn -p "U:$UP,T:$TP" "$H" --rate 150 \
	--wait 300 --max-retries 0 -oJ "$T/z.json" --pcapng "$T/z.pcapng" \
	--resume-file "$T/z.resume" >"$T/z.out" 2>"$T/z.err" &
ZPID=$!
PIDS+=("$ZPID")
uids=$(run_uids "$ZPID")
wait_pid "$ZPID" 60
wait "$ZPID"
zrc=$?
check "-Z default: the scan ran as nobody ($uids)" [ "$uids" = "65534 65534 65534 65534" ]
check "-Z default: exit 0, every state and reason" bash -c "[ $zrc = 0 ] && python3 '$LAB' check syn+udp 1-30 '$TP/$UP' '$T/z.json' >/dev/null"
check "-Z default: output files opened before the drop are root's" bash -c \
	"[ \"\$(stat -c %u '$T/z.json' '$T/z.pcapng' '$T/z.resume' | sort -u)\" = 0 ]"
check "-Z default: the pcapng record is complete" bash -c \
	"[ \$(tshark -r '$T/z.pcapng' -T fields -e frame.comment 2>/dev/null | wc -l) = \$(python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(s[\"probes_sent\"]+s[\"replies\"])' '$T/z.json') ]"
check "-Z default: the resume file was rewritten in place (at the end)" bash -c \
	"grep -q '^position=450\$' '$T/z.resume' && grep -q '^seed=' '$T/z.resume'"
inS "$W" scan --resume "$T/z.resume" >"$T/zr.out" 2>"$T/zr.err"
zrr=$?
check "-Z default: the in-place resume file is read back (complete: nothing to resume, exit 2)" bash -c \
	"[ $zrr = 2 ] && grep -q 'that scan is complete (position 450)' '$T/zr.err' && [ \$(grep -c '\"type\":\"summary\"' '$T/z.json') = 1 ]"

# 6. SIGINT in the middle of a -sS -sU scan run as nobody, then --resume: the union is the
# truth for both protocols, the resume file (rewritten in place) carries the position, and
# the record holds two pcapng sections whose probes and replies are the two runs' counts
RP=$(seq -s, 1 60)
(cd "$T" && exec ip netns exec "$S" "$W" scan -sS -sU -Pn -p "$RP" 198.19.0.1-19 --rate 800 \
	--seed 9 --wait 300 --max-retries 2 --resume-file "$T/i.resume" -oJ "$T/i.json" \
	--pcapng "$T/i.pcapng" >"$T/i.out" 2>"$T/i.err") &
IPID=$!
PIDS+=("$IPID")
for _ in $(seq 1500); do # at most 30 s
	n=$(grep -c proto "$T/i.json" 2>/dev/null)
	[ "${n:-0}" -ge 300 ] && break
	sleep 0.02
done
kill -INT "$IPID"
wait_pid "$IPID" 30 || kill -KILL "$IPID"
wait "$IPID"
irc=$?
check "SIGINT: exit 130, the in-place resume file has a position" bash -c \
	"[ $irc = 130 ] && grep -q '^position=[1-9]' '$T/i.resume'"
inS "$W" scan --resume "$T/i.resume" >"$T/i2.out" 2>"$T/i2.err"
i2rc=$?
check "resume: exit 0, union = the truth of both protocols" bash -c \
	"[ $i2rc = 0 ] && python3 '$LAB' check syn+udp 1-19 '$RP/$RP' '$T/i.json' >'$T/i.cmp' || { sed 's/^/    /' '$T/i.cmp'; false; }"
check "resume: two pcapng sections, counts of both runs" python3 - "$T/i.pcapng" "$T/i.json" <<'PY'
import json, struct, subprocess, sys
data = open(sys.argv[1], "rb").read()
shb, off = 0, 0
while off + 8 <= len(data):
    t, n = struct.unpack_from("<II", data, off)
    shb += t == 0x0A0D0D0A
    off += n
assert off == len(data) and shb == 2, (off, len(data), shb)
out = subprocess.run(["tshark", "-r", sys.argv[1], "-T", "fields", "-e", "frame.comment"],
                     capture_output=True, text=True, timeout=60)
assert out.returncode == 0, out.stderr
lines = out.stdout.split("\n")[:-1]
replies = sum(1 for l in lines if l)
sums = [json.loads(l) for l in open(sys.argv[2]) if '"type":"summary"' in l]
assert len(sums) == 2, len(sums)
assert sums[0]["results"] < 19 * 120, sums[0]  # the first run was cut short
assert len(lines) - replies == sum(s["probes_sent"] for s in sums), (len(lines), replies, sums)
assert replies == sum(s["replies"] for s in sums), (replies, sums)
PY

# 7. -sT -sU (nmap's connect scan for TCP with the raw UDP scan): both protocols in one
# run, merged per host; -Pn: every state and reason is the lab's truth (connect: refused)
scan tmix -sT -sU -Pn -p "U:$UP,T:$TP" "$H" --reason "${FAST[@]}" -oX "$T/tmix.xml" -oG "$T/tmix.gnmap"
check "-sT -sU -Pn: exit 0" rc_is tmix 0
check "-sT -sU -Pn: every TCP and UDP state and reason" truth tmix connect+udp 1-30 "$TP/$UP"
check "-sT -sU: scan_type connect+udp" grep -q '"scan_type":"connect+udp","scan_types":\["connect","udp"\]' "$T/tmix.json"
check "-sT -sU: XML scaninfo per protocol, both protocols under each host" python3 - "$T/tmix.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
si = sorted((e.get("type"), e.get("protocol"), int(e.get("numservices"))) for e in root.iter("scaninfo"))
assert si == [("connect", "tcp", 9), ("udp", "udp", 6)], si
hosts = {h.find("address").get("addr"): h for h in root.iter("host")}
assert len(hosts) == 30, len(hosts)
h1 = {(p.get("protocol"), p.get("portid")): p.find("state").get("state") for p in hosts["198.19.0.1"].iter("port")}
assert h1[("tcp", "22")] == "open" and h1[("udp", "53")] == "open", h1
PY
check "-sT -sU: grepable Ports line with both protocols" bash -c \
	"grep -E '^Host: 198\.19\.0\.1 .*Ports: ' '$T/tmix.gnmap' | grep -q '22/open/tcp/' &&
	 grep -E '^Host: 198\.19\.0\.1 .*Ports: ' '$T/tmix.gnmap' | grep -q '53/open/udp/'"
# nmap -sT -sU is the oracle on a slice
(cd "$T" && TMO=240 inS nmap -n -Pn -sT -sU --reason -p "$NP" 198.19.0.1,5 -oX "$T/nmapt.xml" >/dev/null 2>&1)
check "-sT -sU: nmap agrees on a slice (both protocols)" python3 - "$T/nmapt.xml" "$T/tmix.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
nm = {}
for h in root.iter("host"):
    ip = h.find("address").get("addr")
    for p in h.iter("port"):
        st = p.find("state")
        nm[(ip, p.get("protocol"), int(p.get("portid")))] = (st.get("state"), st.get("reason"))
assert len(nm) == 16, len(nm)
ours = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if "port" in o:
        ours[(o["ip"], o["proto"], o["port"])] = (o["state"], o["reason"])
# nmap's connect scan says host-unreach for every ICMP unreachable; we read the ICMP code
# (admin-prohibited, host-prohibited): there the states must agree
bad = [(k, v, ours.get(k)) for k, v in nm.items()
       if ours.get(k) != v and not (k[1] == "tcp" and v == ("filtered", "host-unreach") and
                                    ours.get(k, ("",))[0] == "filtered")]
assert not bad, bad
PY
# --pcapng with connect scans: the kernel's SYNs and their answers are captured (as root,
# run as nobody once the capture is open: -Z's default). Both runs are paced so that the
# uids of the running scan can be read.
crec() { # crec NAME ARGS...: in the background, its uids in $T/NAME.uids
	local name=$1
	shift
	ip netns exec "$S" timeout 60 "$W" scan "$@" -oJ "$T/$name.json" --pcapng "$T/$name.pcapng" \
		>"$T/$name.out" 2>"$T/$name.err" &
	local pid=$!
	PIDS+=("$pid")
	run_uids "$pid" >"$T/$name.uids"
	wait_pid "$pid" 60
	wait "$pid"
	echo $? >"$T/$name.rc"
}
# the record against the scan's JSON: tshark reads it; the distinct SYNs (target, port,
# our port, sequence) from the scanner are the connects (probes_sent less the UDP probes,
# each recorded); every TCP port of every target got one; each comment names the verdict
# the JSON reports for its address and port; every open and closed port, and every port
# filtered by an ICMP error, has a commented reply
crec_check() { # crec_check NAME TCPPORTS UDPPORTS
	python3 - "$T/$1.pcapng" "$T/$1.json" "$2" "$3" <<'PY'
import json, subprocess, sys
f = ["frame.comment", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw",
     "udp.srcport", "icmp.type"]
cmd = ["tshark", "-r", sys.argv[1], "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
for x in f:
    cmd += ["-e", x]
out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
assert out.returncode == 0, out.stderr
rows = [dict(zip(f, l.split("|"))) for l in out.stdout.split("\n")[:-1]]
js = [json.loads(l) for l in open(sys.argv[2])]
s = js[-1]
final = {"%s:%d/%s" % (o["ip"], o["port"], o["proto"]): (o["state"], o["reason"])
         for o in js if "port" in o}
tcp = [int(p) for p in sys.argv[3].split(",")]
udp = [int(p) for p in sys.argv[4].split(",")] if sys.argv[4] else []
hosts = {o["ip"] for o in js if "port" in o}
me = "198.18.0.1"
syns = {(r["ip.dst"], int(r["tcp.dstport"]), int(r["tcp.srcport"]), int(r["tcp.seq_raw"]))
        for r in rows if r["ip.src"] == me and r["tcp.flags"] == "0x0002"}
udp_probes = sum(1 for r in rows if r["ip.src"] == me and r["udp.srcport"] and not r["icmp.type"])
assert len(syns) + udp_probes == s["probes_sent"], (len(syns), udp_probes, s["probes_sent"])
want = {(h, p) for h in hosts for p in tcp}
got = {(d, p) for d, p, _, _ in syns}
assert want <= got, sorted(want - got)[:5]
assert all(not r["frame.comment"] for r in rows if r["ip.src"] == me and r["tcp.flags"] == "0x0002")
seen = set()
for r in rows:
    c = r["frame.comment"]
    if not c:
        continue
    w = c.split(" ")
    assert final.get(w[0]) == (w[1], w[2]), (c, final.get(w[0]))
    assert len(w) == 3 or w[3:] == ["duplicate"], c
    seen.add(w[0])
need = {k for k, v in final.items()
        if v[0] in ("open", "closed") or (v[0] == "filtered" and v[1] != "no-response")}
assert need <= seen, sorted(need - seen)[:5]
ntcp = sum(1 for k in seen if k.endswith("/tcp"))
print("    %d SYNs, %d UDP probes, %d frames, %d ports with a commented reply (%d TCP)" %
      (len(syns), udp_probes, len(rows), len(seen), ntcp))
PY
}
crec tcrec -sT -sU -Pn -p "U:$UP,T:$TP" "$H" --reason --rate 150 --wait 300 --max-retries 2
check "-sT -sU --pcapng: exit 0, every TCP and UDP state and reason" bash -c \
	"[ \$(cat '$T/tcrec.rc') = 0 ] && python3 '$LAB' check connect+udp 1-30 '$TP/$UP' '$T/tcrec.json' >/dev/null"
check "-sT -sU --pcapng: the scan ran as nobody ($(cat "$T/tcrec.uids"))" \
	[ "$(cat "$T/tcrec.uids")" = "65534 65534 65534 65534" ]
check "-sT -sU --pcapng: the record is root's" [ "$(stat -c %u "$T/tcrec.pcapng")" = 0 ]
check "-sT -sU --pcapng: SYNs = connects, comments = the JSON's verdicts" crec_check tcrec "$TP" "$UP"
crec tprec -sT -Pn -p "$TP" "$H" --reason --rate 100 --max-retries 2
check "-sT --pcapng: exit 0, every state and reason" bash -c \
	"[ \$(cat '$T/tprec.rc') = 0 ] && python3 '$LAB' check connect 1-30 '$TP' '$T/tprec.json' >/dev/null"
check "-sT --pcapng: the scan ran as nobody ($(cat "$T/tprec.uids"))" \
	[ "$(cat "$T/tprec.uids")" = "65534 65534 65534 65534" ]
check "-sT --pcapng: SYNs = connects, comments = the JSON's verdicts" crec_check tprec "$TP" ""
check "-sT --pcapng: the replies are SYN-ACKs, RSTs and ICMP errors to the scanner" bash -c "
	[ \$(tshark -r '$T/tprec.pcapng' -Y 'frame.comment contains \"open syn-ack\" && tcp.flags==0x012 && ip.dst==198.18.0.1' 2>/dev/null | wc -l) -ge 100 ] &&
	[ \$(tshark -r '$T/tprec.pcapng' -Y 'frame.comment contains \"closed conn-refused\" && tcp.flags.reset==1' 2>/dev/null | wc -l) -ge 50 ] &&
	[ \$(tshark -r '$T/tprec.pcapng' -Y 'frame.comment contains \"admin-prohibited\" && icmp.type==3 && icmp.code==13' 2>/dev/null | wc -l) -ge 34 ]"

# without -Pn: host discovery first; only the hosts found up get connects and UDP probes
# (the silent .20-.23 none), and each of their ports is the lab's truth
scan tdisc -sT -sU -p "U:53,1000,T:22,25" "$H" --reason "${FAST[@]}" --stats-every 0.05
check "-sT -sU with discovery: exit 0" rc_is tdisc 0
# the progress lines name each phase, as nmap's timing lines do, in the order they run
check "-sT -sU: progress lines name the phases in order (Ping, UDP, Connect)" python3 - "$T/tdisc.err" <<'PY'
import re, sys
seen = []
for l in open(sys.argv[1]):
    m = re.match(r"^([A-Za-z +]+): sent \d+, ", l)
    if m and (not seen or seen[-1] != m.group(1)):
        seen.append(m.group(1))
assert seen == ["Ping Scan", "UDP Scan", "Connect Scan"], seen
PY
check "-sT -sU with discovery: ports of the up hosts only, each the truth" python3 - "$LAB" "$T/tdisc.json" <<'PY'
import json, subprocess, sys
up, ports, summ = set(), {}, None
for l in open(sys.argv[2]):
    o = json.loads(l)
    if o.get("type") == "summary":
        summ = o
    elif "port" in o:
        ports[(o["ip"], o["proto"], o["port"])] = (o["state"], o["reason"])
    elif o["state"] == "up":
        up.add(o["ip"])
silent = {"198.19.0.%d" % h for h in range(20, 24)}
assert up and not (up & silent), sorted(up)
assert {k[0] for k in ports} <= up, sorted({k[0] for k in ports} - up)
assert all("198.19.0.%d" % h in up for h in range(1, 20)), sorted(up)
assert summ["hosts_up"] == len(up), (summ["hosts_up"], len(up))
exp = subprocess.run([sys.executable, sys.argv[1], "expect", "connect+udp", "1-30", "22,25/53,1000"],
                     capture_output=True, text=True).stdout
want = {}
for line in exp.splitlines():
    k, v = line.split(") (")
    k = eval(k + ")")
    v = eval("(" + v)
    if k[0] in up:
        want[k] = v
bad = [(k, v, ports.get(k)) for k, v in want.items() if ports.get(k) != v]
assert not bad and len(ports) == len(want), (bad[:5], len(ports), len(want))
PY
# shards and resume over the one position space (UDP walk, then TCP connects)
for k in 1 2 3; do
	scan "tsh$k" -sT -sU -Pn -p "U:53,500,T:22,25" 198.19.0.1-19 --seed 5 --shard "$k/3" "${FAST[@]}"
done
check "-sT -sU --shard 1/3..3/3: exit 0" bash -c "[ \$(cat $T/tsh1.rc $T/tsh2.rc $T/tsh3.rc | sort -u) = 0 ]"
check "-sT -sU shards: pairwise disjoint" python3 "$LAB" disjoint "$T/tsh1.json" "$T/tsh2.json" "$T/tsh3.json"
check "-sT -sU shards: union = the truth" python3 "$LAB" check connect+udp 1-19 "22,25/53,500" \
	"$T/tsh1.json" "$T/tsh2.json" "$T/tsh3.json"
(cd "$T" && exec ip netns exec "$S" "$W" scan -sT -sU -Pn -p "$RP" 198.19.0.1-19 --rate 800 \
	--seed 9 --wait 300 --max-retries 2 --resume-file "$T/ti.resume" -oJ "$T/ti.json" \
	>"$T/ti.out" 2>"$T/ti.err") &
IPID=$!
PIDS+=("$IPID")
for _ in $(seq 1500); do # at most 30 s: stop in the UDP walk
	n=$(grep -c proto "$T/ti.json" 2>/dev/null)
	[ "${n:-0}" -ge 300 ] && break
	sleep 0.02
done
kill -INT "$IPID"
wait_pid "$IPID" 30 || kill -KILL "$IPID"
wait "$IPID"
irc=$?
check "-sT -sU SIGINT: exit 130 with a position" bash -c \
	"[ $irc = 130 ] && grep -q '^position=[1-9]' '$T/ti.resume'"
inS "$W" scan --resume "$T/ti.resume" >"$T/ti2.out" 2>"$T/ti2.err"
ti2rc=$?
check "-sT -sU resume: exit 0, union = the truth of both protocols" bash -c \
	"[ $ti2rc = 0 ] && python3 '$LAB' check connect+udp 1-19 '$RP/$RP' '$T/ti.json' >'$T/ti.cmp' || { sed 's/^/    /' '$T/ti.cmp'; false; }"

# 8. unknown -Z user: exit 2, one line naming it, not one packet on the link
bg timeout 60 ip netns exec "$G" tcpdump -i "et$$" -n -w "$T/bad.pcap" -U \
	'src host 198.18.0.1 and not arp and not (tcp[tcpflags] & tcp-rst != 0)'
sleep 1
inS "$W" scan -sS -sU -Pn -p U:53,T:22 198.19.0.1 -Z no-such-user-wk >"$T/badz.out" 2>"$T/badz.err"
brc=$?
check "-Z unknown user: exit 2, one line" bash -c \
	"[ $brc = 2 ] && [ \$(wc -l <'$T/badz.err') = 1 ] && grep -q no-such-user-wk '$T/badz.err'"
inS "$W" scan -sT -sA -p 22 198.19.0.1 >"$T/badt.out" 2>"$T/badt.err"
trc=$?
check "-sT -sA: exit 2, one line" bash -c "[ $trc = 2 ] && [ \$(wc -l <'$T/badt.err') = 1 ]"
inS "$W" scan -sT -sU -Pn -p U:53,T:22 198.19.0.1 -Z no-such-user-wk >"$T/badtu.out" 2>"$T/badtu.err"
turc=$?
check "-sT -sU, unknown -Z user: exit 2, one line" bash -c "[ $turc = 2 ] && [ \$(wc -l <'$T/badtu.err') = 1 ]"
# --pcapng with -sT as a user without CAP_NET_RAW: exit 3 (missing privilege, as -sU), one
# line, no record made (in a directory that user may write)
mkdir -m 1777 "$T/np"
chmod o+x "$T"
inS setpriv --reuid 65534 --regid 65534 --clear-groups "$W" scan -sT -Pn -p 22 198.19.0.1 \
	--pcapng "$T/np/np.pcapng" >"$T/np.out" 2>"$T/np.err"
nprc=$?
check "-sT --pcapng without CAP_NET_RAW: exit 3, one line, no file" bash -c \
	"[ $nprc = 3 ] && [ \$(wc -l <'$T/np.err') = 1 ] && grep -q CAP_NET_RAW '$T/np.err' && [ ! -e '$T/np/np.pcapng' ]"
sleep 1
kill "$BGPID" 2>/dev/null
wait_pid "$BGPID" 5
check "bad input: no packet on the link" bash -c \
	"[ \$(tcpdump -r $T/bad.pcap -n 2>/dev/null | tee -a /dev/stderr | wc -l) = 0 ]"
finish
