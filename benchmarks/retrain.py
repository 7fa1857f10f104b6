"""How long a retrain takes after 10 new corrections on a 10,000-article store.

    python benchmarks/retrain.py                       # e5-small (embeddings from the shared cache)
    python benchmarks/retrain.py --encoder lexical     # quick: no model to load
    python benchmarks/retrain.py --profile             # where the warm retrain's time goes

It builds a SQLite store of ``ant_multisource`` articles (its 5,000-article sample that the other
benchmarks use, then more), 9,900 filed zero-shot with the set's terse taxonomy. Editors review
``--reviewed`` articles in the queue's order (an oracle gives the set's label) and a first
retrain makes the active model. Then the active model files 100 more (``--filed``: the store
now holds 10,000), editors review 10 more, and the desk retrains: timed, as the desk's retrain
job runs it (``confident_per_section`` from the desk's defaults), three ways:

- ``plain``: no embedding cache, a full search of the head's settings (the retrain before the
  embedding cache and the warm start);
- ``cached, full search``: the embedding cache beside the models folder, as the first retrain
  left it (the newly filed articles are not in it), and a full search;
- ``cached + warm start``: the same cache, and the head's settings taken from the active model.
- ``--adapt``: as the last, then self-trained on the 10,000 stored articles with the corrections
  as examples (``newsdesk retrain --adapt``), twice: first with the cache as the last retrain
  left it (the stored articles that were never trained on are encoded now), then again with
  the cache the first left (each later retrain encodes only what was filed since).

Each way starts from the same cache. Filing reads vectors from the benchmarks' shared cache
(``benchmarks/out/embeddings``); the retrains encode through the encoder as the service holds
it (loaded, no cache of the benchmarks'), so each pays for what it must encode. It prints the
wall-clock and CPU seconds of each, and each candidate's accuracy on the held-out reviewed
articles and on 2,000 articles nobody reviewed.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import DEFAULT_DATA, read_rows, restricted
from cached_encoder import CachedEncoder

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.saved import read_model_json
from newsdesk.defaults import RETRAIN_CONFIDENT_MIN, RETRAIN_CONFIDENT_PER_SECTION
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.registry import get_encoder
from newsdesk.lifecycle.retrain import RetrainResult, read_corrected, retrain
from newsdesk.lifecycle.slot import ServedModel, load_saved
from newsdesk.lifecycle.warm_start import EMBEDDINGS_FOLDER, with_encoder
from newsdesk.store import Store
from newsdesk.store.articles import FiledArticle, add_correction, insert_filed
from newsdesk.store.migrate import upgrade
from newsdesk.store.review import QueueFilter, queue_page
from newsdesk.taxonomy import load_taxonomy

SET = "ant_multisource/train.jsonl.gz"
TAXONOMY = "ant_multisource.yaml"
SHARED_SAMPLE = 5000  # the sample benchmarks/adapt.py and the editor loop encode


@dataclass(frozen=True)
class Newsroom:
    """A store filed zero-shot, the labels the oracle editor gives, the active model."""

    store: Store
    gold: dict[str, str]
    models: Path


def read_set(data: Path, size: int) -> tuple[list[Article], list[str]]:
    """``size`` articles: the shared 5,000-article sample first, then more of the set."""
    rows = list(read_rows(data / SET))
    first = random.Random(0).sample(rows, min(SHARED_SAMPLE, len(rows), size))
    taken = {row["id"] for row in first}
    rest = [row for row in rows if row["id"] not in taken]
    rows = first + random.Random(1).sample(rest, max(0, min(size - len(first), len(rest))))
    articles = [
        Article(text=r.get("text") or "", title=r.get("title") or "", id=str(r["id"]), lang="ar")
        for r in rows
    ]
    return articles, [str(r["label"]) for r in rows]


def review_next(store: Store, gold: dict[str, str], count: int) -> None:
    """The oracle editor confirms or corrects the next ``count`` articles of the queue."""
    with store.write() as conn:
        items, _ = queue_page(conn, QueueFilter(), limit=count)
        for item in items:
            add_correction(conn, item.id, [gold[item.id]], editor="oracle")


def build(
    encoder: Encoder, data: Path, articles: list[Article], gold: dict[str, str], folder: Path
) -> Newsroom:
    taxonomy = restricted(
        load_taxonomy(data.parent / "taxonomies" / "terse" / TAXONOMY), set(gold.values())
    )
    start = time.perf_counter()
    zero_shot = Classifier.zero_shot(taxonomy, encoder=encoder)
    calls = list(zero_shot.classify_many(articles, batch_size=256))
    print(f"filed {len(articles)} articles zero-shot in {time.perf_counter() - start:.1f} s")
    store = Store(f"sqlite:///{folder / 'desk.db'}")
    upgrade(store)
    with store.write() as conn:
        insert_filed(
            conn, [FiledArticle(a, p, "zero-shot") for a, p in zip(articles, calls, strict=True)]
        )
    models = folder / "models"
    zero_shot.save(models / "zero-shot")
    return Newsroom(store, gold, models)


@dataclass(frozen=True)
class Way:
    """One way of retraining: with or without the embedding cache and the warm start, and
    with ``retrain --adapt`` (``adapt``); ``reset``: the cache as the last retrain left it
    (off: as the way before this one left it)."""

    name: str
    cache: bool
    warm: bool
    adapt: bool = False
    reset: bool = True


WAYS = [
    Way("plain (no cache, full search)", False, False),
    Way("cached, full search", True, False),
    Way("cached + warm start", True, True),
    Way("--adapt, the store not yet in the cache", True, True, adapt=True),
    Way("--adapt again, the store cached", True, True, adapt=True, reset=False),
]


def run_retrain(room: Newsroom, base: ServedModel, way: Way) -> RetrainResult:
    return retrain(
        room.store, base, room.models, by="bench",
        confident_per_section=RETRAIN_CONFIDENT_PER_SECTION, confident_min=RETRAIN_CONFIDENT_MIN,
        cache_embeddings=way.cache, warm_start=way.warm, adapt=way.adapt,
    )  # fmt: skip


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and CPU seconds of this process (every thread): the CPU figure
    moves less than the wall clock when other jobs share the machine."""

    wall: float
    cpu: float


