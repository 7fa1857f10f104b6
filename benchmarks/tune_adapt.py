"""Choose ``--adapt``'s self-training settings by leave-one-set-out over the development sets.

    python benchmarks/tune_adapt.py
    python benchmarks/tune_adapt.py --set bbc_news --set masakhanews/eng

Every candidate of :data:`GRID` adapts to every set of ``benchmarks/adapt.py`` (terse
taxonomies, no labels). For each set left out, the candidate with the best mean accuracy on
the other sets is chosen and scored on the one left out: that figure, not the in-sample best,
is what a new outlet can expect. Embeddings come from the shared cache in ``benchmarks/out``;
each (set, candidate) accuracy is kept in ``benchmarks/out/tune_adapt.json``, so a grown grid
only runs its new candidates (delete the file after changing self-training itself).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
from adapt import SETS, accuracy, load_set, set_arguments
from cached_encoder import CACHE_DIR, CachedEncoder

from newsdesk.classify.classifier import Classifier
from newsdesk.classify.options import TrainingOptions
from newsdesk.encoders.registry import get_encoder

# The first search (prior weight 1.0/0.5/0.25/0.0, agreement with the prior on/off, three or
# five rounds) chose prior weight 0 and no agreement; the second held the prior weight and
# chose how far the first pseudo-labels spread over the archive's neighbour graph (0
# neighbours: not at all), and the agreement again beside it. This one adds the schedule of
# rounds: the share of each predicted section a round learns from, three rounds or smaller
# steps over four or five (with agreement and spreading, which the second search chose).
GRID = {
    "self_training_prior_weight": [0.0],
    "self_training_agree": [False, True],
    "self_training_neighbours": [0, 5, 10, 20],
    "self_training_spread": [0.35, 0.5, 0.7],
}
SCHEDULES = [(0.2, 0.4, 0.6, 0.8, 0.9), (0.2, 0.4, 0.6, 0.8, 1.0), (0.25, 0.5, 0.75, 1.0)]
SCHEDULE_GRID = {
    "self_training_prior_weight": [0.0],
    "self_training_agree": [True],
    "self_training_neighbours": [5, 10, 20],
    "self_training_spread": [0.5, 0.7],
    "self_training_shares": SCHEDULES,
}

# Added after that search, which found three rounds and five smaller steps each best on some
# sets: both runs, the head learning their averaged reading (``self_training_also``).
ENSEMBLE_GRID = {
    "self_training_prior_weight": [0.0],
    "self_training_agree": [True],
    "self_training_neighbours": [5, 10, 20],
    "self_training_spread": [0.5, 0.7],
    "self_training_also": [((0.2, 0.4, 0.6, 0.8, 1.0),)],
}

RESULTS = CACHE_DIR.parent / "tune_adapt.json"


def _combinations(grid: dict[str, list[object]]) -> list[dict[str, object]]:
    keys = list(grid)
    out: list[dict[str, object]] = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(keys, values, strict=True))
        if params["self_training_neighbours"] == 0:  # without neighbours, the spread is moot
            params["self_training_spread"] = 0.5
        if params not in out:
            out.append(params)
    return out


def candidates() -> list[dict[str, object]]:
    """Every combination of :data:`GRID` (three rounds), of :data:`SCHEDULE_GRID`, then of
    :data:`ENSEMBLE_GRID`."""
    grids = (GRID, SCHEDULE_GRID, ENSEMBLE_GRID)
    return [c for grid in grids for c in _combinations(grid)]  # type: ignore[arg-type]


def main() -> None:
    parser = set_arguments(__doc__.split("\n\n")[0])
    args = parser.parse_args()
    encoder = CachedEncoder(get_encoder(args.encoder), flush_every=512)
    chosen = [s for s in SETS if not args.set or s.name in args.set]
    grid = candidates()
    done: dict[str, float] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    scores = np.zeros((len(grid), len(chosen)))
    for j, spec in enumerate(chosen):
        articles, labels, taxonomy = load_set(spec, args.data)
        zero = Classifier.zero_shot(taxonomy, encoder)
        for i, params in enumerate(grid):
            key = f"{spec.name}: {params}"
            if key not in done:
                options = TrainingOptions(**params)  # type: ignore[arg-type]
                done[key] = accuracy(zero.adapt(articles, options=options), articles, labels)
                RESULTS.write_text(json.dumps(done, indent=1) + "\n")
            scores[i, j] = done[key]
            print(f"{key} -> {scores[i, j]:.3f}", flush=True)
        encoder.save()
    print("\n| candidate | " + " | ".join(s.name for s in chosen) + " | mean |")
    print("|---|" + "---|" * (len(chosen) + 1))
    for params, row in zip(grid, scores, strict=True):
        print(f"| {params} | " + " | ".join(f"{x:.3f}" for x in row) + f" | {row.mean():.3f} |")
    print("\n| left out | chosen on the others | its accuracy | in-sample best |")
    print("|---|---|---|---|")
    for j, spec in enumerate(chosen):
        others = np.delete(scores, j, axis=1).mean(axis=1)
        best = int(np.argmax(others))
        print(f"| {spec.name} | {grid[best]} | {scores[best, j]:.3f} | {scores[:, j].max():.3f} |")


if __name__ == "__main__":
    main()
