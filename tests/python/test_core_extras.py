"""Core names built from existing ops: gather_mm, segmented_mm,
block_masked_mm, hadamard_transform, linalg.norm/cross, fft frequency and
shift helpers, distributed (single process), export_to_dot, ArrayLike."""

import io

import numpy as np
import pytest

import ember.core as mx


def f64(a):
    return np.array(a).astype(np.float64)


# ---- gather_mm -------------------------------------------------------------

def test_gather_mm(rng):
    a = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)  # batch (2, 3)
    b = rng.standard_normal((4, 5, 6)).astype(np.float32)  # batch (4,)
    li = np.array([[5, 0, 3], [1, 1, 2]])
    ri = np.array([3, 0, 2])  # broadcasts with li
    out = mx.gather_mm(mx.array(a), mx.array(b), mx.array(li), mx.array(ri))
    af, bf = f64(a).reshape(6, 4, 5), f64(b)
    lb, rb = np.broadcast_arrays(li, ri)
    ref = np.einsum("...mk,...kn->...mn", af[lb], bf[rb])
    assert out.shape == ref.shape == (2, 3, 4, 6)
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-5)
    # None indices: every batch item in order (= batched matmul).
    c = rng.standard_normal((3, 5, 2)).astype(np.float32)
    out = mx.gather_mm(mx.array(a[0]), mx.array(c), sorted_indices=True)
    np.testing.assert_allclose(np.array(out), f64(a[0]) @ f64(c), rtol=1e-5, atol=1e-5)
    only_l = mx.gather_mm(mx.array(a[0]), mx.array(c), mx.array([2, 2, 0]))
    np.testing.assert_allclose(np.array(only_l), f64(a[0])[[2, 2, 0]] @ f64(c),
                               rtol=1e-5, atol=1e-5)


def test_gather_mm_gradient(rng):
    a = rng.standard_normal((3, 2, 4)).astype(np.float32)
    b = rng.standard_normal((2, 4, 3)).astype(np.float32)
    li, ri = np.array([0, 2, 0]), np.array([1, 1, 0])

    def f(x):
        return mx.gather_mm(x, mx.array(b), mx.array(li), mx.array(ri)).sum()

    g = np.array(mx.grad(f)(mx.array(a)))
    ref = np.zeros_like(f64(a))
    for i, j in zip(li, ri):  # d/dA sum(A @ B) = ones @ B^T
        ref[i] += np.ones((2, 3)) @ f64(b[j]).T
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-5)


def test_gather_mm_errors():
    with pytest.raises(ValueError):
        mx.gather_mm(mx.ones((4,)), mx.ones((4, 2)))
    with pytest.raises(ValueError):
        mx.gather_mm(mx.ones((2, 2, 2)), mx.ones((2, 2, 2)), mx.array([0.0]))
    with pytest.raises(ValueError):
        mx.gather_mm(mx.ones((2, 2, 3)), mx.ones((2, 2, 2)))  # K mismatch


# ---- segmented_mm ----------------------------------------------------------

def test_segmented_mm(rng):
    a = rng.standard_normal((3, 10)).astype(np.float32)
    b = rng.standard_normal((10, 4)).astype(np.float32)
    seg = np.array([[[0, 4], [4, 10]], [[2, 2], [1, 9]]])
    out = mx.segmented_mm(mx.array(a), mx.array(b), mx.array(seg))
    ref = np.zeros((2, 2, 3, 4))
    for i in range(2):
        for j in range(2):
            s, e = seg[i, j]
            ref[i, j] = f64(a)[:, s:e] @ f64(b)[s:e]
    assert out.shape == ref.shape
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-5)


def test_segmented_mm_errors():
    with pytest.raises(ValueError):
        mx.segmented_mm(mx.ones((2, 3)), mx.ones((4, 2)), mx.array([[0, 1]]))
    with pytest.raises(ValueError):
        mx.segmented_mm(mx.ones((2, 3)), mx.ones((3, 2)), mx.array([[0, 1, 2]]))
    with pytest.raises(ValueError):
        mx.segmented_mm(mx.ones((2, 3)), mx.ones((3, 2)), mx.array([[0.0, 1.0]]))


