#!/usr/bin/env python3
"""Compare wirekit scan's JSON Lines with nmap's XML of the same scan (test-scan-nmap.sh).

  scan_nmap_cmp.py ports NMAP.xml WIREKIT.json   every port nmap lists: same state and
      reason; the ports nmap folds into <extraports>: the same counts per state and reason
  scan_nmap_cmp.py hosts NMAP.xml WIREKIT.json   every host: same up/down and reason
"""
import collections
import json
import sys
import xml.etree.ElementTree as ET


def ours(path):
    ports, hosts = {}, {}
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "summary":
            continue
        if "port" in o:
            ports[(o["ip"], o["port"])] = (o["state"], o["reason"])
        else:
            hosts[o["ip"]] = (o["state"], o["reason"])
    return ports, hosts


def plural(reason):
    # nmap's <extrareasons reason="resets"> / "no-responses" / "admin-prohibiteds"
    return reason + "s" if reason != "no-response" else "no-responses"


def main():
    mode, xmlf, jf = sys.argv[1:4]
    root = ET.parse(xmlf).getroot()
    mine_p, mine_h = ours(jf)
    bad = checked = 0

    def diff(what, a, b):
        nonlocal bad
        bad += 1
        if bad <= 15:
            print("  %s: nmap %s, wirekit %s" % (what, a, b))

    for h in root.iter("host"):
        ip = h.find("address").get("addr")
        st = h.find("status")
        if mode == "hosts":
            checked += 1
            n = (st.get("state"), st.get("reason"))
            if mine_h.get(ip) != n:
                diff(ip, n, mine_h.get(ip))
            continue
        ps = h.find("ports")
        if ps is None:
            continue
        listed = set()
        for p in ps.findall("port"):
            port = int(p.get("portid"))
            s = p.find("state")
            n = (s.get("state"), s.get("reason"))
            listed.add(port)
            checked += 1
            if mine_p.get((ip, port)) != n:
                diff("%s:%d" % (ip, port), n, mine_p.get((ip, port)))
        want = collections.Counter()
        for ex in ps.findall("extraports"):
            for r in ex.findall("extrareasons"):
                want[(ex.get("state"), r.get("reason"))] += int(r.get("count"))
        have = collections.Counter()
        for (a, port), (s, r) in mine_p.items():
            if a == ip and port not in listed:
                have[(s, plural(r))] += 1
        checked += sum(want.values())
        if want != have:
            diff("%s folded ports" % ip, dict(want), dict(have))
    print("%d compared, %d differences" % (checked, bad))
    return 1 if bad or not checked else 0


sys.exit(main())
