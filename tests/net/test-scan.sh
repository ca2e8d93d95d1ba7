#!/usr/bin/env bash
# wirekit scan in a namespace lab: the target namespace answers for 198.19.0.0/24 (a
# local route on lo), listens on TCP 22 80 443 8080 and UDP 53 9999, and nftables drops
# or rejects (admin-prohibited, host-prohibited) some ports and hosts. Every state and
# reason of -sS, -sA, -sU and -sn with -PE/-PP/-PS/-PA/-PU must be the lab's truth
# (tests/net/scanlab.py); then 5% loss each way (recall >= 99.9%, no false positive),
# shards (disjoint, union = full), SIGINT and SIGKILL + --resume (union = full), JSON Lines, and bad
# input (exit 2, not one packet on the link). Everything is bounded by timeouts.
. "$(dirname "$0")/lib.sh"
need ip nft python3 timeout tcpdump unshare
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
S=wkengs$$ # scanner
G=wkengt$$ # target
LAB=$(dirname "$0")/scanlab.py
. "$(dirname "$0")/scanlab.sh"
lab_up || exit 1

# scan NAME ARGS...: wirekit scan in S, JSON Lines in $T/NAME.json
scan() {
	local name=$1
	shift
	inS "$W" scan "$@" -oJ "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
truth() { # truth NAME KIND HOSTS PORTS [FILES]
	local name=$1 kind=$2 hs=$3 ps=$4
	shift 4
	python3 "$LAB" check "$kind" "$hs" "$ps" "${@:-$T/$name.json}" >"$T/$name.cmp" 2>&1
	local r=$?
	[ $r = 0 ] || sed 's/^/    /' "$T/$name.cmp"
	return $r
}

TP=9,22,25,80,110,111,443,1000,8080
UP=7,53,500,501,1000,9999
H=198.19.0.1-30
FAST=(--wait 300 --max-retries 2)

scan syn -sS -Pn -p "$TP" "$H" --reason "${FAST[@]}"
check "-sS: exit 0" rc_is syn 0
check "-sS: every state and reason" truth syn syn 1-30 "$TP"
scan ack -sA -Pn -p "$TP" "$H" "${FAST[@]}"
check "-sA: every state and reason" truth ack ack 1-30 "$TP"
scan con -sT -Pn -p "$TP" "$H" "${FAST[@]}"
check "-sT: every state and reason" truth con connect 1-30 "$TP"
scan udp -sU -Pn -p "$UP" "$H" "${FAST[@]}"
check "-sU: every state and reason" truth udp udp 1-30 "$UP"
for m in PE PP PS22 PS9 PA80 PU; do
	k=${m:0:2}
	p=${m:2}
	scan "sn$m" -sn "-$m" "$H" "${FAST[@]}"
	check "-sn -$m: every host state and reason" truth "sn$m" "$k" 1-30 "${p:-0}"
done

# default discovery before the port scan: the down hosts get no port records
scan disc -sS -p "$TP" "$H" "${FAST[@]}"
check "-sS with discovery: states of the up hosts" truth disc syn 1-19,25-30 "$TP"
check "-sS with discovery: no ports of down hosts" \
	bash -c "! grep -q '\"198.19.0.2[0-4]\",\"proto\"' '$T/disc.json'"
check "-sS with discovery: host records" truth disc any 1-30 0 "$T/disc.json"

# round trips (tests/net/scanrtt.py): every host up shows nmap's latency and its JSON line
# rtt_us > 0, every answered port rtt_us > 0, none above the elapsed time; with -Pn only the
# hosts that answered something themselves (nmap prints no latency for the others)
RTT=$(dirname "$0")/scanrtt.py
scan udpd -sU -p "$UP" "$H" "${FAST[@]}"
rtt_ok() { # NAME [pn]
	python3 "$RTT" "$T/$1.out" "$T/$1.json" "${2:-}" >"$T/$1.rtt" 2>&1
	local r=$?
	sed 's/^/    /' "$T/$1.rtt"
	return $r
}
check "-sn -PE: latency of every host up" rtt_ok snPE
check "-sn -PS22: latency of every host up" rtt_ok snPS22
check "-sS: latency of every host up, rtt_us of every answer" rtt_ok disc
check "-sU: latency of every host up, rtt_us of every answer" rtt_ok udpd
check "-Pn -sS: latency of every host that answered" rtt_ok syn pn
check "-Pn -sU: latency of every host that answered" rtt_ok udp pn

# no options: discovery + the top 1,000 TCP ports as a SYN scan; without CAP_NET_RAW a
# connect scan with a one-line notice
scan def 198.19.0.1-3 "${FAST[@]}"
check "no options: SYN scan of 1,000 ports per host" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ports = [r for r in recs if "port" in r]
assert recs[-1]["scan_type"] == "syn", recs[-1]
assert len(ports) == 3000, len(ports)
opens = sorted({r["port"] for r in ports if r["state"] == "open"})
assert opens == [22, 80, 443, 8080], opens' "$T/def.json"
TMO=120 inS setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$W" scan -p 22,25,80,81 198.19.0.1 -oJ - >"$T/unpriv.json" 2>"$T/unpriv.err"
echo $? >"$T/unpriv.rc"
check "no CAP_NET_RAW: connect scan with a notice" bash -c \
	"[ \$(cat $T/unpriv.rc) = 0 ] && grep -q 'connect scan' $T/unpriv.err && [ \$(wc -l <$T/unpriv.err) = 1 ] &&
	 grep -q '\"port\":80,\"state\":\"open\"' $T/unpriv.json"

# JSON Lines: every line parses, a summary closes the file
check "JSON lines parse" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines and all(json.loads(l) for l in lines)
assert json.loads(lines[-1])["type"] == "summary"' "$T/syn.json"

# shards: disjoint, union = the full truth
for k in 1 2 3; do
	scan "shard$k" -sS -Pn -p "$TP" "$H" --seed 77 --shard "$k/3" "${FAST[@]}"
done
check "shards: pairwise disjoint" python3 "$LAB" disjoint "$T/shard1.json" "$T/shard2.json" "$T/shard3.json"
check "shards: union = full" truth shards syn 1-30 "$TP" "$T/shard1.json" "$T/shard2.json" "$T/shard3.json"

# SIGINT once 300 of 3,800 results are in, then --resume: union = full. The SIGINT is sent
# twice at once, as timeout(1) and shells do (to the process and to its group): that is one
# interruption, not the "second ^C" that ends the program without saving.
RP=$(seq -s, 1 200)
RH=198.19.0.1-19
(cd "$T" && exec ip netns exec "$S" "$W" scan -sS -Pn -p "$RP" "$RH" --rate 1000 --seed 5 \
	--wait 300 --resume-file "$T/r.resume" -oJ "$T/part1.json" >"$T/part1.out" 2>"$T/part1.err") &
SPID=$!
PIDS+=("$SPID")
for _ in $(seq 1500); do # at most 30 s
	n=$(grep -c proto "$T/part1.json" 2>/dev/null)
	[ "${n:-0}" -ge 300 ] && break
	sleep 0.02
done
kill -INT "$SPID"
kill -INT "$SPID"
wait_pid "$SPID" 30 || kill -KILL "$SPID"
wait "$SPID"
echo $? >"$T/part1.rc"
check "SIGINT: exit 130 and a resume hint" bash -c "[ \$(cat $T/part1.rc) = 130 ] && grep -q -- '--resume' $T/part1.err"
check "SIGINT: resume file has a position" grep -q '^position=[1-9]' "$T/r.resume"
cp "$T/part1.json" "$T/part1.snap"
inS "$W" scan --resume "$T/r.resume" >"$T/part2.out" 2>"$T/part2.err"
echo $? >"$T/part2.rc"
check "resume: exit 0" rc_is part2 0
check "resume: union = full (appended to the same -oJ file)" truth resume syn 1-19 "$RP" "$T/part1.json"
check "resume: the first part was partial" bash -c \
	"n=\$(grep -c proto $T/part1.snap); [ \$n -lt 3800 ] && [ \$n -gt 0 ]"

# SIGKILL once the resume file has been rewritten with a position, then --resume: union =
# full, and what the killed scan reported is not reported again (its journal, r.resume.done:
# one duplicate at most, from a kill between a result's -oJ line and its journal record).
# The killed scan had sent positions it had not decided (the silent ones are decided at
# the end of a pass): the resume decides them.
(cd "$T" && exec ip netns exec "$S" "$W" scan -sS -Pn -p "$RP" "$RH" --rate 1000 --seed 6 \
	--wait 300 --resume-file "$T/k.resume" -oJ "$T/kill1.json" -oX "$T/kill1.xml" \
	--pcapng "$T/kill.pcapng" >"$T/kill1.out" 2>"$T/kill1.err") &
SPID=$!
PIDS+=("$SPID")
for _ in $(seq 1500); do # at most 30 s
	grep -q '^position=[1-9]' "$T/k.resume" 2>/dev/null && break
	sleep 0.02
done
sleep 0.3
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
check "SIGKILL: the resume file says what was sent and what was decided" bash -c \
	"grep -q '^position=[1-9]' $T/k.resume && grep -q '^decided=0\$' $T/k.resume"
check "SIGKILL: every JSON line of the killed scan parses" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines and all("port" in json.loads(l) for l in lines), "not only whole port lines"
print("   ", len(lines), "lines")' "$T/kill1.json"
cp "$T/kill1.json" "$T/kill1.snap"
inS "$W" scan --resume "$T/k.resume" >"$T/kill2.out" 2>"$T/kill2.err"
echo $? >"$T/kill2.rc"
check "SIGKILL + --resume: exit 0" rc_is kill2 0
check "SIGKILL + --resume: union = full" truth kill syn 1-19 "$RP" "$T/kill1.json"
check "SIGKILL: the first part was partial" bash -c \
	"n=\$(grep -c proto $T/kill1.snap); [ \$n -lt 3800 ] && [ \$n -gt 0 ]"
check "SIGKILL + --resume: no port reported twice, no two verdicts for one" python3 -c '
import collections, json, sys
n = collections.Counter()
v = collections.defaultdict(set)
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "port" in o:
        k = (o["ip"], o["proto"], o["port"])
        n[k] += 1
        v[k].add((o["state"], o["reason"]))
dups = sum(c - 1 for c in n.values())
print("    duplicates", dups)
assert dups <= 1 and all(len(s) == 1 for s in v.values())' "$T/kill1.json"
check "SIGKILL + --resume: -oX is one XML document with every open port" \
	python3 -c '
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "nmaprun" and len(root.findall("runstats")) == 1
assert root.find("runstats/finished").get("exit") == "success", "the resumed run ended"
xs = {(h.find("address").get("addr"), int(p.get("portid")))
      for h in root.findall("host") for p in h.iter("port")
      if p.find("state").get("state") == "open"}
js = set()
for l in open(sys.argv[2]):
    o = json.loads(l)
    if "port" in o and o["state"] == "open":
        js.add((o["ip"], o["port"]))
print("    xml", len(xs), "json", len(js))
assert xs == js' "$T/kill1.xml" "$T/kill1.json"
check "SIGKILL + --resume: tshark reads the --pcapng record (the killed run's cut block dropped)" \
	bash -c "tshark -r '$T/kill.pcapng' -T fields -e frame.comment >'$T/kill.cmt' 2>'$T/kill.terr' &&
		grep -q 'open syn-ack' '$T/kill.cmt' || { sed 's/^/    /' '$T/kill.terr'; false; }"
check "SIGKILL + --resume: the journal is emptied once all is decided" bash -c \
	"grep -q '^decided=3800\$' $T/k.resume && [ ! -s $T/k.resume.done ]"

# SIGKILL during a port scan's host discovery (30 hosts x 4 probes at 20 a second: 6 s),
# right after the first save: the position saved is the port scan's, not the discovery's
# (a discovery index saved as the position made the resume skip that many port positions)
(cd "$T" && exec ip netns exec "$S" "$W" scan -sS -p 22,25,80 "$H" --rate 20 --seed 7 \
	--wait 300 --resume-file "$T/d.resume" -oJ "$T/dkill1.json" >"$T/dkill1.out" 2>"$T/dkill1.err") &
SPID=$!
PIDS+=("$SPID")
for _ in $(seq 1500); do # at most 30 s
	[ -s "$T/d.resume" ] && break
	sleep 0.02
done
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
check "SIGKILL in discovery: the position saved is 0" grep -q '^position=0$' "$T/d.resume"
inS "$W" scan --resume "$T/d.resume" >"$T/dkill2.out" 2>"$T/dkill2.err"
echo $? >"$T/dkill2.rc"
check "SIGKILL in discovery + --resume: exit 0" rc_is dkill2 0
check "SIGKILL in discovery + --resume: union = full" truth dkill syn 1-19,25-30 22,25,80 "$T/dkill1.json"

# a full disk (a 256 KiB tmpfs, in a mount namespace of its own: gone with the process):
# exit 1, a message naming the -oJ file and the error, and the file holds whole lines only
mkdir "$T/full"
timeout 60 unshare -m bash -c "mount -t tmpfs -o size=256k tmpfs '$T/full' && cd '$T/full' &&
	ip netns exec '$S' '$W' scan -sS -Pn -p 1-300 '$H' --rate 3000 --resume-file r.resume \
		-oJ a.json >/dev/null 2>'$T/full.err'; echo \$? >'$T/full.rc'; cp a.json '$T/full.json'"
check "full disk: exit 1 naming the -oJ file and ENOSPC" bash -c \
	"[ \"\$(cat $T/full.rc)\" = 1 ] && grep -q '^wirekit scan: a.json: No space left on device' $T/full.err"
check "full disk: the -oJ file holds whole lines only" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "" and len(lines) > 100, "no final newline or too few lines"
for l in lines[:-1]:
    json.loads(l)
print("   ", len(lines) - 1, "lines")' "$T/full.json"

# bad input: exit 2, one line naming the culprit, not one packet on the link
# (only what the scanner itself starts: a late kernel RST to a SYN-ACK retransmitted after the
# scans above is not a probe, and neither is the target's own traffic)
bg timeout 60 ip netns exec "$G" tcpdump -i "et$$" -n -w "$T/bad.pcap" -U \
	'src host 198.18.0.1 and not arp and not (tcp[tcpflags] & tcp-rst != 0)'
sleep 1
bad_input() { # NAME CULPRIT ARGS...
	local name=$1 culprit=$2
	shift 2
	inS "$W" scan "$@" >"$T/$name.out" 2>"$T/$name.err"
	local r=$?
	[ $r = 2 ] && [ "$(wc -l <"$T/$name.err")" = 1 ] && grep -q -- "$culprit" "$T/$name.err" ||
		{ echo "    exit $r: $(cat "$T/$name.err")"; return 1; }
}
check "bad CIDR: exit 2" bad_input bad1 198.19.0.0/33 -p 80 198.19.0.0/33
check "port 0: exit 2" bad_input bad2 0 -p 0 198.19.0.1
check "port 65536: exit 2" bad_input bad3 65536 -p 65536 198.19.0.1
check "unresolvable name: exit 2" bad_input bad4 no-such-host.invalid -p 80 no-such-host.invalid
check "empty after excludes: exit 2" bad_input bad5 "no targets" -p 80 198.19.0.0/28 --exclude 198.19.0.0/24
check "unknown option: exit 2" bad_input bad6 --bogus --bogus 198.19.0.1
check "unknown scan type letter: exit 2" bad_input bad7 "-sX" -sSX -p 80 198.19.0.1
check "-6 with an IPv4 target: exit 2" bad_input bad8 "not an IPv6 address" -6 -p 80 198.19.0.1
check "-4 with -6: exit 2" bad_input bad9 "one address family" -4 -6 -p 80 198.19.0.1
check "bad nmap time spec: exit 2" bad_input bad10 "--max-rtt-timeout" --max-rtt-timeout 2d -p 80 198.19.0.1
check "-sn with -p: exit 2 (nmap refuses it)" bad_input bad11 "-sn is host discovery only" -sn -p 22 198.19.0.1
check "-F with -p: exit 2" bad_input bad12 "one of them" -F -p 22 198.19.0.1
check "--min-rate above --max-rate: exit 2" bad_input bad13 "above --max-rate" --min-rate 1000 --max-rate 100 -p 22 198.19.0.1
check "-e of no interface: exit 2 before any report" bad_input bad14 "no such interface" -e nosuch0 -p 22 198.19.0.1
check "IPv4 and IPv6 in one raw scan: exit 2 before any report" bad_input bad15 "IPv4 and IPv6" -p 22 198.19.0.1 2001:db8::1
check "nmap's -A: exit 2 with the reason" bad_input bad16 "OS detection" -A 198.19.0.1
check "-dd: the message names -d, not the word before it" bad_input bad17 "^wirekit scan: -d: " -p22 -dd 198.19.0.1
check "-sX: exit 2 naming nmap's Xmas scan" bad_input bad18 "Xmas" -sX 198.19.0.1
# a path that cannot be written, named last: exit 1 naming it before any file is opened
# (the existing -oJ file named first keeps its bytes), and nothing sent
echo keep >"$T/keep.json"
inS "$W" scan -sS -Pn -p 22 198.19.0.1 -oJ "$T/keep.json" --resume-file "$T/no/such.resume" \
	>"$T/np.out" 2>"$T/np.err"
echo $? >"$T/np.rc"
check "--resume-file in a missing directory: exit 1 naming it, -oJ untouched" bash -c \
	"[ \$(cat $T/np.rc) = 1 ] && grep -q 'no/such.resume: No such file or directory' $T/np.err &&
	 [ \"\$(cat $T/keep.json)\" = keep ]"
# one file in and out, or two outputs on one file: exit 2 naming it, the file as it was
printf '198.19.0.1\n198.19.0.2\n' >"$T/hosts.txt"
ln -s hosts.txt "$T/hosts.lnk"
check "-iL FILE -oN FILE: exit 2" bad_input bad19 "hosts.txt is an input and an output" \
	-p 22 -iL "$T/hosts.txt" -oN "$T/hosts.txt"
check "--excludefile LINK -oG FILE (one file): exit 2" bad_input bad20 "an input and an output" \
	-p 22 198.19.0.1-3 --excludefile "$T/hosts.lnk" -oG "$T/hosts.txt"
check "-iL and --excludefile files are not overwritten" bash -c \
	"[ \"\$(cat $T/hosts.txt)\" = \"\$(printf '198.19.0.1\n198.19.0.2')\" ]"
check "-oA BASE -oX BASE.xml: exit 2" bad_input bad21 "same.xml is named by two outputs" \
	-p 22 198.19.0.1 -oA "$T/same" -oX "$T/same.xml"
sleep 1
kill "$BGPID" 2>/dev/null
wait_pid "$BGPID" 5
check "bad input: no packet on the link" bash -c \
	"[ \$(tcpdump -r $T/bad.pcap -n 2>/dev/null | tee -a /dev/stderr | wc -l) = 0 ]"

# nmap's scan type letters in one word: -sSU is -sS -sU
scan sSU -sSU -Pn -p U:53,T:22 198.19.0.1 --reason
check "-sSU: the TCP and the UDP port, as -sS -sU" bash -c \
	"grep -q '^22/tcp  *open  *ssh  *syn-ack' $T/sSU.out && grep -q '^53/udp  *open ' $T/sSU.out"

# 5% loss each way on the target: recall >= 99.9%, no false positive
ip netns exec "$G" nft -f - <<NFT
table inet wkloss {
	chain in { type filter hook input priority -10; policy accept; ip saddr 198.18.0.1 numgen random mod 20 0 drop; }
	chain out { type filter hook output priority -10; policy accept; ip daddr 198.18.0.1 numgen random mod 20 0 drop; }
}
NFT
scan loss -sS -Pn -p "$TP" 198.19.0.1-254 --wait 300
check "5% loss: exit 0" rc_is loss 0
check "5% loss: recall >= 99.9%, no false positive" python3 "$LAB" recall 1-254 "$TP" "$T/loss.json"
python3 "$LAB" recall 1-254 "$TP" "$T/loss.json" | sed 's/^/    /'
finish
