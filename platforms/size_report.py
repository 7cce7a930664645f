#!/usr/bin/env python3
"""Prints a firmware's text/data/bss per library, read from its GNU ld map.

Every input section the linker placed is attributed to the archive (or
object) it came from; sizes are summed into text (code and read-only data
in flash), data (initialised RAM, also stored in flash) and bss (zeroed
RAM). The totals are checked against the ELF's section headers when --elf
is given, so a parsing slip cannot go unnoticed.

--group NAME=PREFIX,PREFIX... adds a line summing the libraries whose
report name starts with one of the prefixes (the protocol layers, say), and
--max NAME=BYTES makes the exit status 1 when that group's text is larger,
so a size budget can be a test.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

# Input sections of these output sections count as text, data or bss.
OUTPUT_KIND = {
    ".text": "text",
    ".ARM.exidx": "text",
    ".rodata": "text",
    ".data": "data",
    ".bss": "bss",
}

# `<section> <addr> <size> <file>`, or the first half on one line and
# `<addr> <size> <file>` on the next when the section name is long.
FULL = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
NAME_ONLY = re.compile(r"^ (\S+)$")
CONT = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
OUTPUT = re.compile(r"^(\.\S+)\s*(0x[0-9a-f]+)?")


def library_of(path):
    """`.../libfoo.a(bar.o)` -> `libfoo.a`; object files keep their name."""
    m = re.match(r"^(.*?)\(([^)]*)\)$", path)
    archive = m.group(1) if m else path
    name = os.path.basename(archive)
    if "/arm-none-eabi/" in archive or "/gcc/arm-none-eabi/" in archive:
        return "toolchain:" + name
    # Bazel names an archive after its target; keep the package for clarity.
    parts = archive.split("/bin/", 1)
    if len(parts) == 2:
        return parts[1]
    return name


def placed_sections(lines):
    """Yields (kind, section, size, path) for each input section the map
    places in a counted output section: kind is text, data or bss."""
    prev = None
    for cur in _sections_at(lines):
        if prev is not None:
            kind, section, addr, size, path = prev
            # A section of merged strings whose strings all went into
            # another object's (ld merges equal strings and string tails
            # across objects) is printed with the merged pool's size at the
            # next section's address: what it holds ends where that begins.
            if cur[0] == kind and addr <= cur[2] < addr + size:
                size = cur[2] - addr
            yield kind, section, size, path
        prev = cur
    if prev is not None:
        yield prev[0], prev[1], prev[3], prev[4]


def _sections_at(lines):
    """placed_sections' input: (kind, section, addr, size, path)."""
    in_map = False
    kind = None
    pending = None
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("Linker script and memory map"):
            in_map = True
            continue
        if not in_map:
            continue
        if line.startswith("/DISCARD/"):
            kind = None
            continue
        out = OUTPUT.match(line)
        if out and not line.startswith(" "):
            kind = OUTPUT_KIND.get(out.group(1))
            pending = None
            continue
        if kind is None:
            continue
        m = FULL.match(line)
        if m:
            section, addr, size, path = (m.group(1), int(m.group(2), 16),
                                         int(m.group(3), 16), m.group(4))
        elif pending is not None and CONT.match(line):
            c = CONT.match(line)
            section, addr, size, path = (pending, int(c.group(1), 16),
                                         int(c.group(2), 16), c.group(3))
        else:
            n = NAME_ONLY.match(line)
            pending = n.group(1) if n and n.group(1).startswith(".") else None
            continue
        pending = None
        if not section.startswith(".") or section.startswith("*"):
            continue
        if size == 0 or path.startswith("load address"):
            continue
        yield kind, section, addr, size, path


def parse(lines):
    sizes = defaultdict(lambda: {"text": 0, "data": 0, "bss": 0})
    for kind, _, size, path in placed_sections(lines):
        sizes[library_of(path)][kind] += size
    return sizes


def elf_totals(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], check=True,
                         capture_output=True, text=True).stdout
    totals = {"text": 0, "data": 0, "bss": 0}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] in OUTPUT_KIND and f[1].isdigit():
            totals[OUTPUT_KIND[f[0]]] += int(f[1])
    return totals


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("map")
    ap.add_argument("--elf", help="check totals against this ELF")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    ap.add_argument("--group", action="append", default=[],
                    help="NAME=PREFIX[,PREFIX...]: print the group's sum")
    ap.add_argument("--max", action="append", default=[],
                    help="NAME=BYTES: fail when the group's text is larger")
    args = ap.parse_args()
    with open(args.map, encoding="utf-8", errors="replace") as f:
        sizes = parse(f)
    totals = {k: sum(s[k] for s in sizes.values()) for k in ("text", "data", "bss")}

    rows = sorted(sizes.items(), key=lambda kv: (-kv[1]["text"], kv[0]))
    width = max([len(n) for n in sizes] + [7])
    out = ["%-*s %8s %8s %8s" % (width, "library", "text", "data", "bss")]
    for name, s in rows:
        out.append("%-*s %8d %8d %8d" % (width, name, s["text"], s["data"], s["bss"]))
    out.append("%-*s %8d %8d %8d" % (width, "total", totals["text"], totals["data"], totals["bss"]))
    out.append("(flash = text + data = %d bytes; RAM = data + bss = %d bytes)"
               % (totals["text"] + totals["data"], totals["data"] + totals["bss"]))
    groups = {}
    for g in args.group:
        name, _, prefixes = g.partition("=")
        members = [n for n in sizes
                   if any(n.startswith(p) for p in prefixes.split(",") if p)]
        groups[name] = sum(sizes[n]["text"] for n in members)
        out.append("group %s: text %d bytes (%s)"
                   % (name, groups[name], " + ".join(sorted(members))))
    over = False
    for m in args.max:
        name, _, limit = m.partition("=")
        if name not in groups:
            sys.stderr.write("size_report: --max names unknown group %s\n" % name)
            return 1
        if groups[name] > int(limit):
            out.append("group %s: OVER BUDGET (%d > %d bytes)"
                       % (name, groups[name], int(limit)))
            over = True
        else:
            out.append("group %s: within budget (%d <= %d bytes)"
                       % (name, groups[name], int(limit)))
    if args.elf:
        want = elf_totals(args.elf)
        # The map counts alignment padding nowhere; allow it, but no more.
        for k in totals:
            if not (want[k] - 64 <= totals[k] <= want[k]):
                sys.stderr.write("size_report: %s from map %d, ELF says %d\n"
                                 % (k, totals[k], want[k]))
                return 1
    text = "\n".join(out) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
