"""CPU activations, ember against NumPy in one run: exp, sigmoid, tanh, x**3,
the GELU tanh approximation (nn.gelu_approx, a compiled chain) and softmax
over rows of 2048, on 8M float32 values.

Usage: python3 benchmarks/cpu_activations.py
Medians of 10 timed calls after one warm-up; each ember call includes eval.
"""
import statistics
import time

import numpy as np

import ember.core as mx
import ember.nn as nn


def median_ms(fn, reps=10):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main():
    mx.set_default_device(mx.cpu)
    x = mx.random.normal((4096, 2048))
    mx.eval(x)
    xn = np.asarray(x)
    k = np.float32(np.sqrt(2 / np.pi))
    def np_softmax(a):
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    rows = [
        ("exp", lambda: mx.eval(mx.exp(x)), lambda: np.exp(xn)),
        ("sigmoid", lambda: mx.eval(mx.sigmoid(x)), lambda: 1 / (1 + np.exp(-xn))),
        ("softmax (rows of 2048)", lambda: mx.eval(mx.softmax(x, axis=-1)),
         lambda: np_softmax(xn)),
        ("tanh", lambda: mx.eval(mx.tanh(x)), lambda: np.tanh(xn)),
        ("x**3", lambda: mx.eval(x**3), lambda: xn**3),
        ("gelu_approx", lambda: mx.eval(nn.gelu_approx(x)),
         lambda: 0.5 * xn * (1 + np.tanh(k * (xn + np.float32(0.044715) * xn**3)))),
    ]
    print("| op (4096x2048 float32) | NumPy ms | ember ms | NumPy / ember |")
    print("|---|---|---|---|")
    for name, fe, fn in rows:
        te, tn = median_ms(fe), median_ms(fn)
        print(f"| {name} | {tn:.1f} | {te:.1f} | {tn / te:.1f}x |")


if __name__ == "__main__":
    main()
