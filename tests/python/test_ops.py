"""Ops against NumPy float64 references on random inputs."""

import numpy as np
import pytest

import ember.core as mx

TOL = {mx.float32: 1e-5, mx.float16: 2e-3, mx.bfloat16: 2e-2, mx.float64: 1e-12}
NP = {mx.float32: np.float32, mx.float16: np.float16, mx.float64: np.float64}


def check(out, ref, rtol=1e-5, atol=1e-6):
    got = np.array(out.astype(mx.float32) if out.dtype == mx.bfloat16 else out)
    assert got.shape == np.shape(ref), (got.shape, np.shape(ref))
    np.testing.assert_allclose(got.astype(np.float64) if got.dtype != np.bool_ else got,
                               ref, rtol=rtol, atol=atol)


def layouts(x):
    """The same values as a contiguous, transposed, sliced and broadcast input."""
    yield x
    yield np.ascontiguousarray(x.T).T if x.ndim == 2 else x
    if x.ndim >= 1 and x.shape[0] > 1:
        yield x[::2]
    yield np.broadcast_to(x[..., :1], x.shape) if x.ndim >= 1 and x.shape[-1] > 0 else x


def ember_view(x):
    """An ember array with the same (possibly non-contiguous) layout."""
    a = mx.array(np.ascontiguousarray(x))
    return a


UNARY = [
    ("abs", np.abs, None), ("negative", np.negative, None), ("square", np.square, None),
    ("sqrt", np.sqrt, "pos"), ("rsqrt", lambda x: 1 / np.sqrt(x), "pos"),
    ("exp", np.exp, None), ("expm1", np.expm1, None), ("log", np.log, "pos"),
    ("log2", np.log2, "pos"), ("log10", np.log10, "pos"), ("log1p", np.log1p, "pos"),
    ("sin", np.sin, None), ("cos", np.cos, None), ("tan", np.tan, "small"),
    ("arcsin", np.arcsin, "unit"), ("arccos", np.arccos, "unit"), ("arctan", np.arctan, None),
    ("sinh", np.sinh, None), ("cosh", np.cosh, None), ("tanh", np.tanh, None),
    ("arcsinh", np.arcsinh, None), ("arccosh", np.arccosh, "gt1"), ("arctanh", np.arctanh, "unit"),
    ("degrees", np.degrees, None), ("radians", np.radians, None),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), None), ("floor", np.floor, None),
    ("ceil", np.ceil, None), ("trunc", np.trunc, None), ("sign", np.sign, None),
    ("reciprocal", np.reciprocal, "pos"),
]


def domain(rng, kind, shape):
    x = rng.standard_normal(shape)
    if kind == "pos":
        return np.abs(x) + 0.1
    if kind == "unit":
        return np.tanh(x) * 0.9
    if kind == "gt1":
        return np.abs(x) + 1.1
    if kind == "small":
        return np.clip(x, -1.2, 1.2)
    return x


