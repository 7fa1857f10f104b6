"""8 examples a section with the one-line taxonomies, beside SetFit on the very same draws.

SetFit's predictions (``benchmarks/results/setfit-8shot-preds.jsonl``, made on a GPU by
``setfit_gpu.py`` from ``peers.py``'s splits and draws) are scored here on the same test rows
as newsdesk trained on the same examples, with the taxonomy swapped for the terse one of
``../shared/taxonomies/terse`` (peer ``newsdesk-terse`` of ``peers.py``). Only the rows a draw
trains or tests on are encoded (cached in ``benchmarks/out/embeddings``), so a rerun after a
change of the zero-shot head costs the training alone::

    python benchmarks/examples_terse.py --variant before:centroids_at_zero=false
    python benchmarks/examples_terse.py --grid zero_bias_penalty=null,1.0,10.0 \\
        --out benchmarks/results/examples-terse-8-bias.json

A ``--variant NAME:OPTION=VALUE,...`` overrides fields of ``TrainingOptions`` beside the
default training (``trained``); ``--grid OPTION=V1,V2,...`` (``null`` for ``None``) runs the
training at each value instead and chooses the value by leave-one-set-out (best mean accuracy
on the other sets, scored on the one left out): the figure reported for a constant. Accuracy
is pooled over the folds of a seed (as ``setfit_gpu.py score`` does), then averaged over the
seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import peers
from peers import (
    CACHE,
    RESULTS,
    TERSE,
    Benchmark,
    few_shot_rows,
    load_benchmark,
    with_terse_taxonomy,
)
from setfit_gpu import SETS

from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.training import train_classifier
from newsdesk.encoders.base import Role
from newsdesk.encoders.cache import CachedEncoder
from newsdesk.encoders.registry import get_encoder

PREDS = RESULTS / "setfit-8shot-preds.jsonl"


class MemoEncoder:
    """The cached encoder with the vectors it returned kept in memory as well."""

    def __init__(self, inner: CachedEncoder) -> None:
        self.inner = inner
        self.name, self.dim, self.fingerprint = inner.name, inner.dim, inner.fingerprint
        self._memo: dict[tuple[Role, str], np.ndarray] = {}

    def encode(self, texts: list[str], role: Role = Role.PASSAGE) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if (role, t) not in self._memo))
        if new:
            for text, vector in zip(new, self.inner.encode(new, role=role), strict=True):
                self._memo[(role, text)] = vector
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[(role, t)] for t in texts])


def parse_options(spec: str) -> dict[str, Any]:
    """``head=prototype,C=0.1`` as ``TrainingOptions`` fields, typed as their defaults."""
    types = {f.name: type(getattr(TrainingOptions(), f.name)) for f in fields(TrainingOptions)}
    out: dict[str, Any] = {}
    for part in filter(None, spec.split(",")):
        key, value = part.split("=", 1)
        if key not in types:
            raise SystemExit(f"--variant: '{key}' is not a TrainingOptions field")
        kind = types[key]
        out[key] = value.lower() == "true" if kind is bool else kind(value) if kind in (
            int, float, str
        ) else json.loads(value)  # fmt: skip
    return out


def setfit_predictions(path: Path) -> dict[tuple[str, int, int], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {(r["set"], r["fold"], r["seed"]): r["predicted"] for r in rows}


def run_set(
    bench: Benchmark, encoder: MemoEncoder, variants: dict[str, dict[str, Any]],
    setfit: dict[tuple[str, int, int], list[str]], seeds: int, shots: int, max_test: int,
) -> dict[str, list[float]]:  # fmt: skip
    """Each variant's accuracy a seed (folds pooled), with ``zero`` and ``setfit`` beside."""
    draws = [
        (fold, seed, few_shot_rows(bench.data, train, shots, seed), test[:max_test])
        for fold, (train, test) in enumerate(bench.splits)
        for seed in range(seeds)
    ]
    needed = sorted({int(i) for _, _, rows, test in draws for i in (*rows, *test)})
    started = time.perf_counter()
    encoder.encode([bench.data.articles[i].content for i in needed])
    print(
        f"  {len(needed)} articles encoded in {time.perf_counter() - started:.0f}s", file=sys.stderr
    )
    correct: dict[str, dict[int, list[bool]]] = {}

    def count(name: str, seed: int, gold: list[str], got: list[str]) -> None:
        hits = correct.setdefault(name, {}).setdefault(seed, [])
        hits += [g == p for g, p in zip(gold, got, strict=True)]

    zero = Classifier.zero_shot(bench.taxonomy, encoder)
    zero_filed: dict[int, list[str]] = {}  # a fold's test rows, filed without examples
    for fold, seed, rows, test in draws:
        articles = [bench.data.articles[i] for i in test]
        gold = [bench.data.primary[i] for i in test]
        key = (bench.name, fold, seed)
        if key in setfit:
            count("setfit", seed, gold, setfit[key])
        if fold not in zero_filed:
            zero_filed[fold] = [p.section for p in zero.classify_many(articles, 256)]
        count("zero", seed, gold, zero_filed[fold])
        train = LabeledArticles(
            [bench.data.articles[i] for i in rows], [bench.data.labels[i] for i in rows]
        )
        for name, overrides in variants.items():
            options = TrainingOptions(seed=seed, **overrides)
            clf = train_classifier(bench.taxonomy, encoder, train, options=options).classifier
            count(name, seed, gold, [p.section for p in clf.classify_many(articles, 256)])
    return {
        name: [float(np.mean(hits)) for _, hits in sorted(by_seed.items())]
        for name, by_seed in correct.items()
    }


