"""GPU benchmarks of issue #6: ember against PyTorch on the same card, in one run.

Usage: python3 benchmarks/gpu/bench_gpu.py [--only name,...] [--out FILE]

Each workload is timed as the median of several repetitions; one repetition
queues INNER calls (ember: `mx.async_eval`, PyTorch: its asynchronous launch)
and then waits for the GPU (`mx.synchronize()` / `torch.cuda.synchronize()`),
so the time per call is the steady-state throughput with launch overhead
overlapped, the same way for both. Each workload runs --rounds rounds that
alternate which framework goes first; the figure is the median over rounds.
The tiny-op chain instead measures the
host cost per op of 1000 dependent ops. A workload ember cannot run yet is
reported with the error instead of a time.

Where the PyPI `mlx` with its CUDA backend (`mlx-cuda-13`) imports and has a
GPU, it runs the same workloads through the same code as ember (ember's API is
MLX's), as a third column; `--no-mlx` leaves it out.
"""

import argparse
import importlib
import statistics
import sys
import time

import numpy as np


INNER = 10
# Middle-axis sums: shape summed over axis 1.
MID_SUMS = {
    "mid_sum_64": (256, 4096, 64),
    "mid_sum_256": (4, 65536, 256),
    "mid_sum_255": (64, 4096, 255),  # rows off 16 bytes: scalar column tiles
}


def median_time(fn, sync, reps=10, inner=INNER, warmup=2):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def torch_bench(torch, name, n):
    dev = "cuda"
    sync = torch.cuda.synchronize
    if name == "copy":
        x = torch.empty(n, device=dev)
        y = torch.empty_like(x)
        return median_time(lambda: y.copy_(x), sync), 8 * n
    if name == "add":
        x = torch.randn(n, device=dev)
        y = torch.randn(n, device=dev)
        return median_time(lambda: x + y, sync), 12 * n
    if name == "sum":
        x = torch.randn(n, device=dev)
        return median_time(lambda: x.sum(), sync), 4 * n
    if name in ("col_sum", "col_sum_3072"):
        # Bias-gradient shape: bf16 (B * T, C) summed over the rows.
        cols = 3072 if name.endswith("3072") else 768
        x = torch.randn(8192, cols, device=dev, dtype=torch.bfloat16)
        return median_time(lambda: torch.sum(x, 0), sync), 2 * x.numel()
    if name == "decode_gemv_bf16":
        # One token through an (11008, 4096) bf16 Linear weight: x @ W.T.
        w = torch.randn(11008, 4096, device=dev, dtype=torch.bfloat16)
        x = torch.randn(1, 4096, device=dev, dtype=torch.bfloat16)
        return median_time(lambda: x @ w.T, sync), 2 * w.numel()
    if name in MID_SUMS:
        # float32 summed over a middle axis (inner-strided columns).
        x = torch.randn(*MID_SUMS[name], device=dev)
        return median_time(lambda: torch.sum(x, 1), sync), 4 * x.numel()
    if name == "softmax":
        x = torch.randn(8192, 8192, device=dev)
        return median_time(lambda: torch.softmax(x, -1), sync), 8 * x.numel()
    if name == "layer_norm":
        x = torch.randn(8192, 4096, device=dev)
        w = torch.randn(4096, device=dev)
        b = torch.randn(4096, device=dev)
        f = lambda: torch.nn.functional.layer_norm(x, (4096,), w, b, 1e-5)
        return median_time(f, sync), 8 * x.numel()
    if name == "layer_norm_fwd_bwd":
        # Forward + backward (dx, dw, db) on the layer_norm row's shape.
        x = torch.randn(8192, 4096, device=dev, requires_grad=True)
        w = torch.randn(4096, device=dev, requires_grad=True)
        b = torch.randn(4096, device=dev, requires_grad=True)
        gy = torch.randn(8192, 4096, device=dev)

        def f():
            y = torch.nn.functional.layer_norm(x, (4096,), w, b, 1e-5)
            return torch.autograd.grad(y, (x, w, b), gy)

        # Forward: read x, write y; backward: read x and dy, write dx.
        return median_time(f, sync), 20 * x.numel()
    if name == "matmul_bf16":
        a = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
        b = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
        return median_time(lambda: a @ b, sync, reps=5), 2 * 8192**3
    if name == "sdpa_causal_bf16":
        q, k, v = (
            torch.randn(4, 16, 2048, 64, device=dev, dtype=torch.bfloat16)
            for _ in range(3)
        )
        f = lambda: torch.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True
        )
        return median_time(f, sync), 4 * 4 * 16 * 2048 * 2048 * 64 / 2
    if name in ("gelu_tanh", "gelu_tanh_8x"):
        cols = 3072 * (8 if name.endswith("8x") else 1)
        x = torch.randn(8192, cols, device=dev, dtype=torch.bfloat16)
        f = lambda: torch.nn.functional.gelu(x, approximate="tanh")
        return median_time(f, sync), 2 * 2 * x.numel()  # bf16: read + write
    if name == "sdpa_causal_bf16_fwd_bwd":
        # Forward + backward (autograd.grad: no accumulation); FLOPs count the
        # backward as 2.5x the forward.
        q, k, v = (
            torch.randn(4, 16, 2048, 64, device=dev, dtype=torch.bfloat16,
                        requires_grad=True)
            for _ in range(3)
        )
        do = torch.randn(4, 16, 2048, 64, device=dev, dtype=torch.bfloat16)

        def f():
            o = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            return torch.autograd.grad(o, (q, k, v), do)

        return median_time(f, sync), 3.5 * 4 * 4 * 16 * 2048 * 2048 * 64 / 2
    if name in ("cross_entropy", "cross_entropy_via_f32"):
        # GPT-2's loss: mean cross entropy of (8192, 50257) bf16 logits,
        # forward + backward wrt the logits (via_f32: computed in float32,
        # as autocast and the GPT-2 benchmark's bf16 mode do).
        x = torch.randn(8192, 50257, device=dev, dtype=torch.bfloat16,
                        requires_grad=True)
        t = torch.randint(0, 50257, (8192,), device=dev)
        up = name.endswith("f32")

        def f():
            loss = torch.nn.functional.cross_entropy(x.float() if up else x, t)
            return loss, torch.autograd.grad(loss, x)

        # Bytes: read the logits (forward), read them and write the
        # gradient (backward), all in bf16.
        return median_time(f, sync), 6 * x.numel()
    if name == "tiny_chain":
        x = torch.ones(16, device=dev)

        def f():
            y = x
            for _ in range(1000):
                y = y + 1
            return y

        return median_time(f, sync, reps=5, inner=1) / 1000, None
    raise KeyError(name)


