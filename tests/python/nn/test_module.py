"""ember.nn.Module tree API: storage, traversal, update, freeze, train/eval, io, dtype."""

import numpy as np
import pytest

import ember.core as mx
import ember.nn as nn
from ember.utils import tree_flatten

HAS_IO = all(hasattr(mx, f) for f in ("load", "savez", "save_safetensors"))
needs_io = pytest.mark.skipif(
    not HAS_IO, reason="ember.core io (load/savez/save_safetensors) not built yet"
)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)
        self.norm = nn.LayerNorm(4)
        self.extra = [mx.zeros((2,)), mx.ones((3,))]
        self.table = {"a": mx.ones((1,)), "b": nn.Linear(4, 2)}
        self._hidden = mx.ones((5,))
        self.scale = 2.0

    def __call__(self, x):
        return self.table["b"](self.norm(self.lin(x))) * self.scale


def names(tree):
    return sorted(k for k, _ in tree_flatten(tree))


# ----------------------------------------------------------------- storage
def test_setattr_items_and_attributes():
    m = nn.Module()
    m.w = mx.ones((2,))
    m.cfg = {"x": mx.zeros((1,))}
    m.lst = [1, 2]
    m.tup = (1, 2)
    m.n = 3
    assert set(m.keys()) == {"w", "cfg", "lst", "tup"}
    assert m.w is m["w"]
    assert m.n == 3 and "n" not in m
    # A non-array value replaces the item of the same name.
    m.w = None
    assert "w" not in m
    assert m.w is None
    m.w = mx.ones((1,))
    assert "w" in m and "w" not in m.__dict__
    del m.w
    assert "w" not in m
    with pytest.raises(AttributeError):
        m.missing
    del m.n
    with pytest.raises(AttributeError):
        m.n


def test_training_and_state_properties():
    m = Block()
    assert m.training is True
    assert m.state is m
    assert isinstance(m, dict)


# --------------------------------------------------------------- traversal
def test_parameters_tree():
    m = Block()
    assert names(m.parameters()) == [
        "extra.0", "extra.1", "lin.bias", "lin.weight", "norm.bias", "norm.weight",
        "table.a", "table.b.bias", "table.b.weight",
    ]  # fmt: skip
    params = m.parameters()
    assert params["lin"]["weight"] is m.lin.weight
    assert isinstance(params["extra"], list)
    assert "_hidden" not in params and "scale" not in params


def test_children_and_leaf_modules():
    m = Block()
    ch = m.children()
    assert set(ch) == {"lin", "norm", "table", "extra"}
    assert ch["lin"] is m.lin and ch["table"]["b"] is m.table["b"]
    assert ch["table"]["a"] == {} and ch["extra"] == [{}, {}]
    seq = nn.Sequential(nn.Sequential(nn.Linear(1, 1), nn.ReLU()), nn.Linear(1, 2))
    leaves = seq.leaf_modules()
    assert leaves["layers"][0]["layers"][1] is seq.layers[0].layers[1]
    assert leaves["layers"][1] is seq.layers[1]
    flat = [type(v).__name__ for _, v in tree_flatten(leaves, is_leaf=nn.Module.is_module)]
    assert flat == ["Linear", "ReLU", "Linear"]


def test_named_modules_order():
    seq = nn.Sequential(nn.Sequential(nn.Linear(1, 1), nn.ReLU()), nn.Linear(1, 2))
    got = [(n, type(m).__name__) for n, m in seq.named_modules()]
    assert got == [
        ("", "Sequential"),
        ("layers.1", "Linear"),
        ("layers.0", "Sequential"),
        ("layers.0.layers.1", "ReLU"),
        ("layers.0.layers.0", "Linear"),
    ]
    assert [type(m).__name__ for m in seq.modules()] == [t for _, t in got]
    visited = []
    seq.apply_to_modules(lambda n, m: visited.append(n))
    assert visited == [n for n, _ in got]


