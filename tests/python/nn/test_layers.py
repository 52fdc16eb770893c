"""ember.nn layers against NumPy float64 references (forward, init, a few gradients)."""

import itertools
import math

import numpy as np
import pytest

import ember.core as mx
import ember.nn as nn
from ember.nn.layers.upsample import upsample_cubic, upsample_linear, upsample_nearest
from ember.utils import tree_flatten


def f32(a):
    return mx.array(np.asarray(a, dtype=np.float32))


def npy(a):
    return np.array(a, dtype=np.float64)


def close(got, want, rtol=1e-5, atol=1e-5):
    got = np.array(got)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol)


@pytest.fixture(autouse=True)
def _seed():
    mx.random.seed(7)


# --------------------------------------------------------------- gradients
def fd_check(model, forward_ref, x, rng, eps=1e-6, rtol=2e-3, atol=2e-4):
    """nn.value_and_grad of sum(model(x) * r) vs central differences of the float64 reference."""
    r = rng.standard_normal(np.array(model(x)).shape)
    rr = f32(r)
    loss, grads = nn.value_and_grad(model, lambda x: (model(x) * rr).sum())(x)
    params = {k: npy(v) for k, v in tree_flatten(model.parameters())}
    xn = npy(x)
    close(loss, (forward_ref(params, xn) * r).sum(), rtol=1e-4, atol=1e-4)
    for name, grad in tree_flatten(grads):
        want = np.zeros_like(params[name])
        for idx in np.ndindex(params[name].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            want[idx] = ((forward_ref(plus, xn) - forward_ref(minus, xn)) * r).sum() / (2 * eps)
        close(grad, want, rtol=rtol, atol=atol)


# ------------------------------------------------------- linear / basics
def test_linear_forward_and_init(rng):
    lin = nn.Linear(5, 3)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    big = nn.Linear(16, 256)
    w = npy(big.weight)
    assert np.all(np.abs(w) <= 1 / math.sqrt(16)) and w.max() > 0.2 and w.min() < -0.2
    assert np.all(np.abs(npy(big.bias)) <= 0.25)
    x = rng.standard_normal((2, 4, 5))
    close(lin(f32(x)), x @ npy(lin.weight).T + npy(lin.bias))
    nob = nn.Linear(5, 3, bias=False)
    assert "bias" not in nob and sorted(nob.parameters()) == ["weight"]
    close(nob(f32(x)), x @ npy(nob.weight).T)
    # transposed (non-contiguous) input
    xt = rng.standard_normal((5, 6))
    close(lin(f32(xt).T), xt.T @ npy(lin.weight).T + npy(lin.bias))
    assert repr(lin) == "Linear(input_dims=5, output_dims=3, bias=True)"


def test_linear_grad_finite_differences(rng):
    lin = nn.Linear(4, 3)
    x = f32(rng.standard_normal((5, 4)))
    fd_check(lin, lambda p, x: x @ p["weight"].T + p["bias"], x, rng)


def test_bilinear(rng):
    bl = nn.Bilinear(3, 4, 2)
    assert bl.weight.shape == (2, 4, 3) and bl.bias.shape == (2,)
    assert np.all(np.abs(npy(bl.weight)) <= 1 / math.sqrt(3))
    x1, x2 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    want = np.einsum("bni,kji,bnj->bnk", x1, npy(bl.weight), x2) + npy(bl.bias)
    close(bl(f32(x1), f32(x2)), want)
    with pytest.raises(ValueError, match="Bilinear"):
        bl(f32(x2), f32(x1))
    nob = nn.Bilinear(3, 4, 2, bias=False)
    close(nob(f32(x1), f32(x2)), np.einsum("bni,kji,bnj->bnk", x1, npy(nob.weight), x2))


def test_identity_and_sequential(rng):
    x = f32(rng.standard_normal((3, 2)))
    assert nn.Identity(1, 2, a=3)(x) is x
    seq = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), lambda t: t * 2)
    l0, l2 = seq.layers[0], seq.layers[2]
    h = np.maximum(npy(x) @ npy(l0.weight).T + npy(l0.bias), 0)
    close(seq(x), 2 * (h @ npy(l2.weight).T + npy(l2.bias)))
    assert nn.Sequential()(x) is x


def test_embedding(rng):
    emb = nn.Embedding(10, 4)
    assert emb.weight.shape == (10, 4)
    idx = np.array([[1, 9, 0], [3, 3, 2]])
    close(emb(mx.array(idx)), npy(emb.weight)[idx])
    x = rng.standard_normal((2, 4))
    close(emb.as_linear(f32(x)), x @ npy(emb.weight).T)
    big = nn.Embedding(2000, 64)
    std = npy(big.weight).std()
    assert abs(std - 1 / 8) < 0.01 and abs(npy(big.weight).mean()) < 0.01


