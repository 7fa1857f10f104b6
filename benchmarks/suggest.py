"""``taxonomy suggest`` on the development sets: how much the suggested taxonomy files better.

    python benchmarks/suggest.py                     # every set, the full grid, e5-small
    python benchmarks/suggest.py --dataset bbc_news --grid default

For each set: the terse taxonomy (``../shared/taxonomies/terse/``, one line a section) files
the set's articles zero-shot; ``suggest`` reads the same articles (never their labels) and adds
keywords and examples; the suggested taxonomy then files them again, per article, zero-shot.
The constants of :class:`SuggestSettings` that the grid varies are chosen by leave-one-set-out:
the row of a set uses the setting with the best mean gain on the other sets. Embeddings come
from ``benchmarks/out/embeddings`` (see ``cached_encoder.py``).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import DEFAULT_DATA, Benchmark, load_benchmark
from cached_encoder import CachedEncoder

from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.suggest import SuggestSettings, score_archive, suggest
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.registry import get_encoder
from newsdesk.taxonomy import Taxonomy

TERSE = Path(__file__).resolve().parents[1].parent / "shared" / "taxonomies" / "terse"

SETS = [
    Benchmark("bbc_news", "bbc_news/train.jsonl", str(TERSE / "bbc_news.yaml")),
    Benchmark("masakhanews/eng", "masakhanews/eng/dev.jsonl", str(TERSE / "masakhanews.yaml")),
    Benchmark(
        "ant_multisource",
        "ant_multisource/train.jsonl.gz",
        str(TERSE / "ant_multisource.yaml"),
        sample=1000,
    ),
    Benchmark("sib200/eng_Latn", "sib200/eng_Latn/train.jsonl", str(TERSE / "sib200.yaml")),
    Benchmark("seed12", "seed12/dev.jsonl", str(TERSE / "seed12.yaml")),
]

GRIDS = {
    "default": [SuggestSettings()],
    "full": [
        SuggestSettings(confident_share=share, keywords=words, examples=examples)
        for share, words, examples in itertools.product((0.5, 0.8, 1.0), (24, 48), (3, 6))
    ],
}


@dataclass(frozen=True)
class Row:
    name: str
    rows: int
    terse: float
    by_setting: dict[SuggestSettings, float]


def accuracy(
    taxonomy: Taxonomy, encoder: CachedEncoder, X: EncodedArticles, gold: list[str]
) -> float:
    head = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
    pred = np.array(taxonomy.names)[head.predict_proba(X).argmax(axis=1)]
    return float(np.mean(pred == np.array(gold)))


def run(bench: Benchmark, data: Path, grid: list[SuggestSettings], sample: int | None) -> Row:
    if sample:
        bench = replace(bench, sample=sample) if bench.sample else bench
    articles, gold, terse = load_benchmark(bench, data)
    encoder = CachedEncoder(get_encoder("e5-small"))
    archive = score_archive(articles, terse, encoder)
    X = EncodedArticles(list(archive.articles), archive.embeddings)
    scores = {}
    for settings in grid:
        suggested = suggest(archive, settings).suggested_taxonomy()
        scores[settings] = accuracy(suggested, encoder, X, gold)
        logging.info("%s %s: %.3f", bench.name, settings, scores[settings])
    encoder.save()
    return Row(bench.name, len(articles), accuracy(terse, encoder, X, gold), scores)


def leave_one_out(rows: list[Row], held: Row) -> SuggestSettings:
    """The setting with the best mean gain over the rows other than ``held``."""
    others = [r for r in rows if r is not held] or [held]
    grid = list(held.by_setting)
    return max(grid, key=lambda s: np.mean([r.by_setting[s] - r.terse for r in others]))


def describe(s: SuggestSettings) -> str:
    return f"share {s.confident_share}, {s.keywords} words, {s.examples} examples"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--dataset", action="append", help="a set name, repeatable")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full")
    parser.add_argument("--ant-sample", type=int, default=1000, help="ant_multisource rows")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    chosen = [b for b in SETS if not args.dataset or b.name in args.dataset]
    rows = [run(b, args.data, GRIDS[args.grid], args.ant_sample) for b in chosen]
    header = f"{'data set':<18} {'rows':>5} {'terse':>6} {'suggested':>9} {'gain':>6}  setting (leave-one-set-out)"
    print(header)
    print("-" * len(header))
    for row in rows:
        setting = leave_one_out(rows, row)
        acc = row.by_setting[setting]
        print(
            f"{row.name:<18} {row.rows:>5} {row.terse:>6.3f} {acc:>9.3f} "
            f"{acc - row.terse:>+6.3f}  {describe(setting)}"
        )
    best = max(rows[0].by_setting, key=lambda s: np.mean([r.by_setting[s] - r.terse for r in rows]))
    gains = ", ".join(f"{r.name} {r.by_setting[best] - r.terse:+.3f}" for r in rows)
    print(f"\nbest on all sets: {describe(best)} ({gains})")
    shipped = SuggestSettings()
    if shipped in rows[0].by_setting:
        gains = ", ".join(f"{r.name} {r.by_setting[shipped] - r.terse:+.3f}" for r in rows)
        print(f"shipped defaults: {describe(shipped)} ({gains})")


if __name__ == "__main__":
    main()
