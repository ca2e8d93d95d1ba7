#!/usr/bin/env bash
# Version detection and banners against real daemons (tests/net/svclab.sh), with nmap -sV
# as the oracle in the same run: service, product and version must agree on >= 95% of the
# open ports, every disagreement listed with its reason; --banners must read the same
# first bytes as ncat does from each port that speaks first.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/svclab.sh"
need nmap ncat python3 ss timeout openssl ssh-keygen
netns_or_skip
SVC=${BUILD:?BUILD not set}/tests/svc_probe
[ -x "$SVC" ] || { echo "SKIP: $SVC not built"; exit 77; }
[ -r /usr/share/nmap/nmap-service-probes ] || { echo "SKIP: nmap-common not installed"; exit 77; }

have=0
for d in /usr/sbin/sshd /usr/sbin/nginx /usr/sbin/vsftpd /usr/bin/redis-server /usr/bin/memcached \
	/usr/sbin/dnsmasq /usr/sbin/snmpd /usr/sbin/lighttpd /usr/sbin/postfix; do
	[ -x "$d" ] && have=$((have + 1))
done
[ $have -ge 6 ] || { echo "SKIP: lab daemons not installed (scripts/deps.sh --lab)"; exit 77; }
lab_up || { bad "lab network"; finish; }
echo "lab: ${LAB_DAEMONS[*]} on $TADDR, $(lab_portspec)"
check "lab: at least 6 daemons running" [ ${#LAB_DAEMONS[@]} -ge 6 ]
read -r -a spec <<<"$(lab_portspec)"
tlist=$(IFS=,; echo "${TCP_PORTS[*]}")
ulist=$(IFS=,; echo "${UDP_PORTS[*]}")
nports="T:$tlist"
scan="-sS"
if [ -n "$ulist" ]; then nports="$nports,U:$ulist"; scan="-sS -sU"; fi

# --- -sV: ours and nmap's, same namespaces, same ports
t0=$(date +%s.%N)
timeout 120 ip netns exec "$SNS" "$SVC" -sV "$TADDR" "${spec[@]}" >"$T/ours.tsv" 2>"$T/ours.err"
rc=$?
t1=$(date +%s.%N)
check "svc_probe -sV exit 0 ($(cat "$T/ours.err"))" [ $rc = 0 ]
# shellcheck disable=SC2086
timeout 300 ip netns exec "$SNS" nmap $scan -sV -n -Pn -p "$nports" -oX "$T/nmap.xml" "$TADDR" \
	>"$T/nmap.txt" 2>&1
t2=$(date +%s.%N)
check "nmap -sV ran" [ -s "$T/nmap.xml" ]
echo "time: ours $(echo "$t1 - $t0" | bc) s, nmap $(echo "$t2 - $t1" | bc) s"

python3 - "$T/ours.tsv" "$T/nmap.xml" >"$T/agree.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
ours = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    ours[(f[0], int(f[1]))] = (f[2], f[3], f[4], f[6], f[7])
theirs = {}
for p in ET.parse(sys.argv[2]).getroot().iter("port"):
    st = p.find("state").get("state")
    s = p.find("service")
    name = prod = ver = ""
    if s is not None:
        name = s.get("name", "")
        if s.get("tunnel") == "ssl":
            name = "ssl/" + name
        prod, ver = s.get("product", ""), s.get("version", "")
        if s.get("method") == "table":  # nmap's guess from the port number, not a probe
            name, prod, ver = "", "", ""
    theirs[(p.get("protocol"), int(p.get("portid")))] = (st, name, prod, ver)
agree = total = 0
for k in sorted(ours):
    st, name, prod, ver = theirs.get(k, ("absent", "", "", ""))
    o = ours[k]
    if not st.startswith("open"):
        print("skip %s/%d: nmap says %s" % (k[0], k[1], st))
        continue
    total += 1
    if (o[0], o[1], o[2]) == (name, prod, ver):
        agree += 1
        print("same %s/%d: %s | %s | %s" % (k[0], k[1], name, prod, ver))
    else:
        why = []
        if o[0] != name: why.append("service ours %r nmap %r" % (o[0], name))
        if o[1] != prod: why.append("product ours %r nmap %r" % (o[1], prod))
        if o[2] != ver: why.append("version ours %r nmap %r" % (o[2], ver))
        print("DIFF %s/%d: %s (ours: %s at %s)" % (k[0], k[1], "; ".join(why), o[3], o[4]))
print("agreement %d/%d" % (agree, total))
sys.exit(0 if total and agree * 100 >= 95 * total else 1)
PY
rc=$?
cat "$T/agree.txt"
check "-sV agrees with nmap on >= 95% of open ports ($(tail -1 "$T/agree.txt"))" [ $rc = 0 ]

# --- the same through the CLI: wirekit scan -sS -sV, XML <service> equal to the library's
timeout 120 ip netns exec "$SNS" "$W" scan -sS -sV -Pn -p "$tlist" -oX "$T/cli.xml" "$TADDR" \
	>"$T/cli.txt" 2>&1
check "wirekit scan -sV exit 0" [ $? = 0 ]
check "wirekit scan -sV text has a VERSION column" contains "$T/cli.txt" "VERSION"
# nmap's "Service Info:" line (host names, OS and device types, OS CPEs of the services)
timeout 300 ip netns exec "$SNS" nmap -sS -sV -n -Pn -p "$tlist" "$TADDR" >"$T/nmapt.txt" 2>&1
# blanks squeezed: nmap keeps the space its Postfix pattern captures (h/ " lab.test"),
# our version strings collapse blanks
grep '^Service Info:' "$T/nmapt.txt" | tr -s ' ' >"$T/nmapt.si"
grep '^Service Info:' "$T/cli.txt" | tr -s ' ' >"$T/cli.si"
check "nmap -sV printed a Service Info line ($(cat "$T/nmapt.si"))" test -s "$T/nmapt.si"
check "wirekit scan -sV: the Service Info line of nmap ($(cat "$T/cli.si"))" same_file "$T/cli.si" "$T/nmapt.si"
python3 - "$T/ours.tsv" "$T/cli.xml" >"$T/cli.cmp" <<'PY'
import sys, xml.etree.ElementTree as ET
ours = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    ours[(f[0], int(f[1]))] = (f[2], f[3], f[4], f[9])
bad = n = 0
for p in ET.parse(sys.argv[2]).getroot().iter("port"):
    s = p.find("service")
    k = (p.get("protocol"), int(p.get("portid")))
    name = ("ssl/" if s.get("tunnel") == "ssl" else "") + s.get("name", "")
    cpes = ",".join(c.text for c in s.findall("cpe"))
    got = (name, s.get("product", ""), s.get("version", ""), cpes)
    n += 1
    if got != ours.get(k):
        bad += 1
        print("CLI %s/%d: %r, library %r" % (k[0], k[1], got, ours.get(k)))
print("cli %d ports, %d differ" % (n, bad))
sys.exit(1 if bad or not n else 0)
PY
check "wirekit scan -sV XML (service, product, version, cpe) = library ($(tail -1 "$T/cli.cmp"))" \
	[ $? = 0 ]

got_answer() { [ -n "$1" ] || [ "$2" != - ]; }
same_start() { [ "$3" -gt 0 ] && [ "${1:0:$3}" = "${2:0:$3}" ]; }

# --- --banners: the first bytes are what ncat reads from the port
timeout 60 ip netns exec "$SNS" "$SVC" --banners "$TADDR" "T:$tlist" >"$T/banners.tsv" 2>"$T/b.err"
check "svc_probe --banners exit 0" [ $? = 0 ]
for p in "${TCP_PORTS[@]}"; do
	ours=$(awk -F'\t' -v p="$p" '$2 == p { print $NF }' "$T/banners.tsv")
	timeout 5 ip netns exec "$SNS" ncat -i 1 --recv-only "$TADDR" "$p" </dev/null 2>/dev/null |
		head -c 1024 | od -An -v -tx1 | tr -d ' \n' >"$T/ncat.$p"
	theirs=$(cat "$T/ncat.$p")
	if [ -z "$theirs" ]; then
		# a server that waits for the client: ours spoke first and got some answer (or TLS)
		tlsinfo=$(awk -F'\t' -v p="$p" '$2 == p { print $(NF-2) }' "$T/banners.tsv")
		check "banner $p: silent server, we asked and got $((${#ours} / 2)) bytes (tls: ${tlsinfo:0:40})" \
			got_answer "$ours" "$tlsinfo"
	else
		n=${#theirs}
		[ ${#ours} -lt "$n" ] && n=${#ours}
		[ "$n" -gt 128 ] && n=128
		check "banner $p: first $((n / 2)) bytes equal ncat's" same_start "$ours" "$theirs" "$n"
	fi
done

# --- wirekit scan --banners: JSON (banner + banner_b64), XML <script id="banner"> and the
# text |_banner: line hold what ncat read from each port that speaks first; a server that
# floods (capped at 1 KiB) and one that never says a word nor closes (it gets our GET, then
# a timeout) end the scan all the same.
bg ip netns exec "$TNS" ncat -l -k "$TADDR" 40900 -c 'while :; do printf "%04096d" 0; done'
bg ip netns exec "$TNS" ncat -l -k "$TADDR" 40901 -c 'sleep 60'
wait_port 40900 t "$TNS" && wait_port 40901 t "$TNS"
timeout 120 ip netns exec "$SNS" "$W" scan -sS --banners -Pn -p "$tlist,40900,40901" \
	-oJ "$T/b.json" -oX "$T/b.xml" -oN "$T/b.txt" "$TADDR" >/dev/null 2>"$T/b.err"
check "wirekit scan --banners exit 0 ($(head -c 200 "$T/b.err"))" [ $? = 0 ]
python3 - "$T" "$T/b.json" "$T/b.xml" "$T/b.txt" "$tlist" >"$T/b.cmp" <<'PY'
import base64, json, os, re, sys, xml.etree.ElementTree as ET
T, jf, xf, tf, tl = sys.argv[1:6]
def nmap_esc(b):  # nmap's banner.nse: printable ASCII as is, else \xHH
    return "".join(chr(c) if 0x20 <= c < 0x7f else "\\x%02X" % c for c in b)
def json_str(b):  # wk_ob_json_str: UTF-8 kept, other bytes as code points U+0000..U+00FF
    return "".join(chr(ord(c) - 0xdc00) if 0xdc80 <= ord(c) <= 0xdcff else c
                   for c in b.decode("utf-8", "surrogateescape"))
js = {}
for l in open(jf):
    o = json.loads(l)
    if "port" in o:
        js[o["port"]] = o
xs = {int(p.get("portid")): p for p in ET.parse(xf).getroot().iter("port")}
txt = open(tf).read()
bad = n = 0
def no(msg):
    global bad
    bad += 1
    print("BAD " + msg)
for p in [int(x) for x in tl.split(",")]:
    ncat = bytes.fromhex(open("%s/ncat.%d" % (T, p)).read() or "")
    o = js.get(p, {})
    raw = base64.b64decode(o.get("banner_b64", ""))
    if o.get("banner", "") != json_str(raw):
        no("%d: JSON banner string does not match banner_b64" % p)
    if not ncat:
        continue  # a silent server: what we read after our request, ncat read nothing
    n += 1
    k = min(len(ncat), len(raw), 128)
    if not k or raw[:k] != ncat[:k]:
        no("%d: JSON banner %r, ncat %r" % (p, raw[:40], ncat[:40]))
    sc = [s for s in xs[p].iter("script") if s.get("id") == "banner"] if p in xs else []
    if not sc or sc[0].get("output") != nmap_esc(raw):
        no("%d: XML script banner %r" % (p, sc[0].get("output")[:60] if sc else None))
    if ("\n%d/tcp " % p) not in txt or ("|_banner: " + nmap_esc(raw) + "\n") not in txt:
        no("%d: text has no |_banner: line for it" % p)
    print("banner %d: %d bytes, first %d equal ncat's: %r" % (p, len(raw), k, raw[:30]))
flood = base64.b64decode(js.get(40900, {}).get("banner_b64", ""))
if len(flood) != 1024 or flood[:8] != b"00000000":
    no("40900 (flood): banner of %d bytes, want the 1024-byte cap" % len(flood))
if 40901 not in js:
    no("40901 (silent, never closes): no result")
print("ports that speak first: %d, bad %d" % (n, bad))
sys.exit(1 if bad or not n else 0)
PY
rc=$?
cat "$T/b.cmp"
check "--banners text/JSON/XML = ncat's first bytes; flood capped, silent ended ($(tail -1 "$T/b.cmp"))" \
	[ $rc = 0 ]

# --- SIGINT during -sV (the silent server on 40901 holds it for seconds): the port scan's
# results are kept, -oX is a whole document, the resume file is written, exit 130; a second
# SIGINT 0.2 s after the first is the same interruption (timeout(1) signals its child and
# then its group)
(exec ip netns exec "$SNS" timeout 60 "$W" scan -sS -sV -Pn -p 22,40901 --resume-file \
	"$T/i.resume" -oJ "$T/i.json" -oX "$T/i.xml" "$TADDR" >"$T/i.out" 2>"$T/i.err") &
IPID=$!
PIDS+=("$IPID")
for _ in $(seq 200); do # -sV's connection to 40901 is up (-sS makes none; at most 20 s)
	[ -n "$(ip netns exec "$TNS" ss -Htn state established '( sport = :40901 )')" ] && break
	sleep 0.1
done
sleep 0.5
kill -INT "$IPID"
sleep 0.2
kill -INT "$IPID" 2>/dev/null
wait_pid "$IPID" 30 || kill -KILL "$IPID"
wait "$IPID"
irc=$?
echo "SIGINT in -sV: exit $irc: $(cat "$T/i.err")"
check "SIGINT in -sV: exit 130, the resume file written" bash -c \
	"[ $irc = 130 ] && grep -q '^position=' '$T/i.resume' && grep -q 'stopped at position' '$T/i.err'"
check "SIGINT in -sV: -oX a whole document with both ports, exit=error, why" python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.parse('$T/i.xml').getroot()
ps = sorted(int(p.get('portid')) for p in r.iter('port'))
f = r.find('runstats/finished')
sys.exit(ps != [22, 40901] or f.get('exit') != 'error' or
         f.get('errormsg') != 'interrupted (SIGINT) at position 2')"
check "SIGINT in -sV: the JSON summary says it stopped" python3 -c "
import json, sys
s = [json.loads(l) for l in open('$T/i.json')][-1]
sys.exit(s.get('type') != 'summary' or s.get('stopped') != 'interrupted (SIGINT) at position 2')"

# --- TLS facts (-sV --banners on 443 and 40443, found by the probes, not the port number):
# certificate (subject, issuer, SANs, validity, key, SHA-256) as openssl x509 reads it,
# version, cipher and ALPN as openssl s_client negotiates them.
timeout 120 ip netns exec "$SNS" "$W" scan -sS -sV --banners -Pn -p 443,40443 -oJ "$T/t.json" \
	-oX "$T/t.xml" -oN "$T/t.txt" "$TADDR" >/dev/null 2>"$T/t.err"
check "wirekit scan -sV --banners (TLS ports) exit 0" [ $? = 0 ]
for p in 443 40443; do
	timeout 10 ip netns exec "$SNS" openssl s_client -connect "$TADDR:$p" -alpn http/1.1 \
		</dev/null >"$T/sc.$p" 2>&1
	openssl x509 -in "$T/sc.$p" -noout -subject -issuer -nameopt RFC2253 -startdate -enddate \
		-fingerprint -sha256 -ext subjectAltName -text >"$T/x509.$p" 2>&1
done
python3 - "$T" "$T/t.json" "$T/t.xml" "$T/t.txt" >"$T/t.cmp" <<'PY'
import datetime, json, re, sys, xml.etree.ElementTree as ET
T, jf, xf, tf = sys.argv[1:5]
js = {}
for l in open(jf):
    o = json.loads(l)
    if "port" in o:
        js[o["port"]] = o
xs = {int(p.get("portid")): p for p in ET.parse(xf).getroot().iter("port")}
txt = open(tf).read()
bad = 0
def cmp(p, what, ours, theirs):
    global bad
    ok = ours == theirs
    bad += not ok
    print("%s %d %s: ours %r, openssl %r" % ("same" if ok else "DIFF", p, what, ours, theirs))
def date(s):
    return datetime.datetime.strptime(s, "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%d %H:%M:%S UTC")
for p in (443, 40443):
    sc = open("%s/sc.%d" % (T, p)).read()
    x = open("%s/x509.%d" % (T, p)).read()
    t = js.get(p, {}).get("tls", {})
    cmp(p, "version", t.get("version"), re.search(r"Protocol *: *(\S+)", sc).group(1))
    cmp(p, "cipher", t.get("cipher"), re.search(r"Cipher *: *(\S+)", sc).group(1))
    m = re.search(r"ALPN protocol: (\S+)", sc)
    cmp(p, "alpn", t.get("alpn"), m.group(1) if m else None)
    cmp(p, "subject", t.get("subject"), re.search(r"^subject=(.*)$", x, re.M).group(1))
    cmp(p, "issuer", t.get("issuer"), re.search(r"^issuer=(.*)$", x, re.M).group(1))
    cmp(p, "not_before", t.get("not_before"), date(re.search(r"^notBefore=(.*)$", x, re.M).group(1)))
    cmp(p, "not_after", t.get("not_after"), date(re.search(r"^notAfter=(.*)$", x, re.M).group(1)))
    fp = re.search(r"(?i)^sha256 Fingerprint=(.*)$", x, re.M).group(1).replace(":", "").lower()
    cmp(p, "sha256", t.get("sha256"), fp)
    cmp(p, "sans", t.get("sans"), re.search(r"Subject Alternative Name: *\n\s*(.*)", x).group(1).strip())
    cmp(p, "key", "%s %s" % (t.get("key_type"), t.get("key_bits")),
        "rsa " + re.search(r"Public-Key: \((\d+) bit\)", x).group(1)
        if "rsaEncryption" in x else "?")
    s = [e for e in xs[p].iter("script") if e.get("id") == "ssl-cert"] if p in xs else []
    el = {e.get("key"): e.text for e in s[0].iter("elem")} if s else {}
    cmp(p, "XML ssl-cert sha256", el.get("sha256"), fp)
    cmp(p, "XML ssl-cert commonName", el.get("commonName"), "lab.test")
print("text ssl-cert blocks: %d" % txt.count("| ssl-cert: Subject: commonName=lab.test\n"))
if txt.count("| ssl-cert: Subject: commonName=lab.test\n") != 2:
    bad += 1
print("tls facts, differences: %d" % bad)
sys.exit(1 if bad else 0)
PY
rc=$?
cat "$T/t.cmp"
check "TLS facts = openssl s_client/x509 on 443, 40443 ($(tail -1 "$T/t.cmp"))" [ $rc = 0 ]

# the script elements, and the errormsg of the run SIGINT stopped, keep the XML valid
# against nmap.dtd (scanner="wirekit" aside)
if command -v xmllint >/dev/null && [ -f /usr/share/nmap/nmap.dtd ]; then
	for f in b t i; do
		sed 's/scanner="wirekit"/scanner="nmap"/' "$T/$f.xml" >"$T/$f.dtd.xml"
		xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$T/$f.dtd.xml" 2>"$T/$f.dtd.err"
		check "$f.xml valid against nmap.dtd ($(head -c 200 "$T/$f.dtd.err"))" \
			[ $? = 0 ]
	done
fi

# --- a damaged probe file: the message names its line, exit 1, the port results written
mkdir -p "$T/dd"
ln -s /usr/share/nmap/nmap-services "$T/dd/nmap-services"
[ -e /usr/share/nmap/nmap-payloads ] && ln -s /usr/share/nmap/nmap-payloads "$T/dd/nmap-payloads"
awk 'NR == 200 { print "match broken m|unclosed" } { print }' /usr/share/nmap/nmap-service-probes \
	>"$T/dd/nmap-service-probes"
timeout 60 ip netns exec "$SNS" "$W" scan -sS -sV --datadir "$T/dd" -Pn -p 22 -oX "$T/d.xml" \
	"$TADDR" >/dev/null 2>"$T/d.err"
rc=$?
echo "damaged probe file: exit $rc: $(cat "$T/d.err")"
check "damaged probe file: exit 1" [ $rc = 1 ]
check "damaged probe file: the message names line 200" contains "$T/d.err" "line 200"
check "damaged probe file: the port scan's results are still written" \
	contains "$T/d.xml" 'portid="22"><state state="open"'
# a pattern PCRE2 refuses (a lookbehind of no fixed length): named with its line, skipped,
# the scan goes on and still finds the others
awk 'NR == 200 { print "match broken m|(?<!a+)b|" } { print }' /usr/share/nmap/nmap-service-probes \
	>"$T/dd/nmap-service-probes"
timeout 60 ip netns exec "$SNS" "$W" scan -sS -sV --datadir "$T/dd" -Pn -p 22 -oX "$T/r.xml" \
	"$TADDR" >/dev/null 2>"$T/r.err"
rc=$?
echo "refused pattern: exit $rc: $(cat "$T/r.err")"
check "refused pattern: exit 0" [ $rc = 0 ]
check "refused pattern: the message names line 200" contains "$T/r.err" "line 200: pattern skipped"
check "refused pattern: ssh still identified" contains "$T/r.xml" 'product="OpenSSH"'
finish