def test_filter_and_map_placeholders():
    m = Block()
    tree = m.filter_and_map(
        lambda mod, k, v: isinstance(v, (dict, list))
        or (isinstance(v, mx.array) and k != "extra.0"),
        map_fn=lambda a: a.shape,
    )
    assert tree["extra"] == [{}, (3,)]
    assert tree["lin"] == {"weight": (4, 3), "bias": (4,)}


def test_repr():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert repr(seq) == (
        "Sequential(\n"
        "  (layers.0): Linear(input_dims=2, output_dims=3, bias=True)\n"
        "  (layers.1): ReLU()\n"
        ")"
    )
    assert repr(nn.ReLU()) == "ReLU()"


# ------------------------------------------------------------------ update
def test_update_replaces_arrays():
    m = Block()
    new_w = mx.full((4, 3), 7.0)
    out = m.update({"lin": {"weight": new_w}, "extra": [mx.ones((2,))]})
    assert out is m
    assert m.lin.weight is new_w
    np.testing.assert_array_equal(np.array(m.extra[0]), [1, 1])
    np.testing.assert_array_equal(np.array(m.extra[1]), [1, 1, 1])


def test_update_strict_errors():
    m = Block()
    with pytest.raises(ValueError, match="nope"):
        m.update({"nope": mx.zeros((1,))})
    with pytest.raises(ValueError, match="lin.weight"):
        m.update({"lin": {"weight": 3.0}})
    with pytest.raises(ValueError, match="out of range"):
        m.update({"extra": [mx.zeros((2,)), mx.zeros((3,)), mx.zeros((1,))]})
    with pytest.raises(ValueError):
        m.update([mx.zeros((1,))])
    # Non-strict silently skips what doesn't fit.
    w = m.lin.weight
    m.update({"nope": 1, "lin": {"weight": 3.0}, "extra": [mx.zeros((2,))] * 5}, strict=False)
    assert m.lin.weight is w


def test_update_roundtrip_of_own_trees():
    m = Block()
    m.freeze(keys=["extra.0", "weight"])
    m.update(m.trainable_parameters())
    m.update(m.parameters())


def test_update_modules():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    tanh = nn.Tanh()
    seq.update_modules({"layers": [{}, tanh]})
    assert seq.layers[1] is tanh
    with pytest.raises(ValueError, match="missing"):
        seq.update_modules({"missing": nn.ReLU()})
    with pytest.raises(ValueError):
        seq.update_modules({"layers": [nn.ReLU(), nn.ReLU(), nn.ReLU()]})
    seq.update_modules({"missing": nn.ReLU()}, strict=False)
    assert "missing" not in seq


def test_apply_maps_parameters():
    m = Block()
    m.apply(lambda a: mx.zeros_like(a))
    for _, v in tree_flatten(m.parameters()):
        assert not np.any(np.array(v))
    assert np.all(np.array(m._hidden) == 1)
    m.apply(
        lambda a: a + 1,
        filter_fn=lambda mod, k, v: k != "bias" and nn.Module.valid_parameter_filter(mod, k, v),
    )
    assert np.all(np.array(m.lin.weight) == 1) and not np.any(np.array(m.lin.bias))


# ------------------------------------------------------------------ freeze
def test_freeze_all_and_unfreeze():
    m = Block()
    assert m.freeze() is m
    assert names(m.trainable_parameters()) == []
    m.unfreeze()
    assert names(m.trainable_parameters()) == names(m.parameters())


def test_freeze_keys_and_recurse():
    m = Block()
    m.freeze(keys="weight")
    assert names(m.trainable_parameters()) == [
        "extra.0", "extra.1", "lin.bias", "norm.bias", "table.a", "table.b.bias",
    ]  # fmt: skip
    m.unfreeze(keys=["weight"], recurse=False)
    assert "lin.weight" not in names(m.trainable_parameters())
    m.unfreeze(keys="weight")
    assert "lin.weight" in names(m.trainable_parameters())
    m.freeze(recurse=False)
    assert names(m.trainable_parameters()) == [
        "lin.bias", "lin.weight", "norm.bias", "norm.weight", "table.b.bias", "table.b.weight",
    ]  # fmt: skip
    m.unfreeze()
    m.freeze(keys="extra.1")
    assert "extra.1" not in names(m.trainable_parameters())
    assert m.trainable_parameters()["extra"][1] == {}


