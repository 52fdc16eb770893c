"""The `make demo` driver: data preparation -> training -> serving from a
fresh process -> the classifier in C++, then a summary of what to look at.

Each step runs as its own process (serving loads the packaged models at
startup, like a service would). The C++ predictions must equal the Python
ones (same labels, probabilities within 1e-4), otherwise the demo fails.

Usage: python3 examples/pipeline/run_demo.py [--out demo_out]
           [--cpp build/example_pipeline_classifier] [--tiny]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# A seconds-long configuration for tests: same steps, toy sizes.
TINY = {
    "train": [
        "--lm-steps",
        "30",
        "--lm-dims",
        "32",
        "--lm-heads",
        "2",
        "--lm-layers",
        "1",
        "--lm-context",
        "32",
        "--lm-batch",
        "8",
        "--eval-every",
        "10",
        "--cls-epochs",
        "3",
        "--cls-lr",
        "5e-3",
        "--cls-dims",
        "16",
        "--cls-hidden",
        "16",
    ],
    "prepare": ["--num-buckets", "4096"],
    "serve": ["--requests", "16", "--clients", "2", "--gen-chars", "8"],
}


def run_step(name, cmd, log):
    print(f"\n=== {name}: {' '.join(str(c) for c in cmd)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    seconds = time.perf_counter() - t0
    log.append((name, seconds))
    if proc.returncode != 0:
        raise SystemExit(f"run_demo: step '{name}' failed with exit code {proc.returncode}")
    return seconds


def read_tsv(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8")]
    return rows[1:]


def compare_predictions(py_path, cpp_path, tol=1e-4):
    """``(number compared, list of mismatch descriptions)``."""
    py, cpp = read_tsv(py_path), read_tsv(cpp_path)
    bad = []
    if len(py) != len(cpp):
        bad.append(f"{len(py)} Python rows vs {len(cpp)} C++ rows")
    for a, b in zip(py, cpp):
        if a[0] != b[0] or a[1] != b[1] or abs(float(a[3]) - float(b[3])) > tol:
            bad.append(f"input {a[0]}: Python {a[2]} p={a[3]}, C++ {b[2]} p={b[3]}")
    return min(len(py), len(cpp)), bad


def size(path):
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="demo_out")
    ap.add_argument(
        "--cpp",
        default=str(ROOT / "build" / "example_pipeline_classifier"),
        help="the built C++ example (skipped with a note if missing)",
    )
    ap.add_argument("--tiny", action="store_true", help="toy sizes (seconds; for tests)")
    ap.add_argument(
        "--lm-max-seconds",
        type=float,
        default=300,
        help="stop LM training early after this long (keeps the demo under 15 minutes on a slow machine)",
    )
    ap.add_argument(
        "--strict-latency", action="store_true", help="fail when p99 latency is over budget"
    )
    args = ap.parse_args(argv)

    out = Path(args.out).resolve()
    py = sys.executable
    log = []
    t0 = time.perf_counter()
    tiny = TINY if args.tiny else {}
    run_step("prepare", [py, HERE / "prepare.py", "--out", out, *tiny.get("prepare", [])], log)
    run_step(
        "train",
        [
            py,
            HERE / "train.py",
            "--out",
            out,
            "--max-seconds",
            args.lm_max_seconds,
            *tiny.get("train", []),
        ],
        log,
    )
    run_step("serve", [py, HERE / "serve.py", "--out", out, *tiny.get("serve", [])], log)

    cpp = Path(args.cpp)
    cpp_result = "skipped (binary not built)"
    if cpp.exists():
        run_step(
            "C++ classifier",
            [
                cpp,
                out / "models" / "author_classifier.safetensors",
                out / "data" / "fixed_inputs.safetensors",
                out / "predictions_cpp.tsv",
            ],
            log,
        )
        n, bad = compare_predictions(out / "predictions_python.tsv", out / "predictions_cpp.tsv")
        if bad:
            print("\nC++ and Python predictions differ:\n  " + "\n  ".join(bad[:10]))
            raise SystemExit(
                "run_demo: the C++ classifier does not reproduce the Python predictions"
            )
        cpp_result = (
            f"identical to Python on all {n} fixed inputs (labels equal, probabilities within 1e-4)"
        )
    else:
        print(f"\nnote: {cpp} not found; the C++ check is skipped")
    total = time.perf_counter() - t0

    prep = json.loads((out / "data" / "prepare_report.json").read_text())
    train = json.loads((out / "train_metrics.json").read_text())
    serve = json.loads((out / "serve_metrics.json").read_text())
    lm, cls, lat = train["lm"], train["classifier"], serve["latency"]
    rel = os.path.relpath(out, Path.cwd())

    print("\n" + "=" * 78)
    print("DEMO SUMMARY")
    print("=" * 78)
    print(
        f"data     {len(prep['works'])} public-domain works by {len(prep['authors'])} authors -> "
        f"{prep['lm']['train_chars']} LM train chars, {prep['classifier']['train_sentences']} labelled train sentences"
    )
    print(
        f"char LM  {lm['parameters'] / 1e3:.0f}k params, {lm['steps']} steps in {lm['train_seconds']:.0f}s "
        f"({lm['tokens_per_second']} tok/s): held-out loss {lm['heldout_loss']:.3f} nats/char, "
        f"perplexity {lm['heldout_perplexity']:.2f} (uniform guess {math.exp(lm['uniform_baseline_loss']):.0f})"
    )
    print(
        f"classif. {cls['parameters'] / 1e3:.0f}k params, {cls['epochs']} epochs in {cls['train_seconds']:.1f}s: "
        f"held-out accuracy {cls['heldout_accuracy'] * 100:.1f}% on {cls['heldout_sentences']} sentences "
        f"(majority class {cls['majority_class_accuracy'] * 100:.1f}%)"
    )
    print(
        f"serving  {serve['requests']} requests, {serve['clients']} client threads, {serve['requests_per_second']} req/s; "
        f"latency p50/p99: classify {lat['classify']['p50_ms']:.1f}/{lat['classify']['p99_ms']:.1f} ms, "
        f"complete ({serve['gen_chars']} chars) {lat['complete']['p50_ms']:.1f}/{lat['complete']['p99_ms']:.1f} ms "
        f"-> p99 {'under' if serve['p99_within_budget'] else 'OVER'} {serve['latency_budget_ms']:.0f} ms "
        f"({serve['cores']} cores, load average {serve['load_average_before']:.1f})"
    )
    print(f"sample   {serve['sample_text']!r}")
    print(f"C++      {cpp_result}")
    print(f"time     " + ", ".join(f"{n} {s:.0f}s" for n, s in log) + f"; total {total:.0f}s")
    print("\nlook at:")
    files = [
        ("loss_curves.png", "loss curves of both models (train and held-out)"),
        ("models/char_lm.safetensors", "packaged LM (config JSON in the metadata)"),
        (
            "models/author_classifier.safetensors",
            "packaged classifier (config JSON in the metadata)",
        ),
        ("train_metrics.json", "training and held-out metrics"),
        ("serve_metrics.json", "latency percentiles, throughput, accuracy"),
        ("predictions_python.tsv", "classifier predictions on the fixed inputs (Python)"),
        ("predictions_cpp.tsv", "the same from C++"),
        ("data/annotations.jsonl", "cleaned sentences with their author labels and split"),
        ("data/prepare_report.json", "data set statistics"),
    ]
    for name, what in files:
        p = out / name
        if p.exists():
            print(f"  {os.path.join(rel, name):<44} {size(p):>8}  {what}")
    if not serve["p99_within_budget"]:
        msg = f"p99 latency {lat['all']['p99_ms']:.1f} ms is over the {serve['latency_budget_ms']:.0f} ms budget (busy machine?)"
        if args.strict_latency:
            raise SystemExit("run_demo: " + msg)
        print("\nwarning: " + msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
