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

import ember.nn as nn
from ember.utils import tree_flatten

import ember.core as mx

# ---------------------------------------------------------------- text

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2014": "--",
    "\u2013": "-",
}


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


class InferenceLM:
    """Serving form of a trained :class:`CharTransformerLM` (same weights,
    same math): query/key/value projections fused into one matrix, weights
    stored transposed, a key/value cache, and every op placed on an explicit
    stream so that several threads can evaluate on their own streams.

    Example:
        >>> import ember.core as mx
        >>> cfg = {"kind": "char_lm", "vocab": ["<pad>", "<unk>", "a", "b"], "context": 8,
        ...        "dims": 8, "num_heads": 2, "num_layers": 1, "mlp_dims": 16}
        >>> len(InferenceLM(build_model(cfg)).generate([2, 3], 4, 0.0, mx.random.key(0)))
        4
    """

    def __init__(self, model):
        def t(w):  # contiguous transposed copy, so each matmul reads (in, out)
            return mx.contiguous(w.T)

        self.context = model.context
        self.tok_emb, self.pos_emb = model.tok_emb.weight, model.pos_emb.weight
        self.layers = []
        for layer in model.layers:
            a = layer.attention
            qkv = mx.concatenate(
                [a.query_proj.weight, a.key_proj.weight, a.value_proj.weight], axis=0
            )
            self.layers.append(
                {
                    "heads": a.num_heads,
                    "ln1": layer.ln1,
                    "ln2": layer.ln2,
                    "qkv": t(qkv),
                    "out": t(a.out_proj.weight),
                    "w1": t(layer.linear1.weight),
                    "b1": layer.linear1.bias,
                    "w2": t(layer.linear2.weight),
                    "b2": layer.linear2.bias,
                }
            )
        self.ln, self.head_w, self.head_b = model.ln, t(model.head.weight), model.head.bias
        mx.eval(
            self.head_w,
            [[v for k, v in p.items() if k in ("qkv", "out", "w1", "w2")] for p in self.layers],
        )

    @staticmethod
    def _norm(ln, x, s):
        return mx.fast.layer_norm(x, ln.weight, ln.bias, ln.eps, stream=s)

    def step(self, ids, offset, caches, stream=None):
        """Logits of positions ``offset ..`` of ``ids`` (B, T) given the
        caches of the earlier positions (None at the start); returns
        ``(logits, new_caches)``. Equals ``model(ids)`` for offset 0."""
        s = stream
        b, t = ids.shape
        pos = mx.take(self.pos_emb, mx.arange(offset, offset + t, stream=s), axis=0, stream=s)
        h = mx.add(mx.take(self.tok_emb, ids, axis=0, stream=s), pos, stream=s)
        new = []
        for p, cache in zip(self.layers, caches):
            y = self._norm(p["ln1"], h, s)
            qkv = mx.reshape(mx.matmul(y, p["qkv"], stream=s), (b, t, 3, p["heads"], -1), stream=s)
            qkv = mx.transpose(qkv, (2, 0, 3, 1, 4), stream=s)
            q, k, v = (mx.take(qkv, i, axis=0, stream=s) for i in range(3))
            if cache is not None:
                k = mx.concatenate([cache[0], k], axis=2, stream=s)
                v = mx.concatenate([cache[1], v], axis=2, stream=s)
            o = mx.fast.scaled_dot_product_attention(
                q,
                k,
                v,
                scale=1.0 / math.sqrt(q.shape[-1]),
                mask="causal" if t > 1 else None,
                stream=s,
            )
            o = mx.reshape(mx.transpose(o, (0, 2, 1, 3), stream=s), (b, t, -1), stream=s)
            h = mx.add(h, mx.matmul(o, p["out"], stream=s), stream=s)
            y = mx.maximum(
                mx.addmm(p["b1"], self._norm(p["ln2"], h, s), p["w1"], stream=s), 0.0, stream=s
            )
            h = mx.add(h, mx.addmm(p["b2"], y, p["w2"], stream=s), stream=s)
            new.append((k, v))
        return mx.addmm(self.head_b, self._norm(self.ln, h, s), self.head_w, stream=s), new

    def generate(self, prompt_ids, num_new, temperature, key, stream=None):
        """Sample ``num_new`` character ids after ``prompt_ids`` (a list).

        The prompt is cut to its last ``context - num_new`` characters; the
        whole loop is one lazy graph that a single ``eval`` runs (no Python
        round trip per character). ``temperature`` 0 picks the most likely
        character.
        """
        if num_new <= 0 or num_new >= self.context:
            raise ValueError(
                f"[generate] num_new must be in [1, {self.context - 1}]; got {num_new}."
            )
        s = stream
        prompt = list(prompt_ids)[-(self.context - num_new) :] or [UNK]
        logits, caches = self.step(
            mx.array([prompt], dtype=mx.int32), 0, [None] * len(self.layers), s
        )
        keys = mx.random.split(key, num_new, stream=s)
        out, offset = [], len(prompt)
        for i in range(num_new):
            last = mx.take(logits, logits.shape[1] - 1, axis=1, stream=s)
            if temperature > 0:
                tok = mx.random.categorical(
                    mx.multiply(last, 1.0 / temperature, stream=s), key=keys[i], stream=s
                )
            else:
                tok = mx.argmax(last, axis=-1, stream=s)
            out.append(tok)
            if i + 1 < num_new:
                logits, caches = self.step(mx.reshape(tok, (1, 1), stream=s), offset, caches, s)
                offset += 1
        result = mx.concatenate(out, stream=s)
        mx.eval(result)
        return result.tolist()


