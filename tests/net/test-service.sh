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
	/usr/sbin/dnsmasq /usr/sbin/snmpd /usr/sbin/lighttpd; do
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
finish