# ---- block_masked_mm -------------------------------------------------------

def _expand(mask, bs, rows, cols):
    return np.repeat(np.repeat(mask, bs, -2), bs, -1)[..., :rows, :cols]


@pytest.mark.parametrize("bs", [32, 64])
def test_block_masked_mm(rng, bs):
    M, K, N = 70, 100, 40  # not multiples of the block size
    a = rng.standard_normal((2, M, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    tm, tk, tn = -(-M // bs), -(-K // bs), -(-N // bs)
    mo = rng.random((2, tm, tn)) > 0.4
    ml = rng.random((tm, tk)) > 0.3
    mr = rng.uniform(0.5, 2.0, (tk, tn)).astype(np.float32)  # float mask = scales
    out = mx.block_masked_mm(mx.array(a), mx.array(b), bs, mx.array(mo), mx.array(ml),
                             mx.array(mr))
    am = f64(a) * _expand(ml, bs, M, K)
    bm = f64(b) * _expand(mr, bs, K, N)
    ref = (am @ bm) * _expand(mo, bs, M, N)
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-4, atol=1e-4)
    plain = mx.block_masked_mm(mx.array(a), mx.array(b), bs)
    np.testing.assert_allclose(np.array(plain), f64(a) @ f64(b), rtol=1e-4, atol=1e-4)


def test_block_masked_mm_errors():
    a, b = mx.ones((64, 64)), mx.ones((64, 64))
    with pytest.raises(ValueError):
        mx.block_masked_mm(a, b, 16)
    with pytest.raises(ValueError):
        mx.block_masked_mm(a, b, 32, mask_out=mx.ones((3, 2), dtype=mx.bool_))


# ---- hadamard_transform ----------------------------------------------------

def _hadamard(n):
    i = np.arange(n)
    bits = np.bitwise_and(i[:, None], i[None, :])
    parity = np.array([bin(v).count("1") % 2 for v in bits.ravel()]).reshape(n, n)
    return np.where(parity == 1, -1.0, 1.0)


@pytest.mark.parametrize("n", [1, 2, 8, 64])
def test_hadamard_transform(rng, n):
    x = rng.standard_normal((3, 2, n)).astype(np.float32)
    H = _hadamard(n)
    out = mx.hadamard_transform(mx.array(x))
    np.testing.assert_allclose(np.array(out), f64(x) @ H.T / np.sqrt(n), rtol=1e-5,
                               atol=1e-5)
    out = mx.hadamard_transform(mx.array(x).transpose(1, 0, 2), scale=0.5)
    np.testing.assert_allclose(np.array(out), f64(x).transpose(1, 0, 2) @ H.T * 0.5,
                               rtol=1e-5, atol=1e-5)


def test_hadamard_transform_dtypes_and_errors():
    x = mx.array([[1, 2, 3, 4]])
    out = mx.hadamard_transform(x, scale=1.0)
    assert out.dtype == mx.float32
    np.testing.assert_allclose(np.array(out), np.array([[1, 2, 3, 4]]) @ _hadamard(4).T)
    h = mx.hadamard_transform(mx.array([1.0, 2.0], dtype=mx.float16))
    assert h.dtype == mx.float16
    with pytest.raises(ValueError):
        mx.hadamard_transform(mx.ones((3, 12)))
    with pytest.raises(ValueError):
        mx.hadamard_transform(mx.array(1.0))


# ---- linalg.norm / cross ---------------------------------------------------

VEC_ORDS = [None, 2, 1, 3, 0.5, 0, np.inf, -np.inf, -1]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's ord<0 with a zero
@pytest.mark.parametrize("ord", VEC_ORDS, ids=[str(o) for o in VEC_ORDS])
def test_norm_vector(rng, ord):
    x = rng.standard_normal((3, 5)).astype(np.float32)
    x[0, 1] = 0.0
    for axis in (0, 1, -1):
        for keepdims in (False, True):
            out = mx.linalg.norm(mx.array(x), ord=ord, axis=axis, keepdims=keepdims)
            ref = np.linalg.norm(f64(x), ord=ord, axis=axis, keepdims=keepdims)
            assert out.shape == ref.shape
            np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-6)
    v = mx.array(x[1])
    np.testing.assert_allclose(mx.linalg.norm(v, ord=ord).item(),
                               np.linalg.norm(f64(x[1]), ord=ord), rtol=1e-5)


MAT_ORDS = [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"]


@pytest.mark.parametrize("ord", MAT_ORDS, ids=[str(o) for o in MAT_ORDS])
def test_norm_matrix(rng, ord):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    for axis in ((1, 2), (2, 0), (-1, -2)):
        for keepdims in (False, True):
            # SVD-based orders run on the CPU only (as in MLX).
            out = mx.linalg.norm(
                mx.array(x), ord=ord, axis=axis, keepdims=keepdims, stream=mx.cpu
            )
            ref = np.linalg.norm(f64(x), ord=ord, axis=axis, keepdims=keepdims)
            assert out.shape == ref.shape
            np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-6)
    out = mx.linalg.norm(mx.array(x[0]), ord=ord, stream=mx.cpu)
    np.testing.assert_allclose(out.item(), np.linalg.norm(f64(x[0]), ord=ord), rtol=1e-5)


def test_norm_misc():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10
    out = mx.linalg.norm(mx.array(x))  # flattened 2-norm for any ndim
    np.testing.assert_allclose(out.item(), np.sqrt((f64(x) ** 2).sum()), rtol=1e-6)
    assert mx.linalg.norm(mx.array(x), keepdims=True).shape == (1, 1, 1)
    ints = mx.linalg.norm(mx.array([3, 4]))
    assert ints.dtype == mx.float32 and ints.item() == 5.0
    c = mx.linalg.norm(mx.array([3 + 4j, 0j]))
    assert c.dtype == mx.float32 and abs(c.item() - 5.0) < 1e-6
    assert mx.linalg.norm(mx.zeros((0,))).item() == 0.0
    nc = mx.array(x).transpose(2, 0, 1)  # non-contiguous
    np.testing.assert_allclose(np.array(mx.linalg.norm(nc, axis=0)),
                               np.linalg.norm(f64(x).transpose(2, 0, 1), axis=0), rtol=1e-6)
    for bad in [dict(ord="bad"), dict(ord=3)]:
        with pytest.raises(ValueError):
            mx.linalg.norm(mx.array(x[0]), **bad)
    with pytest.raises(ValueError):
        mx.linalg.norm(mx.array(x), ord=1)  # 3-D needs axis
    with pytest.raises(ValueError):
        mx.linalg.norm(mx.array(x[0, 0]), ord="fro", axis=0)
    with pytest.raises(ValueError):
        mx.linalg.norm(mx.array(x), axis=(0, 1, 2))
    with pytest.raises(IndexError):
        mx.linalg.norm(mx.array(x), axis=3)


def test_norm_gradient():
    x = np.array([3.0, -4.0], dtype=np.float32)
    g = mx.grad(lambda v: mx.linalg.norm(v))(mx.array(x))
    np.testing.assert_allclose(np.array(g), f64(x) / 5.0, rtol=1e-6)


def test_cross(rng):
    a = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(np.array(mx.linalg.cross(mx.array(a), mx.array(b))),
                               np.cross(f64(a), f64(b)), rtol=1e-5, atol=1e-6)
    # axis, broadcasting, size-2 inputs (z = 0)
    a0 = rng.standard_normal((3, 5)).astype(np.float32)
    b0 = rng.standard_normal((3, 1)).astype(np.float32)
    np.testing.assert_allclose(
        np.array(mx.linalg.cross(mx.array(a0), mx.array(b0), axis=0)),
        np.cross(f64(a0), f64(b0), axis=0), rtol=1e-5, atol=1e-6)
    a2 = rng.standard_normal((4, 2)).astype(np.float32)
    ref = np.cross(np.pad(f64(a2), ((0, 0), (0, 1))), f64(b))
    np.testing.assert_allclose(np.array(mx.linalg.cross(mx.array(a2), mx.array(b))), ref,
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        mx.linalg.cross(mx.ones((4,)), mx.ones((4,)))
    with pytest.raises(IndexError):
        mx.linalg.cross(mx.ones((3,)), mx.ones((3,)), axis=1)


# ---- fft helpers -----------------------------------------------------------

@pytest.mark.parametrize("n", [1, 4, 7, 10])
def test_fftfreq(n):
    for d in (1.0, 0.25):
        out = mx.fft.fftfreq(n, d)
        assert out.dtype == mx.float32
        np.testing.assert_allclose(np.array(out), np.fft.fftfreq(n, d), rtol=1e-6)
        np.testing.assert_allclose(np.array(mx.fft.rfftfreq(n, d=d)), np.fft.rfftfreq(n, d),
                                   rtol=1e-6)
    with pytest.raises(ValueError):
        mx.fft.fftfreq(0)


def test_fftshift(rng):
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    for axes in (None, 0, (1, 2), [-1]):
        np.testing.assert_array_equal(np.array(mx.fft.fftshift(mx.array(x), axes)),
                                      np.fft.fftshift(x, axes))
        np.testing.assert_array_equal(np.array(mx.fft.ifftshift(mx.array(x), axes=axes)),
                                      np.fft.ifftshift(x, axes))
    with pytest.raises(IndexError):
        mx.fft.fftshift(mx.array(x), 3)


# ---- distributed -----------------------------------------------------------

def test_distributed_single_process():
    d = mx.distributed
    assert d.is_available() is False
    g = d.init()
    assert g.rank() == 0 and g.size() == 1
    assert g.split(3).size() == 1
    x = mx.array([[1.0, 2.0], [3.0, 4.0]])
    for fn in (d.all_sum, d.all_max, d.all_min, d.all_gather, d.sum_scatter):
        assert fn(x).tolist() == x.tolist()
        assert fn(x, group=g).tolist() == x.tolist()
    with pytest.raises(RuntimeError):
        d.init(strict=True)
    with pytest.raises(ValueError):
        d.init(backend="carrier-pigeon")
    with pytest.raises(ValueError):
        d.send(x, 0)
    with pytest.raises(ValueError):
        d.recv((2, 2), mx.float32, 1)
    with pytest.raises(ValueError):
        d.recv_like(x, 0)
    with pytest.raises(TypeError):
        d.all_sum(x, group="world")


# ---- export_to_dot / ArrayLike ---------------------------------------------

def test_export_to_dot(tmp_path):
    a = mx.array([1.0, 2.0])
    b = mx.exp(a) * 2
    parts = mx.split(b, 2)
    buf = io.StringIO()
    mx.export_to_dot(buf, parts[0], out=parts[1])
    dot = buf.getvalue()
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    for name in ("Exp", "Multiply", "out\\n"):
        assert name in dot, dot
    assert dot.count("shape=box") >= 3  # exp, multiply, split (one node, two outputs)
    path = tmp_path / "g.dot"
    mx.export_to_dot(str(path), [b, {"k": a}])
    assert path.read_text().startswith("digraph")
    mx.eval(b)
    buf = io.StringIO()
    mx.export_to_dot(buf, b)
    assert "shape=box" not in buf.getvalue()  # evaluated: a single input node


def test_array_like():
    class Wrapped:
        def __init__(self, v):
            self.v = v

        def __mlx_array__(self):
            return mx.array(self.v)

    w = mx.ArrayLike(Wrapped([1, 2]))
    assert mx.add(w, 1).tolist() == [2, 3]
    assert mx.array(w).tolist() == [1, 2]
    with pytest.raises(TypeError):
        mx.ArrayLike(3)