def timed(work: Callable[[], RetrainResult], profile: bool) -> tuple[Timing, RetrainResult]:
    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = work()
    if profiler:
        profiler.disable()
    timing = Timing(time.perf_counter() - start, time.process_time() - cpu)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return timing, result


def file_more(room: Newsroom, active: ServedModel, shared: Encoder, more: list[Article]) -> None:
    """The active model files ``more`` articles (vectors from the benchmarks' cache: filing is
    not what is timed; the retrain encodes them afresh, as the desk would)."""
    calls = with_encoder(active.classifier, shared).classify_many(more, batch_size=256)
    filed = [FiledArticle(a, p, active.version) for a, p in zip(more, calls, strict=True)]
    with room.store.write() as conn:
        insert_filed(conn, filed)


def unreviewed_accuracy(
    room: Newsroom, result: RetrainResult, cached: CachedEncoder, sample: list[Article]
) -> float:
    """The candidate's accuracy on a fixed sample of the articles nobody reviewed."""
    classifier = with_encoder(Classifier.load(result.path, encoder=cached.inner), cached)
    calls = classifier.classify_many(sample, batch_size=256)
    right = sum(p.section == room.gold[a.id or ""] for a, p in zip(sample, calls, strict=True))
    return right / len(sample)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--articles", type=int, default=9_900, help="filed zero-shot")
    parser.add_argument("--reviewed", type=int, default=200, help="reviews before the timed ten")
    parser.add_argument("--new", type=int, default=10, help="new corrections before the retrain")
    parser.add_argument("--filed", type=int, default=100, help="articles filed between retrains")
    parser.add_argument("--score", type=int, default=2000, help="unreviewed articles scored")
    parser.add_argument("--profile", action="store_true", help="profile the warm retrain")
    args = parser.parse_args(argv)
    shared = CachedEncoder(get_encoder(args.encoder), flush_every=512)
    articles, labels = read_set(args.data, args.articles + args.filed)
    more = articles[args.articles :]
    with tempfile.TemporaryDirectory(prefix="newsdesk-retrain-") as tmp:
        gold = {a.id or "": label for a, label in zip(articles, labels, strict=True)}
        room = build(shared, args.data, articles[: args.articles], gold, Path(tmp))
        review_next(room.store, room.gold, args.reviewed)
        served = get_encoder(args.encoder)  # as the service holds it: loaded, no cache
        base = load_saved("zero-shot", str(room.models / "zero-shot"), served)
        cold, first = timed(lambda: run_retrain(room, base, WAYS[2]), False)  # warm, no --adapt
        print(
            f"first retrain on {args.reviewed} reviews (embedding cache cold): "
            f"{cold.wall:.1f} s ({cold.cpu:.1f} s CPU)",
            flush=True,
        )
        active = load_saved(first.version, str(first.path), served)
        file_more(room, active, shared, more)
        review_next(room.store, room.gold, args.new)
        cache, then = room.models / EMBEDDINGS_FOLDER, Path(tmp) / "cache-then"
        shutil.copytree(cache, then) if cache.exists() else then.mkdir()  # lexical: no cache
        reviewed = {a.id for a in read_corrected(room.store).articles}
        pool = [a for a in articles[: args.articles] if a.id not in reviewed]
        sample = random.Random(2).sample(pool, min(args.score, len(pool)))
        rows = []
        for way in WAYS:
            if way.reset:  # it finds the cache as the last retrain left it
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(then, cache)
            profile = args.profile and way is WAYS[2]
            timing, result = timed(lambda way=way: run_retrain(room, active, way), profile)
            held = result.comparison["candidate"]
            score = unreviewed_accuracy(room, result, shared, sample)
            hyper = read_model_json(result.path)["hyperparameters"]
            chosen = f"C={hyper.get('C')}, n-grams x{hyper.get('lexical_weight')}, offset " + (
                "kept" if hyper.get("zero_shot_offset") else "dropped"
            )
            rows.append((way.name, timing, held["accuracy"], result.comparison["n"], score, chosen))
            print(f"{way.name}: {timing.wall:.1f} s", flush=True)
        print(f"\nretrain after {args.new} new corrections ({args.reviewed + args.new} reviewed, "
              f"{args.articles + args.filed:,} articles, {args.filed} of them filed since the "
              f"last retrain, {args.encoder}):\n")  # fmt: skip
        print(f"load average while it ran: {os.getloadavg()[0]:.1f} (1 min)\n")
        print(
            "| retrain | seconds | CPU seconds | held-out accuracy | unreviewed accuracy | head |"
        )
        print("|---|---:|---:|---:|---:|---|")
        for name, timing, accuracy, n, score, chosen in rows:
            print(
                f"| {name} | {timing.wall:.1f} | {timing.cpu:.1f} | {accuracy:.3f} (of {n}) "
                f"| {score:.3f} | {chosen} |"
            )
        room.store.dispose()


if __name__ == "__main__":
    main()
