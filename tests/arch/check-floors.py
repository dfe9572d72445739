#!/usr/bin/env python3
"""check-floors.py [TOP] - the house plan of doc/architecture.md, checked
against the #include lines of the C sources.

Floors, lowest first: include/ (the ABI) -> core/ (kernel and userspace)
-> driver/ | srclib/ -> samples/ (tools).  A file may include from its own
floor and the floors below it, never from above or sideways (srclib/ and
samples/ never reach into driver/, driver/ never into srclib/).  Within
driver/, srclib/ and core/ no two files include each other in a circle.

Quoted includes are resolved as the build does: the including file's own
folder first, then the -I folders of its side (userspace: include, core,
srclib; the module's Kbuild: include, core, driver).  Prints one ok/fail
line per rule and exits 1 on any failure.
"""
import os
import re
import sys

top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), "..", ".."))
ALLOWED = {
    "include": {"include"},
    "core": {"core", "include"},
    "driver": {"driver", "core", "include"},
    "srclib": {"srclib", "core", "include"},
    "samples": {"samples", "srclib", "include"},
}
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def floor(rel):
    return rel.split("/", 1)[0]


def search_path(rel):
    if floor(rel) in ("driver",):
        return ["include", "core", "driver"]
    if floor(rel) == "core":
        return ["include", "core"]
    return ["include", "core", "srclib"]


files = []
for fl in ALLOWED:
    for d, _, names in os.walk(os.path.join(top, fl)):
        for n in names:
            if n.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(d, n), top))

edges = {}
bad = []
unresolved = []
for rel in sorted(files):
    with open(os.path.join(top, rel), encoding="utf-8", errors="replace") as f:
        text = f.read()
    edges[rel] = set()
    for name in INC.findall(text):
        cands = [os.path.normpath(os.path.join(os.path.dirname(rel), name))]
        cands += [os.path.normpath(os.path.join(p, name)) for p in search_path(rel)]
        # Then anywhere in the tree: a name found only in another floor
        # means a -I or a ../ path that reaches where it must not.
        cands += [os.path.normpath(os.path.join(fl, name)) for fl in ALLOWED]
        cands += [f for f in files if os.path.basename(f) == os.path.basename(name)]
        hit = next((c for c in cands if os.path.isfile(os.path.join(top, c))), None)
        if hit is None:
            # generated or system headers written with quotes (vmlinux.h, ...)
            unresolved.append(f"{rel}: {name}")
            continue
        edges[rel].add(hit)
        if floor(hit) not in ALLOWED[floor(rel)]:
            bad.append(f"{rel} includes {hit}")

failed = 0


def report(ok, what, detail=""):
    global failed
    if ok:
        print(f"ok   floors         {what}")
    else:
        failed += 1
        print(f"fail floors         {what} - {detail}")


report(not bad, f"every #include goes to its own floor or one below ({len(files)} files)",
       "; ".join(bad))

# Circles: strongly connected components of more than one file.
index, low, on, stack, comps = {}, {}, set(), [], []
counter = [0]


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in index:
        strong(v)
report(not comps, "no #include circle in include/, core/, driver/, srclib/, samples/",
       "; ".join(" <-> ".join(c) for c in comps))
if unresolved:
    print("     floors         (not in the tree, taken as generated or system: "
          + ", ".join(sorted(set(unresolved))) + ")")
print(f"floors: {2 - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
