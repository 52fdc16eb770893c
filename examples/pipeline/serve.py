"""Step 3 of the pipeline: a fresh process loads both packaged models at
startup (config from the .safetensors metadata) and serves concurrent
requests from several Python threads.

Two kinds of request, mixed:
  classify  raw sentence -> author and probability (n-gram features hashed
            here, one forward pass)
  complete  prompt -> ``--gen-chars`` sampled characters (key/value cache,
            one lazy graph evaluated once)

Load: ``--clients`` threads, each sending its share of the ``--requests``
requests one after another (closed loop: a client sends its next request
when the previous answer arrives), all started together. Latency is measured
per request by its client, from sending to answer. Each client evaluates on
its own CPU stream (``--shared-stream``: all on the default one) and ember
releases the GIL while it evaluates, so the clients overlap on the cores.
The models run in their serving form (``common.InferenceLM`` /
``InferenceClassifier``: same weights, checked against the trained modules
at startup). A sequential re-run of the first requests must give the same
answers.

Also: the classifier's held-out accuracy (raw held-out sentences through the
same request path, batched), sample completions, and the predictions for the
fixed inputs written to ``predictions_python.tsv`` (the C++ example must
print the same).

Usage: python3 examples/pipeline/serve.py [--out demo_out] [--requests 256] [--clients 4]
"""

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

_T_START = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import (  # noqa: E402
    InferenceClassifier,
    InferenceLM,
    decode,
    encode,
    featurize,
    load_model,
    percentile,
)

import ember.core as mx  # noqa: E402


class Server:
    """Both models, loaded once; request handlers are safe to call from
    several threads (the models are only read). Each handler takes the
    stream its ops go to, so that threads can evaluate side by side."""

    def __init__(self, models_dir):
        t0 = time.perf_counter()
        lm, self.lm_cfg, _ = load_model(models_dir / "char_lm.safetensors")
        cls, self.cls_cfg, _ = load_model(models_dir / "author_classifier.safetensors")
        self.lm, self.cls = InferenceLM(lm), InferenceClassifier(cls)
        self.load_seconds = time.perf_counter() - t0
        self.vocab = self.lm_cfg["vocab"]
        self.labels = self.cls_cfg["labels"]
        self._self_check(lm, cls)

    def _self_check(self, lm, cls):
        """The serving forms must compute what the trained modules compute."""
        ids = mx.array(
            [encode("It was the best of times", self.vocab)[: self.lm_cfg["context"]]],
            dtype=mx.int32,
        )
        got, _ = self.lm.step(ids, 0, [None] * len(self.lm.layers))
        feats = self.features(["Call me Ishmael.", "Alice was beginning to get very tired."])
        probs = self.cls.probabilities(feats)
        for name, a, b in (
            ("char_lm", got, lm(ids)),
            ("author_classifier", probs, mx.softmax(cls(feats), axis=-1)),
        ):
            if not mx.allclose(a, b, rtol=1e-4, atol=1e-5).item():
                raise RuntimeError(
                    f"[serve] The serving form of {name} disagrees with the trained module."
                )

    def features(self, texts):
        cfg = self.cls_cfg
        return mx.array(
            np.array(
                [featurize(t, cfg["num_buckets"], cfg["max_features"]) for t in texts],
                dtype=np.int32,
            ).reshape(len(texts), cfg["max_features"])
        )

    def classify_batch(self, texts, stream=None):
        """``(label ids, probabilities of the predicted labels, all probabilities)``."""
        probs = self.cls.probabilities(self.features(texts), stream)
        pred = mx.argmax(probs, axis=-1, stream=stream)
        mx.eval(probs, pred)
        p = np.array(probs)
        return np.array(pred), p[np.arange(len(texts)), np.array(pred)], p

    def classify(self, text, stream=None):
        pred, prob, _ = self.classify_batch([text], stream)
        return {"author": self.labels[int(pred[0])], "probability": float(prob[0])}

    def complete(self, prompt, num_chars, temperature, seed, stream=None):
        ids = self.lm.generate(
            encode(prompt, self.vocab), num_chars, temperature, mx.random.key(seed), stream
        )
        return {"completion": decode(ids, self.vocab)}

    def answer(self, req, gen_chars, temperature, stream=None):
        if req["kind"] == "classify":
            return self.classify(req["text"], stream)
        return self.complete(req["text"], gen_chars, temperature, req["seed"], stream)


