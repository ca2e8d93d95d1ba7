#!/usr/bin/env python3
"""Extract a small, varied seed corpus for fuzz/fuzz_dissect.c from pcap/pcapng captures.

usage: fuzz-seeds.py CORPUS_DIR OUT_DIR [--max N]

Each seed is one selector byte (the index of the frame's link type in LINKTYPES below,
which must match linktypes[] in fuzz/fuzz_dissect.c) followed by the frame bytes.
Frames are chosen for variety: tshark's frame.protocols string of every frame is read,
and the first frame of each distinct (link type, protocol stack) is a candidate; tunnel
and DNS stacks come first, then one per link type, then the rarest of the rest.
Frames over MAX_FRAME bytes are skipped to keep the corpus small.
"""
import os, struct, subprocess, sys

LINKTYPES = [0, 1, 8, 9, 10, 12, 14, 50, 51, 101, 104, 105, 107, 108, 112, 113, 127, 129,
             192, 228, 229, 239, 276, 147]
MAX_FRAME = 4096
FIRST = ("gre", "erspan", "vxlan", "geneve", "gtp", "l2tp", "teredo", "pim", "dns", "mdns",
         "mpls", "ppp", "icmp", "ipv6")


def pcap_frames(path):
    """Yield (number, linktype, bytes) for every packet of a pcap or pcapng file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        lt = struct.unpack(e + "I", data[20:24])[0] & 0xffff
        off, n = 24, 0
        while off + 16 <= len(data):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            off += 16
            if incl > len(data) - off:
                return
            n += 1
            yield n, lt, data[off:off + incl]
            off += incl
        return
    if magic != b"\x0a\x0d\x0d\x0a":
        return
    off, n, e, ifaces = 0, 0, "<", []
    while off + 12 <= len(data):
        btype = data[off:off + 4]
        if btype == b"\x0a\x0d\x0d\x0a":
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        t = struct.unpack(e + "I", btype)[0]
        body = data[off + 8:off + blen - 4]
        if t == 1 and len(body) >= 2:
            ifaces.append(struct.unpack(e + "H", body[:2])[0])
        elif t == 6 and len(body) >= 20:
            iface, _, _, cap, _ = struct.unpack(e + "IIIII", body[:20])
            n += 1
            if iface < len(ifaces):
                yield n, ifaces[iface], body[20:20 + cap]
        elif t == 3 and len(body) >= 4:
            orig = struct.unpack(e + "I", body[:4])[0]
            n += 1
            if ifaces:
                yield n, ifaces[0], body[4:4 + orig]
        elif t == 2 and len(body) >= 20:
            iface = struct.unpack(e + "H", body[:2])[0]
            cap = struct.unpack(e + "I", body[12:16])[0]
            n += 1
            if iface < len(ifaces):
                yield n, ifaces[iface], body[20:20 + cap]
        off += blen


def protocols(path):
    try:
        out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number",
                              "-e", "frame.protocols"], capture_output=True, text=True,
                             timeout=120).stdout
    except subprocess.TimeoutExpired:
        return {}
    res = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0].isdigit():
            res[int(parts[0])] = parts[1]
    return res


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__.strip())
        return 2
    corpus, out = args[0], args[1]
    limit = int(args[args.index("--max") + 1]) if "--max" in args else 100
    cands = {}   # (linktype, stack) -> (file, number, bytes)
    count = {}
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        if not os.path.isfile(path) or os.path.getsize(path) > 20_000_000 or name.endswith(".tsv"):
            continue
        frames = list(pcap_frames(path))
        if not frames:
            continue
        stacks = protocols(path)
        for num, lt, b in frames:
            if lt not in LINKTYPES or len(b) > MAX_FRAME or num not in stacks:
                continue
            key = (lt, stacks[num])
            count[key] = count.get(key, 0) + 1
            cands.setdefault(key, (name, num, b))
    chosen = []
    def take(key):
        if key not in chosen and len(chosen) < limit:
            chosen.append(key)
    for key in sorted(cands, key=lambda k: (count[k], k)):
        if any(p in key[1].split(":") for p in FIRST[:10]):
            take(key)
        if len(chosen) >= limit * 6 // 10:
            break
    seen_lt = {k[0] for k in chosen}
    for key in sorted(cands, key=lambda k: (count[k], k)):
        if key[0] not in seen_lt:
            take(key)
            seen_lt.add(key[0])
    for key in sorted(cands, key=lambda k: (count[k], k)):
        take(key)
    os.makedirs(out, exist_ok=True)
    total = 0
    for key in chosen:
        name, num, b = cands[key]
        base = os.path.splitext(name)[0]
        fn = os.path.join(out, "%s-%d" % (base, num))
        with open(fn, "wb") as f:
            f.write(bytes([LINKTYPES.index(key[0])]) + b)
        total += len(b) + 1
    print("%d seeds, %d bytes" % (len(chosen), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
