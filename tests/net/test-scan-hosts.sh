#!/usr/bin/env bash
# wirekit scan -R in the scan lab: dnsmasq in a third namespace (198.18.1.2, on its own
# link to the scanner: the target's UDP 53 is the lab's echo listener) answers PTR
# questions for some lab addresses (NXDOMAIN for the others); 198.19.0.20, which the lab's nftables
# silences, is the server that never answers. Names must appear in text, XML (as nmap
# writes them, compared with nmap -sn -R --dns-servers on the same lab), grepable and
# JSON Lines; a silent server must not hold the scan beyond --dns-timeout; a silent
# first server must not keep the names of the second from coming; bad lists exit 2.
# Then -Pn's host records: every target up with reason user-set, also those with no
# answering port, for -sS, -sT and -sU, as nmap -Pn reports them (XML compared).
. "$(dirname "$0")/lib.sh"
need ip nft python3 timeout dnsmasq
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for network namespaces and raw sockets"; exit 77; }
netns_or_skip
S=wkrdns$$ # scanner
G=wkrdnt$$ # target
D=wkrdnd$$ # resolver
. "$(dirname "$0")/scanlab.sh"
lab_up || exit 1
ip netns add "$D"
NETNS+=("$D")
ip link add "ds$$" netns "$S" type veth peer name "dd$$" netns "$D"
ip -n "$S" addr add 198.18.1.1/24 dev "ds$$"
ip -n "$D" addr add 198.18.1.2/24 dev "dd$$"
ip -n "$S" link set "ds$$" up
ip -n "$D" link set "dd$$" up
ip -n "$D" link set lo up

DNS=198.18.1.2
SILENT=198.19.0.20
H=198.19.0.1-30
# names: 5 and 6 by host records, 12 by a PTR record only; the rest of the /24 NXDOMAIN
bg timeout 300 ip netns exec "$D" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address="$DNS" --bind-interfaces --user=root --group=root --pid-file= \
	--local=/19.198.in-addr.arpa/ --log-facility=- \
	--host-record=web.lab,198.19.0.5 --host-record=mail.lab,198.19.0.6 \
	--ptr-record=12.0.19.198.in-addr.arpa,db-12.lab 2>"$T/dnsmasq.log"
wait_port 53 u "$D" || { echo "FAIL dnsmasq did not start"; exit 1; }