@pytest.mark.parametrize("name,ref,kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary(rng, name, ref, kind):
    fn = getattr(mx, name)
    for shape in [(), (0,), (7,), (3, 5)]:
        x = domain(rng, kind, shape).astype(np.float32)
        for v in layouts(x):
            check(fn(mx.array(v)), ref(v.astype(np.float64)), rtol=2e-5, atol=2e-5)
    x = domain(rng, kind, (4, 3))
    for dt, tol in [(mx.float16, 5e-3), (mx.bfloat16, 3e-2)]:
        a = mx.array(x.astype(np.float32)).astype(dt)
        ref_in = np.array(a.astype(mx.float32)).astype(np.float64)
        out = fn(a)
        assert out.dtype == dt
        check(out, ref(ref_in), rtol=tol, atol=tol)


def test_unary_int_promotes_to_float():
    assert mx.exp(mx.array([1, 2])).dtype == mx.float32
    assert mx.abs(mx.array([-1, 2])).dtype == mx.int32
    assert mx.floor(mx.array([1])).dtype == mx.int32
    with pytest.raises(ValueError):
        mx.negative(mx.array([True]))


def test_unary_predicates():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], dtype=np.float32)
    for name, ref in [("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite),
                      ("isposinf", np.isposinf), ("isneginf", np.isneginf)]:
        out = getattr(mx, name)(mx.array(x))
        assert out.dtype == mx.bool_ and out.tolist() == ref(x).tolist()
    out = mx.nan_to_num(mx.array(x), nan=1.0)
    assert out.tolist()[:2] == [1.0, 1.0] and out.tolist()[2] == np.finfo(np.float32).max
    assert mx.round(mx.array([0.5, 1.5, 2.5])).tolist() == [0.0, 2.0, 2.0]
    assert mx.logical_not(mx.array([1, 0])).tolist() == [False, True]
    assert mx.bitwise_invert(mx.array([1], dtype=mx.uint8)).item() == 254


BINARY = [
    ("add", np.add, None), ("subtract", np.subtract, None), ("multiply", np.multiply, None),
    ("divide", np.divide, "nz"), ("maximum", np.maximum, None), ("minimum", np.minimum, None),
    ("power", np.power, "pos"), ("logaddexp", np.logaddexp, None),
    ("arctan2", np.arctan2, None), ("remainder", np.remainder, "nz"),
    ("floor_divide", np.floor_divide, "nz"),
]


@pytest.mark.parametrize("name,ref,kind", BINARY, ids=[b[0] for b in BINARY])
def test_binary(rng, name, ref, kind):
    fn = getattr(mx, name)
    for sa, sb in [((), ()), ((5,), (5,)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((0, 3), (3,))]:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        if kind == "pos":
            a = np.abs(a) + 0.5
        if kind == "nz":
            b = np.where(np.abs(b) < 0.2, 0.7, b).astype(np.float32)
        check(fn(mx.array(a), mx.array(b)), ref(a.astype(np.float64), b.astype(np.float64)),
              rtol=1e-4, atol=1e-5)
    a = rng.standard_normal((4, 6)).astype(np.float32)
    if kind == "pos":
        a = np.abs(a) + 0.5
    b = np.abs(rng.standard_normal((6, 4)).astype(np.float32)) + 0.5
    check(fn(mx.array(a)[::2], mx.array(b).T[::2]), ref(a[::2].astype(np.float64),
                                                        b.T[::2].astype(np.float64)),
          rtol=1e-4, atol=1e-5)


def test_binary_integer_semantics():
    a, b = mx.array([-7, 7]), mx.array([2, -2])
    assert (a // b).tolist() == [-3, -3]  # MLX truncates integer floor_divide
    assert (a % b).tolist() == [1, -1]
    q, r = mx.divmod(a, b)
    assert q.tolist() == [-4, -4] and r.tolist() == [1, -1]
    assert (mx.array([1, 2]) / mx.array([2, 4])).dtype == mx.float32
    assert (mx.array([2]) ** 3).item() == 8


def test_comparisons_logical_bitwise(rng):
    a = rng.integers(-3, 3, (4, 5)).astype(np.int32)
    b = rng.integers(-3, 3, (5,)).astype(np.int32)
    for name, ref in [("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less),
                      ("less_equal", np.less_equal), ("greater", np.greater),
                      ("greater_equal", np.greater_equal), ("bitwise_and", np.bitwise_and),
                      ("bitwise_or", np.bitwise_or), ("bitwise_xor", np.bitwise_xor),
                      ("logical_and", np.logical_and), ("logical_or", np.logical_or),
                      ("logical_xor", np.logical_xor)]:
        out = getattr(mx, name)(mx.array(a), mx.array(b))
        assert out.tolist() == ref(a, b).tolist(), name
    assert (mx.array([1]) << 3).item() == 8 and (mx.array([8]) >> 2).item() == 2
    assert (mx.array([True]) & mx.array([False])).dtype == mx.bool_
    with pytest.raises(ValueError):
        mx.array([1.0]) & 1
    with pytest.raises(ValueError):
        ~mx.array([1.0])
    assert (~mx.array([True])).tolist() == [False]
    assert mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0])).item()
    assert not mx.array_equal(mx.array([1, 2]), mx.array([1, 2, 3])).item()
    assert mx.allclose(mx.array([1.0]), mx.array([1.0 + 1e-7])).item()
    assert mx.isclose(mx.array([np.nan]), mx.array([np.nan]), equal_nan=True).item()


def test_binary_errors():
    with pytest.raises(ValueError):
        mx.add(mx.zeros((2, 3)), mx.zeros((4,)))
    with pytest.raises(TypeError):
        mx.add(mx.zeros(2), object())
    with pytest.raises(TypeError):
        mx.array([1]) + "a"


def test_where_clip(rng):
    c = rng.random((3, 4)) > 0.5
    x = rng.standard_normal((3, 4)).astype(np.float32)
    check(mx.where(mx.array(c), mx.array(x), 0.0), np.where(c, x, 0.0))
    assert mx.where(mx.array([True, False]), 1, 2).dtype == mx.int32
    check(mx.clip(mx.array(x), -0.5, 0.5), np.clip(x, -0.5, 0.5))
    check(mx.clip(mx.array(x), None, 0.1), np.minimum(x, 0.1))
    with pytest.raises(ValueError):
        mx.clip(mx.array(x), None, None)


REDUCE = [("sum", np.sum), ("prod", np.prod), ("max", np.max), ("min", np.min),
          ("mean", np.mean), ("all", np.all), ("any", np.any),
          ("logsumexp", lambda x, axis=None, keepdims=False: np.log(
              np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
          ("median", np.median)]


@pytest.mark.parametrize("name,ref", REDUCE, ids=[r[0] for r in REDUCE])
def test_reductions(rng, name, ref):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for axis in [None, 0, -1, (0, 2), [1]]:
        for keepdims in [False, True]:
            out = getattr(mx, name)(mx.array(x), axis=axis, keepdims=keepdims)
            np_axis = tuple(axis) if isinstance(axis, list) else axis
            check(out, ref(x.astype(np.float64), axis=np_axis, keepdims=keepdims),
                  rtol=1e-4, atol=1e-5)
    if hasattr(mx.array(x), name):
        check(getattr(mx.array(x).T, name)(axis=0), ref(x.T.astype(np.float64), axis=0),
              rtol=1e-4, atol=1e-5)


def test_reduction_dtypes_and_args():
    assert mx.sum(mx.array([1, 2], dtype=mx.int8)).dtype == mx.int32
    assert mx.sum(mx.array([True, True])).item() == 2
    assert mx.argmax(mx.array([1, 3, 2])).dtype == mx.uint32
    assert mx.argmax(mx.array([[1, 3], [4, 2]]), axis=1).tolist() == [1, 0]
    assert mx.argmin(mx.array([[1, 3], [0, 2]]), axis=0, keepdims=True).tolist() == [[1, 1]]
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    check(mx.var(mx.array(x), axis=1, ddof=1), np.var(x, axis=1, ddof=1))
    check(mx.std(mx.array(x)), np.std(x))
    assert mx.count_nonzero(mx.array([[0, 1], [2, 0]]), axis=0).tolist() == [1, 1]
    check(mx.softmax(mx.array(x), axis=-1), np.exp(x) / np.exp(x).sum(-1, keepdims=True))
    assert mx.sum(mx.zeros((0, 3)), axis=0).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(IndexError):
        mx.sum(mx.zeros((2, 2)), axis=3)


def test_creation():
    assert mx.zeros((2, 3)).tolist() == [[0.0] * 3] * 2
    assert mx.ones(3, dtype=mx.int32).tolist() == [1, 1, 1]
    assert mx.full((2,), 5).dtype == mx.int32
    assert mx.full((2, 2), mx.array([1.0, 2.0])).tolist() == [[1.0, 2.0], [1.0, 2.0]]
    assert mx.arange(5).tolist() == list(range(5))
    assert mx.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert mx.arange(5).dtype == mx.int32 and mx.arange(5.0).dtype == mx.float32
    assert mx.arange(0, 10, 3, dtype=mx.float32).tolist() == [0.0, 3.0, 6.0, 9.0]
    check(mx.linspace(0, 1, 5), np.linspace(0, 1, 5))
    check(mx.eye(3, 4, k=1), np.eye(3, 4, k=1))
    check(mx.identity(2), np.identity(2))
    check(mx.tri(3, 2, -1), np.tri(3, 2, -1))
    x = np.arange(9, dtype=np.float32).reshape(3, 3)
    check(mx.tril(mx.array(x)), np.tril(x))
    check(mx.triu(mx.array(x), 1), np.triu(x, 1))
    a, b = mx.meshgrid(mx.array([1, 2]), mx.array([3, 4, 5]))
    na, nb = np.meshgrid([1, 2], [3, 4, 5])
    assert a.tolist() == na.tolist() and b.tolist() == nb.tolist()
    for w in ["hanning", "hamming", "blackman", "bartlett"]:
        check(getattr(mx, w)(7), getattr(np, w)(7), atol=1e-6)
    assert mx.zeros_like(mx.array([1, 2])).dtype == mx.int32
    assert mx.ones_like(mx.array([1, 2]), dtype=mx.float16).dtype == mx.float16
    assert mx.full_like(mx.array([1.0, 2.0]), 3).tolist() == [3.0, 3.0]
    with pytest.raises(TypeError):
        mx.arange("a")
    with pytest.raises(ValueError):
        mx.arange(0, 1, 0)


def test_shape_ops(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    a = mx.array(x)
    check(mx.reshape(a, (4, -1)), x.reshape(4, -1))
    check(a.reshape(6, 4), x.reshape(6, 4))
    check(mx.transpose(a), x.T)
    check(a.transpose(1, 0, 2), x.transpose(1, 0, 2))
    check(a.T, x.T)
    check(mx.swapaxes(a, 0, 2), np.swapaxes(x, 0, 2))
    check(mx.moveaxis(a, 0, -1), np.moveaxis(x, 0, -1))
    check(mx.expand_dims(a, (0, 2)), np.expand_dims(x, (0, 2)))
    check(mx.squeeze(mx.zeros((1, 3, 1))), np.zeros(3))
    check(mx.flatten(a, 1), x.reshape(2, 12))
    check(mx.unflatten(mx.zeros((6,)), 0, (2, 3)), np.zeros((2, 3)))
    check(mx.broadcast_to(mx.array([1.0, 2.0]), (3, 2)), np.broadcast_to([1.0, 2.0], (3, 2)))
    assert mx.broadcast_shapes((2, 1), (3,)) == (2, 3)
    check(mx.concatenate([a, a], axis=1), np.concatenate([x, x], axis=1))
    check(mx.concatenate([a, a], axis=None), np.concatenate([x.ravel(), x.ravel()]))
    check(mx.stack([a, a], axis=1), np.stack([x, x], axis=1))
    parts = mx.split(a, 2, axis=2)
    for p, r in zip(parts, np.split(x, 2, axis=2)):
        check(p, r)
    parts = mx.split(a, [1, 3], axis=2)
    for p, r in zip(parts, np.split(x, [1, 3], axis=2)):
        check(p, r)
    check(mx.tile(a, (2, 1, 1)), np.tile(x, (2, 1, 1)))
    check(mx.repeat(a, 2, axis=1), np.repeat(x, 2, axis=1))
    check(mx.pad(a, ((0, 1), (1, 0), (2, 2))), np.pad(x, ((0, 1), (1, 0), (2, 2))))
    check(mx.pad(a, 1, mode="edge"), np.pad(x, 1, mode="edge"))
    check(mx.flip(a, 1), np.flip(x, 1))
    check(mx.roll(a, 2, axis=2), np.roll(x, 2, axis=2))
    check(mx.roll(a, 3), np.roll(x, 3))
    m = x[0]
    check(mx.diagonal(mx.array(m), 1), np.diagonal(m, 1))
    check(mx.diag(mx.array([1.0, 2.0])), np.diag([1.0, 2.0]))
    check(mx.trace(mx.array(m)), np.trace(m))
    assert mx.atleast_2d(mx.array(1)).shape == (1, 1)
    assert [t.shape for t in mx.atleast_3d(mx.array(1), mx.zeros((2,)))] == [(1, 1, 1), (1, 2, 1)]
    check(mx.diff(a, axis=1), np.diff(x, axis=1))
    assert mx.view(mx.array([1.0]), mx.uint32).item() == 1065353216
    check(mx.as_strided(mx.arange(4).astype(mx.float32), (2, 2), (1, 1)), [[0, 1], [1, 2]])
    assert len(mx.unstack(a, axis=1)) == 3
    with pytest.raises(ValueError):
        mx.reshape(a, (5, 5))
    with pytest.raises(ValueError):
        mx.split(a, 5, axis=2)


def test_scans_sorting(rng):
    x = rng.standard_normal((3, 5)).astype(np.float32)
    a = mx.array(x)
    check(mx.cumsum(a, axis=1), np.cumsum(x, axis=1), rtol=1e-5)
    check(mx.cumsum(a), np.cumsum(x))
    check(mx.cumprod(a, axis=0), np.cumprod(x, axis=0), rtol=1e-5)
    check(mx.cummax(a, axis=1), np.maximum.accumulate(x, axis=1))
    check(mx.cummin(a, axis=1, reverse=True), np.minimum.accumulate(x[:, ::-1], axis=1)[:, ::-1])
    check(a.cumsum(axis=1, inclusive=False), np.cumsum(x, axis=1) - x, atol=1e-5)
    check(mx.logcumsumexp(a, axis=1), np.logaddexp.accumulate(x.astype(np.float64), axis=1),
          rtol=1e-5)
    check(mx.sort(a), np.sort(x))
    check(mx.sort(a, axis=None), np.sort(x, axis=None))
    assert mx.argsort(a, axis=0).tolist() == np.argsort(x, axis=0, kind="stable").tolist()
    part = np.array(mx.partition(a, 2, axis=1))
    assert np.all(part[:, :2] <= part[:, 2:3]) and np.all(part[:, 3:] >= part[:, 2:3])
    top = np.sort(np.array(mx.topk(a, 2, axis=1)), axis=1)
    check(top, np.sort(x, axis=1)[:, -2:].astype(np.float64))
    assert mx.searchsorted(mx.array([1, 2, 3]), mx.array([0, 2, 5]), side="right").tolist() == [0, 2, 3]


def test_linalg_products(rng):
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    check(mx.matmul(mx.array(a), mx.array(b)), a.astype(np.float64) @ b, rtol=1e-4, atol=1e-5)
    check(mx.array(a) @ mx.array(b), a.astype(np.float64) @ b, rtol=1e-4, atol=1e-5)
    check(mx.matmul(mx.array(b).T, mx.array(a[0]).T), b.T.astype(np.float64) @ a[0].T,
          rtol=1e-4, atol=1e-5)
    v = rng.standard_normal(4).astype(np.float32)
    check(mx.inner(mx.array(v), mx.array(v)), np.inner(v, v), rtol=1e-5)
    check(mx.outer(mx.array(v), mx.array(v)), np.outer(v, v), rtol=1e-5)
    check(mx.tensordot(mx.array(a), mx.array(b), axes=1), np.tensordot(a, b, axes=1),
          rtol=1e-4, atol=1e-5)
    check(mx.kron(mx.array(b[:2, :2]), mx.array(b[:2, :2])), np.kron(b[:2, :2], b[:2, :2]),
          rtol=1e-5)
    check(mx.einsum("bij,jk->bik", mx.array(a), mx.array(b)), np.einsum("bij,jk->bik", a, b),
          rtol=1e-4, atol=1e-5)
    check(mx.addmm(mx.ones((2, 5)), mx.array(a[0][:2]), mx.array(b), alpha=2.0),
          2 * a[0][:2].astype(np.float64) @ b + 1, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError):
        mx.matmul(mx.array([[1, 2]]), mx.array([[1], [2]]))
    with pytest.raises(ValueError):
        mx.matmul(mx.zeros((2, 3)), mx.zeros((4, 2)))


@pytest.mark.parametrize("dt", [mx.float32, mx.float64, mx.float16, mx.bfloat16, mx.complex64])
@pytest.mark.parametrize("mkn", [(1, 37, 53), (41, 29, 1), (1, 1, 7), (5, 1, 1), (1, 64, 1),
                                 (1, 1100, 1000), (1000, 1100, 1)])
def test_matrix_vector_products(rng, dt, mkn):
    # One output row or column (on the CPU, gemv from 2^20 matrix elements,
    # gemm below): row-major, transposed and strided operands, addmm with
    # beta, and beta == 0 with NaNs in c (ignored), against float64/complex128
    # products of the dtype-rounded inputs.
    m, k, n = mkn
    cplx = dt == mx.complex64
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    if cplx:
        a, b = a + 1j * rng.standard_normal((m, k)), b + 1j * rng.standard_normal((k, n))
    ea, eb = mx.array(a).astype(dt), mx.array(b).astype(dt)
    wide = np.complex128 if cplx else np.float64
    na = np.array(ea.astype(mx.float32) if dt == mx.bfloat16 else ea).astype(wide)
    nb = np.array(eb.astype(mx.float32) if dt == mx.bfloat16 else eb).astype(wide)
    tol = {mx.float32: 1e-4, mx.float64: 1e-10, mx.float16: 2e-2, mx.bfloat16: 5e-2,
           mx.complex64: 1e-4}[dt]

    def near(out, ref):
        got = np.array(out.astype(mx.float32) if out.dtype == mx.bfloat16 else out).astype(wide)
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * max(1.0, np.abs(ref).max()))

    want = na @ nb
    a_t = mx.array(np.ascontiguousarray(na.T)).astype(dt).T
    b_t = mx.array(np.ascontiguousarray(nb.T)).astype(dt).T
    a_s = mx.array(np.repeat(na, 2, axis=1)).astype(dt)[:, ::2]
    b_s = mx.array(np.repeat(nb, 2, axis=0)).astype(dt)[::2]
    for x, y in [(ea, eb), (a_t, eb), (ea, b_t), (a_t, b_t), (a_s, eb), (ea, b_s)]:
        near(x @ y, want)
    if not cplx:
        c = rng.standard_normal((m, n))
        nc = np.array(mx.array(c).astype(dt).astype(mx.float32)).astype(np.float64)
        near(mx.addmm(mx.array(c).astype(dt), ea, eb, alpha=0.5, beta=2.0), 0.5 * want + 2 * nc)
        nan_c = mx.full((m, n), float("nan")).astype(dt)
        near(mx.addmm(nan_c, ea, eb, alpha=1.5, beta=0.0), 1.5 * want)
    # A vector against a different matrix per batch.
    av, bv = rng.standard_normal((3, 1, 20)), rng.standard_normal((3, 20, 9))
    eav, ebv = mx.array(av).astype(dt), mx.array(bv).astype(dt)
    to_np = lambda e: np.array(e.astype(mx.float32) if dt == mx.bfloat16 else e).astype(wide)
    near(eav @ ebv, to_np(eav) @ to_np(ebv))


def test_fast(rng):
    x = rng.standard_normal((2, 3, 8)).astype(np.float32)
    w = rng.standard_normal(8).astype(np.float32)
    ref = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-5) * w
    check(mx.fast.rms_norm(mx.array(x), mx.array(w), 1e-5), ref, rtol=1e-4, atol=1e-5)
    mu = x.mean(-1, keepdims=True)
    ref = (x - mu) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    check(mx.fast.layer_norm(mx.array(x), None, None, 1e-5), ref, rtol=1e-4, atol=1e-4)
    q = rng.standard_normal((1, 2, 3, 4)).astype(np.float32)
    s = q @ q.transpose(0, 1, 3, 2) * 0.5
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    check(mx.fast.scaled_dot_product_attention(mx.array(q), mx.array(q), mx.array(q), scale=0.5),
          p @ q, rtol=1e-4, atol=1e-5)
    assert mx.fast.rope(mx.array(x), 8, traditional=False, base=10000.0, scale=1.0,
                        offset=0).shape == x.shape


@pytest.mark.parametrize("layer", [False, True])
@pytest.mark.parametrize("d", [1, 7, 64, 1000])
def test_fast_norm_grads(rng, layer, d):
    # Gradients of the fused norms (one fused backward node) against the
    # closed form in float64: dx, dweight and dbias.
    x = rng.uniform(-1, 2, (2, 3, d)).astype(np.float32)
    w = rng.uniform(0.5, 1.5, d).astype(np.float32)
    b = rng.standard_normal(d).astype(np.float32)
    g = rng.standard_normal((2, 3, d)).astype(np.float32)
    eps = 1e-5
    x64, w64, g64 = x.astype(np.float64), w.astype(np.float64), g.astype(np.float64)
    mu = x64.mean(-1, keepdims=True) if layer else 0.0
    r = 1 / np.sqrt(((x64 - mu) ** 2).mean(-1, keepdims=True) + np.float32(eps))
    n = (x64 - mu) * r
    gw = g64 * w64
    inner = gw - n * (gw * n).mean(-1, keepdims=True)
    if layer:
        inner -= gw.mean(-1, keepdims=True)
    dx, dw, db = r * inner, (g64 * n).sum((0, 1)), g64.sum((0, 1))
    if layer:
        f = lambda a, ww, bb: mx.fast.layer_norm(a, ww, bb, eps)
        primals = [mx.array(x), mx.array(w), mx.array(b)]
    else:
        f = lambda a, ww: mx.fast.rms_norm(a, ww, eps)
        primals = [mx.array(x), mx.array(w)]
    _, grads = mx.vjp(f, primals, [mx.array(g)])
    check(grads[0], dx, rtol=1e-4, atol=1e-4)
    check(grads[1], dw, rtol=1e-4, atol=1e-4)
    if layer:
        check(grads[2], db, rtol=1e-4, atol=1e-4)
