"""__getitem__, __setitem__ and .at[] against NumPy."""

import numpy as np
import pytest

import ember.core as mx

X = np.arange(60, dtype=np.float32).reshape(3, 4, 5)

GET = [
    1, -1, (1, 2), (slice(None), 2), slice(1, None), slice(None, None, -1),
    (slice(None), slice(1, 4, 2), slice(None, None, -2)), (Ellipsis, 1), (None, 1),
    (1, None, Ellipsis, None), (), Ellipsis, (slice(5, 10),), (slice(-100, 100),),
    np.array([2, 0]), [0, 2, 1], (np.array([0, 2]), np.array([1, 3])),
    (slice(None), np.array([[0, 1], [2, 3]])), (np.array([0, 1]), slice(None), np.array([1, 2])),
    (1, np.array([0, 3])), (Ellipsis, np.array([-1, 0])), (np.array([1]), None, slice(1, 3)),
    (slice(None), np.array([0, 2]), np.array([1, 4])), (np.array(2),),
]


@pytest.mark.parametrize("idx", GET, ids=[repr(i)[:40] for i in GET])
def test_getitem(idx):
    a = mx.array(X)
    i = tuple(mx.array(t) if isinstance(t, np.ndarray) else t for t in idx) \
        if isinstance(idx, tuple) else (mx.array(idx) if isinstance(idx, np.ndarray) else idx)
    out = a[i]
    ref = X[idx]
    assert out.shape == ref.shape
    np.testing.assert_array_equal(np.array(out), ref)


def test_getitem_noncontiguous_source():
    a = mx.array(X).transpose(2, 0, 1)
    np.testing.assert_array_equal(np.array(a[1:, 2, ::-1]), X.transpose(2, 0, 1)[1:, 2, ::-1])
    np.testing.assert_array_equal(np.array(a[mx.array([3, 0])]), X.transpose(2, 0, 1)[[3, 0]])


def test_getitem_errors():
    a = mx.array(X)
    with pytest.raises(IndexError):
        a[0, 0, 0, 0]
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(ValueError):
        a[mx.array([True, False, True])]
    with pytest.raises(ValueError):
        mx.array(1)[0]
    with pytest.raises(IndexError):
        a[..., ...]
    with pytest.raises(ValueError):
        a[mx.array([1.0])]
    assert mx.array(3)[()].item() == 3


SET = [1, (0, slice(1, 3)), (Ellipsis, -1), slice(None, None, 2), (slice(None), 1, None),
       np.array([0, 2]), (np.array([0, 1]), np.array([1, 2])), (slice(None), np.array([3, 0]))]


@pytest.mark.parametrize("idx", SET, ids=[repr(i)[:40] for i in SET])
def test_setitem(idx):
    a = mx.array(X)
    alias = a
    ref = X.copy()
    i = tuple(mx.array(t) if isinstance(t, np.ndarray) else t for t in idx) \
        if isinstance(idx, tuple) else (mx.array(idx) if isinstance(idx, np.ndarray) else idx)
    shape = ref[idx].shape
    val = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) + 100
    a[i] = mx.array(val)
    ref[idx] = val
    np.testing.assert_array_equal(np.array(alias), ref)
    a[i] = 7
    ref[idx] = 7
    np.testing.assert_array_equal(np.array(a), ref)


def test_setitem_dtype_and_mask():
    a = mx.array([1, 2, 3])
    a[0] = 2.7
    assert a.dtype == mx.int32 and a.tolist() == [2, 2, 3]
    b = mx.array([1.0, -2.0, 3.0, -4.0])
    b[b < 0] = 0.0
    assert b.tolist() == [1.0, 0.0, 3.0, 0.0]
    c = mx.array([[1, 2], [3, 4]])
    c[mx.array([True, False])] = mx.array([9, 8])
    assert c.tolist() == [[9, 8], [3, 4]]
    d = mx.zeros((2, 3))
    d[0] = mx.array([[1.0, 2.0, 3.0]])  # leading size-1 dims are stripped
    assert d.tolist()[0] == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        d[0] = mx.array([1.0, 2.0])
    with pytest.raises(ValueError):
        d[mx.array([True, False, True])] = 1.0
    e = mx.array(1.0)
    e[...] = 3
    assert e.item() == 3.0


