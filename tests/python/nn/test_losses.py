"""ember.nn.losses against NumPy float64 references."""

import math

import numpy as np
import pytest
from ember.nn import losses

import ember.core as mx

REDUCTIONS = ["none", "mean", "sum"]


def f32(x):
    return mx.array(np.asarray(x, dtype=np.float32))


def reduce_np(loss, reduction):
    return {"none": loss, "mean": np.mean(loss), "sum": np.sum(loss)}[reduction]


def check(out, ref, rtol=1e-5, atol=1e-5):
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert out.shape == ref.shape, (out.shape, ref.shape)
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol)


def logsumexp_np(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def log_softmax_np(x, axis):
    return x - np.expand_dims(logsumexp_np(x, axis), axis)


def r32(x):
    """Round to float32 and back: references see the values ember sees."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


# ----------------------------------------------------------------------------
# cross_entropy


def ce_ref(logits, targets, weights=None, axis=-1, ls=0.0):
    axis = axis % logits.ndim
    lse = logsumexp_np(logits, axis)
    if targets.ndim == logits.ndim:
        score = np.sum(logits * targets, axis=axis)
    else:
        score = np.squeeze(
            np.take_along_axis(logits, np.expand_dims(targets, axis), axis), axis
        )
    if ls > 0:
        # Smoothed target distribution: (1 - ls) * onehot + ls / C.
        loss = lse - (1 - ls) * score - ls * np.mean(logits, axis=axis)
    else:
        loss = lse - score
    if weights is not None:
        loss = loss * weights
    return loss


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_indices(rng, reduction):
    logits = r32(rng.normal(size=(4, 5)) * 3)
    targets = rng.integers(0, 5, size=(4,))
    out = losses.cross_entropy(f32(logits), mx.array(targets), reduction=reduction)
    check(out, reduce_np(ce_ref(logits, targets), reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(rng, reduction):
    logits = r32(rng.normal(size=(3, 6)))
    p = rng.random((3, 6))
    p = r32(p / p.sum(-1, keepdims=True))
    out = losses.cross_entropy(f32(logits), f32(p), reduction=reduction)
    # Independent form: -sum(p * log_softmax(logits)).
    ref = -np.sum(p * (logits - logsumexp_np(logits, -1)[:, None]), axis=-1)
    check(out, reduce_np(ref, reduction))


def test_cross_entropy_onehot_equals_indices(rng):
    logits = r32(rng.normal(size=(5, 4)))
    t = rng.integers(0, 4, size=(5,))
    onehot = np.eye(4)[t]
    a = losses.cross_entropy(f32(logits), mx.array(t))
    b = losses.cross_entropy(f32(logits), f32(onehot))
    check(a, np.asarray(b))


@pytest.mark.parametrize("ls", [0.1, 0.5])
def test_cross_entropy_label_smoothing(rng, ls):
    logits = r32(rng.normal(size=(6, 7)))
    t = rng.integers(0, 7, size=(6,))
    out = losses.cross_entropy(f32(logits), mx.array(t), label_smoothing=ls)
    # Reference from the smoothed distribution directly.
    q = (1 - ls) * np.eye(7)[t] + ls / 7
    logp = logits - logsumexp_np(logits, -1)[:, None]
    check(out, -np.sum(q * logp, axis=-1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_weights(rng, reduction):
    logits = r32(rng.normal(size=(2, 3, 4)))
    t = rng.integers(0, 4, size=(2, 3))
    w = r32(rng.random((2, 3)))
    out = losses.cross_entropy(
        f32(logits), mx.array(t), weights=f32(w), reduction=reduction
    )
    check(out, reduce_np(ce_ref(logits, t, w), reduction))


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_cross_entropy_axis(rng, axis):
    logits = r32(rng.normal(size=(3, 4, 5)))
    shape = list(logits.shape)
    c = shape.pop(axis)
    t = rng.integers(0, c, size=shape)
    out = losses.cross_entropy(f32(logits), mx.array(t), axis=axis)
    check(out, ce_ref(logits, t, axis=axis))
    out = losses.cross_entropy(f32(logits), mx.array(t), axis=axis, label_smoothing=0.2)
    check(out, ce_ref(logits, t, axis=axis, ls=0.2))


def test_cross_entropy_non_contiguous(rng):
    base = r32(rng.normal(size=(5, 3)))
    logits = f32(base).T  # (3, 5) transposed view
    t = rng.integers(0, 5, size=(3,))
    check(losses.cross_entropy(logits, mx.array(t)), ce_ref(base.T, t))


def test_cross_entropy_large_logits_stable():
    logits = f32([[1000.0, 0.0], [0.0, -1000.0]])
    out = losses.cross_entropy(logits, mx.array([0, 1]))
    check(out, [0.0, 1000.0])


def test_cross_entropy_errors():
    logits = mx.zeros((2, 3))
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.array([0, 1]), label_smoothing=1.0)
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.array([0, 1]), label_smoothing=-0.1)
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.array([0, 1, 2]))
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.zeros((2, 4)))
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.array([0, 1]), weights=mx.ones((3,)))
    with pytest.raises(ValueError):
        losses.cross_entropy(logits, mx.array([0, 1]), reduction="avg")
    with pytest.raises(IndexError):
        losses.cross_entropy(logits, mx.array([0, 1]), axis=2)


# ----------------------------------------------------------------------------
# binary_cross_entropy


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(rng, reduction):
    x = r32(rng.normal(size=(4, 3)) * 4)
    t = r32(rng.random((4, 3)))
    ref = np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0) - x * t
    out = losses.binary_cross_entropy(f32(x), f32(t), reduction=reduction)
    check(out, reduce_np(ref, reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_probabilities(rng, reduction):
    p = r32(rng.uniform(0.01, 0.99, size=(7,)))
    t = r32(rng.integers(0, 2, size=(7,)))
    w = r32(rng.random(7))
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p)) * w
    out = losses.binary_cross_entropy(
        f32(p), f32(t), weights=f32(w), with_logits=False, reduction=reduction
    )
    check(out, reduce_np(ref, reduction))


def test_bce_probabilities_clipped_logs():
    # log(0) is clipped at -100, so exact 0/1 probabilities give finite losses.
    p = f32([0.0, 1.0, 0.0, 1.0])
    t = f32([1.0, 0.0, 0.0, 1.0])
    out = losses.binary_cross_entropy(p, t, with_logits=False, reduction="none")
    check(out, [100.0, 100.0, 0.0, 0.0])


def test_bce_default_reduction_is_mean(rng):
    x = r32(rng.normal(size=(5,)))
    t = r32(rng.integers(0, 2, size=(5,)))
    ref = np.mean(np.logaddexp(0, x) - x * t)
    check(losses.binary_cross_entropy(f32(x), f32(t)), ref)


def test_bce_errors():
    with pytest.raises(ValueError):
        losses.binary_cross_entropy(mx.zeros((3,)), mx.zeros((4,)))
    with pytest.raises(ValueError):
        losses.binary_cross_entropy(
            mx.zeros((3,)), mx.zeros((3,)), weights=mx.ones((2,))
        )


# ----------------------------------------------------------------------------
# element-wise regression losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_mse(rng, reduction):
    p = r32(rng.normal(size=(3, 4)))
    t = r32(rng.normal(size=(3, 4)))
    check(
        losses.l1_loss(f32(p), f32(t), reduction), reduce_np(np.abs(p - t), reduction)
    )
    check(
        losses.mse_loss(f32(p), f32(t), reduction), reduce_np((p - t) ** 2, reduction)
    )


def test_l1_mse_defaults_and_errors(rng):
    p = r32(rng.normal(size=(6,)))
    t = r32(rng.normal(size=(6,)))
    check(losses.l1_loss(f32(p), f32(t)), np.mean(np.abs(p - t)))
    check(losses.mse_loss(f32(p), f32(t)), np.mean((p - t) ** 2))
    with pytest.raises(ValueError):
        losses.mse_loss(mx.zeros((2,)), mx.zeros((2, 1)))
    with pytest.raises(ValueError):
        losses.l1_loss(mx.zeros((2,)), mx.zeros((3,)))
    with pytest.raises(ValueError):
        losses.mse_loss(mx.zeros((2,)), mx.zeros((2,)), reduction="max")


def test_mse_empty_and_scalar():
    out = losses.mse_loss(mx.zeros((0,)), mx.zeros((0,)), reduction="sum")
    check(out, 0.0)
    assert losses.mse_loss(mx.zeros((0, 3)), mx.zeros((0, 3)), "none").shape == (0, 3)
    check(losses.l1_loss(mx.array(2.0), mx.array(-1.0)), 3.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.3])
def test_smooth_l1(rng, reduction, beta):
    p = r32(rng.normal(size=(10,)) * 2)
    t = r32(rng.normal(size=(10,)))
    d = np.abs(p - t)
    ref = np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta)
    out = losses.smooth_l1_loss(f32(p), f32(t), beta=beta, reduction=reduction)
    check(out, reduce_np(ref, reduction))
    with pytest.raises(ValueError):
        losses.smooth_l1_loss(mx.zeros((2,)), mx.zeros((3,)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.5])
def test_huber(rng, reduction, delta):
    x = r32(rng.normal(size=(4, 5)) * 2)
    t = r32(rng.normal(size=(4, 5)))
    e = np.abs(x - t)
    ref = np.where(e <= delta, 0.5 * e**2, delta * (e - 0.5 * delta))
    out = losses.huber_loss(f32(x), f32(t), delta=delta, reduction=reduction)
    check(out, reduce_np(ref, reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_log_cosh(rng, reduction):
    x = r32(rng.normal(size=(8,)) * 3)
    t = r32(rng.normal(size=(8,)))
    ref = np.log(np.cosh(x - t))
    check(losses.log_cosh_loss(f32(x), f32(t), reduction), reduce_np(ref, reduction))


def test_log_cosh_large_errors_stable():
    out = losses.log_cosh_loss(f32([500.0, -500.0]), f32([0.0, 0.0]))
    check(out, [500.0 - math.log(2), 500.0 - math.log(2)], rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge(rng, reduction):
    x = r32(rng.normal(size=(9,)))
    t = np.where(rng.random(9) < 0.5, -1.0, 1.0)
    ref = np.maximum(1 - x * t, 0)
    check(losses.hinge_loss(f32(x), f32(t), reduction), reduce_np(ref, reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking(rng, reduction, margin):
    a = r32(rng.normal(size=(6,)))
    b = r32(rng.normal(size=(6,)))
    t = np.where(rng.random(6) < 0.5, -1.0, 1.0)
    ref = np.maximum(0, -t * (a - b) + margin)
    out = losses.margin_ranking_loss(f32(a), f32(b), f32(t), margin, reduction)
    check(out, reduce_np(ref, reduction))
    with pytest.raises(ValueError):
        losses.margin_ranking_loss(mx.zeros((2,)), mx.zeros((2,)), mx.zeros((3,)))


# ----------------------------------------------------------------------------
# probabilistic losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("axis", [-1, 0])
def test_nll(rng, reduction, axis):
    ax = axis % 2
    logp = r32(log_softmax_np(rng.normal(size=(4, 5)), ax))
    t = rng.integers(0, logp.shape[ax], size=logp.shape[1 - ax])
    ref = -np.squeeze(np.take_along_axis(logp, np.expand_dims(t, ax), ax), ax)
    out = losses.nll_loss(f32(logp), mx.array(t), axis=axis, reduction=reduction)
    check(out, reduce_np(ref, reduction))
    with pytest.raises(ValueError):
        losses.nll_loss(f32(logp), mx.array([0]), axis=axis)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(rng, reduction, full):
    mu = r32(rng.normal(size=(3, 4)))
    t = r32(rng.normal(size=(3, 4)))
    v = r32(rng.uniform(0.1, 2.0, size=(3, 4)))
    v[0, 0] = 0.0  # clamped to eps
    ve = np.maximum(v, 1e-6)
    ref = 0.5 * (np.log(ve) + (t - mu) ** 2 / ve)
    if full:
        ref = ref + 0.5 * np.log(2 * np.pi)
    out = losses.gaussian_nll_loss(
        f32(mu), f32(t), f32(v), full=full, reduction=reduction
    )
    check(out, reduce_np(ref, reduction), rtol=2e-5)
    with pytest.raises(ValueError):
        losses.gaussian_nll_loss(mx.zeros((2,)), mx.zeros((2,)), mx.ones((3,)))
    with pytest.raises(ValueError):
        losses.gaussian_nll_loss(mx.zeros((2,)), mx.zeros((3,)), mx.ones((2,)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("axis", [-1, 0])
def test_kl_div(rng, reduction, axis):
    x = r32(log_softmax_np(rng.normal(size=(3, 5)), axis))
    y = r32(log_softmax_np(rng.normal(size=(3, 5)), axis))
    ref = np.sum(np.exp(y) * (y - x), axis=axis)
    out = losses.kl_div_loss(f32(x), f32(y), axis=axis, reduction=reduction)
    check(out, reduce_np(ref, reduction))
    assert np.all(np.asarray(losses.kl_div_loss(f32(x), f32(x), axis=axis)) == 0)


# ----------------------------------------------------------------------------
# embedding losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet(rng, reduction):
    a, p, n = (r32(rng.normal(size=(4, 6))) for _ in range(3))
    dp = np.sqrt(np.sum((a - p) ** 2, axis=-1) + 1e-6)
    dn = np.sqrt(np.sum((a - n) ** 2, axis=-1) + 1e-6)
    ref = np.maximum(dp - dn + 1.0, 0)
    out = losses.triplet_loss(f32(a), f32(p), f32(n), reduction=reduction)
    check(out, reduce_np(ref, reduction))


def test_triplet_axis_margin(rng):
    a, p, n = (r32(rng.normal(size=(5, 3))) for _ in range(3))
    dp = np.sqrt(np.sum((a - p) ** 2, axis=0) + 1e-6)
    dn = np.sqrt(np.sum((a - n) ** 2, axis=0) + 1e-6)
    ref = np.maximum(dp - dn + 0.25, 0)
    out = losses.triplet_loss(f32(a), f32(p), f32(n), axis=0, margin=0.25)
    check(out, ref)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_similarity(rng, reduction):
    x1 = r32(rng.normal(size=(4, 5)))
    x2 = r32(rng.normal(size=(4, 5)))
    x1[2] = 0.0  # zero vector: denominator clamped at eps, similarity 0
    n1 = np.linalg.norm(x1, axis=1)
    n2 = np.linalg.norm(x2, axis=1)
    ref = np.sum(x1 * x2, axis=1) / np.maximum(n1 * n2, 1e-8)
    out = losses.cosine_similarity_loss(f32(x1), f32(x2), reduction=reduction)
    check(out, reduce_np(ref, reduction))
    out = losses.cosine_similarity_loss(f32(x1), f32(x2), axis=0)
    ref0 = np.sum(x1 * x2, 0) / np.maximum(
        np.linalg.norm(x1, axis=0) * np.linalg.norm(x2, axis=0), 1e-8
    )
    check(out, ref0)


def test_default_reductions():
    # 'mean' by default only for bce, l1, mse, gaussian_nll, smooth_l1.
    x = f32([[0.5, -1.0], [2.0, 0.0]])
    assert losses.hinge_loss(x, x).shape == (2, 2)
    assert losses.huber_loss(x, x).shape == (2, 2)
    assert losses.log_cosh_loss(x, x).shape == (2, 2)
    assert losses.margin_ranking_loss(x, x, x).shape == (2, 2)
    assert losses.kl_div_loss(x, x).shape == (2,)
    assert losses.cosine_similarity_loss(x, x).shape == (2,)
    assert losses.triplet_loss(x, x, x).shape == (2,)
    assert losses.cross_entropy(x, mx.array([0, 1])).shape == (2,)
    assert losses.nll_loss(x, mx.array([0, 1])).shape == (2,)
    assert losses.smooth_l1_loss(x, x).shape == ()
    assert losses.gaussian_nll_loss(x, x, mx.ones((2, 2))).shape == ()


@pytest.mark.parametrize(
    "fn",
    [
        lambda r: losses.hinge_loss(mx.zeros((2,)), mx.zeros((2,)), reduction=r),
        lambda r: losses.kl_div_loss(mx.zeros((2,)), mx.zeros((2,)), reduction=r),
        lambda r: losses.triplet_loss(
            mx.zeros((2,)), mx.zeros((2,)), mx.zeros((2,)), reduction=r
        ),
        lambda r: losses.gaussian_nll_loss(
            mx.zeros((2,)), mx.zeros((2,)), mx.ones((2,)), reduction=r
        ),
    ],
)
def test_invalid_reduction(fn):
    with pytest.raises(ValueError, match="reduction"):
        fn("average")


# ----------------------------------------------------------------------------
# gradients against central finite differences of the float64 references


def fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def test_grad_cross_entropy_label_smoothing(rng):
    logits = r32(rng.normal(size=(3, 4)))
    t = rng.integers(0, 4, size=(3,))
    w = r32(rng.random(3))

    def f(z):
        return losses.cross_entropy(
            z, mx.array(t), weights=f32(w), label_smoothing=0.1, reduction="mean"
        )

    g = mx.grad(f)(f32(logits))
    ref = fd_grad(lambda z: np.mean(ce_ref(z, t, w, ls=0.1)), logits)
    check(g, ref, rtol=1e-4, atol=1e-5)


def test_grad_bce_with_logits(rng):
    x = r32(rng.normal(size=(5,)))
    t = r32(rng.random(5))
    g = mx.grad(lambda z: losses.binary_cross_entropy(z, f32(t)))(f32(x))
    ref = fd_grad(lambda z: np.mean(np.logaddexp(0, z) - z * t), x)
    check(g, ref, rtol=1e-4, atol=1e-6)


def test_grad_huber_and_smooth_l1(rng):
    x = r32(rng.normal(size=(6,)) * 2)
    t = r32(rng.normal(size=(6,)))
    # Keep away from the kinks of both losses.
    x = np.where(np.abs(np.abs(x - t) - 1.0) < 0.05, x + 0.2, x)

    def huber_np(z):
        e = np.abs(z - t)
        return np.sum(np.where(e <= 1.0, 0.5 * e**2, e - 0.5))

    g = mx.grad(lambda z: losses.huber_loss(z, f32(t), reduction="sum"))(f32(x))
    check(g, fd_grad(huber_np, x), rtol=1e-4, atol=1e-6)
    g = mx.grad(lambda z: losses.smooth_l1_loss(z, f32(t), reduction="sum"))(f32(x))
    check(g, fd_grad(huber_np, x), rtol=1e-4, atol=1e-6)


def test_grad_gaussian_nll_wrt_vars(rng):
    mu = r32(rng.normal(size=(4,)))
    t = r32(rng.normal(size=(4,)))
    v = r32(rng.uniform(0.5, 2.0, size=(4,)))
    g = mx.grad(lambda s: losses.gaussian_nll_loss(f32(mu), f32(t), s))(f32(v))
    ref = fd_grad(lambda s: np.mean(0.5 * (np.log(s) + (t - mu) ** 2 / s)), v)
    check(g, ref, rtol=1e-4, atol=1e-6)


def test_grad_cosine_similarity(rng):
    x1 = r32(rng.normal(size=(2, 3)))
    x2 = r32(rng.normal(size=(2, 3)))

    def ref(a):
        return np.sum(
            np.sum(a * x2, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(x2, axis=1))
        )

    g = mx.grad(lambda a: losses.cosine_similarity_loss(a, f32(x2), reduction="sum"))(
        f32(x1)
    )
    check(g, fd_grad(ref, x1), rtol=1e-4, atol=1e-6)
