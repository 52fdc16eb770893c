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
