"""The default taxonomy on articles its constants were not chosen on: 5-fold cross-validation.

    python benchmarks/seed12_cv.py

The default taxonomy's own constants (how much its flash and opinion forms weigh: no other
taxonomy has forms) are chosen on four fifths of ``seed12/dev`` and scored on the fifth, for
each fifth; the estimate is the accuracy over all held-out fifths. The general constants stay
at ``ZeroShotHead``'s defaults (chosen by ``benchmarks/tune_zero_shot.py`` over every set), and
the labels' background pull uses the mean article of the other sets only. Prints the shipped
constants' in-sample accuracy, the cross-validated estimate, the constants each fold chose, and
the held-out accuracy per section.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import DEFAULT_DATA
from background import mean_without, set_means
from cached_encoder import CachedEncoder
from tune_zero_shot import SETS, prepare

from newsdesk.classify.folds import stratified_folds
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.registry import get_encoder

FORM_GRID = {
    "flash_weight": [0.5, 1.0, 2.0],
    "flash_bias": [-2.0, -1.0, 0.0, 1.0],
    "opinion_weight": [0.4, 0.8, 1.6],
    "opinion_bias": [0.5, 1.5, 2.5],
}
FOLDS = 5


def main() -> None:
    encoder = CachedEncoder(get_encoder("e5-small"))
    means = set_means(encoder, DEFAULT_DATA, 500)
    family, bench, terse = next(s for s in SETS if s[0] == "seed12")
    p = prepare(family, bench, terse, "rich", encoder, DEFAULT_DATA, mean_without(means, family))
    assert p is not None
    defaults = ZeroShotHead().get_params()
    head, evidence = p.heads[bool(defaults["prompts"])], p.evidence[bool(defaults["prompts"])]
    grid = [
        dict(zip(FORM_GRID, values, strict=True))
        for values in itertools.product(*FORM_GRID.values())
    ]

    def correct(params: dict[str, float]) -> np.ndarray:
        for key, value in {**defaults, **params}.items():
            if key != "prompts":
                setattr(head, key, value)
        return head.combine(evidence).argmax(axis=1) == p.gold

    table = np.array([correct(params) for params in grid])  # grid, rows
    shipped = correct({})
    folds = stratified_folds(p.gold, FOLDS)
    held_out = np.zeros(len(p.gold), dtype=bool)
    print(f"seed12/dev, default taxonomy, {len(p.gold)} articles, {FOLDS} folds")
    for fold in range(FOLDS):
        train, test = folds != fold, folds == fold
        g = int(np.argmax(table[:, train].mean(axis=1)))
        held_out[test] = table[g, test]
        chosen = " ".join(f"{k}={v}" for k, v in grid[g].items())
        print(f"  fold {fold}: held-out {table[g, test].mean():.3f}  ({chosen})")
    g = int(np.argmax(table.mean(axis=1)))
    best = " ".join(f"{k}={v}" for k, v in grid[g].items())
    print(f"chosen on all of it:          {table[g].mean():.3f}  ({best})")
    print(f"shipped constants, in-sample: {shipped.mean():.3f}")
    print(f"cross-validated estimate:     {held_out.mean():.3f}")
    for k, name in enumerate(p.gold_names):
        rows = p.gold == k
        print(f"  {name:<20} {held_out[rows].mean():.3f}  ({rows.sum()} articles)")


if __name__ == "__main__":
    main()