def test_at_updates():
    a = mx.array([0.0, 0.0, 0.0])
    idx = mx.array([0, 0, 2])
    assert a.at[idx].add(1.0).tolist() == [2.0, 0.0, 1.0]
    assert a.tolist() == [0.0, 0.0, 0.0]
    b = mx.array([1.0, 2.0, 3.0])
    assert b.at[idx].multiply(2.0).tolist() == [4.0, 2.0, 6.0]
    assert b.at[idx].subtract(1.0).tolist() == [-1.0, 2.0, 2.0]
    assert b.at[mx.array([1])].divide(4.0).tolist() == [1.0, 0.5, 3.0]
    assert b.at[idx].maximum(2.5).tolist() == [2.5, 2.0, 3.0]
    assert b.at[idx].minimum(0.5).tolist() == [0.5, 2.0, 0.5]
    assert b.at[1:].add(1.0).tolist() == [1.0, 3.0, 4.0]
    m = mx.zeros((2, 3))
    assert m.at[mx.array([1, 1]), mx.array([0, 0])].add(1.0).tolist() == [[0, 0, 0], [2, 0, 0]]
    with pytest.raises(ValueError):
        b.at.add(1.0)


def test_take_family():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    a = mx.array(x)
    np.testing.assert_array_equal(np.array(mx.take(a, mx.array([2, 0]), axis=1)),
                                  np.take(x, [2, 0], axis=1))
    np.testing.assert_array_equal(np.array(mx.take(a, mx.array([5, -1]))), np.take(x, [5, -1]))
    assert mx.take(a, 1, axis=0).tolist() == x[1].tolist()
    idx = np.array([[1], [0], [3]])
    np.testing.assert_array_equal(np.array(mx.take_along_axis(a, mx.array(idx), axis=1)),
                                  np.take_along_axis(x, idx, axis=1))
    ref = x.copy()
    np.put_along_axis(ref, idx, -1.0, axis=1)
    np.testing.assert_array_equal(
        np.array(mx.put_along_axis(a, mx.array(idx), mx.array(-1.0), axis=1)), ref)
    assert mx.slice(mx.arange(5), mx.array([1]), [0], [2]).tolist() == [1, 2]
    assert mx.slice_update(mx.zeros(4), mx.ones(2), mx.array([1]), [0]).tolist() == [0, 1, 1, 0]


# Integer arrays mixed with partial slices, None, Ellipsis and ints (NumPy
# layout: advanced indices separated by a slice/None move to the front).
MIXED = [
    (np.array([0, 2]), slice(1, 4)),
    (slice(1, 3), np.array([0, 3])),
    (slice(None, None, -1), np.array([[0], [2]]), slice(0, 5, 2)),
    (np.array([1, 0]), slice(1, 3), np.array([2, 4])),
    (None, np.array([0, 2]), slice(1, 3)),
    (Ellipsis, np.array([1, 3]), slice(None, None, 2)),
    (np.array([0, 1]), None, np.array([3, 0])),
    (1, slice(0, 4, 3), np.array([4, 0, 2])),
    (slice(1, None), 2, np.array([0, 1])),
    (np.array([2, 1]), Ellipsis, slice(1, 3)),
    (slice(-2, None), np.array([[1, 0], [2, 3]]), None),
    ([0, 2], slice(None, None, -2)),
    (np.array([-1, 0]), slice(3, 0, -1)),
    (slice(3, 3), np.array([1])),
    (slice(0, 2), np.array([1, 3]), np.array([[0], [4]])),
    (np.array([[2], [0]]), slice(1, 3), slice(4, 0, -2)),
]
MIXED_IDS = [repr(i)[:60] for i in MIXED]


def _ember_index(idx):
    conv = lambda t: mx.array(t) if isinstance(t, np.ndarray) else t
    return tuple(conv(t) for t in idx) if isinstance(idx, tuple) else conv(idx)


@pytest.mark.parametrize("idx", MIXED, ids=MIXED_IDS)
def test_getitem_mixed(idx):
    out = mx.array(X)[_ember_index(idx)]
    ref = X[idx]
    assert out.shape == ref.shape
    np.testing.assert_array_equal(np.array(out), ref)


