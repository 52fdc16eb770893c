"""grad, value_and_grad, vjp, jvp, vmap over pytrees; custom_function."""

import numpy as np
import pytest

import ember.core as mx


def test_grad_basic():
    g = mx.grad(lambda x: (x * x).sum())(mx.array([1.0, 2.0, 3.0]))
    assert g.tolist() == [2.0, 4.0, 6.0]
    gg = mx.grad(mx.grad(lambda x: x * x * x))(mx.array(2.0))
    assert gg.item() == pytest.approx(12.0)


def test_grad_argnums_argnames_trees():
    def f(a, b, scale=1.0, w=None):
        return ((a["x"] * b[0]).sum() + (b[1] ** 2).sum()) * scale + (w * 2).sum()

    a = {"x": mx.array([1.0, 2.0])}
    b = [mx.array([3.0, 4.0]), mx.array(5.0)]
    w = mx.array([1.0])
    ga = mx.grad(f)(a, b, w=w)
    assert ga["x"].tolist() == [3.0, 4.0]
    ga, gb = mx.grad(f, argnums=(1, 0))(a, b, 2.0, w=w)
    assert ga["x"].tolist() == [6.0, 8.0] and gb[1].item() == 20.0
    pos, named = mx.grad(f, argnums=0, argnames="w")(a, b, w=w)
    assert pos["x"].tolist() == [3.0, 4.0] and named["w"].tolist() == [2.0]
    none_pos, named = mx.grad(f, argnames=["w"])(a, b, w=w)
    assert none_pos is None and named["w"].tolist() == [2.0]


def test_value_and_grad_aux():
    def loss(x):
        return (x ** 2).sum(), {"aux": x + 1, "n": 3}

    (v, aux), g = mx.value_and_grad(loss)(mx.array([1.0, 2.0]))
    assert v.item() == 5.0 and aux["n"] == 3 and aux["aux"].tolist() == [2.0, 3.0]
    assert g.tolist() == [2.0, 4.0]


def test_grad_errors():
    with pytest.raises(ValueError):
        mx.grad(lambda x: x, argnums=-1)
    with pytest.raises(ValueError):
        mx.grad(lambda x: x, argnums=[0, 0])
    with pytest.raises(ValueError):
        mx.grad(lambda x: x * 2)(mx.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        mx.grad(lambda x, y: x.sum(), argnums=1)(mx.array(1.0))
    with pytest.raises(ValueError):
        mx.grad(lambda x: x.sum())([mx.array(1.0), 2.0])
    with pytest.raises(ValueError):
        mx.grad(lambda x: "nope")(mx.array(1.0))
    with pytest.raises(ValueError):
        mx.grad(lambda x, w=None: x.sum(), argnames="w")(mx.array(1.0))


def test_grad_matches_finite_differences(rng):
    x = rng.standard_normal(5)

    def f(a):
        return (mx.sin(a) * mx.exp(a * 0.3)).sum()

    g = np.array(mx.grad(f)(mx.array(x, dtype=mx.float64)))
    eps = 1e-6
    fd = [(f(mx.array(x + eps * e, dtype=mx.float64)).item() -
           f(mx.array(x - eps * e, dtype=mx.float64)).item()) / (2 * eps) for e in np.eye(5)]
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


def test_vjp_jvp():
    outs, vjps = mx.vjp(lambda x, y: [x * y, x + y], [mx.array(2.0), mx.array(3.0)],
                        [mx.array(1.0), mx.array(1.0)])
    assert [o.item() for o in outs] == [6.0, 5.0]
    assert [v.item() for v in vjps] == [4.0, 3.0]
    outs, jvps = mx.jvp(lambda x: x ** 2, [mx.array(3.0)], [mx.array(1.0)])
    assert outs[0].item() == 9.0 and jvps[0].item() == 6.0


def test_vmap_trees_and_axes(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.standard_normal((3,)).astype(np.float32)
    out = mx.vmap(lambda a, b: a * b)(mx.array(x), mx.array(x))
    np.testing.assert_allclose(np.array(out), x * x, rtol=1e-6)
    out = mx.vmap(lambda a, b: a + b, in_axes=(0, None))(mx.array(x), mx.array(y))
    np.testing.assert_allclose(np.array(out), x + y, rtol=1e-6)
    out = mx.vmap(lambda a: a.sum(), in_axes=1)(mx.array(x))
    np.testing.assert_allclose(np.array(out), x.sum(0), rtol=1e-5)
    out = mx.vmap(lambda a: a * 2, in_axes=0, out_axes=1)(mx.array(x))
    np.testing.assert_allclose(np.array(out), (x * 2).T, rtol=1e-6)
    tree_out = mx.vmap(lambda d: {"s": d["a"] + d["b"], "p": [d["a"] * 2]},
                       in_axes=({"a": 0, "b": None},))({"a": mx.array(x), "b": mx.array(y)})
    np.testing.assert_allclose(np.array(tree_out["s"]), x + y, rtol=1e-6)
    np.testing.assert_allclose(np.array(tree_out["p"][0]), 2 * x, rtol=1e-6)
    loop = np.stack([np.array(mx.softmax(mx.array(r))) for r in x])
    np.testing.assert_allclose(np.array(mx.vmap(mx.softmax)(mx.array(x))), loop, rtol=1e-6)
    with pytest.raises(ValueError):
        mx.vmap(lambda a: a, in_axes=None)(mx.array(x))
    with pytest.raises(ValueError):
        mx.vmap(lambda a: a)(mx.array(x), k=1)
    with pytest.raises(ValueError):
        mx.vmap(lambda a, b: a + b)(mx.array(x), mx.zeros((5, 3)))


def test_stop_gradient_checkpoint():
    assert mx.grad(lambda x: mx.stop_gradient(x) * x)(mx.array(2.0)).item() == 2.0
    f = mx.checkpoint(lambda x: mx.sin(x) * x)
    g = mx.grad(lambda x: f(x))(mx.array(1.0)).item()
    assert g == pytest.approx(np.cos(1.0) + np.sin(1.0), rel=1e-6)


def test_custom_function():
    @mx.custom_function
    def f(x, y):
        return x * y

    @f.vjp
    def f_vjp(primals, cotangent, output):
        x, y = primals
        return cotangent * 10, cotangent * 20

    assert f(mx.array(2.0), mx.array(3.0)).item() == 6.0
    gx, gy = mx.grad(lambda a, b: f(a, b), argnums=(0, 1))(mx.array(2.0), mx.array(3.0))
    assert gx.item() == 10.0 and gy.item() == 20.0

    @mx.custom_function
    def g(x):
        return mx.exp(x)

    @g.jvp
    def g_jvp(primals, tangents):
        return tangents * 7

    _, jv = mx.jvp(lambda x: g(x), [mx.array(0.0)], [mx.array(1.0)])
    assert jv[0].item() == 7.0
