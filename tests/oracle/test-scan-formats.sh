#!/usr/bin/env bash
# Scan result formats against nmap's own tools: two XML files written by our writers
# (tests/oracle/scan_sample.c, a scan and a later scan of the same lab) must be accepted by
# ndiff, which must report the port and host changes between them; xsltproc with nmap's
# stylesheet must turn each into HTML naming the hosts, ports and versions; the XML must
# be valid against nmap.dtd (apart from scanner="wirekit", which the DTD spells as
# "nmap" only); python3 must parse the XML and every JSON line; and every element nmap
# itself writes for an -sL run (nothing sent) must exist in ours at the same place with
# at least nmap's attributes.
set -u
: "${BUILD:?}"
PY=/usr/bin/python3 # python3 on PATH may be another interpreter
sample=$BUILD/tests/scan_sample
[ -x "$sample" ] || { echo "SKIP: $sample not built"; exit 77; }
for t in ndiff xsltproc nmap "$PY"; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed (scripts/deps.sh --peers)"; exit 77; }
done
xsl=/usr/share/nmap/nmap.xsl dtd=/usr/share/nmap/nmap.dtd
[ -f "$xsl" ] || { echo "SKIP: $xsl missing (Debian nmap-common)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/a" "$tmp/b"
"$sample" "$tmp/a" a && "$sample" "$tmp/b" b || { echo "FAIL: scan_sample"; exit 1; }
fail=0
check() { # check NAME FILE PATTERN...: every fixed-string pattern occurs in FILE
	local name=$1 file=$2
	shift 2
	for p in "$@"; do
		grep -qF -- "$p" "$file" || { echo "FAIL: $name: no '$p' in:"; cat "$file"; fail=1; }
	done
}

# ndiff: exit 1 means "differences found"; 0 would mean it saw none, 2 an error.
ndiff "$tmp/a/scan.xml" "$tmp/b/scan.xml" >"$tmp/ndiff.txt" 2>"$tmp/ndiff.err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: ndiff exit $rc"; cat "$tmp/ndiff.txt" "$tmp/ndiff.err"; fail=1; }
[ -s "$tmp/ndiff.err" ] && { echo "FAIL: ndiff warned:"; cat "$tmp/ndiff.err"; fail=1; }
check ndiff "$tmp/ndiff.txt" "-80/tcp open  http    nginx <1.22>" "-198.19.0.7:" "+198.19.0.8:" \
	"+22/tcp open          ssh     OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)" \
	"-Not shown: 98 closed ports" "+Not shown: 99 closed ports"
ndiff --xml "$tmp/a/scan.xml" "$tmp/b/scan.xml" >"$tmp/ndiff.xml"
ndiff "$tmp/a/scan.xml" "$tmp/a/scan.xml" >/dev/null ||
	{ echo "FAIL: ndiff finds differences between a file and itself"; fail=1; }

# nmap's stylesheet
for v in a b; do
	if ! xsltproc -o "$tmp/$v.html" "$xsl" "$tmp/$v/scan.xml" 2>"$tmp/xslt.err"; then
		echo "FAIL: xsltproc $v"
		cat "$tmp/xslt.err"
		fail=1
	fi
done
check xsltproc "$tmp/a.html" "<html" "198.19.0.5" "198.19.0.7" "OpenSSH" "syn-ack" \
	"wirekit scan -sS -sU -p T:1-100,U:53 --reason 198.19.0.0/29" "nginx &lt;1.22&gt;"

# nmap's DTD, with the one attribute it cannot know about renamed
if command -v xmllint >/dev/null && [ -f "$dtd" ]; then
	for v in a b; do
		sed 's/scanner="wirekit"/scanner="nmap"/' "$tmp/$v/scan.xml" >"$tmp/$v.dtd.xml"
		xmllint --noout --dtdvalid "$dtd" "$tmp/$v.dtd.xml" 2>"$tmp/dtd.err" ||
			{ echo "FAIL: $v not valid against nmap.dtd"; cat "$tmp/dtd.err"; fail=1; }
	done
