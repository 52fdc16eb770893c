"""ember.optimizers: first steps of every optimizer against NumPy float64 formulas,
state trees and checkpoints, schedules, clipping, MultiOptimizer, and training."""

import math

import numpy as np
import pytest

import ember.core as mx
import ember.nn as nn
import ember.optimizers as optim
from ember.utils import tree_flatten, tree_map, tree_unflatten

# ---------------------------------------------------------------- helpers

SHAPES = {
    "w": (3, 4),
    "b": (4,),
    "layers": [{"k": (2, 3, 2)}, {"s": ()}],
    "pair": ((5, 2), (3,)),
}


def _is_shape(x):
    return isinstance(x, tuple) and all(isinstance(i, int) for i in x)


def random_tree(rng, scale=1.0):
    return tree_map(lambda s: rng.standard_normal(s) * scale, SHAPES, is_leaf=_is_shape)


def to_ember(tree, dtype=mx.float32):
    return tree_map(lambda x: mx.array(np.asarray(x, dtype=np.float32)).astype(dtype), tree)


def to_numpy(tree):
    return tree_map(lambda a: np.array(a.astype(mx.float32), dtype=np.float64), tree)


def non_contiguous(grads):
    # The 2-D gradient arrives as a transposed view.
    grads = dict(grads)
    grads["w"] = mx.array(np.ascontiguousarray(np.asarray(grads["w"]).T)).T
    return grads


def assert_tree_close(actual, expected, rtol=1e-5, atol=1e-6):
    fa = tree_flatten(actual, destination={})
    fe = tree_flatten(expected, destination={})
    assert sorted(fa) == sorted(fe)
    for k, a in fa.items():
        e = fe[k]
        if isinstance(a, mx.array):
            a = np.array(a.astype(mx.float32), dtype=np.float64)
        assert a.shape == np.shape(e), k
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=k)


def run_reference(ref_step, params, grads_seq, make_state):
    """Applies ref_step(g, p, state, t) leaf by leaf in float64."""
    flat_p = dict(tree_flatten(params))
    states = {k: make_state(v) for k, v in flat_p.items()}
    out = []
    for t, grads in enumerate(grads_seq, start=1):
        for k, g in tree_flatten(grads):
            flat_p[k] = ref_step(np.asarray(g, np.float64), flat_p[k], states[k], t)
        out.append(tree_unflatten(dict(flat_p)))
    return out


def run_ember(opt, params, grads_seq, non_contig=True):
    p = to_ember(params)
    out = []
    for g in grads_seq:
        g = to_ember(g)
        if non_contig:
            g = non_contiguous(g)
        p = opt.apply_gradients(g, p)
        mx.eval(p, opt.state)
        out.append(p)
    return out


# ---------------------------------------------------------------- NumPy references


def zeros_state(*names):
    return lambda p: {n: np.zeros_like(p) for n in names}


def ref_sgd(lr, momentum=0.0, weight_decay=0.0, dampening=0.0, nesterov=False):
    def step(g, p, s, t):
        g = g + weight_decay * p
        if momentum <= 0:
            return p - lr * g
        s["v"] = momentum * s["v"] + (1 - dampening) * g
        upd = g + momentum * s["v"] if nesterov else s["v"]
        return p - lr * upd

    return step, zeros_state("v")


def ref_rmsprop(lr, alpha=0.99, eps=1e-8):
    def step(g, p, s, t):
        s["v"] = alpha * s["v"] + (1 - alpha) * g * g
        return p - lr * g / (np.sqrt(s["v"]) + eps)

    return step, zeros_state("v")


def ref_adagrad(lr, eps=1e-8):
    def step(g, p, s, t):
        s["v"] = s["v"] + g * g
        return p - lr * g / (np.sqrt(s["v"]) + eps)

    return step, zeros_state("v")


def ref_adadelta(lr, rho=0.9, eps=1e-6):
    def step(g, p, s, t):
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        d = np.sqrt(s["u"] + eps) / np.sqrt(s["v"] + eps) * g
        s["u"] = rho * s["u"] + (1 - rho) * d * d
        return p - lr * d

    return step, zeros_state("v", "u")


