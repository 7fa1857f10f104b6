"""The correction loop as editors live it: from a terse taxonomy to a trusted model (issue 18).

    python benchmarks/editor_loop.py                  # three sets, every order, 200 corrections
    python benchmarks/editor_loop.py --quick          # two small sets, up to 50 corrections
    python benchmarks/editor_loop.py --dataset bbc_news --order desk --order random
    python benchmarks/editor_loop.py --start adapted --retrain adapt   # adapted, retrain --adapt

For each development set and its terse taxonomy (``../shared/taxonomies/terse/``) every article
is filed zero-shot into a SQLite store (``editor_newsroom.py``); then, 10 at a time, an oracle
editor confirms or corrects the next articles in a queue order with their gold section through
the desk's store functions, the desk's trainer retrains on the corrections (and the desk's
confident calls) and the candidate is activated. After 0, 10, 20, ... corrections the active
model files the articles nobody reviewed, and its accuracy there is the curve. ``desk`` is the
store's own queue (``queue_page``); the other orders are in ``editor_orders.py``. The reference
is the model trained on every label of the set (its accuracy on held-out folds).
``--start adapted`` files the articles with the terse taxonomy adapted to them instead
(``Classifier.adapt``), and ``--retrain adapt`` makes every retrain ``retrain --adapt``
(self-training on the stored articles, the corrections as examples).

Embeddings come from ``benchmarks/out/embeddings`` (``cached_encoder.py``); articles' n-gram
buckets are memoized in the process. Prints a table and writes ``docs/editor_loop.png`` and
``benchmarks/results/editor_loop.json``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import logging
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cached_encoder import CachedEncoder
from editor_newsroom import FAST_OPTIONS, Newsroom, filed_store
from editor_orders import MODEL_ORDERS, ORDERS, QueueView
from editor_report import TABLE_MARKS, report

import newsdesk.classify.features as features
from newsdesk.article import Article
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.training import train_classifier
from newsdesk.encoders.registry import get_encoder
from newsdesk.store.queue_order import unreviewed_accuracy
from newsdesk.store.review import QueueFilter, queue_page
from newsdesk.taxonomy import Taxonomy, load_taxonomy

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
DATA = SHARED / "data"
TERSE = SHARED / "taxonomies" / "terse"
RESULTS = HERE / "results" / "editor_loop.json"
FIGURE = HERE.parent / "docs" / "editor_loop.png"
BATCH = 10
# where the curves are measured (orders that do not follow the model retrain only there)
CURVE_MARKS = (10, 20, 30, 50, 100, 150, 200)
HELD_OUT_SEED = 12345  # a fifth of each set that no editor is shown: the fixed yardstick


@dataclass(frozen=True)
class LoopSet:
    """A development set, its terse taxonomy, and how many articles of it are filed."""

    name: str
    path: str
    taxonomy: str
    sample: int | None = None


SETS = [
    LoopSet("bbc_news", "bbc_news/train.jsonl", "bbc_news.yaml"),
    LoopSet("masakhanews/eng", "masakhanews/eng/dev.jsonl", "masakhanews.yaml"),
    LoopSet("ant_multisource", "ant_multisource/train.jsonl.gz", "ant_multisource.yaml", 5000),
]


def _rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _when(row: dict) -> float | None:
    try:
        return parsedate_to_datetime(row["time"]).timestamp() if row.get("time") else None
    except (TypeError, ValueError):
        return None


def load_set(spec: LoopSet, data: Path = DATA) -> tuple[list[Article], list[str], Taxonomy]:
    """The set's articles in filing order, their gold sections, and its terse taxonomy.

    A sample is drawn with seed 0. Articles with a date are filed oldest first (so "newest
    first" means what it says); sets without dates are filed in a seeded shuffle.
    """
    rows = _rows(data / spec.path)
    rng = random.Random(0)
    if spec.sample and len(rows) > spec.sample:
        rows = rng.sample(rows, spec.sample)
    else:
        rng.shuffle(rows)
    if all(_when(r) is not None for r in rows):
        rows.sort(key=lambda r: _when(r) or 0.0)
    articles = [
        Article(
            text=r.get("text") or "",
            title=r.get("title") or "",
            id=str(r["id"]),
            lang=r.get("lang"),
            source=r.get("source"),
        )
        for r in rows
    ]
    gold = [str(r["label"]) for r in rows]
    taxonomy = load_taxonomy(TERSE / spec.taxonomy)
    missing = set(gold) - set(taxonomy.names)
    if missing:
        raise SystemExit(f"{spec.name}: labels {sorted(missing)} have no section in the taxonomy")
    return articles, gold, taxonomy


@dataclass
class Curve:
    """One run's accuracy after each number of corrections: on the articles nobody reviewed
    (``points``) and on the fixed held-out articles no editor is shown (``held_out``)."""

    order: str
    seed: int
    points: dict[int, float]
    held_out: dict[int, float]
    retrain_s: float
    estimate: dict[int, tuple[float, float, float, int]] = field(default_factory=dict)


def desk_pick(room: Newsroom, k: int, kept: np.ndarray) -> list[int]:
    """The next ``k`` articles of the store's own queue (``queue_page``, as the desk reads
    it), passing over the held-out ones."""
    picked: list[int] = []
    after = None
    while len(picked) < k:
        with room.store.read() as conn:
            items, after = queue_page(conn, QueueFilter(), limit=4 * k, after=after)
        picked += [room.index[i.id] for i in items if not kept[room.index[i.id]]]
        if after is None:
            break
    return picked[:k]


def run_order(
    room: Newsroom, order: str, seed: int, context: dict, *, total: int, marks: set[int]
) -> Curve:
    """Correct ``total`` articles 10 at a time in ``order``, scoring at ``marks``."""
    rng = np.random.default_rng(seed)
    kept = context["kept"]
    room.rerank = order == "desk"
    estimates: dict[int, tuple[float, float, float, int]] = {}
    follows_model = order in MODEL_ORDERS
    points: dict[int, float] = {}
    held: dict[int, float] = {}

    def score(done: int) -> tuple[np.ndarray, np.ndarray]:
        waiting = np.array(room.waiting())
        probs = room.probabilities(list(waiting))
        if done in marks or done == 0:
            points[done] = room.accuracy(list(waiting), probs)
            held[done] = room.accuracy(list(waiting[kept[waiting]]), probs[kept[waiting]])
            if order == "desk":
                estimates[done] = estimate(room)
        return waiting[~kept[waiting]], probs[~kept[waiting]]

    reviewable, probs = score(0)
    done = 0
    while done < total:
        if order == "desk":
            picked = desk_pick(room, BATCH, kept)
        else:
            view = QueueView(reviewable, probs, context["embeddings"], context["margins"], rng)
            picked = ORDERS[order](view, BATCH)
        room.correct(picked)
        done += BATCH
        if follows_model or done in marks:
            room.retrain()
            reviewable, probs = score(done)
    return Curve(order, seed, points, held, float(np.sum(room.retrain_seconds)), estimates)


def estimate(room: Newsroom) -> tuple[float, float, float, int]:
    """The desk's estimate of accuracy on unreviewed articles from its reviewed random picks."""
    with room.store.read() as conn:
        found = unreviewed_accuracy(conn)
    return (found.accuracy or 0.0, found.low, found.high, found.n)


