#!/usr/bin/python3
"""Oracle: the Linux cooked header part of our lines agrees with tcpdump -n on the same
captures: SLL2's interface name (looked up on this host, as tcpdump does) and direction
on every line, and with -e the direction, interface index, link address, protocol and
length of both versions. Only the part before the payload is compared.

usage: sll_vs_tcpdump.py WIREKIT CORPUS    (exit 77 without tcpdump)
"""
import os, re, shutil, subprocess, sys

FILES = """ndpi-quic-v2.pcapng pcapplusplus-Sll2PacketLLC.pcap tcpdump-RADIUS-RFC3162.pcap tcpdump-RADIUS-RFC5580.pcap tcpdump-babel.pcap tcpdump-bgp-extended-shutdown-msg.pcapng tcpdump-bgp-infinite-loop.pcap tcpdump-bgp-orf.pcapng tcpdump-icmp-cksum-oobr-1.pcap tcpdump-isis-infinite-loop.pcap tcpdump-lsp-ping-timestamp.pcap tcpdump-radius_rfc5447_invalid_length.pcap tcpdump-resp_1_benchmark.pcap tcpdump-resp_2_inline.pcap tcpdump-tcp-handshake-nano.pcap tcpdump-zmtp1-inf-loop-1.pcapng zeek-irc-starttls.pcap zeek-linux_dlt_sll2.pcap zeek-linuxsll-arp.pcap """.split()
PLAIN = re.compile(r"(\S+ (?:\S+ +(?:In|Out|B|M|P|\?) +)?)")
LINK = re.compile(r"(.*?length \d+: )")


def lines(cmd):
    return subprocess.run(cmd, capture_output=True, timeout=60).stdout.decode(
        errors="replace").splitlines()


def main():
    wk, corpus = sys.argv[1], sys.argv[2]
    if not shutil.which("tcpdump"):
        print("SKIP: tcpdump not installed")
        return 77
    n = bad = 0
    for name in FILES:
        path = os.path.join(corpus, name)
        for e in ([], ["-e"]):
            ours = lines([wk, "read"] + e + ["-c", "20", path])
            theirs = lines(["tcpdump", "-n"] + e + ["-c", "20", "-r", path])
            if len(ours) != len(theirs):
                bad += 1
                print(f"{name} {e}: {len(ours)} lines, tcpdump {len(theirs)}")
            rx = LINK if e else PLAIN
            for x, y in zip(ours, theirs):
                n += 1
                gx, gy = rx.match(x), rx.match(y)
                gx, gy = gx and gx.group(1), gy and gy.group(1)
                if gx != gy:
                    bad += 1
                    print(f"{name} {e}: ours {gx!r} tcpdump {gy!r}")
    print(f"{n} lines compared, {bad} differ")
    return 1 if bad or n < 100 else 0


if __name__ == "__main__":
    sys.exit(main())
