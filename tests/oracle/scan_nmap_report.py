#!/usr/bin/env python3
"""Compare wirekit scan's reports with nmap's of the same scan (test-scan-nmap-opts.sh).

  scan_nmap_report.py text NMAP.nmap WIREKIT.nmap    normal output, line for line
  scan_nmap_report.py grep NMAP.gnmap WIREKIT.gnmap  grepable output, line for line
  scan_nmap_report.py xml NMAP.xml WIREKIT.xml       hosts, <extraports>/<extrareasons>
                                                     and <port> states, in order
  scan_nmap_report.py TEXT|grep|xml-down ...         the same, but the down hosts of -v
                                                     (nmap lists them in address order
                                                     among the others, we as they are
                                                     decided, before the report) compared
                                                     as a set, apart from the rest

What is left out before comparing, and why: comment lines and the "Starting"/"done" lines
(times, versions, arguments), the latency in "Host is up (...)" (timing), "Nmap" where we
write "wirekit", and nmap's "Some closed ports may be reported as filtered due to
--defeat-rst-ratelimit" (nmap's --open turns that option on; our scan does not give up on
rate-limited resets, so the line would not be true of our results).
"""
import re
import sys
import xml.etree.ElementTree as ET

DROP = re.compile(r"^(#|Starting |Nmap done|wirekit done|Some closed ports may be reported"
                  r"|Read data files|Initiating |Completed |Scanning |\s+Raw packets)")


def norm_text(path):
    out = []
    for line in open(path):
        line = line.rstrip("\n")
        if DROP.match(line):
            continue
        line = line.replace("Nmap scan report", "wirekit scan report")
        line = re.sub(r"^Host is up \([0-9.]+s latency\)\.$", "Host is up.", line)
        line = re.sub(r" \([0-9.]+s latency\)\.$", ".", line)
        line = re.sub(r"^Scanned at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+ for \d+s$", "Scanned at T", line)
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out


def xml_view(path):
    hosts = []
    for h in ET.parse(path).getroot().iter("host"):
        ip = h.find("address").get("addr")
        st = h.find("status")
        v = [ip, st.get("state")]
        ps = h.find("ports")
        if ps is not None:
            for ex in ps.findall("extraports"):
                v.append(("extraports", ex.get("state"), ex.get("count"),
                          [(r.get("reason"), r.get("count"), r.get("proto"), r.get("ports"))
                           for r in ex.findall("extrareasons")]))
            for p in ps.findall("port"):
                s = p.find("state")
                v.append(("port", p.get("protocol"), p.get("portid"), s.get("state"),
                          s.get("reason")))
        hosts.append(v)
    return hosts


def is_down(x):
    if isinstance(x, list):
        return x[1] == "down"
    return (x.endswith("[host down]") or x.endswith("Status: Down") or
            re.search(r"\[host down, received [a-z-]+\]$", x) is not None)


def main():
    mode, a, b = sys.argv[1:4]
    if mode.startswith("xml"):
        na, nb = xml_view(a), xml_view(b)
    else:
        na, nb = norm_text(a), norm_text(b)
    if mode.endswith("-down"):
        da = sorted(str(x) for x in na if is_down(x))
        db = sorted(str(x) for x in nb if is_down(x))
        if da != db or not da:
            print("down hosts: nmap %s, wirekit %s" % (da, db))
            return 1
        na = [x for x in na if not is_down(x)]
        nb = [x for x in nb if not is_down(x)]
    if na == nb and na:
        print("same (%d items)" % len(na))
        return 0
    print("nmap:")
    for x in na:
        print("  ", x)
    print("wirekit:")
    for x in nb:
        print("  ", x)
    return 1


sys.exit(main())
