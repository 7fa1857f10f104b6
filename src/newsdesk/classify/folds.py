"""Held-out folds: a linear head's penalty, n-gram weight and offset chosen on them.

With few examples a section, what the examples add over the zero-shot reading is small and
noisy, so a linear head's hyper-parameters are not fixed but chosen where they can be seen to
help: on stratified folds, the same folds whose held-out scores then calibrate the head.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from newsdesk.classify.heads import in_columns
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.linear_design import Design
from newsdesk.classify.logistic import LogisticFit, log_softmax
from newsdesk.classify.options import TrainingOptions, linear_head, uses_sources
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.onnx_text import available_cores

__all__ = ["fit_linear", "stratified_folds"]

Progress = Callable[[str], None]
Candidate = tuple[bool, float, float]  # (zero-shot offset kept, n-gram weight, C)
Group = tuple[bool, float]  # a candidate without its C: one chain of warm-started fits


def stratified_folds(y: Sequence[int] | np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """A fold number for each row, each class spread evenly over the ``k`` folds."""
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(y), dtype=np.int64)
    offset = 0
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        folds[rows] = (np.arange(len(rows)) + offset) % k
        offset += len(rows)
    return folds


def _held_out_loss(logits: np.ndarray, target: np.ndarray, multi_label: bool) -> np.ndarray:
    """Log loss of each row's held-out ``logits`` (head columns) against a 0/1 ``target``."""
    if multi_label:
        return np.mean(np.logaddexp(0.0, logits) - target * logits, axis=1)
    return -(log_softmax(logits) * target).sum(axis=1)


def _one_standard_error(grid: list[Any], losses: dict[Any, np.ndarray]) -> Any:
    """The first of ``grid`` (simplest first: the strongest penalty) whose held-out loss is
    within one standard error of the best's (paired by article): a smaller gain is noise, and
    zero-shot's reading, which the penalty keeps, is not."""
    best = min(grid, key=lambda c: float(losses[c].mean()))
    for c in grid:  # strongest penalty first
        diff = losses[c] - losses[best]
        if float(diff.mean()) <= float(diff.std()) / np.sqrt(max(len(diff) - 1, 1)):
            return c
    return best


def _candidates(
    options: TrainingOptions, head: LinearHead, with_prior: bool, grid: list[float]
) -> list[Candidate]:
    """From the simplest to the most free: the offset kept before dropped, lighter n-grams
    before heavier, the strongest penalty first (``C = 0`` only with the offset)."""
    weights = sorted(options.lexical_weights) if head.lexical else [head.lexical_weight]
    candidates: list[Candidate] = []
    for keep in [True, False] if with_prior and options.prior_optional else [with_prior]:
        for weight in weights:
            candidates += [(keep, weight, c) for c in grid if c > 0 or keep] or [
                (keep, weight, options.C)
            ]
    return candidates


def _variant(design: Design, head: LinearHead, keep: bool, weight: float) -> Design:
    """``design`` with the n-gram block at ``weight`` and the offset kept or not."""
    sparse = design.sparse
    if sparse is not None and weight != head.lexical_weight:
        sparse = sparse * np.float32(weight / head.lexical_weight)
    return replace(design, sparse=sparse, offset=design.offset if keep else None)


@dataclass
class _HeldOut:
    """Each candidate's held-out logits (head columns), the prior alone's where ``C = 0``
    fits more than its scale, and each candidate's fit on the last fold (the final fit
    starts there)."""

    logits: dict[Candidate, np.ndarray]
    alone: dict[Group, np.ndarray]
    last: dict[Candidate, LogisticFit] = field(default_factory=dict)