def leave_one_set_out(
    results: dict[str, dict[str, list[float]]], grid: list[str]
) -> dict[str, dict[str, Any]]:
    """For each set, the grid value with the best mean accuracy over the other sets, and the
    left-out set's accuracy at that value."""
    out: dict[str, dict[str, Any]] = {}
    for held in results:
        others = [s for s in results if s != held]

        def mean_elsewhere(name: str, others: list[str] = others) -> float:
            return statistics.mean(statistics.mean(results[s][name]) for s in others)

        chosen = max(grid, key=mean_elsewhere)
        out[held] = {"chosen": chosen, "accuracy": statistics.mean(results[held][chosen])}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=SETS)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--max-test", type=int, default=2000)
    parser.add_argument("--terse", type=Path, default=TERSE, help="folder of one-line taxonomies")
    parser.add_argument("--data", type=Path, default=peers.DATA, help="the shared data sets")
    parser.add_argument("--setfit", type=Path, default=PREDS, help="SetFit's predictions")
    parser.add_argument(
        "--variant", action="append", default=[],
        help="NAME:OPTION=VALUE,... (TrainingOptions fields); 'trained' is the default training",
    )  # fmt: skip
    parser.add_argument("--grid", default=None, help="OPTION=V1,V2,...: chosen leave-one-set-out")
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--out", type=Path, default=RESULTS / "examples-terse-8.json")
    args = parser.parse_args(argv)
    peers.DATA = args.data  # where load_benchmark reads
    variants: dict[str, dict[str, Any]] = {} if args.grid else {"trained": {}}
    for spec in args.variant:
        name, _, options = spec.partition(":")
        variants[name] = parse_options(options)
    grid: list[str] = []
    if args.grid:
        option, values = args.grid.split("=", 1)
        for value in values.split(","):
            grid.append(f"{option}={value}")
            variants[grid[-1]] = parse_options(grid[-1])
    encoder = MemoEncoder(CachedEncoder(get_encoder(args.encoder), args.cache))
    setfit = setfit_predictions(args.setfit)
    results: dict[str, dict[str, list[float]]] = {}
    for name in args.sets.split(","):
        bench = with_terse_taxonomy(load_benchmark(name, None), args.terse)
        print(
            f"# {name}: {len(bench.data)} articles, {len(bench.taxonomy)} sections", file=sys.stderr
        )
        started = time.perf_counter()
        results[name] = run_set(
            bench, encoder, variants, setfit, args.seeds, args.shots, args.max_test
        )
        for variant, accs in results[name].items():
            print(f"  {variant}: {statistics.mean(accs):.3f}", file=sys.stderr)
        print(f"  {time.perf_counter() - started:.0f}s", file=sys.stderr)
    table = render(results, leave_one_set_out(results, grid) if grid else None)
    print(table)
    payload = {
        "run": {
            "encoder": args.encoder, "seeds": args.seeds, "shots": args.shots,
            "max_test": args.max_test, "taxonomies": str(args.terse), "variants": variants,
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        },
        "accuracy_by_seed": results,
        "leave_one_set_out": leave_one_set_out(results, grid) if grid else None,
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def render(
    results: dict[str, dict[str, list[float]]], loso: dict[str, dict[str, Any]] | None
) -> str:
    names = list(dict.fromkeys(n for r in results.values() for n in r))
    head = "| set | " + " | ".join(names) + (" | chosen leave-one-set-out |" if loso else " |")
    lines = [head, "|---" * (len(names) + 1 + bool(loso)) + "|"]
    for set_name, by_variant in results.items():
        cells = [
            f"{statistics.mean(by_variant[n]):.3f} ± {statistics.pstdev(by_variant[n]):.3f}"
            if n in by_variant else ""
            for n in names
        ]  # fmt: skip
        if loso:
            cells.append(f"{loso[set_name]['accuracy']:.3f} ({loso[set_name]['chosen']})")
        lines.append(f"| {set_name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
