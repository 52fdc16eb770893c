"""RNN, GRU and LSTM against NumPy float64 step loops over the layers' own
parameters."""

import math

import ember.nn as nn
import numpy as np
import pytest
from ember.utils import tree_flatten

import ember.core as mx


def np_(a):
    return np.asarray(a, dtype=np.float64)


def f32(x):
    return mx.array(np.asarray(x, dtype=np.float32))


def sigmoid_np(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture(autouse=True)
def seed():
    mx.random.seed(3)


# ----------------------------------------------------------------------------
# References: explicit per-step loops, (..., L, D) inputs


def rnn_np(p, x, h=None, f=np.tanh):
    out = []
    for t in range(x.shape[-2]):
        a = x[..., t, :] @ p["Wxh"].T
        if "bias" in p:
            a = a + p["bias"]
        if h is not None:
            a = a + h @ p["Whh"].T
        h = f(a)
        out.append(h)
    return np.stack(out, -2)


def gru_np(p, x, h=None):
    H = p["Wh"].shape[1]
    Wxr, Wxz, Wxn = p["Wx"][:H], p["Wx"][H : 2 * H], p["Wx"][2 * H :]
    Whr, Whz, Whn = p["Wh"][:H], p["Wh"][H : 2 * H], p["Wh"][2 * H :]
    b = p.get("b", np.zeros(3 * H))
    bhn = p.get("bhn", np.zeros(H))
    out = []
    for t in range(x.shape[-2]):
        xt = x[..., t, :]
        if h is None:
            # No initial state: no recurrent terms at the first step (bhn included).
            r = sigmoid_np(xt @ Wxr.T + b[:H])
            z = sigmoid_np(xt @ Wxz.T + b[H : 2 * H])
            n = np.tanh(xt @ Wxn.T + b[2 * H :])
            h = (1 - z) * n
        else:
            r = sigmoid_np(xt @ Wxr.T + b[:H] + h @ Whr.T)
            z = sigmoid_np(xt @ Wxz.T + b[H : 2 * H] + h @ Whz.T)
            n = np.tanh(xt @ Wxn.T + b[2 * H :] + r * (h @ Whn.T + bhn))
            h = (1 - z) * n + z * h
        out.append(h)
    return np.stack(out, -2)


def lstm_np(p, x, h=None, c=None):
    H = p["Wh"].shape[1]
    hs, cs = [], []
    for t in range(x.shape[-2]):
        a = x[..., t, :] @ p["Wx"].T
        if "bias" in p:
            a = a + p["bias"]
        if h is not None:
            a = a + h @ p["Wh"].T
        i = sigmoid_np(a[..., :H])
        f = sigmoid_np(a[..., H : 2 * H])
        g = np.tanh(a[..., 2 * H : 3 * H])
        o = sigmoid_np(a[..., 3 * H :])
        c = i * g if c is None else f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, -2), np.stack(cs, -2)


def params_np(m):
    return {k: np_(v) for k, v in tree_flatten(m.parameters())}


TOL = dict(rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------
# Parameters


def test_parameter_shapes_and_init():
    H, D = 16, 5
    s = 1 / math.sqrt(H)
    cases = [
        (nn.RNN(D, H), {"Wxh": (H, D), "Whh": (H, H), "bias": (H,)}),
        (
            nn.GRU(D, H),
            {"Wx": (3 * H, D), "Wh": (3 * H, H), "b": (3 * H,), "bhn": (H,)},
        ),
        (nn.LSTM(D, H), {"Wx": (4 * H, D), "Wh": (4 * H, H), "bias": (4 * H,)}),
    ]
    for m, shapes in cases:
        p = params_np(m)
        assert {k: v.shape for k, v in p.items()} == shapes
        for v in p.values():
            assert v.min() >= -s and v.max() <= s
        allv = np.concatenate([v.ravel() for v in p.values()])
        assert abs(allv.std() - s / math.sqrt(3)) < 0.15 * s


def test_no_bias():
    r = nn.RNN(3, 4, bias=False)
    g = nn.GRU(3, 4, bias=False)
    l = nn.LSTM(3, 4, bias=False)
    assert r.bias is None and g.b is None and g.bhn is None and l.bias is None
    assert set(params_np(r)) == {"Wxh", "Whh"}
    assert set(params_np(g)) == {"Wx", "Wh"}
    assert set(params_np(l)) == {"Wx", "Wh"}


def test_errors():
    with pytest.raises(ValueError):
        nn.RNN(3, 4, nonlinearity="relu")
    for cls in (nn.RNN, nn.GRU, nn.LSTM):
        with pytest.raises(ValueError):
            cls(0, 4)
        with pytest.raises(ValueError):
            cls(3, -1)
        with pytest.raises(ValueError):
            cls(3, 4)(mx.zeros((2, 5, 2)))  # wrong feature size
        with pytest.raises(ValueError):
            cls(3, 4)(mx.zeros((3,)))  # no time axis


def test_repr():
    assert "hidden_size=4" in repr(nn.RNN(3, 4))
    assert "bias=False" in repr(nn.GRU(3, 4, bias=False))
    assert "input_dims=3" in repr(nn.LSTM(3, 4))


# ----------------------------------------------------------------------------
# Forward


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(2, 6, 3), (6, 3), (2, 2, 4, 3)])
def test_rnn(rng, bias, shape):
    m = nn.RNN(3, 5, bias=bias)
    p = params_np(m)
    x = rng.normal(size=shape)
    out = m(f32(x))
    assert out.shape == shape[:-1] + (5,)
    np.testing.assert_allclose(np_(out), rnn_np(p, x), **TOL)


