"""Gradients of nn.losses.cross_entropy (class-index targets take a custom
vjp: softmax minus a one-hot, one elementwise expression) against NumPy
float64 references, eagerly, under compile (fused), vmap and jvp."""

import numpy as np
import pytest
from ember.nn import losses

import ember.core as mx

REDUCTIONS = ["none", "mean", "sum"]


def r32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def softmax_np(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def classes_np(t, c):
    """The class each target selects (negative from the end), -1 for none."""
    t = np.asarray(t).astype(np.int64)
    t = np.where(t < 0, t + c, t)
    return np.where((t >= 0) & (t < c), t, -1)


def grad_ref(x, t, axis=-1, ls=0.0, w=None, reduction="mean", cot=None):
    """d(reduced loss)/dx, with cotangent `cot` of the per-row loss (or the
    reduction's): (softmax - (1 - ls) onehot - ls / C) * g."""
    axis = axis % x.ndim
    c = x.shape[axis]
    cls = classes_np(t, c)
    onehot = np.moveaxis(np.arange(c) == cls[..., None], -1, axis).astype(np.float64)
    per_row = np.ones(cls.shape)
    if reduction == "mean":
        per_row = per_row / max(per_row.size, 1)
    if cot is not None:
        per_row = per_row * cot
    if w is not None:
        per_row = per_row * w
    g = np.expand_dims(per_row, axis)
    return (softmax_np(x, axis) - (1 - ls) * onehot - ls / c) * g


def check(out, ref, rtol=1e-5, atol=1e-6):
    out = np.asarray(out.astype(mx.float32) if out.dtype != mx.float32 else out,
                     dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert out.shape == ref.shape, (out.shape, ref.shape)
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("tdtype", [mx.int32, mx.int64, mx.uint8, mx.int8, mx.uint32])
def test_grad_indices(rng, reduction, tdtype):
    x = r32(rng.normal(size=(6, 7)) * 3)
    t = rng.integers(0, 7, size=(6,))

    def f(a):
        loss = losses.cross_entropy(a, mx.array(t, dtype=tdtype), reduction=reduction)
        return mx.sum(loss) if reduction == "none" else loss

    check(mx.grad(f)(mx.array(x, dtype=mx.float32)), grad_ref(x, t, reduction=reduction))


def test_grad_negative_and_out_of_range_targets(rng):
    # Negative targets count from the end; targets past either end select no
    # class for the gradient (take_along_axis's scatter drops them).
    x = r32(rng.normal(size=(6, 5)))
    t = np.array([-1, -5, 4, 0, 7, -9])
    for dt in (mx.int32, mx.int64, mx.int8):
        g = mx.grad(lambda a: losses.cross_entropy(a, mx.array(t, dtype=dt), reduction="sum"))(
            mx.array(x, dtype=mx.float32)
        )
        check(g, grad_ref(x, t, reduction="sum"))
    # int8 targets with more classes than int8 holds: t + C must not wrap.
    x = r32(rng.normal(size=(3, 300)))
    t = np.array([-1, -128, 127])
    g = mx.grad(lambda a: losses.cross_entropy(a, mx.array(t, dtype=mx.int8), reduction="sum"))(
        mx.array(x, dtype=mx.float32)
    )
    check(g, grad_ref(x, t, reduction="sum"))
    # Unsigned targets past the end.
    t = np.array([299, 300, 255], dtype=np.uint64)
    g = mx.grad(lambda a: losses.cross_entropy(a, mx.array(t, dtype=mx.uint64), reduction="sum"))(
        mx.array(x, dtype=mx.float32)
    )
    check(g, grad_ref(x, np.array([299, 300, 255]), reduction="sum"))


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_grad_axis_smoothing_weights(rng, axis):
    x = r32(rng.normal(size=(3, 4, 5)))
    shape = list(x.shape)
    c = shape.pop(axis)
    t = rng.integers(0, c, size=shape)
    w = r32(rng.random(shape))
    for ls in (0.0, 0.3):
        f = lambda a: losses.cross_entropy(
            a, mx.array(t), weights=mx.array(w, dtype=mx.float32), axis=axis,
            label_smoothing=ls, reduction="mean",
        )
        check(mx.grad(f)(mx.array(x, dtype=mx.float32)), grad_ref(x, t, axis, ls, w))


def test_grad_non_contiguous_and_value(rng):
    base = r32(rng.normal(size=(9, 4)))
    x = mx.array(base, dtype=mx.float32).T[:, ::2]  # (4, 5) strided view
    xn = base.T[:, ::2]
    t = rng.integers(0, 5, size=(4,))
    loss, g = mx.value_and_grad(lambda a: losses.cross_entropy(a, mx.array(t), reduction="sum"))(x)
    lse = np.log(np.sum(np.exp(xn - xn.max(1, keepdims=True)), 1)) + xn.max(1)
    check(loss, np.sum(lse - xn[np.arange(4), t]))
    check(g, grad_ref(xn, t, reduction="sum"))


def test_vjp_with_cotangents_of_each_row(rng):
    x = r32(rng.normal(size=(5, 6)))
    t = rng.integers(0, 6, size=(5,))
    cot = r32(rng.normal(size=(5,)))
    _, (g,) = mx.vjp(lambda a: [losses.cross_entropy(a, mx.array(t))],
                     [mx.array(x, dtype=mx.float32)], [mx.array(cot, dtype=mx.float32)])
    check(g, grad_ref(x, t, reduction="none", cot=cot))


def test_second_use_of_logits(rng):
    # The logits feed the loss and another term: cotangents add up.
    x = r32(rng.normal(size=(4, 6)))
    t = rng.integers(0, 6, size=(4,))
    f = lambda a: losses.cross_entropy(a, mx.array(t), reduction="sum") + mx.sum(a * a)
    check(mx.grad(f)(mx.array(x, dtype=mx.float32)), grad_ref(x, t, reduction="sum") + 2 * x)


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
def test_grad_half_dtypes(rng, dtype):
    x = rng.normal(size=(8, 33)) * 2
    xa = mx.array(x, dtype=dtype)
    xr = np.asarray(xa.astype(mx.float32), dtype=np.float64)
    t = rng.integers(0, 33, size=(8,))
    g = mx.grad(lambda a: losses.cross_entropy(a, mx.array(t), reduction="sum"))(xa)
    assert g.dtype == dtype
    # The softmax goes through lse rounded to the dtype (as logsumexp's own
    # vjp): relative error of a few units of the dtype's precision.
    tol = 2e-2 if dtype == mx.bfloat16 else 4e-3
    check(g, grad_ref(xr, t, reduction="sum"), rtol=tol, atol=tol)


def test_compiled_value_and_grad_matches_eager(rng):
    x = r32(rng.normal(size=(16, 301)) * 2)  # odd class count
    t = rng.integers(0, 301, size=(16,))
    xa, ta = mx.array(x, dtype=mx.float32), mx.array(t)

    def loss_fn(a, b):
        return losses.cross_entropy(a, b, reduction="mean")

    vg = mx.value_and_grad(loss_fn)
    cvg = mx.compile(vg)
    for _ in range(2):  # traced, then replayed
        lc, gc = cvg(xa, ta)
        le, ge = vg(xa, ta)
        check(lc, np.asarray(le))
        check(gc, grad_ref(x, t))
        check(ge, grad_ref(x, t))
    # Through an astype to float32 (the GPT-2 benchmark's autocast recipe).
    xb = xa.astype(mx.bfloat16)
    cvg2 = mx.compile(mx.value_and_grad(lambda a, b: loss_fn(a.astype(mx.float32), b)))
    _, gb = cvg2(xb, ta)
    assert gb.dtype == mx.bfloat16
    xr = np.asarray(xb.astype(mx.float32), dtype=np.float64)
    check(gb, grad_ref(xr, t), rtol=1e-2, atol=1e-4)


def test_vmap_and_jvp(rng):
    x = r32(rng.normal(size=(3, 4, 5)))
    t = rng.integers(0, 5, size=(3, 4))
    xa, ta = mx.array(x, dtype=mx.float32), mx.array(t)
    f = lambda a, b: losses.cross_entropy(a, b, reduction="sum")
    out = mx.vmap(f)(xa, ta)
    lse = np.log(np.sum(np.exp(x), -1))
    ref = np.sum(lse - np.take_along_axis(x, t[..., None], -1)[..., 0], -1)
    check(out, ref)
    # Per-example gradients through vmap of grad.
    gs = mx.vmap(mx.grad(f))(xa, ta)
    check(gs, np.stack([grad_ref(x[i], t[i], reduction="sum") for i in range(3)]))
    # jvp: d loss = sum((softmax - onehot) * v).
    v = r32(rng.normal(size=x.shape))
    _, (tan,) = mx.jvp(lambda a: [f(a, ta)], [xa], [mx.array(v, dtype=mx.float32)])
    check(tan, np.sum(grad_ref(x, t, reduction="sum") * v))


def test_empty_batch():
    x = mx.zeros((0, 5))
    t = mx.zeros((0,), dtype=mx.int32)
    g = mx.grad(lambda a: losses.cross_entropy(a, t, reduction="sum"))(x)
    assert g.shape == (0, 5)
