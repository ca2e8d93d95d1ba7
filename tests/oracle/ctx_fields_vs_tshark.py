#!/usr/bin/python3
"""Oracle: the -T fields that need state across packets or verification (frame times,
pcapng interfaces, tcp.stream, checksum status) agree with tshark, run here on the same
corpus captures with checksum checks on and IP reassembly off (the corpus convention).

usage: ctx_fields_vs_tshark.py WIREKIT CORPUS
Exit 77 without tshark. Every cell must agree; data.data only on the captures listed for
it (elsewhere tshark dissects application protocols we leave as data).
"""
import os, shutil, subprocess, sys

FIELDS = ["frame.number", "frame.time_relative", "frame.time_delta",
          "frame.time_delta_displayed", "frame.interface_id", "frame.interface_name",
          "eth.addr", "tcp.stream", "tcp.payload", "ip.checksum.status",
          "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status",
          "icmpv6.checksum.status"]
FILES = """ndpi-rsync.pcap zeek-bro.org-filtered.pcap zeek-ip6-hoa-tcp-bad-chksum.pcap
zeek-irc-353.pcap pcapplusplus-TcpPacketWithOptions.pcap zeek-fake-server-delays-all.pcap
zeek-ftp-ipv6.pcap tcpdump-gso-ipv6-vxlan-ipv4.pcap zeek-heartbleed-encrypted-success.pcap
ndpi-google_meet.pcapng ndpi-esp.pcapng tcpdump-msnlb2.pcapng scapy-http_head.pcapng
pcapplusplus-ssh_packets.pcap tcpdump-icmpv6-ni-flags.pcap zeek-icmp6-router-advert.pcap
zeek-Teredo.pcap zeek-gre-sample.pcap zeek-icmp-header-trunc.pcap
tcpdump-erspan-type-i-2.pcap ndpi-quic_crypto_aes_auth_size.pcap ndpi-can.pcap
pcapplusplus-ipv6-frag.pcap""".split()
DATA_FILES = """ndpi-dlms.pcap tcpdump-erspan-type-i-2.pcap tcpdump-gso-ipv6-vxlan-ipv4.pcap
tcpdump-hncp_dhcpv6data-oobr.pcap zeek-geneve-ipv6.pcap zeek-irc-353.pcap
zeek-proto255.pcap zeek-teredo-udp-in-udp.pcap""".split()
# (file, our BPF filter, the same packets as a tshark display filter): the displayed delta
FILTERED = [("zeek-irc-353.pcap", "tcp[13] & 8 != 0", "tcp.flags.push == 1"),
            ("ndpi-rsync.pcap", "tcp dst port 873", "tcp.dstport == 873")]
TSHARK_OPTS = ["-n", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
               "-o", "udp.check_checksum:TRUE", "-o", "ip.defragment:FALSE",
               "-o", "ipv6.defragment:FALSE"]


def rows(cmd):
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    if p.returncode not in (0,):
        raise SystemExit(f"FAIL: {' '.join(cmd)}: exit {p.returncode}: "
                         f"{p.stderr.decode(errors='replace').strip()[:300]}")
    return p.stdout.decode(errors="replace").rstrip("\n").split("\n")


def compare(wk, corpus, name, fields, bpf=None, dfilter=None):
    path = os.path.join(corpus, name)
    ea = []
    for f in fields:
        ea += ["-e", f]
    t = rows(["tshark"] + TSHARK_OPTS + ["-r", path, "-T", "fields"] + ea +
             (["-Y", dfilter] if dfilter else []))
    w = rows([wk, "read", "-T", "fields"] + ea + [path] + ([bpf] if bpf else []))
    bad = []
    if len(t) != len(w):
        bad.append(f"{name}: tshark {len(t)} rows, wirekit {len(w)}")
    for i, (a, b) in enumerate(zip(t, w)):
        ta, wb = a.split("\t"), b.split("\t")
        for j, f in enumerate(fields):
            x = ta[j] if j < len(ta) else ""
            y = wb[j] if j < len(wb) else ""
            if x != y:
                bad.append(f"{name} row {i + 1} {f}: tshark '{x[:60]}' wirekit '{y[:60]}'")
    return len(t) * len(fields), bad


def main():
    wk, corpus = sys.argv[1], sys.argv[2]
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    cells, bad = 0, []
    jobs = [(n, FIELDS, None, None) for n in FILES]
    jobs += [(n, ["frame.number", "data.data"], None, None) for n in DATA_FILES]
    jobs += [(n, FIELDS[:4], b, d) for n, b, d in FILTERED]
    for name, fields, b, d in jobs:
        c, e = compare(wk, corpus, name, fields, b, d)
        cells += c
        bad += e
    for line in bad[:40]:
        print(line)
    print(f"{cells - len(bad)}/{cells} cells agree over {len(jobs)} runs")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