scan() { # NAME ARGS...: text on stdout, XML, JSON Lines, grepable
	local name=$1
	shift
	inS "$W" scan "$@" -oX "$T/$name.xml" -oJ "$T/$name.json" -oG "$T/$name.gnmap" \
		>"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
# xml_names FILE: "addr name" lines of the hosts with a PTR name
xml_names() {
	python3 - "$1" <<-'PY'
	import sys, xml.etree.ElementTree as ET
	for h in ET.parse(sys.argv[1]).getroot().iter("host"):
	    a = h.find("address").get("addr")
	    for n in h.iter("hostname"):
	        if n.get("type") == "PTR":
	            print(a, n.get("name"))
	PY
}

scan sn -sn -PE -R --dns-servers "$DNS" "$H" --wait 300 --max-retries 1
check "-sn -R: exit 0" rc_is sn 0
check "-sn -R: text names the hosts as nmap does" \
	grep -qx 'wirekit scan report for web.lab (198.19.0.5)' "$T/sn.out"
check "-sn -R: a PTR-only record" grep -qx 'wirekit scan report for db-12.lab (198.19.0.12)' "$T/sn.out"
check "-sn -R: a host without a name stays an address" grep -qx 'wirekit scan report for 198.19.0.7' "$T/sn.out"
check "-sn -R: grepable" grep -q '^Host: 198.19.0.6 (mail.lab)' "$T/sn.gnmap"
check "-sn -R: JSON host lines carry the name" python3 -c '
import json, sys
names = {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "hostname" in o:
        names[o["ip"]] = o["hostname"]
want = {"198.19.0.5": "web.lab", "198.19.0.6": "mail.lab", "198.19.0.12": "db-12.lab"}
sys.exit(0 if names == want else print(names) or 1)' "$T/sn.json"
xml_names "$T/sn.xml" >"$T/sn.names"
check "-sn -R: XML <hostname type=PTR> of the three named hosts" \
	test "$(cat "$T/sn.names")" = "198.19.0.5 web.lab
198.19.0.6 mail.lab
198.19.0.12 db-12.lab"

# nmap on the same lab, the same servers: the same names for the same addresses
inS nmap -sn -PE -R --dns-servers "$DNS" "$H" -oX "$T/nmap.xml" >"$T/nmap.out" 2>&1
xml_names "$T/nmap.xml" >"$T/nmap.names"
check "nmap -sn -R found names" test -s "$T/nmap.names"
check "nmap -sn -R agrees on every name" same_file "$T/sn.names" "$T/nmap.names"

# a port scan: the name on the report line, ports below it
scan syn -sS -Pn -p 22,80 198.19.0.5-6 -R --dns-servers "$DNS" --wait 300 --max-retries 1
check "-sS -R: names with the port table" grep -qx 'wirekit scan report for mail.lab (198.19.0.6)' "$T/syn.out"

# a server that never answers: the lookup ends at the cap, the scan reports without names
scan silent -sn -PE -R --dns-servers "$SILENT" --dns-timeout 1500 "$H" --wait 300 --max-retries 1
check "silent server: exit 0" rc_is silent 0
check "silent server: every question given up at the cap" grep -q 'not answered in time' "$T/silent.err"
check "silent server: hosts reported without names" grep -qx 'wirekit scan report for 198.19.0.5' "$T/silent.out"
sed -n 's/^wirekit scan: reverse DNS: /    (silent server: /p' "$T/silent.err"

# the silent server first: the questions move on to the second one
scan both -sn -PE -R --dns-servers "$SILENT,$DNS" --dns-timeout 8000 "$H" --wait 300 --max-retries 1
xml_names "$T/both.xml" >"$T/both.names"
check "silent server first: the second one names the hosts" same_file "$T/sn.names" "$T/both.names"

# bad input: exit 2 before anything is sent
for bad in "198.18.0.x" "198.18.0.2," "" "1,2,3,4,5,6,7,8,9"; do
	inS "$W" scan -sn -PE -R --dns-servers "$bad" 198.19.0.5 >"$T/bad.out" 2>"$T/bad.err"
	check "--dns-servers '$bad': exit 2 with one line" bash -c "[ $? = 2 ] && [ \$(wc -l <$T/bad.err) = 1 ]"
done
inS "$W" scan -sn -PE -R --dns-timeout 0 198.19.0.5 >"$T/bad.out" 2>"$T/bad.err"
check "--dns-timeout 0: exit 2" test $? = 2

# -Pn: every target is up, received user-set (nmap's words), answering or not
# xml_status FILE: "addr state reason" of the listed hosts
xml_status() {
	python3 - "$1" <<-'PY'
	import sys, xml.etree.ElementTree as ET
	for h in ET.parse(sys.argv[1]).getroot().iter("host"):
	    s = h.find("status")
	    print(h.find("address").get("addr"), s.get("state"), s.get("reason"))
	PY
}
PN=198.19.0.5,20,24
for t in sS sT sU; do
	p=22,25
	[ $t = sU ] && p=53,500
	scan "pn$t" "-$t" -Pn -p "$p" "$PN" --reason --wait 300 --max-retries 1
	check "-$t -Pn: exit 0" rc_is "pn$t" 0
	xml_status "$T/pn$t.xml" >"$T/pn$t.status"
	check "-$t -Pn: every target up with reason user-set" test "$(cat "$T/pn$t.status")" = "198.19.0.5 up user-set
198.19.0.20 up user-set
198.19.0.24 up user-set"
	check "-$t -Pn: the silent host is in the text report" \
		grep -qx 'Host is up, received user-set.' "$T/pn$t.out"
	check "-$t -Pn: JSON host lines" python3 -c '
import json, sys
hosts = {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") != "summary" and "port" not in o:
        hosts[o["ip"]] = (o["state"], o["reason"])
want = {a: ("up", "user-set") for a in ("198.19.0.5", "198.19.0.20", "198.19.0.24")}
sys.exit(0 if hosts == want else print(hosts) or 1)' "$T/pn$t.json"
	check "-$t -Pn: 3 hosts up in the summary" grep -q '(3 hosts up)' "$T/pn$t.out"
done
inS nmap -n -sS -Pn -p 22,25 "$PN" --max-retries 1 -oX "$T/nmappn.xml" >/dev/null 2>&1
xml_status "$T/nmappn.xml" >"$T/nmappn.status"
check "-sS -Pn: nmap -Pn lists the same hosts, states and reasons" same_file "$T/pnsS.status" "$T/nmappn.status"

# -Pn over a /22 streams its host records: the writers make the user-set hosts that have
# no port answer from the target set, merged in address order with the hosts that do.
# Every output lists all 1,024 targets once, in order, and the answering hosts keep their
# ports; the JSON summary counts the records a report holds.
scan pnbig -sS -Pn -p 22,25 198.19.0.0/22 --reason --wait 300 --max-retries 1
check "-Pn /22: exit 0" rc_is pnbig 0
check "-Pn /22: XML, grepable, text and JSON list every target once, in order" python3 - "$T/pnbig" <<'PY'
import ipaddress, json, re, sys, xml.etree.ElementTree as ET
b = sys.argv[1]
want = [str(a) for a in ipaddress.ip_network("198.19.0.0/22")]
root = ET.parse(b + ".xml").getroot()
xh = [(h.find("address").get("addr"), h.find("status").get("reason")) for h in root.iter("host")]
assert [a for a, _ in xh] == want, len(xh)
assert all(r == "user-set" for _, r in xh)
ports = {h.find("address").get("addr"): {(p.get("portid"), p.find("state").get("state"))
         for p in h.iter("port")} for h in root.iter("host")}
# the lab answers for 198.19.0.0/24 only: 22 open there (not on the silent .20-.24)
assert ("22", "open") in ports["198.19.0.1"] and ("22", "open") in ports["198.19.0.255"], ports["198.19.0.1"]
assert not any(("22", "open") in ports[a] for a in want[256:]), "open beyond the /24"
g = [l.split()[1] for l in open(b + ".gnmap") if l.startswith("Host: ") and "Status: Up" in l]
assert g == want, len(g)
t = [l.split()[-1] for l in open(b + ".out") if l.startswith("wirekit scan report for ")]
assert t == want, len(t)
# nmap's line, with the latency of the hosts whose ports answered
up = [l for l in open(b + ".out") if l.startswith("Host is up")]
assert len(up) == 1024 and all(re.fullmatch(r"Host is up, received user-set( \([0-9.]+s latency\))?\.\n", l)
                               for l in up), [l for l in up][:3]
assert sum(1 for l in up if "latency" in l) >= 200, sum(1 for l in up if "latency" in l)
recs, summ = 0, None
for l in open(b + ".json"):
    o = json.loads(l)
    if o.get("type") == "summary":
        summ = o
        continue
    recs += 1
hosts = sum(1 for l in open(b + ".json") if '"port"' not in l and '"summary"' not in l)
assert hosts == 1024, hosts
assert summ["hosts_up"] == 1024 and summ["hosts_total"] == 1024, summ
# stored: the port answers of the /24 and their hosts' records; made: the silent targets'
answered = {json.loads(l)["ip"] for l in open(b + ".json") if '"port"' in l and
            json.loads(l)["reason"] != "no-response"}
stored_ports = sum(1 for l in open(b + ".json") if '"port"' in l and json.loads(l)["reason"] != "no-response")
assert summ["results"] == stored_ports + 1024, (summ["results"], stored_ports)
print("    %d answering hosts, %d records" % (len(answered), summ["results"]))
PY
# -R with -Pn names a target that has no stored record (.12: port 25 dropped, no answer)
scan pnname -sS -Pn -p 25 198.19.0.11-13 -R --dns-servers "$DNS" --wait 300 --max-retries 1
check "-Pn -R: a target without an answer gets its name" \
	grep -qx 'wirekit scan report for db-12.lab (198.19.0.12)' "$T/pnname.out"
check "-Pn -R: the unnamed targets are still listed" bash -c \
	"[ \$(grep -c '^wirekit scan report for' '$T/pnname.out') = 3 ] && grep -q 'addr=\"198.19.0.12\"' '$T/pnname.xml' && grep -q 'db-12.lab' '$T/pnname.xml'"

# -sL -R: every target listed (status unknown), named as nmap -sL -R names them; nothing is
# sent to the targets (only the DNS questions)
scan list -sL -R --dns-servers "$DNS" "$H"
check "-sL -R: exit 0" rc_is list 0
xml_names "$T/list.xml" >"$T/list.names"
inS nmap -sL -R --dns-servers "$DNS" "$H" -oX "$T/nmapl.xml" >/dev/null 2>&1
xml_names "$T/nmapl.xml" >"$T/nmapl.names"
check "nmap -sL -R found names" test -s "$T/nmapl.names"
check "-sL -R: the same names as nmap -sL -R" same_file "$T/list.names" "$T/nmapl.names"
check "-sL -R: every target listed once, state unknown, in XML and text" python3 - "$T/list" "$T/nmapl.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
b = sys.argv[1]
ours = [(h.find("address").get("addr"), h.find("status").get("state"))
        for h in ET.parse(b + ".xml").getroot().iter("host")]
theirs = [(h.find("address").get("addr"), h.find("status").get("state"))
          for h in ET.parse(sys.argv[2]).getroot().iter("host")]
assert ours == theirs and all(s == "unknown" for _, s in ours), (ours, theirs)
rep = [l for l in open(b + ".out") if l.startswith("wirekit scan report for ")]
assert len(rep) == len(ours) and not any(l.startswith("Host is up") for l in open(b + ".out"))
PY
finish
