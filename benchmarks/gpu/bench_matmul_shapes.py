"""bf16 matmuls of a GPT-2 124M training step (B8 T1024), ember against
PyTorch on the same card: the forward x @ W.T (+ bias), the input gradient
dy @ W and the weight gradient dy.T @ x of each Linear shape.

Usage: python3 benchmarks/gpu/bench_matmul_shapes.py
Timing as in bench_gpu.py: INNER queued calls, then a wait; median of reps.
"""
from bench_gpu import median_time  # same folder; timing as in bench_gpu.py

ROWS = 8192  # B * T
SHAPES = [(768, 2304), (768, 768), (768, 3072), (3072, 768), (768, 50257)]


def main():
    import torch
    import ember.core as mx

    print(f"card: {torch.cuda.get_device_name(0)}")
    print("| product | shape (M, N, K) | PyTorch TFLOP/s | ember TFLOP/s | ratio |")
    print("|---|---|---|---|---|")
    for k_in, n_out in SHAPES:
        tx = torch.randn(ROWS, k_in, device="cuda", dtype=torch.bfloat16)
        tw = torch.randn(n_out, k_in, device="cuda", dtype=torch.bfloat16)
        tb = torch.randn(n_out, device="cuda", dtype=torch.bfloat16)
        tdy = torch.randn(ROWS, n_out, device="cuda", dtype=torch.bfloat16)
        ex, ew, eb, edy = (mx.array(t.float().cpu().numpy()).astype(mx.bfloat16) for t in (tx, tw, tb, tdy))
        ex3 = ex.reshape(8, ROWS // 8, k_in)
        mx.eval(ex, ew, eb, edy, ex3)
        cases = [
            ("x @ W.T", (ROWS, n_out, k_in), lambda: tx @ tw.T, lambda: mx.async_eval(ex @ ew.T)),
            ("addmm(b, x, W.T)", (ROWS, n_out, k_in), lambda: torch.addmm(tb, tx, tw.T),
             lambda: mx.async_eval(mx.addmm(eb, ex, ew.T))),
            ("addmm(b, x3d, W.T)", (ROWS, n_out, k_in), lambda: torch.nn.functional.linear(tx.view(8, -1, k_in), tw, tb),
             lambda: mx.async_eval(mx.addmm(eb, ex3, ew.T))),
            ("dy @ W", (ROWS, k_in, n_out), lambda: tdy @ tw, lambda: mx.async_eval(edy @ ew)),
            ("dy.T @ x", (n_out, k_in, ROWS), lambda: tdy.T @ tx, lambda: mx.async_eval(edy.T @ ex)),
        ]
        for name, (m, n, k), tf, ef in cases:
            flop = 2 * m * n * k
            tt = median_time(tf, torch.cuda.synchronize)
            te = median_time(ef, mx.synchronize)
            print(f"| {name} | ({m}, {n}, {k}) | {flop / tt / 1e12:.0f} | {flop / te / 1e12:.0f} | {tt / te:.2f}x |", flush=True)
        mx.clear_cache()
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