def reference_accuracy(
    taxonomy: Taxonomy, encoder: CachedEncoder, items: list[Article], gold: list[str],
    kept: np.ndarray,
) -> tuple[float, float]:  # fmt: skip
    """The model trained on every label of the set but the held-out articles': its accuracy
    on its own held-out folds, and on the held-out articles."""
    train = np.flatnonzero(~kept)
    data = LabeledArticles([items[i] for i in train], [(gold[i],) for i in train])
    trained = train_classifier(taxonomy, encoder, data, options=FAST_OPTIONS)
    test = np.flatnonzero(kept)
    calls = trained.classifier.predict_proba([items[i] for i in test]).argmax(axis=1)
    right = [taxonomy.names[j] == gold[i] for j, i in zip(calls, test, strict=True)]
    return float(trained.metrics["accuracy"]), float(np.mean(right))


def run_set(spec: LoopSet, args: argparse.Namespace, encoder: CachedEncoder) -> dict:
    """Every order (random ``args.seeds`` times) on one set; the curves and the reference."""
    items, gold, taxonomy = load_set(spec, args.data)
    embeddings = encoder.encode([a.content for a in items])
    embeddings /= np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-9)
    marks = {m for m in CURVE_MARKS if m <= args.corrections}
    kept = np.zeros(len(items), dtype=bool)
    kept[np.random.default_rng(HELD_OUT_SEED).permutation(len(items))[: len(items) // 5]] = True
    with tempfile.TemporaryDirectory(prefix="editor-loop-") as folder:
        # the held-out fifth is never filed: no editor sees it, no retrain reads it
        shown = [items[i] for i in np.flatnonzero(~kept)]
        template, base = filed_store(
            Path(folder), taxonomy, encoder, shown, adapted=args.start == "adapted"
        )
        room = Newsroom(template, base, items, gold, trainer=args.trainer)
        filed = room.probabilities(list(range(len(items))))
        room.close()
        top = np.sort(filed, axis=1)
        context = {"embeddings": embeddings, "margins": top[:, -1] - top[:, -2], "kept": kept}
        curves = []
        for order in args.order:
            # the random baseline gets every seed; orders with a random part, two
            runs = {"random": args.seeds, "clusters": min(args.seeds, 2), "mix": min(args.seeds, 2)}
            seeds = range(runs.get(order, 1))
            for seed in seeds:
                started = time.perf_counter()
                room = Newsroom(
                    template, base, items, gold, trainer=args.trainer,
                    adapt=args.retrain == "adapt",
                )  # fmt: skip
                try:
                    curve = run_order(
                        room, order, seed, context, total=args.corrections, marks=marks
                    )
                finally:
                    room.close()
                curves.append(curve)
                print(
                    f"  {spec.name} {order} seed {seed}: "
                    + " ".join(
                        f"{k}:{v:.3f}/{curve.held_out[k]:.3f}"
                        for k, v in curve.points.items()
                        if k in TABLE_MARKS
                    )
                    + f"  ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
    folds, held_out = reference_accuracy(taxonomy, encoder, items, gold, kept)
    return {
        "set": spec.name,
        "start": args.start,
        "retrain": args.retrain,
        "articles": len(items),
        "reference": folds,
        "reference_held_out": held_out,
        "curves": [asdict(c) for c in curves],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", action="append", choices=[s.name for s in SETS])
    parser.add_argument("--order", action="append", choices=["desk", *ORDERS])
    parser.add_argument("--corrections", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=5, help="runs of the random orders")
    parser.add_argument("--trainer", choices=["fast", "desk"], default="fast")
    parser.add_argument(
        "--retrain",
        choices=["plain", "adapt"],
        default="plain",
        help="retrain as the desk does by default, or as retrain --adapt (self-training on the "
        "stored articles, the corrections as examples)",
    )
    parser.add_argument(
        "--start",
        choices=["zero-shot", "adapted"],
        default="zero-shot",
        help="file the articles zero-shot, or adapted to them (classify --adapt) first",
    )
    parser.add_argument("--quick", action="store_true", help="two small sets, 50 corrections")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    parser.add_argument("--report", type=Path, help="print and plot a saved run, run nothing")
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        orders = list(dict.fromkeys(c["order"] for r in saved for c in r["curves"]))
        report(saved, orders, args.figure)
        return
    if args.quick:
        args.dataset = args.dataset or ["masakhanews/eng", "bbc_news"]
        args.corrections, args.seeds = min(args.corrections, 50), min(args.seeds, 2)
        args.order = args.order or ["desk", "margin", "random"]
    args.order = args.order or ["desk", *ORDERS]
    logging.basicConfig(level=logging.WARNING)
    # n-gram buckets of a text never change: memoized like the embeddings
    features.ngram_buckets = functools.lru_cache(maxsize=None)(features.ngram_buckets)
    encoder = CachedEncoder(get_encoder(args.encoder), flush_every=512)
    results = []
    for spec in SETS:
        if args.dataset and spec.name not in args.dataset:
            continue
        started = time.perf_counter()
        results.append(run_set(spec, args, encoder))
        print(f"{spec.name}: {time.perf_counter() - started:.0f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    report(results, args.order, args.figure)


if __name__ == "__main__":
    main()
