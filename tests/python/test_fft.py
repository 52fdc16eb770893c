"""ember.core.fft transforms against numpy.fft (float64/complex128
references): power-of-two, odd and prime lengths, n/s padding and truncation,
axes, norms, strided inputs, dtypes, errors, gradients (finite differences in
real and imaginary directions), jvp and vmap."""

import numpy as np
import pytest

import ember.core as mx

LENGTHS = [1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 64, 97, 100, 128, 243, 1000, 1024]
NORMS = ["backward", "ortho", "forward"]


def cplx(rng, shape):
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    return x.astype(np.complex128), mx.array(x)


def real(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    return x.astype(np.float64), mx.array(x)


def close(got, ref, tol=2e-6):
    """Relative to the largest reference magnitude (complex64 output)."""
    g = np.array(got)
    ref = np.asarray(ref)
    assert g.shape == ref.shape, (g.shape, ref.shape)
    scale = max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    np.testing.assert_allclose(g.astype(np.complex128), ref, rtol=0, atol=tol * scale)


@pytest.mark.parametrize("n", LENGTHS)
def test_fft_ifft_lengths(rng, n):
    x, a = cplx(rng, (3, n))
    y = mx.fft.fft(a)
    assert y.dtype == mx.complex64 and y.shape == (3, n)
    close(y, np.fft.fft(x))
    close(mx.fft.ifft(a), np.fft.ifft(x))
    close(mx.fft.ifft(y), x)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 9, 16, 30, 31, 97, 128])
