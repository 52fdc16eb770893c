"""Step 1 of the pipeline: raw embedded text -> cleaned, annotated, split,
tensors in .safetensors.

Input: ``data/raw/*.txt`` (public-domain 19th-century prose; a ``Key: value``
header, then hard-wrapped paragraphs separated by blank lines).

Cleaning: header and chapter/section headings dropped, hard-wrapped lines
joined into paragraphs, text ASCII-folded (curly quotes, accents), italics
markers removed, whitespace collapsed.

Annotation: each paragraph is cut into sentences (a quotation cut by a
sentence boundary is closed or opened); a sentence of 30-400
characters and at least 5 words is kept, labelled with its author, and
flagged as dialogue when it contains a double quote. Sentences that occur
in more than one work (or twice) are dropped.

Split: the last ``--heldout-fraction`` of every work (by characters,
contiguous, at a paragraph boundary) is held out, for both the language
model text and the labelled sentences, so that no held-out sentence sits
next to a training one.

Outputs (in ``--out``, default ``demo_out/``):
  data/clean/<work>.txt            cleaned text of each work
  data/annotations.jsonl           one labelled sentence per line
  data/lm.safetensors              train_ids / heldout_ids (int32), vocab in metadata
  data/classifier.safetensors      *_features (int32 hashed n-gram ids), *_labels
  data/fixed_inputs.tsv/.safetensors  sentences whose predictions Python and C++ compare
  data/prepare_report.json         counts per author and split

Usage: python3 examples/pipeline/prepare.py [--out demo_out]
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import build_vocab, encode, featurize, ngram_features, normalize_text  # noqa: E402

import ember.core as mx  # noqa: E402

HERE = Path(__file__).resolve().parent
ABBREVIATIONS = {"mr", "mrs", "dr", "st", "esq", "co", "messrs", "mt", "vs", "etc"}
HEADING = re.compile(r"^(CHAPTER|STAVE|ADVENTURE|BOOK THE|BOOK)\b|^[IVXLC]+\.?$", re.IGNORECASE)

# Sentences not taken from the works, written for this demo in the style of
# each author; they are part of the fixed inputs only (never trained on).
PROBES = [
    "My dear Mr. Bennet, a young man of large fortune has taken the house, and the girls must be introduced at the next assembly.",
    "It was a bitter cold evening in the counting-house, and the fog came pouring in at every chink and keyhole.",
    "The whale rolled his vast bulk upon the heaving sea, and the harpooneers stood ready in the boats.",
    "Curiouser and curiouser, thought Alice, as the little door shut and the golden key lay on the table.",
    "You see, Watson, but you do not observe; the mud upon his boots tells me where he has been.",
    "Tom reckoned he could get the other boys to do his whitewashing if he let on that it was a treat.",
    "The rain had stopped, and the travellers walked on in silence toward the town.",
    "She laughed at the letter, folded it twice, and put it away in her pocket.",
]


def parse_raw(path):
    """``(header dict, list of paragraphs)`` of one raw file."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    header = {}
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"[prepare] {path.name}: header line without 'Key: value': {line!r}")
        header[key.strip().lower()] = value.strip()
    for key in ("title", "author"):
        if key not in header:
            raise ValueError(f"[prepare] {path.name}: header lacks {key!r}.")
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    return header, paragraphs


def is_heading(paragraph):
    first = paragraph.strip().splitlines()[0].strip()
    letters = [c for c in first if c.isalpha()]
    return bool(HEADING.match(first)) or (
        bool(letters) and all(c.isupper() for c in letters) and len(first) < 60 and '"' not in first
    )


def clean_paragraphs(paragraphs):
    """Headings dropped, wrapped lines joined, text normalised."""
    out = []
    for p in paragraphs:
        if is_heading(p):
            continue
        joined = normalize_text(" ".join(line.strip() for line in p.splitlines()))
        if joined:
            out.append(joined)
    return out


