#!/usr/bin/env python3
"""Write the traffic of several capture queues as nanosecond pcaps, for the
hpcap-index and hpcap-extract tests.

One stream of mixed frames (IPv4/IPv6, TCP/UDP/ICMP/ICMPv6, ARP, VLAN and
QinQ tags) is dealt out at random to the queues, with strictly increasing,
distinct times, so the queues overlap in time and merging them back in
time order gives one well-defined sequence.  Host 10.9.9.9 talks only in
the first tenth of the time (files after that cannot match it).
usage: gen_queues.py OUTDIR [--queues N] [--count N] [--seed S]
"""
import argparse
import random
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(payload, etype, vlans=()):
    h = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
    for i, v in enumerate(vlans):
        h += struct.pack("!HH", 0x88A8 if i == 0 and len(vlans) > 1 else 0x8100, v)
    return h + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def ip6(src, dst, nh, l4):
    return struct.pack("!IHBB16s16s", 0x60000000, len(l4), nh, 64, bytes(src), bytes(dst)) + l4


def l4(proto, sport, dport, payload):
    if proto == 6:
        return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x18, 8192, 0, 0) + payload
    if proto == 17:
        return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return struct.pack("!BBHHH", 8 if proto == 1 else 128, 0, 0, 1, 1) + payload


def frame(rng, t_frac):
    kind = rng.random()
    payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([6, 30, 200, 900])))
    vlans = rng.choice([(), (), (), (100,), (200,), (300, 42)])
    if kind < 0.05:
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x02" * 6,
                          bytes([10, 0, 0, rng.randint(1, 20)]), b"\0" * 6,
                          bytes([10, 0, 0, rng.randint(1, 20)]))
        return eth(arp, 0x0806, vlans)
    proto = rng.choice([6, 6, 17, 17, 1])
    sport = rng.choice([53, 80, 443, 5000 + rng.randint(0, 50)])
    dport = rng.choice([53, 80, 443, 6000 + rng.randint(0, 50)])
    if kind < 0.75:
        a = [10, 0, 0, rng.randint(1, 20)]
        b = [10, 1, rng.randint(0, 3), rng.randint(1, 50)]
        if t_frac < 0.1 and rng.random() < 0.2:
            a = [10, 9, 9, 9]
        if rng.random() < 0.5:
            a, b = b, a
        return eth(ip4(a, b, proto, l4(proto, sport, dport, payload)), 0x0800, vlans)
    a = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [rng.randint(1, 9)]
    b = [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [0] * 9 + [rng.randint(1, 9)]
    if proto == 1:
        proto = 58
    return eth(ip6(a, b, proto, l4(proto, sport, dport, payload)), 0x86DD, vlans)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--queues", type=int, default=3)
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=1700000000)
    ap.add_argument("--step-ns", type=int, default=50000)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    outs = []
    for q in range(a.queues):
        f = open("%s/q%d.pcap" % (a.outdir, q), "wb")
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        outs.append(f)
    for i in range(a.count):
        t = a.start * 10**9 + i * a.step_ns + rng.randint(1, a.step_ns - 1)
        fr = frame(rng, i / a.count)
        outs[rng.randrange(a.queues)].write(
            struct.pack("<IIII", t // 10**9, t % 10**9, len(fr), len(fr)) + fr)
    for f in outs:
        f.close()


if __name__ == "__main__":
    main()