else
	echo "note: xmllint missing, DTD check skipped"
fi

# nmap's own XML for a run that sends nothing, for the structure we share
timeout 60 nmap -sL -n -oX "$tmp/nmap.xml" 198.18.0.1-3 >/dev/null 2>&1 ||
	{ echo "FAIL: nmap -sL"; fail=1; }

$PY - "$tmp" <<'PY' || fail=1
import json, sys, xml.etree.ElementTree as ET
tmp = sys.argv[1]
bad = 0
def fail(msg):
    global bad
    print("FAIL:", msg)
    bad = 1

# XML parses and says what the sample put in
for v in "ab":
    root = ET.parse(f"{tmp}/{v}/scan.xml").getroot()
    if root.tag != "nmaprun" or root.get("scanner") != "wirekit" or root.get("xmloutputversion") != "1.05":
        fail(f"{v}: nmaprun attributes {root.attrib}")
    hosts = {h.find("address").get("addr"): h for h in root.findall("host")}
    want = {"a": ["198.19.0.5", "198.19.0.7"], "b": ["198.19.0.5", "198.19.0.8"]}[v]
    if sorted(hosts) != want:
        fail(f"{v}: hosts {sorted(hosts)}")
    h5 = hosts["198.19.0.5"]
    ports = {(p.get("protocol"), p.get("portid")): p for p in h5.iter("port")}
    st = {k: p.find("state").get("state") for k, p in ports.items()}
    if st.get(("tcp", "22")) != "open" or st.get(("udp", "53")) != "open":
        fail(f"{v}: 198.19.0.5 ports {st}")
    if (v == "a") != (st.get(("tcp", "80")) == "open"):
        fail(f"{v}: port 80 {st.get(('tcp', '80'))}")
    ex = h5.find("ports/extraports")
    if ex is None or ex.get("state") != "closed" or ex.get("count") != ("98" if v == "a" else "99"):
        fail(f"{v}: extraports {None if ex is None else ex.attrib}")
    svc = ports[("tcp", "22")].find("service")
    if svc.get("product") != "OpenSSH" or svc.find("cpe").text != "cpe:/a:openbsd:openssh:9.2p1":
        fail(f"{v}: ssh service {svc.attrib}")
    hs = root.find("runstats/hosts")
    if (hs.get("up"), hs.get("down"), hs.get("total")) != ("2", "6", "8"):
        fail(f"{v}: runstats hosts {hs.attrib}")
    if v == "a":
        http = ports[("tcp", "80")].find("service")
        if http.get("product") != "nginx <1.22>":
            fail(f"escaping: product {http.get('product')!r}")

# ndiff's own XML output parses too
ET.parse(f"{tmp}/ndiff.xml")

# every JSON line is an object; the last one is the summary
for v in "ab":
    lines = open(f"{tmp}/{v}/scan.json", encoding="utf-8").read().splitlines()
    objs = [json.loads(l) for l in lines]
    if not all(isinstance(o, dict) for o in objs):
        fail(f"{v}: JSON line not an object")
    if objs[-1].get("type") != "summary" or objs[-1].get("results") != len(objs) - 1:
        fail(f"{v}: summary {objs[-1]}")
    ports = [o for o in objs[:-1] if "port" in o]
    hostrecs = [o for o in objs[:-1] if "port" not in o]
    if any(set(o) < {"ip", "proto", "port", "state", "reason", "ttl", "ts"} for o in ports):
        fail(f"{v}: port object missing keys")
    if any("proto" in o or o["state"] not in ("up", "down") for o in hostrecs):
        fail(f"{v}: host object {hostrecs}")
    if v == "a":
        http = [o for o in ports if o["port"] == 80][0]
        import base64
        raw = base64.b64decode(http["banner_b64"])
        if not raw.startswith(b"HTTP/1.1 200 OK\r\nServer: <\"evil\"") or not raw.endswith(b"\x01\xff"):
            fail(f"banner_b64 {raw!r}")
        if http["banner"] != raw.decode("latin-1").replace("\xff", "\u00ff"):
            fail(f"banner {http['banner']!r}")

