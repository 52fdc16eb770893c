"""The `make demo` pipeline end to end on toy sizes (prepare -> train ->
serve in a fresh process -> C++ classifier), plus its building blocks:
featurizer hashing, text cleaning, the serving forms of the models
(key/value-cached generation), the PNG writer.

The C++ comparison runs when the example binary is built (build-demo/ or
build/, or $EMBER_PIPELINE_CPP); otherwise that part is skipped.
"""

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import ember.core as mx

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "examples" / "pipeline"
sys.path.insert(0, str(PIPELINE))

import common  # noqa: E402
import plot  # noqa: E402
import prepare  # noqa: E402


def _cpp_binary():
    env = os.environ.get("EMBER_PIPELINE_CPP")
    candidates = [Path(env)] if env else []
    candidates += [ROOT / d / "example_pipeline_classifier" for d in ("build-demo", "build")]
    return next((c for c in candidates if c.exists()), None)


def _read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB, filter-0 PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        pos += 12 + n
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == h * (1 + 3 * w)
    rows = [raw[y * (1 + 3 * w) : (y + 1) * (1 + 3 * w)] for y in range(h)]
    assert all(r[0] == 0 for r in rows)
    return w, h, [r[1:] for r in rows]


def test_fnv1a32_reference_values():
    # Published FNV-1a 32-bit test vectors.
    assert common.fnv1a32(b"") == 0x811C9DC5
    assert common.fnv1a32(b"a") == 0xE40C292C
    assert common.fnv1a32(b"foobar") == 0xBF9CF968


def test_featurize_ids_padding_and_determinism():
    ids = common.featurize("Call me Ishmael.", 1024, 64)
    assert len(ids) == 64
    feats = common.ngram_features("Call me Ishmael.")
    assert feats[:3] == ["w:call", "w:me", "w:ishmael"]
    assert ids[: len(feats)] == [1 + common.fnv1a32(f.encode()) % 1023 for f in feats]
    assert ids[len(feats) :] == [0] * (64 - len(feats))
    assert all(1 <= i < 1024 for i in ids[: len(feats)])
    assert common.featurize("Call me Ishmael.", 1024, 5) == ids[:5]


def test_normalize_and_sentence_split():
    assert (
        common.normalize_text("\u201cOu\u0300 est\u201d  _ma_ chatte\u2014?")
        == '"Ou est" ma chatte--?'
    )
    s = prepare.split_sentences(
        'Mr. Bennet replied that he had not. "But it is," returned she. U. S. A. is far!'
    )
    assert s == [
        "Mr. Bennet replied that he had not.",
        '"But it is," returned she.',
        "U. S. A. is far!",
    ]
    assert (
        prepare.balance_quotes('Their manners are not equal to his."')
        == '"Their manners are not equal to his."'
    )
    assert (
        prepare.balance_quotes('"Well," said she, "I wish it.') == '"Well," said she, "I wish it."'
    )
    assert prepare.balance_quotes('"Yes," said he.') == '"Yes," said he.'
    assert prepare.is_heading("CHAPTER IV.\nThe Pool") and prepare.is_heading("I.")
    assert not prepare.is_heading('"TOM!"') and not prepare.is_heading("Call me Ishmael.")


def test_png_writer_round_trip(tmp_path):
    path = tmp_path / "p.png"
    plot.line_plot(
        path,
        [{"title": "t", "series": [{"label": "a", "points": [(0, 1.0), (10, 0.5)]}]}],
        panel_size=(200, 120),
    )
    w, h, rows = _read_png(path)
    assert (w, h) == (200, 120)
    colors = {bytes(r[3 * x : 3 * x + 3]) for r in rows for x in range(w)}
    assert bytes(plot.COLORS[0]) in colors and b"\xff\xff\xff" in colors