def _held_out(
    head: LinearHead, design: Design, candidates: list[Candidate], fold_of: np.ndarray,
    folds: int,
) -> _HeldOut:  # fmt: skip
    """Every candidate fitted on each fold's training part and scored on its held-out part."""
    # where C = 0 fits more than the prior's scale, the prior alone is fitted beside it
    alone_too = (head.centroids and head.centroids_at_zero) or head.zero_bias_penalty is not None
    out = _HeldOut(
        {cand: np.zeros(design.target.shape) for cand in candidates},
        {c[:2]: np.zeros(design.target.shape) for c in candidates if c[2] == 0 and alone_too},
    )

    def chain(keep: bool, weight: float, fold: int) -> None:
        """One fold's fits of one candidate group, the penalty grid warm-started in order."""
        test = np.flatnonzero(fold_of == fold)
        variant = _variant(design, head, keep, weight)
        part, held_out = variant.split(np.flatnonzero(fold_of != fold), test)
        init = None
        for cand in [x for x in candidates if x[:2] == (keep, weight)]:
            init = head.solve(part, cand[2], init)
            out.logits[cand][test] = held_out.logits(init)
            if cand[2] == 0 and cand[:2] in out.alone:
                prior_only = head.solve(part, 0.0, prior_alone=True)
                out.alone[cand[:2]][test] = held_out.logits(prior_only)
            if fold == folds - 1:
                out.last[cand] = init

    # the chains are independent and their sparse products release the GIL: one a core
    # (BLAS held to one thread meanwhile, so the chains do not fight over the cores)
    jobs = [
        (*group, fold)
        for group in dict.fromkeys(c[:2] for c in candidates)
        for fold in range(folds)
    ]
    with (
        threadpool_limits(1, user_api="blas"),
        ThreadPoolExecutor(min(len(jobs), available_cores())) as pool,
    ):
        for done in [pool.submit(chain, *job) for job in jobs]:
            done.result()
    return out


@dataclass(frozen=True)
class _Choice:
    """The candidate the folds chose, and the held-out losses it was chosen by."""

    best: Candidate
    losses: dict[Candidate, float]
    alone_losses: dict[Group, float]
    prior_alone: bool  # C = 0 fits the prior's scale alone (no centroid scale, no bias)

    @property
    def loss(self) -> float:
        return self.alone_losses[self.best[:2]] if self.prior_alone else self.losses[self.best]


def _choose(
    candidates: list[Candidate], held: _HeldOut, target: np.ndarray, options: TrainingOptions,
    judged: np.ndarray,
) -> _Choice:  # fmt: skip
    """The first candidate within one standard error of the lowest held-out log loss on the
    ``judged`` rows (or the lowest); at ``C = 0``, the prior alone where that is no worse held
    out (examples that teach nothing must not move zero-shot's ranking)."""
    target = target[judged]
    rows = {
        c: _held_out_loss(held.logits[c][judged], target, options.multi_label) for c in candidates
    }
    losses = {c: float(v.mean()) for c, v in rows.items()}
    best = (
        _one_standard_error(candidates, rows)
        if options.one_standard_error
        else min(candidates, key=losses.__getitem__)
    )
    alone_losses = {
        group: float(_held_out_loss(v[judged], target, options.multi_label).mean())
        for group, v in held.alone.items()
    }
    prior_alone = best[2] == 0 and best[:2] in held.alone and alone_losses[best[:2]] <= losses[best]
    return _Choice(best, losses, alone_losses, prior_alone)


def _judged(scored: np.ndarray | None, primary: np.ndarray, folds: int) -> np.ndarray:
    """The rows whose held-out losses choose: the ``scored`` ones where there are at least
    two a fold, else every row."""
    if scored is None or int(scored.sum()) < 2 * folds:
        return np.ones(len(primary), dtype=bool)
    return scored


