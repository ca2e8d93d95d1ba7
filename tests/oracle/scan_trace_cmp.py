#!/usr/bin/env python3
"""Checks of wirekit scan --packet-trace (tests/oracle/test-scan-nmap-opts.sh).

  record OUT PCAPNG JSON   the SENT lines are the probes of the --pcapng record of the same
                           run, one line per probe (matched by addresses, IP id and length,
                           and the line's other fields checked against the packet's bytes);
                           the RCVD lines are its replies, one to one, and the verdict each
                           reply's comment names is a record of the JSON Lines output; as
                           many lines as the JSON summary's probes_sent and replies
  shape NMAP_OUT OUT       every line we print has the shape of a line nmap printed for the
                           same scan, once times, IP ids, sequence numbers, ICMP timestamps,
                           our probes' TTLs and the ports after addresses are taken out
  conn OUT JSON            -sT: the last CONN line of each port says what JSON reports
"""
import json
import re
import struct
import sys

LINE = re.compile(r"^(SENT|RCVD|CONN) \((\d+\.\d{4})s\) (.*)$")


def trace(path):
    out = []
    for line in open(path, errors="replace"):
        m = LINE.match(line.rstrip("\n"))
        if m:
            out.append((m.group(1), m.group(3)))
    return out


def pcapng(path):
    """(linktype, bytes, comment or None) of every packet; our own reader, no libpcap."""
    data = open(path, "rb").read()
    pos, e, lts, pkts = 0, "<", [], []
    while pos + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, pos)[0]
        if btype == 0x0A0D0D0A:  # section header: its byte order
            e = "<" if struct.unpack_from("<I", data, pos + 8)[0] == 0x1A2B3C4D else ">"
            lts = []
        blen = struct.unpack_from(e + "I", data, pos + 4)[0]
        body = data[pos + 8 : pos + blen - 4]
        if btype == 1:
            lts.append(struct.unpack_from(e + "H", body, 0)[0])
        elif btype == 6:
            ifid, _, _, caplen, _ = struct.unpack_from(e + "IIIII", body, 0)
            pkt = body[20 : 20 + caplen]
            o, comment = 20 + (caplen + 3) // 4 * 4, None
            while o + 4 <= len(body):
                code, olen = struct.unpack_from(e + "HH", body, o)
                if code == 0:
                    break
                if code == 1:
                    comment = body[o + 4 : o + 4 + olen].decode()
                o += 4 + (olen + 3) // 4 * 4
            pkts.append((lts[ifid], pkt, comment))
        pos += blen
    return pkts


def ip4(b):
    return ".".join(str(x) for x in b)


FLAGS = [(0x02, "S"), (0x01, "F"), (0x04, "R"), (0x08, "P"), (0x10, "A"), (0x20, "U"), (0x40, "E"), (0x80, "C")]


def decode(lt, p):
    """The key and the details a trace line shows of a packet."""
    if lt == 1:
        et = struct.unpack_from("!H", p, 12)[0]
        p = p[14:]
        if et == 0x0806:
            op = struct.unpack_from("!H", p, 6)[0]
            sha, spa, tpa = p[8:14], ip4(p[14:18]), ip4(p[24:28])
            if op == 1:
                return ("ARP", "who-has", tpa, spa), {}
            return ("ARP", "reply", spa, ":".join("%02X" % x for x in sha)), {}
        assert et == 0x0800, et
    ihl = (p[0] & 15) * 4
    iplen, ipid = struct.unpack_from("!HH", p, 2)
    ttl, proto = p[8], p[9]
    src, dst = ip4(p[12:16]), ip4(p[16:20])
    d = {"ttl": ttl, "proto": proto}
    l4 = p[ihl:]
    if proto == 6:
        d["sport"], d["dport"], d["seq"] = struct.unpack_from("!HHI", l4, 0)
        d["flags"] = "".join(c for bit, c in FLAGS if l4[13] & bit)
    elif proto == 17:
        d["sport"], d["dport"] = struct.unpack_from("!HH", l4, 0)
    elif proto == 1:
        d["type"], d["code"] = l4[0], l4[1]
    return ("IP", src, dst, ipid, iplen), d


def parse_line(text):
    """The same key and details from a trace line's text."""
    m = re.match(r"ARP who-has (\S+) tell (\S+)$", text)
    if m:
        return ("ARP", "who-has", m.group(1), m.group(2)), {}
    m = re.match(r"ARP reply (\S+) is-at (\S+)$", text)
    if m:
        return ("ARP", "reply", m.group(1), m.group(2)), {}
    m = re.match(
        r"TCP (\S+):(\d+) > (\S+):(\d+) (\S*) ttl=(\d+) id=(\d+) iplen=(\d+)  seq=(\d+) win=\d+ (<.*>)?$", text
    )
    if m:
        g = m.groups()
        return ("IP", g[0], g[2], int(g[6]), int(g[7])), {
            "ttl": int(g[5]), "proto": 6, "sport": int(g[1]), "dport": int(g[3]), "seq": int(g[8]), "flags": g[4]}
    m = re.match(r"UDP (\S+):(\d+) > (\S+):(\d+) ttl=(\d+) id=(\d+) iplen=(\d+) $", text)
    if m:
        g = m.groups()
        return ("IP", g[0], g[2], int(g[5]), int(g[6])), {
            "ttl": int(g[4]), "proto": 17, "sport": int(g[1]), "dport": int(g[3])}
    m = re.match(r"ICMP \[(\S+) > (\S+) .*\(type=(\d+)/code=(\d+)\) .*\] IP \[ttl=(\d+) id=(\d+) iplen=(\d+) \]$", text)
    if m:
        g = m.groups()
        return ("IP", g[0], g[1], int(g[5]), int(g[6])), {
            "ttl": int(g[4]), "proto": 1, "type": int(g[2]), "code": int(g[3])}
    raise AssertionError("not a line of ours: " + text)


