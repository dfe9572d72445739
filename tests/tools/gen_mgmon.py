#!/usr/bin/env python3
"""Crafted captures for libmgmon's flow grouping and its two analyzers.

usage:
  gen_mgmon.py flows OUT.pcap [--expect FILE]
      IPv4/IPv6 UDP and TCP conversations (both directions, TCP flags),
      802.1Q and QinQ tags, an IPv6 extension header, ICMP, ARP.  --expect
      writes the unidirectional flow records libmgmon must produce, one per
      line: "proto src sport dst dport vlan vlan2 packets bytes flags".
  gen_mgmon.py burst OUT.pcap --interval-ns N --threshold-bps B --expect FILE
      Steady background traffic with bursts of known size and place;
      --expect writes microburst's CSV burst records for that interval and
      threshold (computed here independently, by plain binning).
  gen_mgmon.py seq OUT.pcap --expect FILE [--mold | --late-join]
      UDP multicast groups (IPv4, IPv6, VLAN) carrying sequence numbers
      with planned gaps, duplicates, late datagrams and a reset, plus
      unicast and TCP noise.  --expect writes seqgap's CSV events.  --mold
      lays the numbers out as MoldUDP64 (session, 8-byte sequence, 2-byte
      message count) with several messages per datagram.

Everything is deterministic: same arguments, same bytes.
"""
import argparse
import random
import socket
import struct

START = 1700000000 * 10**9


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(payload, etype, vlans=(), src=b"\x02\0\0\0\0\x01", dst=b"\x02\0\0\0\0\x02"):
    tags = b""
    tpids = [0x88A8, 0x8100] if len(vlans) == 2 else [0x8100]
    for tpid, vid in zip(tpids, vlans):
        tags += struct.pack("!HH", tpid, vid)
    return dst + src + tags + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, l4, ident=0):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, 64, proto, 0, s, d)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h


def ipv6(src, dst, nh, l4, ext=b""):
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    return struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(l4), nh, 64, s, d) + ext


