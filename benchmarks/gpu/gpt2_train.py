"""GPT-2 124M training step, ember against PyTorch eager (issue #6).

Usage:
    python3 benchmarks/gpu/gpt2_train.py [--device gpu|cpu] [--layers 12] [--d 768]
        [--heads H] [--vocab 50257] [--batch 8] [--seq 1024] [--steps 10] [--warmup 3]
        [--dtype f32,bf16,bf16-pure] [--only ember|torch] [--impl ember|mlx] [--out FILE]

The model is GPT-2 small: learned token and position embeddings, pre-LayerNorm
blocks (causal self-attention through the fused scaled-dot-product-attention of
each framework, GELU tanh-approximation MLP of width 4d), a final LayerNorm and
an output head tied to the token embedding. Weights are initialised as in
GPT-2 (normal 0.02, residual projections 0.02 / sqrt(2 L), zero biases).

One step = forward, mean cross entropy, backward, AdamW update, and waiting for
the result (ember: ``mx.eval(loss, model.parameters(), optimizer.state)``;
PyTorch: ``torch.cuda.synchronize()``). Each step trains on a fresh batch of
random tokens, drawn and evaluated before the step's clock starts. ember draws
its initial weights and tokens on the CPU and computes every step on the
default device (``mx.set_default_device(mx.gpu)`` for ``--device gpu``). The figure
is the median over ``--steps`` timed steps after ``--warmup`` untimed ones.

Precisions (``--dtype``, comma separated):
  f32        everything in float32 (PyTorch: TF32 off).
  bf16       mixed precision. ember: float32 master weights and optimizer
             state; every Linear casts its input, weight and bias to bfloat16,
             so matmuls, attention and GELU run in bfloat16 while LayerNorm,
             the residual stream and the cross entropy (logits cast up) stay
             in float32, i.e. what PyTorch's bf16 autocast does. PyTorch:
             ``torch.autocast(dtype=torch.bfloat16)`` around forward and loss.
  bf16-pure  ``model.set_dtype(bfloat16)``: parameters, activations, gradients
             and AdamW state all bfloat16 (the usual MLX recipe); PyTorch:
             ``model.to(torch.bfloat16)``, no autocast.

Optimizer: AdamW(lr=3e-4, betas (0.9, 0.999), eps 1e-8, weight decay 0.1 on
every parameter). ember's AdamW leaves out bias correction by default (MLX's
default; ``--bias-correction`` turns it on); PyTorch's always applies it. This
changes a few scalar operations per parameter, not the per-element work.
PyTorch's optimizer uses its default implementation (``foreach`` on CUDA).

Output: a markdown table with the card name, tokens/s per framework and
precision, ember/PyTorch ratios, MFU against the H100's 989 TFLOP/s bf16 dense
peak (6 N + 12 L d T FLOP per token, N without the position table: 0.855
GFLOP for GPT-2 124M at T=1024), peak memory and the last loss. A
configuration that fails is reported with its error instead of a number.
"""

import argparse
import gc
import math
import platform
import statistics
import sys
import time


def _impl(argv):
    """``--impl`` is read before the imports below (the model classes subclass its nn.Module)."""
    for i, a in enumerate(argv):
        if a == "--impl" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--impl="):
            return a.split("=", 1)[1]
    return "ember"


# ``--impl mlx`` runs the ember code path on the PyPI mlx (ember's API is MLX's),
# for a side-by-side run on the same card; its rows are labelled MLX.
IMPL = _impl(sys.argv[1:])
if IMPL == "mlx":
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx.utils import tree_flatten
else:
    import ember.core as mx
    import ember.nn as nn
    import ember.optimizers as optim
    from ember.utils import tree_flatten
NAME = "MLX" if IMPL == "mlx" else "ember"

H100_BF16_PEAK = 989e12
PRECISIONS = ("f32", "bf16", "bf16-pure")


# ----------------------------------------------------------------------------
# Configuration