def test_freeze_strict():
    m = Block()
    with pytest.raises(KeyError, match="nonexistent"):
        m.freeze(keys="nonexistent", strict=True)
    with pytest.raises(KeyError):
        m.unfreeze(keys=["weight", "nonexistent"], strict=True)
    m.freeze(keys="bias", strict=True)
    m.freeze(keys="nonexistent")  # not strict: ignored


def test_batchnorm_stats_stay_frozen():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm(3))
    assert names(model.trainable_parameters()) == [
        "layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight",
    ]  # fmt: skip
    model.freeze()
    model.unfreeze()
    assert "layers.1.running_mean" not in names(model.trainable_parameters())
    model.layers[1].unfreeze(keys="running_var")
    assert "layers.1.running_var" not in names(model.trainable_parameters())
    assert "layers.1.running_var" in names(model.parameters())


# -------------------------------------------------------------- train/eval
def test_train_eval_recursive():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model.layers[1].layers[0].training


# ------------------------------------------------------------------- dtype
def test_set_dtype():
    m = Block()
    m.ids = mx.array([1, 2], dtype=mx.int32)
    m.set_dtype(mx.float16)
    assert m.lin.weight.dtype == mx.float16 and m.extra[0].dtype == mx.float16
    assert m.ids.dtype == mx.int32
    m.set_dtype(mx.bfloat16, predicate=lambda t: t == mx.float16 and False)
    assert m.lin.weight.dtype == mx.float16
    m.set_dtype(mx.float32, predicate=None)
    assert m.ids.dtype == mx.float32 and m.lin.weight.dtype == mx.float32


# --------------------------------------------------------------------- io
def test_load_weights_from_pairs():
    m = nn.Linear(3, 2)
    w = mx.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = mx.array([1.0, -1.0])
    assert m.load_weights([("weight", w), ("bias", b)]) is m
    np.testing.assert_array_equal(np.array(m.weight), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(np.array(m.bias), [1, -1])
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    pairs = [(k, mx.zeros(v.shape)) for k, v in tree_flatten(seq.parameters())]
    seq.load_weights(pairs)
    assert not np.any(np.array(seq.layers[2].weight))


def test_load_weights_strict_errors():
    m = nn.Linear(3, 2)
    good = [("weight", mx.zeros((2, 3))), ("bias", mx.zeros((2,)))]
    with pytest.raises(ValueError, match="not in the model: extra"):
        m.load_weights(good + [("extra", mx.zeros((1,)))])
    with pytest.raises(ValueError, match="Missing 1 parameters: bias"):
        m.load_weights(good[:1])
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*'weight'.*\(3, 2\)"):
        m.load_weights([("weight", mx.zeros((3, 2))), good[1]])
    with pytest.raises(ValueError, match="array"):
        m.load_weights([("weight", np.zeros((2, 3))), good[1]])
    # Nothing was changed by the failed loads; non-strict loads a subset.
    before = np.array(m.weight)
    m.load_weights([("bias", mx.ones((2,))), ("extra", mx.ones((1,)))], strict=False)
    np.testing.assert_array_equal(np.array(m.weight), before)
    np.testing.assert_array_equal(np.array(m.bias), [1, 1])


def test_save_weights_bad_extension(tmp_path):
    with pytest.raises(ValueError, match="extension"):
        nn.Linear(2, 2).save_weights(str(tmp_path / "w.pt"))


@needs_io
@pytest.mark.parametrize("ext", [".safetensors", ".npz"])
def test_save_load_roundtrip(tmp_path, ext):
    src = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    path = tmp_path / f"model{ext}"
    src.save_weights(str(path))
    dst = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    dst.load_weights(str(path))
    for (ka, a), (kb, b) in zip(tree_flatten(src.parameters()), tree_flatten(dst.parameters())):
        assert ka == kb
        np.testing.assert_array_equal(np.array(a), np.array(b))
    loaded = mx.load(str(path))
    assert sorted(loaded) == names(src.parameters())
    # Loading into a differently shaped model fails with a clear message.
    with pytest.raises(ValueError, match="layers.2.weight"):
        nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 3)).load_weights(str(path))


