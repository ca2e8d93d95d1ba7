#!/usr/bin/env python3
"""Listeners of the scan lab (tests/net/scanlab.sh): TCP on 22 80 443 8080 (accept and
close), UDP on 53 and 9999 answering every datagram from the address it was sent to
(IP_PKTINFO), as a service bound to a local /24 does."""
import select
import socket
import struct

IP_PKTINFO = 8  # linux/in.h

tcp = []
for p in (22, 80, 443, 8080):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p))
    s.listen(4096)
    tcp.append(s)
udp = []
for p in (53, 9999):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    u.bind(("0.0.0.0", p))
    udp.append(u)
while True:
    ready, _, _ = select.select(tcp + udp, [], [])
    for s in ready:
        if s in udp:
            data, anc, _, addr = s.recvmsg(2048, 256)
            for lvl, typ, d in anc:
                if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO:
                    info = struct.pack("I4s4s", 0, d[8:12], bytes(4))
                    s.sendmsg([b"wk"], [(lvl, typ, info)], 0, addr)
        else:
            c, _ = s.accept()
            c.close()