def split_sentences(paragraph):
    """Sentences of a paragraph: a cut after ``.``/``!``/``?`` (and closing
    quotes/brackets) followed by whitespace and an upper-case letter or an
    opening quote, unless the word before is an abbreviation or an initial."""
    sentences, start = [], 0
    for m in re.finditer(r"[.!?]+[\"')]*\s+(?=[\"'(]?[A-Z])", paragraph):
        before = paragraph[start : m.start()]
        last_word = re.findall(r"[A-Za-z]+$", before)
        if m.group(0)[0] == "." and last_word:
            w = last_word[0]
            if w.lower() in ABBREVIATIONS or len(w) == 1:
                continue
        sentences.append(paragraph[start : m.end()].strip())
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def balance_quotes(s):
    """A sentence cut out of a longer quotation has an odd number of double
    quotes: the quotation is closed at its end (or opened at its start when
    the sentence ends one that began earlier)."""
    if s.count('"') % 2 == 1:
        return '"' + s if s.endswith('"') else s + '"'
    return s


def keep_sentence(s):
    return 30 <= len(s) <= 400 and len(s.split()) >= 5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", default=str(HERE / "data" / "raw"), help="folder of raw .txt files")
    ap.add_argument("--out", default="demo_out", help="output folder")
    ap.add_argument("--heldout-fraction", type=float, default=0.15)
    ap.add_argument("--num-buckets", type=int, default=65536, help="hashed n-gram buckets")
    ap.add_argument("--max-features", type=int, default=384, help="n-gram ids per sentence")
    ap.add_argument(
        "--fixed-per-author",
        type=int,
        default=4,
        help="held-out sentences per author in the fixed inputs",
    )
    args = ap.parse_args(argv)
    if not 0.0 < args.heldout_fraction < 0.5:
        raise ValueError(
            f"[prepare] --heldout-fraction must be in (0, 0.5); got {args.heldout_fraction}."
        )

    t0 = time.perf_counter()
    out = Path(args.out) / "data"
    (out / "clean").mkdir(parents=True, exist_ok=True)
    raw_files = sorted(Path(args.raw).glob("*.txt"))
    if not raw_files:
        raise FileNotFoundError(f"[prepare] No .txt files in {args.raw}.")

    works, authors = [], []
    for path in raw_files:
        header, paragraphs = parse_raw(path)
        clean = clean_paragraphs(paragraphs)
        (out / "clean" / path.name).write_text("\n".join(clean) + "\n", encoding="utf-8")
        total = sum(len(p) + 1 for p in clean)
        pos, train_p, held_p = 0, [], []
        for p in clean:
            (train_p if pos < (1 - args.heldout_fraction) * total else held_p).append(p)
            pos += len(p) + 1
        if header["author"] not in authors:
            authors.append(header["author"])
        works.append(
            {
                "file": path.name,
                "title": header["title"],
                "author": header["author"],
                "raw_chars": len(path.read_text(encoding="utf-8")),
                "train": train_p,
                "heldout": held_p,
            }
        )

    # Annotation: labelled sentences, deduplicated across all works.
    records, seen = [], {}
    for w in works:
        for split in ("train", "heldout"):
            for p in w[split]:
                for s in map(balance_quotes, split_sentences(p)):
                    if keep_sentence(s):
                        key = s.lower()
                        seen[key] = seen.get(key, 0) + 1
                        records.append(
                            {
                                "text": s,
                                "label": authors.index(w["author"]),
                                "author": w["author"],
                                "work": w["title"],
                                "dialogue": '"' in s,
                                "split": split,
                            }
                        )
    records = [r for r in records if seen[r["text"].lower()] == 1]
    with open(out / "annotations.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")

    # Language-model tensors: character ids; vocabulary from the training text.
    lm_train = "\n\n".join("\n".join(w["train"]) for w in works)
    lm_held = "\n\n".join("\n".join(w["heldout"]) for w in works)
    vocab = build_vocab(lm_train)
    mx.save_safetensors(
        str(out / "lm.safetensors"),
        {
            "train_ids": mx.array(np.array(encode(lm_train, vocab), dtype=np.int32)),
            "heldout_ids": mx.array(np.array(encode(lm_held, vocab), dtype=np.int32)),
        },
        metadata={"vocab": json.dumps(vocab), "sources": json.dumps([w["file"] for w in works])},
    )

    # Classifier tensors: hashed n-gram ids per sentence.
    feat_cfg = {"num_buckets": args.num_buckets, "max_features": args.max_features}

    def tensors(rs):
        feats = np.array([featurize(r["text"], **feat_cfg) for r in rs], dtype=np.int32).reshape(
            len(rs), args.max_features
        )
        return mx.array(feats), mx.array(np.array([r["label"] for r in rs], dtype=np.int32))

    train_r = [r for r in records if r["split"] == "train"]
    held_r = [r for r in records if r["split"] == "heldout"]
    trf, trl = tensors(train_r)
    hef, hel = tensors(held_r)
    cls_meta = {"labels": json.dumps(authors), "features": json.dumps(feat_cfg)}
    mx.save_safetensors(
        str(out / "classifier.safetensors"),
        {
            "train_features": trf,
            "train_labels": trl,
            "heldout_features": hef,
            "heldout_labels": hel,
        },
        metadata=cls_meta,
    )

    # Fixed inputs: the first held-out sentences of each author, then the probes.
    fixed = []
    for a in range(len(authors)):
        fixed += [(r["text"], a) for r in held_r if r["label"] == a][: args.fixed_per_author]
    fixed += [(p, -1) for p in PROBES]
    with open(out / "fixed_inputs.tsv", "w", encoding="utf-8") as f:
        f.write("index\tlabel\ttext\n")
        for i, (text, label) in enumerate(fixed):
            f.write(f"{i}\t{authors[label] if label >= 0 else '-'}\t{text}\n")
    ff, fl = tensors([{"text": t, "label": lab} for t, lab in fixed])
    mx.save_safetensors(
        str(out / "fixed_inputs.safetensors"), {"features": ff, "labels": fl}, metadata=cls_meta
    )

    report = {
        "authors": authors,
        "works": [
            {
                "file": w["file"],
                "title": w["title"],
                "author": w["author"],
                "raw_chars": w["raw_chars"],
                "clean_chars": sum(len(p) + 1 for p in w["train"] + w["heldout"]),
            }
            for w in works
        ],
        "lm": {
            "vocab_size": len(vocab),
            "train_chars": len(lm_train),
            "heldout_chars": len(lm_held),
        },
        "classifier": {
            "train_sentences": len(train_r),
            "heldout_sentences": len(held_r),
            "per_author": {
                a: {
                    "train": sum(r["label"] == i for r in train_r),
                    "heldout": sum(r["label"] == i for r in held_r),
                }
                for i, a in enumerate(authors)
            },
            "dialogue_fraction": round(
                sum(r["dialogue"] for r in records) / max(len(records), 1), 3
            ),
            "truncated_sentences": int(
                sum(len(ngram_features(r["text"])) > args.max_features for r in records)
            ),
            **feat_cfg,
        },
        "fixed_inputs": len(fixed),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / "prepare_report.json").write_text(json.dumps(report, indent=2) + "\n")
    c = report["classifier"]
    print(
        f"prepare: {len(works)} works by {len(authors)} authors, "
        f"{sum(w['raw_chars'] for w in works) / 1e3:.0f} kB raw -> {report['lm']['train_chars'] / 1e3:.0f} kB LM train "
        f"+ {report['lm']['heldout_chars'] / 1e3:.0f} kB held-out chars (vocab {len(vocab)}); "
        f"{c['train_sentences']} train + {c['heldout_sentences']} held-out labelled sentences; "
        f"{len(fixed)} fixed inputs; {report['seconds']:.1f}s -> {out}"
    )
    return report


if __name__ == "__main__":
    main()
