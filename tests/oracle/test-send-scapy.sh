#!/usr/bin/env bash
# The packet language against scapy (Debian's python3-scapy) and tshark: every layer and
# option `wirekit send` builds is written with --dry-run -w, parsed back by scapy, and
# must carry the fields the spec asked for; every length and checksum must equal the one
# scapy computes itself on the same bytes, and tshark, validating checksums, must find
# none bad -- and find them all bad with --badsum.
set -u
: "${WIREKIT:?}"
PY=/usr/bin/python3 # python3 on PATH may be another interpreter without scapy
$PY -c 'import scapy.all' 2>/dev/null || { echo "SKIP: python3-scapy not installed"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'payload from a file\n' >"$tmp/payload"
$PY - "$WIREKIT" "$tmp" <<'PY'
import sys, subprocess, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, raw, Ether, Raw
wk, tmp = sys.argv[1], sys.argv[2]
E = "ether(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)"
A4 = "src=198.18.0.1,dst=198.18.0.2"
A6 = "src=2001:db8::1,dst=2001:db8::2"
# spec -> list of (scapy layer, attribute, expected value) per packet (same for all)
CASES = [
    (f'{E}/ip({A4},ttl=7,id=0x1234,tos=16,flags=DF)/tcp(sport=40000,dport=80,seq=1000,flags=S,'
     'mss=1460,sackok,ts=5:6,nop,wscale=7)',
     [("Ether", "src", "02:00:00:00:00:01"), ("Ether", "type", 0x800), ("IP", "ttl", 7),
      ("IP", "id", 0x1234), ("IP", "tos", 16), ("IP", "flags", 2), ("IP", "src", "198.18.0.1"),
      ("TCP", "sport", 40000), ("TCP", "dport", 80), ("TCP", "seq", 1000), ("TCP", "flags", 2),
      ("TCP", "opt:MSS", 1460), ("TCP", "opt:WScale", 7), ("TCP", "opt:SAckOK", b""),
      ("TCP", "opt:Timestamp", (5, 6))]),
    (f'{E}/ip({A4})/tcp(sport=1,dport=2,flags=PA,ack=77,window=502,urgptr=3,'
     'options="nop,nop,TS val 100 ecr 200")/"hello\\tworld\\n"',
     [("TCP", "flags", 0x18), ("TCP", "ack", 77), ("TCP", "window", 502), ("TCP", "urgptr", 3),
      ("TCP", "opt:Timestamp", (100, 200)), ("Raw", "load", b"hello\tworld\n")]),
    (f'{E}/ip({A4})/tcp(sport=1,dport=2,flags=SAFRPUEC)',
     [("TCP", "flags", 0xff)]),
    (f'{E}/ip({A4},ttl=1-3)/udp(sport=33333,dport=7777,7778)/hex:0a0b0c',
     [("IP", "ttl", None), ("UDP", "sport", 33333), ("Raw", "load", b"\x0a\x0b\x0c")]),
    (f'{E}/ip({A4})/udp(sport=9,dport=9)/@{tmp}/payload',
     [("Raw", "load", b"payload from a file\n")]),
    (f'{E}/ip({A4},options=07070400000000)/udp(sport=1,dport=2)',
     [("IP", "ihl", 7)]),
    (f'{E}/ip({A4})/icmp(type=echo-request,id=4242,seq=1,2)/"abcdefgh"',
     [("ICMP", "type", 8), ("ICMP", "id", 4242)]),
    (f'{E}/ip({A4})/icmp(type=echo-reply,id=1,seq=9)',
     [("ICMP", "type", 0), ("ICMP", "seq", 9)]),
    (f'{E}/ip({A4})/udp(sport=5353,dport=53)/dns(id=0x1234,qname=example.test,qtype=AAAA)',
     [("DNS", "id", 0x1234), ("DNS", "rd", 1), ("DNS", "qdcount", 1),
      ("DNSQR", "qname", b"example.test."), ("DNSQR", "qtype", 28), ("DNSQR", "qclass", 1)]),
    (f'{E}/ip({A4})/tcp(sport=5000,dport=53,flags=PA)/dns(qname=a.test,qtype=A)',
     [("DNSQR", "qname", b"a.test."), ("DNS", "length", 24)]),
    (f'{E}/ipv6({A6},hlim=9,fl=12345,tc=4)/tcp(sport=1,dport=443,mss=1220)',
     [("IPv6", "hlim", 9), ("IPv6", "fl", 12345), ("IPv6", "tc", 4), ("IPv6", "nh", 6),
      ("TCP", "opt:MSS", 1220)]),
    (f'{E}/ipv6({A6})/udp(sport=1,dport=2)/"v6 data"',
     [("IPv6", "nh", 17), ("Raw", "load", b"v6 data")]),
    (f'{E}/ipv6({A6})/icmp6(type=echo-request,id=7,seq=8)/"ping"',
     [("ICMPv6EchoRequest", "id", 7), ("ICMPv6EchoRequest", "seq", 8)]),
    (f'{E}/vlan(id=42,priority=5)/ip({A4})/udp(sport=1,dport=2)',
     [("Dot1Q", "vlan", 42), ("Dot1Q", "prio", 5), ("Dot1Q", "type", 0x800), ("Ether", "type", 0x8100)]),
    (f'{E}/arp(op=is-at,hwsrc=02:00:00:00:00:01,psrc=198.18.0.1,hwdst=02:00:00:00:00:02,pdst=198.18.0.2)',
     [("ARP", "op", 2), ("ARP", "hwsrc", "02:00:00:00:00:01"), ("ARP", "psrc", "198.18.0.1"),
      ("ARP", "pdst", "198.18.0.2"), ("ARP", "hwdst", "02:00:00:00:00:02")]),
    (f'{E}/ip({A4},chksum=0xdead,len=40)/udp(sport=1,dport=2,chksum=0xbeef)/"data"',
     [("IP", "chksum", 0xdead), ("IP", "len", 40), ("UDP", "chksum", 0xbeef)]),
]
CSUM = {"IP": "chksum", "TCP": "chksum", "UDP": "chksum", "ICMP": "chksum",
        "ICMPv6EchoRequest": "cksum", "ICMPv6EchoReply": "cksum"}
LENS = {"IP": ["len", "ihl"], "UDP": ["len"], "TCP": ["dataofs"], "IPv6": ["plen"]}

def val(l, attr):
    if attr.startswith("opt:"):
        for k, v in l.options:
            if k == attr[4:]:
                return v
        return "absent"
    v = l.getfieldval(attr)
    return int(v) if attr in ("flags",) else v

def recompute(pkt, cls, attr):
    q = Ether(raw(pkt))
    setattr(q[cls], attr, None)
    return Ether(raw(q))[cls].getfieldval(attr)

bad = checked = sums = npk = 0
for n, (spec, exp) in enumerate(CASES):
    for badsum in (False, True):
        out = f"{tmp}/{'bad' if badsum else 'good'}{n:02d}.pcap"
        r = subprocess.run([wk, "send", "--dry-run", "-q", "-w", out, spec] +
                           (["--badsum"] if badsum else []), capture_output=True, text=True)
        if r.returncode != 0:
            print(f"case {n}: exit {r.returncode}: {r.stderr.strip()}"); bad += 1; continue
        for pkt in rdpcap(out):
            npk += 1
            for cls, attr, want in exp:
                if cls not in pkt:
                    print(f"case {n}: scapy finds no {cls}"); bad += 1; continue
                got = val(pkt[cls], attr)
                checked += 1
                if want is not None and got != want:
                    print(f"case {n}: {cls}.{attr} scapy {got!r} want {want!r}"); bad += 1
            user = [(c, a) for c, a, _ in exp]
            for cls, attr in list(CSUM.items()) + [(c, a) for c, l in LENS.items() for a in l]:
                if cls not in pkt or (cls, attr) in user or (cls == "IP" and ("IP", "len") in user):
                    continue
                if cls == "UDP" and ("IP", "len") in user:
                    continue
                ours, theirs = pkt[cls].getfieldval(attr), recompute(pkt, cls, attr)
                if attr in ("chksum", "cksum"):
                    sums += 1
                    if (ours == theirs) == badsum:
                        print(f"case {n}{' badsum' if badsum else ''}: {cls}.{attr} ours {ours:#x} scapy {theirs:#x}"); bad += 1
                elif ours != theirs:
                    print(f"case {n}: {cls}.{attr} ours {ours} scapy {theirs}"); bad += 1
print(f"scapy: {npk} packets, {checked} fields, {sums} checksums, {bad} disagreements")
sys.exit(1 if bad or checked < 50 or sums < 30 else 0)
PY
fail=$?
st() {
	for f in "$@"; do
		tshark -n -r "$f" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
			-o udp.check_checksum:TRUE -T fields -E separator=, -e ip.checksum.status \
			-e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status \
			-e icmpv6.checksum.status 2>/dev/null
	done
}
good=$(st "$tmp"/good*.pcap | grep -v '^,*$')
nbad=$(printf '%s\n' "$good" | tr ',' '\n' | grep -c '^0$')
ngood=$(printf '%s\n' "$good" | tr ',' '\n' | grep -c '^1$')
# case 15 sets its checksums by hand: leave it out of the good count
nbad_expected=$(st "$tmp/good15.pcap" | tr ',' '\n' | grep -c '^0$')
echo "tshark on the good packets: $ngood good checksums, $nbad bad ($nbad_expected set by hand)"
[ "$nbad" -eq "$nbad_expected" ] && [ "$ngood" -ge 20 ] || fail=1
badrows=$(st "$tmp"/bad*.pcap)
rows=$(printf '%s\n' "$badrows" | grep -v '^,*$' | wc -l)
without=$(printf '%s\n' "$badrows" | grep -v '^,*$' | grep -vc '\(^\|,\)0\(,\|$\)')
echo "tshark on --badsum: $rows packets with checksums, $without without a bad one"
[ "$rows" -ge 15 ] && [ "$without" -eq 0 ] || fail=1
[ $fail -eq 0 ] && echo PASS || echo FAIL
exit $fail
