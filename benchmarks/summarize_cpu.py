"""Turns the JSON of bench_* (Google Benchmark) and numpy_reference.py into
the markdown report benchmarks/results/cpu_<host>.md."""
import json
import os
import pathlib
import platform
import sys
import time


def load_gbench(folder):
    rows = {}
    for f in sorted(pathlib.Path(folder).glob("bench_*.json")):
        data = json.loads(f.read_text())
        for b in data["benchmarks"]:
            if b.get("aggregate_name") != "median":
                continue
            rows[b["run_name"].split("/")[0]] = b
    return rows


def load_numpy(folder):
    rows = {}
    for line in (pathlib.Path(folder) / "numpy.jsonl").read_text().splitlines():
        r = json.loads(line)
        rows[r["name"]] = r
    return rows


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main(folder):
    g = load_gbench(folder)
    n = load_numpy(folder)
    out = ["# CPU benchmarks: ember vs NumPy (same machine, same run)", "",
           f"Host: {platform.node()}, {cpu_model()}, {os.cpu_count()} cores; "
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Medians.", "",
           "| workload | ember | NumPy | ratio (>= 1 means ember is faster) | target |",
           "|---|---|---|---|---|"]

    def sec(b):
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        return b["real_time"] * unit

    if "BM_Add16M" in g:
        e = 12 * (1 << 24) / sec(g["BM_Add16M"]) / 1e9
        k = n["add16M"]["gbps"]
        out.append(f"| add f32 16M (GB/s) | {e:.1f} | {k:.1f} (out=) | {e / k:.2f} | >= 1.0 |")
    if "BM_Sum16M" in g:
        e = 4 * (1 << 24) / sec(g["BM_Sum16M"]) / 1e9
        k = n["sum16M"]["gbps"]
        out.append(f"| sum f32 16M (GB/s) | {e:.1f} | {k:.1f} | {e / k:.2f} | >= 1.0 |")
    for size in (1024, 2048):
        key = f"BM_Matmul{size}"
        if key in g:
            e = 2 * size**3 / sec(g[key]) / 1e9
            k = n[f"matmul{size}"]["gflops"]
            out.append(f"| sgemm {size} (GFLOP/s) | {e:.0f} | {k:.0f} | {e / k:.2f} | >= 0.9 |")
    if "BM_TinyAddChain" in g:
        e = sec(g["BM_TinyAddChain"]) / 1000 * 1e6
        k = n["tiny_add_chain"]["us_per_op"]
        out.append(f"| 1000 tiny adds, build + eval (us/op) | {e:.2f} | {k:.2f} (eager) | {k / e:.2f} | <= 1 us/op |")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
