#!/usr/bin/env python3
"""The soak's verdict: the capture against QEMU's own dump of the wire.

usage: soak_check.py RESULTS-DIR

Reads RESULTS-DIR/truth.pcap (QEMU's filter-dump), the RAW files under
RESULTS-DIR/cap/ and the module's counters the guest saved (ethtool.txt,
stats-qN.txt), and checks, for the soak's frames (source MACs
02:00:00:00:0a:0X, pktgen header after the UDP header):

  - every captured record is a frame of the dump, captured once, with its
    wire length, and its bytes equal the dump's (all of them, or the first
    256 once the caplen changed);
  - the identity: frames in the dump = frames captured + frames the module
    counted as lost (client_lost + noclient + dup, and frames dropped
    before the queues: fragmented, bad length, in error);
  - NIC view: the NIC's good-frame counter = frames in the dump (else QEMU
    itself dropped some, which no counter in the guest can see).

Prints one "ok"/"fail" line per check and a summary; exit 0 if all hold.
"""
import glob
import os
import struct
import sys
import zlib

PKTGEN_MAGIC = 0xBE9BE955
SRC_PREFIX = bytes.fromhex("020000000a")


def key_of(frame):
    """device << 32 | pktgen seq of a soak frame, or None."""
    if len(frame) < 14 or frame[6:11] != SRC_PREFIX:
        return None
    dev = frame[11]
    off, etype = 12, struct.unpack_from("!H", frame, 12)[0]
    while etype in (0x8100, 0x88A8) and off + 6 <= len(frame):
        off += 4
        etype = struct.unpack_from("!H", frame, off)[0]
    off += 2
    if etype != 0x0800 or off + 28 + 8 > len(frame):
        return None
    ihl = (frame[off] & 0x0F) * 4
    p = off + ihl + 8
    if p + 8 > len(frame):
        return None
    magic, seq = struct.unpack_from("!II", frame, p)
    if magic != PKTGEN_MAGIC:
        return None
    return dev << 32 | seq


def read_pcap(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack_from("<I", hdr, 0)[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            raise SystemExit(f"{path}: not a little-endian pcap")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, sub, incl, orig = struct.unpack("<IIII", rec)
            yield orig, f.read(incl), sec + sub / (1e9 if magic == 0xA1B23C4D else 1e6)


def read_raw(path):
    """Frames of one RAW file: (wire length, captured bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 12 <= len(data):
        sec, nsec, caplen, length = struct.unpack_from("<IIHH", data, off)
        off += 12
        if sec or nsec:
            yield length, data[off:off + caplen]
        off += caplen


def counters(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.replace(":", " ").split()
            if len(parts) == 2 and parts[1].isdigit():
                out[parts[0]] = int(parts[1])
    return out


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    res = sys.argv[1]
    # The dump: per frame its length and two checksums (all, first 256).
    truth = {}
    other = 0
    for orig, frame, _ in read_pcap(os.path.join(res, "truth.pcap")):
        k = key_of(frame)
        if k is None:
            other += 1
            continue
        if k in truth:
            print(f"fail soak: frame {k >> 32}/{k & 0xFFFFFFFF} twice on the wire (pktgen sequence reused?)")
            return 1
        truth[k] = (orig, zlib.crc32(frame), zlib.crc32(frame[:256]))
    seen = set()
    bad = []
    captured = 0
    cut = 0
    # hpcapdd writes HPCAP's layout: DIR/<epoch of the day>/<t>_hpcapA_Q.raw
    files = sorted(glob.glob(os.path.join(res, "cap", "q*", "**", "*.raw"), recursive=True))
    for path in files:
        for length, data in read_raw(path):
            k = key_of(data)
            captured += 1
            if k is None or k not in truth:
                bad.append(f"{path}: a record not on the wire ({len(data)} bytes)")
                continue
            if k in seen:
                bad.append(f"{path}: frame {k} captured twice")
            seen.add(k)
            orig, crc_all, crc_256 = truth[k]
            if length != orig:
                bad.append(f"{path}: frame {k} length {length}, on the wire {orig}")
            elif len(data) == orig:
                if zlib.crc32(data) != crc_all:
                    bad.append(f"{path}: frame {k} bytes differ")
            elif len(data) == 256:
                cut += 1
                if zlib.crc32(data) != crc_256:
                    bad.append(f"{path}: frame {k} first 256 bytes differ")
            else:
                bad.append(f"{path}: frame {k} cut to {len(data)} bytes")
    eth = counters(os.path.join(res, "ethtool.txt"))
    lost_q = 0
    for q in glob.glob(os.path.join(res, "stats-q*.txt")):
        s = counters(q)
        lost_q += s["client_lost_frames"] + s["noclient_frames"] + s["dup_frames"]
    lost_pre = (eth.get("rx_fragmented_dropped", 0) + eth.get("rx_bad_length_dropped", 0)
                + eth.get("rx_error_frames", 0))
    lost = lost_q + lost_pre
    status = 0

    def check(ok, what):
        nonlocal status
        print(("ok   soak " if ok else "fail soak ") + what)
        if not ok:
            status = 1

    check(not bad, f"every captured record is a frame of the dump, once, intact ({captured} records in {len(files)} files, {cut} cut to 256 bytes)"
          + ("" if not bad else ": " + "; ".join(bad[:5])))
    check(len(truth) == len(seen) + lost,
          f"frames on the wire {len(truth)} = captured {len(seen)} + counted lost {lost} ({lost_q} at the queues, {lost_pre} before them)")
    good = eth.get("rx_good_frames")
    check(good is not None and good == captured + lost,
          f"what the NIC received {good} = captured {captured} + counted lost {lost} (the module's own identity)")
    check(good is not None and good >= len(truth) + other,
          f"the NIC counted {good} good frames for {len(truth)} soak frames on the wire ({other} other frames): "
          + ("QEMU dropped none" if good is not None and good >= len(truth) + other
             else f"QEMU dropped {len(truth) + other - (good or 0)} before the emulated NIC"))
    missing = set(truth) - seen
    if missing:
        describe_missing(res, missing)
    return status


def describe_missing(res, missing):
    """Where on the wire the frames not on disk were: lost at a queue
    (counted), or dropped by QEMU before the NIC when its RX ring stayed
    full, which no counter in the guest sees (a real 82576 would count
    them in MPC/RNBC)."""
    first = None
    runs = []
    for _, frame, ts in read_pcap(os.path.join(res, "truth.pcap")):
        k = key_of(frame)
        if k is None:
            continue
        if first is None:
            first = ts
        if k in missing:
            if runs and runs[-1][2]:
                runs[-1][1] = ts - first
                runs[-1][3] += 1
            else:
                runs.append([ts - first, ts - first, True, 1])
        elif runs:
            runs[-1][2] = False
    longest = sorted(runs, key=lambda r: -r[3])[:5]
    print(f"info soak {len(missing)} frames of the dump not on disk (lost and counted, or dropped before the NIC), in {len(runs)} runs; "
          "the largest: " + ", ".join(f"{r[3]} frames at {r[0]:.1f}-{r[1]:.1f} s" for r in longest))


if __name__ == "__main__":
    sys.exit(main())
