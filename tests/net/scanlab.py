#!/usr/bin/env python3
"""Ground truth of the scan lab (tests/net/test-scan.sh) and checks of wirekit scan's JSON
Lines against it. The truth is derived from the lab's configuration written below, the
same values the test script gives to nftables and the listeners.

  scanlab.py expect KIND HOSTS PORTS          print the expected records
  scanlab.py check KIND HOSTS PORTS FILE...   compare (the union of) FILEs with the truth
  scanlab.py recall HOSTS PORTS FILE          open ports found / open ports, false positives
  scanlab.py disjoint FILE...                 no (ip, proto, port) in two files
KIND: syn ack connect udp PE PP PS PA PU any (up by any reason), or syn+udp / ack+udp (one
scan of both, -sS -sU) with PORTS as TCPLIST/UDPLIST; HOSTS: a-b[,c-d] (last octets of
198.19.0.x); PORTS: comma list.
"""
import json
import sys

NET = "198.19.0."
TCP_OPEN = {22, 80, 443, 8080}
TCP_DROP = {25}
TCP_ADMIN = {110}
TCP_HOSTPROHIB = {111}
UDP_OPEN = {53, 9999}
UDP_DROP = {500}
UDP_ADMIN = {501}
HOST_DROP = set(range(20, 24))
HOST_ADMIN = {24}


def hosts(spec):
    out = []
    for part in spec.split(","):
        a, b = part.split("-")
        out += range(int(a), int(b) + 1)
    return out


def port_truth(kind, h, p):
    if kind == "connect":  # the kernel's connect: refused instead of reset
        st = port_truth("syn", h, p)
        return ("closed", "conn-refused") if st == ("closed", "reset") else st
    if kind in ("syn", "ack"):
        if h in HOST_DROP:
            return ("filtered", "no-response")
        if h in HOST_ADMIN:
            return ("filtered", "admin-prohibited")
        if p in TCP_DROP:
            return ("filtered", "no-response")
        if p in TCP_ADMIN:
            return ("filtered", "admin-prohibited")
        if p in TCP_HOSTPROHIB:
            return ("filtered", "host-prohibited")
        if kind == "ack":
            return ("unfiltered", "reset")
        return ("open", "syn-ack") if p in TCP_OPEN else ("closed", "reset")
    # udp: the host rules come before the port rules in the chain
    if h in HOST_DROP:
        return ("open|filtered", "no-response")
    if h in HOST_ADMIN:
        return ("filtered", "admin-prohibited")
    if p in UDP_DROP:
        return ("open|filtered", "no-response")
    if p in UDP_ADMIN:
        return ("filtered", "admin-prohibited")
    return ("open", "udp-response") if p in UDP_OPEN else ("closed", "port-unreach")


def host_truth(kind, h, ports):
    if h in HOST_DROP:
        return ("down", "no-response")
    if h in HOST_ADMIN:  # nmap: an ICMP error to a ping probe decides nothing
        return ("down", "no-response")
    if kind == "PE":
        return ("up", "echo-reply")
    if kind == "PP":
        return ("up", "timestamp-reply")
    if kind == "PS":
        return ("up", "syn-ack" if ports[0] in TCP_OPEN else "reset")
    if kind == "PA":
        return ("up", "reset")
    if kind == "PU":
        return ("up", "port-unreach")
    if kind == "any":  # nmap's default discovery: whichever probe answers first
        return ("up", "*")
    raise SystemExit("unknown kind " + kind)


def expect(kind, hs, ports):
    if "+" in kind:  # tcp kind + udp: ports is (tcp list, udp list)
        tk, uk = kind.split("+")
        out = expect(tk, hs, ports[0])
        out.update(expect(uk, hs, ports[1]))
        return out
    out = {}
    for h in hosts(hs):
        ip = NET + str(h)
        if kind in ("syn", "ack", "udp", "connect"):
            proto = "udp" if kind == "udp" else "tcp"
            for p in ports:
                out[(ip, proto, p)] = port_truth(kind, h, p)
        else:
            out[(ip, None, None)] = host_truth(kind, h, ports)
    return out


def load(files):
    got = {}
    for f in files:
        with open(f) as fh:
            for line in fh:
                o = json.loads(line)
                if o.get("type") == "summary":
                    continue
                k = (o["ip"], o.get("proto"), o.get("port"))
                got[k] = (o["state"], o["reason"])
    return got


def main():
    cmd = sys.argv[1]
    if cmd == "disjoint":
        seen = {}
        bad = 0
        for f in sys.argv[2:]:
            for k in load([f]):
                if k[1] is None:
                    continue
                if k in seen:
                    bad += 1
                seen[k] = f
        print("overlapping records:", bad)
        return 1 if bad else 0
    if cmd == "recall":
        hs, ports, files = sys.argv[2], [int(p) for p in sys.argv[3].split(",")], sys.argv[4:]
        got = load(files)
        truth = expect("syn", hs, ports)
        opens = {k for k, v in truth.items() if v[0] == "open"}
        found = {k for k, v in got.items() if v[0] == "open" and k[1]}
        fp = found - opens
        # under loss a port may stay unanswered (filtered no-response): recall, not error
        wrong = [k for k, v in got.items() if k[1] and k in truth and v != truth[k]
                 and v != ("filtered", "no-response")]
        rec = len(found & opens) / len(opens)
        print("open %d found %d recall %.4f false-positives %d wrong-states %d" %
              (len(opens), len(found & opens), rec, len(fp), len(wrong)))
        return 0 if rec >= 0.999 and not fp and not wrong else 1
    kind, hs, ps = sys.argv[2], sys.argv[3], sys.argv[4]
    if "+" in kind:
        tl, ul = ps.split("/")
        ports = ([int(p) for p in tl.split(",") if p], [int(p) for p in ul.split(",") if p])
    else:
        ports = [int(p) for p in ps.split(",") if p]
    if cmd == "expect":
        for k, v in sorted(expect(kind, hs, ports).items(), key=str):
            print(k, v)
        return 0
    truth = expect(kind, hs, ports)
    got = load(sys.argv[5:])
    if kind in ("syn", "ack", "udp", "connect") or "+" in kind:
        got = {k: v for k, v in got.items() if k[1] is not None}
    else:
        got = {k: v for k, v in got.items() if k[1] is None}
    bad = 0
    for k, v in sorted(truth.items(), key=str):
        g = got.get(k)
        if v[1] == "*" and g and g[0] == v[0]:
            continue
        if g != v:
            bad += 1
            if bad <= 10:
                print("  %s: expected %s, got %s" % (k, v, got.get(k)))
    extra = set(got) - set(truth)
    for k in sorted(extra, key=str)[:10]:
        print("  %s: not a target, got %s" % (k, got[k]))
    print("%d records, %d wrong or missing, %d extra" % (len(truth), bad, len(extra)))
    return 1 if bad or extra else 0


sys.exit(main())