class Config:
    """GPT-2 hyper-parameters (defaults: GPT-2 124M)."""

    def __init__(self, layers=12, d=768, heads=None, vocab=50257, ctx=1024):
        if heads is None:
            if d % 64 != 0:
                raise ValueError(f"[gpt2_train] d={d} is not a multiple of 64; pass --heads.")
            heads = d // 64
        if heads <= 0 or d % heads != 0:
            raise ValueError(f"[gpt2_train] d={d} must be a positive multiple of heads={heads}.")
        if layers <= 0 or vocab <= 0 or ctx <= 0:
            raise ValueError(
                f"[gpt2_train] layers, vocab and ctx must be positive; got layers={layers}, "
                f"vocab={vocab}, ctx={ctx}."
            )
        self.layers, self.d, self.heads, self.vocab, self.ctx = layers, d, heads, vocab, ctx

    def n_params(self):
        """Parameter count (the output head is tied, so counted once)."""
        d, L = self.d, self.layers
        attn = (d * 3 * d + 3 * d) + (d * d + d)
        mlp = (d * 4 * d + 4 * d) + (4 * d * d + d)
        block = 2 * 2 * d + attn + mlp
        return self.vocab * d + self.ctx * d + L * block + 2 * d

    def flops_per_token(self, seq):
        """Training FLOP per token: 6 N (N without the position table) + 12 L d T."""
        return 6 * (self.n_params() - self.ctx * self.d) + 12 * self.layers * self.d * seq

    def __repr__(self):
        return (
            f"L={self.layers} d={self.d} H={self.heads} V={self.vocab} ctx={self.ctx} "
            f"({self.n_params() / 1e6:.1f}M parameters)"
        )


# ----------------------------------------------------------------------------
# ember model


def _cast(x, dtype):
    return x if x.dtype == dtype else x.astype(dtype)