def ember_bench(mx, name, n):
    sync = mx.synchronize
    gpu = mx.gpu
    run = mx.async_eval
    if name == "copy":
        x = mx.random.normal((n,), stream=gpu)
        mx.eval(x)
        # x * 1 reads and writes each element once, like a copy.
        return median_time(lambda: run(mx.multiply(x, 1.0, stream=gpu)), sync), 8 * n
    if name == "add":
        x = mx.random.normal((n,), stream=gpu)
        y = mx.random.normal((n,), stream=gpu)
        mx.eval(x, y)
        return median_time(lambda: run(mx.add(x, y, stream=gpu)), sync), 12 * n
    if name == "sum":
        x = mx.random.normal((n,), stream=gpu)
        mx.eval(x)
        return median_time(lambda: run(mx.sum(x, stream=gpu)), sync), 4 * n
    if name in ("col_sum", "col_sum_3072"):
        cols = 3072 if name.endswith("3072") else 768
        x = mx.random.normal((8192, cols), stream=gpu).astype(mx.bfloat16, stream=gpu)
        mx.eval(x)
        return median_time(lambda: run(mx.sum(x, axis=0, stream=gpu)), sync), 2 * 8192 * cols
    if name == "decode_gemv_bf16":
        w = mx.random.normal((11008, 4096), stream=gpu).astype(mx.bfloat16, stream=gpu)
        x = mx.random.normal((1, 4096), stream=gpu).astype(mx.bfloat16, stream=gpu)
        mx.eval(w, x)
        return median_time(lambda: run(mx.matmul(x, w.T, stream=gpu)), sync), 2 * w.size
    if name in MID_SUMS:
        x = mx.random.normal(MID_SUMS[name], stream=gpu)
        mx.eval(x)
        return median_time(lambda: run(mx.sum(x, axis=1, stream=gpu)), sync), 4 * x.size
    if name == "softmax":
        x = mx.random.normal((8192, 8192), stream=gpu)
        mx.eval(x)
        f = lambda: run(mx.softmax(x, axis=-1, stream=gpu))
        return median_time(f, sync), 8 * 8192 * 8192
    if name == "layer_norm":
        x = mx.random.normal((8192, 4096), stream=gpu)
        w = mx.random.normal((4096,), stream=gpu)
        b = mx.random.normal((4096,), stream=gpu)
        mx.eval(x, w, b)
        f = lambda: run(mx.fast.layer_norm(x, w, b, 1e-5, stream=gpu))
        return median_time(f, sync), 8 * 8192 * 4096
    if name == "layer_norm_fwd_bwd":
        x = mx.random.normal((8192, 4096), stream=gpu)
        w = mx.random.normal((4096,), stream=gpu)
        b = mx.random.normal((4096,), stream=gpu)
        gy = mx.random.normal((8192, 4096), stream=gpu)
        mx.eval(x, w, b, gy)

        def f():
            outs, grads = mx.vjp(
                lambda a, ww, bb: mx.fast.layer_norm(a, ww, bb, 1e-5, stream=gpu),
                [x, w, b],
                [gy],
            )
            run(outs, grads)

        return median_time(f, sync), 20 * 8192 * 4096
    if name == "matmul_bf16":
        a = mx.random.normal((8192, 8192), stream=gpu).astype(mx.bfloat16)
        b = mx.random.normal((8192, 8192), stream=gpu).astype(mx.bfloat16)
        mx.eval(a, b)
        f = lambda: run(mx.matmul(a, b, stream=gpu))
        return median_time(f, sync, reps=5), 2 * 8192**3
    if name == "sdpa_causal_bf16":
        q, k, v = (
            mx.random.normal((4, 16, 2048, 64), stream=gpu).astype(mx.bfloat16)
            for _ in range(3)
        )
        mx.eval(q, k, v)
        scale = 1.0 / 8.0
        f = lambda: run(
            mx.fast.scaled_dot_product_attention(
                q, k, v, scale=scale, mask="causal", stream=gpu
            )
        )
        return median_time(f, sync), 4 * 4 * 16 * 2048 * 2048 * 64 / 2
    if name in ("gelu_tanh", "gelu_tanh_8x"):
        # A compiled elementwise chain (MLX's nn.gelu_approx): one fused
        # kernel with compile's fusion, ~10 kernels with EMBER_COMPILE_FUSE=0.
        # The 8x row has 8 times more columns, so that the compiled call's
        # host cost (cache lookup, replay) is small next to the kernel.
        import math

        cols = 3072 * (8 if name.endswith("8x") else 1)
        x = mx.random.normal((8192, cols), stream=gpu).astype(mx.bfloat16, stream=gpu)
        mx.eval(x)
        k = math.sqrt(2 / math.pi)
        gelu = mx.compile(
            lambda v: 0.5 * v * (1 + mx.tanh(k * (v + 0.044715 * v**3))), shapeless=True
        )
        with mx.stream(gpu):
            mx.eval(gelu(x))  # trace and compile the kernel outside the timing
            f = lambda: run(gelu(x))
            return median_time(f, sync), 2 * 2 * 8192 * cols
    if name == "sdpa_causal_bf16_fwd_bwd":
        q, k, v, do = (
            mx.random.normal((4, 16, 2048, 64), stream=gpu).astype(mx.bfloat16)
            for _ in range(4)
        )
        mx.eval(q, k, v, do)
        scale = 1.0 / 8.0

        def attn(q, k, v):
            return mx.fast.scaled_dot_product_attention(
                q, k, v, scale=scale, mask="causal", stream=gpu
            )

        f = lambda: run(mx.vjp(attn, [q, k, v], [do]))
        return median_time(f, sync), 3.5 * 4 * 4 * 16 * 2048 * 2048 * 64 / 2
    if name in ("cross_entropy", "cross_entropy_via_f32"):
        # value_and_grad of nn.losses.cross_entropy compiled, as the GPT-2
        # script's compiled step: LogSumExp, a gather, and one fused kernel
        # for the logits gradient (plus the float32 copy with via_f32).
        nn = importlib.import_module(mx.__name__.rsplit(".", 1)[0] + ".nn")

        x = mx.random.normal((8192, 50257), stream=gpu).astype(mx.bfloat16, stream=gpu)
        t = mx.random.randint(0, 50257, (8192,), stream=gpu)
        mx.eval(x, t)
        up = name.endswith("f32")

        def loss(a, b):
            a = a.astype(mx.float32) if up else a
            return nn.losses.cross_entropy(a, b, reduction="mean")

        vg = mx.compile(mx.value_and_grad(loss))
        with mx.stream(gpu):
            mx.eval(vg(x, t))  # trace and compile outside the timing
            f = lambda: run(vg(x, t))
            return median_time(f, sync), 6 * 8192 * 50257
    if name == "tiny_chain":
        x = mx.ones((16,), stream=gpu)
        mx.eval(x)

        def f():
            y = x
            for _ in range(1000):
                y = mx.add(y, 1, stream=gpu)
            mx.eval(y)

        return median_time(f, sync, reps=5, inner=1) / 1000, None
    raise KeyError(name)