def test_rfft_irfft_lengths(rng, n):
    x, a = real(rng, (2, n))
    y = mx.fft.rfft(a)
    assert y.dtype == mx.complex64 and y.shape == (2, n // 2 + 1)
    close(y, np.fft.rfft(x))
    back = mx.fft.irfft(y, n)
    assert back.dtype == mx.float32
    close(back, x)
    z, c = cplx(rng, (2, n // 2 + 1))
    if n > 1:
        close(mx.fft.irfft(c), np.fft.irfft(z))
    close(mx.fft.irfft(c, n), np.fft.irfft(z, n))


@pytest.mark.parametrize("fn", ["fft", "ifft", "rfft", "irfft"])
def test_n_and_axis(rng, fn):
    x, a = (real if fn == "rfft" else cplx)(rng, (4, 6, 5))
    for axis in [0, 1, 2, -1, -2]:
        for n in [None, 1, 3, 6, 7, 16]:
            if fn == "irfft" and n is None and x.shape[axis] == 1:
                continue
            close(getattr(mx.fft, fn)(a, n=n, axis=axis), getattr(np.fft, fn)(x, n=n, axis=axis))


@pytest.mark.parametrize("fn", ["fft2", "ifft2", "rfft2", "irfft2"])
def test_2d(rng, fn):
    x, a = (real if fn == "rfft2" else cplx)(rng, (3, 6, 5))
    close(getattr(mx.fft, fn)(a), getattr(np.fft, fn)(x))
    for s, axes in [((4, 8), (-2, -1)), ((3, 2), (0, 2)), ((5, 6), (2, 0)), (None, (0, 1))]:
        close(getattr(mx.fft, fn)(a, s=s, axes=axes), getattr(np.fft, fn)(x, s=s, axes=axes))


@pytest.mark.parametrize("fn", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_nd(rng, fn):
    x, a = (real if fn == "rfftn" else cplx)(rng, (3, 4, 6))
    close(getattr(mx.fft, fn)(a), getattr(np.fft, fn)(x))
    for s, axes in [((4, 8), None), (None, (0, 2)), ((2, 5, 4), (1, 0, 2)), ((7,), (1,))]:
        # axes=None with s: the last len(s) axes (spelled out for NumPy 2).
        ref_axes = tuple(range(x.ndim - len(s), x.ndim)) if axes is None else axes
        close(getattr(mx.fft, fn)(a, s=s, axes=axes), getattr(np.fft, fn)(x, s=s, axes=ref_axes))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("fn", ["fft", "ifft", "rfft", "irfft", "fft2", "irfftn"])
def test_norms(rng, norm, fn):
    x, a = (real if fn == "rfft" else cplx)(rng, (4, 6))
    close(getattr(mx.fft, fn)(a, norm=norm), getattr(np.fft, fn)(x, norm=norm))


def test_strided_and_dtype_inputs(rng):
    x, a = cplx(rng, (6, 8))
    close(mx.fft.fft(a.T), np.fft.fft(x.T))
    close(mx.fft.fft(a[::2, 1::3], axis=0), np.fft.fft(x[::2, 1::3], axis=0))
    r = rng.standard_normal((1, 10))
    b = mx.broadcast_to(mx.array(r.astype(np.float32)), (3, 10))
    close(mx.fft.rfft(b), np.fft.rfft(np.broadcast_to(r, (3, 10))))
    # float64 and integer inputs give complex64; irfft gives float32.
    f64 = mx.array(r, dtype=mx.float64)
    assert mx.fft.fft(f64).dtype == mx.complex64
    close(mx.fft.fft(f64), np.fft.fft(r))
    assert mx.fft.fft(mx.array([1, 2, 3])).dtype == mx.complex64
    close(mx.fft.fft(mx.array([1, 2, 3])), np.fft.fft([1, 2, 3]))
    assert mx.fft.irfft(mx.array(r, dtype=mx.float64)).dtype == mx.float32
    # rfft of complex input drops the imaginary part.
    close(mx.fft.rfft(a), np.fft.rfft(x.real))
    # Empty batch; no axes.
    assert mx.fft.fft(mx.zeros((0, 4))).shape == (0, 4)
    e = mx.fft.fftn(a, axes=[])
    assert e.dtype == mx.complex64
    close(e, x)


def test_positional_stream_and_defaults(rng):
    x, a = cplx(rng, (4, 4))
    close(mx.fft.fft(a, None, -1, "backward", mx.cpu), np.fft.fft(x))
    close(mx.fft.fft2(a, None, (-2, -1), "ortho", mx.cpu), np.fft.fft2(x, norm="ortho"))


def test_errors(rng):
    _, a = cplx(rng, (4, 4))
    with pytest.raises(ValueError):
        mx.fft.fft(a, n=0)
    with pytest.raises(ValueError):
        mx.fft.fft(a, norm="bogus")
    with pytest.raises(IndexError):
        mx.fft.fft(a, axis=2)
    with pytest.raises(IndexError):
        mx.fft.fft2(mx.zeros((4,)))
    with pytest.raises(ValueError):
        mx.fft.fft2(a, axes=(0, 0))
    with pytest.raises(ValueError):
        mx.fft.fftn(a, s=(2, 2, 2))
    with pytest.raises(ValueError):
        mx.fft.fftn(a, s=(2,), axes=(0, 1))
    with pytest.raises(ValueError):
        mx.fft.fft(mx.array(1.0))
    with pytest.raises(ValueError):
        mx.fft.irfft(mx.zeros((1,), dtype=mx.complex64))  # default n = 0
    with pytest.raises(ValueError):
        mx.fft.rfftn(a, axes=[])


# ---------------------------------------------------------------- gradients

def fd(f, x, w, eps=1e-3):
    """Central differences of sum(w * f(x)) for real x (f in NumPy)."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        g[idx] = (np.sum(w * f(x + d)) - np.sum(w * f(x - d))) / (2 * eps)
    return g


REAL_INPUT = [
    ("fft", lambda a: mx.fft.fft(a, n=7), lambda x: np.fft.fft(x, n=7), (2, 5)),
    ("rfft", lambda a: mx.fft.rfft(a), lambda x: np.fft.rfft(x), (3, 8)),
    ("rfft_odd", lambda a: mx.fft.rfft(a, axis=0), lambda x: np.fft.rfft(x, axis=0), (7, 2)),
    ("rfft2_ortho", lambda a: mx.fft.rfft2(a, norm="ortho"),
     lambda x: np.fft.rfft2(x, norm="ortho"), (3, 6)),
    ("fftn", lambda a: mx.fft.fftn(a, s=(4, 3)),
     lambda x: np.fft.fftn(x, s=(4, 3), axes=(0, 1)), (3, 5)),
    ("ifft", lambda a: mx.fft.ifft(a), lambda x: np.fft.ifft(x), (6,)),
]


@pytest.mark.parametrize("name,f,ref,shape", REAL_INPUT, ids=[c[0] for c in REAL_INPUT])
def test_grad_real_input(rng, name, f, ref, shape):
    x = rng.standard_normal(shape)
    y = ref(x)
    w1, w2 = rng.standard_normal(y.shape), rng.standard_normal(y.shape)
    m1, m2 = mx.array(w1.astype(np.float32)), mx.array(w2.astype(np.float32))

    def loss(a):
        z = f(a)
        return mx.sum(mx.real(z) * m1 + mx.imag(z) * m2)

    g = mx.grad(loss)(mx.array(x.astype(np.float32)))
    want = fd(lambda v: ref(v).real, x, w1) + fd(lambda v: ref(v).imag, x, w2)
    np.testing.assert_allclose(np.array(g), want, rtol=1e-4, atol=1e-4)


COMPLEX_INPUT = [
    ("fft", lambda a: mx.fft.fft(a), lambda z: np.fft.fft(z), (2, 6)),
    ("ifft_prime", lambda a: mx.fft.ifft(a, n=7), lambda z: np.fft.ifft(z, n=7), (5,)),
    ("irfft_even", lambda a: mx.fft.irfft(a, n=8), lambda z: np.fft.irfft(z, n=8), (2, 5)),
    ("irfft_odd", lambda a: mx.fft.irfft(a, n=7), lambda z: np.fft.irfft(z, n=7), (4,)),
    ("irfft2", lambda a: mx.fft.irfft2(a, s=(3, 6)), lambda z: np.fft.irfft2(z, s=(3, 6)),
     (3, 4)),
    ("fft2_forward", lambda a: mx.fft.fft2(a, norm="forward"),
     lambda z: np.fft.fft2(z, norm="forward"), (3, 3)),
]


@pytest.mark.parametrize("name,f,ref,shape", COMPLEX_INPUT, ids=[c[0] for c in COMPLEX_INPUT])
def test_grad_complex_input(rng, name, f, ref, shape):
    # MLX convention: the gradient for z = a + ib is dL/da + i dL/db.
    a0, b0 = rng.standard_normal(shape), rng.standard_normal(shape)
    y = ref(a0 + 1j * b0)
    w1, w2 = rng.standard_normal(y.shape), rng.standard_normal(y.shape)
    m1, m2 = mx.array(w1.astype(np.float32)), mx.array(w2.astype(np.float32))

    def loss(z):
        out = f(z)
        if out.dtype == mx.complex64:
            return mx.sum(mx.real(out) * m1 + mx.imag(out) * m2)
        return mx.sum(out * m1)

    def loss_np(a, b):
        out = ref(a + 1j * b)
        return np.sum(out.real * w1) + (np.sum(out.imag * w2) if np.iscomplexobj(out) else 0.0)

    g = np.array(mx.grad(loss)(mx.array((a0 + 1j * b0).astype(np.complex64))))
    ga = fd(lambda v: loss_np(v, b0), a0, 1.0)
    gb = fd(lambda v: loss_np(a0, v), b0, 1.0)
    np.testing.assert_allclose(g.real, ga, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(g.imag, gb, rtol=1e-4, atol=1e-4)


def test_jvp_is_the_transform(rng):
    x, a = cplx(rng, (3, 5))
    t, ta = cplx(rng, (3, 5))
    out, (jt,) = mx.jvp(lambda v: mx.fft.fft2(v, s=(4, 4)), [a], [ta])
    close(jt, np.fft.fft2(t, s=(4, 4)))
    r, ra = real(rng, (6,))
    _, (jr,) = mx.jvp(lambda v: mx.fft.irfft(mx.fft.rfft(v), 6), [ra], [ra])
    close(jr, r)


def test_vmap(rng):
    x, a = cplx(rng, (4, 3, 5))
    close(mx.vmap(mx.fft.fft, in_axes=1)(a), np.stack([np.fft.fft(x[:, i]) for i in range(3)]))
    r, ra = real(rng, (6, 4))
    out = mx.vmap(lambda v: mx.fft.irfft(mx.fft.rfft(v), 6), in_axes=1, out_axes=1)(ra)
    close(out, r)
    close(mx.vmap(lambda v: mx.fft.rfft2(v))(mx.array(np.stack([r, r]).astype(np.float32))),
          np.fft.rfft2(np.stack([r, r])))
