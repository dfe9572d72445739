#!/usr/bin/env python3
"""How many frames of a pcap each RSS queue should get.

Hashes every frame the way the 82599 datasheet (section 7.1.2.8) says:
Toeplitz over source and destination address, plus source and destination
port for TCP (and for UDP when --udp4/--udp6 are given, as after
`ethtool -N IF rx-flow-hash udp4 sdfn`), IPv4 or IPv6, behind at most one
VLAN tag; frames that are neither go to queue 0.  The queue is
indirection-table[hash & 127].  Key and table are read from the output of
`ethtool -x IF` (--ethtool-x FILE).  Frames whose source MAC is --exclude
(the receiver's own transmissions in QEMU's dump) are skipped.

Prints one line per queue: "QUEUE COUNT".  --selftest checks the hash
against the published RSS verification vectors and exits.

usage: rss_expect.py PCAP --ethtool-x FILE [--udp4] [--udp6] [--exclude MAC]
       rss_expect.py --selftest
"""
import argparse
import collections
import ipaddress
import re
import struct
import sys


def toeplitz(key, data):
    """32-bit Toeplitz hash of data with key (bytes, at least len+4 long)."""
    kint = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                pos = i * 8 + b
                h ^= (kint >> (klen - 32 - pos)) & 0xFFFFFFFF
    return h


def hash_input(frame, udp4, udp6):
    """The Toeplitz input of a frame, or None (no RSS type applies)."""
    off = 12
    etype = struct.unpack_from("!H", frame, off)[0]
    if etype == 0x8100:
        off += 4
        etype = struct.unpack_from("!H", frame, off)[0]
    l3 = off + 2
    if etype == 0x0800 and len(frame) >= l3 + 20 and frame[l3] >> 4 == 4:
        ihl = (frame[l3] & 0xF) * 4
        frag = struct.unpack_from("!H", frame, l3 + 6)[0] & 0x3FFF
        proto = frame[l3 + 9]
        addrs = frame[l3 + 12:l3 + 20]
        l4 = l3 + ihl
        if not frag and len(frame) >= l4 + 4 and (proto == 6 or (proto == 17 and udp4)):
            return addrs + frame[l4:l4 + 4]
        return addrs
    if etype == 0x86DD and len(frame) >= l3 + 40 and frame[l3] >> 4 == 6:
        proto = frame[l3 + 6]
        addrs = frame[l3 + 8:l3 + 40]
        l4 = l3 + 40
        if len(frame) >= l4 + 4 and (proto == 6 or (proto == 17 and udp6)):
            return addrs + frame[l4:l4 + 4]
        return addrs
    return None


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if struct.unpack_from("<I", data, 0)[0] not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"rss_expect.py: {path}: not a little-endian pcap")
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def parse_ethtool_x(text):
    """(key bytes, indirection table) from `ethtool -x` output."""
    table, key, lines = [], None, text.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if re.match(r"^\d+:\s", s):
            table += [int(x) for x in s.split(":", 1)[1].split()]
        if s.startswith("RSS hash key"):
            key = bytes.fromhex(lines[i + 1].strip().replace(":", ""))
    if not table or not key:
        sys.exit("rss_expect.py: no indirection table or key in the ethtool -x output")
    return key, table


def selftest():
    key = bytes.fromhex("6d5a56da255b0ec24167253d43a38fb0d0ca2bcb"
                        "ae7b30b477cb2da38030f20c6a42b73bbeac01fa")
    v4 = [("66.9.149.187", 2794, "161.142.100.80", 1766, 0x323E8FC2, 0x51CCC178),
          ("199.92.111.2", 14230, "65.69.140.83", 4739, 0xD718262A, 0xC626B0EA),
          ("24.19.198.95", 12898, "12.22.207.184", 38024, 0xD2D0A5DE, 0x5C2B394A)]
    v6 = [("3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766,
           0x2CC18CD5, 0x40207D3D)]
    bad = 0
    for src, sp, dst, dp, h_ip, h_tcp in v4 + v6:
        a = ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed
        got = (toeplitz(key, a), toeplitz(key, a + struct.pack("!HH", sp, dp)))
        if got != (h_ip, h_tcp):
            print(f"fail toeplitz {src} -> {dst}: got {got[0]:08x} {got[1]:08x}"
                  f" want {h_ip:08x} {h_tcp:08x}")
            bad += 1
    print("ok   toeplitz matches the RSS verification vectors" if not bad else "")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pcap", nargs="?")
    ap.add_argument("--ethtool-x")
    ap.add_argument("--udp4", action="store_true")
    ap.add_argument("--udp6", action="store_true")
    ap.add_argument("--exclude", help="skip frames from this source MAC")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        return selftest()
    if not a.pcap or not a.ethtool_x:
        ap.error("PCAP and --ethtool-x are required")
    key, table = parse_ethtool_x(open(a.ethtool_x).read())
    excl = bytes.fromhex(a.exclude.replace(":", "")) if a.exclude else None
    counts = collections.Counter()
    for frame in read_pcap(a.pcap):
        if len(frame) < 14 or frame[6:12] == excl:
            continue
        data = hash_input(frame, a.udp4, a.udp6)
        q = 0 if data is None else table[toeplitz(key, data) & (len(table) - 1)]
        counts[q] += 1
    for q in sorted(counts):
        print(q, counts[q])
    return 0


if __name__ == "__main__":
    sys.exit(main())