def test_serving_forms_match_trained_modules():
    mx.random.seed(3)
    cfg = {
        "kind": "char_lm",
        "vocab": ["<pad>", "<unk>"] + list("abcdef "),
        "context": 16,
        "dims": 16,
        "num_heads": 2,
        "num_layers": 2,
        "mlp_dims": 32,
    }
    model = common.build_model(cfg)
    model.eval()
    lm = common.InferenceLM(model)
    stream = mx.new_stream(mx.cpu)
    ids = mx.array(np.random.default_rng(0).integers(2, 9, (1, 12)).astype(np.int32))
    full = np.array(model(ids))
    # Prefix, then one position at a time through the key/value cache.
    logits, caches = lm.step(ids[:, :7], 0, [None, None], stream)
    parts = [np.array(logits)]
    for t in range(7, 12):
        logits, caches = lm.step(ids[:, t : t + 1], t, caches, stream)
        parts.append(np.array(logits))
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, rtol=1e-4, atol=1e-5)
    # Greedy generation = repeated argmax of the full forward.
    prompt = [2, 3, 4]
    got = lm.generate(prompt, 5, 0.0, mx.random.key(0), stream)
    seq = list(prompt)
    for _ in range(5):
        seq.append(int(np.argmax(np.array(model(mx.array([seq])))[0, -1])))
    assert got == seq[3:]
    # Sampling is a function of the key only (not of the stream).
    assert lm.generate(prompt, 6, 0.8, mx.random.key(5), stream) == lm.generate(
        prompt, 6, 0.8, mx.random.key(5)
    )
    with pytest.raises(ValueError):
        lm.generate(prompt, 16, 0.0, mx.random.key(0))

    cls_cfg = {
        "kind": "ngram_classifier",
        "labels": ["a", "b", "c"],
        "dims": 8,
        "hidden": 4,
        "num_buckets": 64,
        "max_features": 10,
        "token_dropout": 0.5,
    }
    cls = common.build_model(cls_cfg)
    cls.eval()
    feats = mx.array(
        np.array([common.featurize(t, 64, 10) for t in ["Call me Ishmael.", "Hi", ""]], np.int32)
    )
    want = np.array(mx.softmax(cls(feats), axis=-1))
    np.testing.assert_allclose(
        np.array(common.InferenceClassifier(cls).probabilities(feats, stream)),
        want,
        rtol=1e-5,
        atol=1e-6,
    )
    # Reference in NumPy float64 from the weights.
    e, w1, b1, w2, b2 = (
        np.array(a, np.float64)
        for a in (
            cls.embedding.weight,
            cls.hidden.weight,
            cls.hidden.bias,
            cls.out.weight,
            cls.out.bias,
        )
    )
    f = np.array(feats)
    m = (f > 0)[..., None]
    pooled = (e[f] * m).sum(1) / np.maximum(m.sum(1), 1)
    logits = np.maximum(pooled @ w1.T + b1, 0) @ w2.T + b2
    ref = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(want, ref / ref.sum(1, keepdims=True), rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One tiny run of the whole pipeline: ``(output folder, C++ binary or None, stdout)``."""
    tmp = tmp_path_factory.mktemp("pipeline")
    out = tmp / "demo_out"
    cpp = _cpp_binary()
    cmd = [
        sys.executable,
        str(PIPELINE / "run_demo.py"),
        "--tiny",
        "--out",
        str(out),
        "--cpp",
        str(cpp) if cpp else str(tmp / "missing"),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, cpp, proc.stdout


def _python_predictions(out):
    return [line.rstrip("\n").split("\t") for line in open(out / "predictions_python.tsv")][1:]


def test_pipeline_end_to_end(demo_run):
    out, _, stdout = demo_run
    assert "DEMO SUMMARY" in stdout

    # Data: tensors and annotations consistent with each other.
    report = json.loads((out / "data" / "prepare_report.json").read_text())
    assert len(report["authors"]) == 6
    lm_data, lm_meta = mx.load(str(out / "data" / "lm.safetensors"), return_metadata=True)
    vocab = json.loads(lm_meta["vocab"])
    assert (
        lm_data["train_ids"].dtype == mx.int32
        and lm_data["train_ids"].size == report["lm"]["train_chars"]
    )
    assert int(mx.max(lm_data["train_ids"]).item()) < len(vocab)
    cls_data = mx.load(str(out / "data" / "classifier.safetensors"))
    annotations = [json.loads(line) for line in open(out / "data" / "annotations.jsonl")]
    assert cls_data["train_labels"].size == sum(a["split"] == "train" for a in annotations)
    assert cls_data["heldout_features"].shape[0] == sum(
        a["split"] == "heldout" for a in annotations
    )

    # Packaged models: config in the metadata rebuilds them; predictions match serve's file.
    _, lm_cfg, _ = common.load_model(out / "models" / "char_lm.safetensors")
    assert lm_cfg["kind"] == "char_lm" and lm_cfg["vocab"] == vocab
    model, cfg, meta = common.load_model(out / "models" / "author_classifier.safetensors")
    assert json.loads(meta["config"])["labels"] == report["authors"]
    fixed = mx.load(str(out / "data" / "fixed_inputs.safetensors"))["features"]
    probs = np.array(mx.softmax(model(fixed), axis=-1))
    rows = _python_predictions(out)
    assert [int(r[1]) for r in rows] == list(np.argmax(probs, axis=1))
    np.testing.assert_allclose([float(r[3]) for r in rows], probs.max(axis=1), atol=2e-6)

    # Metrics, latencies and the plot.
    train = json.loads((out / "train_metrics.json").read_text())
    assert train["lm"]["heldout_loss"] < train["lm"]["uniform_baseline_loss"]
    assert train["classifier"]["heldout_accuracy"] > train["classifier"]["majority_class_accuracy"]
    serve = json.loads((out / "serve_metrics.json").read_text())
    assert serve["requests"] == 16 and serve["latency"]["all"]["p99_ms"] > 0
    assert serve["heldout_accuracy"] == pytest.approx(
        train["classifier"]["heldout_accuracy"], abs=1e-4
    )
    w, h, _ = _read_png(out / "loss_curves.png")
    assert w > h > 100


def test_pipeline_cpp_matches_python(demo_run):
    out, cpp, stdout = demo_run
    if cpp is None:
        pytest.skip("C++ example not built (build-demo/ or build/example_pipeline_classifier)")
    assert "identical to Python on all 32 fixed inputs" in stdout
    rows = _python_predictions(out)
    cpp_rows = [line.rstrip("\n").split("\t") for line in open(out / "predictions_cpp.tsv")][1:]
    assert len(cpp_rows) == len(rows) == 32
    assert [r[1] for r in cpp_rows] == [r[1] for r in rows]
    np.testing.assert_allclose(
        [float(r[3]) for r in cpp_rows], [float(r[3]) for r in rows], atol=1e-4
    )
