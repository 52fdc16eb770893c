"""NumPy side of the CPU benchmarks: the same workloads as bench_core /
bench_matmul, timed in the same run. Prints one JSON object per line."""
import json
import time

import numpy as np


def median_time(fn, repeat=20, warmup=3):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    n = 1 << 24
    a = np.full(n, 1.5, dtype=np.float32)
    b = np.full(n, 1.5, dtype=np.float32)
    out = np.empty_like(a)
    t = median_time(lambda: np.add(a, b, out=out))
    print(json.dumps({"name": "add16M", "impl": "numpy", "seconds": t,
                      "gbps": 12 * n / t / 1e9}))
    t = median_time(lambda: np.add(a, b))
    print(json.dumps({"name": "add16M_fresh_output", "impl": "numpy",
                      "seconds": t, "gbps": 12 * n / t / 1e9}))
    t = median_time(lambda: a.sum())
    print(json.dumps({"name": "sum16M", "impl": "numpy", "seconds": t,
                      "gbps": 4 * n / t / 1e9}))
    x = np.ones(16, dtype=np.float32)

    def chain():
        y = x
        for _ in range(1000):
            y = y + x
        return y

    t = median_time(chain, repeat=50)
    print(json.dumps({"name": "tiny_add_chain", "impl": "numpy",
                      "us_per_op": t / 1000 * 1e6}))
    for size in (1024, 2048):
        rng = np.random.default_rng(0)
        p = rng.standard_normal((size, size), dtype=np.float32)
        q = rng.standard_normal((size, size), dtype=np.float32)
        t = median_time(lambda: p @ q, repeat=10 if size == 1024 else 5)
        print(json.dumps({"name": f"matmul{size}", "impl": "numpy",
                          "seconds": t, "gflops": 2 * size**3 / t / 1e9}))


if __name__ == "__main__":
    main()
