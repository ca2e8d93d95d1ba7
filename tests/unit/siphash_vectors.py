#!/usr/bin/env python3
"""Print SipHash-2-4 of messages 00, 00 01, ... (0 to 63 bytes) under key 00..0f, as C.

An independent implementation written from the paper (Aumasson and Bernstein, 2012,
section 2), used to generate the table in test_siphash.c; the paper's appendix example
(15-byte message: a129ca6149be45e5) is checked first."""

M = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M


def sipround(v):
    v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
    v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
    v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
    v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)


def siphash24(key, msg):
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]
    padded = msg + bytes((8 - (len(msg) + 1) % 8) % 8) + bytes([len(msg) & 0xFF])
    for i in range(0, len(padded), 8):
        m = int.from_bytes(padded[i:i + 8], "little")
        v[3] ^= m
        sipround(v); sipround(v)
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        sipround(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


key = bytes(range(16))
assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5
for n in range(64):
    print("\t0x%016xull," % siphash24(key, bytes(range(n))))