@pytest.mark.parametrize("idx", MIXED, ids=MIXED_IDS)
def test_setitem_mixed(idx, rng):
    shape = X[idx].shape
    for val in (rng.standard_normal(shape).astype(np.float32),  # full value
                rng.standard_normal(shape[-1:]).astype(np.float32),  # broadcast
                np.float32(-3.5)):
        a = mx.array(X)
        alias = a
        ref = X.astype(np.float64)
        a[_ember_index(idx)] = mx.array(val)
        ref[idx] = val
        np.testing.assert_array_equal(np.array(alias), ref.astype(np.float32))
    # Leading size-1 dims of the value are stripped.
    a = mx.array(X)
    ref = X.copy()
    val = rng.standard_normal((1, 1) + shape).astype(np.float32)
    a[_ember_index(idx)] = mx.array(val)
    ref[idx] = val.reshape(shape)
    np.testing.assert_array_equal(np.array(a), ref)


def test_setitem_mixed_noncontiguous_and_dtype(rng):
    base = rng.integers(-50, 50, (5, 4, 6)).astype(np.int32)
    src = base.transpose(2, 0, 1)[::2]  # (3, 5, 4) non-contiguous view
    a = mx.array(base).transpose(2, 0, 1)[::2]
    idx = (slice(None, None, -1), np.array([4, 0]), slice(1, 3))
    val = rng.standard_normal(src[idx].shape) * 10  # float64 -> cast to int32
    a[_ember_index(idx)] = mx.array(val.astype(np.float32))
    ref = src.copy()
    ref[idx] = val.astype(np.float32).astype(np.int32)
    assert a.dtype == mx.int32
    np.testing.assert_array_equal(np.array(a), ref)


AT_OPS = [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
          ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum)]
# Index forms with repeated positions: duplicates accumulate in .at[].
AT_MIXED = [
    (np.array([0, 0, 2]), slice(1, 4)),
    (slice(1, 3), np.array([3, 0, 3])),
    (np.array([1, 1]), slice(0, 4, 2), np.array([2, 2])),
    (Ellipsis, np.array([3, 0, 3]), slice(None, None, -1)),
    (slice(None, None, -1), np.array([[0], [0]]), slice(0, 5, 2)),
    (2, slice(1, 3), np.array([1, 1, 0])),
]


@pytest.mark.parametrize("name,fn", AT_OPS, ids=[n for n, _ in AT_OPS])
@pytest.mark.parametrize("idx", AT_MIXED, ids=[repr(i)[:60] for i in AT_MIXED])
def test_at_mixed(idx, name, fn, rng):
    x = rng.uniform(0.5, 2.0, X.shape).astype(np.float32)
    shape = x[idx].shape
    val = rng.uniform(0.5, 2.0, shape).astype(np.float32)
    a = mx.array(x)
    out = getattr(a.at[_ember_index(idx)], name)(mx.array(val))
    ref = x.astype(np.float64)
    fn.at(ref, idx, val.astype(np.float64))
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.array(a), x)  # a itself is unchanged
    # Scalar values broadcast over the indexed block.
    out = getattr(a.at[_ember_index(idx)], name)(1.5)
    ref = x.astype(np.float64)
    fn.at(ref, idx, 1.5)
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-6)


def test_at_mixed_with_none():
    x = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    idx = (np.array([0, 2]), None, slice(1, 3))
    v = np.arange(np.prod(x[idx].shape), dtype=np.float32).reshape(x[idx].shape)
    out = mx.array(x).at[_ember_index(idx)].add(mx.array(v))
    ref = x.copy()
    ref[idx] += v  # no duplicates: same as np.add.at
    np.testing.assert_array_equal(np.array(out), ref)


def test_setitem_mixed_errors():
    a = mx.array(X)
    with pytest.raises(ValueError):
        a[mx.array([0, 1]), 1:3] = mx.zeros((3, 2, 5))  # (2, 2, 5) expected
    with pytest.raises(IndexError):
        a[mx.array([0]), 1:2, 0, 0] = 1.0
    with pytest.raises(ValueError):
        a.at[mx.array([0]), 1:3].add(mx.zeros((4, 5)))


def test_setitem_mixed_gradient():
    # The overwritten entries get no gradient; the rest pass it through.
    def f(x):
        y = x * 1.0
        y[mx.array([0, 2]), 1:3] = 0.0
        return (y * y).sum()

    x = mx.array(X / 10)
    g = np.array(mx.grad(f)(x))
    ref = 2 * (X / 10).astype(np.float64)
    ref[[0, 2], 1:3] = 0.0
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)
