#!/usr/bin/env python3
"""Read back the files of a pipeline capture (hpcapdd/hpcapdd_p with
pipeline options) and check them.

  pipeline_check.py cat DIR OUT.pcap [--period-ms N] [--max-bytes N]
      Every finished file under DIR (*.raw, *.pcap, *.pcapng, optionally
      .zst; .zst files are decompressed with the stock `zstd -dc`), in name
      order (natural order, _N suffixes after their base), concatenated
      into one nanosecond pcap.  Checks: no *.pending file is left; each
      RAW file ends with a padding record and nothing after it; with
      --period-ms every frame of a file lies in one period of N ms aligned
      to the epoch and no two files share a period unless the later has a
      _N suffix; with --max-bytes no file (before compression) is larger.
      Prints "files N frames M" or "fail REASON", exit 0/1.
  pipeline_check.py seqs CAPTURED.pcap [--first N]
      The test frames (send_frames.py, source 02:00:00:00:00:aa) carry a
      sequence number: they must be exactly first, first+1, ... with no
      gap or repeat (a prefix of what was sent).  Prints "frames N".
  pipeline_check.py hooks LOG DIR
      LOG has one line per hook run: "PATH FRAMES REASON".  Every finished
      file must appear exactly once, frames must match the file, and the
      last file's reason must be "end".
"""
import os
import re
import struct
import subprocess
import sys


def natural(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def files_of(d):
    out = []
    for root, _, names in os.walk(d):
        for n in names:
            if re.search(r"\.(raw|pcap|pcapng)(\.zst)?$", n):
                out.append(os.path.join(root, n))
    # name order; "x.pcap" before "x_1.pcap"
    return sorted(out, key=lambda p: natural(re.sub(r"\.(raw|pcap|pcapng)(\.zst)?$", "", p)))


def content(path):
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-q", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout
    with open(path, "rb") as f:
        return f.read()


def records(path, data):
    """Yield (sec, nsec, caplen, len, bytes) of each frame."""
    base = re.sub(r"\.zst$", "", path)
    if base.endswith(".raw"):
        off = 0
        while True:
            if off + 12 > len(data):
                raise ValueError(f"{path}: no closing padding")
            sec, nsec, cap, ln = struct.unpack_from("<IIHH", data, off)
            if sec == 0 and nsec == 0:
                if off + 12 + cap != len(data) and off != 0:
                    raise ValueError(f"{path}: data after the closing padding at {off}")
                off += 12 + cap
                if off == len(data):
                    return
                continue  # a leading padding
            yield sec, nsec, cap, ln, data[off + 12: off + 12 + cap]
            off += 12 + cap
    elif base.endswith(".pcapng"):
        off = 0
        while off < len(data):
            btype, blen = struct.unpack_from("<II", data, off)
            if btype == 6:
                _, hi, lo, cap, ln = struct.unpack_from("<IIIII", data, off + 8)
                ts = (hi << 32) | lo
                yield ts // 10**9, ts % 10**9, cap, ln, data[off + 28: off + 28 + cap]
            off += blen
    else:
        magic = struct.unpack_from("<I", data, 0)[0]
        if magic != 0xA1B23C4D:
            raise ValueError(f"{path}: not a nanosecond pcap")
        off = 24
        while off < len(data):
            sec, nsec, cap, ln = struct.unpack_from("<IIII", data, off)
            yield sec, nsec, cap, ln, data[off + 16: off + 16 + cap]
            off += 16 + cap


def cmd_cat(args):
    d, out = args[0], args[1]
    period = max_bytes = 0
    if "--period-ms" in args:
        period = int(args[args.index("--period-ms") + 1]) * 10**6
    if "--max-bytes" in args:
        max_bytes = int(args[args.index("--max-bytes") + 1])
    pend = [os.path.join(r, n) for r, _, ns in os.walk(d) for n in ns if n.endswith(".pending")]
    if pend:
        print(f"fail pending files left: {pend[:3]}")
        return 1
    files = files_of(d)
    if not files:
        print(f"fail no file in {d}")
        return 1
    n = 0
    seen_periods = {}
    with open(out, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for p in files:
            data = content(p)
            if max_bytes and len(data) > max_bytes:
                print(f"fail {p}: {len(data)} bytes > {max_bytes}")
                return 1
            per = None
            try:
                for sec, nsec, cap, ln, b in records(p, data):
                    if period:
                        q = (sec * 10**9 + nsec) // period
                        if per is None:
                            per = q
                        elif q != per:
                            print(f"fail {p}: frame {sec}.{nsec:09d} outside the file's period")
                            return 1
                    o.write(struct.pack("<IIII", sec, nsec, cap, ln) + b)
                    n += 1
            except ValueError as e:
                print(f"fail {e}")
                return 1
            if period and per is not None:
                stem = re.sub(r"\.(raw|pcap|pcapng)(\.zst)?$", "", p)
                if per in seen_periods and not re.search(r"_\d+$", stem):
                    print(f"fail {p}: period already in {seen_periods[per]}")
                    return 1
                seen_periods.setdefault(per, p)
    print(f"files {len(files)} frames {n}")
    return 0


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, off)
        out.append(data[off + 16: off + 16 + incl])
        off += 16 + incl
    return out


def cmd_seqs(args):
    first = int(args[args.index("--first") + 1]) if "--first" in args else 0
    src = bytes.fromhex("0200000000aa")
    seqs = [struct.unpack_from("!I", f, 14)[0] for f in read_pcap(args[0]) if f[6:12] == src]
    want = list(range(first, first + len(seqs)))
    if seqs != want:
        bad = next(i for i, (a, b) in enumerate(zip(seqs, want)) if a != b)
        print(f"fail frame {bad}: sequence {seqs[bad]}, expected {want[bad]}")
        return 1
    print(f"frames {len(seqs)}")
    return 0


def cmd_hooks(args):
    log, d = args
    if not os.path.exists(log):
        print(f"fail no hook ran ({log} missing)")
        return 1
    lines = [l.split() for l in open(log).read().splitlines() if l.strip()]
    files = files_of(d)
    by_path = {}
    for parts in lines:
        by_path.setdefault(parts[0], []).append(parts)
    for p in files:
        if len(by_path.get(p, [])) != 1:
            print(f"fail {p}: hook ran {len(by_path.get(p, []))} times")
            return 1
        frames = sum(1 for _ in records(p, content(p)))
        if int(by_path[p][0][1]) != frames:
            print(f"fail {p}: hook said {by_path[p][0][1]} frames, file has {frames}")
            return 1
    extra = set(by_path) - set(files)
    if extra:
        print(f"fail hooks for files that are not there: {sorted(extra)[:3]}")
        return 1
    if not lines or lines[-1][2] != "end":
        print(f"fail the last hook's reason is not 'end': {lines[-1] if lines else None}")
        return 1
    print(f"hooks {len(lines)} for {len(files)} files")
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    sys.exit({"cat": cmd_cat, "seqs": cmd_seqs, "hooks": cmd_hooks}[cmd](sys.argv[2:]))