def test_rnn_hidden_and_nonlinearity(rng):
    m = nn.RNN(3, 4, nonlinearity=nn.relu)
    p = params_np(m)
    x = rng.normal(size=(2, 5, 3))
    h0 = rng.normal(size=(2, 4))
    out = m(f32(x), hidden=f32(h0))
    ref = rnn_np(p, x, h0, f=lambda a: np.maximum(a, 0))
    np.testing.assert_allclose(np_(out), ref, **TOL)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_hidden", [False, True])
def test_gru(rng, bias, with_hidden):
    m = nn.GRU(4, 6, bias=bias)
    p = params_np(m)
    x = rng.normal(size=(3, 5, 4))
    h0 = rng.normal(size=(3, 6)) if with_hidden else None
    out = m(f32(x), hidden=None if h0 is None else f32(h0))
    assert out.shape == (3, 5, 6)
    np.testing.assert_allclose(np_(out), gru_np(p, x, h0), **TOL)


def test_gru_unbatched(rng):
    m = nn.GRU(2, 3)
    p = params_np(m)
    x = rng.normal(size=(7, 2))
    np.testing.assert_allclose(np_(m(f32(x))), gru_np(p, x), **TOL)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("state", ["none", "hidden", "both"])
def test_lstm(rng, bias, state):
    m = nn.LSTM(4, 5, bias=bias)
    p = params_np(m)
    x = rng.normal(size=(2, 6, 4))
    h0 = rng.normal(size=(2, 5)) if state != "none" else None
    c0 = rng.normal(size=(2, 5)) if state == "both" else None
    hs, cs = m(
        f32(x),
        hidden=None if h0 is None else f32(h0),
        cell=None if c0 is None else f32(c0),
    )
    assert hs.shape == cs.shape == (2, 6, 5)
    rh, rc = lstm_np(p, x, h0, c0)
    np.testing.assert_allclose(np_(hs), rh, **TOL)
    np.testing.assert_allclose(np_(cs), rc, **TOL)


def test_lstm_unbatched_non_contiguous(rng):
    m = nn.LSTM(3, 2)
    p = params_np(m)
    base = rng.normal(size=(3, 5))
    x = f32(base).T  # (5, 3) transposed view
    hs, cs = m(x)
    rh, rc = lstm_np(p, base.T)
    np.testing.assert_allclose(np_(hs), rh, **TOL)
    np.testing.assert_allclose(np_(cs), rc, **TOL)


def test_single_step(rng):
    m = nn.LSTM(3, 4)
    x = rng.normal(size=(2, 1, 3))
    hs, _ = m(f32(x))
    assert hs.shape == (2, 1, 4)


# ----------------------------------------------------------------------------
# Gradients


def fd_param_grad(ref_loss, p, name, h=1e-6):
    w = p[name]
    g = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        for sgn in (1, -1):
            q = dict(p)
            ww = w.copy()
            ww[i] += sgn * h
            q[name] = ww
            g[i] += sgn * ref_loss(q) / (2 * h)
    return g


@pytest.mark.parametrize(
    "cls,ref", [(nn.GRU, gru_np), (nn.LSTM, lambda p, x, h: lstm_np(p, x, h)[0])]
)
def test_gradients(rng, cls, ref):
    m = cls(2, 3)
    p = params_np(m)
    x = rng.normal(size=(2, 4, 2))
    h0 = rng.normal(size=(2, 3))

    def loss(model, x, h):
        out = model(x, h)
        out = out[0] if isinstance(out, tuple) else out
        return (out**2).sum()

    _, grads = nn.value_and_grad(m, loss)(m, f32(x), f32(h0))
    for name in ("Wx", "Wh"):
        fd = fd_param_grad(lambda q: (ref(q, x, h0) ** 2).sum(), p, name)
        np.testing.assert_allclose(np_(grads[name]), fd, rtol=1e-3, atol=1e-5)


def test_rnn_input_gradient(rng):
    m = nn.RNN(2, 3)
    p = params_np(m)
    x = rng.normal(size=(3, 2))
    g = mx.grad(lambda z: (m(z) ** 2).sum())(f32(x))
    fd = np.zeros_like(x)
    h = 1e-6
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        fd[i] = ((rnn_np(p, xp) ** 2).sum() - (rnn_np(p, xm) ** 2).sum()) / (2 * h)
    np.testing.assert_allclose(np_(g), fd, rtol=1e-3, atol=1e-5)
