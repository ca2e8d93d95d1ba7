#!/usr/bin/python3
"""mkpcap.py OUT N [SRC...]: write an N-packet Ethernet pcap by cycling the TCP, UDP and
ICMP packets of the given captures, with rising timestamps and the last octet of the
addresses and the ports varied so there are many flows (as in a real trace)."""
import struct, sys

def packets(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    if struct.unpack(e + "I", data[:4])[0] not in (0xa1b2c3d4, 0xa1b23c4d):
        return
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        return
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        if len(pkt) >= 34 and pkt[12:14] == b"\x08\x00" and pkt[14] >> 4 == 4 and pkt[23] in (1, 6, 17):
            yield pkt, orig

def main():
    out, n, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    pool = []
    for s in srcs:
        pool += list(packets(s))
    if not pool:
        sys.exit("no TCP/UDP/ICMP Ethernet packets in the sources")
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        t = 1700000000 * 1000000
        buf = []
        for i in range(n):
            pkt, orig = pool[i % len(pool)]
            flow = (i // len(pool)) % 251
            p = bytearray(pkt)
            p[29] = (p[29] + flow) & 0xff        # source address, last octet
            ihl = (p[14] & 15) * 4
            if p[23] in (6, 17) and len(p) >= 14 + ihl + 4:
                sp = 14 + ihl
                p[sp + 1] = (p[sp + 1] + flow) & 0xff  # source port, low byte
            t += 7
            buf.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(p), max(orig, len(p))))
            buf.append(bytes(p))
            if len(buf) > 20000:
                f.write(b"".join(buf)); buf = []
        f.write(b"".join(buf))

main()