# structure shared with nmap's own -sL output
def shape(root):
    s, order = {}, {}
    def walk(e, path):
        p = path + "/" + e.tag
        s.setdefault(p, set()).update(e.attrib)
        order.setdefault(path, [])
        if e.tag not in order[path]:
            order[path].append(e.tag)
        for c in e:
            walk(c, p)
    walk(root, "")
    return s, order
nm, nm_order = shape(ET.parse(f"{tmp}/nmap.xml").getroot())
ours, our_order = shape(ET.parse(f"{tmp}/a/scan.xml").getroot())
shared = 0
for path, attrs in sorted(nm.items()):
    if path not in ours:
        fail(f"nmap writes {path}, we do not")
        continue
    shared += 1
    missing = attrs - ours[path]
    if missing:
        fail(f"{path}: nmap has attributes {sorted(missing)} we lack")
for path, tags in nm_order.items():
    mine = [t for t in our_order.get(path, []) if t in tags]
    theirs = [t for t in tags if t in our_order.get(path, [])]
    if mine != theirs:
        fail(f"children of {path or '/'}: ours in order {mine}, nmap {theirs}")
print(f"structure: {shared} element paths of nmap's -sL output, all present with nmap's attributes")
sys.exit(bad)
PY
# -sL: our list scan against nmap's on one target spec with octet ranges, a prefix and
# exclusions (neither sends anything): the same hosts in the same order with the same
# status in XML, grepable and normal output
spec=(198.18.0-1.1-3,7 198.18.2.0/29 --exclude 198.18.0.2,198.18.2.4)
if timeout 60 nmap -n -sL "${spec[@]}" -oX "$tmp/nl.xml" -oG "$tmp/nl.gnmap" -oN "$tmp/nl.nmap" >/dev/null 2>&1 &&
	timeout 60 "$BUILD/wirekit" scan -sL "${spec[@]}" -oX "$tmp/wl.xml" -oG "$tmp/wl.gnmap" -oN "$tmp/wl.nmap" >/dev/null 2>&1; then
	"$PY" - "$tmp" <<'PY' || fail=1
import sys, xml.etree.ElementTree as ET
t = sys.argv[1]
def hosts(f):
    return [(h.find("address").get("addr"), tuple(sorted(h.find("status").attrib.items())))
            for h in ET.parse(f).getroot().iter("host")]
def lines(f, start):
    return [l.strip() for l in open(f) if l.startswith(start)]
n, w = hosts(t + "/nl.xml"), hosts(t + "/wl.xml")
assert n == w and len(n) == 14, (n, w)
assert lines(t + "/nl.gnmap", "Host: ") == lines(t + "/wl.gnmap", "Host: ")
assert [l.split()[-1] for l in lines(t + "/nl.nmap", "Nmap scan report for ")] == \
       [l.split()[-1] for l in lines(t + "/wl.nmap", "wirekit scan report for ")]
tail = lambda f, s: [l for l in open(f) if l.startswith(s)][0].split(" -- ")[1].split(" scanned")[0]
assert tail(t + "/nl.nmap", "# Nmap done") == tail(t + "/wl.nmap", "# wirekit done"), "done line"
print(f"-sL: {len(w)} hosts, the same as nmap -sL in XML, grepable and normal output")
PY
else
	echo "FAIL: -sL runs"
	fail=1
fi

[ $fail -eq 0 ] && echo "PASS: ndiff, xsltproc/nmap.xsl, nmap.dtd, python3 xml+json, nmap -sL structure, -sL lists"
exit $fail
