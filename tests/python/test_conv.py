"""Convolutions (spec/core.md §14) against direct NumPy loop references."""

import itertools

import numpy as np
import pytest

import ember.core as mx


def ref_conv(x, w, stride, pad_lo, pad_hi, kdil, idil, groups, flip=False):
    """Channels-last N-d convolution by explicit loops over kernel taps.

    x: (N, *S, Cin), w: (Cout, *K, Cin/groups). Inputs are dilated by `idil`,
    zero padded low/high, then correlated with the (optionally flipped),
    `kdil`-dilated kernel at stride `stride`.
    """
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    nd = x.ndim - 2
    n, cin = x.shape[0], x.shape[-1]
    cout, ks = w.shape[0], w.shape[1:-1]
    if flip:
        w = w[(slice(None),) + (slice(None, None, -1),) * nd]
    # Input dilation.
    dshape = [(s - 1) * d + 1 for s, d in zip(x.shape[1:-1], idil)]
    xd = np.zeros((n, *dshape, cin))
    xd[(slice(None),) + tuple(slice(None, None, d) for d in idil)] = x
    # Padding (negative values crop).
    xp = xd
    for ax in range(nd):
        lo, hi = pad_lo[ax], pad_hi[ax]
        a = ax + 1
        if lo < 0:
            xp = np.take(xp, range(-lo, xp.shape[a]), axis=a)
            lo = 0
        if hi < 0:
            xp = np.take(xp, range(0, xp.shape[a] + hi), axis=a)
            hi = 0
        widths = [(0, 0)] * xp.ndim
        widths[a] = (lo, hi)
        xp = np.pad(xp, widths)
    out_sp = [(xp.shape[i + 1] - kdil[i] * (ks[i] - 1) - 1) // stride[i] + 1
              for i in range(nd)]
    cin_g, cout_g = cin // groups, cout // groups
    out = np.zeros((n, *out_sp, cout))
    for g in range(groups):
        xs = xp[..., g * cin_g:(g + 1) * cin_g]
        ws = w[g * cout_g:(g + 1) * cout_g]
        for k in itertools.product(*[range(kk) for kk in ks]):
            sl = tuple(slice(k[i] * kdil[i],
                             k[i] * kdil[i] + (out_sp[i] - 1) * stride[i] + 1,
                             stride[i]) for i in range(nd))
            patch = xs[(slice(None),) + sl]  # (N, *out, cin_g)
            wk = ws[(slice(None),) + k]  # (cout_g, cin_g)
            out[..., g * cout_g:(g + 1) * cout_g] += patch @ wk.T
    return out


