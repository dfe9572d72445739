#!/usr/bin/env python3
"""Frames for the AF_XDP tests: make them, send them, check a capture.

  frames.py gen OUT.pcap [--count N] [--flows F] [--vlan-every K]
                         [--sizes 60,1514,...] [--seed S]
  frames.py send IFACE IN.pcap [--pps R] [--sync GLOB [--chunk N]]
  frames.py check SENT.pcap CAPTURED.pcap... [--allow-missing]
                  [--after NS] [--before NS] [--caplen N]

gen: Ethernet/IPv4/UDP frames from F flows (distinct ports, so RSS or
veth's queue hash spreads them over queues), every K-th one inside an
802.1Q tag; each frame carries its index, so any loss, duplicate,
reorder or corruption shows.

send: every frame of IN.pcap on IFACE, in order, through one AF_PACKET
socket; prints "sent N".  A send the kernel refuses for lack of buffer
is retried, so each frame goes out exactly once.  With --sync, after
every N frames (default 1500) it waits until the hpcap-xdp queues whose
counter files match GLOB have taken them (rx_frames + xdp_lost_frames):
on a loaded machine the capture thread may not run for a while, and the
tests that want every frame must not depend on the scheduler.

check: every captured frame must be a frame that was sent, byte for byte;
within each capture file (one per queue) in the order sent; no frame in
two places.  Without --allow-missing every sent frame must be there.
Stamps must lie in [--after, --before] (ns since the epoch) and never go
back within a file.  With --caplen, captured frames are the first N bytes
of those sent, with the sent length as wire length.  Prints "captured N missing M per-queue a,b,..." and
exits 1 on any violation, with the first few listed.
"""
import argparse
import errno
import glob
import random
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(i, size, flow, vlan, rng):
    dst = bytes([0x02, 0, 0, 0, 0, 0x01])
    src = bytes([0x02, 0, 0, 0, 0, 0x02])
    tag = struct.pack("!HH", 0x8100, 100 + flow % 7) if vlan else b""
    l2 = 14 + len(tag)
    ip_len = size - l2
    udp_len = ip_len - 20
    payload = struct.pack("!I", i) + bytes(rng.getrandbits(8) for _ in range(udp_len - 8 - 4))
    udp = struct.pack("!HHHH", 10000 + flow, 5000 + flow * 7 % 1000, udp_len, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, i & 0xFFFF, 0x4000, 64, 17, 0,
                     bytes([10, 0, flow >> 8 & 255, flow & 255]), bytes([192, 168, 0, 1]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst + src + tag + struct.pack("!H", 0x0800) + ip + udp


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: not a little-endian pcap" % path)
    nsec = magic == 0xA1B23C4D
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, cap, wire = struct.unpack_from("<IIII", data, off)
        off += 16
        out.append((sec * 10**9 + (frac if nsec else frac * 1000), wire, data[off:off + cap]))
        off += cap
    return out


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        t = 1700000000 * 10**9
        for i, d in enumerate(frames):
            sec, ns = divmod(t + i * 1000, 10**9)
            f.write(struct.pack("<IIII", sec, ns, len(d), len(d)) + d)


def gen(a):
    rng = random.Random(a.seed)
    sizes = [int(x) for x in a.sizes.split(",")]
    frames = []
    for i in range(a.count):
        flow = rng.randrange(a.flows)
        vlan = a.vlan_every > 0 and i % a.vlan_every == 0
        frames.append(frame(i, sizes[i % len(sizes)], flow, vlan, rng))
    write_pcap(a.out, frames)


def taken(pattern):
    n = 0
    for path in glob.glob(pattern):
        try:
            with open(path) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k in ("rx_frames", "xdp_lost_frames"):
                        n += int(v)
        except OSError:
            pass
    return n


def wait_taken(pattern, target):
    end = time.monotonic() + 20
    while taken(pattern) < target:
        if time.monotonic() > end:
            print("warning: the capture has not taken %d frames after 20 s" % target,
                  file=sys.stderr)
            return
        time.sleep(0.01)


def send(a):
    frames = read_pcap(a.pcap)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    gap = 1.0 / a.pps if a.pps else 0
    t = time.monotonic()
    n = 0
    base = taken(a.sync) if a.sync else 0
    for _, _, d in frames:
        if a.sync and n and n % a.chunk == 0:
            wait_taken(a.sync, base + n)
        while True:
            try:
                s.send(d)
                break
            except OSError as e:
                if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                    raise
                time.sleep(0.001)
        n += 1
        if gap:
            t += gap
            while time.monotonic() < t:
                pass
    print("sent %d" % n)


def check(a):
    sent = read_pcap(a.sent)
    index = {}
    for i, (_, _, d) in enumerate(sent):
        if a.caplen:
            d = d[:a.caplen]
        if d in index:
            sys.exit("%s: frame %d is not unique" % (a.sent, i))
        index[d] = i
    seen = {}
    errors = []
    per_queue = []
    for path in a.captured:
        last_i, last_t, n = -1, 0, 0
        for k, (t, wire, d) in enumerate(read_pcap(path)):
            n += 1
            i = index.get(d)
            if i is None:
                errors.append("%s frame %d: not a frame that was sent (len %d)" % (path, k, len(d)))
                continue
            if wire != len(sent[i][2]):
                errors.append("%s frame %d: wire length %d, sent %d" % (path, k, wire, len(sent[i][2])))
            if i in seen:
                errors.append("%s frame %d: sent frame %d captured twice (also %s)" % (path, k, i, seen[i]))
            seen[i] = path
            if i < last_i:
                errors.append("%s frame %d: sent frame %d after sent frame %d" % (path, k, i, last_i))
            last_i = i
            if t < last_t:
                errors.append("%s frame %d: stamp goes back" % (path, k))
            last_t = t
            if (a.after and t < a.after) or (a.before and t > a.before):
                errors.append("%s frame %d: stamp %d outside [%d, %d]" % (path, k, t, a.after, a.before))
        per_queue.append(n)
    missing = len(sent) - len(seen)
    if missing and not a.allow_missing:
        first = [i for i in range(len(sent)) if i not in seen][:5]
        errors.append("%d sent frames not captured (first: %s)" % (missing, first))
    print("captured %d missing %d per-queue %s" % (len(seen), missing, ",".join(map(str, per_queue))))
    for e in errors[:10]:
        print("error: " + e)
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("out")
    g.add_argument("--count", type=int, default=1000)
    g.add_argument("--flows", type=int, default=16)
    g.add_argument("--vlan-every", type=int, default=0)
    g.add_argument("--sizes", default="60,594,60,60,1514,60,594,60,60,594,60,594")
    g.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("send")
    s.add_argument("iface")
    s.add_argument("pcap")
    s.add_argument("--pps", type=float, default=0)
    s.add_argument("--sync", default="")
    s.add_argument("--chunk", type=int, default=1500)
    c = sub.add_parser("check")
    c.add_argument("sent")
    c.add_argument("captured", nargs="+")
    c.add_argument("--allow-missing", action="store_true")
    c.add_argument("--after", type=int, default=0)
    c.add_argument("--before", type=int, default=0)
    c.add_argument("--caplen", type=int, default=0)
    a = ap.parse_args()
    if a.cmd == "gen":
        gen(a)
    elif a.cmd == "send":
        send(a)
    else:
        sys.exit(check(a))


if __name__ == "__main__":
    main()
