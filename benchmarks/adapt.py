"""``--adapt`` on each development set: zero-shot vs adapted accuracy, terse taxonomies, no labels.

    python benchmarks/adapt.py                      # every set, then the timing on 2,000
    python benchmarks/adapt.py --set bbc_news --no-timing

Each set is filed with its terse taxonomy (``../shared/taxonomies/terse``: a name and one
short line a section, as a new user writes them) by the zero-shot head, then by the
classifier ``Classifier.adapt`` returns after self-training on the very same articles (their
labels are read only to score), and, as a service adapting on its stored articles would, adapted
on the even rows and scored on the odd ones it never saw. Embeddings come from the shared cache in ``benchmarks/out``.
The timing files 2,000 articles with the uncached encoder (model loaded beforehand), plain
``classify_many`` against ``adapt`` then ``classify_many``: what ``newsdesk classify`` and
``newsdesk classify --adapt`` spend beyond start-up.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from accuracy import BENCHMARKS, DEFAULT_DATA, load_benchmark, restricted
from cached_encoder import CachedEncoder

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.options import TrainingOptions
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.registry import get_encoder
from newsdesk.taxonomy import Taxonomy, load_taxonomy


@dataclass(frozen=True)
class AdaptSet:
    """A development set, its terse taxonomy, its sample size and the issue's target."""

    name: str
    terse: str
    target: float
    sample: int | None = None


SETS = [
    AdaptSet("bbc_news", "bbc_news.yaml", 0.95),
    AdaptSet("masakhanews/eng", "masakhanews.yaml", 0.85),
    AdaptSet("sib200/eng_Latn", "sib200.yaml", 0.80),
    AdaptSet("sib200/arb_Arab", "sib200.yaml", 0.75),
    AdaptSet("ant_multisource", "ant_multisource.yaml", 0.72, sample=5000),
]
TIMED = "ant_multisource"  # its 5,000-article sample holds the 2,000 the timing files
TIMED_ARTICLES = 2000


def terse_folder(data: Path) -> Path:
    return data.parent / "taxonomies" / "terse"


def load_set(spec: AdaptSet, data: Path) -> tuple[list[Article], list[str], Taxonomy]:
    """The set's articles and labels, and its terse taxonomy (``taxonomies/terse`` beside the
    ``data`` folder) restricted to the labels used."""
    bench = next(b for b in BENCHMARKS if b.name == spec.name)
    if spec.sample:
        bench = replace(bench, sample=spec.sample)
    articles, labels, _ = load_benchmark(bench, data)
    return articles, labels, restricted(load_taxonomy(terse_folder(data) / spec.terse), set(labels))


def accuracy(clf: Classifier, articles: list[Article], labels: list[str]) -> float:
    names = clf.taxonomy.names
    pred = clf.predict_proba(articles).argmax(axis=1)
    return float(np.mean([names[p] == gold for p, gold in zip(pred, labels, strict=True)]))


def score_set(
    spec: AdaptSet, encoder: Encoder, data: Path, options: TrainingOptions | None = None
) -> dict[str, object]:
    articles, labels, taxonomy = load_set(spec, data)
    zero = Classifier.zero_shot(taxonomy, encoder)
    adapted = zero.adapt(articles, options=options)
    report = adapted.adaptation
    assert report is not None
    # what a service adapting on its stored articles gains on articles it has not seen:
    # adapted on the even rows, scored on the odd ones
    stored, new = articles[::2], articles[1::2]
    on_stored = zero.adapt(stored, options=options)
    return {
        "set": spec.name,
        "n": len(articles),
        "zero_shot": accuracy(zero, articles, labels),
        "adapted": accuracy(adapted, articles, labels),
        "target": spec.target,
        "kept": report.kept_rounds,
        "seconds": report.seconds,
        "why": report.kept_head_because or "",
        # how far the rounds' checks were above self-training's MIN_BEYOND_CHANCE
        "kappa": min(
            (r["beyond_chance"] for r in report.rounds if "beyond_chance" in r),
            default=float("nan"),
        ),
        "unseen_zero_shot": accuracy(zero, new, labels[1::2]),
        "unseen_adapted": accuracy(on_stored, new, labels[1::2]),
        # nothing is held out to calibrate a model adapted with no labels (retrain --adapt on
        # day one): how far its own confidence is from its accuracy on what it has not seen
        "unseen_confidence": float(on_stored.predict_proba(new).max(axis=1).mean()),
    }


def time_adapt(encoder_name: str, data: Path) -> tuple[float, float]:
    """Seconds to file 2,000 articles plainly, and with adaptation first (encoder uncached)."""
    spec = next(s for s in SETS if s.name == TIMED)
    articles, _, taxonomy = load_set(spec, data)
    articles = articles[:TIMED_ARTICLES]
    encoder = get_encoder(encoder_name)
    encoder.encode(["warm-up: load the model before the clock starts"])
    start = time.perf_counter()
    list(Classifier.zero_shot(taxonomy, encoder).classify_many(articles))
    plain = time.perf_counter() - start
    start = time.perf_counter()
    adapted = Classifier.zero_shot(taxonomy, encoder).adapt(articles)
    list(adapted.classify_many(articles))
    return plain, time.perf_counter() - start


def print_table(rows: list[dict[str, object]]) -> None:
    print(
        "| set | articles | zero-shot | adapted | target | rounds kept | self-training s "
        "| unseen half: zero-shot | unseen half: adapted on the other | its mean confidence "
        "| lowest kappa |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['set']} | {r['n']:,} | {r['zero_shot']:.3f} | {r['adapted']:.3f} | "
            f">= {r['target']:.2f} | {r['kept']} | {r['seconds']:.1f} | "
            f"{r['unseen_zero_shot']:.3f} | {r['unseen_adapted']:.3f} | "
            f"{r['unseen_confidence']:.3f} | {r['kappa']:.2f} |"
            + (f" kept the head: {r['why']}" if r["why"] else "")
        )


def set_arguments(description: str) -> argparse.ArgumentParser:
    """A parser with the options the adaptation benchmarks share: --data, --encoder, --set."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--set", action="append", choices=[s.name for s in SETS])
    return parser


def main() -> None:
    parser = set_arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--timing-only", action="store_true")
    args = parser.parse_args()
    if not args.timing_only:
        encoder = CachedEncoder(get_encoder(args.encoder), flush_every=512)
        chosen = [s for s in SETS if not args.set or s.name in args.set]
        rows = []
        for spec in chosen:
            rows.append(score_set(spec, encoder, args.data))
            encoder.save()
        print_table(rows)
    if not args.no_timing:
        plain, adapted = time_adapt(args.encoder, args.data)
        print(
            f"\n{TIMED_ARTICLES:,} articles ({TIMED}), {args.encoder}: classify {plain:.1f}s, "
            f"classify --adapt {adapted:.1f}s ({adapted / plain:.2f}x)"
        )


if __name__ == "__main__":
    main()
