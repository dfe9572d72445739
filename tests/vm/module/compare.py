#!/usr/bin/env python3
"""Compare a capture with what was sent (or with QEMU's own dump).

Only test frames are compared: those whose source MAC is --src (default
02:00:00:00:00:aa).  Checks that the captured frames are exactly the sent
frames: none missing, none extra, none altered (every byte, or the first
--caplen bytes with the original length kept), and in order within each
flow (the whole stream with no --flows, else per UDP source port).
Prints one line: "ok ..." or "fail ... - expected X found Y", exit 0/1.

usage: compare.py SENT.pcap CAPTURED.pcap [--src MAC] [--caplen N]
                  [--flows] [--allow-missing N] [--name TEXT]
"""
import argparse
import collections
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xA1B23C4D, 0xA1B2C3D4):
        raise SystemExit(f"{path}: not a little-endian pcap")
    off, out = 24, []
    while off + 16 <= len(data):
        sec, sub, incl, orig = struct.unpack_from("<IIII", data, off)
        out.append((sec, sub, orig, data[off + 16: off + 16 + incl]))
        off += 16 + incl
    return out


def flow_of(frame, by_flow):
    """With --flows: the frame's flow (VLAN, addresses, protocol, ports);
    frames of one flow arrive in order even when RSS spreads the flows."""
    if not by_flow or len(frame) < 14:
        return 0
    off, vlan = 12, None
    if frame[12:14] == b"\x81\x00" and len(frame) >= 18:
        vlan = struct.unpack_from("!H", frame, 14)[0] & 0xFFF
        off = 16
    l3 = off + 2
    if frame[off:l3] == b"\x08\x00" and len(frame) >= l3 + 20:
        proto, l4 = frame[l3 + 9], l3 + (frame[l3] & 0xF) * 4
        addrs = frame[l3 + 12:l3 + 20]
    elif frame[off:l3] == b"\x86\xdd" and len(frame) >= l3 + 40:
        proto, l4 = frame[l3 + 6], l3 + 40
        addrs = frame[l3 + 8:l3 + 40]
    else:
        return (vlan, frame[off:l3])
    ports = frame[l4:l4 + 4] if proto in (6, 17) else b""
    return (vlan, addrs, proto, ports)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sent")
    ap.add_argument("captured")
    ap.add_argument("--src", default="02:00:00:00:00:aa")
    ap.add_argument("--caplen", type=int, default=0)
    ap.add_argument("--flows", action="store_true")
    ap.add_argument("--allow-missing", type=int, default=0)
    ap.add_argument("--allow-cut", type=int, default=0,
                    help="frames that may be cut short (a prefix of a sent frame, "
                         "same wire length), as checkraw -f keeps after a crash")
    ap.add_argument("--unique", action="store_true",
                    help="expect duplicates in SENT removed (dedup on)")
    ap.add_argument("--name", default="capture = sent")
    a = ap.parse_args()
    src = bytes.fromhex(a.src.replace(":", ""))
    sent = [r for r in read_pcap(a.sent) if r[3][6:12] == src]
    if a.unique:  # an identical frame right after its twin is a duplicate
        sent = [r for i, r in enumerate(sent) if i == 0 or r[3] != sent[i - 1][3]]
    got = [r for r in read_pcap(a.captured) if r[3][6:12] == src]
    problems = []
    # Same multiset of frames (cut to caplen when asked).
    def key(r):
        data = r[3]
        return (r[2], data[: a.caplen] if a.caplen else data)
    want = collections.Counter(key(r) for r in sent)
    have = collections.Counter(key(r) for r in got)
    lacking = want - have
    surplus = have - want
    cut = 0
    for (ln, data), n in list(surplus.items()):
        for (wl, wdata), m in list(lacking.items()):
            if cut < a.allow_cut and wl == ln and m and wdata.startswith(data) and len(data) < len(wdata):
                lacking[(wl, wdata)] -= 1
                surplus[(ln, data)] -= 1
                cut += 1
                break
    missing = sum(v for v in lacking.values() if v > 0)
    extra = sum(v for v in surplus.values() if v > 0)
    if missing > a.allow_missing:
        problems.append(f"{missing} frames missing")
    if extra:
        problems.append(f"{extra} frames extra or altered")
    if a.caplen:
        bad = [r for r in got if len(r[3]) != min(a.caplen, r[2])]
        if bad:
            problems.append(f"{len(bad)} frames not cut to {a.caplen}")
    # Order within each flow.
    order_s, order_g = collections.defaultdict(list), collections.defaultdict(list)
    for r in sent:
        order_s[flow_of(r[3], a.flows)].append(key(r))
    for r in got:
        order_g[flow_of(r[3], a.flows)].append(key(r))
    reordered = 0
    for fl, seq in order_g.items():
        pos = {}
        for i, k in enumerate(order_s.get(fl, [])):
            pos.setdefault(k, []).append(i)
        last = -1
        for k in seq:
            lst = pos.get(k)
            if not lst:
                continue
            i = lst.pop(0)
            if i < last:
                reordered += 1
            last = i
    if reordered:
        problems.append(f"{reordered} frames out of order")
    # Timestamps never go back within a flow.
    back = 0
    for fl in order_g:
        prev = None
        for r in (x for x in got if flow_of(x[3], a.flows) == fl):
            t = r[0] * 10**9 + r[1]
            if prev is not None and t < prev:
                back += 1
            prev = t
    if back:
        problems.append(f"{back} timestamps go back")
    if problems:
        print(f"fail {a.name} - expected {len(sent)} frames identical, found {len(got)}: " + ", ".join(problems))
        return 1
    print(f"ok   {a.name} ({len(got)} of {len(sent)} frames, every byte)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