def ref_adam(lr, betas=(0.9, 0.999), eps=1e-8, bias_correction=False, weight_decay=0.0):
    b1, b2 = betas

    def step(g, p, s, t):
        p = p * (1 - lr * weight_decay)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        if bias_correction:
            mhat = s["m"] / (1 - b1**t)
            vhat = s["v"] / (1 - b2**t)
            return p - lr * mhat / (np.sqrt(vhat) + eps)
        return p - lr * s["m"] / (np.sqrt(s["v"]) + eps)

    return step, zeros_state("m", "v")


def ref_adamax(lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas

    def step(g, p, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = np.maximum(b2 * s["v"], np.abs(g))
        return p - lr * s["m"] / (s["v"] + eps)

    return step, zeros_state("m", "v")


def ref_lion(lr, betas=(0.9, 0.99), weight_decay=0.0):
    b1, b2 = betas

    def step(g, p, s, t):
        c = b1 * s["m"] + (1 - b1) * g
        s["m"] = b2 * s["m"] + (1 - b2) * g
        if weight_decay > 0:
            p = p * (1 - lr * weight_decay)
        return p - lr * np.sign(c)

    return step, zeros_state("m")


def ref_adafactor(lr=None, eps=(1e-30, 1e-3), clip_threshold=1.0, decay_rate=-0.8,
                  beta_1=None, weight_decay=0.0, scale_parameter=True,
                  relative_step=True, warmup_init=False):
    def rms(x):
        return np.sqrt(np.mean(x * x))

    def make_state(p):
        s = {}
        if p.ndim >= 2:
            s["row"] = np.zeros(p.shape[:-1])
            s["col"] = np.zeros(p.shape[:-2] + p.shape[-1:])
        else:
            s["v"] = np.zeros_like(p)
        s["m"] = np.zeros_like(p)
        return s

    def step(g, p, s, t):
        if relative_step:
            rel = min(1e-6 * t if warmup_init else 1e-2, 1 / math.sqrt(t))
        else:
            rel = lr
        step_size = max(eps[1], rms(p)) * rel if scale_parameter else rel
        beta2 = 1 - t**decay_rate
        sq = g * g + eps[0]
        if g.ndim >= 2:
            s["row"] = beta2 * s["row"] + (1 - beta2) * sq.mean(-1)
            s["col"] = beta2 * s["col"] + (1 - beta2) * sq.mean(-2)
            vhat = (s["row"][..., :, None] * s["col"][..., None, :]
                    / s["row"].mean(-1)[..., None, None])
        else:
            s["v"] = beta2 * s["v"] + (1 - beta2) * sq
            vhat = s["v"]
        u = g / np.sqrt(vhat)
        u = u / max(1.0, rms(u) / clip_threshold)
        u = step_size * u
        if beta_1 is not None:
            s["m"] = beta_1 * s["m"] + (1 - beta_1) * u
            u = s["m"]
        if weight_decay != 0:
            p = p - weight_decay * step_size * p
        return p - u

    return step, make_state


def newton_schulz(x, steps):
    a, b, c = 3.4445, -4.7750, 2.0315
    tr = x.shape[0] > x.shape[1]
    if tr:
        x = x.T
    x = x / (np.sqrt(np.sum(x * x)) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tr else x


def to_bfloat16(x):
    """Rounds float64 values to the nearest bfloat16 (ties to even), kept as float64."""
    u = np.asarray(x, np.float64).astype(np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32).astype(np.float64)


def newton_schulz_bf16(x, steps):
    """newton_schulz with every intermediate (and coefficient) rounded to bfloat16."""
    bf = to_bfloat16
    a, b, c = (bf(v) for v in (3.4445, -4.7750, 2.0315))
    x = bf(x)
    tr = x.shape[0] > x.shape[1]
    if tr:
        x = x.T
    x = bf(x / bf(bf(np.sqrt(bf(np.sum(bf(x * x))))) + bf(1e-7)))
    for _ in range(steps):
        gram = bf(x @ x.T)
        x = bf(bf(a * x) + bf(bf(bf(b * gram) + bf(c * bf(gram @ gram))) @ x))
    return x.T if tr else x


def ref_muon(lr, momentum=0.95, weight_decay=0.01, nesterov=True, ns_steps=5, ns=newton_schulz):
    def step(g, p, s, t):
        g = g + weight_decay * p
        s["v"] = momentum * s["v"] + (1 - momentum) * g
        u = g * (1 - momentum) + momentum * s["v"] if nesterov else s["v"]
        scale = 1.0
        if u.ndim >= 2:
            m = u.reshape(u.shape[0], -1)
            scale = math.sqrt(max(1.0, m.shape[0] / m.shape[1]))
            u = ns(m, ns_steps).reshape(u.shape)
        return p - lr * scale * u

    return step, zeros_state("v")


# (id, ember factory, (reference step, reference state))
CASES = [
    ("sgd", lambda: optim.SGD(0.1), ref_sgd(0.1)),
    ("sgd_wd", lambda: optim.SGD(0.1, weight_decay=0.05), ref_sgd(0.1, weight_decay=0.05)),
    ("sgd_momentum", lambda: optim.SGD(0.1, momentum=0.9), ref_sgd(0.1, momentum=0.9)),
    ("sgd_dampening", lambda: optim.SGD(0.1, momentum=0.9, dampening=0.3, weight_decay=0.01),
     ref_sgd(0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("sgd_nesterov", lambda: optim.SGD(0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
     ref_sgd(0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("rmsprop", lambda: optim.RMSprop(0.01), ref_rmsprop(0.01)),
    ("rmsprop_alpha", lambda: optim.RMSprop(0.02, alpha=0.5, eps=1e-3),
     ref_rmsprop(0.02, alpha=0.5, eps=1e-3)),
    ("adagrad", lambda: optim.Adagrad(0.1), ref_adagrad(0.1)),
    ("adadelta", lambda: optim.AdaDelta(1.0), ref_adadelta(1.0)),
    ("adadelta_rho", lambda: optim.AdaDelta(0.5, rho=0.5, eps=1e-3),
     ref_adadelta(0.5, rho=0.5, eps=1e-3)),
    ("adam", lambda: optim.Adam(0.01), ref_adam(0.01)),
    ("adam_bias_correction", lambda: optim.Adam(0.01, betas=[0.8, 0.9], bias_correction=True),
     ref_adam(0.01, betas=(0.8, 0.9), bias_correction=True)),
    ("adamw", lambda: optim.AdamW(0.01), ref_adam(0.01, weight_decay=0.01)),
    ("adamw_bias_correction",
     lambda: optim.AdamW(0.02, weight_decay=0.1, bias_correction=True),
     ref_adam(0.02, weight_decay=0.1, bias_correction=True)),
    ("adamax", lambda: optim.Adamax(0.01), ref_adamax(0.01)),
    ("adamax_betas", lambda: optim.Adamax(0.05, betas=[0.5, 0.7], eps=1e-3),
     ref_adamax(0.05, betas=(0.5, 0.7), eps=1e-3)),
    ("lion", lambda: optim.Lion(0.01), ref_lion(0.01)),
    ("lion_wd", lambda: optim.Lion(0.01, betas=[0.5, 0.8], weight_decay=0.1),
     ref_lion(0.01, betas=(0.5, 0.8), weight_decay=0.1)),
    ("adafactor", lambda: optim.Adafactor(), ref_adafactor()),
    ("adafactor_options",
     lambda: optim.Adafactor(learning_rate=0.05, relative_step=False, beta_1=0.9,
                             weight_decay=0.1, clip_threshold=0.5),
     ref_adafactor(lr=0.05, relative_step=False, beta_1=0.9, weight_decay=0.1,
                   clip_threshold=0.5)),
    ("adafactor_warmup_unscaled",
     lambda: optim.Adafactor(warmup_init=True, scale_parameter=False, decay_rate=-0.5),
     ref_adafactor(warmup_init=True, scale_parameter=False, decay_rate=-0.5)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_optimizer_first_steps(name, make, ref):
    rng = np.random.default_rng(hash(name) % 2**32)
    params = random_tree(rng)
    grads_seq = [random_tree(rng) for _ in range(3)]
    ref_step, make_state = ref
    # Parameters pass through float32 in ember; start the reference from the same values.
    params = to_numpy(to_ember(params))
    grads_seq = [to_numpy(to_ember(g)) for g in grads_seq]
    expected = run_reference(ref_step, params, grads_seq, make_state)
    actual = run_ember(make(), params, grads_seq)
    for a, e in zip(actual, expected):
        assert isinstance(a["pair"], tuple)
        assert_tree_close(a, e, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("nesterov", [True, False])
def test_muon_first_steps(nesterov):
    rng = np.random.default_rng(7 + nesterov)
    params = to_numpy(to_ember(random_tree(rng)))
    grads_seq = [to_numpy(to_ember(random_tree(rng))) for _ in range(3)]
    opt = optim.Muon(0.1, momentum=0.9, weight_decay=0.05, nesterov=nesterov)
    actual = run_ember(opt, params, grads_seq)
    # Matrices are orthogonalized in bfloat16 (as MLX does): the reference rounds
    # each Newton-Schulz intermediate to bfloat16 too; allow ~2 bfloat16 ulps per step.
    ref_step, make_state = ref_muon(0.1, momentum=0.9, weight_decay=0.05, nesterov=nesterov,
                                    ns=newton_schulz_bf16)
    expected = run_reference(ref_step, params, grads_seq, make_state)
    for t, (a, e) in enumerate(zip(actual, expected), start=1):
        assert_tree_close(a, e, rtol=1e-5, atol=t * 0.1 * 2 * 2.0**-8)
    # The float64 algorithm differs from the bfloat16 one by bfloat16 error only.
    ref_step, make_state = ref_muon(0.1, momentum=0.9, weight_decay=0.05, nesterov=nesterov)
    expected = run_reference(ref_step, params, grads_seq, make_state)
    assert_tree_close(actual[0], expected[0], rtol=0, atol=0.1 * 0.15)


def test_muon_orthogonalizes_matrix_updates():
    # With zero momentum and decay, one step's update is NS(g): its singular values are near 1.
    rng = np.random.default_rng(3)
    g = rng.standard_normal((6, 4))
    opt = optim.Muon(1.0, momentum=0.0, weight_decay=0.0, nesterov=False)
    p = opt.apply_gradients({"w": mx.array(g.astype(np.float32))}, {"w": mx.zeros((6, 4))})
    upd = -np.array(p["w"], dtype=np.float64) / math.sqrt(6 / 4)
    sv = np.linalg.svd(upd, compute_uv=False)
    assert np.all(sv > 0.5) and np.all(sv < 1.3), sv
    np.testing.assert_allclose(upd, newton_schulz_bf16(g.astype(np.float32), 5), atol=1e-6)


def test_half_precision_parameters_keep_dtype():
    for make in (lambda: optim.SGD(0.1, momentum=0.9), lambda: optim.Adam(1e-2),
                 lambda: optim.AdamW(1e-2), lambda: optim.Lion(1e-2),
                 lambda: optim.Adafactor(), lambda: optim.Muon(1e-2)):
        for dtype in (mx.float16, mx.bfloat16):
            opt = make()
            params = {"w": mx.ones((3, 2), dtype=dtype), "b": mx.ones((2,), dtype=dtype)}
            grads = tree_map(lambda p: p * 0.5, params)
            new = opt.apply_gradients(grads, params)
            mx.eval(new, opt.state)
            assert new["w"].dtype == dtype and new["b"].dtype == dtype, type(opt).__name__
            assert np.all(np.isfinite(np.array(new["w"].astype(mx.float32))))


# ---------------------------------------------------------------- state


def test_state_layout():
    opt = optim.Adam(learning_rate=1e-3, betas=[0.8, 0.9])
    assert opt.step.dtype == mx.uint64 and opt.step.item() == 0
    assert opt.learning_rate.ndim == 0
    np.testing.assert_allclose(opt.learning_rate.item(), 1e-3, rtol=1e-6)
    assert set(opt.state) == {"step", "learning_rate"}  # betas/eps are not state
    params = {"a": mx.zeros((2,)), "l": [mx.zeros((3,)), {"x": mx.zeros((1, 2))}],
              "t": (mx.zeros(()),)}
    opt.init(params)
    assert set(opt.state["a"]) == {"m", "v"}
    assert opt.state["l"][1]["x"]["m"].shape == (1, 2)
    assert isinstance(opt.state["t"], list) and opt.state["t"][0]["v"].shape == ()
    mx.eval(opt.state)
    opt.apply_gradients(params, params)
    assert opt.step.item() == 1 and opt.step.dtype == mx.uint64
    # learning_rate setter stores an array
    opt.learning_rate = 0.5
    assert isinstance(opt.learning_rate, mx.array) and opt.learning_rate.item() == 0.5
    assert set(optim.SGD(0.1).state) == {"step", "learning_rate"}
    assert "learning_rate" not in optim.Adafactor().state
    assert "learning_rate" in optim.Adafactor(learning_rate=0.1, relative_step=False).state


def test_init_fills_only_missing_entries():
    opt = optim.SGD(0.1, momentum=0.9)
    marker = mx.full((2,), 7.0)
    opt.state = {"step": mx.array(4, dtype=mx.uint64), "learning_rate": mx.array(0.1),
                 "a": {"v": marker}}
    opt.init({"a": mx.zeros((2,)), "b": mx.zeros((3,))})
    assert opt.state["a"]["v"] is marker
    assert opt.state["b"]["v"].shape == (3,)
    assert opt.step.item() == 4


def test_state_round_trip_continues_identically():
    rng = np.random.default_rng(11)
    params = to_numpy(to_ember(random_tree(rng)))
    grads = [to_numpy(to_ember(random_tree(rng))) for _ in range(4)]
    makers = [
        lambda: optim.Adam(optim.cosine_decay(1e-2, 10), bias_correction=True),
        lambda: optim.SGD(0.1, momentum=0.9, nesterov=True),
        lambda: optim.Adafactor(beta_1=0.9),
        lambda: optim.Muon(0.05),
        lambda: optim.MultiOptimizer([optim.Lion(1e-2), optim.AdaDelta(1.0)],
                                     [lambda path, g: g.ndim >= 2]),
    ]
    for make in makers:
        ref_opt = make()
        ref = run_ember(ref_opt, params, grads, non_contig=False)[-1]

        opt = make()
        p = run_ember(opt, params, grads[:2], non_contig=False)[-1]
        # Checkpoint: flatten, copy out through NumPy (as a file would), restore.
        flat = tree_flatten(opt.state, destination={})
        saved = {k: (np.array(v), v.dtype) for k, v in flat.items()}
        restored = make()
        restored.state = tree_unflatten(
            {k: mx.array(a).astype(dt) for k, (a, dt) in saved.items()})
        assert restored.step.dtype == mx.uint64 and restored.step.item() == 2
        for g in grads[2:]:
            p = restored.apply_gradients(to_ember(g), p)
            mx.eval(p, restored.state)
        for (k, a), (_, b) in zip(tree_flatten(p), tree_flatten(ref)):
            np.testing.assert_array_equal(np.array(a), np.array(b), err_msg=k)


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_state_checkpoint_file_round_trip(tmp_path, fmt):
    rng = np.random.default_rng(12)
    params = to_numpy(to_ember(random_tree(rng)))
    grads = [to_numpy(to_ember(random_tree(rng))) for _ in range(4)]

    def make():
        return optim.AdamW(optim.exponential_decay(1e-2, 0.9), bias_correction=True)

    ref = run_ember(make(), params, grads, non_contig=False)[-1]
    opt = make()
    p = run_ember(opt, params, grads[:2], non_contig=False)[-1]
    path = str(tmp_path / f"opt.{fmt}")
    flat = tree_flatten(opt.state, destination={})
    if fmt == "safetensors":
        mx.save_safetensors(path, flat)
    else:
        mx.savez(path, **flat)
    restored = make()
    restored.state = tree_unflatten(mx.load(path))
    assert restored.step.dtype == mx.uint64 and restored.step.item() == 2
    for g in grads[2:]:
        p = restored.apply_gradients(to_ember(g), p)
        mx.eval(p, restored.state)
    for (k, a), (_, b) in zip(tree_flatten(p), tree_flatten(ref)):
        np.testing.assert_array_equal(np.array(a), np.array(b), err_msg=k)


def test_state_setter_rejects_non_dict():
    with pytest.raises(TypeError):
        optim.SGD(0.1).state = [1, 2]


# ---------------------------------------------------------------- schedules


def test_schedules_closed_forms():
    cases = [
        (optim.exponential_decay(0.1, 0.9), lambda s: 0.1 * 0.9**s),
        (optim.step_decay(0.1, 0.5, 3), lambda s: 0.1 * 0.5 ** (s // 3)),
        (optim.cosine_decay(0.1, 10),
         lambda s: 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) * 0.1),
        (optim.cosine_decay(0.1, 10, end=0.02),
         lambda s: 0.02 + 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) * 0.08),
        (optim.linear_schedule(0.0, 0.1, 5), lambda s: min(s, 5) * 0.1 / 5),
        (optim.linear_schedule(1.0, 0.5, 4), lambda s: 1.0 + min(s, 4) * (-0.5) / 4),
    ]
    for fn, ref in cases:
        for s in [0, 1, 2, 3, 5, 7, 10, 14]:
            for step in (s, mx.array(s, dtype=mx.uint64)):
                v = fn(step)
                v = v.item() if isinstance(v, mx.array) else v
                np.testing.assert_allclose(v, ref(s), rtol=1e-5, atol=1e-8)
    assert optim.cosine_decay(0.1, 10)(mx.array(3, dtype=mx.uint64)).dtype == mx.float32
    assert optim.exponential_decay(0.1, 0.9)(mx.array(3, dtype=mx.uint64)).dtype == mx.float32


def test_join_schedules():
    warm = optim.linear_schedule(0.0, 0.1, 4)
    cos = optim.cosine_decay(0.1, 8)
    decay = optim.exponential_decay(0.05, 0.5)
    fn = optim.join_schedules([warm, cos, decay], [4, 12])

    def ref(s):
        if s < 4:
            return min(s, 4) * 0.1 / 4
        if s < 12:
            return 0.05 * (1 + math.cos(math.pi * min(s - 4, 8) / 8))
        return 0.05 * 0.5 ** (s - 12)

    for s in range(18):
        for step in (s, mx.array(s, dtype=mx.uint64)):
            np.testing.assert_allclose(fn(step).item(), ref(s), rtol=1e-5, atol=1e-8)
    single = optim.join_schedules([cos], [])
    np.testing.assert_allclose(single(2).item(), cos(2).item())


def test_schedule_errors():
    with pytest.raises(ValueError):
        optim.step_decay(0.1, 0.9, 0)
    with pytest.raises(ValueError):
        optim.cosine_decay(0.1, 0)
    with pytest.raises(ValueError):
        optim.linear_schedule(0.0, 1.0, 0)
    with pytest.raises(ValueError):
        optim.join_schedules([], [])
    with pytest.raises(ValueError):
        optim.join_schedules([optim.exponential_decay(1.0, 0.9)], [3])


def test_schedule_as_learning_rate():
    sched = optim.step_decay(0.2, 0.5, 2)
    opt = optim.SGD(learning_rate=sched, momentum=0.5)
    np.testing.assert_allclose(opt.learning_rate.item(), 0.2)
    p = {"w": mx.array([1.0, -2.0])}
    g = {"w": mx.array([0.5, 1.0])}
    ref_p = np.array([1.0, -2.0])
    v = np.zeros(2)
    for s in range(6):
        p = opt.apply_gradients(g, p)
        mx.eval(p, opt.state)
        lr = 0.2 * 0.5 ** (s // 2)  # the update at step s uses schedule(s)
        v = 0.5 * v + np.array([0.5, 1.0])
        ref_p = ref_p - lr * v
        np.testing.assert_allclose(opt.learning_rate.item(), lr, rtol=1e-6)
        np.testing.assert_allclose(np.array(p["w"]), ref_p, rtol=1e-5)
        assert opt.step.item() == s + 1
    # A user schedule returning Python floats still becomes an array in the state.
    opt = optim.Adam(learning_rate=lambda step: 0.01)
    assert isinstance(opt.learning_rate, mx.array)
    opt.apply_gradients(g, p)
    assert isinstance(opt.learning_rate, mx.array)


# ---------------------------------------------------------------- clip_grad_norm


def test_clip_grad_norm():
    rng = np.random.default_rng(5)
    grads = random_tree(rng)
    total = math.sqrt(sum(float(np.sum(np.square(v))) for _, v in tree_flatten(grads)))
    for max_norm in (0.5 * total, 2.0 * total, 0.0):
        clipped, norm = optim.clip_grad_norm(to_ember(grads), max_norm)
        np.testing.assert_allclose(norm.item(), total, rtol=1e-5)
        scale = min(max_norm / (total + 1e-6), 1.0)
        assert_tree_close(clipped, tree_map(lambda g: g * scale, grads), rtol=1e-5, atol=1e-7)
        assert isinstance(clipped["pair"], tuple)
    half = {"a": mx.full((4,), 300.0, dtype=mx.float16)}  # squares overflow float16
    clipped, norm = optim.clip_grad_norm(half, 1.0)
    np.testing.assert_allclose(norm.item(), 600.0, rtol=1e-3)
    assert clipped["a"].dtype == mx.float16
    np.testing.assert_allclose(np.array(clipped["a"].astype(mx.float32)), 0.5, rtol=1e-3)
    with pytest.raises(ValueError):
        optim.clip_grad_norm(half, -1.0)


# ---------------------------------------------------------------- MultiOptimizer


def test_multi_optimizer_routing():
    rng = np.random.default_rng(9)
    params = to_numpy(to_ember(random_tree(rng)))
    grads_seq = [to_numpy(to_ember(random_tree(rng))) for _ in range(3)]
    is_matrix = lambda path, g: g.ndim >= 2  # noqa: E731
    is_bias = lambda path, g: path.endswith("b") or path.startswith("pair.1")  # noqa: E731
    opt = optim.MultiOptimizer([optim.Adam(0.01), optim.SGD(0.1, momentum=0.9),
                                optim.Lion(0.02)], [is_matrix, is_bias])
    actual = run_ember(opt, params, grads_seq)

    steps = {"adam": ref_adam(0.01), "sgd": ref_sgd(0.1, momentum=0.9), "lion": ref_lion(0.02)}
    flat_p = dict(tree_flatten(params))
    route = {k: "adam" if v.ndim >= 2 else "sgd" if (k.endswith("b") or k.startswith("pair.1"))
             else "lion" for k, v in flat_p.items()}
    assert route["layers.1.s"] == "lion" and route["b"] == "sgd" and route["w"] == "adam"
    states = {k: steps[route[k]][1](v) for k, v in flat_p.items()}
    for t, (grads, a) in enumerate(zip(grads_seq, actual), start=1):
        for k, g in tree_flatten(grads):
            flat_p[k] = steps[route[k]][0](g, flat_p[k], states[k], t)
        assert_tree_close(a, tree_unflatten(dict(flat_p)), rtol=2e-5, atol=2e-6)

    st = opt.state
    assert set(st) == {"states"} and len(st["states"]) == 3
    assert "w" in st["states"][0] and "w" not in st["states"][1]
    assert st["states"][1]["b"]["v"].shape == (4,)
    assert opt.step.item() == 3
    opt.learning_rate = 0.25
    assert all(o.learning_rate.item() == 0.25 for o in opt.optimizers)
    assert opt.learning_rate.item() == 0.25
    mx.eval(opt.state)


def test_multi_optimizer_errors():
    with pytest.raises(ValueError):
        optim.MultiOptimizer([optim.SGD(0.1), optim.SGD(0.1)], [])
    with pytest.raises(ValueError):
        optim.MultiOptimizer([optim.SGD(0.1)], [lambda p, g: True])
    opt = optim.MultiOptimizer([optim.SGD(0.1), optim.SGD(0.1)], [lambda p, g: True])
    with pytest.raises(ValueError):
        opt.state = {"states": [{}]}
    with pytest.raises(ValueError):
        opt.state = {"wrong": []}


# ---------------------------------------------------------------- argument checks


def test_constructor_errors():
    with pytest.raises(ValueError):
        optim.SGD(0.1, nesterov=True)
    with pytest.raises(ValueError):
        optim.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError):
        optim.Adam(0.1, betas=[1.0, 0.9])
    with pytest.raises(ValueError):
        optim.AdamW(0.1, betas=[0.9, -0.1])
    with pytest.raises(ValueError):
        optim.Adam(0.1, eps=-1.0)
    with pytest.raises(ValueError):
        optim.RMSprop(0.1, alpha=-0.5)
    with pytest.raises(ValueError):
        optim.Adagrad(0.1, eps=-1e-8)
    with pytest.raises(ValueError):
        optim.AdaDelta(0.1, rho=-0.1)
    with pytest.raises(ValueError):
        optim.Lion(0.1, betas=[1.5, 0.9])
    with pytest.raises(ValueError):
        optim.Adafactor(relative_step=False)
    with pytest.raises(ValueError):
        optim.Muon(0.1, ns_steps=-1)


def test_gradients_drive_traversal():
    opt = optim.SGD(1.0)
    params = {"a": mx.array([1.0]), "b": mx.array([2.0])}
    out = opt.apply_gradients({"a": mx.array([1.0])}, params)
    assert set(out) == {"a"} and out["a"].item() == 0.0


# ---------------------------------------------------------------- training


def _regression_data(n=256):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(n, 3)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2] * x[:, 2:3]).astype(np.float32)
    return mx.array(x), mx.array(y)


def test_train_mlp_plain_tree():
    x, y = _regression_data()
    rng = np.random.default_rng(1)
    params = {
        "l1": {"w": mx.array((rng.standard_normal((3, 32)) / math.sqrt(3)).astype(np.float32)),
               "b": mx.zeros((32,))},
        "l2": {"w": mx.array((rng.standard_normal((32, 1)) / math.sqrt(32)).astype(np.float32)),
               "b": mx.zeros((1,))},
    }

    def loss_fn(p):
        h = mx.tanh(x @ p["l1"]["w"] + p["l1"]["b"])
        return mx.mean(mx.square(h @ p["l2"]["w"] + p["l2"]["b"] - y))

    opt = optim.Adam(optim.join_schedules(
        [optim.linear_schedule(1e-3, 2e-2, 20), optim.cosine_decay(2e-2, 280, 1e-3)], [20]))
    vg = mx.value_and_grad(loss_fn)
    first = None
    for _ in range(300):
        loss, grads = vg(params)
        grads, _ = optim.clip_grad_norm(grads, 5.0)
        params = opt.apply_gradients(grads, params)
        mx.eval(params, opt.state)
        first = loss.item() if first is None else first
    final = loss_fn(params).item()
    assert final < 0.02 and final < 0.05 * first, (first, final)


def test_train_mlp_nn_module():
    x, y = _regression_data()
    mx.random.seed(0)
    model = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 1))

    def loss_fn(m, xb, yb):
        return mx.mean(mx.square(m(xb) - yb))

    vg = nn.value_and_grad(model, loss_fn)
    opt = optim.AdamW(1e-2, weight_decay=1e-4)
    opt.init(model.trainable_parameters())
    first = None
    for _ in range(300):
        loss, grads = vg(model, x, y)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state)
        first = loss.item() if first is None else first
    final = loss_fn(model, x, y).item()
    assert final < 0.02 and final < 0.05 * first, (first, final)

    # Frozen parameters get no gradient and stay untouched.
    model.layers[0].freeze()
    before = np.array(model.layers[0].weight)
    loss, grads = vg(model, x, y)
    opt.update(model, grads)
    mx.eval(model.parameters(), opt.state)
    np.testing.assert_array_equal(np.array(model.layers[0].weight), before)


def test_empty_parameters_and_empty_routes():
    for make in (lambda: optim.SGD(0.1, momentum=0.9), lambda: optim.Adam(1e-2),
                 lambda: optim.RMSprop(1e-2), lambda: optim.Lion(1e-2),
                 lambda: optim.Adamax(1e-2), lambda: optim.AdaDelta(1.0)):
        opt = make()
        params = {"e": mx.zeros((0,)), "m": mx.zeros((0, 3)), "x": mx.ones((2,))}
        new = opt.apply_gradients(tree_map(mx.ones_like, params), params)
        mx.eval(new, opt.state)
        assert new["e"].shape == (0,) and new["m"].shape == (0, 3)
    # A MultiOptimizer route that matches nothing leaves the other results intact.
    opt = optim.MultiOptimizer([optim.SGD(1.0), optim.SGD(0.5)], [lambda p, g: False])
    out = opt.apply_gradients({"a": [mx.array([1.0])]}, {"a": [mx.array([0.0])]})
    assert out["a"][0].item() == -0.5
