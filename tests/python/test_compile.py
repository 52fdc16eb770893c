"""mx.compile (spec/transforms.md §5): results against NumPy float64, the trace
cache (hits, re-traces, shapeless reuse), graph simplification, composition
with grad/vmap, captured state (a training loop with ember.nn and
ember.optimizers), the compile switch and argument errors."""

import gc
import os
import subprocess
import sys
import weakref

import numpy as np
import pytest

import ember.core as mx
import ember.nn as nn
import ember.optimizers as optim
from ember.utils import tree_flatten


@pytest.fixture(autouse=True)
def _compile_enabled():
    mx.enable_compile()
    yield
    mx.enable_compile()


def counted(fn):
    """Wraps fn so that traces (Python calls) are counted in .calls."""

    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        return fn(*args, **kwargs)

    wrapper.calls = 0
    return wrapper


def npv(a):
    return np.array(a, dtype=np.float64)


# ------------------------------------------------------------- results


def test_compile_matches_eager(rng):
    def fun(x, y):
        return {"a": mx.exp(x) * y + mx.sin(x * y) - x / 2, "b": [(x * x).sum(axis=1)]}

    cfun = mx.compile(counted(fun))
    for _ in range(3):
        x = rng.uniform(-1.5, 1.5, (3, 4))
        y = rng.uniform(-2, 2, (3, 4))
        out = cfun(mx.array(x), mx.array(y))
        assert set(out) == {"a", "b"} and isinstance(out["b"], list)
        np.testing.assert_allclose(
            npv(out["a"]), np.exp(x) * y + np.sin(x * y) - x / 2, rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(npv(out["b"][0]), (x * x).sum(axis=1), rtol=1e-5)
    assert cfun.__wrapped__.calls == 1


def test_compile_scalar_empty_broadcast_noncontiguous(rng):
    cfun = mx.compile(lambda x, y: x * y + 1.0)
    assert cfun(mx.array(2.0), mx.array([1.0, 2.0, 3.0])).tolist() == [3.0, 5.0, 7.0]
    assert cfun(mx.array(3.0), mx.array(2.0)).item() == 7.0
    e = cfun(mx.zeros((0, 3)), mx.zeros((0, 3)))
    assert e.shape == (0, 3)
    x = rng.standard_normal((4, 3))
    y = rng.standard_normal((3,))
    xt = mx.array(x).T  # transposed view
    sl = mx.array(np.concatenate([y, y]))[::2]  # strided view
    yb = mx.broadcast_to(mx.array(y)[:, None], (3, 4))  # broadcast view
    np.testing.assert_allclose(npv(cfun(xt, yb)), x.T * y[:, None] + 1, rtol=1e-6)
    np.testing.assert_allclose(
        npv(cfun(sl, sl)), np.concatenate([y, y])[::2] ** 2 + 1, rtol=1e-6
    )


def test_compile_integer_and_bool():
    cfun = mx.compile(lambda a, b, c: ((a * b) % 7, mx.logical_not(c)))
    a = mx.array([5, -3, 12])
    b = mx.array([4, 9, -2])
    r, n = cfun(a, b, mx.array([True, False, True]))
    assert r.dtype == mx.int32 and r.tolist() == [6, 1, 4]
    assert n.tolist() == [False, True, False]


def test_compile_non_array_outputs_and_kwargs():
    def fun(x, *, scale, name="n"):
        return (x * scale, None, name, 3.5)

    cfun = mx.compile(counted(fun))
    out = cfun(mx.array([1.0, 2.0]), scale=2.0)
    assert out[0].tolist() == [2.0, 4.0] and out[1:] == (None, "n", 3.5)
    out = cfun(mx.array([3.0, 4.0]), scale=2.0)
    assert out[0].tolist() == [6.0, 8.0]
    assert cfun.__wrapped__.calls == 1
    out = cfun(mx.array([3.0, 4.0]), scale=3.0, name="m")
    assert out[0].tolist() == [9.0, 12.0] and out[2] == "m"
    assert cfun.__wrapped__.calls == 2


def test_compile_identity_and_constant_outputs():
    c = mx.array([7.0, 8.0])
    cfun = mx.compile(lambda x: (x, c, x + c))
    x = mx.array([1.0, 2.0])
    for _ in range(2):
        a, b, s = cfun(x)
        assert a.tolist() == [1.0, 2.0] and b.tolist() == [7.0, 8.0]
        assert s.tolist() == [8.0, 10.0]


def test_compile_multi_output_primitives():
    def fun(a, b):
        q, r = mx.divmod(a, b)
        return q, r, mx.split(a, 2)[1]

    cfun = mx.compile(fun)
    a = mx.array([7.0, -7.0, 9.0, 4.5])
    b = mx.array([2.0, 2.0, -4.0, 1.0])
    for _ in range(2):
        q, r, s = cfun(a, b)
        assert q.tolist() == [3.0, -4.0, -3.0, 4.0]
        assert r.tolist() == [1.0, 1.0, -3.0, 0.5]
        assert s.tolist() == [9.0, 4.5]


def test_compile_nested():
    inner = mx.compile(counted(lambda x: mx.exp(x) + 1))
    outer = mx.compile(counted(lambda x, y: inner(x) * inner(y)))
    for _ in range(3):
        out = outer(mx.array([0.0, 1.0]), mx.array([1.0, 0.0]))
        e = np.exp(1.0) + 1
        np.testing.assert_allclose(npv(out), [2 * e, 2 * e], rtol=1e-6)
    assert outer.__wrapped__.calls == 1 and inner.__wrapped__.calls == 1


# --------------------------------------------------------------- cache


def test_cache_hit_and_retrace():
    f = counted(lambda x, y: x + y)
    cfun = mx.compile(f)
    a, b = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    cfun(a, b)
    cfun(b, a)
    assert f.calls == 1
    cfun(mx.array([1.0, 2.0, 3.0]), mx.array([1.0, 1.0, 1.0]))  # shape
    assert f.calls == 2
    cfun(mx.array([1, 2]), mx.array([3, 4]))  # dtype
    assert f.calls == 3
    cfun(a, 2.0)  # a constant instead of an array
    assert f.calls == 4
    cfun(a, 3.0)  # another constant value
    assert f.calls == 5
    assert cfun(a, 3.0).tolist() == [4.0, 5.0]
    assert cfun(a, 2.0).tolist() == [3.0, 4.0]
    cfun(a, b)
    cfun(mx.array([1, 2]), mx.array([3, 4]))
    assert f.calls == 5
    assert cfun._num_traces == 5 and len(cfun._cache_info()) == 5


def test_cache_key_covers_structure_and_constants():
    def fun(xs, mode, k=1):
        s = xs[0]
        for x in xs[1:]:
            s = s + x
        return s * k if mode == "mul" else s + k

    cfun = mx.compile(counted(fun))
    a = mx.array([1.0])
    assert cfun([a, a], "mul").item() == 2.0
    assert cfun([a, a, a], "mul").item() == 3.0
    assert cfun((a, a), "mul").item() == 2.0
    assert cfun([a, a], "add").item() == 3.0
    assert cfun([a, a], "add", k=5).item() == 7.0
    assert cfun([a, a], "add", k=True).item() == 3.0
    assert cfun([a, a], "add", k=2).item() == 4.0
    assert cfun.__wrapped__.calls == 7
    assert cfun([a, a], "add", k=5).item() == 7.0
    assert cfun.__wrapped__.calls == 7
    # Dict keys are part of the key.
    g = mx.compile(counted(lambda d: d["x"] * 2))
    g({"x": a})
    g({"x": a, "y": None})
    assert g.__wrapped__.calls == 2


def test_shapeless_reuses_trace(rng):
    def gelu(x, b):
        return x * 0.5 * (1.0 + mx.erf(x / np.sqrt(2.0))) + b, (x * x).sum(-1)

    cfun = mx.compile(counted(gelu), shapeless=True)
    from math import erf

    verf = np.vectorize(erf, otypes=[float])
    for rows, cols in [(2, 3), (4, 5), (1, 1), (0, 2)]:
        x = rng.uniform(-2, 2, (rows, cols))
        b = rng.uniform(-1, 1, (cols,))
        o, s = cfun(mx.array(x), mx.array(b))
        assert o.shape == (rows, cols) and s.shape == (rows,)
        np.testing.assert_allclose(
            npv(o), x * 0.5 * (1 + verf(x / np.sqrt(2))) + b, rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(npv(s), (x * x).sum(-1), rtol=1e-5)
    assert cfun.__wrapped__.calls == 1
    cfun(mx.array([1.0, 2.0]), mx.array([1.0, 2.0]))  # ndim change
    assert cfun.__wrapped__.calls == 2
    cfun(mx.array([[1.0]], dtype=mx.float16), mx.array([1.0], dtype=mx.float16))
    assert cfun.__wrapped__.calls == 3


def test_shapeless_shape_ops(rng):
    w = rng.standard_normal((3, 2))

    def fun(x):
        y = x @ mx.array(w)
        return mx.flatten(y.T), y.reshape(-1), mx.expand_dims(y, 0).squeeze(0)

    cfun = mx.compile(counted(fun), shapeless=True)
    for b in (2, 5, 1):
        x = rng.standard_normal((b, 3))
        f, r, e = cfun(mx.array(x))
        y = x @ w
        np.testing.assert_allclose(npv(f), y.T.reshape(-1), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(npv(r), y.reshape(-1), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(npv(e), y, rtol=1e-5, atol=1e-6)
    assert cfun.__wrapped__.calls == 1


def test_shapeless_errors():
    # Shape-dependent Python logic is frozen from the first trace.
    cfun = mx.compile(lambda x: x.reshape(2, x.shape[0] // 2), shapeless=True)
    assert cfun(mx.arange(4)).shape == (2, 2)
    with pytest.raises(ValueError, match="Reshape"):
        cfun(mx.arange(6))
    pfun = mx.compile(lambda x: mx.pad(x, 1), shapeless=True)
    assert pfun(mx.array([5.0])).tolist() == [0.0, 5.0, 0.0]
    with pytest.raises(ValueError, match="Pad"):
        pfun(mx.array([5.0, 6.0]))
    bfun = mx.compile(lambda x, y: x + y, shapeless=True)
    assert bfun(mx.array([1.0, 2.0]), mx.array([3.0, 4.0])).tolist() == [4.0, 6.0]
    assert bfun(mx.array([1.0, 2.0, 3.0]), mx.array([1.0])).tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="broadcast"):
        bfun(mx.array([1.0, 2.0, 3.0]), mx.array([1.0, 2.0]))


# ------------------------------------------------------- simplification


def test_cse_removes_duplicates(monkeypatch):
    monkeypatch.setenv("EMBER_COMPILE_FUSE", "0")  # simplification alone

    def fun(x):
        a = x * 2 + mx.exp(x)
        b = x * 2 + mx.exp(x)
        return a * b

    cfun = mx.compile(fun)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(npv(cfun(mx.array(x))), (2 * x + np.exp(x)) ** 2, rtol=1e-5)
    (info,) = cfun._cache_info()
    nodes = info["nodes"]
    # Eagerly: 2 x (Broadcast, Multiply, Exp, Add) + Multiply = 9 nodes.
    assert len(nodes) == 5
    assert nodes.count("Exp") == 1 and nodes.count("Broadcast") == 1
    assert nodes.count("Multiply") == 2 and nodes.count("Add") == 1
    assert info["num_constants"] == 1


def test_dead_nodes_removed(monkeypatch):
    monkeypatch.setenv("EMBER_COMPILE_FUSE", "0")  # simplification alone

    def fun(x):
        unused = mx.exp(x) * 3  # noqa: F841
        return mx.sin(x) + mx.sin(x)

    cfun = mx.compile(fun)
    assert abs(cfun(mx.array([0.5])).item() - 2 * np.sin(0.5)) < 1e-6
    assert cfun._cache_info()[0]["nodes"] == ["Sin", "Add"]


def test_elementwise_chain_is_fused():
    def fun(x, y):
        a = mx.exp(x) * y
        return mx.tanh(a) + a, mx.sum(a)

    cfun = mx.compile(fun)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
    y = rng.uniform(-1, 1, (4,)).astype(np.float32)
    out, s = cfun(mx.array(x), mx.array(y))
    a = np.exp(x.astype(np.float64)) * y
    np.testing.assert_allclose(npv(out), np.tanh(a) + a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(npv(s), a.sum(), rtol=1e-5)
    (info,) = cfun._cache_info()
    assert info["nodes"].count("Compiled") == 1
    assert "Exp" not in info["nodes"] and "Tanh" not in info["nodes"]
    assert sorted(info["fused"][0]) == ["Add", "Exp", "Multiply", "Tanh"]


# ---------------------------------------------------------- transforms


def test_grad_of_compiled(rng):
    def loss(x, y):
        return (mx.sin(x) * y + x * x).sum()

    cfun = mx.compile(counted(loss))
    x = rng.uniform(-1, 1, (5,))
    y = rng.uniform(-1, 1, (5,))
    cfun(mx.array(x), mx.array(y))
    for _ in range(2):
        gx, gy = mx.grad(cfun, argnums=(0, 1))(mx.array(x), mx.array(y))
        np.testing.assert_allclose(npv(gx), np.cos(x) * y + 2 * x, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(npv(gy), np.sin(x), rtol=1e-5, atol=1e-6)
    v, g = mx.value_and_grad(cfun)(mx.array(x), mx.array(y))
    np.testing.assert_allclose(v.item(), (np.sin(x) * y + x * x).sum(), rtol=1e-5)
    assert cfun.__wrapped__.calls == 1


def test_compiled_of_grad(rng):
    f = counted(lambda x: (mx.exp(x) * x).sum())
    cg = mx.compile(mx.grad(f))
    for _ in range(3):
        x = rng.uniform(-1, 1, (4,))
        np.testing.assert_allclose(npv(cg(mx.array(x))), np.exp(x) * (x + 1), rtol=1e-5)
    assert f.calls == 1
    cvg = mx.compile(mx.value_and_grad(lambda x: (x**3).sum()))
    v, g = cvg(mx.array([1.0, 2.0]))
    assert v.item() == 9.0 and g.tolist() == [3.0, 12.0]


def test_vmap_of_compiled_and_compiled_of_vmap(rng):
    def fun(x, y):
        return (x * y).sum() + mx.exp(x)

    x = rng.uniform(-1, 1, (3, 4))
    y = rng.uniform(-1, 1, (4,))
    expect = (x * y).sum(axis=1, keepdims=True) + np.exp(x)
    vf = mx.vmap(mx.compile(fun), in_axes=(0, None))
    cv = mx.compile(mx.vmap(fun, in_axes=(0, None)))
    for _ in range(2):
        np.testing.assert_allclose(npv(vf(mx.array(x), mx.array(y))), expect, rtol=1e-5)
        np.testing.assert_allclose(npv(cv(mx.array(x), mx.array(y))), expect, rtol=1e-5)


def test_compiled_closing_over_tracer():
    # The compiled function reads a gradient tracer through its closure: no
    # stale trace may be reused, and the gradient flows through it.
    state = {}
    inner = mx.compile(lambda y: y * state["x"] * state["x"])

    def outer(x):
        state["x"] = x
        return inner(mx.array([1.0, 2.0])).sum()

    assert mx.grad(outer)(mx.array(3.0)).item() == pytest.approx(18.0)
    assert mx.grad(outer)(mx.array(5.0)).item() == pytest.approx(30.0)


# ------------------------------------------------------- captured state


def _mlp():
    mx.random.seed(3)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _train(model, optimizer, data, compiled):
    def loss_fn(x, y):
        return nn.losses.mse_loss(model(x), y)

    loss_and_grad = nn.value_and_grad(model, loss_fn)

    def step(x, y):
        loss, grads = loss_and_grad(x, y)
        optimizer.update(model, grads)
        return loss

    if compiled:
        state = [model.state, optimizer.state]
        step = mx.compile(counted(step), inputs=state, outputs=state)
    losses = []
    for x, y in data:
        loss = step(x, y)
        mx.eval(loss, model.parameters(), optimizer.state)
        losses.append(loss.item())
    return losses, step


@pytest.mark.parametrize(
    "make_opt", [lambda: optim.SGD(0.1, momentum=0.9), lambda: optim.Adam(1e-2)]
)
def test_captured_state_training_loop(make_opt, rng):
    data = [
        (mx.array(rng.standard_normal((16, 4))), mx.array(rng.standard_normal((16, 2))))
        for _ in range(6)
    ]
    eager_model = _mlp()
    eager, _ = _train(eager_model, make_opt(), data, compiled=False)
    comp_model = _mlp()
    comp, step = _train(comp_model, make_opt(), data, compiled=True)
    np.testing.assert_allclose(comp, eager, rtol=1e-4, atol=1e-6)
    assert eager[-1] < eager[0]
    # First call traces, the optimizer state it creates changes the inputs
    # once more, then every step is a replay.
    assert step.__wrapped__.calls == 2
    for (ka, a), (kb, b) in zip(
        tree_flatten(comp_model.parameters()), tree_flatten(eager_model.parameters())
    ):
        assert ka == kb
        np.testing.assert_allclose(npv(a), npv(b), rtol=1e-4, atol=1e-6)


def test_captured_state_is_read_each_call():
    state = {"w": mx.array([1.0, 2.0])}
    cfun = mx.compile(counted(lambda x: x * state["w"]), inputs=state)
    assert cfun(mx.array(2.0)).tolist() == [2.0, 4.0]
    state["w"] = mx.array([3.0, 5.0])
    assert cfun(mx.array(2.0)).tolist() == [6.0, 10.0]
    assert cfun.__wrapped__.calls == 1
    # The original arrays are back in the tree after tracing.
    assert state["w"].tolist() == [3.0, 5.0]


def test_captured_outputs_updated_in_place():
    state = [mx.array(0.0), {"n": mx.array(1.0)}]

    def step(x):
        state[0] = state[0] + x
        state[1]["n"] = state[1]["n"] * 2
        return state[0]

    cstep = mx.compile(counted(step), inputs=state, outputs=state)
    for k in range(1, 5):
        out = cstep(mx.array(1.0))
        assert out.item() == k and state[0].item() == k
        assert state[1]["n"].item() == 2.0**k
    assert cstep.__wrapped__.calls == 1


def test_closure_arrays_are_constants():
    c = {"v": mx.array(1.0)}
    cfun = mx.compile(lambda x: x + c["v"])
    assert cfun(mx.array(1.0)).item() == 2.0
    c["v"] = mx.array(10.0)  # not declared as an input: baked in at trace time
    assert cfun(mx.array(1.0)).item() == 2.0


def test_random_state_capture():
    def sample(x):
        return x + mx.random.uniform(shape=(3,))

    mx.random.seed(7)
    eager = [sample(mx.array(0.0)).tolist() for _ in range(3)]
    mx.random.seed(7)
    cfun = mx.compile(counted(sample), inputs=mx.random.state, outputs=mx.random.state)
    comp = [cfun(mx.array(0.0)).tolist() for _ in range(3)]
    np.testing.assert_allclose(comp, eager, rtol=1e-6)
    assert comp[0] != comp[1]
    assert cfun.__wrapped__.calls == 1


def test_placeholders_have_no_data():
    def fun(x):
        return x + (x * 2).item()

    with pytest.raises(ValueError, match="compile"):
        mx.compile(fun)(mx.array(1.0))

    def prints(x):
        print(x)
        return x

    with pytest.raises(ValueError, match="compile"):
        mx.compile(prints)(mx.array(1.0))
    # Arrays that don't depend on the inputs may be evaluated.
    c = mx.array(3.0)
    assert mx.compile(lambda x: x + (c * 2).item())(mx.array(1.0)).item() == 7.0


# ------------------------------------------------------ switch and errors


def test_disable_enable_compile():
    f = counted(lambda x: x + 1)
    cfun = mx.compile(f)
    mx.disable_compile()
    assert cfun(mx.array(1.0)).item() == 2.0
    assert cfun(mx.array(1.0)).item() == 2.0
    assert f.calls == 2
    mx.enable_compile()
    cfun(mx.array(1.0))
    cfun(mx.array(1.0))
    assert f.calls == 3


def test_env_var_disables_compile():
    code = (
        "import ember.core as mx\n"
        "n = [0]\n"
        "def f(x):\n"
        "    n[0] += 1\n"
        "    return x + 1\n"
        "c = mx.compile(f)\n"
        "c(mx.array(1.0)); c(mx.array(1.0))\n"
        "a = n[0]\n"
        "mx.enable_compile()\n"
        "c(mx.array(1.0)); c(mx.array(1.0))\n"
        "print(a, n[0])\n"
    )
    env = dict(os.environ, MLX_DISABLE_COMPILE="1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "3"]


def test_dropping_compiled_frees_cache():
    class Holder:
        pass

    h = Holder()
    ref = weakref.ref(h)

    def fun(x, h=h):
        return x * 2

    cfun = mx.compile(fun)
    cfun(mx.array(1.0))
    del fun, h
    assert ref() is not None
    del cfun
    gc.collect()
    assert ref() is None


def test_compile_argument_errors():
    with pytest.raises(TypeError):
        mx.compile(3)
    with pytest.raises(TypeError, match="inputs"):
        mx.compile(lambda x: x, inputs=5)
    with pytest.raises(TypeError, match="outputs"):
        mx.compile(lambda x: x, outputs=mx.array(1.0))
    with pytest.raises(TypeError):
        mx.compile(lambda x: x, shapeless="yes")
    cfun = mx.compile(lambda x, y: x)
    with pytest.raises(ValueError, match="leaf of type"):
        cfun(mx.array(1.0), object())
    with pytest.raises(ValueError, match="leaf of type"):
        cfun(mx.array(1.0), np.ones(2))
    bad = mx.compile(lambda x: x, inputs=(mx.array(1.0),))
    with pytest.raises(ValueError, match="lists or dicts"):
        bad(mx.array(1.0))
    # Errors raised while tracing propagate and cache nothing.
    err = mx.compile(lambda x: x.reshape(5))
    with pytest.raises(ValueError):
        err(mx.array([1.0, 2.0]))
    assert err._cache_info() == []