def pseudo(family, src, dst, proto, length):
    if family == 4:
        return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, length)
    return (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!IxxxB", length, proto))


def udp(family, src, dst, sport, dport, payload):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(pseudo(family, src, dst, 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp(family, src, dst, sport, dport, flags, seq, ack, payload):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    c = csum(pseudo(family, src, dst, 6, len(t)) + t)
    return t[:16] + struct.pack("!H", c) + t[18:]


def packet(family, proto, src, dst, sport, dport, payload, vlans=(), flags=0, seq=0, ack=0,
           ext=b""):
    if proto == 17:
        l4 = udp(family, src, dst, sport, dport, payload)
    else:
        l4 = tcp(family, src, dst, sport, dport, flags, seq, ack, payload)
    if family == 4:
        return eth(ipv4(src, dst, proto, l4) + l4, 0x0800, vlans)
    nh = 0 if ext else proto
    if ext:  # a hop-by-hop header in front of the upper layer
        ext = struct.pack("!BB", proto, 0) + b"\x01\x04\0\0\0\0"
    return eth(ipv6(src, dst, nh, l4, ext) + l4, 0x86DD, vlans)


def write_pcap(path, frames):
    """frames: list of (ns, bytes)"""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for ns, data in sorted(frames, key=lambda x: x[0]):
            sec, sub = divmod(ns, 10**9)
            f.write(struct.pack("<IIII", sec, sub, len(data), len(data)) + data)


# ---------------------------------------------------------------- flows
def flows(a):
    rng = random.Random(7)
    frames = []
    expect = {}
    t = START

    def add(ns, fr, key, flags=0):
        frames.append((ns, fr))
        e = expect.setdefault(key, [0, 0, 0])
        e[0] += 1
        e[1] += len(fr)
        e[2] |= flags

    convs = [
        # family, proto, a, b, aport, bport, vlans, frames a->b, frames b->a, ext
        (4, 17, "10.0.0.1", "10.0.0.2", 40000, 53, (), 5, 5, False),
        (4, 17, "10.0.0.3", "192.168.1.9", 5004, 5004, (), 40, 0, False),
        (4, 17, "10.0.0.1", "10.0.0.2", 40001, 53, (100,), 3, 3, False),
        (4, 17, "172.16.0.5", "172.16.0.6", 1234, 4321, (200, 30), 12, 7, False),
        (6, 17, "2001:db8::1", "2001:db8::2", 5353, 5353, (), 6, 4, False),
        (6, 17, "2001:db8::a", "ff15::1234", 7000, 7001, (300,), 25, 0, True),
        (4, 6, "10.1.0.1", "10.1.0.2", 33000, 80, (), 0, 0, False),
        (4, 6, "10.1.0.1", "10.1.0.3", 33001, 443, (42,), 0, 0, False),
        (6, 6, "2001:db8::10", "2001:db8::20", 50000, 22, (), 0, 0, False),
    ]
    for fam, proto, ca, cb, pa, pb, vl, nab, nba, ext in convs:
        t0 = t + rng.randrange(1000, 50000)
        if proto == 17:
            seq = [(0, i) for i in range(nab)] + [(1, i) for i in range(nba)]
            rng.shuffle(seq)
            seq.sort(key=lambda x: (x[1], x[0]))  # a speaks first
            for k, (d, i) in enumerate(seq):
                size = rng.choice([20, 100, 400, 1200, 1400])
                src, dst, sp, dp = (ca, cb, pa, pb) if d == 0 else (cb, ca, pb, pa)
                fr = packet(fam, 17, src, dst, sp, dp, bytes(size), vl, ext=b"x" if ext else b"")
                add(t0 + k * 7919, fr, (17, src, sp, dst, dp) + tuple(vl) + (0,) * (2 - len(vl)))
        else:
            # handshake, data both ways, close
            steps = [(0, 0x02, 0), (1, 0x12, 0), (0, 0x10, 0)]
            for i in range(rng.randrange(3, 9)):
                steps.append((i % 2, 0x18, rng.choice([10, 500, 1460])))
            steps += [(0, 0x11, 0), (1, 0x11, 0), (0, 0x10, 0)]
            for k, (d, fl, size) in enumerate(steps):
                src, dst, sp, dp = (ca, cb, pa, pb) if d == 0 else (cb, ca, pb, pa)
                fr = packet(fam, 6, src, dst, sp, dp, bytes(size), vl, flags=fl, seq=1000 + k, ack=1)
                add(t0 + k * 10007, fr, (6, src, sp, dst, dp) + tuple(vl) + (0,) * (2 - len(vl)), fl)
        t += 3000000
    # not IP: ARP; IP but not TCP/UDP: ICMP echo (a flow without ports)
    arp = eth(struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x02\0\0\0\0\x01",
                          socket.inet_aton("10.0.0.1"), b"\0" * 6, socket.inet_aton("10.0.0.2")), 0x0806)
    for i in range(4):
        frames.append((START + 500 + i, arp))
    icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping" * 8
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    fr = eth(ipv4("10.0.0.1", "10.0.0.9", 1, icmp) + icmp, 0x0800)
    for i in range(3):
        add(START + 900 + i, fr, (1, "10.0.0.1", 0, "10.0.0.9", 8 << 8, 0, 0))
    write_pcap(a.out, frames)
    if a.expect:
        with open(a.expect, "w") as f:
            for k, (n, b, fl) in sorted(expect.items(), key=lambda x: str(x[0])):
                proto, src, sp, dst, dp, v1, v2 = k
                f.write("%d %s %d %s %d %d %d %d %d %d\n" % (proto, src, sp, dst, dp, v1, v2, n, b, fl))


# ---------------------------------------------------------------- bursts
def burst(a):
    iv = a.interval_ns
    frames = []
    # background: one 1000-byte frame every 10 intervals' worth of 1/10
    step = iv // 2
    t = START
    end = START + 400 * iv
    while t < end:
        frames.append((t, 1000))
        t += step
    # bursts: (first interval, intervals, frame size, gap ns)
    plans = [(40, 1, 1500, 1300), (100, 3, 1500, 1250), (103, 0, 0, 0), (250, 5, 64, 70),
             (390, 10, 1200, 1000)]
    for first, n, size, gap in plans:
        t = START + first * iv + 17
        while t < START + (first + n) * iv:
            frames.append((t, size))
            t += gap
    # one burst at the very end of the capture (still running at the end)
    built = []
    for ns, size in frames:
        payload = bytes(max(size - 42, 18))
        fr = packet(4, 17, "10.9.0.1", "10.9.0.2", 9, 9, payload)[:size] if size >= 60 else \
            packet(4, 17, "10.9.0.1", "10.9.0.2", 9, 9, bytes(18))
        built.append((ns, fr))
    write_pcap(a.out, built)
    # expectation: plain binning of the wire lengths
    bins = {}
    for ns, fr in built:
        b = bins.setdefault((ns - 0) // iv, [0, 0])
        b[0] += 1
        b[1] += len(fr)
    out = []
    cur = None
    for k in sorted(bins):
        fr_n, by = bins[k]
        bps = by * 8 * 1e9 / iv
        pps = fr_n * 1e9 / iv
        over = bps > a.threshold_bps
        if over and cur and k == cur["last"] + 1:
            cur["last"] = k
        elif over:
            if cur:
                out.append(cur)
            cur = {"first": k, "last": k, "frames": 0, "bytes": 0, "peak": -1, "peak_pps": 0, "peak_at": k}
        else:
            if cur:
                out.append(cur)
            cur = None
        if over:
            cur["frames"] += fr_n
            cur["bytes"] += by
            if bps > cur["peak"]:
                cur["peak"], cur["peak_pps"], cur["peak_at"] = bps, pps, k
    if cur:
        out.append(cur)

    def ts(ns):
        return "%d.%09d" % divmod(ns, 10**9)

    with open(a.expect, "w") as f:
        for c in out:
            s, e = c["first"] * iv, (c["last"] + 1) * iv
            nb = c["last"] - c["first"] + 1
            mean = c["bytes"] * 8 / ((e - s) / 1e9)
            f.write("burst,%s,%s,%d,%d,%d,%d,%.0f,%.0f,%.0f,%s\n" % (
                ts(s), ts(e), e - s, nb, c["frames"], c["bytes"], mean, c["peak"], c["peak_pps"],
                ts(c["peak_at"] * iv)))


# ---------------------------------------------------------------- sequences
def seq(a):
    rng = random.Random(11)
    frames = []
    events = []
    groups = [
        # family, src, group, port, vlans, plan
        (4, "10.2.0.1", "239.1.1.1", 5000, (), "gap"),
        (4, "10.2.0.1", "239.1.1.2", 5000, (), "dup"),
        (4, "10.2.0.2", "239.1.1.3", 5002, (10,), "reorder"),
        (6, "2001:db8::5", "ff15::1:1", 6000, (), "mixed"),
        (4, "10.2.0.3", "239.1.1.4", 5004, (), "clean"),
    ]
    mold = a.mold
    t_step = 10007

    def payload(n, count):
        if mold:
            return b"SESSION001" + struct.pack("!QH", n, count) + bytes(20 * count)
        return struct.pack("!I", n) + bytes(rng.choice([16, 100, 600]))

    def name(fam, g, port):
        return ("[%s]:%d" if fam == 6 else "%s:%d") % (g, port)

    for gi, (fam, src, grp, port, vl, plan) in enumerate(groups):
        t = START + gi * 1000
        count = 3 if mold else 1
        nums = list(range(1000, 1000 + 200 * count, count))   # datagram first numbers
        order = list(range(len(nums)))
        drop = set()
        dup_at = {}
        if plan in ("gap", "mixed"):
            drop |= {20, 21, 22}            # 3 datagrams lost
        if plan == "mixed":
            drop |= {150}
        if plan in ("dup", "mixed"):
            dup_at[50] = 50                 # 50 sent twice
            dup_at[120] = 118               # an old one again after 120
        if plan in ("reorder", "mixed"):
            # 70 arrives after 72, 100 after 101
            i70 = order.index(70)
            order.pop(i70)
            order.insert(order.index(72) + 1, 70)
            i100 = order.index(100)
            order.pop(i100)
            order.insert(order.index(101) + 1, 100)
        sent = []
        for i in order:
            if i in drop:
                continue
            sent.append(i)
            if i in dup_at:
                sent.append(dup_at[i])
        expected = None
        seen = set()
        for i in sent:
            n = nums[i]
            t += t_step
            fr = packet(fam, 17, src, grp, 40000 + gi, port, payload(n, count), vl)
            frames.append((t, fr))
            gname = name(fam, grp, port)
            if expected is None:
                expected = n
            if n > expected:
                events.append((t, gname, "gap", expected, n, n - expected))
                expected = n + count
            elif n == expected:
                expected = n + count
            else:
                if n in seen:
                    events.append((t, gname, "dup", expected, n, count))
                else:
                    events.append((t, gname, "late", expected, n, count))
            seen.add(n)
        # noise: unicast UDP and TCP to the same port, never counted
        for k in range(5):
            t += t_step
            frames.append((t, packet(4, 17, "10.3.0.1", "10.3.0.2", 1, port, payload(1, count))))
            frames.append((t + 1, packet(4, 6, "10.3.0.1", "10.3.0.2", 1, port, b"abcd", flags=0x18)))
    # a reset on its own group: numbers start over at 1 (checked with a
    # small --window by the test)
    t = START + 50 * 10**6
    n = 1
    for i in range(150):
        if i == 100:
            events.append((t + t_step, "239.9.9.9:7000", "reset", n, 1, 3 if mold else 1))
            n = 1
        t += t_step
        frames.append((t, packet(4, 17, "10.4.0.1", "239.9.9.9", 1, 7000, payload(n, 3 if mold else 1))))
        n += 3 if mold else 1
    write_pcap(a.out, frames)
    with open(a.expect, "w") as f:
        for ev in sorted(events, key=lambda e: e[0]):
            t, g, what, exp, got, cnt = ev
            f.write("%d.%09d,%s,%s,%d,%d,%d\n" % (t // 10**9, t % 10**9, g, what, exp, got, cnt))


def seq_late_join(a):
    """A capture that joins a feed mid-burst: the first datagram seen is
    1003, and 1001 and 1002 (sent before it) arrive just after it.  They
    were never missing, so they are 'early', not 'late'.  Then one real
    gap filled late, and an old number again (a duplicate)."""
    frames, events = [], []
    t = START
    g = "239.1.1.5:5005"
    arrival = [1003, 1001, 1002] + list(range(1004, 1051)) + [1052, 1051] + \
        list(range(1053, 1100)) + [1001]
    expected = None
    seen = set()
    first = arrival[0]
    for n in arrival:
        t += 10007
        frames.append((t, packet(4, 17, "10.2.0.5", "239.1.1.5", 40005, 5005,
                                 struct.pack("!I", n) + bytes(40))))
        if expected is None:
            expected = n + 1
        elif n > expected:
            events.append((t, g, "gap", expected, n, n - expected))
            expected = n + 1
        elif n == expected:
            expected = n + 1
        elif n in seen:
            events.append((t, g, "dup", expected, n, 1))
        elif n < first:
            events.append((t, g, "early", expected, n, 1))
        else:
            events.append((t, g, "late", expected, n, 1))
        seen.add(n)
    write_pcap(a.out, frames)
    with open(a.expect, "w") as f:
        for t, g, what, exp, got, cnt in events:
            f.write("%d.%09d,%s,%s,%d,%d,%d\n" % (t // 10**9, t % 10**9, g, what, exp, got, cnt))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("flows")
    p.add_argument("out")
    p.add_argument("--expect")
    p = sub.add_parser("burst")
    p.add_argument("out")
    p.add_argument("--interval-ns", type=int, default=100000)
    p.add_argument("--threshold-bps", type=float, default=1e9)
    p.add_argument("--expect", required=True)
    p = sub.add_parser("seq")
    p.add_argument("out")
    p.add_argument("--expect", required=True)
    p.add_argument("--mold", action="store_true")
    p.add_argument("--late-join", action="store_true",
                   help="one group whose first datagrams arrive reordered")
    a = ap.parse_args()
    if a.cmd == "seq" and a.late_join:
        seq_late_join(a)
        return
    {"flows": flows, "burst": burst, "seq": seq}[a.cmd](a)


if __name__ == "__main__":
    main()
