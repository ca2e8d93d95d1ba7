#!/usr/bin/env bash
# Encoder oracle: packets built by wk_build (tests/oracle/build_sample.c) are parsed back by
# scapy (Debian's python3-scapy) and tshark. Every field our dissector reads from them must
# be what scapy reads; every length and checksum must equal the one scapy computes itself;
# tshark, checking checksums, must find none bad. With --badsum every checksum must be bad.
set -u
: "${BUILD:?}" "${TOP:?}"
PY=/usr/bin/python3 # python3 on PATH may be another interpreter without scapy
sample=$BUILD/tests/build_sample
[ -x "$sample" ] || { echo "SKIP: $sample not built"; exit 77; }
$PY -c 'import scapy.all' 2>/dev/null || { echo "SKIP: python3-scapy not installed"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$sample" "$tmp/good.pcap" "$tmp/good.tsv" || { echo "FAIL: build_sample"; exit 1; }
"$sample" "$tmp/bad.pcap" "$tmp/bad.tsv" --badsum || { echo "FAIL: build_sample --badsum"; exit 1; }

fail=0
$PY - "$tmp" <<'PY' || fail=1
import sys, collections, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, Ether, raw
tmp = sys.argv[1]

# our field -> (scapy classes, attribute); quoted layers are IPerror/UDPerror in scapy
IP, UDP, TCP = ["IP", "IPerror"], ["UDP", "UDPerror"], ["TCP", "TCPerror"]
ICMP = ["ICMP", "ICMPerror"]
E6 = ["ICMPv6EchoRequest", "ICMPv6EchoReply"]
MAP = {
    "eth.dst": (["Ether"], "dst"), "eth.src": (["Ether"], "src"), "eth.type": (["Ether"], "type"),
    "ip.version": (IP, "version"), "ip.hl": (IP, "ihl"), "ip.tos": (IP, "tos"),
    "ip.len": (IP, "len"), "ip.id": (IP, "id"), "ip.flags": (IP, "flags"),
    "ip.frag": (IP, "frag"), "ip.ttl": (IP, "ttl"), "ip.proto": (IP, "proto"),
    "ip.chksum": (IP, "chksum"), "ip.src": (IP, "src"), "ip.dst": (IP, "dst"),
    "tcp.sport": (TCP, "sport"), "tcp.dport": (TCP, "dport"), "tcp.seq": (TCP, "seq"),
    "tcp.ack": (TCP, "ack"), "tcp.hl": (TCP, "dataofs"), "tcp.flags": (TCP, "flags"),
    "tcp.window": (TCP, "window"), "tcp.chksum": (TCP, "chksum"), "tcp.urgptr": (TCP, "urgptr"),
    "tcp.options.mss_val": (TCP, "opt:MSS"), "tcp.options.wscale.shift": (TCP, "opt:WScale"),
    "tcp.sackok": (TCP, "opt:SAckOK"), "tcp.options.timestamp.tsval": (TCP, "opt:TS0"),
    "tcp.options.timestamp.tsecr": (TCP, "opt:TS1"),
    "udp.sport": (UDP, "sport"), "udp.dport": (UDP, "dport"), "udp.len": (UDP, "len"),
    "udp.chksum": (UDP, "chksum"),
    "icmp.type": (ICMP, "type"), "icmp.code": (ICMP, "code"), "icmp.chksum": (ICMP, "chksum"),
    "icmp.id": (ICMP, "id"), "icmp.seq": (ICMP, "seq"),
    "ipv6.version": (["IPv6"], "version"), "ipv6.tc": (["IPv6"], "tc"), "ipv6.fl": (["IPv6"], "fl"),
    "ipv6.plen": (["IPv6"], "plen"), "ipv6.nh": (["IPv6"], "nh"), "ipv6.hlim": (["IPv6"], "hlim"),
    "ipv6.src": (["IPv6"], "src"), "ipv6.dst": (["IPv6"], "dst"),
    "ipv6.hopopts.nxt": (["IPv6ExtHdrHopByHop"], "nh"), "ipv6.hopopts.len": (["IPv6ExtHdrHopByHop"], "len"),
    "ipv6.dstopts.nxt": (["IPv6ExtHdrDestOpt"], "nh"), "ipv6.dstopts.len": (["IPv6ExtHdrDestOpt"], "len"),
    "icmp6.type": (E6, "type"), "icmp6.code": (E6, "code"), "icmp6.chksum": (E6, "cksum"),
    "icmp6.id": (E6, "id"), "icmp6.seq": (E6, "seq"),
    "arp.hwtype": (["ARP"], "hwtype"), "arp.ptype": (["ARP"], "ptype"), "arp.hwlen": (["ARP"], "hwlen"),
    "arp.plen": (["ARP"], "plen"), "arp.op": (["ARP"], "op"), "arp.hwsrc": (["ARP"], "hwsrc"),
    "arp.psrc": (["ARP"], "psrc"), "arp.hwdst": (["ARP"], "hwdst"), "arp.pdst": (["ARP"], "pdst"),
}
CSUMS = {"chksum", "cksum"}
LENS = {"len", "ihl", "dataofs", "plen"}

def layers(p):
    out, l = [], p
    while l is not None and l.__class__.__name__ not in ("Raw", "Padding", "NoPayload"):
        out.append(l)
        l = l.payload if l.payload.__class__.__name__ != "NoPayload" else None
    return out

def scapy_val(l, attr):
    if attr.startswith("opt:"):
        name = attr[4:]
        for k, v in l.options:
            if name == "MSS" and k == "MSS": return v
            if name == "WScale" and k == "WScale": return v
            if name == "SAckOK" and k == "SAckOK": return 1
            if name.startswith("TS") and k == "Timestamp": return v[int(name[2])]
        return None
    return l.getfieldval(attr)

def norm(v):
    if isinstance(v, str):
        try: return int(v, 0)
        except ValueError: return v.lower()
    try: return int(v)
    except (TypeError, ValueError): return str(v).lower()

def check(name, badsum):
    pkts = rdpcap(f"{tmp}/{name}.pcap")
    rows = collections.defaultdict(list)
    for line in open(f"{tmp}/{name}.tsv"):
        n, li, f, v = line.rstrip("\n").split("\t")
        rows[int(n)].append((int(li), f, v))
    bad = compared = csums = 0
    for n, pkt in enumerate(pkts, 1):
        ls = layers(pkt)
        # our layer index -> occurrence among layers of the same scapy family
        seen, occ = collections.defaultdict(int), {}
        for li, f, v in rows[n]:
            if f in MAP and li not in occ:
                fam = tuple(MAP[f][0])
                occ[li] = (fam, seen[fam]); seen[fam] += 1
        for li, f, v in rows[n]:
            if f not in MAP: continue
            classes, attr = MAP[f]
            fam, k = occ[li]
            cands = [l for l in ls if l.__class__.__name__ in classes]
            if k >= len(cands):
                print(f"{name} pkt {n}: scapy has no layer for {f}"); bad += 1; continue
            l = cands[k]
            sv = scapy_val(l, attr)
            compared += 1
            if norm(sv) != norm(v):
                print(f"{name} pkt {n}: {f} ours {v} scapy {sv}"); bad += 1
            if attr in CSUMS or attr in LENS:
                # let scapy compute this field itself on the same bytes
                q = Ether(raw(pkt))
                qc = [x for x in layers(q) if x.__class__.__name__ in classes][k]
                setattr(qc, attr, None)
                want = [x for x in layers(Ether(raw(q))) if x.__class__.__name__ in classes][k].getfieldval(attr)
                same = norm(want) == norm(v)
                if attr in CSUMS:
                    csums += 1
                    if same == badsum:
                        print(f"{name} pkt {n}: {f} ours {v} scapy computes {want}"
                              f"{' (should differ: --badsum)' if badsum else ''}"); bad += 1
                elif not same:
                    print(f"{name} pkt {n}: length {f} ours {v} scapy computes {want}"); bad += 1
    print(f"{name}: {len(pkts)} packets, {compared} fields compared, {csums} checksums, {bad} disagreements")
    return bad == 0 and compared > 100 and csums >= 10

ok = check("good", False) & check("bad", True)
sys.exit(0 if ok else 1)
PY

# tshark with checksum validation: statuses are 0 bad, 1 good, 2 unverified.
st() {
	tshark -n -r "$1" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -T fields -E separator=, -e ip.checksum.status \
		-e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status \
		-e icmpv6.checksum.status 2>/dev/null
}
good=$(st "$tmp/good.pcap")
nbad=$(printf '%s\n' "$good" | tr ',' '\n' | grep -c '^0$')
ngood=$(printf '%s\n' "$good" | tr ',' '\n' | grep -c '^1$')
echo "tshark on good.pcap: $ngood good checksums, $nbad bad"
[ "$nbad" -eq 0 ] && [ "$ngood" -ge 10 ] || fail=1
bad=$(st "$tmp/bad.pcap")
rows_without_bad=$(printf '%s\n' "$bad" | grep -vc '\(^\|,\)0\(,\|$\)')
rows_arp=$(tshark -n -r "$tmp/bad.pcap" -Y arp 2>/dev/null | wc -l)
echo "tshark on bad.pcap: $rows_without_bad packets without a bad checksum ($rows_arp ARP)"
[ "$rows_without_bad" -eq "$rows_arp" ] || fail=1
[ $fail -eq 0 ] && echo PASS || echo FAIL
exit $fail
