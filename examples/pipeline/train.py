"""Step 2 of the pipeline: train both models from scratch, evaluate them on
held-out data, plot the loss curves, package each model as .safetensors
with its config in the metadata.

(a) a character-level causal transformer language model on the cleaned
    text (random windows of ``--lm-context`` characters; AdamW with warmup
    and cosine decay; gradient clipping); held-out loss, perplexity and
    bits per character on the held-out tail of every work;
(b) an author classifier over hashed word/character n-grams (mean-pooled
    embeddings, one hidden layer; n-gram dropout while training); held-out
    accuracy and loss per epoch.

Outputs in ``--out`` (default ``demo_out/``):
  models/char_lm.safetensors, models/author_classifier.safetensors
  loss_curves.png, train_metrics.json

Usage: python3 examples/pipeline/train.py [--out demo_out] [--lm-steps N] ...
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ember.nn as nn  # noqa: E402
import ember.optimizers as optim  # noqa: E402
import numpy as np  # noqa: E402
from common import ProgressBar, build_model, save_model  # noqa: E402
from ember.utils import tree_flatten  # noqa: E402
from plot import line_plot  # noqa: E402

import ember.core as mx  # noqa: E402


def load_tensors(path):
    arrays, metadata = mx.load(str(path), return_metadata=True)
    return {k: np.array(v) for k, v in arrays.items()}, metadata


def lm_windows(ids, context):
    """Non-overlapping (input, target) windows covering ``ids``."""
    n = (len(ids) - 1) // context
    x = ids[: n * context].reshape(n, context)
    y = ids[1 : n * context + 1].reshape(n, context)
    return x, y


def lm_eval(model, x, y, batch=64):
    """Mean cross-entropy (nats per character) over all windows."""
    total, count = 0.0, 0
    for i in range(0, len(x), batch):
        logits = model(mx.array(x[i : i + batch]))
        loss = nn.losses.cross_entropy(logits, mx.array(y[i : i + batch]), reduction="sum")
        total += loss.item()
        count += y[i : i + batch].size
    return total / max(count, 1)


def train_lm(args, data_dir, models_dir, curves):
    arrays, meta = load_tensors(data_dir / "lm.safetensors")
    vocab = json.loads(meta["vocab"])
    train_ids, held_ids = arrays["train_ids"], arrays["heldout_ids"]
    config = {
        "kind": "char_lm",
        "vocab": vocab,
        "context": args.lm_context,
        "dims": args.lm_dims,
        "num_heads": args.lm_heads,
        "num_layers": args.lm_layers,
        "mlp_dims": 4 * args.lm_dims,
    }
    model = build_model(config)
    mx.eval(model.parameters())
    n_params = sum(v.size for _, v in tree_flatten(model.parameters()))

    warmup = max(1, min(100, args.lm_steps // 10))
    schedule = optim.join_schedules(
        [
            optim.linear_schedule(args.lm_lr / warmup, args.lm_lr, warmup),
            optim.cosine_decay(args.lm_lr, max(1, args.lm_steps - warmup), args.lm_lr / 10),
        ],
        [warmup],
    )
    opt = optim.AdamW(learning_rate=schedule, betas=[0.9, 0.99], weight_decay=0.01)

    def loss_fn(x, y):
        return nn.losses.cross_entropy(model(x), y, reduction="mean")

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    rng = np.random.default_rng(args.seed)
    hx, hy = lm_windows(held_ids, args.lm_context)
    # The periodic held-out estimate uses 96 windows spread over every work.
    qx, qy = hx[:: max(1, len(hx) // 96)], hy[:: max(1, len(hy) // 96)]

    print(
        f"[lm] {n_params / 1e3:.0f}k parameters ({args.lm_layers} layers, {args.lm_dims} dims, "
        f"{args.lm_heads} heads, context {args.lm_context}); {len(train_ids)} train chars, "
        f"{len(held_ids)} held-out chars; {args.lm_steps} steps of {args.lm_batch}x{args.lm_context}"
    )
    bar = ProgressBar("lm", args.lm_steps, "tok")
    t0, tokens, ema = time.perf_counter(), 0, None
    train_curve, held_curve = [], []
    step = 0
    for step in range(1, args.lm_steps + 1):
        starts = rng.integers(0, len(train_ids) - args.lm_context - 1, size=args.lm_batch)
        idx = starts[:, None] + np.arange(args.lm_context + 1)[None]
        win = train_ids[idx]
        model.train()
        loss, grads = loss_and_grad(mx.array(win[:, :-1]), mx.array(win[:, 1:]))
        grads, _ = optim.clip_grad_norm(grads, 1.0)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        value = loss.item()
        ema = value if ema is None else 0.95 * ema + 0.05 * value
        tokens += win[:, :-1].size
        train_curve.append((step, ema))
        extra = ""
        if step % args.eval_every == 0 or step == args.lm_steps:
            model.eval()
            held = lm_eval(model, qx, qy)
            held_curve.append((step, held))
            extra = f" | held-out {held:.3f}"
        bar.update(step, ema, tokens, extra)
        if args.max_seconds and time.perf_counter() - t0 > args.max_seconds:
            bar.close()
            print(f"[lm] stopped after {step} steps: --max-seconds {args.max_seconds} reached")
            break
    else:
        bar.close()
    seconds = time.perf_counter() - t0

    model.eval()
    held_loss = lm_eval(model, hx, hy)
    if held_curve and held_curve[-1][0] == step:
        held_curve.pop()
    held_curve.append((step, held_loss))
    metrics = {
        "parameters": int(n_params),
        "steps": step,
        "train_seconds": round(seconds, 1),
        "tokens_per_second": round(tokens / seconds),
        "final_train_loss_ema": round(ema, 4),
        "heldout_loss": round(held_loss, 4),
        "heldout_perplexity": round(math.exp(held_loss), 3),
        "heldout_bits_per_char": round(held_loss / math.log(2), 4),
        "heldout_chars": int(hy.size),
        "uniform_baseline_loss": round(math.log(len(vocab)), 4),
    }
    config["metrics"] = metrics
    path = models_dir / "char_lm.safetensors"
    save_model(path, model, config)
    print(
        f"[lm] held-out loss {held_loss:.4f} nats/char, perplexity {math.exp(held_loss):.2f}, "
        f"{metrics['heldout_bits_per_char']:.3f} bits/char over {hy.size} chars "
        f"(uniform guess: {math.log(len(vocab)):.2f} nats); {seconds:.0f}s -> {path}"
    )
    curves["lm"] = {"train": train_curve, "heldout": held_curve}
    return metrics


def cls_eval(model, feats, labels, batch=256):
    total, correct = 0.0, 0
    for i in range(0, len(feats), batch):
        logits = model(mx.array(feats[i : i + batch]))
        y = mx.array(labels[i : i + batch])
        total += nn.losses.cross_entropy(logits, y, reduction="sum").item()
        correct += int((mx.argmax(logits, axis=-1) == y).sum().item())
    n = max(len(feats), 1)
    return total / n, correct / n


def train_classifier(args, data_dir, models_dir, curves):
    arrays, meta = load_tensors(data_dir / "classifier.safetensors")
    labels = json.loads(meta["labels"])
    feat_cfg = json.loads(meta["features"])
    xtr, ytr = arrays["train_features"], arrays["train_labels"]
    xhe, yhe = arrays["heldout_features"], arrays["heldout_labels"]
    config = {
        "kind": "ngram_classifier",
        "labels": labels,
        "dims": args.cls_dims,
        "hidden": args.cls_hidden,
        "token_dropout": args.cls_token_dropout,
        **feat_cfg,
    }
    model = build_model(config)
    mx.eval(model.parameters())
    n_params = sum(v.size for _, v in tree_flatten(model.parameters()))
    opt = optim.AdamW(learning_rate=args.cls_lr, weight_decay=0.01)

    def loss_fn(x, y):
        return nn.losses.cross_entropy(model(x), y, reduction="mean")

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    rng = np.random.default_rng(args.seed + 1)
    steps_per_epoch = math.ceil(len(xtr) / args.cls_batch)
    total = steps_per_epoch * args.cls_epochs
    counts = np.bincount(ytr, minlength=len(labels))
    majority = float(np.mean(yhe == np.argmax(counts))) if len(yhe) else float("nan")
    print(
        f"[classifier] {n_params / 1e3:.0f}k parameters; {len(xtr)} train / {len(xhe)} held-out sentences, "
        f"{len(labels)} authors; {args.cls_epochs} epochs of {steps_per_epoch} steps"
    )
    bar = ProgressBar("classifier", total, "samples")
    t0, seen, ema, step = time.perf_counter(), 0, None, 0
    train_curve, held_curve, acc_curve = [], [], []
    for epoch in range(1, args.cls_epochs + 1):
        order = rng.permutation(len(xtr))
        model.train()
        for i in range(0, len(xtr), args.cls_batch):
            b = order[i : i + args.cls_batch]
            loss, grads = loss_and_grad(mx.array(xtr[b]), mx.array(ytr[b]))
            opt.update(model, grads)
            mx.eval(model.parameters(), opt.state, loss)
            step += 1
            seen += len(b)
            value = loss.item()
            ema = value if ema is None else 0.9 * ema + 0.1 * value
            train_curve.append((step / steps_per_epoch, ema))
            bar.update(step, ema, seen, f" | epoch {epoch}")
        model.eval()
        held_loss, acc = cls_eval(model, xhe, yhe)
        held_curve.append((epoch, held_loss))
        acc_curve.append((epoch, acc))
        bar.update(step, ema, seen, f" | epoch {epoch} held-out acc {acc:.3f}")
    bar.close()
    seconds = time.perf_counter() - t0
    held_loss, acc = cls_eval(model, xhe, yhe)
    train_loss, train_acc = cls_eval(model, xtr, ytr)
    pred = np.array(mx.argmax(model(mx.array(xhe)), axis=-1)) if len(xhe) else np.zeros(0, np.int32)
    per_author = {
        a: round(float(np.mean(pred[yhe == i] == i)), 3)
        for i, a in enumerate(labels)
        if np.any(yhe == i)
    }
    metrics = {
        "parameters": int(n_params),
        "epochs": args.cls_epochs,
        "train_seconds": round(seconds, 1),
        "samples_per_second": round(seen / seconds),
        "train_accuracy": round(train_acc, 4),
        "heldout_loss": round(held_loss, 4),
        "heldout_accuracy": round(acc, 4),
        "heldout_sentences": int(len(yhe)),
        "majority_class_accuracy": round(majority, 4),
        "heldout_accuracy_per_author": per_author,
    }
    config["metrics"] = metrics
    path = models_dir / "author_classifier.safetensors"
    save_model(path, model, config)
    print(
        f"[classifier] held-out accuracy {acc:.3f} ({len(yhe)} sentences; majority class {majority:.3f}), "
        f"held-out loss {held_loss:.3f}, train accuracy {train_acc:.3f}; {seconds:.1f}s -> {path}"
    )
    curves["cls"] = {"train": train_curve, "heldout": held_curve, "acc": acc_curve}
    return metrics


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="demo_out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lm-steps", type=int, default=800)
    ap.add_argument("--lm-batch", type=int, default=32)
    ap.add_argument("--lm-context", type=int, default=64)
    ap.add_argument("--lm-dims", type=int, default=128)
    ap.add_argument("--lm-heads", type=int, default=4)
    ap.add_argument("--lm-layers", type=int, default=2)
    ap.add_argument("--lm-lr", type=float, default=3e-3)
    ap.add_argument(
        "--eval-every", type=int, default=100, help="LM steps between held-out estimates"
    )
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=0,
        help="stop LM training after this long (0: no limit)",
    )
    ap.add_argument("--cls-epochs", type=int, default=10)
    ap.add_argument("--cls-batch", type=int, default=32)
    ap.add_argument("--cls-dims", type=int, default=64)
    ap.add_argument("--cls-hidden", type=int, default=64)
    ap.add_argument("--cls-lr", type=float, default=1.5e-3)
    ap.add_argument(
        "--cls-token-dropout", type=float, default=0.5, help="n-grams dropped per training sentence"
    )
    args = ap.parse_args(argv)
    for name in (
        "lm_steps",
        "lm_batch",
        "lm_context",
        "lm_dims",
        "lm_heads",
        "lm_layers",
        "eval_every",
        "cls_epochs",
        "cls_batch",
        "cls_dims",
        "cls_hidden",
    ):
        if getattr(args, name) <= 0:
            raise ValueError(
                f"[train] --{name.replace('_', '-')} must be positive; got {getattr(args, name)}."
            )

    if not 0.0 <= args.cls_token_dropout < 1.0:
        raise ValueError(
            f"[train] --cls-token-dropout must be in [0, 1); got {args.cls_token_dropout}."
        )
    mx.random.seed(args.seed)
    out = Path(args.out)
    data_dir, models_dir = out / "data", out / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    curves = {}
    t0 = time.perf_counter()
    lm = train_lm(args, data_dir, models_dir, curves)
    cls = train_classifier(args, data_dir, models_dir, curves)

    acc_txt = f"{cls['heldout_accuracy'] * 100:.1f}%"
    line_plot(
        out / "loss_curves.png",
        [
            {
                "title": "char LM loss (nats/char)",
                "xlabel": "step",
                "series": [
                    {"label": "train (ema)", "points": curves["lm"]["train"]},
                    {"label": "held-out", "points": curves["lm"]["heldout"], "style": "dots"},
                ],
            },
            {
                "title": f"author classifier loss (acc {acc_txt})",
                "xlabel": "epoch",
                "series": [
                    {"label": "train (ema)", "points": curves["cls"]["train"]},
                    {"label": "held-out", "points": curves["cls"]["heldout"]},
                ],
            },
        ],
    )
    metrics = {"lm": lm, "classifier": cls, "seconds": round(time.perf_counter() - t0, 1)}
    (out / "train_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"train: done in {metrics['seconds']:.0f}s; loss curves -> {out / 'loss_curves.png'}")
    return metrics


if __name__ == "__main__":
    main()
