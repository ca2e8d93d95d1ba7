#!/usr/bin/env python3
"""Oracle: `wirekit read -v` / `-vv` against `tcpdump -n -v` / `-n -vv -r` on the same
captures, packet by packet (a packet's record is its first line and the indented lines
that follow it, as tcpdump -v breaks IPv4 lines).

Part 1 (asserted): the captures in verbose-captures.txt. They were chosen because
tcpdump prints only layers we decode in them (IPv4 and IPv6 headers, TCP, UDP, ICMP,
and the application lines we already print without -v): every -v and -vv record
must be byte-identical. They cover IPv4 header checksum errors, TCP checksums right
and wrong, UDP checksums (right, wrong, absent), IPv6 with traffic class and flow
label, ECN bits and ICMP echo.

Part 2 (only with --survey, not asserted): every capture of the corpus directory
(or of $WK_SURVEY_DIR);
prints the share of identical records, overall and among the packets whose plain
line (no -v) already agrees, and the kinds of the differences (tcpdump decodes
more application and option detail at -v/-vv than we do)."""
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

STAMP = re.compile(rb"^\d\d:\d\d:\d\d\.\d{6} ")


def records(out):
    recs = []
    for ln in out.split(b"\n"):
        if STAMP.match(ln) or not recs:
            recs.append([ln])
        else:
            recs[-1].append(ln)
    if recs and recs[-1] == [b""]:
        recs.pop()
    return [b"\n".join(r).rstrip(b"\n") for r in recs]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout


def compare(wk, f, v):
    rc_t, t = run(["tcpdump", "-n"] + ([v] if v else []) + ["-r", str(f)])
    rc_w, w = run([wk, "read"] + ([v] if v else []) + [str(f)])
    return records(t), records(w), rc_w


KINDS = [
    (rb"ARP, Ethernet \(len", "ARP hardware/protocol lengths (-v)"),
    (rb"\[icmp6 sum ok\]|bad icmp6 cksum", "ICMPv6 checksum and details (-v)"),
    (rb"\n\t(IP|IP6) ", "ICMP error: quoted packet (-v)"),
    (rb"options \(", "IPv4 options decoded"),
    (rb" (q|ns|ar): |OPT UDPsize", "DNS -vv sections / EDNS"),
    (rb"DSTOPT \(|HBH \(|RT6 \(", "IPv6 extension header detail"),
    (rb"frag \(", "IPv6 fragments"),
    (rb"\n\t", "application payload lines (HTTP, SMB, ...)"),
]


def kind(t, w):
    for pat, name in KINDS:
        if re.search(pat, t) and not re.search(pat, w):
            return name
    return "other"


def main():
    wk, top = sys.argv[1], Path(sys.argv[2])
    survey = "--survey" in sys.argv
    corpus = top / "tests/corpus"
    names = [ln.split("#")[0].strip()
             for ln in (top / "tests/oracle/verbose-captures.txt").read_text().splitlines()]
    names = [n for n in names if n]
    bad = 0
    total = same = 0
    for n in names:
        for v in ("-v", "-vv"):
            t, w, rc = compare(wk, corpus / n, v)
            if rc != 0:
                print(f"FAIL {n} {v}: wirekit exit {rc}")
                bad += 1
            total += max(len(t), len(w))
            for i in range(max(len(t), len(w))):
                a = t[i] if i < len(t) else b"<none>"
                b = w[i] if i < len(w) else b"<none>"
                if a == b:
                    same += 1
                    continue
                bad += 1
                if bad <= 10:
                    print(f"FAIL {n} {v} packet {i + 1}:\n  tcpdump: {a!r}\n  wirekit: {b!r}")
    print(f"selected captures: {len(names)}, records identical {same}/{total} (-v and -vv)")
    if not total:
        print("FAIL: nothing compared")
        return 1
    if survey:
        for v in ("-v", "-vv"):
            kinds = Counter()
            st = sa = files = pt = pa = 0
            for f in sorted(Path(os.environ.get("WK_SURVEY_DIR", corpus)).iterdir()):
                if f.suffix not in (".pcap", ".pcapng"):
                    continue
                try:
                    t, w, _ = compare(wk, f, v)
                    t0, w0, _ = compare(wk, f, None)
                except subprocess.TimeoutExpired:
                    continue
                if not t:
                    continue
                files += 1
                for i in range(max(len(t), len(w))):
                    a = t[i] if i < len(t) else b""
                    b = w[i] if i < len(w) else b""
                    plain = i < len(t0) and i < len(w0) and t0[i] == w0[i]
                    st += 1
                    pt += plain
                    if a == b:
                        sa += 1
                        pa += plain
                    elif not plain:
                        kinds["the plain line differs already (no -v)"] += 1
                    else:
                        kinds[kind(a, b)] += 1
            print(f"survey {v}: {files} captures, records identical {sa}/{st}"
                  f" ({100.0 * sa / max(st, 1):.1f}%); where the plain line agrees:"
                  f" {pa}/{pt} ({100.0 * pa / max(pt, 1):.1f}%)")
            for k, c in kinds.most_common():
                print(f"  {c:7d}  {k}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