def ref_conv_transpose(x, w, stride, padding, dil, out_pad, groups):
    """Transposed convolution by scattering every input tap:
    out[i * stride + k * dil - padding] += x[i] * w[k]."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    nd = x.ndim - 2
    n, cin = x.shape[0], x.shape[-1]
    cout, ks = w.shape[0], w.shape[1:-1]
    in_sp = x.shape[1:-1]
    out_sp = [(in_sp[i] - 1) * stride[i] - 2 * padding[i] + dil[i] * (ks[i] - 1)
              + out_pad[i] + 1 for i in range(nd)]
    full = [(in_sp[i] - 1) * stride[i] + dil[i] * (ks[i] - 1) + 1 + out_pad[i]
            for i in range(nd)]
    buf = np.zeros((n, *full, cout))
    cin_g, cout_g = cin // groups, cout // groups
    for g in range(groups):
        xs = x[..., g * cin_g:(g + 1) * cin_g]
        ws = w[g * cout_g:(g + 1) * cout_g]
        for k in itertools.product(*[range(kk) for kk in ks]):
            sl = tuple(slice(k[i] * dil[i], k[i] * dil[i] + (in_sp[i] - 1) * stride[i] + 1,
                             stride[i]) for i in range(nd))
            wk = ws[(slice(None),) + k]  # (cout_g, cin_g)
            buf[(slice(None),) + sl + (slice(g * cout_g, (g + 1) * cout_g),)] += xs @ wk.T
    crop = tuple(slice(padding[i], padding[i] + out_sp[i]) for i in range(nd))
    return buf[(slice(None),) + crop]


def tup(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def check(out, ref, tol=1e-4):
    got = np.array(out)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


def rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


CASES_1D = [
    dict(),
    dict(stride=2),
    dict(padding=2),
    dict(dilation=2),
    dict(groups=2),
    dict(stride=3, padding=1, dilation=2, groups=2),
]


@pytest.mark.parametrize("kw", CASES_1D)
def test_conv1d(rng, kw):
    groups = kw.get("groups", 1)
    x = rand(rng, 2, 11, 4)
    w = rand(rng, 6, 3, 4 // groups)
    s, p, d = (tup(kw.get(k, dflt), 1) for k, dflt in
               (("stride", 1), ("padding", 0), ("dilation", 1)))
    out = mx.conv1d(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv(x, w, s, p, p, d, (1,), groups))


CASES_2D = [
    dict(),
    dict(stride=(2, 1)),
    dict(stride=2, padding=1),
    dict(padding=(0, 2)),
    dict(dilation=(2, 1)),
    dict(groups=3),
    dict(stride=(1, 2), padding=(2, 1), dilation=(1, 2), groups=3),
]


@pytest.mark.parametrize("kw", CASES_2D)
def test_conv2d(rng, kw):
    groups = kw.get("groups", 1)
    x = rand(rng, 2, 9, 8, 6)
    w = rand(rng, 3 * 2, 3, 2, 6 // groups)
    s, p, d = (tup(kw.get(k, dflt), 2) for k, dflt in
               (("stride", 1), ("padding", 0), ("dilation", 1)))
    out = mx.conv2d(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv(x, w, s, p, p, d, (1, 1), groups))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1),
                                dict(stride=(1, 2, 1), padding=(1, 0, 1),
                                     dilation=(1, 1, 2), groups=2)])
def test_conv3d(rng, kw):
    groups = kw.get("groups", 1)
    x = rand(rng, 1, 5, 6, 7, 4)
    w = rand(rng, 4, 2, 3, 2, 4 // groups)
    s, p, d = (tup(kw.get(k, dflt), 3) for k, dflt in
               (("stride", 1), ("padding", 0), ("dilation", 1)))
    out = mx.conv3d(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv(x, w, s, p, p, d, (1, 1, 1), groups))


def test_conv_list_params(rng):
    x = rand(rng, 1, 7, 7, 2)
    w = rand(rng, 2, 3, 3, 2)
    a = mx.conv2d(mx.array(x), mx.array(w), stride=[2, 1], padding=[1, 0])
    b = mx.conv2d(mx.array(x), mx.array(w), stride=(2, 1), padding=(1, 0))
    check(a, np.array(b).astype(np.float64))


@pytest.mark.parametrize("kw,lo,hi", [
    (dict(), (0, 0), (0, 0)),
    (dict(stride=2, padding=1), (1, 1), (1, 1)),
    (dict(padding=[1, 2]), (1, 2), (1, 2)),
    (dict(padding=([1, 0], [2, 3])), (1, 0), (2, 3)),
    (dict(kernel_dilation=[2, 1], input_dilation=2), (0, 0), (0, 0)),
    (dict(input_dilation=[1, 3], padding=([2, 1], [0, 2]), stride=[1, 2]), (2, 1), (0, 2)),
    (dict(groups=2, flip=True), (0, 0), (0, 0)),
    (dict(flip=True, kernel_dilation=2, padding=2, stride=[2, 3]), (2, 2), (2, 2)),
])
def test_conv_general(rng, kw, lo, hi):
    groups = kw.get("groups", 1)
    x = rand(rng, 2, 7, 6, 4)
    w = rand(rng, 4, 3, 2, 4 // groups)
    s = tup(kw.get("stride", 1), 2)
    kd = tup(kw.get("kernel_dilation", 1), 2)
    idl = tup(kw.get("input_dilation", 1), 2)
    out = mx.conv_general(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv(x, w, s, lo, hi, kd, idl, groups, kw.get("flip", False)))


def test_conv_general_1d_3d(rng):
    x = rand(rng, 1, 10, 3)
    w = rand(rng, 2, 4, 3)
    check(mx.conv_general(mx.array(x), mx.array(w), stride=3, padding=([2], [1]), flip=True),
          ref_conv(x, w, (3,), (2,), (1,), (1,), (1,), 1, True))
    x = rand(rng, 1, 4, 4, 4, 2)
    w = rand(rng, 2, 2, 2, 2, 2)
    check(mx.conv_general(mx.array(x), mx.array(w), input_dilation=[1, 2, 1]),
          ref_conv(x, w, (1, 1, 1), (0, 0, 0), (0, 0, 0), (1, 1, 1), (1, 2, 1), 1))


CASES_T = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1),
    dict(stride=3, padding=1, output_padding=2),
    dict(dilation=2, padding=1),
    dict(groups=2, stride=2),
]


@pytest.mark.parametrize("kw", CASES_T)
def test_conv_transpose1d(rng, kw):
    groups = kw.get("groups", 1)
    x = rand(rng, 2, 6, 4)
    w = rand(rng, 4, 3, 4 // groups)
    s, p, d, op = (tup(kw.get(k, dflt), 1) for k, dflt in
                   (("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0)))
    out = mx.conv_transpose1d(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv_transpose(x, w, s, p, d, op, groups))


@pytest.mark.parametrize("kw", CASES_T + [dict(stride=(2, 1), padding=(1, 0),
                                              dilation=(1, 2), output_padding=(1, 0))])
def test_conv_transpose2d(rng, kw):
    groups = kw.get("groups", 1)
    x = rand(rng, 1, 5, 4, 4)
    w = rand(rng, 6, 3, 2, 4 // groups)
    s, p, d, op = (tup(kw.get(k, dflt), 2) for k, dflt in
                   (("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0)))
    out = mx.conv_transpose2d(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv_transpose(x, w, s, p, d, op, groups))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1),
                                dict(stride=(1, 2, 1), dilation=(2, 1, 1), groups=2)])
def test_conv_transpose3d(rng, kw):
    groups = kw.get("groups", 1)
    x = rand(rng, 1, 3, 4, 3, 2)
    w = rand(rng, 2, 2, 3, 2, 2 // groups)
    s, p, d, op = (tup(kw.get(k, dflt), 3) for k, dflt in
                   (("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0)))
    out = mx.conv_transpose3d(mx.array(x), mx.array(w), **kw)
    check(out, ref_conv_transpose(x, w, s, p, d, op, groups))


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("na,nv", [(7, 3), (3, 7), (5, 5), (6, 1), (8, 4)])
def test_convolve(rng, mode, na, nv):
    a = rand(rng, na)
    v = rand(rng, nv)
    out = mx.convolve(mx.array(a), mx.array(v), mode=mode)
    check(out, np.convolve(a.astype(np.float64), v.astype(np.float64), mode=mode))


def test_convolve_default_mode():
    out = mx.convolve(mx.array([1.0, 2.0, 3.0]), mx.array([0.0, 1.0, 0.5]))
    assert out.tolist() == [0.0, 1.0, 2.5, 4.0, 1.5]


def test_conv_grad(rng):
    x = rand(rng, 1, 6, 2)
    w = rand(rng, 3, 3, 2)

    def f(x, w):
        return mx.sum(mx.conv1d(x, w, stride=2, padding=1) ** 2)

    gx, gw = mx.grad(f, argnums=(0, 1))(mx.array(x), mx.array(w))
    eps = 1e-3
    for arr, g, idx in [(x, gx, (0, 2, 1)), (w, gw, (1, 0, 1))]:
        plus, minus = arr.copy(), arr.copy()
        plus[idx] += eps
        minus[idx] -= eps
        args_p = (plus, w) if arr is x else (x, plus)
        args_m = (minus, w) if arr is x else (x, minus)
        num = (f(*map(mx.array, args_p)).item() - f(*map(mx.array, args_m)).item()) / (2 * eps)
        np.testing.assert_allclose(np.array(g)[idx], num, rtol=2e-2, atol=2e-2)


def test_conv_errors():
    x = mx.ones((1, 5, 2))
    with pytest.raises(ValueError):  # channel mismatch
        mx.conv1d(x, mx.ones((1, 3, 1)))
    with pytest.raises(ValueError):  # groups do not divide C_in
        mx.conv1d(mx.ones((1, 5, 3)), mx.ones((2, 3, 1)), groups=2)
    with pytest.raises(ValueError):  # weight rank
        mx.conv2d(mx.ones((1, 5, 5, 1)), mx.ones((1, 3, 1)))
    with pytest.raises(ValueError):  # input rank
        mx.conv2d(mx.ones((5, 5, 1)), mx.ones((1, 3, 3, 1)))
    with pytest.raises(ValueError):  # kernel larger than padded input
        mx.conv1d(mx.ones((1, 2, 1)), mx.ones((1, 5, 1)))
    with pytest.raises(ValueError):  # tuple of the wrong length
        mx.conv2d(mx.ones((1, 5, 5, 1)), mx.ones((1, 3, 3, 1)), stride=(1, 2, 3))
    with pytest.raises(TypeError):
        mx.conv2d(mx.ones((1, 5, 5, 1)), mx.ones((1, 3, 3, 1)), padding="same")
    with pytest.raises(TypeError):
        mx.conv1d(mx.ones((1, 5, 1)), mx.ones((1, 3, 1)), stride=(1.5,))
    with pytest.raises(ValueError):  # non-positive stride
        mx.conv1d(mx.ones((1, 5, 1)), mx.ones((1, 3, 1)), stride=0)
    with pytest.raises(ValueError):
        mx.convolve(mx.ones((3,)), mx.ones((2,)), mode="bogus")
    with pytest.raises(ValueError):  # convolve needs 1-D inputs
        mx.convolve(mx.ones((3, 2)), mx.ones((2,)))
    with pytest.raises(ValueError):  # conv_general parameter list length
        mx.conv_general(mx.ones((1, 5, 5, 1)), mx.ones((1, 3, 3, 1)), stride=[1, 1, 1])
