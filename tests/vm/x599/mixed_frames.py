#!/usr/bin/env python3
"""Send a mix of test frames out of an interface (AF_PACKET) and record them.

The mix, in a fixed order drawn from --seed: IPv4 and IPv6, each with UDP
and TCP, some of them VLAN-tagged, IPv4 with another protocol, and raw
frames of a local ethertype (0x88b5); sizes from 60 to 1514 bytes (without
FCS; tagged frames up to 1518); unicast to --dst, with every 50th frame
broadcast and every 50th (offset 25) IPv4 multicast.  The flows (addresses
and ports) are spread so that RSS has something to spread.  Every frame
carries its sequence number, so no two frames are the same.  Checksums are
correct.  The socket bypasses the queueing discipline, so a frame
send() accepted is on its way to the NIC.

usage: mixed_frames.py IFACE --dst MAC [--count N] [--flows N] [--pps RATE]
                       [--seed S] [--start-seq N] [--src MAC] [--pcap OUT]
                       [--kinds LIST]
"""
import argparse
import random
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_QDISC_BYPASS = 20

KINDS = ["ip4udp", "ip4tcp", "ip6udp", "ip6tcp", "vlan4udp", "vlan6tcp",
         "ip4other", "raw"]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def l4(proto, sport, dport, payload, pseudo):
    if proto == 17:
        hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
        off = 6
    else:
        hdr = struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, 5 << 4,
                          0x18, 8192, 0, 0)
        off = 16
    seg = hdr + payload
    c = csum(pseudo(len(seg)) + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def ipv4(src, dst, proto, body, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident, 0, 64,
                      proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + body


def ipv6(src, dst, proto, body):
    return struct.pack("!IHBB16s16s", 6 << 28, len(body), proto, 64, src,
                       dst) + body


PATTERN = bytes(range(256)) * 8


def fill(seq, n):
    """The sequence number, then bytes (seq + k) & 0xff."""
    start = seq & 0xFF
    return struct.pack("!I", seq) + PATTERN[start:start + max(0, n - 4)]


def make_frame(seq, size, kind, flow, dst, src):
    if seq % 50 == 0:
        dst = b"\xff" * 6
    elif seq % 50 == 25 and kind.startswith(("ip4", "vlan4")):
        dst = bytes.fromhex("01005e010203")
    vlan = kind.startswith("vlan")
    eth = dst + src + (struct.pack("!HH", 0x8100, 100 + flow % 4) if vlan
                       else b"")
    room = size - len(eth) - 2          # bytes after the ethertype
    sport, dport = 1024 + 7 * flow, 9000 + flow % 5
    if kind == "raw":
        return eth + struct.pack("!H", 0x88B5) + fill(seq, room)
    if "4" in kind:
        s4 = bytes([10, 1, flow // 250, flow % 250 + 1])
        d4 = bytes([10, 2, 0, 1 + flow % 3])
        if kind == "ip4other":
            body = fill(seq, room - 20)
            return eth + b"\x08\x00" + ipv4(s4, d4, 253, body, seq & 0xFFFF)
        proto = 6 if kind.endswith("tcp") else 17
        hl = 20 if proto == 6 else 8
        payload = fill(seq, room - 20 - hl)

        def ph4(n):
            return s4 + d4 + struct.pack("!BBH", 0, proto, n)
        return eth + b"\x08\x00" + ipv4(s4, d4, proto,
                                        l4(proto, sport, dport, payload, ph4),
                                        seq & 0xFFFF)
    s6 = bytes.fromhex("fd00" + "00" * 11 + "01") + struct.pack("!H", flow + 1)
    d6 = bytes.fromhex("fd000000000000000000000000020001")
    proto = 6 if kind.endswith("tcp") else 17
    hl = 20 if proto == 6 else 8
    payload = fill(seq, room - 40 - hl)

    def ph6(n):
        return s6 + d6 + struct.pack("!I3xB", n, proto)
    return eth + b"\x86\xdd" + ipv6(s6, d6, proto,
                                    l4(proto, sport, dport, payload, ph6))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("iface")
    ap.add_argument("--dst", required=True, help="destination MAC")
    ap.add_argument("--src", default="02:00:00:00:00:aa")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--flows", type=int, default=64)
    ap.add_argument("--pps", type=float, default=0, help="pace (frames/s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start-seq", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help="comma-separated subset of " + ",".join(KINDS))
    ap.add_argument("--pcap", help="write the frames sent here")
    a = ap.parse_args()
    kinds = a.kinds.split(",")
    bad = [k for k in kinds if k not in KINDS]
    if bad or a.count < 0 or a.flows < 1 or a.flows > 1000:
        sys.exit(f"mixed_frames.py: bad --kinds {bad} or --count/--flows "
                 "(flows 1-1000); see --help")
    rng = random.Random(a.seed)
    dst = bytes.fromhex(a.dst.replace(":", ""))
    src = bytes.fromhex(a.src.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    # Straight to the driver: a queueing discipline with active queue
    # management (fq_codel) would drop frames silently after send() said
    # yes; the driver says no (ENOBUFS) and the frame is sent again.
    s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    s.bind((a.iface, 0))
    out = open(a.pcap, "wb") if a.pcap else None
    if out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
    t0 = time.monotonic()
    for i in range(a.count):
        seq = a.start_seq + i
        kind = kinds[rng.randrange(len(kinds))]
        size = rng.randint(64 if kind.startswith("vlan") else 60,
                           1518 if kind.startswith("vlan") else 1514)
        f = make_frame(seq, size, kind, rng.randrange(a.flows), dst, src)
        if a.pps:
            due = t0 + i / a.pps
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
        while True:
            try:
                s.send(f)
                break
            except OSError as e:
                if e.errno in (105, 11):        # ENOBUFS, EAGAIN: retry
                    time.sleep(0.0005)
                    continue
                raise
        if out:
            ns = time.time_ns()
            out.write(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(f),
                                  len(f)) + f)
    if out:
        out.close()
    print(f"sent {a.count} frames in {time.monotonic() - t0:.2f}s")


if __name__ == "__main__":
    main()