# ------------------------------------------------------------- activations
def _erf(x):
    return np.vectorize(math.erf)(x)


def _softplus(x):
    return np.logaddexp(x, 0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = [
    (nn.relu, nn.ReLU, lambda x: np.maximum(x, 0)),
    (nn.relu2, nn.ReLU2, lambda x: np.maximum(x, 0) ** 2),
    (nn.relu6, nn.ReLU6, lambda x: np.clip(x, 0, 6)),
    (nn.leaky_relu, nn.LeakyReLU, lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.elu, nn.ELU, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    (nn.celu, nn.CELU, lambda x: np.maximum(x, 0) + np.exp(np.minimum(x, 0)) - 1),
    (nn.selu, nn.SELU, lambda x: 1.0507 * np.where(x > 0, x, 1.67326 * (np.exp(x) - 1))),
    (nn.silu, nn.SiLU, lambda x: x * _sigmoid(x)),
    (nn.sigmoid, nn.Sigmoid, _sigmoid),
    (nn.tanh, nn.Tanh, np.tanh),
    (nn.gelu, nn.GELU, lambda x: x * (1 + _erf(x / math.sqrt(2))) / 2),
    (nn.gelu_approx, None, lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.gelu_fast_approx, None, lambda x: x * _sigmoid(1.702 * x)),
    (nn.softplus, nn.Softplus, _softplus),
    (nn.log_sigmoid, nn.LogSigmoid, lambda x: np.log(_sigmoid(x))),
    (nn.softsign, nn.Softsign, lambda x: x / (1 + np.abs(x))),
    (nn.mish, nn.Mish, lambda x: x * np.tanh(_softplus(x))),
    (nn.softshrink, nn.Softshrink, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    (nn.hard_shrink, nn.HardShrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    (nn.hard_tanh, nn.HardTanh, lambda x: np.clip(x, -1, 1)),
    (nn.hardswish, nn.Hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    (nn.softmax, nn.Softmax, _softmax),
    (nn.softmin, nn.Softmin, lambda x: _softmax(-x)),
    (nn.log_softmax, nn.LogSoftmax, lambda x: np.log(_softmax(x))),
    (nn.glu, nn.GLU, lambda x: x[..., :3] * _sigmoid(x[..., 3:])),
]  # fmt: skip


@pytest.mark.parametrize("fn, cls, ref", ACTIVATIONS, ids=[a[0].__name__ for a in ACTIVATIONS])
def test_activation(fn, cls, ref, rng):
    x = rng.uniform(-4, 4, (3, 6))
    x[0, :3] = [-0.3, 0.2, 7.5]  # inside the shrink band, above relu6's cap
    close(fn(f32(x)), ref(x), rtol=1e-5, atol=2e-6)
    if cls is not None:
        close(cls()(f32(x)), ref(x), rtol=1e-5, atol=2e-6)
    # scalar and empty inputs
    if fn not in (nn.glu, nn.softmax, nn.softmin, nn.log_softmax):
        close(fn(f32(1.5)), ref(np.array(1.5)), atol=1e-6)
    if fn is not nn.glu:
        assert fn(mx.zeros((0, 4))).shape == (0, 4)


def test_activation_arguments(rng):
    x = rng.uniform(-3, 3, (4, 5))
    close(nn.leaky_relu(f32(x), 0.2), np.where(x > 0, x, 0.2 * x))
    close(nn.LeakyReLU(0.3)(f32(x)), np.where(x > 0, x, 0.3 * x))
    close(nn.elu(f32(x), 2.0), np.where(x > 0, x, 2 * (np.exp(x) - 1)))
    close(nn.celu(f32(x), 2.0), np.maximum(x, 0) + 2 * (np.exp(np.minimum(x, 0) / 2) - 1))
    close(nn.CELU(0.5)(f32(x)), np.maximum(x, 0) + 0.5 * (np.exp(np.minimum(x, 0) / 0.5) - 1))
    close(nn.softshrink(f32(x), 1.0), np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)))
    close(nn.hard_shrink(f32(x), 1.0), np.where(np.abs(x) > 1, x, 0))
    close(nn.hard_tanh(f32(x), -0.5, 2.0), np.clip(x, -0.5, 2.0))
    close(nn.softmax(f32(x), axis=0), _softmax(x, axis=0))
    close(nn.log_softmax(f32(x), axis=0), np.log(_softmax(x, axis=0)))
    close(nn.glu(f32(x[:2]), axis=0), x[:1] * _sigmoid(x[1:2]))
    s = nn.step(f32([-1.0, 0.0, 0.5, 2.0]), 0.5)
    assert s.tolist() == [0, 0, 1, 1] and mx.issubdtype(s.dtype, mx.integer)
    assert nn.Step(0.0)(f32([-1.0, 0.0])).tolist() == [0, 1]
    close(
        nn.GELU("precise")(f32(x)),
        0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    )
    close(
        nn.GELU("tanh")(f32(x)),
        0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    )
    close(nn.GELU("fast")(f32(x)), x * _sigmoid(1.702 * x))
    with pytest.raises(ValueError, match="approx"):
        nn.GELU("bad")
    with pytest.raises(ValueError, match="glu"):
        nn.glu(f32(np.ones((2, 3))))
    # PReLU: scalar and per-channel slopes
    p = nn.PReLU()
    assert p.weight.shape == (1,) and p.weight.tolist() == [0.25]
    close(p(f32(x)), np.where(x > 0, x, 0.25 * x))
    pc = nn.PReLU(5, init=0.1)
    pc.weight = f32(np.arange(5) / 10)
    close(pc(f32(x)), np.maximum(x, 0) + np.arange(5) / 10 * np.minimum(x, 0))
    close(nn.prelu(f32(x), f32([0.5])), np.where(x > 0, x, 0.5 * x))


def test_log_softmax_grad(rng):
    x = f32(rng.standard_normal((2, 5)))
    r = rng.standard_normal((2, 5))
    g = mx.grad(lambda x: (nn.log_softmax(x) * f32(r)).sum())(x)
    s = _softmax(npy(x))
    close(g, r - s * r.sum(-1, keepdims=True), atol=1e-5)


# ----------------------------------------------------------------- dropout
def test_dropout_train_and_eval():
    x = mx.ones((200, 50))
    d = nn.Dropout(0.25)
    y = npy(d(x))
    assert np.all((y == 0) | np.isclose(y, 1 / 0.75))
    assert abs((y == 0).mean() - 0.25) < 0.03
    d.eval()
    assert d(x) is x
    assert nn.Dropout(0.0)(x) is x
    for p in (-0.1, 1.0):
        with pytest.raises(ValueError, match="Dropout"):
            nn.Dropout(p)
    with pytest.raises(ValueError, match="Dropout2d"):
        nn.Dropout2d(1.5)


@pytest.mark.parametrize("cls, shape", [(nn.Dropout2d, (8, 3, 4, 16)), (nn.Dropout2d, (3, 4, 16)),
                                        (nn.Dropout3d, (8, 2, 3, 4, 16)), (nn.Dropout3d, (2, 3, 4, 16))])  # fmt: skip
def test_channel_dropout(cls, shape):
    d = cls(0.5)
    y = npy(d(mx.ones(shape)))
    spatial = tuple(range(y.ndim - 1 - (3 if cls is nn.Dropout3d else 2), y.ndim - 1))
    # each (sample, channel) is all zero or all 2
    assert np.all(y.min(axis=spatial) == y.max(axis=spatial))
    assert set(np.unique(y)).issubset({0.0, 2.0}) and 0 < (y == 0).mean() < 1
    d.eval()
    close(d(mx.ones(shape)), np.ones(shape))
    with pytest.raises(ValueError, match=cls.__name__):
        cls()(mx.ones((2, 2)))


# ----------------------------------------------------------- normalization
def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    return y * w + b if w is not None else y


def test_layer_norm(rng):
    ln = nn.LayerNorm(6)
    ln.weight = f32(rng.standard_normal(6))
    ln.bias = f32(rng.standard_normal(6))
    x = rng.standard_normal((2, 3, 6)) * 3 + 1
    close(ln(f32(x)), _layer_norm(x, npy(ln.weight), npy(ln.bias)), atol=1e-4)
    plain = nn.LayerNorm(6, affine=False)
    assert plain.parameters() == {}
    close(plain(f32(x)), _layer_norm(x, None, None), atol=1e-4)
    nob = nn.LayerNorm(6, bias=False, eps=1e-2)
    assert sorted(nob.parameters()) == ["weight"]
    close(nob(f32(x)), _layer_norm(x, np.ones(6), 0, eps=1e-2), atol=1e-4)
    with pytest.raises(ValueError, match="LayerNorm"):
        ln(mx.ones((2, 5)))


def test_layer_norm_grad_finite_differences(rng):
    ln = nn.LayerNorm(5)
    ln.weight = f32(rng.standard_normal(5))
    ln.bias = f32(rng.standard_normal(5))
    x = f32(rng.standard_normal((4, 5)))
    fd_check(ln, lambda p, x: _layer_norm(x, p["weight"], p["bias"]), x, rng)


def test_rms_norm(rng):
    rms = nn.RMSNorm(4, eps=1e-3)
    rms.weight = f32(rng.standard_normal(4))
    x = rng.standard_normal((3, 4))
    close(
        rms(f32(x)), x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-3) * npy(rms.weight), atol=1e-5
    )
    assert nn.RMSNorm(7).weight.tolist() == [1.0] * 7


@pytest.mark.parametrize("pytorch_compatible", [False, True])
def test_group_norm(pytorch_compatible, rng):
    gn = nn.GroupNorm(3, 6, pytorch_compatible=pytorch_compatible)
    assert gn.weight.tolist() == [1.0] * 6 and gn.bias.tolist() == [0.0] * 6
    gn.weight = f32(rng.standard_normal(6))
    gn.bias = f32(rng.standard_normal(6))
    x = rng.standard_normal((2, 4, 5, 6)) * 2
    want = np.empty_like(x)
    for c in range(6):
        group = c // 2 if pytorch_compatible else c % 3
        members = [d for d in range(6) if (d // 2 if pytorch_compatible else d % 3) == group]
        for b in range(2):
            vals = x[b][..., members]
            want[b, ..., c] = (x[b, ..., c] - vals.mean()) / np.sqrt(vals.var() + 1e-5)
    want = want * npy(gn.weight) + npy(gn.bias)
    close(gn(f32(x)), want, atol=1e-4)
    plain = nn.GroupNorm(3, 6, affine=False, pytorch_compatible=pytorch_compatible)
    assert plain.parameters() == {}
    close(plain(f32(x)), (want - npy(gn.bias)) / npy(gn.weight), atol=1e-3)
    with pytest.raises(ValueError, match="GroupNorm"):
        nn.GroupNorm(4, 6)


def test_instance_norm(rng):
    x = rng.standard_normal((2, 3, 4, 5)) + 2
    mu = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    want = (x - mu) / np.sqrt(var + 1e-5)
    inorm = nn.InstanceNorm(5)
    assert inorm.parameters() == {}
    close(inorm(f32(x)), want, atol=1e-4)
    aff = nn.InstanceNorm(5, affine=True)
    aff.weight = f32(np.arange(5))
    aff.bias = f32(np.ones(5))
    close(aff(f32(x)), want * np.arange(5) + 1, atol=1e-4)
    x3 = rng.standard_normal((2, 7, 5))
    close(
        inorm(f32(x3)),
        (x3 - x3.mean(1, keepdims=True)) / np.sqrt(x3.var(1, keepdims=True) + 1e-5),
        atol=1e-4,
    )
    with pytest.raises(ValueError, match="InstanceNorm"):
        inorm(mx.ones((2, 5)))


@pytest.mark.parametrize("shape", [(16, 3), (4, 5, 3), (2, 3, 4, 3)])
def test_batch_norm(shape, rng):
    bn = nn.BatchNorm(3, momentum=0.2)
    assert sorted(bn.parameters()) == ["bias", "running_mean", "running_var", "weight"]
    bn.weight = f32([1.0, 2.0, 0.5])
    bn.bias = f32([0.0, -1.0, 1.0])
    axes = tuple(range(len(shape) - 1))
    x = rng.standard_normal(shape) * 2 + 3
    mean, var = x.mean(axes), x.var(axes)
    n = x.size // 3
    close(bn(f32(x)), (x - mean) / np.sqrt(var + 1e-5) * [1, 2, 0.5] + [0, -1, 1], atol=1e-4)
    rm = 0.2 * mean
    rv = 0.8 * 1 + 0.2 * var * n / (n - 1)
    close(bn.running_mean, rm, atol=1e-5)
    close(bn.running_var, rv, atol=1e-5)
    x2 = rng.standard_normal(shape)
    bn(f32(x2))
    rm = 0.8 * rm + 0.2 * x2.mean(axes)
    rv = 0.8 * rv + 0.2 * x2.var(axes) * n / (n - 1)
    close(bn.running_mean, rm, atol=1e-5)
    close(bn.running_var, rv, atol=1e-5)
    bn.eval()
    y = bn(f32(x))
    close(y, (x - rm) / np.sqrt(rv + 1e-5) * [1, 2, 0.5] + [0, -1, 1], atol=1e-4)
    close(bn.running_mean, rm, atol=1e-5)  # eval doesn't update


def test_batch_norm_options_and_errors(rng):
    x = rng.standard_normal((6, 4))
    want = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    nostats = nn.BatchNorm(4, track_running_stats=False, affine=False)
    assert nostats.parameters() == {}
    close(nostats(f32(x)), want, atol=1e-4)
    nostats.eval()
    close(nostats(f32(x)), want, atol=1e-4)  # batch statistics also in eval
    bn = nn.BatchNorm(4)
    with pytest.raises(ValueError, match="BatchNorm"):
        bn(mx.ones((2, 2, 2, 2, 4)))
    with pytest.raises(ValueError, match="BatchNorm"):
        bn(mx.ones((4,)))
    # Gradients flow to weight/bias only; training mode inside value_and_grad
    loss, grads = nn.value_and_grad(bn, lambda x: (bn(x) ** 2).sum())(f32(x))
    assert sorted(grads) == ["bias", "weight"]
    close(bn.running_mean, 0.1 * x.mean(0), atol=1e-5)


# ------------------------------------------------------------- convolution
def conv_ref(x, w, stride, padding, dilation, groups=1):
    """Channels-last N-d convolution by summing over kernel offsets (float64)."""
    n = x.ndim - 2
    stride, padding, dilation = (
        (v,) * n if isinstance(v, int) else tuple(v) for v in (stride, padding, dilation)
    )
    xp = np.pad(x, [(0, 0)] + [(p, p) for p in padding] + [(0, 0)])
    kernel = w.shape[1:-1]
    out = [(xp.shape[1 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(n)]
    cout, cin_g = w.shape[0], w.shape[-1]
    cout_g = cout // groups
    y = np.zeros((x.shape[0], *out, cout))
    for k in itertools.product(*(range(s) for s in kernel)):
        sl = tuple(
            slice(k[i] * dilation[i], k[i] * dilation[i] + (out[i] - 1) * stride[i] + 1, stride[i])
            for i in range(n)
        )
        patch = xp[(slice(None), *sl)]
        for g in range(groups):
            wk = w[(slice(g * cout_g, (g + 1) * cout_g), *k)]
            y[..., g * cout_g : (g + 1) * cout_g] += patch[..., g * cin_g : (g + 1) * cin_g] @ wk.T
    return y


CONV_CASES = [
    (nn.Conv1d, dict(in_channels=4, out_channels=6, kernel_size=3), (2, 9, 4)),
    (nn.Conv1d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=2, dilation=2, groups=2), (2, 11, 4)),
    (nn.Conv2d, dict(in_channels=3, out_channels=4, kernel_size=3, padding=1), (2, 6, 5, 3)),
    (nn.Conv2d, dict(in_channels=4, out_channels=4, kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=4), (1, 7, 8, 4)),
    (nn.Conv3d, dict(in_channels=2, out_channels=3, kernel_size=2), (1, 4, 3, 5, 2)),
    (nn.Conv3d, dict(in_channels=2, out_channels=3, kernel_size=(1, 2, 3), stride=2, padding=(0, 1, 1), dilation=1), (2, 3, 5, 6, 2)),
]  # fmt: skip


@pytest.mark.parametrize("cls, kwargs, shape", CONV_CASES)
def test_conv_forward_and_init(cls, kwargs, shape, rng):
    conv = cls(**kwargs)
    n = len(shape) - 2
    k = kwargs["kernel_size"]
    k = (k,) * n if isinstance(k, int) else k
    groups = kwargs.get("groups", 1)
    cin, cout = kwargs["in_channels"], kwargs["out_channels"]
    assert conv.weight.shape == (cout, *k, cin // groups)
    assert conv.bias.tolist() == [0.0] * cout
    bound = math.sqrt(1 / (cin * math.prod(k)))
    assert np.all(np.abs(npy(conv.weight)) <= bound)
    conv.bias = f32(rng.standard_normal(cout))
    x = rng.standard_normal(shape)
    want = conv_ref(x, npy(conv.weight), conv.stride, conv.padding, conv.dilation, groups)
    close(conv(f32(x)), want + npy(conv.bias), atol=1e-4)
    nob = cls(**kwargs, bias=False)
    assert "bias" not in nob
    close(
        nob(f32(x)),
        conv_ref(x, npy(nob.weight), nob.stride, nob.padding, nob.dilation, groups),
        atol=1e-4,
    )


def test_conv_grad_finite_differences(rng):
    conv = nn.Conv2d(2, 3, 2, stride=1, padding=1)
    conv.bias = f32(rng.standard_normal(3))
    x = f32(rng.standard_normal((1, 3, 3, 2)))
    fd_check(conv, lambda p, x: conv_ref(x, p["weight"], 1, 1, 1) + p["bias"], x, rng)
    c1 = nn.Conv1d(4, 2, 3, stride=2, groups=2)
    x1 = f32(rng.standard_normal((2, 7, 4)))
    fd_check(c1, lambda p, x: conv_ref(x, p["weight"], 2, 0, 1, 2) + p["bias"], x1, rng)


def test_conv_errors_and_repr():
    with pytest.raises(ValueError, match="groups"):
        nn.Conv1d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2d(3, 4, (3, 3, 3))
    with pytest.raises(TypeError):
        nn.Conv3d(2, 2, 3, groups=2)
    assert repr(nn.Conv1d(4, 6, 3, groups=2)) == (
        "Conv1d(4, 6, kernel_size=3, stride=1, padding=0, dilation=1, groups=2, bias=True)"
    )


def conv_transpose_ref(x, w, stride, padding, dilation, output_padding):
    """Scatter form: y[i·s + k·d - p] += x[i] @ w[:, k, :]ᵀ (w is (C_out, *k, C_in))."""
    n = x.ndim - 2
    s, p, d, op = (
        (v,) * n if isinstance(v, int) else tuple(v)
        for v in (stride, padding, dilation, output_padding)
    )
    kernel = w.shape[1:-1]
    full = [(x.shape[1 + i] - 1) * s[i] + d[i] * (kernel[i] - 1) + 1 + op[i] for i in range(n)]
    y = np.zeros((x.shape[0], *full, w.shape[0]))
    for pos in itertools.product(*(range(v) for v in x.shape[1:-1])):
        for k in itertools.product(*(range(v) for v in kernel)):
            at = tuple(pos[i] * s[i] + k[i] * d[i] for i in range(n))
            y[(slice(None), *at)] += x[(slice(None), *pos)] @ w[(slice(None), *k)].T
    out = [full[i] - 2 * p[i] for i in range(n)]
    return y[(slice(None), *(slice(p[i], p[i] + out[i]) for i in range(n)))]


CONVT_CASES = [
    (nn.ConvTranspose1d, dict(in_channels=3, out_channels=2, kernel_size=3), (2, 5, 3)),
    (nn.ConvTranspose1d, dict(in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1, dilation=2, output_padding=1), (2, 5, 3)),
    (nn.ConvTranspose2d, dict(in_channels=2, out_channels=3, kernel_size=2, stride=2), (1, 3, 4, 2)),
    (nn.ConvTranspose2d, dict(in_channels=2, out_channels=3, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0)), (2, 3, 3, 2)),
    (nn.ConvTranspose3d, dict(in_channels=2, out_channels=2, kernel_size=2, stride=2, padding=0), (1, 2, 3, 2, 2)),
]  # fmt: skip


@pytest.mark.parametrize("cls, kwargs, shape", CONVT_CASES)
def test_conv_transpose(cls, kwargs, shape, rng):
    conv = cls(**kwargs)
    n = len(shape) - 2
    k = kwargs["kernel_size"]
    k = (k,) * n if isinstance(k, int) else k
    cin, cout = kwargs["in_channels"], kwargs["out_channels"]
    assert conv.weight.shape == (cout, *k, cin)
    assert conv.bias.tolist() == [0.0] * cout
    assert np.all(np.abs(npy(conv.weight)) <= math.sqrt(1 / (cin * math.prod(k))))
    conv.bias = f32(rng.standard_normal(cout))
    x = rng.standard_normal(shape)
    want = conv_transpose_ref(
        x, npy(conv.weight), conv.stride, conv.padding, conv.dilation, conv.output_padding
    )
    close(conv(f32(x)), want + npy(conv.bias), atol=1e-4)
    assert "bias" not in cls(**kwargs, bias=False)


# ----------------------------------------------------------------- pooling
def pool_ref(x, kernel, stride, padding, op):
    n = x.ndim - 2
    fill = -np.inf if op == "max" else 0.0
    xp = np.pad(x, [(0, 0)] + [(p, p) for p in padding] + [(0, 0)], constant_values=fill)
    out = [(xp.shape[1 + i] - kernel[i]) // stride[i] + 1 for i in range(n)]
    y = np.empty((x.shape[0], *out, x.shape[-1]))
    for o in itertools.product(*(range(v) for v in out)):
        window = xp[
            (
                slice(None),
                *(slice(o[i] * stride[i], o[i] * stride[i] + kernel[i]) for i in range(n)),
            )
        ]
        axes = tuple(range(1, n + 1))
        y[(slice(None), *o)] = window.max(axes) if op == "max" else window.mean(axes)
    return y


POOL_CASES = [
    ("1d", dict(kernel_size=2), (2, 7, 3)),
    ("1d", dict(kernel_size=3, stride=1, padding=1), (2, 6, 3)),
    ("2d", dict(kernel_size=2), (2, 6, 5, 3)),
    ("2d", dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)), (1, 7, 6, 2)),
    ("3d", dict(kernel_size=2, stride=1), (1, 3, 4, 3, 2)),
    ("3d", dict(kernel_size=3, stride=2, padding=1), (2, 5, 4, 5, 2)),
]  # fmt: skip


@pytest.mark.parametrize("dim, kwargs, shape", POOL_CASES)
@pytest.mark.parametrize("op", ["max", "avg"])
def test_pooling(dim, kwargs, shape, op, rng):
    cls = getattr(nn, f"{'Max' if op == 'max' else 'Avg'}Pool{dim}")
    pool = cls(**kwargs)
    n = len(shape) - 2

    def tup(v):
        return (v,) * n if isinstance(v, int) else tuple(v)

    kernel = tup(kwargs["kernel_size"])
    stride = tup(kwargs.get("stride", kernel))
    padding = tup(kwargs.get("padding", 0))
    x = rng.standard_normal(shape)
    close(pool(f32(x)), pool_ref(x, kernel, stride, padding, op), atol=1e-6)
    # non-contiguous input: a transposed view with the same logical shape
    xt = np.ascontiguousarray(np.swapaxes(x, 0, -1))
    view = mx.swapaxes(f32(xt), 0, -1)
    close(pool(view), pool_ref(x, kernel, stride, padding, op), atol=1e-6)


def test_pooling_grad(rng):
    x = rng.standard_normal((1, 4, 4, 1))
    g = mx.grad(lambda x: nn.AvgPool2d(2)(x).sum())(f32(x))
    close(g, np.full(x.shape, 0.25))
    g = mx.grad(lambda x: nn.MaxPool2d(2)(x).sum())(f32(x))
    want = np.zeros_like(x)
    for i, j in itertools.product(range(2), range(2)):
        blk = x[0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2, 0]
        a, b = np.unravel_index(blk.argmax(), blk.shape)
        want[0, 2 * i + a, 2 * j + b, 0] = 1
    close(g, want)


def test_pooling_errors_and_repr():
    with pytest.raises(ValueError, match="MaxPool2d"):
        nn.MaxPool2d(2)(mx.ones((4, 4, 3)))
    with pytest.raises(ValueError, match="padding"):
        nn.AvgPool1d(2, padding=2)
    with pytest.raises(ValueError, match="kernel"):
        nn.MaxPool1d(5)(mx.ones((1, 3, 1)))
    with pytest.raises(ValueError, match="kernel_size"):
        nn.AvgPool2d((2, 2, 2))
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    x = mx.array(np.arange(12, dtype=np.int32).reshape(1, 6, 2))
    assert nn.MaxPool1d(3, 1, 1)(x).dtype == mx.int32
    close(nn.MaxPool1d(3, 1, 1)(x)[0, :, 0], [2, 4, 6, 8, 10, 10])


# ---------------------------------------------------------------- upsample
def _src(i, n, m, scale, align):
    if align:
        return i * (n - 1) / (m - 1) if m > 1 else 0.0
    return (i + 0.5) / scale - 0.5


def _cubic_w(t, a=-0.5):
    t = abs(t)
    if t <= 1:
        return (a + 2) * t**3 - (a + 3) * t**2 + 1
    if t < 2:
        return a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
    return 0.0


def interp_1d_weights(n, m, scale, mode, align):
    """Dense (m, n) interpolation matrix built point by point."""
    mat = np.zeros((m, n))
    for i in range(m):
        if mode == "nearest":
            mat[i, min(int(math.floor(i / scale)), n - 1)] = 1
        elif mode == "linear":
            s = min(max(_src(i, n, m, scale, align), 0), n - 1)
            lo = int(math.floor(s))
            hi = min(lo + 1, n - 1)
            mat[i, lo] += 1 - (s - lo)
            mat[i, hi] += s - lo
        else:
            s = _src(i, n, m, scale, align)
            lo = math.floor(s)
            for j in range(lo - 1, lo + 3):
                mat[i, min(max(j, 0), n - 1)] += _cubic_w(s - j)
    return mat


def upsample_ref(x, scales, mode, align=False):
    y = x
    for d, s in enumerate(scales):
        n = x.shape[1 + d]
        m = int(s * n)
        y = np.moveaxis(
            np.tensordot(interp_1d_weights(n, m, s, mode, align), np.moveaxis(y, 1 + d, 0), axes=1),
            0,
            1 + d,
        )
    return y


UPSAMPLE_CASES = [
    ((2, 5, 3), (2.0,), "nearest", False),
    ((2, 5, 3), (1.5,), "nearest", False),
    ((1, 3, 4, 2), (2.0, 3.0), "nearest", False),
    ((1, 4, 3, 2), (1.7, 0.5), "nearest", False),
    ((2, 5, 3), (2.0,), "linear", False),
    ((2, 5, 3), (2.5,), "linear", True),
    ((1, 3, 4, 2), (2.0, 1.5), "linear", False),
    ((1, 3, 4, 2), (2.0, 2.0), "linear", True),
    ((1, 2, 3, 2, 1), (2.0, 1.0, 3.0), "linear", False),
    ((2, 6, 3), (2.0,), "cubic", False),
    ((1, 4, 5, 2), (1.5, 2.0), "cubic", False),
    ((1, 4, 5, 2), (2.0, 3.0), "cubic", True),
]  # fmt: skip


@pytest.mark.parametrize("shape, scales, mode, align", UPSAMPLE_CASES)
def test_upsample(shape, scales, mode, align, rng):
    x = rng.standard_normal(shape)
    want = upsample_ref(x, scales, mode, align)
    up = nn.Upsample(scales, mode=mode, align_corners=align)
    close(up(f32(x)), want, atol=1e-5)
    fn = {"nearest": upsample_nearest, "linear": upsample_linear, "cubic": upsample_cubic}[mode]
    got = fn(f32(x), scales) if mode == "nearest" else fn(f32(x), scales, align_corners=align)
    close(got, want, atol=1e-5)


def test_upsample_scalar_scale_and_errors(rng):
    x = rng.standard_normal((1, 3, 2, 2))
    close(nn.Upsample(2.0, mode="linear")(f32(x)), upsample_ref(x, (2.0, 2.0), "linear"), atol=1e-5)
    assert nn.Upsample(3)(mx.zeros((2, 2, 1))).shape == (2, 6, 1)
    with pytest.raises(ValueError, match="mode"):
        nn.Upsample(2, mode="area")
    with pytest.raises(ValueError, match="antialias"):
        nn.Upsample(2, mode="nearest", antialias=True)
    with pytest.raises(ValueError, match="scale factors"):
        nn.Upsample((2, 2))(mx.zeros((1, 3, 1)))
    with pytest.raises(ValueError, match="spatial"):
        nn.Upsample(2)(mx.zeros((3, 1)))
    with pytest.raises(ValueError, match="at least one"):
        nn.Upsample(0.2, mode="linear")(mx.zeros((1, 3, 1)))
    with pytest.raises(ValueError, match="positive"):
        upsample_linear(mx.zeros((1, 3, 1)), (-1.0,))


def test_upsample_antialias(rng):
    # Halving with an antialiased linear filter: taps 1/8, 3/8, 3/8, 1/8 (renormalised at borders).
    x = rng.standard_normal((1, 8, 1))
    got = npy(upsample_linear(f32(x), (0.5,), antialias=True))[0, :, 0]
    v = x[0, :, 0]
    want = [(3 * v[0] + 3 * v[1] + v[2]) / 7]
    want += [(v[2 * i - 1] + 3 * v[2 * i] + 3 * v[2 * i + 1] + v[2 * i + 2]) / 8 for i in (1, 2)]
    want += [(v[5] + 3 * v[6] + 3 * v[7]) / 7]
    close(got, np.array(want), atol=1e-5)
    const = mx.full((1, 9, 7, 2), 3.0)
    for mode in ("linear", "cubic"):
        close(
            nn.Upsample((0.34, 0.5), mode=mode, antialias=True)(const),
            np.full((1, 3, 3, 2), 3.0),
            atol=1e-5,
        )
    # upsampling is unaffected by antialias
    close(
        nn.Upsample(2.0, mode="linear", antialias=True)(f32(x)),
        upsample_ref(x, (2.0,), "linear"),
        atol=1e-5,
    )


def test_upsample_grad(rng):
    x = rng.standard_normal((1, 3, 2))
    r = rng.standard_normal((1, 6, 2))
    g = mx.grad(lambda x: (nn.Upsample(2.0, mode="linear")(x) * f32(r)).sum())(f32(x))
    mat = interp_1d_weights(3, 6, 2.0, "linear", False)
    close(g, np.einsum("mn,bmc->bnc", mat, r), atol=1e-5)


def test_empty_batches():
    assert nn.Linear(3, 2)(mx.zeros((0, 3))).shape == (0, 2)
    assert nn.Conv2d(3, 2, 2)(mx.zeros((0, 4, 4, 3))).shape == (0, 3, 3, 2)
    assert nn.ConvTranspose1d(3, 2, 2)(mx.zeros((0, 4, 3))).shape == (0, 5, 2)
    assert nn.MaxPool1d(2)(mx.zeros((0, 4, 3))).shape == (0, 2, 3)
    assert nn.LayerNorm(3)(mx.zeros((0, 3))).shape == (0, 3)
    assert nn.BatchNorm(3).eval()(mx.zeros((0, 3))).shape == (0, 3)
    for mode in ("nearest", "linear", "cubic"):
        assert nn.Upsample(1.5, mode=mode)(mx.zeros((0, 4, 2))).shape == (0, 6, 2)
        assert nn.Upsample(2.0, mode=mode)(mx.zeros((2, 0, 2))).shape == (2, 0, 2)
