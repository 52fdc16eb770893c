"""ember.nn.init: shapes, dtypes and distributions (fixed seeds)."""

import math

import numpy as np
import pytest
from ember.nn import init

import ember.core as mx


def np_(a):
    return np.asarray(a, dtype=np.float64)


@pytest.fixture(autouse=True)
def seed():
    mx.random.seed(1234)


def test_constant():
    out = init.constant(0.75)(mx.zeros((3, 2)))
    assert out.shape == (3, 2) and out.dtype == mx.float32
    assert np.all(np_(out) == 0.75)
    out = init.constant(-2, dtype=mx.float16)(mx.zeros((4,)))
    assert out.dtype == mx.float16 and np.all(np_(out) == -2)
    assert init.constant(1.0)(mx.zeros((0, 3))).shape == (0, 3)


def test_uses_shape_only():
    # The argument's values and dtype don't matter.
    a = mx.full((5, 6), 7, dtype=mx.int32)
    assert init.normal()(a).dtype == mx.float32
    assert init.uniform()(a).shape == (5, 6)


def test_normal_stats():
    out = np_(init.normal(mean=2.0, std=0.5)(mx.zeros((200, 200))))
    assert abs(out.mean() - 2.0) < 0.01
    assert abs(out.std() - 0.5) < 0.01


def test_normal_dtype():
    out = init.normal(dtype=mx.bfloat16)(mx.zeros((3,)))
    assert out.dtype == mx.bfloat16


def test_uniform_stats():
    out = np_(init.uniform(low=-3.0, high=1.0)(mx.zeros((100, 400))))
    assert out.min() >= -3.0 and out.max() < 1.0
    assert abs(out.mean() - (-1.0)) < 0.02
    assert abs(out.std() - 4 / math.sqrt(12)) < 0.02
    out = np_(init.uniform()(mx.zeros((1000,))))
    assert out.min() >= 0 and out.max() < 1


def test_identity():
    out = init.identity()(mx.zeros((4, 4)))
    np.testing.assert_array_equal(np_(out), np.eye(4))
    assert init.identity(dtype=mx.int32)(mx.zeros((2, 2))).dtype == mx.int32
    for shape in [(3, 4), (3,), (2, 2, 2)]:
        with pytest.raises(ValueError):
            init.identity()(mx.zeros(shape))


@pytest.mark.parametrize(
    "shape,fan_in,fan_out",
    [
        ((300, 200), 200, 300),
        ((64, 3, 5, 32), 32 * 15, 64 * 15),
        ((50, 7, 40), 280, 350),
    ],
)
def test_glorot(shape, fan_in, fan_out):
    a = mx.zeros(shape)
    out = np_(init.glorot_normal()(a))
    assert out.shape == shape
    std = math.sqrt(2.0 / (fan_in + fan_out))
    assert abs(out.mean()) < 0.05 * std
    assert abs(out.std() / std - 1) < 0.03
    out = np_(init.glorot_normal()(a, gain=3.0))
    assert abs(out.std() / (3 * std) - 1) < 0.03

    limit = math.sqrt(6.0 / (fan_in + fan_out))
    out = np_(init.glorot_uniform()(a))
    assert out.max() <= limit and out.min() >= -limit
    assert out.max() > 0.99 * limit and out.min() < -0.99 * limit
    assert abs(out.std() / (limit / math.sqrt(3)) - 1) < 0.03
    out = np_(init.glorot_uniform()(a, gain=0.5))
    assert out.max() <= 0.5 * limit and out.max() > 0.49 * limit


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_he(mode):
    shape = (120, 3, 3, 40)
    a = mx.zeros(shape)
    fan = 40 * 9 if mode == "fan_in" else 120 * 9
    std = 1 / math.sqrt(fan)
    out = np_(init.he_normal()(a, mode=mode))
    assert abs(out.mean()) < 0.05 * std
    assert abs(out.std() / std - 1) < 0.03
    out = np_(init.he_normal()(a, mode=mode, gain=2.0))
    assert abs(out.std() / (2 * std) - 1) < 0.03

    limit = math.sqrt(3.0 / fan)
    out = np_(init.he_uniform()(a, mode=mode))
    assert out.max() <= limit and out.min() >= -limit
    assert out.max() > 0.99 * limit
    assert abs(out.std() / (limit / math.sqrt(3)) - 1) < 0.03
    out = np_(init.he_uniform(dtype=mx.float16)(a, mode=mode, gain=math.sqrt(2)))
    assert out.max() <= math.sqrt(2) * limit * 1.001


def test_he_default_is_fan_in():
    a = mx.zeros((400, 100))
    out = np_(init.he_normal()(a))
    assert abs(out.std() - 0.1) < 0.003


def test_fan_errors():
    for fn in [
        init.glorot_normal(),
        init.glorot_uniform(),
        init.he_normal(),
        init.he_uniform(),
    ]:
        with pytest.raises(ValueError):
            fn(mx.zeros((10,)))
    with pytest.raises(ValueError, match="mode"):
        init.he_normal()(mx.zeros((3, 3)), mode="fan_avg")
    with pytest.raises(ValueError, match="mode"):
        init.he_uniform()(mx.zeros((3, 3)), mode="in")


@pytest.mark.parametrize("sparsity,cols", [(0.5, 10), (0.25, 7), (0.0, 5), (1.0, 4)])
def test_sparse(sparsity, cols):
    out = np_(init.sparse(sparsity, mean=3.0, std=0.1)(mx.zeros((50, cols))))
    zeros = math.ceil(sparsity * cols)
    np.testing.assert_array_equal((out == 0).sum(axis=1), np.full(50, zeros))
    nz = out[out != 0]
    if nz.size:
        assert abs(nz.mean() - 3.0) < 0.05 and abs(nz.std() - 0.1) < 0.03
    # The zeroed columns differ between rows.
    if 0 < zeros < cols:
        assert len({tuple(np.flatnonzero(r == 0)) for r in out}) > 1


def test_sparse_errors():
    with pytest.raises(ValueError):
        init.sparse(0.5)(mx.zeros((3,)))
    with pytest.raises(ValueError):
        init.sparse(0.5)(mx.zeros((3, 3, 3)))


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (1, 5)])
def test_orthogonal(shape):
    out = np_(init.orthogonal()(mx.zeros(shape)))
    assert out.shape == shape
    r, c = shape
    if r <= c:
        np.testing.assert_allclose(out @ out.T, np.eye(r), atol=1e-5)
    else:
        np.testing.assert_allclose(out.T @ out, np.eye(c), atol=1e-5)


def test_orthogonal_gain_dtype_and_randomness():
    a = init.orthogonal(gain=2.5, dtype=mx.float16)(mx.zeros((5, 5)))
    assert a.dtype == mx.float16
    w = np_(a)
    np.testing.assert_allclose(w @ w.T, 6.25 * np.eye(5), atol=2e-2)
    b = np_(init.orthogonal()(mx.zeros((5, 5))))
    assert not np.allclose(w / 2.5, b, atol=1e-2)
    # A fresh seed repeats the draw.
    mx.random.seed(7)
    c = np_(init.orthogonal()(mx.zeros((4, 4))))
    mx.random.seed(7)
    d = np_(init.orthogonal()(mx.zeros((4, 4))))
    np.testing.assert_array_equal(c, d)


def test_orthogonal_errors():
    with pytest.raises(ValueError):
        init.orthogonal()(mx.zeros((3,)))
    with pytest.raises(ValueError):
        init.orthogonal()(mx.zeros((2, 2, 2)))
