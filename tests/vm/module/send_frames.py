#!/usr/bin/env python3
"""Send test frames out of an interface (AF_PACKET) and record them.

Each frame: dst 02:00:00:00:00:01, src --src (default 02:00:00:00:00:aa),
ethertype 0x88b5 (local experimental), u32 sequence number (big-endian) at
offset 14, then byte k = (seq + k) & 0xff, so a receiver can check every
byte of every frame without the sender's record.  With --flows N the frames
are IPv4/UDP instead (N source ports, for RSS), sequence number and pattern
after the UDP header.

usage: send_frames.py IFACE [--count N] [--sizes 60,1514|60-9000|imix]
                      [--seed S] [--pcap OUT] [--pps RATE] [--start-seq N]
"""
import argparse
import random
import socket
import struct
import time

IMIX = [60] * 7 + [590] * 4 + [1514]


def ip_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def make_frame(seq, size, src, flows, vlan=None):
    dst = bytes.fromhex("020000000001")
    if vlan is not None:
        head = dst + src + struct.pack("!HHHI", 0x8100, vlan, 0x88B5, seq)
    elif not flows:
        head = dst + src + struct.pack("!HI", 0x88B5, seq)
    else:
        flow = seq % flows
        ulen = size - 14 - 20
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, seq & 0xFFFF, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 1, 1]))
        ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
        udp = struct.pack("!HHHH", 1024 + 7 * flow, 9000, ulen, 0)
        head = dst + src + b"\x08\x00" + ip + udp + struct.pack("!I", seq)
    return head + bytes((seq + k) & 0xFF for k in range(len(head), size))


def sizes_of(spec, count, rng):
    if spec.startswith("@"):  # a file with one size per line
        lst = [int(x) for x in open(spec[1:]).read().split()]
        return [lst[i % len(lst)] for i in range(count)]
    if spec == "imix":
        return [rng.choice(IMIX) for _ in range(count)]
    if "-" in spec and "," not in spec:
        lo, hi = (int(x) for x in spec.split("-"))
        return [rng.randint(lo, hi) for _ in range(count)]
    lst = [int(x) for x in spec.split(",")]
    return [lst[i % len(lst)] for i in range(count)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--sizes", default="60-1514")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pcap")
    ap.add_argument("--pps", type=float, default=0)
    ap.add_argument("--start-seq", type=int, default=0)
    ap.add_argument("--src", default="02:00:00:00:00:aa")
    ap.add_argument("--flows", type=int, default=0)
    ap.add_argument("--vlan", type=int, help="802.1Q tag (VLAN id) on every frame")
    ap.add_argument("--dup-every", type=int, default=0,
                    help="send every Nth frame twice (duplicates)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    src = bytes.fromhex(a.src.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    out = open(a.pcap, "wb") if a.pcap else None
    if out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
    t0 = time.monotonic()
    sent = 0
    for i, size in enumerate(sizes_of(a.sizes, a.count, rng)):
        seq = a.start_seq + i
        f = make_frame(seq, size, src, a.flows, a.vlan)
        copies = 2 if a.dup_every and i % a.dup_every == a.dup_every - 1 else 1
        for _ in range(copies):
            if a.pps:
                due = t0 + sent / a.pps
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
            while True:
                try:
                    s.send(f)
                    break
                except BlockingIOError:
                    time.sleep(0.0005)
                except OSError as e:
                    if e.errno == 105:  # ENOBUFS: queue full, retry
                        time.sleep(0.0005)
                        continue
                    raise
            sent += 1
            if out:
                ns = time.time_ns()
                out.write(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(f), len(f)) + f)
    if out:
        out.close()
    print(f"sent {sent} frames in {time.monotonic() - t0:.2f}s")


if __name__ == "__main__":
    main()
