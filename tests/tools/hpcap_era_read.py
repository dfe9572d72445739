#!/usr/bin/env python3
"""Read frames the way HPCAP-era tools do, one line per frame.

usage: hpcap_era_read.py raw FILE...   RAW files, each read as HPCAP's
                                       raw2pcap reads one: records from
                                       offset 0 until the first padding
                                       record (zero time), wherever it is
       hpcap_era_read.py pcap FILE     a pcap (ns or us, little-endian)

Each frame prints as 'sec.nsec caplen len hexbytes', so the frames HPCAP's
reader would see in RAW files compare line by line with those of the pcap
they were sent from.  A RAW file whose first record is a padding record
(hpcap's leading padding) gives no line at all, as it gave HPCAP's tools
no frame.
"""
import signal
import struct
import sys


def raw_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 12 <= len(data):
        sec, nsec, caplen, wlen = struct.unpack_from("<IIHH", data, off)
        if sec == 0 and nsec == 0:  # HPCAP's end of file
            return
        yield sec, nsec, caplen, wlen, data[off + 12:off + 12 + caplen]
        off += 12 + caplen


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    scale = {0xA1B23C4D: 1, 0xA1B2C3D4: 1000}[magic]
    off = 24
    while off + 16 <= len(data):
        sec, sub, caplen, wlen = struct.unpack_from("<IIII", data, off)
        yield sec, sub * scale, caplen, wlen, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("raw", "pcap"):
        sys.exit(__doc__)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under head
    out = sys.stdout
    for path in sys.argv[2:]:
        frames = raw_frames(path) if sys.argv[1] == "raw" else pcap_frames(path)
        for sec, nsec, caplen, wlen, b in frames:
            out.write("%d.%09d %d %d %s\n" % (sec, nsec, caplen, wlen, b.hex()))


if __name__ == "__main__":
    main()
