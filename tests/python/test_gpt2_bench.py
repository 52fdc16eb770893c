"""benchmarks/gpu/gpt2_train.py on the CPU with tiny configurations.

The ember GPT-2 forward is checked against an independent NumPy float64
forward with the same weights (and against PyTorch when it is installed), the
training step against a decreasing loss, and the script's main() end to end.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import ember.core as mx
import ember.nn as nn
from ember.utils import tree_flatten, tree_unflatten

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "gpt2_train", ROOT / "benchmarks" / "gpu" / "gpt2_train.py"
)
gpt2_train = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpt2_train)

TINY = dict(layers=2, d=32, heads=4, vocab=61, ctx=16)


@pytest.fixture(autouse=True)
def _on_cpu():
    # main() sets the default device; keep the suite's default for other tests.
    before = mx.default_device()
    mx.set_default_device(mx.cpu)
    yield
    mx.set_default_device(before)


# ----------------------------------------------------------------------------
# NumPy float64 reference


def _ln(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _np_forward(p, idx, layers, heads):
    """Logits of GPT-2 in float64 from a ``{dotted name: ndarray}`` dict."""
    B, T = idx.shape
    x = p["wte.weight"][idx] + p["wpe.weight"][:T]
    D = x.shape[-1]
    hd = D // heads
    causal = np.tril(np.ones((T, T), dtype=bool))
    for l in range(layers):

        def g(name):
            return p[f"h.{l}.{name}"]

        h = _ln(x, g("ln_1.weight"), g("ln_1.bias"))
        qkv = h @ g("attn.c_attn.weight").T + g("attn.c_attn.bias")
        q, k, v = (
            qkv[..., i * D : (i + 1) * D].reshape(B, T, heads, hd).transpose(0, 2, 1, 3)
            for i in range(3)
        )
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd)
        s = np.where(causal, s, -np.inf)
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ v
        a = a.transpose(0, 2, 1, 3).reshape(B, T, D)
        x = x + a @ g("attn.c_proj.weight").T + g("attn.c_proj.bias")
        h = _ln(x, g("ln_2.weight"), g("ln_2.bias"))
        m = _gelu_tanh(h @ g("mlp.c_fc.weight").T + g("mlp.c_fc.bias"))
        x = x + m @ g("mlp.c_proj.weight").T + g("mlp.c_proj.bias")
    x = _ln(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p["wte.weight"].T


def _np_loss(logits, targets):
    mx_ = logits.max(-1, keepdims=True)
    lse = np.log(np.exp(logits - mx_).sum(-1)) + mx_[..., 0]
    picked = np.take_along_axis(logits, targets[..., None], -1)[..., 0]
    return float((lse - picked).mean())


def _params64(model):
    return {
        k: np.array(v.astype(mx.float32)).astype(np.float64)
        for k, v in tree_flatten(model.parameters())
    }


def _randomize(model, rng, scale=0.3):
    """Replaces every parameter by N(0, scale) (LayerNorm weights around 1)
    so that activations are O(1) and the comparison is not trivially small."""
    new = []
    for k, v in tree_flatten(model.parameters()):
        a = rng.normal(0.0, scale, v.shape)
        if k.endswith("ln_1.weight") or k.endswith("ln_2.weight") or k == "ln_f.weight":
            a += 1.0
        new.append((k, mx.array(a.astype(np.float32)).astype(v.dtype)))
    model.update(tree_unflatten(new))
    mx.eval(model.parameters())


def _batch(rng, cfg, B=2, T=8):
    tok = rng.integers(0, cfg.vocab, (B, T + 1))
    return tok[:, :-1].astype(np.int32), tok[:, 1:].astype(np.int32)


# ----------------------------------------------------------------------------
# Tests


def test_config_gpt2_124m_counts():
    cfg = gpt2_train.Config()
    assert (cfg.layers, cfg.d, cfg.heads, cfg.vocab, cfg.ctx) == (12, 768, 12, 50257, 1024)
    assert cfg.n_params() == 124_439_808  # GPT-2 small with its tied head
    # ANCHORS.md: 0.855 GFLOP per token at T=1024.
    assert abs(cfg.flops_per_token(1024) / 1e9 - 0.855) < 0.001


def test_config_errors():
    with pytest.raises(ValueError, match="multiple of 64"):
        gpt2_train.Config(d=60)
    with pytest.raises(ValueError, match="heads=5"):
        gpt2_train.Config(d=64, heads=5)
    with pytest.raises(ValueError, match="layers"):
        gpt2_train.Config(layers=0)
    with pytest.raises(ValueError, match="precision"):
        gpt2_train.build_ember(gpt2_train.Config(**TINY), "f16")


def test_parse_args_rejects_bad_options():
    with pytest.raises(SystemExit):
        gpt2_train.parse_args(["--dtype", "f32,fp8"])
    with pytest.raises(SystemExit):
        gpt2_train.parse_args(["--seq", "2048"])
    a = gpt2_train.parse_args(["--dtype", "bf16, f32", "--device", "cpu"])
    assert a.precisions == ["bf16", "f32"] and a.device == "cpu"


def test_parameter_names_and_shapes():
    cfg = gpt2_train.Config(**TINY)
    model, _, _ = gpt2_train.build_ember(cfg, "f32")
    p = dict(tree_flatten(model.parameters()))
    d, V = cfg.d, cfg.vocab
    assert p["wte.weight"].shape == (V, d) and p["wpe.weight"].shape == (cfg.ctx, d)
    assert p["h.1.attn.c_attn.weight"].shape == (3 * d, d)
    assert p["h.1.mlp.c_proj.weight"].shape == (d, 4 * d)
    assert len(p) == 4 + cfg.layers * 12
    assert sum(v.size for v in p.values()) == cfg.n_params()
    # GPT-2 initialisation: std 0.02, residual projections 0.02 / sqrt(2 L).
    big = gpt2_train.GPT(gpt2_train.Config(layers=2, d=256, vocab=2000, ctx=64))
    assert abs(np.std(np.array(big.wte.weight)) - 0.02) < 0.002
    proj = np.array(big.h[0].mlp.c_proj.weight)
    assert abs(np.std(proj) - 0.02 / 2.0) < 0.001
    assert np.all(np.array(big.h[0].attn.c_attn.bias) == 0)


def test_forward_f32_matches_numpy(rng):
    cfg = gpt2_train.Config(**TINY)
    model, _, _ = gpt2_train.build_ember(cfg, "f32")
    _randomize(model, rng)
    x, y = _batch(rng, cfg)
    ref = _np_forward(_params64(model), x, cfg.layers, cfg.heads)
    logits = model(mx.array(x))
    assert logits.dtype == mx.float32 and logits.shape == (2, 8, cfg.vocab)
    np.testing.assert_allclose(np.array(logits), ref, rtol=1e-4, atol=1e-4)
    loss = model.loss(mx.array(x), mx.array(y))
    assert abs(loss.item() - _np_loss(ref, y)) < 1e-4


def test_forward_mixed_bf16_close_to_numpy(rng):
    cfg = gpt2_train.Config(**TINY)
    model, _, _ = gpt2_train.build_ember(cfg, "bf16")
    _randomize(model, rng)
    # Master weights stay float32; the Linear layers compute in bfloat16.
    assert all(v.dtype == mx.float32 for _, v in tree_flatten(model.parameters()))
    h = mx.ones((1, 3, cfg.d))
    assert model.h[0].mlp.c_fc(h).dtype == mx.bfloat16
    assert model.h[0].ln_1(h).dtype == mx.float32
    x, y = _batch(rng, cfg)
    ref = _np_forward(_params64(model), x, cfg.layers, cfg.heads)
    logits = model(mx.array(x))
    assert logits.dtype == mx.bfloat16
    err = np.abs(np.array(logits.astype(mx.float32)) - ref).max()
    assert err < 0.05 * np.abs(ref).max(), err
    loss = model.loss(mx.array(x), mx.array(y))
    assert loss.dtype == mx.float32
    assert abs(loss.item() - _np_loss(ref, y)) < 0.05 * abs(_np_loss(ref, y))


def test_forward_pure_bf16_close_to_numpy(rng):
    cfg = gpt2_train.Config(**TINY)
    model, _, _ = gpt2_train.build_ember(cfg, "bf16-pure")
    _randomize(model, rng)
    assert all(v.dtype == mx.bfloat16 for _, v in tree_flatten(model.parameters()))
    x, y = _batch(rng, cfg)
    ref = _np_forward(_params64(model), x, cfg.layers, cfg.heads)
    logits = model(mx.array(x))
    assert logits.dtype == mx.bfloat16
    err = np.abs(np.array(logits.astype(mx.float32)) - ref).max()
    assert err < 0.08 * np.abs(ref).max(), err


def test_mixed_bf16_gradients_are_float32(rng):
    cfg = gpt2_train.Config(**TINY)
    model, _, _ = gpt2_train.build_ember(cfg, "bf16")
    x, y = _batch(rng, cfg)
    loss, grads = nn.value_and_grad(model, model.loss)(mx.array(x), mx.array(y))
    flat = dict(tree_flatten(grads))
    assert set(flat) == {k for k, _ in tree_flatten(model.parameters())}
    assert all(g.dtype == mx.float32 for g in flat.values())
    assert all(np.isfinite(np.array(g)).all() for g in flat.values())


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("precision", ["f32", "bf16", "bf16-pure"])
def test_training_loss_decreases_on_fixed_batch(rng, precision, compiled):
    cfg = gpt2_train.Config(**TINY)
    mx.random.seed(1)
    model, optimizer, step = gpt2_train.build_ember(
        cfg, precision, lr=1e-2, weight_decay=0.0, compile_step=compiled
    )
    x, y = (mx.array(a) for a in _batch(rng, cfg))
    before = _params64(model)
    losses = [step(x, y).item() for _ in range(6)]
    assert losses[0] == pytest.approx(math.log(cfg.vocab), rel=0.05)  # near-uniform start
    assert losses[-1] < losses[0] - 0.5, losses
    if precision != "bf16-pure":
        # Every step helps in f32 master weights; with bf16 weights and a bf16
        # loss (steps of 1/64 near 3) Adam at this rate can bounce by a few ulps.
        assert all(b < a + 1e-3 for a, b in zip(losses, losses[1:])), losses
    # step evaluated the parameters and the optimizer state; everything moved.
    after = _params64(model)
    assert all(not np.array_equal(before[k], after[k]) for k in before)
    assert int(np.array(optimizer.state["step"])) == 6


def test_main_tiny_cpu_writes_table(tmp_path):
    out = tmp_path / "gpt2.md"
    argv = "--device cpu --layers 2 --d 64 --heads 4 --vocab 128 --seq 16 --batch 2 "
    argv += f"--steps 2 --warmup 1 --only ember --out {out}"
    results = gpt2_train.main(argv.split())
    text = out.read_text()
    for prec in ("f32", "bf16", "bf16-pure"):
        r = results[("ember", prec)]
        assert "error" not in r, r
        assert r["tps"] > 0 and np.isfinite(r["loss"])
        assert f"| {prec} | " in text
    assert "ember tokens/s" in text and "CPU" in text
    assert ("torch", "f32") not in results


def test_forward_matches_torch(rng):
    torch = pytest.importorskip("torch")
    cfg = gpt2_train.Config(**TINY)
    model, _, _ = gpt2_train.build_ember(cfg, "f32")
    _randomize(model, rng)
    tmodel, _, tstep = gpt2_train.build_torch(torch, cfg, "f32", "cpu")
    gpt2_train.copy_ember_to_torch(torch, model, tmodel)
    x, y = _batch(rng, cfg)
    with torch.no_grad():
        tl = tmodel(torch.from_numpy(x).long()).double().numpy()
    np.testing.assert_allclose(np.array(model(mx.array(x))), tl, rtol=1e-4, atol=1e-4)
    # One training step of each from the same weights gives the same loss.
    el = model.loss(mx.array(x), mx.array(y)).item()
    tloss = tstep(torch.from_numpy(x).long(), torch.from_numpy(y).long()).item()
    assert abs(el - tloss) < 1e-4
