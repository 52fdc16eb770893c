"""Pieces shared by the pipeline steps (prepare, train, serve).

- the text normalisation applied to raw text and to every request,
- the character vocabulary of the language model,
- the hashed n-gram features of the classifier (the C++ example reads the
  ids this module computes, so the hashing is documented in README.md),
- the two models, built from a JSON-serialisable config,
- packaging: weights in .safetensors with the config in the metadata,
- a one-line progress bar.
"""

import json
import math
import re
import sys
import time
import unicodedata

import ember.core as mx
import ember.nn as nn
from ember.utils import tree_flatten

# ---------------------------------------------------------------- text

_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "--", "\u2013": "-"}


def normalize_text(text):
    """ASCII-fold a string: curly quotes and dashes, accents dropped (NFKD),
    italics markers (``_word_``) removed, runs of whitespace collapsed.

    Example:
        >>> normalize_text("Où  est _ma_ chatte?")
        'Ou est ma chatte?'
    """
    for k, v in _QUOTES.items():
        text = text.replace(k, v)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"(?<![A-Za-z0-9])_([^_]+?)_(?![A-Za-z0-9])", r"\1", text)
    text = text.replace("_", "")
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


# ---------------------------------------------------------------- char vocabulary

PAD, UNK = 0, 1


def build_vocab(text):
    """Vocabulary ``["<pad>", "<unk>", *sorted characters of text]``."""
    return ["<pad>", "<unk>"] + sorted(set(text))


def encode(text, vocab):
    """Character ids of ``text`` (unknown characters map to ``UNK``)."""
    index = {c: i for i, c in enumerate(vocab) if i >= 2}
    return [index.get(c, UNK) for c in text]


def decode(ids, vocab):
    """Inverse of :func:`encode` (special ids are dropped)."""
    return "".join(vocab[i] for i in ids if i >= 2)


# ---------------------------------------------------------------- classifier features

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def fnv1a32(data: bytes) -> int:
    """32-bit FNV-1a hash (offset basis 2166136261, prime 16777619)."""
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def ngram_features(text):
    """Feature strings of a sentence: lower-cased words ``w:``, word bigrams
    ``b:``, character trigrams ``c:`` of the space-padded lower-cased text.
    Unique, in order of first occurrence.

    Example:
        >>> ngram_features("Hi, Tom!")[:4]
        ['w:hi', 'w:tom', 'b:hi_tom', 'c: hi']
    """
    low = normalize_text(text).lower()
    words = _WORD.findall(low)
    feats = ["w:" + w for w in words]
    feats += ["b:" + a + "_" + b for a, b in zip(words, words[1:])]
    padded = " " + low + " "
    feats += ["c:" + padded[i : i + 3] for i in range(len(padded) - 2)]
    return list(dict.fromkeys(feats))


def featurize(text, num_buckets, max_features):
    """Hashed feature ids of a sentence, padded with 0 to ``max_features``.

    id = 1 + fnv1a32(utf-8 feature string) % (num_buckets - 1); id 0 is
    padding (its embedding row is masked out by the model).
    """
    ids = [1 + fnv1a32(f.encode("utf-8")) % (num_buckets - 1) for f in ngram_features(text)]
    ids = ids[:max_features]
    return ids + [0] * (max_features - len(ids))


# ---------------------------------------------------------------- models


class CharTransformerLM(nn.Module):
    """Character-level causal transformer: token + learned position
    embeddings, ``num_layers`` pre-norm ``TransformerEncoderLayer`` blocks
    with a causal mask, final LayerNorm, linear head to the vocabulary."""

    def __init__(self, vocab_size, context, dims, num_heads, num_layers, mlp_dims):
        super().__init__()
        self.context = context
        self.tok_emb = nn.Embedding(vocab_size, dims)
        self.pos_emb = nn.Embedding(context, dims)
        self.layers = [
            nn.TransformerEncoderLayer(dims, num_heads, mlp_dims, norm_first=True)
            for _ in range(num_layers)
        ]
        self.ln = nn.LayerNorm(dims)
        self.head = nn.Linear(dims, vocab_size)

    def __call__(self, ids):
        t = ids.shape[1]
        h = self.tok_emb(ids) + self.pos_emb(mx.arange(t))
        mask = nn.MultiHeadAttention.create_additive_causal_mask(t)
        for layer in self.layers:
            h = layer(h, mask)
        return self.head(self.ln(h))


def _attend_cached(attn, y, cache, mask):
    """The layer's MultiHeadAttention on new positions ``y`` with a key/value
    cache ``(keys, values)`` of the earlier positions (or None)."""
    def heads(x):  # (B, T, D) -> (B, heads, T, D / heads)
        return mx.swapaxes(mx.unflatten(x, -1, (attn.num_heads, -1)), 1, 2)

    q, k, v = heads(attn.query_proj(y)), heads(attn.key_proj(y)), heads(attn.value_proj(y))
    if cache is not None:
        k = mx.concatenate([cache[0], k], axis=2)
        v = mx.concatenate([cache[1], v], axis=2)
    scale = 1.0 / math.sqrt(q.shape[-1])
    out = mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
    return attn.out_proj(mx.flatten(mx.swapaxes(out, 1, 2), -2, -1)), (k, v)


