"""ember.core.linalg factorizations and solves against numpy.linalg (float64
references on random inputs), decomposition identities, errors, gradients
against central finite differences of the NumPy functions, and vmap."""

import numpy as np
import pytest

import ember.core as mx
import ember.nn as nn

CPU = mx.cpu
DTYPES = [mx.float32, mx.float64]
TOL = {mx.float32: 2e-4, mx.float64: 1e-10}
NPT = {mx.float32: np.float32, mx.float64: np.float64}


def arr(x, dtype=mx.float64):
    return mx.array(np.asarray(x), dtype=dtype)


def npy(a):
    return np.array(a).astype(np.complex128 if a.dtype == mx.complex64 else np.float64)


def close(got, ref, tol, scale=None):
    got = npy(got) if isinstance(got, mx.array) else np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    s = scale if scale is not None else max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * s)


def rand(rng, shape, dtype=mx.float64):
    x = rng.standard_normal(shape)
    return x, arr(x, dtype)


def well_conditioned(rng, shape):
    n = shape[-1]
    return rng.standard_normal(shape) + 3 * np.eye(n)


def spd(rng, shape):
    x = rng.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def layouts(x):
    """Contiguous, transposed-back and sliced views of a (..., M, N) matrix batch."""
    yield "contiguous", arr(x)
    yield "transposed", mx.swapaxes(arr(np.swapaxes(x, -1, -2)), -1, -2)
    big = np.zeros(x.shape[:-1] + (2 * x.shape[-1],))
    big[..., ::2] = x
    yield "strided", arr(big)[..., ::2]


# ---------------------------------------------------------------- QR / SVD

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 5), (2, 3, 4, 4), (1, 1)])
def test_qr(rng, dtype, shape):
    x, a = rand(rng, shape, dtype)
    q, r = mx.linalg.qr(a, stream=CPU)
    m, n = shape[-2:]
    k = min(m, n)
    assert q.shape == shape[:-2] + (m, k) and r.shape == shape[:-2] + (k, n)
    assert q.dtype == dtype and r.dtype == dtype
    qn, rn = npy(q), npy(r)
    xr = np.array(a).astype(np.float64)
    close(qn @ rn, xr, TOL[dtype] * 10)
    close(np.swapaxes(qn, -1, -2) @ qn, np.broadcast_to(np.eye(k), qn.shape[:-2] + (k, k)),
          TOL[dtype] * 10)
    assert np.all(np.tril(rn, -1) == 0)
    # |diag R| is unique: compare with NumPy's factorization.
    _, rref = np.linalg.qr(xr)
    close(np.abs(np.diagonal(rn, axis1=-2, axis2=-1)),
          np.abs(np.diagonal(rref, axis1=-2, axis2=-1)), TOL[dtype] * 10)


def test_qr_layouts(rng):
    x = rng.standard_normal((2, 5, 4))
    for name, a in layouts(x):
        q, r = mx.linalg.qr(a, stream=CPU)
        close(npy(q) @ npy(r), x, 1e-10)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 5), (2, 3, 4, 2)])
def test_svd(rng, dtype, shape):
    x, a = rand(rng, shape, dtype)
    xr = np.array(a).astype(np.float64)
    u, s, vt = mx.linalg.svd(a, stream=CPU)
    m, n = shape[-2:]
    k = min(m, n)
    assert u.shape == shape[:-2] + (m, m)
    assert s.shape == shape[:-2] + (k,)
    assert vt.shape == shape[:-2] + (n, n)
    sref = np.linalg.svd(xr, compute_uv=False)
    close(s, sref, TOL[dtype] * 10)
    un, sn, vn = npy(u), npy(s), npy(vt)
    close((un[..., :, :k] * sn[..., None, :]) @ vn[..., :k, :], xr, TOL[dtype] * 10)
    close(np.swapaxes(un, -1, -2) @ un, np.broadcast_to(np.eye(m), un.shape), TOL[dtype] * 10)
    close(vn @ np.swapaxes(vn, -1, -2), np.broadcast_to(np.eye(n), vn.shape), TOL[dtype] * 10)
    s_only = mx.linalg.svd(a, compute_uv=False, stream=CPU)
    assert isinstance(s_only, mx.array)
    close(s_only, sref, TOL[dtype] * 10)