def run_load(server, requests, clients, gen_chars, temperature, shared_stream=False):
    """Send ``requests`` from ``clients`` closed-loop threads, each with its
    own CPU stream (or all on the default one); returns the per-request
    records and the wall time of the whole batch."""
    shares = [requests[i::clients] for i in range(clients)]
    streams = [None if shared_stream else mx.new_stream(mx.cpu) for _ in range(clients)]
    records = [None] * len(requests)
    errors = []
    start = threading.Barrier(clients + 1)

    def client(share, stream):
        start.wait()
        for req in share:
            t0 = time.perf_counter()
            try:
                answer = server.answer(req, gen_chars, temperature, stream)
            except Exception as e:  # reported after the run, never swallowed
                errors.append(f"request {req['id']}: {type(e).__name__}: {e}")
                continue
            records[req["id"]] = {**req, **answer, "latency_ms": (time.perf_counter() - t0) * 1e3}

    threads = [threading.Thread(target=client, args=(sh, st)) for sh, st in zip(shares, streams)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"[serve] {len(errors)} requests failed; first: {errors[0]}")
    return records, wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="demo_out")
    ap.add_argument(
        "--requests", type=int, default=256, help="requests in the batch (half of each kind)"
    )
    ap.add_argument("--clients", type=int, default=4, help="client threads sending them")
    ap.add_argument(
        "--gen-chars", type=int, default=24, help="characters generated per completion request"
    )
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--shared-stream", action="store_true", help="all clients on the default stream"
    )
    ap.add_argument(
        "--latency-budget-ms", type=float, default=50.0, help="p99 target checked at the end"
    )
    args = ap.parse_args(argv)
    if args.requests < 2 or args.clients < 1:
        raise ValueError(
            f"[serve] need --requests >= 2 and --clients >= 1; got {args.requests}, {args.clients}."
        )

    out = Path(args.out)
    server = Server(out / "models")
    startup = time.perf_counter() - _T_START
    print(
        f"serve: loaded char_lm ({server.lm_cfg['num_layers']} layers, vocab {len(server.vocab)}) and "
        f"author_classifier ({len(server.labels)} authors) in {server.load_seconds * 1e3:.0f} ms "
        f"(process start to ready: {startup:.2f}s)"
    )

    # Requests: held-out sentences to classify and prompts cut from them to complete.
    held = [json.loads(line) for line in open(out / "data" / "annotations.jsonl", encoding="utf-8")]
    held = [r for r in held if r["split"] == "heldout"]
    if not held:
        raise ValueError("[serve] No held-out sentences in annotations.jsonl.")
    rng = np.random.default_rng(args.seed)
    requests = []
    for i in range(args.requests):
        r = held[int(rng.integers(len(held)))]
        if i % 2 == 0:
            requests.append({"id": i, "kind": "classify", "text": r["text"], "label": r["author"]})
        else:
            words = r["text"].split()
            requests.append(
                {
                    "id": i,
                    "kind": "complete",
                    "text": " ".join(words[: max(2, min(5, len(words) // 2))]) + " ",
                    "seed": args.seed * 100003 + i,
                }
            )

    # One untimed request of each kind first (first-call allocations).
    server.classify(held[0]["text"])
    server.complete("The ", args.gen_chars, args.temperature, 0)

    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    records, wall = run_load(
        server, requests, args.clients, args.gen_chars, args.temperature, args.shared_stream
    )
    stats = {}
    print(
        f"\n{len(records)} requests from {args.clients} client threads in {wall:.2f}s "
        f"({len(records) / wall:.0f} requests/s; {os.cpu_count()} cores, load average {load_avg:.1f} before the run); "
        "latency per request (send -> answer):"
    )
    for kind in ("classify", "complete", "all"):
        lat = [r["latency_ms"] for r in records if kind == "all" or r["kind"] == kind]
        stats[kind] = {
            "count": len(lat),
            "p50_ms": round(percentile(lat, 50), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "max_ms": round(max(lat), 2),
            "mean_ms": round(sum(lat) / len(lat), 2),
        }
        s = stats[kind]
        what = {
            "classify": "classify (1 sentence)",
            "complete": f"complete ({args.gen_chars} chars)",
            "all": "all",
        }[kind]
        print(
            f"  {what:<24} n={s['count']:>4}  p50 {s['p50_ms']:7.2f} ms  p99 {s['p99_ms']:7.2f} ms  max {s['max_ms']:7.2f} ms"
        )

    # The same requests answered one at a time on the default stream must
    # give the same answers (each completion has its own random key).
    check = records[: min(len(records), 32)]
    same = sum(
        server.answer(r, args.gen_chars, args.temperature)
        == {k: r[k] for k in r if k in ("author", "probability", "completion")}
        for r in check
    )
    print(f"answers equal to a sequential re-run: {same}/{len(check)}")
    if same != len(check):
        raise RuntimeError("[serve] Concurrent answers differ from sequential ones.")

    print("\nsample completions (prompt | generated):")
    for r in [r for r in records if r["kind"] == "complete"][:6]:
        print(f"  {r['text']!r} | {r['completion']!r}")
    classified = [r for r in records if r["kind"] == "classify"]
    right = sum(r["author"] == r["label"] for r in classified)
    print(f"\nclassify requests answered correctly: {right}/{len(classified)}")
    for r in classified[:4]:
        print(
            f"  {r['author']:<20} p={r['probability']:.2f} (true: {r['label']}) {r['text'][:70]!r}"
        )

    # Held-out accuracy over every held-out sentence, from raw text.
    pred, _, _ = server.classify_batch([r["text"] for r in held])
    truth = np.array([server.labels.index(r["author"]) for r in held])
    accuracy = float(np.mean(pred == truth))
    print(
        f"\nheld-out accuracy of the classifier: {accuracy:.3f} ({int(np.sum(pred == truth))}/{len(held)} sentences)"
    )

    # Longer sample text.
    sample_prompt = "It was a "
    sample = server.complete(
        sample_prompt, min(server.lm_cfg["context"] - 8, 120), args.temperature, args.seed + 7
    )
    print(f"sample text: {sample_prompt}{sample['completion']!r}")

    # Fixed inputs: predictions the C++ example must reproduce.
    fixed_rows = [
        line.rstrip("\n").split("\t")
        for line in open(out / "data" / "fixed_inputs.tsv", encoding="utf-8")
    ][1:]
    texts = [row[2] for row in fixed_rows]
    stored = np.array(mx.load(str(out / "data" / "fixed_inputs.safetensors"))["features"])
    if not np.array_equal(stored, np.array(server.features(texts))):
        raise RuntimeError(
            "[serve] Features of the fixed inputs differ from the ones prepare.py stored."
        )
    fpred, fprob, fall = server.classify_batch(texts)
    with open(out / "predictions_python.tsv", "w", encoding="utf-8") as f:
        f.write("index\tlabel_id\tlabel\tprobability\ttext\n")
        for i, t in enumerate(texts):
            f.write(f"{i}\t{int(fpred[i])}\t{server.labels[int(fpred[i])]}\t{fprob[i]:.6f}\t{t}\n")
    np.save(out / "probabilities_python.npy", fall.astype(np.float32))
    print(f"predictions for {len(texts)} fixed inputs -> {out / 'predictions_python.tsv'}")

    worst = stats["all"]["p99_ms"]
    metrics = {
        "requests": len(records),
        "clients": args.clients,
        "gen_chars": args.gen_chars,
        "wall_seconds": round(wall, 3),
        "requests_per_second": round(len(records) / wall, 1),
        "latency": stats,
        "cores": os.cpu_count(),
        "load_average_before": round(load_avg, 2),
        "load_ms": round(server.load_seconds * 1e3, 1),
        "startup_seconds": round(startup, 2),
        "heldout_accuracy": round(accuracy, 4),
        "heldout_sentences": len(held),
        "sample_text": sample_prompt + sample["completion"],
        "p99_within_budget": worst < args.latency_budget_ms,
        "latency_budget_ms": args.latency_budget_ms,
    }
    (out / "serve_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    verdict = "within" if worst < args.latency_budget_ms else "OVER"
    print(f"p99 latency {worst:.1f} ms: {verdict} the {args.latency_budget_ms:.0f} ms budget")
    return metrics


if __name__ == "__main__":
    main()
