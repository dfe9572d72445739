#!/usr/bin/env python3
"""Frames for the VM harness self-test (tests/vm/selftest.bash).

  selftest_frames.py send IFACE SRC_MAC DST_MAC COUNT
      Sends COUNT known frames (60..1514 bytes) out of IFACE with an AF_PACKET raw
      socket (run in the guest, as root).
  selftest_frames.py compare TRUTH_PCAP CAPTURE_PCAP SRC_MAC COUNT
      Compares the frames from SRC_MAC in QEMU's filter-dump (TRUTH_PCAP) with those
      in the guest's capture, and checks the truth holds the COUNT frames sent.
      Prints "expected X found Y" and details; exits 0 only if all match.
"""

import collections
import socket
import struct
import sys
import time

ETHERTYPE = 0x88B5  # IEEE 802 local experimental ethertype
MAGIC = b"HPVM"
MIN_LEN, MAX_LEN = 60, 1514
_RAMP = bytes(range(256)) * 8  # 0, 1, ..., 255, 0, 1, ... (longer than 256 + MAX_LEN)


def frame_size(seq):
    if seq == 0:
        return MIN_LEN
    if seq == 1:
        return MAX_LEN
    return MIN_LEN + (seq * 997) % (MAX_LEN - MIN_LEN + 1)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def make_frame(seq, src, dst):
    size = frame_size(seq)
    head = dst + src + struct.pack("!H", ETHERTYPE) + MAGIC + struct.pack("!IH", seq, size)
    start = (seq * 31) & 0xFF  # fill byte j is (seq * 31 + j) mod 256
    return head + _RAMP[start:start + size - len(head)]


def send(iface, src_mac, dst_mac, count):
    src, dst = mac_bytes(src_mac), mac_bytes(dst_mac)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    retries = 0
    for seq in range(count):
        frame = make_frame(seq, src, dst)
        while True:
            try:
                sock.send(frame)
                break
            except OSError:  # ENOBUFS: the qdisc is full, let the NIC drain it
                retries += 1
                time.sleep(0.001)
    print(f"sent {count} frames on {iface} ({retries} retries after ENOBUFS)")


def read_pcap(path):
    """Yields the frames (bytes) of a classic pcap file of any byte order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: not a pcap file (too short)")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file (pcapng?)")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError(f"{path}: link type {linktype}, expected Ethernet (1)")
    off = 24
    while off + 16 <= len(data):
        caplen, origlen = struct.unpack(endian + "II", data[off + 8:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        if len(frame) != caplen or caplen != origlen:
            raise ValueError(f"{path}: truncated record at offset {off}")
        yield frame
        off += 16 + caplen


def compare(truth_path, capture_path, src_mac, count):
    src = mac_bytes(src_mac)
    truth = [f for f in read_pcap(truth_path) if f[6:12] == src]
    capture = [f for f in read_pcap(capture_path) if f[6:12] == src]
    problems = []

    # 1. QEMU's dump must hold exactly the frames that were sent (proves the sender).
    dst = truth[0][0:6] if truth else b"\xff" * 6
    expected = [make_frame(seq, src, dst) for seq in range(count)]
    test_truth = [f for f in truth if f[12:18] == struct.pack("!H", ETHERTYPE) + MAGIC]
    if test_truth != expected:
        problems.append(f"QEMU's dump has {len(test_truth)} test frames, not the {count} sent in order")
    others = len(truth) - len(test_truth)
    if others:
        problems.append(f"QEMU's dump has {others} other frames from {src_mac}")

    # 2. The guest capture must hold the same frames (as a multiset) ...
    want, got = collections.Counter(truth), collections.Counter(capture)
    missing = sum((want - got).values())
    extra = sum((got - want).values())
    if missing or extra:
        problems.append(f"capture differs from QEMU's dump: {missing} missing, {extra} unexpected")
    # ... and in the same order (a single flow, a single queue).
    elif capture != truth:
        problems.append("capture holds the right frames in a different order")

    found = sum((want & got).values())
    print(f"expected {len(truth)} found {found}")
    for p in problems:
        print(f"  {p}")
    return 0 if not problems else 1


def main(argv):
    if len(argv) >= 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) == 6 and argv[1] == "send":
        send(argv[2], argv[3], argv[4], int(argv[5]))
        return 0
    if len(argv) == 6 and argv[1] == "compare":
        try:
            return compare(argv[2], argv[3], argv[4], int(argv[5]))
        except (OSError, ValueError) as e:
            print(f"expected ? found ? ({e})")
            return 1
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
