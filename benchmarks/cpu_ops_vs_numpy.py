"""CPU ops against NumPy in one run (the ninth session's sweep): reductions,
scans, gathers, copies, elementwise math, casts, sorts and partitions on
(4096, 2048) float32 inputs (and 2^20 int32 indices).

Usage: python3 benchmarks/cpu_ops_vs_numpy.py
Medians of 7 timed calls after one warm-up; each ember call includes eval.
Ratio = NumPy time / ember time (> 1 means ember is faster).
"""
import statistics
import time

import numpy as np

import ember.core as mx

rng = np.random.default_rng(0)
A = rng.standard_normal((4096, 2048)).astype(np.float32)
B = rng.standard_normal((4096, 2048)).astype(np.float32)
P = np.abs(A) + 0.1
I = rng.integers(0, 4096, size=1 << 20).astype(np.int32)
ea, eb, ep, ei = mx.array(A), mx.array(B), mx.array(P), mx.array(I)
mx.eval(ea, eb, ep, ei)


def t(f, n=7):
    f()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


R3 = (64, 64, 2048)
cases = {
 "mean axis0": (lambda: A.mean(0), lambda: mx.eval(mx.mean(ea, axis=0))),
 "var axis1": (lambda: A.var(1), lambda: mx.eval(mx.var(ea, axis=1))),
 "cumsum axis1": (lambda: np.cumsum(A, 1), lambda: mx.eval(mx.cumsum(ea, axis=1))),
 "cumsum axis0": (lambda: np.cumsum(A, 0), lambda: mx.eval(mx.cumsum(ea, axis=0))),
 "take rows": (lambda: A.take(I[:4096], 0), lambda: mx.eval(mx.take(ea, ei[:4096], axis=0))),
 "take flat 1M": (lambda: A.reshape(-1).take(I), lambda: mx.eval(mx.take(mx.reshape(ea, (-1,)), ei))),
 "concat axis1": (lambda: np.concatenate([A, B], 1), lambda: mx.eval(mx.concatenate([ea, eb], axis=1))),
 "transpose copy": (lambda: np.ascontiguousarray(A.T), lambda: mx.eval(mx.contiguous(mx.transpose(ea)))),
 "where": (lambda: np.where(A > 0, A, B), lambda: mx.eval(mx.where(ea > 0, ea, eb))),
 "clip": (lambda: np.clip(A, -0.5, 0.5), lambda: mx.eval(mx.clip(ea, -0.5, 0.5))),
 "maximum": (lambda: np.maximum(A, B), lambda: mx.eval(mx.maximum(ea, eb))),
 "sqrt": (lambda: np.sqrt(P), lambda: mx.eval(mx.sqrt(ep))),
 "rsqrt": (lambda: 1 / np.sqrt(P), lambda: mx.eval(mx.rsqrt(ep))),
 "log1p": (lambda: np.log1p(P), lambda: mx.eval(mx.log1p(ep))),
 "expm1": (lambda: np.expm1(A), lambda: mx.eval(mx.expm1(ea))),
 "arctan": (lambda: np.arctan(A), lambda: mx.eval(mx.arctan(ea))),
 "power x**y": (lambda: np.power(P, B), lambda: mx.eval(mx.power(ep, eb))),
 "x**0.5": (lambda: P ** 0.5, lambda: mx.eval(ep ** 0.5)),
 "floor_divide": (lambda: np.floor_divide(A, P), lambda: mx.eval(mx.floor_divide(ea, ep))),
 "remainder": (lambda: np.remainder(A, P), lambda: mx.eval(mx.remainder(ea, ep))),
 "astype f16": (lambda: A.astype(np.float16), lambda: mx.eval(ea.astype(mx.float16))),
 "astype i32": (lambda: A.astype(np.int32), lambda: mx.eval(ea.astype(mx.int32))),
 "max axis0": (lambda: A.max(0), lambda: mx.eval(mx.max(ea, axis=0))),
 "max axis1": (lambda: A.max(1), lambda: mx.eval(mx.max(ea, axis=1))),
 "logsumexp axis1": (lambda: np.log(np.exp(A).sum(1)), lambda: mx.eval(mx.logsumexp(ea, axis=1))),
 "partition k=100": (lambda: np.partition(A, 100, 1), lambda: mx.eval(mx.partition(ea, 100, axis=1))),
 "topk 10": (lambda: np.partition(A, -10, 1)[:, -10:], lambda: mx.eval(mx.topk(ea, 10, axis=1))),
 "pad": (lambda: np.pad(A, 3), lambda: mx.eval(mx.pad(ea, 3))),
 "tile": (lambda: np.tile(A[:1024], (2, 2)), lambda: mx.eval(mx.tile(ea[:1024], (2, 2)))),
 "repeat": (lambda: np.repeat(A[:1024], 2, 1), lambda: mx.eval(mx.repeat(ea[:1024], 2, axis=1))),
 "abs": (lambda: np.abs(A), lambda: mx.eval(mx.abs(ea))),
 "square sum": (lambda: (A * A).sum(), lambda: mx.eval(mx.sum(ea * ea))),
 "std all": (lambda: A.std(), lambda: mx.eval(mx.std(ea))),
 "any >3": (lambda: (A > 3).any(1), lambda: mx.eval(mx.any(ea > 3, axis=1))),
 "isnan sum": (lambda: np.isnan(A).sum(), lambda: mx.eval(mx.sum(mx.isnan(ea)))),
 "einsum bij,bjk": (lambda: np.einsum("bij,bjk->bik", A.reshape(R3)[:, :, :64], A.reshape(R3)[:, :64, :64]), lambda: mx.eval(mx.einsum("bij,bjk->bik", mx.reshape(ea, R3)[:, :, :64], mx.reshape(ea, R3)[:, :64, :64]))),
 "sort axis0": (lambda: np.sort(A[:, :256], 0), lambda: mx.eval(mx.sort(ea[:, :256], axis=0))),
 "argsort ascending small rows": (lambda: np.argsort(A.reshape(-1, 64), 1, kind="stable"), lambda: mx.eval(mx.argsort(mx.reshape(ea, (-1, 64)), axis=1))),
}
for name, (fn, fe) in cases.items():
    tn, te = t(fn), t(fe)
    print(f"{name:30s} numpy {tn:8.2f} ms  ember {te:8.2f} ms  ratio {tn / te:6.2f}", flush=True)