def test_svd_complex(rng):
    x = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    a = mx.array(x.astype(np.complex64))
    u, s, vt = mx.linalg.svd(a, stream=CPU)
    assert s.dtype == mx.float32 and u.dtype == mx.complex64
    xr = np.array(a).astype(np.complex128)
    close(s, np.linalg.svd(xr, compute_uv=False), 1e-5)
    close((npy(u)[:, :3] * npy(s)) @ npy(vt)[:3], xr, 1e-5)


def test_svd_layouts(rng):
    x = rng.standard_normal((2, 4, 3))
    for name, a in layouts(x):
        close(mx.linalg.svd(a, compute_uv=False, stream=CPU), np.linalg.svd(x, compute_uv=False),
              1e-10)


# ---------------------------------------------------------------- inverses

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_inv(rng, dtype):
    for shape in [(1, 1), (4, 4), (3, 5, 5)]:
        x = well_conditioned(rng, shape)
        a = arr(x, dtype)
        xr = np.array(a).astype(np.float64)
        out = mx.linalg.inv(a, stream=CPU)
        assert out.dtype == dtype and out.shape == shape
        close(out, np.linalg.inv(xr), TOL[dtype] * 10)


def test_inv_layouts_and_empty(rng):
    x = well_conditioned(rng, (2, 4, 4))
    for name, a in layouts(x):
        close(mx.linalg.inv(a, stream=CPU), np.linalg.inv(x), 1e-10)
    assert mx.linalg.inv(mx.zeros((0, 3, 3)), stream=CPU).shape == (0, 3, 3)
    assert mx.linalg.inv(mx.zeros((2, 0, 0)), stream=CPU).shape == (2, 0, 0)


def test_inv_singular_raises():
    a = mx.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="singular"):
        mx.eval(mx.linalg.inv(a, stream=CPU))


@pytest.mark.parametrize("upper", [False, True])
def test_tri_inv(rng, upper):
    x = well_conditioned(rng, (3, 4, 4))
    tri = np.triu(x) if upper else np.tril(x)
    close(mx.linalg.tri_inv(arr(x), upper=upper, stream=CPU), np.linalg.inv(tri), 1e-10)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4), (4, 1)])
def test_pinv(rng, shape):
    x = rng.standard_normal(shape)
    close(mx.linalg.pinv(arr(x), stream=CPU), np.linalg.pinv(x), 1e-9)
    # Rank deficient.
    r = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))
    close(mx.linalg.pinv(arr(r), stream=CPU), np.linalg.pinv(r), 1e-8)
    assert mx.linalg.pinv(mx.zeros((3, 0)), stream=CPU).shape == (0, 3)


# ---------------------------------------------------------------- Cholesky

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_cholesky(rng, dtype):
    x = spd(rng, (3, 4, 4))
    a = arr(x, dtype)
    xr = np.array(a).astype(np.float64)
    lo = mx.linalg.cholesky(a, stream=CPU)
    ref = np.linalg.cholesky(xr)
    close(lo, ref, TOL[dtype] * 10)
    close(mx.linalg.cholesky(a, upper=True, stream=CPU), np.swapaxes(ref, -1, -2),
          TOL[dtype] * 10)
    # Only the chosen triangle is read.
    junk = np.tril(xr) + np.triu(np.full_like(xr, 7.0), 1)
    close(mx.linalg.cholesky(arr(junk, dtype), stream=CPU), ref, TOL[dtype] * 10)


def test_cholesky_not_pd_raises():
    with pytest.raises(RuntimeError, match="positive definite"):
        mx.eval(mx.linalg.cholesky(mx.array([[1.0, 2.0], [2.0, 1.0]]), stream=CPU))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inv(rng, upper):
    x = spd(rng, (2, 4, 4))
    c = np.linalg.cholesky(x)
    if upper:
        c = np.swapaxes(c, -1, -2)
    close(mx.linalg.cholesky_inv(arr(c), upper=upper, stream=CPU), np.linalg.inv(x), 1e-10)


# ---------------------------------------------------------------- eigen

def sort_complex(w):
    return np.sort_complex(np.round(w, 6))


