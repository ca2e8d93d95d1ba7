#!/usr/bin/env python3
"""Round trips of a wirekit scan (tests/net/test-scan.sh): scanrtt.py TEXT JSON [pn].

Every host reported up in the text output must show nmap's latency, "Host is up ... (Xs
latency).", and its JSON host line must carry rtt_us > 0; with "pn" (-Pn: every target is
up by user-set) only the hosts that answered one probe themselves, as nmap prints no latency
for a host that never answered. Every answered port's JSON line carries rtt_us > 0. No
round trip is larger than the scan's elapsed time (a sanity bound, not a timing check).
Prints what it checked; exit 1 with the reasons on any failure."""
import json
import re
import sys

SELF = {"syn-ack", "reset", "udp-response", "port-unreach", "echo-reply", "timestamp-reply",
        "arp-response", "nd-response", "proto-unreach"}


def main():
    text, js = sys.argv[1], sys.argv[2]
    pn = len(sys.argv) > 3 and sys.argv[3] == "pn"
    recs = [json.loads(l) for l in open(js)]
    summary = recs[-1]
    assert summary.get("type") == "summary", "no summary line"
    bound = float(summary["elapsed"]) * 1e6 + 10000  # elapsed is printed to 0.01 s
    bad = []
    answered = set()  # hosts with an answer of their own
    host_rtt = {}
    nports = 0
    for r in recs[:-1]:
        rtt = r.get("rtt_us", 0)
        if rtt > bound:
            bad.append(f"{r['ip']}: rtt_us {rtt} > elapsed {summary['elapsed']} s")
        if "port" in r:
            if r["reason"] != "no-response":
                nports += 1
                if rtt <= 0:
                    bad.append(f"{r['ip']}:{r['port']}/{r['proto']} {r['reason']}: no rtt_us")
            if r["reason"] in SELF:
                answered.add(r["ip"])
        elif r["state"] == "up":
            host_rtt[r["ip"]] = rtt  # the last line of a host is its verdict
            if r["reason"] in SELF:
                answered.add(r["ip"])
    lat = {}
    host = None
    for line in open(text):
        m = re.match(r"wirekit scan report for (\S+)", line)
        if m:
            host = m.group(1)
        elif line.startswith("Host is up"):
            m = re.search(r" \(([0-9.]+)s latency\)\.$", line.rstrip("\n"))
            lat[host] = float(m.group(1)) if m else None
    if not lat:
        bad.append("no host up in the text output")
    want = [h for h in lat if not pn or h in answered]
    for h in want:
        if lat[h] is None:
            bad.append(f"{h}: no latency on its 'Host is up' line")
        elif lat[h] * 1e6 > bound:
            bad.append(f"{h}: latency {lat[h]} s > elapsed")
        if host_rtt.get(h, 0) <= 0:
            bad.append(f"{h}: JSON host line without rtt_us")
    for h in lat:
        if pn and h not in answered and lat[h] is not None:
            bad.append(f"{h}: latency without any answer of its own")
    print(f"{len(lat)} hosts up, {len(want)} with an answer of their own, "
          f"{nports} answered ports, elapsed {summary['elapsed']} s")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