def json_records(path):
    """The results, and the summary's counts of probes and replies."""
    recs, counts = set(), None
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "summary":
            counts = {"SENT": o["probes_sent"], "RCVD": o["replies"]}
        else:
            recs.add((o["ip"], o.get("proto"), o.get("port"), o["state"], o.get("reason")))
    return recs, counts


def verdict(comment):
    """'198.19.0.5:80/tcp open syn-ack [duplicate]' or '198.19.0.5 up echo-reply'."""
    w = comment.split()
    dup = w[-1] == "duplicate"
    m = re.match(r"(.+):(\d+)/(\w+)$", w[0])
    if m:
        return (m.group(1), m.group(3), int(m.group(2)), w[1], w[2]), dup
    return (w[0], None, None, w[1], w[2]), dup


def check_record(out, pcap, jsonl):
    lines = trace(out)
    recs, counts = json_records(jsonl)
    pkts = pcapng(pcap)
    errs = []
    for kind, want_comment in (("SENT", False), ("RCVD", True)):
        pool = {}
        for lt, p, c in pkts:
            if (c is not None) == want_comment:
                k, d = decode(lt, p)
                pool.setdefault(k, []).append((d, c))
        n_rec = sum(len(v) for v in pool.values())
        n_lines = 0
        for k_, text in lines:
            if k_ != kind:
                continue
            n_lines += 1
            k, d = parse_line(text)
            if not pool.get(k):
                errs.append("%s line without its packet in the record: %s" % (kind, text))
                continue
            pd, c = pool[k].pop(0)
            if pd != d:
                errs.append("%s line %s says %s, the packet %s" % (kind, text, d, pd))
            if c is not None:
                v, dup = verdict(c)
                if dup:  # a later answer: its position has its record
                    ok = any(r[:3] == v[:3] for r in recs)
                else:
                    ok = v in recs
                if not ok:
                    errs.append("RCVD %s: its verdict '%s' is not in the JSON output" % (text, c))
        left = sum(len(v) for v in pool.values())
        if left:
            errs.append("%d %s packet(s) of the record without a line" % (left, kind))
        if n_lines == 0:
            errs.append("no %s line" % kind)
        if counts is None or counts[kind] != n_lines:
            errs.append("%d %s lines, the summary counts %s" % (n_lines, kind, counts and counts[kind]))
        print("%s: %d lines, %d in the record, summary %s" % (kind, n_lines, n_rec, counts and counts[kind]))
    return errs


def shape(kind, text):
    s = re.sub(r"\bid=\d+", "id=N", text)
    s = re.sub(r"\bseq=\d+", "seq=N", s)
    s = re.sub(r"\b(orig|recv|trans)=\d+", r"\1=N", s)
    s = re.sub(r"(\d+\.\d+\.\d+\.\d+):\d+", r"\1:P", s)
    if kind == "SENT":  # nmap's probes have random TTLs
        s = re.sub(r"\bttl=\d+", "ttl=N", s)
    return kind + " " + s


def check_shape(nmap_out, out):
    theirs = {shape(k, t) for k, t in trace(nmap_out)}
    ours = {shape(k, t) for k, t in trace(out)}
    errs = ["not a shape nmap printed: " + s for s in sorted(ours - theirs)]
    if not ours:
        errs.append("no trace lines")
    if not theirs:
        errs.append("nmap printed no trace lines")
    print("%d shapes of ours, %d of nmap's, %d in common" % (len(ours), len(theirs), len(ours & theirs)))
    return errs


CONN_STATE = {"Connected": "open", "Connection refused": "closed", "No route to host": "filtered"}


def check_conn(out, jsonl):
    last = {}
    for k, text in trace(out):
        m = re.match(r"TCP localhost > (\S+):(\d+) => (.+)$", text)
        if k != "CONN" or not m:
            return ["not a CONN line: %s %s" % (k, text)]
        last[(m.group(1), int(m.group(2)))] = m.group(3)
    errs = []
    states = {}
    for line in open(jsonl):
        o = json.loads(line)
        if o.get("proto") == "tcp" and "port" in o:
            states[(o["ip"], o["port"])] = o["state"]
    for key, st in states.items():
        said = last.get(key)
        want = CONN_STATE.get(said, "filtered")  # in progress to the end: timed out
        if said is None or want != st:
            errs.append("%s:%d is %s, its last CONN line says %s" % (key[0], key[1], st, said))
    print("%d ports, %d with CONN lines" % (len(states), len(last)))
    return errs


def main():
    cmd = sys.argv[1]
    if cmd == "record":
        errs = check_record(*sys.argv[2:5])
    elif cmd == "shape":
        errs = check_shape(*sys.argv[2:4])
    elif cmd == "conn":
        errs = check_conn(*sys.argv[2:4])
    else:
        sys.exit("usage: scan_trace_cmp.py record|shape|conn ...")
    for e in errs[:20]:
        print(e)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