def fit_linear(
    X: EncodedArticles, y: Sequence[Any], primary: np.ndarray, classes: list[str],
    options: TrainingOptions, folds: int, prior: ZeroShotHead | None, say: Progress,
    scored: np.ndarray | None = None,
) -> tuple[LinearHead, np.ndarray, dict[str, Any]]:  # fmt: skip
    """A linear head and its held-out logits (``classes`` columns; empty without folds).

    The penalty, the n-gram block's weight and whether the zero-shot offset stays are chosen
    on the same held-out folds that calibrate. Candidates run from the simplest to the most
    free: with the offset before without it, lighter n-grams before heavier, the strongest
    penalty first (``C = 0``: the zero-shot prior recalibrated); each fold fits a candidate's
    ``C`` grid from the strongest penalty to the weakest, each fit starting from the last, and
    the first candidate within one standard error of the lowest held-out log loss wins, so the
    examples are used only where they beat the simpler reading clearly. (With many examples
    the offset scale grows to fit the training part and hurts: folds see that.)
    Features are computed once; other weights of the n-gram block are that block rescaled;
    only the example centroids' scores (up to ``centroids_max`` a section) are recomputed
    for each fold from its training part. With ``scored`` (a mask of rows), only those rows'
    held-out losses choose, and the folds spread them evenly (see
    :class:`~newsdesk.classify.dataset.LabeledArticles`).
    """
    counts = np.bincount(primary[primary >= 0])
    few = float(np.median(counts[counts > 0])) <= options.centroids_max
    head = linear_head(
        options, len(X), sources=uses_sources(options, X.articles),
        centroids=options.centroids and few and not options.multi_label,
    )  # fmt: skip
    design = head.design(X, y, classes=classes, prior=prior)
    assert head.classes_ is not None
    small = len(X) * len(head.classes_) <= options.grid_max
    grid = sorted(options.C_grid) if small else [options.C]
    with_prior = prior is not None and head.prior_ is not None
    if not folds:  # too few examples a section to hold any out: the weakest penalty
        c = grid[-1] if grid[-1] > 0 or with_prior else options.C
        fitted = _adopt(head, design, with_prior, head.lexical_weight, c, None)
        unsearched = {  # what was fitted, so that a warm start reads the truth
            "C": c,
            "lexical_weight": head.lexical_weight if head.lexical else None,
            "zero_shot_offset": with_prior,
            "centroid_offset": head.centroids,
        }
        return fitted, np.zeros((0, len(classes))), unsearched
    candidates = _candidates(options, head, with_prior, grid)
    judged = _judged(scored, primary, folds)
    if scored is not None:
        too_few = judged.all() and not scored.all()
        note = f" (only {int(scored.sum())} rows are scored: too few to judge alone)"
        say(f"judged on the held-out scores of {int(judged.sum())} of {len(judged)} rows"
            + (note if too_few else ""))  # fmt: skip
    strata = primary + (len(classes) + 1) * (~judged)  # judged rows spread like the rest
    held = _held_out(head, design, candidates, stratified_folds(strata, folds, options.seed), folds)
    choice = _choose(candidates, held, design.target, options, judged)
    keep, weight, c = best = choice.best
    if choice.prior_alone:
        held.logits[best] = held.alone[best[:2]]
        head.set_params(centroids_at_zero=False, zero_bias_penalty=None)
    if len(candidates) > 1:
        say(
            f"chosen on held-out folds: C={c:g}, n-gram weight {weight:g}, zero-shot offset "
            f"{'kept' if keep else 'dropped'}{' alone' if choice.prior_alone else ''} "
            f"(log loss {choice.loss:.3f}; {len(candidates)} candidates)"
        )
    _adopt(head, _variant(design, head, keep, weight), keep, weight, c, held.last[best])
    logits = in_columns(held.logits[best], head.classes_, classes)
    return head, logits, _chosen(head, choice) | {"judged_rows": int(judged.sum())}


def _chosen(head: LinearHead, choice: _Choice) -> dict[str, Any]:
    """What the folds chose, for the saved model's hyper-parameters."""
    keep, weight, c = choice.best
    alone = {
        f"{_name((*group, 0.0), head.lexical)}, prior alone": v
        for group, v in choice.alone_losses.items()
    }
    return {
        "C": c,
        "lexical_weight": weight if head.lexical else None,
        "zero_shot_offset": keep,
        "centroid_offset": head.centroids,
        "zero_penalty": _zero_penalty(head) if c == 0 else None,
        "held_out_log_loss": {_name(cand, head.lexical): v for cand, v in choice.losses.items()}
        | alone,
    }


def _zero_penalty(head: LinearHead) -> str:
    """What a head fitted at ``C = 0`` learned: the prior's scale alone, or beside it the
    example centroids' scale and/or a bias."""
    extra = ["centroids"] if head.centroids and head.centroids_at_zero else []
    extra += ["bias"] if head.zero_bias_penalty is not None else []
    return f"prior and {' and '.join(extra)}" if extra else "prior alone"


def _name(candidate: Candidate, lexical: bool) -> str:
    keep, weight, c = candidate
    ngrams = f"n-grams x{weight:g}" if lexical else "no n-grams"
    return f"{'offset' if keep else 'no offset'}, {ngrams}, C={c:g}"


def _adopt(
    head: LinearHead, design: Design, keep: bool, weight: float, c: float,
    init: LogisticFit | None,
) -> LinearHead:  # fmt: skip
    """Fit ``head`` on all of ``design`` (one candidate's) and take the weights."""
    head.set_params(C=c, lexical_weight=weight)
    return head.adopt(head.solve(design, c, init=init), offset=keep)
