#!/usr/bin/env python3
"""Check the order of a driver's register accesses to the 82599 model.

Reads QEMU's trace of MMIO accesses (the events memory_region_ops_read and
memory_region_ops_write, log backend) and follows the accesses to the
model's register BAR ('hpcap-82599-mmio') in order, as the 82599 datasheet
says software must make them around AUTOC (SWSM and SW_FW_SYNC register
descriptions):

  - SWSM.SMBI is held from the SWSM read that returned it clear until a
    write clears it; SWSM.SWESMBI from a write setting it that reads back
    set until a write clears it;
  - SW_FW_SYNC is written only with both held;
  - AUTOC is written only while the last value written to SW_FW_SYNC has
    the software MAC CSR bit (3) set;
  - at the end nothing is held (the bit and SWSM were given back).

At least one AUTOC write must be in the trace, or nothing was checked.
Prints "ok"/"fail" lines; exit status 1 when one failed.

usage: csr_lock_check.py TRACE [--name LABEL]
"""
import argparse
import re
import sys

SWSM, SW_FW_SYNC, AUTOC = 0x10140, 0x10160, 0x042A0
# QEMU traces the guest-physical address; the 128 KiB BAR is aligned to its
# size (PCI), so the register is the address modulo the size.
BAR0_SIZE = 0x20000
SMBI, SWESMBI, SW_MAC_CSR = 0x1, 0x2, 0x8
LINE = re.compile(r"memory_region_ops_(read|write) .*addr 0x([0-9a-f]+) "
                  r"value 0x([0-9a-f]+) size \d+ name '([^']*)'")


def accesses(path):
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.search(line)
            if m and m.group(4) == "hpcap-82599-mmio":
                yield (m.group(1), int(m.group(2), 16) % BAR0_SIZE,
                       int(m.group(3), 16))


def check(path):
    """Problems found (list of strings) and the number of AUTOC writes."""
    smbi = swesmbi = want_swesmbi = False
    sync = 0
    autoc_writes = 0
    problems = []
    n = 0
    for kind, addr, value in accesses(path):
        n += 1
        if addr == SWSM and kind == "read":
            if not smbi and not value & SMBI:
                smbi = True
            if want_swesmbi and value & SWESMBI:
                swesmbi = True
            want_swesmbi = False
        elif addr == SWSM:
            if not value & SMBI:
                smbi = False
            if value & SWESMBI:
                want_swesmbi = not swesmbi
            else:
                swesmbi = want_swesmbi = False
        elif addr == SW_FW_SYNC and kind == "write":
            if not (smbi and swesmbi):
                problems.append(f"access {n}: SW_FW_SYNC written (0x{value:x}) without SWSM"
                                f" (SMBI {'held' if smbi else 'not held'},"
                                f" SWESMBI {'held' if swesmbi else 'not held'})")
            sync = value
        elif addr == AUTOC and kind == "write":
            autoc_writes += 1
            if not sync & SW_MAC_CSR:
                problems.append(f"access {n}: AUTOC written (0x{value:x}) without"
                                " SW_FW_SYNC's software MAC CSR bit")
    if sync & SW_MAC_CSR:
        problems.append("the MAC CSR bit of SW_FW_SYNC was never given back")
    if smbi or swesmbi:
        problems.append("SWSM was never given back")
    return problems, autoc_writes, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--name", default="AUTOC under the MAC CSR semaphore")
    a = ap.parse_args()
    try:
        problems, autoc_writes, n = check(a.trace)
    except OSError as e:
        print(f"fail {a.name}: cannot read the trace: {e}")
        return 1
    if autoc_writes == 0:
        problems.append(f"no AUTOC write among the {n} traced accesses to the model"
                        " (was the trace on while the driver set the link?)")
    if problems:
        for p in problems[:10]:
            print(f"fail {a.name}: {p}")
        return 1
    print(f"ok   {a.name} ({autoc_writes} AUTOC write(s) among {n} accesses, each with"
          " SW_FW_SYNC's software MAC CSR bit taken under SWSM, all given back)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