@needs_io
@pytest.mark.parametrize("ext, dtype", [(".safetensors", "bfloat16"), (".npz", "float16")])
def test_save_load_keeps_dtype(tmp_path, ext, dtype):
    src = nn.Linear(3, 2).set_dtype(getattr(mx, dtype))
    path = str(tmp_path / f"half{ext}")
    src.save_weights(path)
    dst = nn.Linear(3, 2).load_weights(path)  # dtype isn't checked, it is taken from the file
    assert dst.weight.dtype == getattr(mx, dtype)
    assert mx.array_equal(dst.weight, src.weight).item()


@pytest.mark.skipif(not hasattr(mx, "load"), reason="ember.core.load not built yet")
def test_load_weights_from_numpy_npz(tmp_path):
    # A checkpoint written by NumPy itself, loaded through a pathlib.Path.
    rng = np.random.default_rng(3)
    ref = {"layers.0.weight": rng.standard_normal((4, 3)).astype(np.float32),
           "layers.0.bias": rng.standard_normal(4).astype(np.float32),
           "layers.1.weight": rng.standard_normal(4).astype(np.float32)}  # fmt: skip
    path = tmp_path / "np.npz"
    np.savez(path, **ref)
    model = nn.Sequential(nn.Linear(3, 4), nn.RMSNorm(4)).load_weights(path)
    for k, v in tree_flatten(model.parameters()):
        np.testing.assert_array_equal(np.array(v), ref[k])
    with pytest.raises(ValueError, match="not in the model: layers.0.bias"):
        nn.Sequential(nn.Linear(3, 4, bias=False), nn.RMSNorm(4)).load_weights(str(path))


# ------------------------------------------------------ transformations
def test_value_and_grad_tree_and_restore():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model.layers[0].freeze(keys="bias")
    x = mx.array(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    before = tree_flatten(model.parameters())
    loss, grads = nn.value_and_grad(model, lambda x: (model(x) ** 2).mean())(x)
    assert names(grads) == names(model.trainable_parameters())
    for (k, a), (_, b) in zip(before, tree_flatten(model.parameters())):
        assert a is b, k
    # Reference gradients in float64.
    w0, b0 = np.array(model.layers[0].weight, np.float64), np.array(
        model.layers[0].bias, np.float64
    )
    w1, b1 = np.array(model.layers[1].weight, np.float64), np.array(
        model.layers[1].bias, np.float64
    )
    xn = np.array(x, np.float64)
    h = xn @ w0.T + b0
    y = h @ w1.T + b1
    np.testing.assert_allclose(loss.item(), (y**2).mean(), rtol=1e-5)
    dy = 2 * y / y.size
    np.testing.assert_allclose(
        np.array(grads["layers"][1]["weight"]), dy.T @ h, rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        np.array(grads["layers"][1]["bias"]), dy.sum(0), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        np.array(grads["layers"][0]["weight"]), (dy @ w1).T @ xn, rtol=1e-4, atol=1e-6
    )


def test_checkpoint_matches_plain_call():
    lin = nn.Linear(3, 3)
    x = mx.array(np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32))
    ck = nn.utils.checkpoint(lin)
    np.testing.assert_allclose(np.array(ck(x)), np.array(lin(x)), rtol=1e-6)

    def loss_ck(x):
        return (ck(x) ** 2).sum()

    def loss_plain(x):
        return (lin(x) ** 2).sum()

    _, g1 = nn.value_and_grad(lin, loss_ck)(x)
    _, g2 = nn.value_and_grad(lin, loss_plain)(x)
    np.testing.assert_allclose(np.array(g1["weight"]), np.array(g2["weight"]), rtol=1e-5)


def test_average_gradients_single_process():
    grads = {"w": mx.ones((2,)), "b": [mx.zeros((1,))]}
    out = nn.average_gradients(grads)
    np.testing.assert_array_equal(np.array(out["w"]), [1, 1])
