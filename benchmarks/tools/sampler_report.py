"""Summarizes a sampler.c profile: self and inclusive share per function.

Usage: python3 sampler_report.py PROFILE [--top N] [--tid-split]
Frames are symbolized with addr2line (binutils); where that finds nothing the
nearest dynamic symbol that the sampler recorded is used.
"""
import argparse
import collections
import subprocess


def symbolize(frames):
    by_module = collections.defaultdict(set)
    for fr in frames:
        mod, rest = fr.rsplit("+", 1)
        off = rest.split("|", 1)[0]
        by_module[mod].add(off)
    names = {}
    for mod, offs in by_module.items():
        offs = sorted(offs)
        out = []
        if mod != "?":
            try:
                r = subprocess.run(["addr2line", "-f", "-C", "-e", mod] +
                                   [hex(int(o, 16) - 1) for o in offs],
                                   capture_output=True, text=True, timeout=300)
                out = r.stdout.splitlines()[0::2]
            except (OSError, subprocess.SubprocessError):
                out = []
        for i, o in enumerate(offs):
            names[(mod, o)] = out[i] if i < len(out) else "??"
    result = {}
    short = lambda m: m.rsplit("/", 1)[-1]
    for fr in frames:
        mod, rest = fr.rsplit("+", 1)
        off, _, dyn = rest.partition("|")
        n = names.get((mod, off), "??")
        if n.startswith("??"):
            n = (dyn or "??") + " [" + short(mod) + "]"
        result[fr] = n[:160]
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    samples = []
    for line in open(args.profile):
        parts = line.split()
        if parts:
            samples.append((parts[0], parts[1:]))
    frames = {f for _, st in samples for f in st}
    names = symbolize(frames)
    total = len(samples)
    self_c = collections.Counter()
    incl = collections.Counter()
    tids = collections.Counter()
    for tid, st in samples:
        tids[tid] += 1
        if st:
            self_c[names[st[0]]] += 1
        for n in {names[f] for f in st}:
            incl[n] += 1
    print(f"{total} samples; per thread: " +
          ", ".join(f"{t}:{c}" for t, c in tids.most_common(8)))
    print("\n== self")
    for n, c in self_c.most_common(args.top):
        print(f"{100 * c / total:6.2f}%  {n}")
    print("\n== inclusive")
    for n, c in incl.most_common(args.top):
        print(f"{100 * c / total:6.2f}%  {n}")


if __name__ == "__main__":
    main()