class InferenceClassifier:
    """Serving form of a trained :class:`NgramClassifier`: the eval-mode
    math of ``model(ids)`` followed by softmax, weights stored transposed,
    every op on an explicit stream."""

    def __init__(self, model):
        self.embedding = model.embedding.weight
        self.hidden_w, self.hidden_b = mx.contiguous(model.hidden.weight.T), model.hidden.bias
        self.out_w, self.out_b = mx.contiguous(model.out.weight.T), model.out.bias
        mx.eval(self.hidden_w, self.out_w)

    def probabilities(self, ids, stream=None):
        """Class probabilities (N, C) of hashed n-gram ids (N, F)."""
        s = stream
        mask = mx.expand_dims(
            mx.astype(mx.greater(ids, 0, stream=s), mx.float32, stream=s), -1, stream=s
        )
        count = mx.maximum(mx.sum(mask, axis=1, stream=s), 1.0, stream=s)
        emb = mx.take(self.embedding, ids, axis=0, stream=s)
        pooled = mx.divide(
            mx.sum(mx.multiply(emb, mask, stream=s), axis=1, stream=s), count, stream=s
        )
        h = mx.maximum(mx.addmm(self.hidden_b, pooled, self.hidden_w, stream=s), 0.0, stream=s)
        return mx.softmax(mx.addmm(self.out_b, h, self.out_w, stream=s), axis=-1, stream=s)


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
            config["num_buckets"],
            config["dims"],
            config["hidden"],
            len(config["labels"]),
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
    """One updating stdout line: ``name [####....] step/total | loss | rate``.

    On a terminal the line is redrawn in place (at most 10 times a second);
    when stdout is a file or pipe, a full line is written at every tenth of
    the run instead, so logs stay readable.
    """

    def __init__(self, name, total, unit, width=24, stream=None):
        self.name, self.total, self.unit, self.width = name, total, unit, width
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.last_draw, self.last_len, self.last_decile = 0.0, 0, -1

    def update(self, step, loss, items, extra=""):
        """Redraw with the current step, loss and throughput."""
        now = time.perf_counter()
        if self.tty:
            if step < self.total and now - self.last_draw < 0.1:
                return
        else:
            decile = 10 * step // self.total
            if decile == self.last_decile and step < self.total:
                return
            self.last_decile = decile
        self.last_draw = now
        elapsed = max(now - self.start, 1e-9)
        filled = int(self.width * step / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        eta = elapsed / max(step, 1) * (self.total - step)
        line = (
            f"{self.name:<10} [{bar}] {step:>5}/{self.total} | loss {loss:7.4f} | "
            f"{items / elapsed:9.0f} {self.unit}/s | {elapsed:5.0f}s elapsed, eta {eta:4.0f}s{extra}"
        )
        if self.tty:
            self.stream.write("\r" + line + " " * max(0, self.last_len - len(line)))
            self.last_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty:
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