WORKLOADS = [
    "copy",
    "add",
    "sum",
    "col_sum",
    "col_sum_3072",
    "mid_sum_64",
    "mid_sum_256",
    "mid_sum_255",
    "softmax",
    "layer_norm",
    "layer_norm_fwd_bwd",
    "matmul_bf16",
    "decode_gemv_bf16",
    "sdpa_causal_bf16",
    "gelu_tanh",
    "gelu_tanh_8x",
    "sdpa_causal_bf16_fwd_bwd",
    "cross_entropy",
    "cross_entropy_via_f32",
    "tiny_chain",
]


def fmt(t, work, name):
    if t is None:
        return "-"
    if work is None:
        return f"{t * 1e6:.2f} us/op"
    if "matmul" in name or "sdpa" in name:
        return f"{work / t / 1e12:.1f} TFLOP/s"
    return f"{work / t / 1e9:.0f} GB/s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--out", default="")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds per workload; the order of the frameworks rotates")
    ap.add_argument("--no-mlx", action="store_true", help="leave out the PyPI mlx")
    args = ap.parse_args()
    names = [w for w in WORKLOADS if not args.only or w in args.only.split(",")]
    n = 1 << 28
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    import ember.core as mx

    card = torch.cuda.get_device_name(0)
    mlx = None
    if not args.no_mlx:
        try:
            import mlx.core as mlx  # noqa: F811

            if not mlx.is_available(mlx.gpu):
                mlx = None
        except Exception:  # noqa: BLE001
            mlx = None

    def runner(fw, bench, lib, clear):
        # Returns (time, work, error); an ember error goes into the table's
        # note, the others' to stderr.
        def run(name):
            try:
                return bench(lib, name, n) + ("",)
            except Exception as e:  # noqa: BLE001
                msg = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
                if fw == "ember":
                    return None, None, msg[:80]
                print(f"{fw} {name} failed: {msg}", file=sys.stderr)
                return None, None, ""
            finally:
                clear()

        return run

    runners = {
        "torch": runner("torch", torch_bench, torch, torch.cuda.empty_cache),
        "ember": runner("ember", ember_bench, mx, mx.clear_cache),
    }
    if mlx is not None:
        runners["mlx"] = runner("mlx", ember_bench, mlx, mlx.clear_cache)
    rows = []
    for name in names:
        # Rounds rotate which framework goes first, so that none always runs
        # on a card another has just heated (matmul is power-limited).
        times = {fw: [] for fw in runners}
        work, err = None, ""
        order = list(runners)
        for r in range(args.rounds):
            for fw in order[r % len(order):] + order[:r % len(order)]:
                t, w, e = runners[fw](name)
                work = work if work is not None else w
                if t is not None:
                    times[fw].append(t)
                if e:
                    err = e
        med = {fw: statistics.median(ts) if ts else None for fw, ts in times.items()}
        tt, te, tm = med["torch"], med["ember"], med.get("mlx")

        def ratio(a, b):
            return f"{a / b:.2f}x" if a is not None and b is not None else "-"

        row = (f"| {name} | {fmt(tt, work, name)} | {fmt(te, work, name)} | {ratio(tt, te)} | "
               f"{fmt(tm, work, name)} | {ratio(tm, te)} | {err} |")
        print(row, flush=True)
        rows.append(row)
    mlx_text = f"mlx {mlx.__version__}" if mlx is not None else "mlx not run"
    header = (
        f"GPU: {card}; torch {torch.__version__}; {mlx_text}; medians over {args.rounds} "
        "rounds (rotating which framework runs first); ratio = other time / ember time "
        "(> 1 means ember is faster)\n\n| workload | PyTorch | ember | PyTorch / ember | "
        "MLX | MLX / ember | note |\n|---|---|---|---|---|---|---|"
    )
    text = header + "\n" + "\n".join(rows) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
