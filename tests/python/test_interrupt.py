"""Ctrl-C during a long eval: KeyboardInterrupt (or completion), state intact."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import _thread

import numpy as np
import pytest

import ember.core as mx

N = 256


@pytest.fixture(autouse=True)
def _on_cpu():
    # The chains are sized so that eval outlasts the timer on the CPU; on a
    # GPU they can finish before the signal arrives.
    prev = mx.default_device()
    mx.set_default_device(mx.cpu)
    # Python's own Ctrl-C handler, as in an interactive session: a process
    # started in the background by a non-interactive shell inherits SIGINT
    # ignored, and then `_thread.interrupt_main` does nothing.
    prev_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, prev_handler)
    mx.set_default_device(prev)


def _chain(x, w, steps):
    # Every step is a 256^3 GEMM with a permutation matrix: exact in float32,
    # so the NumPy reference is a cheap column gather.
    for _ in range(steps):
        x = x @ w
    return x


def _reference(x, perm, steps):
    x = x.astype(np.float64)
    for _ in range(steps):
        x = x[:, perm]
    return x


def _inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, N)).astype(np.float32)
    perm = rng.permutation(N)
    w = np.zeros((N, N), dtype=np.float32)
    w[perm, np.arange(N)] = 1.0  # (x @ w)[:, j] == x[:, perm[j]]
    return x, w, perm


def _time_steps(x, w, steps):
    start = time.perf_counter()
    mx.eval(_chain(mx.array(x), mx.array(w), steps))
    return time.perf_counter() - start


def test_interrupt_main_during_eval_then_recompute():
    x, w, perm = _inputs()
    # Size the chain so that it runs for about 2 s on this machine.
    per_step = _time_steps(x, w, 8) / 8
    steps = int(min(1000, max(16, 2.0 / max(per_step, 1e-4))))
    out = _chain(mx.array(x), mx.array(w), steps)
    delay = 0.2
    timer = threading.Timer(delay, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    interrupted = False
    try:
        mx.eval(out)
    except KeyboardInterrupt:
        interrupted = True
    elapsed = time.perf_counter() - start
    try:
        timer.join()
    except KeyboardInterrupt:
        interrupted = True
    if not interrupted:
        # A signal that arrives right after eval returns is raised at the
        # next bytecode instead; swallow it so it doesn't leak into pytest.
        try:
            time.sleep(0.5)
        except KeyboardInterrupt:
            interrupted = True
    assert interrupted
    # The wait returns within ~50 ms of the signal, long before the chain ends.
    assert elapsed < delay + 0.5 * steps * per_step + 0.5, (elapsed, steps * per_step)
    # The interrupted array finishes in the background; reading it waits.
    np.testing.assert_array_equal(np.array(out), _reference(x, perm, steps))
    # The workers are not wedged: the same computation runs again, correctly.
    again = _chain(mx.array(x), mx.array(w), steps)
    np.testing.assert_array_equal(np.array(again), _reference(x, perm, steps))


def test_interrupt_item_and_tolist():
    x, w, perm = _inputs()
    per_step = _time_steps(x, w, 8) / 8
    steps = int(min(1000, max(16, 1.0 / max(per_step, 1e-4))))
    out = _chain(mx.array(x), mx.array(w), steps)
    s = out.sum()
    timer = threading.Timer(0.1, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        try:
            s.item()
        finally:
            timer.join()
        time.sleep(0.5)  # the signal landed after item() returned
    ref = _reference(x, perm, steps)
    np.testing.assert_allclose(s.item(), ref.sum(), rtol=1e-4, atol=1e-2)
    np.testing.assert_array_equal(np.array(out.tolist(), dtype=np.float32), ref)


def test_sigint_in_subprocess():
    # A real SIGINT from another process, then the same work again, then a
    # clean interpreter exit (no hang on worker threads, no crash).
    script = textwrap.dedent(
        f"""
        import sys
        import time
        import numpy as np
        import ember.core as mx
        rng = np.random.default_rng(0)
        x = rng.standard_normal(({N}, {N})).astype(np.float32)
        perm = rng.permutation({N})
        w = np.zeros(({N}, {N}), dtype=np.float32)
        w[perm, np.arange({N})] = 1.0
        def chain(steps):
            y = mx.array(x)
            for _ in range(steps):
                y = y @ mx.array(w)
            return y
        t = time.perf_counter()
        mx.eval(chain(8))
        per_step = (time.perf_counter() - t) / 8
        out = chain(int(min(20000, max(16, 1.5 / max(per_step, 1e-5)))))
        print("ready", flush=True)
        try:
            mx.eval(out)
            print("completed", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        # Wait for the parent's go-ahead, sent after the signal: a fast
        # machine may finish the eval first, and a signal that came during
        # interpreter shutdown would kill the process.
        while True:
            try:
                sys.stdin.readline()
                break
            except KeyboardInterrupt:
                pass
        ok = np.array_equal(np.array(chain(3)), x[:, perm][:, perm][:, perm])
        print("recomputed", ok, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        out, err = proc.communicate("go\n", timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = out.split()
    assert lines[0] in ("interrupted", "completed")
    assert "recomputed True" in out, out + err
