"""Summarizes a sampler.c profile: self and inclusive share per function.

Usage: python3 sampler_report.py PROFILE [--top N] [--threads N] [--match S]
Frames are symbolized with addr2line (binutils); where that finds nothing the
nearest dynamic symbol that the sampler recorded is used.
"""
import argparse
import collections
import subprocess


def is_ours(mod):
    base = mod.rsplit("/", 1)[-1]
    return "ember" in base or base.startswith("core") or ".so" not in base


IDLE = ("pthread_cond_wait", "pthread_cond_timedwait", "poll", "epoll_wait",
        "sched_yield", "nanosleep", "clock_nanosleep", "sigsuspend", "select",
        "__futex", "futex_wait", "sem_wait", "pthread_join", "accept", "recv")


def is_idle(name):
    return any(k in name for k in IDLE)


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
        # System libraries are often stripped: addr2line then names a wrong
        # nearby symbol, while the dynamic symbol from dladdr is right.
        if n.startswith("??") or (dyn and not is_ours(mod)):
            n = (dyn or "??") + " [" + short(mod) + "]"
        result[fr] = n[:160]
    return result


def table(title, samples, names, top):
    total = len(samples)
    self_c = collections.Counter()
    incl = collections.Counter()
    for st in samples:
        if st:
            self_c[names[st[0]]] += 1
        for n in {names[f] for f in st}:
            incl[n] += 1
    print(f"\n######## {title}: {total} samples")
    print("== self")
    for n, c in self_c.most_common(top):
        print(f"{100 * c / total:6.2f}%  {n}")
    print("== inclusive")
    for n, c in incl.most_common(top):
        print(f"{100 * c / total:6.2f}%  {n}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--threads", type=int, default=6,
                    help="also break down the N threads with the most samples")
    ap.add_argument("--match", action="append", default=[],
                    help="also break down threads with a frame containing S")
    args = ap.parse_args()
    by_tid = collections.defaultdict(list)
    for line in open(args.profile):
        parts = line.split()
        if parts:
            by_tid[parts[0]].append(parts[1:])
    frames = {f for sts in by_tid.values() for st in sts for f in st}
    names = symbolize(frames)
    everything = [st for sts in by_tid.values() for st in sts]
    print("threads (tid: samples): " + ", ".join(
        f"{t}:{len(v)}" for t, v in sorted(by_tid.items(), key=lambda kv: -len(kv[1]))))
    table("all threads", everything, names, args.top)
    # Threads ranked by busy samples (leaf frame not a wait).
    busy = {t: sum(1 for st in v if st and not is_idle(names[st[0]])) for t, v in by_tid.items()}
    print("busy samples per thread: " + ", ".join(
        f"{t}:{c}" for t, c in sorted(busy.items(), key=lambda kv: -kv[1])[:12]))
    # (Stripped system libraries can make waits look busy; --match picks
    # threads by what they run instead.)
    chosen = sorted(busy, key=lambda t: -busy[t])[: args.threads]
    for s in args.match:
        chosen += [t for t in by_tid if t not in chosen and any(
            s in names[f] for st in by_tid[t] for f in st)]
    for tid in chosen:
        table(f"thread {tid} ({busy[tid]} busy)", by_tid[tid], names, args.top)


if __name__ == "__main__":
    main()