def lm_step(model, ids, offset, caches):
    """Logits of the positions ``offset ..`` of ``ids`` (B, T) given the
    caches of the earlier positions; the same math as ``model(ids)`` for a
    pre-norm stack. Returns ``(logits, new_caches)``."""
    t = ids.shape[1]
    h = model.tok_emb(ids) + model.pos_emb(mx.arange(offset, offset + t))
    mask = "causal" if t > 1 else None
    new = []
    for layer, cache in zip(model.layers, caches):
        a, kv = _attend_cached(layer.attention, layer.ln1(h), cache, mask)
        h = h + a
        h = h + layer.linear2(layer.activation(layer.linear1(layer.ln2(h))))
        new.append(kv)
    return model.head(model.ln(h)), new


def lm_generate(model, prompt_ids, num_new, temperature, key):
    """Sample ``num_new`` character ids after ``prompt_ids`` (a list).

    The prompt is cut to its last ``context - num_new`` characters; keys and
    values are cached, and the whole loop is one lazy graph that a single
    ``eval`` runs (no Python round trip per character). ``temperature`` 0
    picks the most likely character.
    """
    if num_new <= 0 or num_new >= model.context:
        raise ValueError(f"[lm_generate] num_new must be in [1, {model.context - 1}]; got {num_new}.")
    prompt = list(prompt_ids)[-(model.context - num_new):] or [UNK]
    caches = [None] * len(model.layers)
    logits, caches = lm_step(model, mx.array([prompt]), 0, caches)
    keys = mx.random.split(key, num_new)
    out, offset = [], len(prompt)
    for i in range(num_new):
        last = logits[:, -1, :]
        if temperature > 0:
            tok = mx.random.categorical(last * (1.0 / temperature), key=keys[i])
        else:
            tok = mx.argmax(last, axis=-1)
        out.append(tok)
        if i + 1 < num_new:
            logits, caches = lm_step(model, tok.reshape(1, 1).astype(mx.int32), offset, caches)
            offset += 1
    result = mx.concatenate(out)
    mx.eval(result)
    return result.tolist()


class NgramClassifier(nn.Module):
    """fastText-style classifier: mean of the embeddings of the hashed
    n-gram ids (id 0 = padding, masked), one hidden ReLU layer, logits.

    In training mode each n-gram is dropped with probability
    ``token_dropout`` (the mean is over the kept ones): a regulariser for a
    bag of features that otherwise memorises the training sentences."""

    def __init__(self, num_buckets, dims, hidden, num_classes, token_dropout=0.0):
        super().__init__()
        self.token_dropout = token_dropout
        self.embedding = nn.Embedding(num_buckets, dims)
        self.hidden = nn.Linear(dims, hidden)
        self.out = nn.Linear(hidden, num_classes)

    def __call__(self, ids):
        mask = (ids > 0).astype(mx.float32)
        if self.training and self.token_dropout > 0:
            mask = mask * (mx.random.uniform(shape=mask.shape) >= self.token_dropout)
        mask = mask[..., None]
        count = mx.maximum(mask.sum(axis=1), 1.0)
        pooled = (self.embedding(ids) * mask).sum(axis=1) / count
        return self.out(nn.relu(self.hidden(pooled)))


def build_model(config):
    """Model described by a config dict (``config["kind"]`` picks the class)."""
    kind = config.get("kind")
    if kind == "char_lm":
        return CharTransformerLM(
            len(config["vocab"]),
            config["context"],
            config["dims"],
            config["num_heads"],
            config["num_layers"],
            config["mlp_dims"],
        )
    if kind == "ngram_classifier":
        return NgramClassifier(
            config["num_buckets"], config["dims"], config["hidden"], len(config["labels"]),
            config.get("token_dropout", 0.0),
        )
    raise ValueError(f"[build_model] Unknown model kind; got {kind!r}.")


def save_model(path, model, config, extra_metadata=None):
    """Weights as .safetensors (dotted parameter names), config JSON in the
    metadata under ``"config"``."""
    weights = dict(tree_flatten(model.parameters()))
    metadata = {"config": json.dumps(config), "format": "ember-pipeline-v1"}
    metadata.update(extra_metadata or {})
    mx.save_safetensors(str(path), weights, metadata=metadata)


def load_model(path):
    """``(model, config, metadata)`` from a file written by :func:`save_model`;
    the model is in eval mode with every weight evaluated."""
    weights, metadata = mx.load(str(path), return_metadata=True)
    if "config" not in metadata:
        raise ValueError(f"[load_model] {path} has no 'config' entry in its metadata.")
    config = json.loads(metadata["config"])
    model = build_model(config)
    model.load_weights(list(weights.items()), strict=True)
    model.eval()
    mx.eval(model.parameters())
    return model, config, metadata


# ---------------------------------------------------------------- progress bar


class ProgressBar:
    """One updating stdout line: ``name [####....] step/total | loss | rate``."""

    def __init__(self, name, total, unit, width=24, stream=None):
        self.name, self.total, self.unit, self.width = name, total, unit, width
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()
        self.last_draw = 0.0

    def update(self, step, loss, items, extra=""):
        """Redraw (at most 10 times a second, and always at the last step)."""
        now = time.perf_counter()
        if step < self.total and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        elapsed = max(now - self.start, 1e-9)
        filled = int(self.width * step / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        eta = elapsed / max(step, 1) * (self.total - step)
        line = (
            f"\r{self.name:<10} [{bar}] {step:>5}/{self.total} | loss {loss:7.4f} | "
            f"{items / elapsed:9.0f} {self.unit}/s | {elapsed:5.0f}s elapsed, eta {eta:4.0f}s{extra}"
        )
        self.stream.write(line)
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


def percentile(values, q):
    """q-th percentile (0-100) with linear interpolation, as numpy's default."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
