"""Differential tests: the same calls on ember.core and mlx.core.

Skipped when mlx is not installed. Both libraries run on the CPU.
"""

import numpy as np
import pytest

mlx = pytest.importorskip("mlx.core")
import ember.core as ec  # noqa: E402

mlx.set_default_device(mlx.cpu)
ec.set_default_device(ec.cpu)


def both(fn):
    """Runs fn(module) on ember and mlx, returning the results as NumPy."""
    return to_np(fn(ec)), to_np(fn(mlx))


def to_np(r):
    if isinstance(r, (list, tuple)):
        return [to_np(x) for x in r]
    return np.array(r)


def same(fn, rtol=1e-5, atol=1e-6, exact=False):
    a, b = both(fn)
    if isinstance(a, list):
        assert len(a) == len(b)
        pairs = list(zip(a, b))
    else:
        pairs = [(a, b)]
    for x, y in pairs:
        assert x.shape == y.shape, (x.shape, y.shape)
        assert x.dtype == y.dtype, (x.dtype, y.dtype)
        if exact or x.dtype.kind in "biu":
            np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((3, 4)).astype(np.float32)
P = (np.abs(A) + 0.5).astype(np.float32)
U = np.clip(A / 4, -0.9, 0.9).astype(np.float32)
I = RNG.integers(-10, 10, (3, 4)).astype(np.int32)
J = RNG.integers(1, 5, (3, 4)).astype(np.int32)
M = RNG.standard_normal((2, 3, 5)).astype(np.float32)
N = RNG.standard_normal((5, 4)).astype(np.float32)

UNARY = ["abs", "negative", "square", "exp", "expm1", "sin", "cos", "tanh",
         "sigmoid", "arctan", "floor", "ceil", "round", "sign", "erf", "sinh",
         "cosh", "tan", "degrees", "radians"]
UNARY_POS = ["sqrt", "rsqrt", "log", "log2", "log10", "log1p", "reciprocal"]
UNARY_UNIT = ["arcsin", "arccos", "arctanh", "erfinv"]


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    same(lambda m: getattr(m, name)(m.array(A)))


@pytest.mark.parametrize("name", UNARY_POS)
def test_unary_positive(name):
    same(lambda m: getattr(m, name)(m.array(P)))


@pytest.mark.parametrize("name", UNARY_UNIT)
def test_unary_unit(name):
    same(lambda m: getattr(m, name)(m.array(U)), rtol=1e-4, atol=1e-5)


BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum",
          "power", "arctan2", "logaddexp", "equal", "not_equal", "less",
          "less_equal", "greater", "greater_equal"]


@pytest.mark.parametrize("name", BINARY)
def test_binary(name):
    x = P if name == "power" else A
    same(lambda m: getattr(m, name)(m.array(x), m.array(B)), rtol=1e-5)


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "add", "multiply",
                                  "left_shift", "right_shift", "bitwise_and",
                                  "bitwise_or", "bitwise_xor"])
def test_binary_int(name):
    y = J
    # Integer floor_divide with negative operands is a deliberate divergence:
    # spec/core.md §2 has ember truncate (as older MLX did), while mlx 0.32
    # floors on the CPU; see test_int_floor_divide_divergence.
    x = np.abs(I) if name in ("left_shift", "right_shift", "floor_divide") else I
    same(lambda m: getattr(m, name)(m.array(x), m.array(y)))


def test_int_floor_divide_divergence():
    a, b = np.array([-7, -3, 7, 6], np.int32), np.array([2, 4, -2, 3], np.int32)
    got = np.array(ec.floor_divide(ec.array(a), ec.array(b)))
    np.testing.assert_array_equal(got, np.trunc(a / b).astype(np.int32))  # spec: truncates
    ref = np.array(mlx.floor_divide(mlx.array(a), mlx.array(b)))
    same_sign = (a >= 0) == (b > 0)
    np.testing.assert_array_equal(got[same_sign], ref[same_sign])


def test_float_remainder_and_floor_divide():
    same(lambda m: m.remainder(m.array(A), m.array(P)))
    same(lambda m: m.floor_divide(m.array(A), m.array(P)))


def test_scalar_promotion():
    same(lambda m: [m.array(I) + 1.5, m.array(A) * 2, m.array(I) * 2,
                    m.array(A).astype(m.float16) + 1.0, 3 - m.array(I)],
         rtol=1e-3)


