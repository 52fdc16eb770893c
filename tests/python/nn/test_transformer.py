"""MultiHeadAttention, Transformer layers and positional encodings against
NumPy float64 references that use the layers' own parameters."""

import math

import ember.nn as nn
import numpy as np
import pytest
from ember.utils import tree_flatten, tree_map

import ember.core as mx


def np_(a):
    return np.asarray(a, dtype=np.float64)


def params_np(module):
    return {k: np_(v) for k, v in tree_flatten(module.parameters())}


def f32(x):
    return mx.array(np.asarray(x, dtype=np.float32))


@pytest.fixture(autouse=True)
def seed():
    mx.random.seed(42)


def randomize(module, rng):
    # LayerNorm weights start at ones/zeros; random values make the test bite.
    module.update(
        tree_map(lambda p: f32(rng.normal(size=p.shape) * 0.5), module.parameters())
    )
    mx.eval(module.parameters())
    return params_np(module)


# ----------------------------------------------------------------------------
# NumPy reference forwards


def linear_np(p, name, x):
    y = x @ p[f"{name}.weight"].T
    if f"{name}.bias" in p:
        y = y + p[f"{name}.bias"]
    return y


def layer_norm_np(p, name, x, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * p[f"{name}.weight"] + p[f"{name}.bias"]


def softmax_np(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def mha_np(p, name, q, k, v, heads, mask=None):
    pre = f"{name}." if name else ""
    q = linear_np(p, f"{pre}query_proj", q)
    k = linear_np(p, f"{pre}key_proj", k)
    v = linear_np(p, f"{pre}value_proj", v)

    def split(x):
        B, L, D = x.shape
        return x.reshape(B, L, heads, D // heads).transpose(0, 2, 1, 3)

    q, k, v = split(q), split(k), split(v)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == bool:
            s = np.where(mask, s, -np.inf)
        else:
            s = s + mask
    o = softmax_np(s) @ v
    B, H, L, Dh = o.shape
    o = o.transpose(0, 2, 1, 3).reshape(B, L, H * Dh)
    return linear_np(p, f"{pre}out_proj", o)


def mlp_np(p, prefix, x):
    h = np.maximum(linear_np(p, f"{prefix}linear1", x), 0)
    return linear_np(p, f"{prefix}linear2", h)


def encoder_layer_np(p, pre, x, mask, heads, norm_first):
    if norm_first:
        y = layer_norm_np(p, f"{pre}ln1", x)
        x = x + mha_np(p, f"{pre}attention", y, y, y, heads, mask)
        return x + mlp_np(p, pre, layer_norm_np(p, f"{pre}ln2", x))
    x = layer_norm_np(
        p, f"{pre}ln1", x + mha_np(p, f"{pre}attention", x, x, x, heads, mask)
    )
    return layer_norm_np(p, f"{pre}ln2", x + mlp_np(p, pre, x))


def decoder_layer_np(p, pre, x, mem, xm, mm, heads, norm_first):
    if norm_first:
        y = layer_norm_np(p, f"{pre}ln1", x)
        x = x + mha_np(p, f"{pre}self_attention", y, y, y, heads, xm)
        y = layer_norm_np(p, f"{pre}ln2", x)
        x = x + mha_np(p, f"{pre}cross_attention", y, mem, mem, heads, mm)
        return x + mlp_np(p, pre, layer_norm_np(p, f"{pre}ln3", x))
    x = layer_norm_np(
        p, f"{pre}ln1", x + mha_np(p, f"{pre}self_attention", x, x, x, heads, xm)
    )
    x = layer_norm_np(
        p, f"{pre}ln2", x + mha_np(p, f"{pre}cross_attention", x, mem, mem, heads, mm)
    )
    return layer_norm_np(p, f"{pre}ln3", x + mlp_np(p, pre, x))


def causal_np(n):
    return np.where(np.arange(n)[:, None] < np.arange(n)[None], -1e30, 0.0)


# ----------------------------------------------------------------------------
# MultiHeadAttention


def test_mha_parameters():
    m = nn.MultiHeadAttention(
        12,
        3,
        query_input_dims=5,
        key_input_dims=7,
        value_dims=6,
        value_output_dims=4,
        bias=True,
    )
    shapes = {k: tuple(v.shape) for k, v in tree_flatten(m.parameters())}
    assert shapes == {
        "query_proj.weight": (12, 5),
        "query_proj.bias": (12,),
        "key_proj.weight": (12, 7),
        "key_proj.bias": (12,),
        "value_proj.weight": (6, 7),
        "value_proj.bias": (6,),
        "out_proj.weight": (4, 6),
        "out_proj.bias": (4,),
    }
    m = nn.MultiHeadAttention(8, 2)
    assert sorted(k for k, _ in tree_flatten(m.parameters())) == [
        "key_proj.weight",
        "out_proj.weight",
        "query_proj.weight",
        "value_proj.weight",
    ]


@pytest.mark.parametrize("bias", [False, True])
def test_mha_forward(rng, bias):
    m = nn.MultiHeadAttention(8, 2, bias=bias)
    p = params_np(m)
    q = rng.normal(size=(2, 3, 8))
    kv = rng.normal(size=(2, 5, 8))
    out = m(f32(q), f32(kv), f32(kv))
    np.testing.assert_allclose(
        np_(out), mha_np(p, "", q, kv, kv, 2), rtol=1e-4, atol=1e-5
    )


def test_mha_different_dims(rng):
    m = nn.MultiHeadAttention(
        12,
        4,
        query_input_dims=5,
        key_input_dims=6,
        value_input_dims=3,
        value_dims=8,
        value_output_dims=7,
    )
    p = params_np(m)
    q, k, v = (
        rng.normal(size=(1, 4, 5)),
        rng.normal(size=(1, 6, 6)),
        rng.normal(size=(1, 6, 3)),
    )
    out = m(f32(q), f32(k), f32(v))
    assert out.shape == (1, 4, 7)
    np.testing.assert_allclose(
        np_(out), mha_np(p, "", q, k, v, 4), rtol=1e-4, atol=1e-5
    )


def test_mha_masks(rng):
    m = nn.MultiHeadAttention(6, 3)
    p = params_np(m)
    x = rng.normal(size=(2, 4, 6))
    mask = nn.MultiHeadAttention.create_additive_causal_mask(4)
    out = m(f32(x), f32(x), f32(x), mask)
    ref = mha_np(p, "", x, x, x, 3, causal_np(4))
    np.testing.assert_allclose(np_(out), ref, rtol=1e-4, atol=1e-5)
    # Boolean mask (True keeps), broadcast over batch and heads.
    bmask = rng.random((4, 4)) < 0.7
    bmask[:, 0] = True
    out = m(f32(x), f32(x), f32(x), mx.array(bmask))
    ref = mha_np(p, "", x, x, x, 3, bmask)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-4, atol=1e-5)
    # A per-head additive mask.
    amask = rng.normal(size=(1, 3, 4, 4))
    out = m(f32(x), f32(x), f32(x), f32(amask))
    np.testing.assert_allclose(
        np_(out), mha_np(p, "", x, x, x, 3, amask), rtol=1e-4, atol=1e-5
    )


def test_additive_causal_mask():
    m = np_(nn.MultiHeadAttention.create_additive_causal_mask(4))
    fmin = float(np.finfo(np.float32).min)
    ref = np.where(np.triu(np.ones((4, 4)), 1) > 0, fmin, 0.0)
    np.testing.assert_array_equal(m, ref)
    m16 = nn.MultiHeadAttention.create_additive_causal_mask(3, dtype=mx.float16)
    assert m16.dtype == mx.float16
    assert np_(m16)[0, 2] == float(np.finfo(np.float16).min)
    assert nn.MultiHeadAttention.create_additive_causal_mask(0).shape == (0, 0)


def test_mha_errors():
    with pytest.raises(ValueError):
        nn.MultiHeadAttention(10, 3)
    with pytest.raises(ValueError):
        nn.MultiHeadAttention(8, 2, value_dims=5)


def test_mha_gradient(rng):
    m = nn.MultiHeadAttention(4, 2, bias=True)
    p = params_np(m)
    x = rng.normal(size=(1, 3, 4))

    def loss(model, x):
        return (model(x, x, x) ** 2).sum()

    _, grads = nn.value_and_grad(m, loss)(m, f32(x))
    g = np_(grads["query_proj"]["weight"])
    w = p["query_proj.weight"]
    ref = np.zeros_like(w)
    h = 1e-6
    for i in np.ndindex(w.shape):
        for sgn in (1, -1):
            pp = dict(p)
            ww = w.copy()
            ww[i] += sgn * h
            pp["query_proj.weight"] = ww
            ref[i] += sgn * (mha_np(pp, "", x, x, x, 2) ** 2).sum() / (2 * h)
    np.testing.assert_allclose(g, ref, rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------------------
# Encoder / decoder


@pytest.mark.parametrize("norm_first", [True, False])
def test_encoder_layer(rng, norm_first):
    layer = nn.TransformerEncoderLayer(8, 2, mlp_dims=12, norm_first=norm_first)
    names = {k for k, _ in tree_flatten(layer.parameters())}
    assert {
        "attention.query_proj.weight",
        "ln1.weight",
        "ln2.bias",
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
    } <= names
    assert layer.linear1.weight.shape == (12, 8)
    p = randomize(layer, rng)
    x = rng.normal(size=(2, 4, 8))
    mask = nn.MultiHeadAttention.create_additive_causal_mask(4)
    out = layer(f32(x), mask)
    ref = encoder_layer_np(p, "", x, causal_np(4), 2, norm_first)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-4, atol=1e-4)


def test_encoder_layer_defaults():
    layer = nn.TransformerEncoderLayer(8, 2)
    assert layer.linear1.weight.shape == (32, 8)
    assert layer.norm_first is True


@pytest.mark.parametrize("norm_first", [True, False])
def test_encoder(rng, norm_first):
    enc = nn.TransformerEncoder(2, 8, 4, mlp_dims=16, norm_first=norm_first)
    assert len(enc.layers) == 2
    p = randomize(enc, rng)
    x = rng.normal(size=(1, 5, 8))
    out = enc(f32(x), None)
    y = x
    for i in range(2):
        y = encoder_layer_np(p, f"layers.{i}.", y, None, 4, norm_first)
    np.testing.assert_allclose(
        np_(out), layer_norm_np(p, "ln", y), rtol=1e-4, atol=1e-4
    )


def test_encoder_custom_activation(rng):
    layer = nn.TransformerEncoderLayer(4, 1, mlp_dims=6, activation=nn.gelu)
    p = randomize(layer, rng)
    x = rng.normal(size=(1, 3, 4))
    y = layer_norm_np(p, "ln1", x)
    x1 = x + mha_np(p, "attention", y, y, y, 1)
    h = linear_np(p, "linear1", layer_norm_np(p, "ln2", x1))
    from math import erf

    h = h * 0.5 * (1 + np.vectorize(erf)(h / math.sqrt(2)))
    ref = x1 + linear_np(p, "linear2", h)
    np.testing.assert_allclose(np_(layer(f32(x), None)), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("norm_first", [True, False])
def test_decoder_layer(rng, norm_first):
    layer = nn.TransformerDecoderLayer(8, 2, mlp_dims=10, norm_first=norm_first)
    names = {k.split(".")[0] for k, _ in tree_flatten(layer.parameters())}
    assert names == {
        "self_attention",
        "cross_attention",
        "ln1",
        "ln2",
        "ln3",
        "linear1",
        "linear2",
    }
    p = randomize(layer, rng)
    x = rng.normal(size=(2, 3, 8))
    mem = rng.normal(size=(2, 5, 8))
    mm = rng.normal(size=(3, 5))
    out = layer(
        f32(x), f32(mem), nn.MultiHeadAttention.create_additive_causal_mask(3), f32(mm)
    )
    ref = decoder_layer_np(p, "", x, mem, causal_np(3), mm, 2, norm_first)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("norm_first", [True, False])
def test_transformer(rng, norm_first):
    t = nn.Transformer(8, 2, 2, 1, mlp_dims=12, norm_first=norm_first)
    p = randomize(t, rng)
    src = rng.normal(size=(2, 5, 8))
    tgt = rng.normal(size=(2, 3, 8))
    out = t(
        f32(src),
        f32(tgt),
        None,
        nn.MultiHeadAttention.create_additive_causal_mask(3),
        None,
    )
    mem = src
    for i in range(2):
        mem = encoder_layer_np(p, f"encoder.layers.{i}.", mem, None, 2, norm_first)
    mem = layer_norm_np(p, "encoder.ln", mem)
    y = decoder_layer_np(
        p, "decoder.layers.0.", tgt, mem, causal_np(3), None, 2, norm_first
    )
    ref = layer_norm_np(p, "decoder.ln", y)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-4, atol=1e-4)


def test_transformer_defaults_and_custom():
    t = nn.Transformer()
    assert len(t.encoder.layers) == 6 and len(t.decoder.layers) == 6
    assert t.encoder.layers[0].linear1.weight.shape == (2048, 512)
    enc = nn.TransformerEncoder(1, 4, 1)
    dec = nn.TransformerDecoder(3, 4, 2)
    t = nn.Transformer(4, 2, custom_encoder=enc, custom_decoder=dec)
    assert t.encoder is enc and t.decoder is dec


def test_dropout_train_eval(rng):
    layer = nn.TransformerEncoderLayer(8, 2, dropout=0.5)
    ref_layer = nn.TransformerEncoderLayer(8, 2, dropout=0.0)
    ref_layer.update(layer.parameters())
    x = f32(rng.normal(size=(1, 4, 8)))
    train_out = np_(layer(x, None))
    layer.eval()
    np.testing.assert_allclose(np_(layer(x, None)), np_(ref_layer(x, None)), rtol=1e-6)
    assert not np.allclose(train_out, np_(ref_layer(x, None)))


def test_encoder_checkpoint_grads_match(rng):
    a = nn.TransformerEncoder(2, 4, 2, mlp_dims=8, checkpoint=True)
    b = nn.TransformerEncoder(2, 4, 2, mlp_dims=8)
    b.update(a.parameters())
    x = f32(rng.normal(size=(1, 3, 4)))

    def loss(model, x):
        return (model(x, None) ** 2).sum()

    va, ga = nn.value_and_grad(a, loss)(a, x)
    vb, gb = nn.value_and_grad(b, loss)(b, x)
    np.testing.assert_allclose(np_(va), np_(vb), rtol=1e-5)
    for (ka, xa), (kb, xb) in zip(tree_flatten(ga), tree_flatten(gb)):
        assert ka == kb
        np.testing.assert_allclose(np_(xa), np_(xb), rtol=1e-4, atol=1e-6)


# ----------------------------------------------------------------------------
# Positional encodings


def rope_np(x, dims, traditional, base, scale, offset):
    L = x.shape[-2]
    half = dims // 2
    theta = base ** (-np.arange(half) * 2.0 / dims)
    ang = ((offset + np.arange(L)) * scale)[:, None] * theta[None]
    c, s = np.cos(ang), np.sin(ang)
    out = x.copy()
    if traditional:
        x1, x2 = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = x1 * c - x2 * s
        out[..., 1:dims:2] = x1 * s + x2 * c
    else:
        x1, x2 = x[..., :half], x[..., half:dims]
        out[..., :half] = x1 * c - x2 * s
        out[..., half:dims] = x1 * s + x2 * c
    return out


@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize(
    "dims,offset,base,scale", [(8, 0, 10000, 1.0), (4, 3, 500.0, 0.5)]
)
def test_rope(rng, traditional, dims, offset, base, scale):
    x = rng.normal(size=(2, 3, 5, 8))
    rope = nn.RoPE(dims, traditional=traditional, base=base, scale=scale)
    out = rope(f32(x), offset=offset)
    ref = rope_np(x, dims, traditional, base, scale, offset)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-4, atol=1e-4)


def test_rope_defaults_and_repr():
    r = nn.RoPE(16)
    assert (r.dims, r.traditional, r.base, r.scale) == (16, False, 10000, 1.0)
    assert "16" in repr(r) and "traditional=False" in repr(r)
    assert r.parameters() == {}


@pytest.mark.parametrize("cos_first", [False, True])
@pytest.mark.parametrize("full_turns", [False, True])
def test_sinusoidal(rng, cos_first, full_turns):
    dims = 10
    pe = nn.SinusoidalPositionalEncoding(
        dims, cos_first=cos_first, full_turns=full_turns
    )
    x = rng.uniform(0, 50, size=(2, 7))
    out = pe(f32(x))
    assert out.shape == (2, 7, dims)
    sig = np.exp(np.linspace(np.log(1.0), np.log(1e-4), dims // 2))
    if full_turns:
        sig = sig * 2 * np.pi
    y = np.asarray(x, dtype=np.float32).astype(np.float64)[..., None] * sig
    parts = [np.cos(y), np.sin(y)] if cos_first else [np.sin(y), np.cos(y)]
    ref = np.concatenate(parts, -1) * math.sqrt(2 / dims)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-3, atol=2e-4)


def test_sinusoidal_scale_and_freqs():
    pe = nn.SinusoidalPositionalEncoding(4, min_freq=0.5, max_freq=2.0, scale=1.0)
    out = np_(pe(f32([1.0])))
    ref = np.array([[np.sin(2.0), np.sin(0.5), np.cos(2.0), np.cos(0.5)]])
    np.testing.assert_allclose(out, ref, rtol=1e-5)
    assert pe.parameters() == {}
    with pytest.raises(ValueError):
        nn.SinusoidalPositionalEncoding(1)


def alibi_np(heads, q_len, k_len, offset):
    slopes = 2.0 ** (-8.0 * np.arange(1, heads + 1) / heads)
    i = np.arange(offset, offset + q_len)[:, None]
    j = np.arange(k_len)[None]
    return -np.abs(i - j)[None, None] * slopes[None, :, None, None]


@pytest.mark.parametrize("heads,offset", [(4, 0), (3, 2), (8, 5)])
def test_alibi(rng, heads, offset):
    scores = rng.normal(size=(2, heads, 3, 3 + offset))
    out = nn.ALiBi()(f32(scores), offset=offset)
    ref = scores + alibi_np(heads, 3, 3 + offset, offset)
    np.testing.assert_allclose(np_(out), ref, rtol=1e-5, atol=1e-5)
    mask = rng.normal(size=(3, 3 + offset))
    out = nn.ALiBi()(f32(scores), offset=offset, mask=f32(mask))
    np.testing.assert_allclose(np_(out), ref + mask, rtol=1e-5, atol=1e-5)


def test_alibi_static_helpers():
    slope = nn.ALiBi.create_alibi_slope(4)
    assert slope.shape == (4, 1, 1)
    np.testing.assert_allclose(
        np_(slope).ravel(), [2**-2, 2**-4, 2**-6, 2**-8], rtol=1e-6
    )
    m = nn.ALiBi.create_alibi_matrix(5, 4, 2, 2, dtype=mx.float16)
    assert m.shape == (1, 2, 3, 4) and m.dtype == mx.float16
    np.testing.assert_allclose(np_(m), alibi_np(2, 3, 4, 2), rtol=1e-3)
    out = nn.ALiBi()(mx.zeros((1, 2, 2, 2), dtype=mx.float16))
    assert out.dtype == mx.float16
