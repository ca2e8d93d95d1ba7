#!/usr/bin/env bash
# `wirekit send` against scapy (Debian's python3-scapy) byte for byte, for what issue 12
# item 22 asked: ICMP types and codes by scapy's names, timestamp (20 bytes) and address
# mask (12 bytes) messages, host names in address fields, the echo sequence number
# counting packets over -c N, and (as root, in a private network namespace with one veth
# pair) ARP psrc/hwsrc and the Ethernet source filled from the route's interface. Every
# packet is written with --dry-run -w: nothing is sent.
set -u
: "${WIREKIT:?}"
PY=/usr/bin/python3 # python3 on PATH may be another interpreter without scapy
$PY -c 'import scapy.all' 2>/dev/null || { echo "SKIP: python3-scapy not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
$PY - "$WIREKIT" "$tmp" <<'PY' || fail=1
import sys, subprocess, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, raw, Ether, IP, ICMP
from scapy.layers.inet import icmpcodes, icmptypes
wk, tmp = sys.argv[1], sys.argv[2]
E = "ether(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)"
A = "ip(src=198.18.0.1,dst=198.18.0.2,id=1,ttl=64)"
def S(icmp):
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / \
        IP(src="198.18.0.1", dst="198.18.0.2", id=1, ttl=64) / icmp
CASES = [
    ("icmp(type=timestamp,id=7,seq=3,ts_ori=1000,ts_rx=2000,ts_tx=3000)",
     S(ICMP(type="timestamp-request", id=7, seq=3, ts_ori=1000, ts_rx=2000, ts_tx=3000))),
    ("icmp(type=timestamp-reply,id=7,seq=3,ts_ori=1000,ts_rx=45296789,ts_tx=86399999)",
     S(ICMP(type="timestamp-reply", id=7, seq=3, ts_ori=1000, ts_rx=45296789, ts_tx=86399999))),
    ("icmp(type=address-mask-reply,id=1,seq=2,addr_mask=255.255.255.0)",
     S(ICMP(type="address-mask-reply", id=1, seq=2, addr_mask="255.255.255.0"))),
    ("icmp(type=address-mask-request,id=1,seq=2)",
     S(ICMP(type="address-mask-request", id=1, seq=2))),
    ("icmp(type=redirect,code=host-redirect,gw=198.18.0.9)",
     S(ICMP(type="redirect", code="host-redirect", gw="198.18.0.9"))),
    ("icmp(type=echo-reply,id=1,seq=9)/\"abc\"", S(ICMP(type="echo-reply", id=1, seq=9) / b"abc")),
]
# every type 0-18 by scapy's name, every code by scapy's name
for t, name in sorted(icmptypes.items()):
    if t <= 18 and t not in (5, 13, 14, 17, 18):  # those carry fields, above
        CASES.append((f"icmp(type={name},id=0,seq=0)" if t in (0, 8, 15, 16)
                      else f"icmp(type={name})", S(ICMP(type=t))))
for t, codes in sorted(icmpcodes.items()):
    for c, name in sorted(codes.items()):
        if t <= 18:
            CASES.append((f"icmp(type={t},code={name})", S(ICMP(type=t, code=c))))
bad = 0
for n, (spec, want) in enumerate(CASES):
    out = f"{tmp}/c{n}.pcap"
    r = subprocess.run([wk, "send", "--dry-run", "-q", "-w", out, f"{E}/{A}/{spec}"],
                       capture_output=True, text=True)
    if r.returncode:
        print(f"FAIL {spec}: exit {r.returncode}: {r.stderr.strip()}"); bad += 1; continue
    got = raw(rdpcap(out)[0])
    if got != raw(want):
        print(f"FAIL {spec}:\n  ours  {got.hex()}\n  scapy {raw(want).hex()}"); bad += 1
# a host name, resolved from /etc/hosts as scapy resolves it
out = f"{tmp}/name.pcap"
r = subprocess.run([wk, "send", "--dry-run", "-q", "-w", out,
                    f"{E}/ip(src=localhost,dst=localhost,id=1,ttl=64)/icmp(id=1,seq=1)"],
                   capture_output=True, text=True)
want = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / \
    IP(src="localhost", dst="localhost", id=1, ttl=64) / ICMP(id=1, seq=1)
if r.returncode or raw(rdpcap(out)[0]) != raw(want):
    print(f"FAIL host name localhost: exit {r.returncode} {r.stderr.strip()}"); bad += 1
# -c 4: one identifier, the sequence number counting packets as ping does; a set seq stays
for spec, seqs in (("icmp()", [0, 1, 2, 3]), ("icmp(seq=5)", [5, 5, 5, 5]),
                   ("icmp(type=timestamp)", [0, 1, 2, 3]),
                   # the originate time defaults where the message has one only
                   ("icmp(type=timestamp,echo-request)", [0, 1, 2, 3])):
    out = f"{tmp}/count.pcap"
    r = subprocess.run([wk, "send", "--dry-run", "-q", "-c", "4", "-w", out, f"{E}/{A}/{spec}"],
                       capture_output=True, text=True)
    if r.returncode:
        print(f"FAIL -c 4 {spec}: exit {r.returncode}: {r.stderr.strip()}"); bad += 1; continue
    pk = rdpcap(out)
    ids = {p[ICMP].id for p in pk}
    got = [p[ICMP].seq for p in pk]
    # scapy on the same id and sequence number builds the same bytes
    same = all(raw(p) == raw(S(ICMP(type=p[ICMP].type, id=p[ICMP].id, seq=p[ICMP].seq,
                                    **({"ts_ori": p[ICMP].ts_ori, "ts_rx": 0, "ts_tx": 0}
                                       if p[ICMP].type == 13 else {}))))
               for p in pk)
    if len(ids) != 1 or got != seqs or not same:
        print(f"FAIL -c 4 {spec}: ids {ids} seqs {got} same bytes {same}"); bad += 1
print(f"scapy: {len(CASES) + 5} specs compared byte for byte, {bad} differ")
sys.exit(1 if bad or len(CASES) < 35 else 0)
PY

# the route's interface fills the ARP sender and the Ethernet source, as scapy does it
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	ns_out=$(timeout 60 unshare -n bash -s "$WIREKIT" "$tmp" "$PY" <<'SH' 2>&1
set -e
W=$1 T=$2 PY=$3
ip link add wkx0 address 02:00:00:00:0a:01 type veth peer name wkx1
ip addr add 198.18.0.1/24 dev wkx0
ip link set wkx0 up
ip link set wkx1 up
"$W" send --dry-run -q -w "$T/arp.pcap" 'arp(pdst=198.18.0.2)'
"$W" send --dry-run -q -w "$T/eth.pcap" 'ether(dst=02:00:00:00:0a:02)/ip(dst=198.18.0.2,id=1)/icmp(id=1,seq=1)'
"$PY" - "$T" <<'PY'
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, raw, Ether, ARP, IP, ICMP, conf
T = sys.argv[1]
conf.route.resync()
want = {"arp": Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="198.18.0.2"),
        "eth": Ether(dst="02:00:00:00:0a:02") / IP(dst="198.18.0.2", id=1) / ICMP(id=1, seq=1)}
bad = 0
for k, w in want.items():
    got = raw(rdpcap(f"{T}/{k}.pcap")[0])
    if got != raw(w):
        print(f"FAIL {k}: ours {got.hex()} scapy {raw(w).hex()}"); bad += 1
    else:
        print(f"ok   {k} from the route's interface: {w.summary()}")
sys.exit(bad)
PY
SH
	) || fail=1
	printf '%s\n' "$ns_out"
else
	echo "not root: the route-filled ARP and Ethernet sources were not compared"
fi
[ $fail -eq 0 ] && echo PASS || echo FAIL
exit $fail