class CastLinear(nn.Linear):
    """``nn.Linear`` that computes in ``compute_dtype`` (None: the parameters' dtype).

    The float32 parameters stay the master copy; the cast happens inside the
    graph, so gradients flow back to them in float32 (as under autocast).
    """

    def __init__(self, input_dims, output_dims, std=0.02, compute_dtype=None):
        super().__init__(input_dims, output_dims)
        self.weight = mx.random.normal((output_dims, input_dims), scale=std)
        self.bias = mx.zeros((output_dims,))
        self.compute_dtype = compute_dtype

    def __call__(self, x):
        cdt = self.compute_dtype
        if cdt is None:
            return super().__call__(x)
        return mx.addmm(_cast(self.bias, cdt), _cast(x, cdt), _cast(self.weight, cdt).T)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg, compute_dtype=None):
        super().__init__()
        proj_std = 0.02 / math.sqrt(2 * cfg.layers)
        self.c_attn = CastLinear(cfg.d, 3 * cfg.d, compute_dtype=compute_dtype)
        self.c_proj = CastLinear(cfg.d, cfg.d, std=proj_std, compute_dtype=compute_dtype)
        self.n_head = cfg.heads
        self.scale = 1.0 / math.sqrt(cfg.d // cfg.heads)

    def __call__(self, x):
        B, T, D = x.shape
        H = self.n_head
        q, k, v = mx.split(self.c_attn(x), 3, axis=-1)
        q, k, v = (t.reshape(B, T, H, D // H).transpose(0, 2, 1, 3) for t in (q, k, v))
        o = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.scale, mask="causal")
        return self.c_proj(o.transpose(0, 2, 1, 3).reshape(B, T, D))


class MLP(nn.Module):
    def __init__(self, cfg, compute_dtype=None):
        super().__init__()
        proj_std = 0.02 / math.sqrt(2 * cfg.layers)
        self.c_fc = CastLinear(cfg.d, 4 * cfg.d, compute_dtype=compute_dtype)
        self.act = nn.GELU(approx="precise")  # tanh approximation
        self.c_proj = CastLinear(4 * cfg.d, cfg.d, std=proj_std, compute_dtype=compute_dtype)

    def __call__(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, cfg, compute_dtype=None):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d)
        self.attn = CausalSelfAttention(cfg, compute_dtype)
        self.ln_2 = nn.LayerNorm(cfg.d)
        self.mlp = MLP(cfg, compute_dtype)

    def __call__(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """GPT-2 with ember.nn. ``compute_dtype`` set: mixed precision (see module doc)."""

    def __init__(self, cfg, compute_dtype=None):
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab, cfg.d)
        self.wte.weight = mx.random.normal((cfg.vocab, cfg.d), scale=0.02)
        self.wpe = nn.Embedding(cfg.ctx, cfg.d)
        self.wpe.weight = mx.random.normal((cfg.ctx, cfg.d), scale=0.02)
        self.h = [Block(cfg, compute_dtype) for _ in range(cfg.layers)]
        self.ln_f = nn.LayerNorm(cfg.d)
        self.compute_dtype = compute_dtype
        self.ctx = cfg.ctx

    def __call__(self, idx):
        T = idx.shape[1]
        if T > self.ctx:
            raise ValueError(f"[GPT] sequence length {T} exceeds the context {self.ctx}.")
        x = self.wte(idx) + self.wpe(mx.arange(T))
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        cdt = self.compute_dtype
        if cdt is None:
            return self.wte.as_linear(x)
        return _cast(x, cdt) @ _cast(self.wte.weight, cdt).T

    def loss(self, idx, targets):
        logits = self(idx)
        if self.compute_dtype is not None:
            logits = logits.astype(mx.float32)  # autocast runs cross entropy in f32
        return nn.losses.cross_entropy(logits, targets, reduction="mean")


def build_ember(cfg, precision, lr=3e-4, weight_decay=0.1, bias_correction=False,
                compile_step=False):
    """Returns ``(model, optimizer, step)``; ``step(x, y)`` trains once and returns the loss.

    ``compile_step``: the step (forward, loss, backward, AdamW update) is one
    ``mx.compile``d function with the model and optimizer state as implicit
    inputs and outputs (the usual MLX recipe), so elementwise chains fuse."""
    if precision not in PRECISIONS:
        raise ValueError(f"[gpt2_train] precision must be one of {PRECISIONS}; got {precision!r}.")
    # Initial values are drawn on the CPU (unified memory moves them to the
    # GPU on first use; the warm-up steps absorb that), so that the run does
    # not depend on GPU random kernels; every step computes on the default device.
    with mx.stream(mx.cpu):
        model = GPT(cfg, compute_dtype=mx.bfloat16 if precision == "bf16" else None)
        if precision == "bf16-pure":
            model.set_dtype(mx.bfloat16)
        mx.eval(model.parameters())
    optimizer = optim.AdamW(
        learning_rate=lr, weight_decay=weight_decay, bias_correction=bias_correction
    )
    loss_and_grad = nn.value_and_grad(model, model.loss)

    def train_step(x, y):
        loss, grads = loss_and_grad(x, y)
        optimizer.update(model, grads)
        return loss

    if compile_step:
        optimizer.init(model.trainable_parameters())
        state = [model.state, optimizer.state]
        train_step = mx.compile(train_step, inputs=state, outputs=state)

    def step(x, y):
        loss = train_step(x, y)
        mx.eval(loss, model.parameters(), optimizer.state)
        return loss

    return model, optimizer, step


def ember_batch(cfg, batch, seq):
    # Drawn on the CPU like the weights; the step's first GPU op moves them (64 kB).
    with mx.stream(mx.cpu):
        tokens = mx.random.randint(0, cfg.vocab, (batch, seq + 1))
        x, y = tokens[:, :-1], tokens[:, 1:]
        mx.eval(x, y)
    return x, y


# ----------------------------------------------------------------------------
# PyTorch model (same architecture, parameter names and initialisation)


def build_torch(torch, cfg, precision, device, lr=3e-4, weight_decay=0.1):
    """Returns ``(model, optimizer, step)`` for PyTorch eager."""
    F = torch.nn.functional
    tnn = torch.nn
    proj_std = 0.02 / math.sqrt(2 * cfg.layers)

    def linear(i, o, std=0.02):
        lin = tnn.Linear(i, o)
        tnn.init.normal_(lin.weight, std=std)
        tnn.init.zeros_(lin.bias)
        return lin

    class Attn(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = linear(cfg.d, 3 * cfg.d)
            self.c_proj = linear(cfg.d, cfg.d, proj_std)

        def forward(self, x):
            B, T, D = x.shape
            H = cfg.heads
            q, k, v = self.c_attn(x).split(D, dim=-1)
            q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(o.transpose(1, 2).reshape(B, T, D))

    class Mlp(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = linear(cfg.d, 4 * cfg.d)
            self.c_proj = linear(4 * cfg.d, cfg.d, proj_std)

        def forward(self, x):
            return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))

    class TBlock(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = tnn.LayerNorm(cfg.d)
            self.attn = Attn()
            self.ln_2 = tnn.LayerNorm(cfg.d)
            self.mlp = Mlp()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class TGPT(tnn.Module):
        def __init__(self):
            super().__init__()
            self.wte = tnn.Embedding(cfg.vocab, cfg.d)
            self.wpe = tnn.Embedding(cfg.ctx, cfg.d)
            tnn.init.normal_(self.wte.weight, std=0.02)
            tnn.init.normal_(self.wpe.weight, std=0.02)
            self.h = tnn.ModuleList([TBlock() for _ in range(cfg.layers)])
            self.ln_f = tnn.LayerNorm(cfg.d)

        def forward(self, idx):
            T = idx.shape[1]
            pos = torch.arange(T, device=idx.device)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            return F.linear(self.ln_f(x), self.wte.weight)

    model = TGPT().to(device)
    if precision == "bf16-pure":
        model = model.to(torch.bfloat16)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay
    )
    autocast = precision == "bf16"
    dev_type = torch.device(device).type

    def loss_fn(x, y):
        logits = model(x)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def step(x, y):
        if autocast:
            with torch.autocast(device_type=dev_type, dtype=torch.bfloat16):
                loss = loss_fn(x, y)
        else:
            loss = loss_fn(x, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    return model, optimizer, step


def copy_ember_to_torch(torch, ember_model, torch_model):
    """Copies every ember parameter into the PyTorch model of the same names."""
    import numpy as np

    params = dict(tree_flatten(ember_model.parameters()))
    state = torch_model.state_dict()
    if set(params) != set(state):
        raise ValueError(
            "[gpt2_train] parameter names differ: "
            f"{sorted(set(params) ^ set(state))}"
        )
    with torch.no_grad():
        for name, value in params.items():
            src = torch.from_numpy(np.array(value.astype(mx.float32)))
            state[name].copy_(src.to(state[name].dtype))


# ----------------------------------------------------------------------------
# Timing


def time_steps(step, make_batch, sync, steps, warmup):
    """Runs ``warmup`` + ``steps`` training steps; returns (step times, last loss)."""
    for _ in range(warmup):
        step(*make_batch())
    sync()
    times = []
    loss = None
    for _ in range(steps):
        x, y = make_batch()
        sync()
        t0 = time.perf_counter()
        loss = step(x, y)
        sync()
        times.append(time.perf_counter() - t0)
    return times, float(loss.item()) if loss is not None else float("nan")


def run_ember(cfg, precision, args):
    model, optimizer, step = build_ember(
        cfg, precision, lr=args.lr, bias_correction=args.bias_correction,
        compile_step=args.compile,
    )
    mx.reset_peak_memory()
    times, loss = time_steps(
        step,
        lambda: ember_batch(cfg, args.batch, args.seq),
        mx.synchronize,
        args.steps,
        args.warmup,
    )
    peak = mx.get_peak_memory()
    del model, optimizer, step
    gc.collect()
    mx.clear_cache()
    return statistics.median(times), loss, peak


def run_torch(torch, cfg, precision, args):
    device = "cuda" if args.device == "gpu" else "cpu"
    model, optimizer, step = build_torch(torch, cfg, precision, device, lr=args.lr)

    def make_batch():
        tokens = torch.randint(0, cfg.vocab, (args.batch, args.seq + 1), device=device)
        return tokens[:, :-1], tokens[:, 1:]

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times, loss = time_steps(step, make_batch, sync, args.steps, args.warmup)
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else None
    del model, optimizer, step
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
    return statistics.median(times), loss, peak


# ----------------------------------------------------------------------------
# Report


def card_name(torch, device):
    if device == "gpu":
        if torch is not None and torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
        try:
            return str(mx.device_info().get("device_name", "gpu"))
        except Exception:  # noqa: BLE001
            return "gpu (unknown)"
    return f"CPU {platform.processor() or platform.machine()}"


def _fmt_tps(r):
    return f"{r['tps']:,.0f}" if "tps" in r else "-"


def _fmt_mfu(r):
    return f"{r['mfu'] * 100:.1f}%" if "mfu" in r else "-"


def _fmt_mem(r):
    return f"{r['peak'] / 2**30:.1f}" if r.get("peak") is not None else "-"


def _fmt_loss(r):
    return f"{r['loss']:.3f}" if "loss" in r else "-"


def report(results, cfg, args, card, torch_version):
    tokens = args.batch * args.seq
    fpt = cfg.flops_per_token(args.seq)
    lines = [
        f"GPT-2 training step on {card} ({args.device}); {NAME} vs PyTorch "
        f"{torch_version or '(not run)'} eager",
        "",
        f"Model {cfg}; batch {args.batch} x {args.seq} = {tokens} tokens/step; "
        f"median of {args.steps} steps after {args.warmup} warm-up; "
        f"{fpt / 1e9:.3f} GFLOP/token; MFU against 989 TFLOP/s (H100 bf16 dense).",
        "bf16 = f32 master weights with bf16 matmul/attention/GELU (ember: casts in every "
        "Linear; PyTorch: autocast); bf16-pure = all parameters and optimizer state in bf16.",
        "",
        f"| precision | {NAME} tokens/s | PyTorch tokens/s | {NAME} / PyTorch | {NAME} MFU | "
        f"PyTorch MFU | {NAME} peak GiB | PyTorch peak GiB | {NAME} loss | PyTorch loss | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for prec in args.precisions:
        e = results.get(("ember", prec), {})
        t = results.get(("torch", prec), {})
        ratio = f"{e['tps'] / t['tps']:.2f}x" if "tps" in e and "tps" in t else "-"
        note = "; ".join(
            f"{fw}: {r['error']}" for fw, r in ((NAME, e), ("torch", t)) if "error" in r
        )
        lines.append(
            f"| {prec} | {_fmt_tps(e)} | {_fmt_tps(t)} | {ratio} | {_fmt_mfu(e)} | "
            f"{_fmt_mfu(t)} | {_fmt_mem(e)} | {_fmt_mem(t)} | {_fmt_loss(e)} | "
            f"{_fmt_loss(t)} | {note} |"
        )
    # The bar: ember's bf16 step at least PyTorch eager bf16 autocast.
    ember_bf16 = [
        (results[("ember", p)]["tps"], p)
        for p in ("bf16", "bf16-pure")
        if "tps" in results.get(("ember", p), {})
    ]
    ref = results.get(("torch", "bf16"), {})
    if ember_bf16 and "tps" in ref:
        best, prec = max(ember_bf16)
        lines += [
            "",
            f"Best {NAME} bf16 ({prec}) / PyTorch bf16 autocast: {best / ref['tps']:.2f}x"
            + (" (issue #6 asks for >= 1.00x)." if IMPL == "ember" else "."),
        ]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=("gpu", "cpu"), default="gpu")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--heads", type=int, default=None, help="default: d // 64")
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--ctx", type=int, default=1024, help="position table size")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument(
        "--dtype", default="f32,bf16,bf16-pure", help="comma list of f32, bf16, bf16-pure"
    )
    ap.add_argument("--only", choices=("ember", "torch"), default=None)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--bias-correction", action="store_true", help="ember AdamW bias correction")
    ap.add_argument(
        "--compile", action="store_true", help="ember: mx.compile the whole step (fuses)"
    )
    ap.add_argument("--impl", choices=("ember", "mlx"), default="ember",
                    help="run the ember column on the PyPI mlx instead (labelled MLX)")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    if args.impl != IMPL:
        ap.error("--impl must be given on the command line (it selects the imports)")
    args.precisions = [p.strip() for p in args.dtype.split(",") if p.strip()]
    bad = [p for p in args.precisions if p not in PRECISIONS]
    if bad or not args.precisions:
        ap.error(f"--dtype: unknown precision(s) {bad}; choose from {', '.join(PRECISIONS)}")
    if args.steps < 1 or args.warmup < 0 or args.batch < 1 or args.seq < 1:
        ap.error("--steps, --batch and --seq must be >= 1 and --warmup >= 0")
    if args.seq > args.ctx:
        ap.error(f"--seq {args.seq} exceeds --ctx {args.ctx}")
    return args


def _short(e):
    text = str(e).strip().splitlines()
    return (type(e).__name__ + ": " + (text[0] if text else ""))[:120].replace("|", "/")


def main(argv=None):
    args = parse_args(argv)
    cfg = Config(args.layers, args.d, args.heads, args.vocab, args.ctx)
    frameworks = [f for f in ("torch", "ember") if args.only in (None, f)]
    torch = None
    torch_error = None
    if "torch" in frameworks:
        try:
            import torch  # noqa: F811

            if args.device == "gpu":
                torch.backends.cuda.matmul.allow_tf32 = False
                torch.backends.cudnn.allow_tf32 = False
                if not torch.cuda.is_available():
                    raise RuntimeError("torch.cuda is not available")
        except Exception as e:  # noqa: BLE001
            torch_error = _short(e)
    ember_error = None
    if "ember" in frameworks:
        try:
            mx.set_default_device(mx.gpu if args.device == "gpu" else mx.cpu)
        except Exception as e:  # noqa: BLE001
            ember_error = _short(e)
    card = card_name(torch if torch_error is None else None, args.device)
    print(f"{card}: GPT-2 {cfg}, B={args.batch} T={args.seq}", flush=True)

    results = {}
    tokens = args.batch * args.seq
    fpt = cfg.flops_per_token(args.seq)
    # PyTorch first: its numbers survive if an unfinished ember kernel crashes.
    for fw in frameworks:
        for prec in args.precisions:
            pre_error = torch_error if fw == "torch" else ember_error
            if pre_error:
                results[(fw, prec)] = {"error": pre_error}
                continue
            try:
                if fw == "torch":
                    t, loss, peak = run_torch(torch, cfg, prec, args)
                else:
                    t, loss, peak = run_ember(cfg, prec, args)
                r = {"tps": tokens / t, "loss": loss, "peak": peak}
                r["mfu"] = r["tps"] * fpt / H100_BF16_PEAK
                print(
                    f"{NAME if fw == 'ember' else fw} {prec}: {r['tps']:.0f} tokens/s "
                    f"({t * 1e3:.1f} ms/step), "
                    f"loss {loss:.4f}",
                    flush=True,
                )
            except Exception as e:  # noqa: BLE001
                r = {"error": _short(e)}
                print(f"{fw} {prec} failed: {e}", file=sys.stderr, flush=True)
                gc.collect()
            results[(fw, prec)] = r

    torch_version = torch.__version__ if torch is not None and not torch_error else None
    text = report(results, cfg, args, card, torch_version)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)
    return results


if __name__ == "__main__":
    main()
