#!/usr/bin/env python3
"""Write a deterministic Ethernet pcap (ns or us) or pcapng for tests.

Frames carry their own index and a pattern, so any loss, duplication,
reordering or corruption is visible after a round trip.
usage: gen_pcap.py OUT [--count N] [--sizes 60,1514,...|imix] [--seed S]
                       [--usec] [--pcapng] [--snaplen N] [--start SEC]
"""
import argparse
import random
import struct

IMIX = [60] * 7 + [590] * 4 + [1514]


def frame(i, size, rng):
    dst = bytes([0x02, 0, 0, 0, 0, 0x01])
    src = bytes([0x02, 0, 0, 0, 0, 0x02])
    body = struct.pack(">HI", 0x88B5, i)  # local experimental ethertype
    fill = bytes(rng.getrandbits(8) for _ in range(min(size - 18, 64)))
    pat = (fill * (size // max(len(fill), 1) + 1))[: size - 18] if fill else b""
    return (dst + src + body + pat)[:size]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--sizes", default="imix")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--usec", action="store_true")
    ap.add_argument("--pcapng", action="store_true")
    ap.add_argument("--snaplen", type=int, default=65535)
    ap.add_argument("--start", type=int, default=1700000000)
    ap.add_argument("--caplen", type=int, default=0,
                    help="store at most this many bytes of each frame")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    sizes = IMIX if a.sizes == "imix" else [int(x) for x in a.sizes.split(",")]
    with open(a.out, "wb") as f:
        if a.pcapng:
            f.write(struct.pack("<IIIHHqI", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1, 28))
            opts = struct.pack("<HHB3xHH", 9, 1, 9, 0, 0)
            blen = 20 + len(opts)
            f.write(struct.pack("<IIHHI", 1, blen, 1, 0, a.snaplen) + opts + struct.pack("<I", blen))
        else:
            magic = 0xA1B2C3D4 if a.usec else 0xA1B23C4D
            f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, a.snaplen, 1))
        t = a.start * 10**9 + 123456789
        for i in range(a.count):
            size = sizes[i % len(sizes)] if a.sizes != "imix" else rng.choice(sizes)
            data = frame(i, size, rng)
            cap = data[: a.caplen] if a.caplen else data
            t += rng.randrange(1, 2000000)
            if a.usec:
                t -= t % 1000
            sec, ns = divmod(t, 10**9)
            if a.pcapng:
                pad = (-len(cap)) % 4
                blen = 32 + len(cap) + pad
                f.write(struct.pack("<IIIIIII", 6, blen, 0, t >> 32, t & 0xFFFFFFFF, len(cap), len(data)))
                f.write(cap + b"\0" * pad + struct.pack("<I", blen))
            else:
                sub = ns // 1000 if a.usec else ns
                f.write(struct.pack("<IIII", sec, sub, len(cap), len(data)) + cap)


if __name__ == "__main__":
    main()
