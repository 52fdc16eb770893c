"""Per-op Python overhead: a chain of 1000 tiny adds (16 float32 values).

For ember.core (and mlx.core when importable) the chain is built lazily and
then evaluated; the table shows the build time, the eval time and the total,
each divided by the number of ops. NumPy runs the same chain eagerly.
Medians over --repeat runs. Prints a markdown table and writes it to
benchmarks/results/python_overhead_<host>.md.

    python benchmarks/python_overhead.py [--ops 1000] [--repeat 50]
"""
import argparse
import os
import platform
import socket
import statistics
import sys
import time

import numpy as np


def bench_lazy(mod, n_ops, repeat, warmup=5):
    """(build, eval, total) median seconds for one chain of `n_ops` adds."""
    x0 = mod.array(np.arange(16, dtype=np.float32))
    y = mod.array(np.full(16, 0.5, dtype=np.float32))
    mod.eval(x0, y)
    builds, evals, totals = [], [], []
    for i in range(warmup + repeat):
        t0 = time.perf_counter()
        x = x0
        for _ in range(n_ops):
            x = x + y
        t1 = time.perf_counter()
        mod.eval(x)
        t2 = time.perf_counter()
        if i >= warmup:
            builds.append(t1 - t0)
            evals.append(t2 - t1)
            totals.append(t2 - t0)
    expect = np.arange(16, dtype=np.float32) + np.float32(0.5) * n_ops
    np.testing.assert_allclose(np.array(x), expect, rtol=1e-6)
    med = statistics.median
    return med(builds), med(evals), med(totals)


def bench_numpy(n_ops, repeat, warmup=5):
    x0 = np.arange(16, dtype=np.float32)
    y = np.full(16, 0.5, dtype=np.float32)
    totals = []
    for i in range(warmup + repeat):
        t0 = time.perf_counter()
        x = x0
        for _ in range(n_ops):
            x = x + y
        t1 = time.perf_counter()
        if i >= warmup:
            totals.append(t1 - t0)
    return statistics.median(totals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    n, r = args.ops, args.repeat

    rows = []
    import ember.core as ec
    ec.set_default_device(ec.cpu)
    b, e, t = bench_lazy(ec, n, r)
    rows.append(("ember.core (cpu)", b, e, t))
    try:
        import mlx.core as mc
    except ImportError:
        mc = None
    if mc is not None:
        mc.set_default_device(mc.cpu)
        b, e, t = bench_lazy(mc, n, r)
        rows.append((f"mlx.core {mc.__version__} (cpu)", b, e, t))
    t = bench_numpy(n, r)
    rows.append((f"numpy {np.__version__} (eager)", None, None, t))

    us = lambda s: "—" if s is None else f"{s / n * 1e6:.3f}"
    host = socket.gethostname()
    lines = [
        f"# Python per-op overhead: {n} chained adds of 16 float32",
        "",
        f"Host `{host}`, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"median of {r} runs after 5 warm-up runs. Microseconds per op "
        "(build = Python graph construction, eval = `eval` of the final array).",
        "",
        "| implementation | build µs/op | eval µs/op | total µs/op | total ms/chain |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, b, e, t in rows:
        lines.append(f"| {name} | {us(b)} | {us(e)} | {us(t)} | {t * 1e3:.3f} |")
    if mc is None:
        lines += ["", "mlx.core was not importable in this run."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, f"python_overhead_{host}.md")
        with open(path, "w") as f:
            f.write(text)
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