@pytest.mark.parametrize("dtype", DTYPES + [mx.complex64], ids=str)
def test_eig(rng, dtype):
    x = rng.standard_normal((2, 5, 5))
    if dtype == mx.complex64:
        x = x + 1j * rng.standard_normal((2, 5, 5))
        a = mx.array(x.astype(np.complex64))
    else:
        a = arr(x, dtype)
    xr = npy(a)
    w, v = mx.linalg.eig(a, stream=CPU)
    assert w.dtype == mx.complex64 and v.dtype == mx.complex64
    wn, vn = npy(w), npy(v)
    close(xr @ vn, vn * wn[..., None, :], 1e-4)
    close(np.linalg.norm(vn, axis=-2), np.ones((2, 5)), 1e-5)
    ref = np.linalg.eigvals(xr)
    for b in range(2):
        np.testing.assert_allclose(sort_complex(npy(mx.linalg.eigvals(a, stream=CPU))[b]),
                                   sort_complex(ref[b]), atol=2e-4)


def test_eig_rotation():
    w = mx.linalg.eigvals(mx.array([[0.0, -1.0], [1.0, 0.0]]), stream=CPU)
    np.testing.assert_allclose(sorted(np.array(w).imag), [-1.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(rng, dtype, uplo):
    x = rng.standard_normal((3, 5, 5))
    sym = x + np.swapaxes(x, -1, -2)
    # Garbage in the triangle that is not read.
    junk = np.tril(sym) + np.triu(x, 1) * 5 if uplo == "L" else np.triu(sym) + np.tril(x, -1) * 5
    a = arr(junk, dtype)
    symr = np.array(arr(sym, dtype)).astype(np.float64)
    w, v = mx.linalg.eigh(a, UPLO=uplo, stream=CPU)
    assert w.dtype == dtype and v.dtype == dtype
    wref = np.linalg.eigvalsh(symr)
    close(w, wref, TOL[dtype] * 10)
    close(mx.linalg.eigvalsh(a, UPLO=uplo, stream=CPU), wref, TOL[dtype] * 10)
    vn = npy(v)
    close(symr @ vn, vn * npy(w)[..., None, :], TOL[dtype] * 20)
    close(np.swapaxes(vn, -1, -2) @ vn, np.broadcast_to(np.eye(5), vn.shape), TOL[dtype] * 20)


def test_eigh_complex(rng):
    x = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    h = (x + x.conj().T).astype(np.complex64)
    w, v = mx.linalg.eigh(mx.array(h), stream=CPU)
    assert w.dtype == mx.float32 and v.dtype == mx.complex64
    close(w, np.linalg.eigvalsh(h.astype(np.complex128)), 1e-5)


# ---------------------------------------------------------------- LU / solve

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
def test_lu(rng, dtype, shape):
    x, a = rand(rng, shape, dtype)
    xr = np.array(a).astype(np.float64)
    p, lo, up = mx.linalg.lu(a, stream=CPU)
    m, n = shape[-2:]
    k = min(m, n)
    assert p.dtype == mx.uint32 and p.shape == shape[:-2] + (m,)
    assert lo.shape == shape[:-2] + (m, k) and up.shape == shape[:-2] + (k, n)
    ln, un, pn = npy(lo), npy(up), np.array(p).astype(np.int64)
    close(np.take_along_axis(ln, pn[..., None], -2) @ un, xr, TOL[dtype] * 10)
    assert np.all(np.triu(ln, 1) == 0) and np.allclose(np.diagonal(ln, axis1=-2, axis2=-1), 1)
    assert np.all(np.tril(un, -1) == 0)
    # Partial pivoting: |L| <= 1.
    assert np.all(np.abs(ln) <= 1 + 1e-6)


def test_lu_factor(rng):
    x = rng.standard_normal((2, 4, 4))
    lu, piv = mx.linalg.lu_factor(arr(x), stream=CPU)
    assert piv.dtype == mx.uint32 and piv.shape == (2, 4)
    lun, pn = npy(lu), np.array(piv)
    for b in range(2):
        lo = np.tril(lun[b], -1) + np.eye(4)
        up = np.triu(lun[b])
        perm = np.arange(4)
        for i, j in enumerate(pn[b]):
            perm[[i, j]] = perm[[j, i]]
        close(lo @ up, x[b][perm], 1e-10)
    lu, piv = mx.linalg.lu_factor(mx.array([[1.0, 2.0], [3.0, 4.0]]), stream=CPU)
    assert piv.tolist() == [1, 1]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_solve(rng, dtype):
    x = well_conditioned(rng, (3, 4, 4))
    a = arr(x, dtype)
    xr = np.array(a).astype(np.float64)
    b = rng.standard_normal((3, 4, 2))
    br = np.array(arr(b, dtype)).astype(np.float64)
    close(mx.linalg.solve(a, arr(b, dtype), stream=CPU), np.linalg.solve(xr, br), TOL[dtype] * 10)
    # Vector right-hand side (NumPy 2 rule: only 1-D b is a vector).
    v = rng.standard_normal(4)
    vr = np.array(arr(v, dtype)).astype(np.float64)
    out = mx.linalg.solve(a, arr(v, dtype), stream=CPU)
    assert out.shape == (3, 4)
    close(out, np.linalg.solve(xr, vr[None, :, None])[..., 0], TOL[dtype] * 10)
    # Broadcast batch dims.
    bb = rng.standard_normal((2, 1, 4, 3))
    bbr = np.array(arr(bb, dtype)).astype(np.float64)
    close(mx.linalg.solve(a, arr(bb, dtype), stream=CPU), np.linalg.solve(xr, bbr),
          TOL[dtype] * 10)


def test_solve_layouts_and_promotion(rng):
    x = well_conditioned(rng, (2, 3, 3))
    b = rng.standard_normal((2, 3, 2))
    for name, a in layouts(x):
        close(mx.linalg.solve(a, arr(b), stream=CPU), np.linalg.solve(x, b), 1e-10)
    out = mx.linalg.solve(arr(x[0], mx.float32), arr(b[0], mx.float64), stream=CPU)
    assert out.dtype == mx.float64
    with pytest.raises(RuntimeError, match="singular"):
        mx.eval(mx.linalg.solve(mx.array([[1.0, 2.0], [2.0, 4.0]]), mx.array([1.0, 1.0]),
                                stream=CPU))


@pytest.mark.parametrize("upper", [False, True])
def test_solve_triangular(rng, upper):
    x = well_conditioned(rng, (2, 4, 4))
    b = rng.standard_normal((2, 4, 3))
    tri = np.triu(x) if upper else np.tril(x)
    close(mx.linalg.solve_triangular(arr(x), arr(b), upper=upper, stream=CPU),
          np.linalg.solve(tri, b), 1e-10)
    v = rng.standard_normal(4)
    close(mx.linalg.solve_triangular(arr(x[0]), arr(v), upper=upper, stream=CPU),
          np.linalg.solve(tri[0], v), 1e-10)


# ---------------------------------------------------------------- det

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_det_slogdet(rng, dtype):
    for shape in [(1, 1), (3, 3), (4, 5, 5)]:
        x = rng.standard_normal(shape)
        a = arr(x, dtype)
        xr = np.array(a).astype(np.float64)
        close(mx.linalg.det(a, stream=CPU), np.linalg.det(xr), TOL[dtype] * 10)
        sign, logabs = mx.linalg.slogdet(a, stream=CPU)
        sref, lref = np.linalg.slogdet(xr)
        close(sign, sref, 0)
        close(logabs, lref, TOL[dtype] * 10)


def test_det_special():
    assert mx.linalg.det(mx.array([[1.0, 2.0], [3.0, 4.0]]), stream=CPU).item() == pytest.approx(-2)
    d = mx.linalg.det(mx.array([[2, 0], [0, 3]]), stream=CPU)
    assert d.dtype == mx.float32 and d.item() == 6.0
    sign, logabs = mx.linalg.slogdet(mx.array([[1.0, 2.0], [2.0, 4.0]]), stream=CPU)
    assert sign.item() == 0.0 and logabs.item() == -np.inf
    assert mx.linalg.det(mx.zeros((0, 0)), stream=CPU).item() == 1.0


# ---------------------------------------------------------------- errors

def test_errors():
    bad_calls = [
        lambda: mx.linalg.inv(mx.array([[1, 2], [3, 4]]), stream=CPU),  # int
        lambda: mx.linalg.inv(mx.array([1.0, 2.0]), stream=CPU),  # 1-D
        lambda: mx.linalg.inv(mx.zeros((2, 3)), stream=CPU),  # non-square
        lambda: mx.linalg.qr(mx.zeros((2, 2), dtype=mx.float16), stream=CPU),
        lambda: mx.linalg.cholesky(mx.zeros((2, 3)), stream=CPU),
        lambda: mx.linalg.eigh(mx.eye(2), UPLO="X", stream=CPU),
        lambda: mx.linalg.eig(mx.zeros((2, 3)), stream=CPU),
        lambda: mx.linalg.inv(mx.eye(2).astype(mx.complex64), stream=CPU),
        lambda: mx.linalg.det(mx.eye(2).astype(mx.complex64), stream=CPU),
        lambda: mx.linalg.solve(mx.eye(2), mx.array([1.0, 2.0, 3.0]), stream=CPU),
        lambda: mx.linalg.solve(mx.eye(2), mx.array(1.0), stream=CPU),
        lambda: mx.linalg.solve(mx.zeros((2, 3, 3)), mx.zeros((4, 3, 1)), stream=CPU),
        lambda: mx.linalg.svd(mx.array([1.0, 2.0]), stream=CPU),
    ]
    for call in bad_calls:
        with pytest.raises(ValueError):
            call()


@pytest.mark.skipif(not mx.is_available(mx.gpu), reason="needs a GPU device")
def test_gpu_stream_refused():
    with pytest.raises(ValueError, match="not yet supported on the GPU"):
        mx.linalg.inv(mx.eye(2), stream=mx.gpu)


# ---------------------------------------------------------------- gradients

def fd_grad(f, x, w, eps=1e-6):
    """Central differences of sum(w * f(x)) (f in NumPy float64)."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        g[idx] = (np.sum(w * f(x + d)) - np.sum(w * f(x - d))) / (2 * eps)
    return g


def sym(x):
    return (x + x.T) / 2


def svd_parts(u, s, vt):
    k = s.shape[-1]
    return u[..., :, :k] @ vt[..., :k, :], s


GRAD_CASES = [
    ("inv", lambda x: mx.linalg.inv(x, stream=CPU), lambda x: np.linalg.inv(x), (3, 3), 3.0),
    ("tri_inv", lambda x: mx.linalg.tri_inv(x, stream=CPU),
     lambda x: np.linalg.inv(np.tril(x)), (3, 3), 3.0),
    ("cholesky", lambda x: mx.linalg.cholesky(x @ x.T + 3 * mx.eye(3, dtype=x.dtype), stream=CPU),
     lambda x: np.linalg.cholesky(x @ x.T + 3 * np.eye(3)), (3, 3), 0.0),
    ("qr_R", lambda x: mx.linalg.qr(x, stream=CPU)[1], lambda x: np.linalg.qr(x)[1], (4, 3), 0.0),
    ("qr_Q", lambda x: mx.linalg.qr(x, stream=CPU)[0], lambda x: np.linalg.qr(x)[0], (3, 4), 0.0),
    ("svd_S", lambda x: mx.linalg.svd(x, compute_uv=False, stream=CPU),
     lambda x: np.linalg.svd(x, compute_uv=False), (4, 3), 0.0),
    ("svd_UVt", lambda x: svd_parts(*mx.linalg.svd(x, stream=CPU))[0],
     lambda x: svd_parts(*np.linalg.svd(x))[0], (3, 5), 0.0),
    ("eigvalsh", lambda x: mx.linalg.eigvalsh(x + x.T, stream=CPU),
     lambda x: np.linalg.eigvalsh(x + x.T), (4, 4), 0.0),
    ("eigh_vectors_sq", lambda x: mx.linalg.eigh(x + x.T, stream=CPU)[1] ** 2,
     lambda x: np.linalg.eigh(x + x.T)[1] ** 2, (3, 3), 0.0),
    ("solve", lambda x: mx.linalg.solve(x, mx.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]],
                                                    dtype=x.dtype), stream=CPU),
     lambda x: np.linalg.solve(x, np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])), (3, 3), 3.0),
    ("solve_triangular", lambda x: mx.linalg.solve_triangular(
        x, mx.array([1.0, -2.0, 0.5], dtype=x.dtype), upper=True, stream=CPU),
     lambda x: np.linalg.solve(np.triu(x), np.array([1.0, -2.0, 0.5])), (3, 3), 3.0),
    ("det", lambda x: mx.linalg.det(x, stream=CPU), lambda x: np.linalg.det(x), (3, 3), 2.0),
    ("slogdet", lambda x: mx.linalg.slogdet(x, stream=CPU)[1],
     lambda x: np.linalg.slogdet(x)[1], (3, 3), 2.0),
    ("pinv", lambda x: mx.linalg.pinv(x, stream=CPU), lambda x: np.linalg.pinv(x), (4, 2), 0.0),
    ("cholesky_inv", lambda x: mx.linalg.cholesky_inv(mx.tril(x), stream=CPU),
     lambda x: np.linalg.inv(np.tril(x) @ np.tril(x).T), (3, 3), 3.0),
]


@pytest.mark.parametrize("name,f,ref,shape,shift", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_grad_against_finite_differences(rng, name, f, ref, shape, shift):
    x = rng.standard_normal(shape)
    if shift:
        x = x + shift * np.eye(*shape)
    w = rng.standard_normal(ref(x).shape)
    wm = mx.array(w, dtype=mx.float64)
    g = mx.grad(lambda a: mx.sum(f(a) * wm))(arr(x))
    close(g, fd_grad(ref, x, w), 1e-6)


def test_eigh_grad_symmetric_convention(rng):
    # Only the lower triangle is read; the gradient is symmetrized, exact for
    # symmetric perturbations.
    x = rng.standard_normal((4, 4))
    a = x + x.T
    w = rng.standard_normal(4)
    g = npy(mx.grad(lambda m: mx.sum(mx.linalg.eigvalsh(m, stream=CPU) * arr(w)))(arr(a)))
    np.testing.assert_allclose(g, g.T, atol=1e-12)
    d = sym(rng.standard_normal((4, 4)))
    eps = 1e-6
    fd = (np.sum(w * np.linalg.eigvalsh(a + eps * d)) -
          np.sum(w * np.linalg.eigvalsh(a - eps * d))) / (2 * eps)
    assert np.sum(g * d) == pytest.approx(fd, rel=1e-6)


def test_jvp_inv(rng):
    x = well_conditioned(rng, (3, 3))
    t = rng.standard_normal((3, 3))
    _, (jt,) = mx.jvp(lambda a: mx.linalg.inv(a, stream=CPU), [arr(x)], [arr(t)])
    xi = np.linalg.inv(x)
    close(jt, -xi @ t @ xi, 1e-10)


def test_vmap_matches_loop(rng):
    x = well_conditioned(rng, (3, 4, 4))
    b = rng.standard_normal((4, 3))  # batch on the last axis
    out = mx.vmap(lambda a, v: mx.linalg.solve(a, v, stream=CPU), in_axes=(0, 1))(arr(x), arr(b))
    close(out, np.stack([np.linalg.solve(x[i], b[:, i]) for i in range(3)]), 1e-10)
    inv = mx.vmap(lambda a: mx.linalg.inv(a, stream=CPU), in_axes=2)(arr(np.moveaxis(x, 0, 2)))
    close(inv, np.linalg.inv(x), 1e-10)
    s = mx.vmap(lambda a: mx.linalg.svd(a, compute_uv=False, stream=CPU))(arr(x))
    close(s, np.linalg.svd(x, compute_uv=False), 1e-10)
    w = mx.vmap(lambda a: mx.linalg.eigvalsh(a + a.T, stream=CPU))(arr(x))
    close(w, np.linalg.eigvalsh(x + np.swapaxes(x, 1, 2)), 1e-10)


def test_orthogonal_init_uses_qr():
    for shape in [(4, 4), (3, 6), (6, 3)]:
        w = np.array(nn.init.orthogonal(gain=2.0)(mx.zeros(shape))).astype(np.float64)
        r, c = shape
        gram = w @ w.T if r <= c else w.T @ w
        np.testing.assert_allclose(gram, 4.0 * np.eye(min(r, c)), atol=1e-5)