def test_where_clip():
    same(lambda m: [m.where(m.array(A) > 0, m.array(A), m.array(B)),
                    m.clip(m.array(A), -0.5, 0.5)])


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var",
                                  "std", "logsumexp", "all", "any"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_reductions(name, axis):
    same(lambda m: getattr(m, name)(m.array(A), axis=axis), rtol=1e-5, atol=1e-5)
    same(lambda m: getattr(m, name)(m.array(A), axis=axis, keepdims=True),
         rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reductions(name):
    same(lambda m: [getattr(m, name)(m.array(A)), getattr(m, name)(m.array(A), axis=1),
                    getattr(m, name)(m.array(A), axis=0, keepdims=True)])


def test_integer_reductions():
    same(lambda m: [m.sum(m.array(I)), m.sum(m.array(I), axis=0), m.prod(m.array(J)),
                    m.max(m.array(I), axis=1), m.mean(m.array(I))])


def test_scans():
    same(lambda m: [m.cumsum(m.array(A), axis=1), m.cumprod(m.array(A), axis=0),
                    m.cummax(m.array(A), axis=1), m.cumsum(m.array(A), axis=1, reverse=True),
                    m.cumsum(m.array(A), axis=0, inclusive=False)], rtol=1e-5, atol=1e-5)


def test_shape_ops():
    same(lambda m: [
        m.reshape(m.array(A), (4, 3)), m.transpose(m.array(M), (2, 0, 1)),
        m.swapaxes(m.array(M), 0, 2), m.expand_dims(m.array(A), 1),
        m.squeeze(m.array(A)[None]), m.concatenate([m.array(A), m.array(B)], axis=1),
        m.stack([m.array(A), m.array(B)]), m.flatten(m.array(M), 1),
        m.broadcast_to(m.array(A[:1]), (3, 4)), m.tile(m.array(A), (2, 1)),
        m.repeat(m.array(A), 2, axis=0), m.pad(m.array(A), ((1, 0), (2, 1))),
        m.moveaxis(m.array(M), 0, -1), m.array(A)[:, ::-1],
        m.roll(m.array(A), 2, axis=1), m.tril(m.array(A)), m.triu(m.array(A), 1),
    ])
    same(lambda m: m.split(m.array(M), 5, axis=2))
    same(lambda m: m.split(m.array(M), [1, 3], axis=2))


def test_creation():
    same(lambda m: [m.zeros((2, 3)), m.ones((2,), dtype=m.int32), m.full((2, 2), 3.5),
                    m.arange(10), m.arange(1.0, 2.0, 0.25), m.arange(0, 10, 3),
                    m.linspace(0, 1, 7), m.eye(3, 4, k=1), m.identity(3),
                    m.zeros_like(m.array(I)), m.tri(3, 4, 1)])


def test_indexing():
    same(lambda m: [
        m.array(M)[1], m.array(M)[:, 1:3], m.array(M)[..., ::2], m.array(M)[None, 0, :, -1],
        m.array(A)[m.array([2, 0, 2])], m.array(A)[:, m.array([[0, 3], [1, 1]])],
        m.array(M)[m.array([1, 0]), :, m.array([4, 2])],
        m.take(m.array(A), m.array([1, 5, 7])), m.take(m.array(A), m.array([3, 0]), axis=1),
        m.take_along_axis(m.array(A), m.argsort(m.array(A), axis=1), axis=1),
    ])


def test_index_update():
    def f(m):
        x = m.array(A)
        x[1] = 0.0
        x[:, 2] = m.array([7.0, 8.0, 9.0])
        y = m.array(A).at[m.array([0, 0, 2])].add(1.0)
        z = m.put_along_axis(m.array(A), m.array([[1], [2], [0]]), m.array(5.0), axis=1)
        return [x, y, z]
    same(f)


def test_sort():
    same(lambda m: [m.sort(m.array(A)), m.sort(m.array(A), axis=0), m.argsort(m.array(A)),
                    m.sort(m.array(I), axis=None), m.sort(m.topk(m.array(A), 2, axis=1), axis=1),
                    m.partition(m.array(A), 1, axis=1)[:, 1:2]])


def test_matmul_linalg():
    same(lambda m: [m.matmul(m.array(M), m.array(N)), m.array(A) @ m.array(B).T,
                    m.outer(m.array(A[0]), m.array(B[0])), m.inner(m.array(A), m.array(B)),
                    m.tensordot(m.array(M), m.array(N), axes=1),
                    m.addmm(m.array(A @ B.T), m.array(A), m.array(B.T), alpha=0.5, beta=2.0)],
         rtol=1e-5, atol=1e-5)


def test_softmax_family():
    same(lambda m: [m.softmax(m.array(A), axis=-1), m.softmax(m.array(M), axis=(1, 2)),
                    m.logsumexp(m.array(A), axis=1), m.sigmoid(m.array(A))],
         rtol=1e-5, atol=1e-6)


def test_dtypes_and_astype():
    same(lambda m: [m.array(A).astype(m.float16), m.array(A).astype(m.int32),
                    m.array(I).astype(m.float32), m.array(A).astype(m.bfloat16).astype(m.float32),
                    m.array(I).astype(m.uint8), m.array(A > 0).astype(m.int16)])


KEY_SHAPES = [(), (5,), (3, 4)]


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_random_bits_match_exactly(seed):
    same(lambda m: m.random.key(seed), exact=True)
    same(lambda m: list(m.random.split(m.random.key(seed))), exact=True)
    same(lambda m: m.random.split(m.random.key(seed), 4), exact=True)
    for shape in KEY_SHAPES:
        k = lambda m: m.random.key(seed)
        same(lambda m: m.random.uniform(shape=shape, key=k(m)), exact=True)
        same(lambda m: m.random.uniform(-2.0, 3.0, shape, key=k(m)), exact=True)
        same(lambda m: m.random.randint(-5, 17, shape, key=k(m)), exact=True)
        same(lambda m: m.random.bernoulli(0.3, shape, key=k(m)), exact=True)
        same(lambda m: m.random.normal(shape, key=k(m)), rtol=1e-6, atol=1e-6)
        same(lambda m: m.random.gumbel(shape, key=k(m)), rtol=1e-5, atol=1e-6)


def test_random_other():
    k = lambda m: m.random.key(7)
    same(lambda m: m.random.permutation(10, key=k(m)), exact=True)
    same(lambda m: m.random.categorical(m.array(A), key=k(m)), exact=True)
    same(lambda m: m.random.truncated_normal(-1.0, 1.0, (6,), key=k(m)), rtol=1e-5, atol=1e-5)


def test_grad():
    def loss(m):
        def f(w, x):
            return m.sum(m.softmax(x @ w, axis=-1) * m.array(B[:, :3])) + m.mean(m.tanh(w) ** 2)
        return f
    w = RNG.standard_normal((4, 3)).astype(np.float32)
    same(lambda m: m.grad(loss(m))(m.array(w), m.array(A)), rtol=1e-4, atol=1e-5)
    same(lambda m: list(m.value_and_grad(loss(m), argnums=(0, 1))(m.array(w), m.array(A))[1]),
         rtol=1e-4, atol=1e-5)


def test_vmap_and_jvp():
    same(lambda m: m.vmap(lambda x: m.sum(x * x))(m.array(A)))
    same(lambda m: list(m.jvp(lambda x: m.sin(x) * x, [m.array(A)], [m.array(B)])[1]),
         rtol=1e-5, atol=1e-6)


def test_conv():
    x = RNG.standard_normal((2, 9, 8, 4)).astype(np.float32)
    w = RNG.standard_normal((6, 3, 2, 2)).astype(np.float32)
    wt = RNG.standard_normal((2, 3, 3, 4)).astype(np.float32)
    x1 = RNG.standard_normal((1, 12, 3)).astype(np.float32)
    w1 = RNG.standard_normal((4, 3, 3)).astype(np.float32)
    same(lambda m: [m.conv2d(m.array(x), m.array(w), stride=(2, 1), padding=1, groups=2),
                    m.conv_transpose2d(m.array(x), m.array(wt), stride=2, padding=1,
                                       output_padding=1),
                    m.conv1d(m.array(x1), m.array(w1), stride=2, dilation=2),
                    m.conv_general(m.array(x1), m.array(w1), padding=([2], [1]),
                                   input_dilation=2, flip=True),
                    m.convolve(m.array(A[0]), m.array(B[1]))],
         rtol=1e-4, atol=1e-4)
