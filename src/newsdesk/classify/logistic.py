"""Logistic regression with an offset, solved by L-BFGS over numpy and scipy.sparse.

The linear heads learn ``logits = a * offset + X_dense @ W + X_sparse @ V + b``: the offset is
the zero-shot head's log-probabilities (what the taxonomy says), ``a`` how far to trust them,
``W`` and ``V`` (L2-penalized) what the examples add. With a strong penalty the model is the
calibrated zero-shot head; with many examples the features take over. Single-label heads use a
softmax over the sections, multi-label heads a sigmoid a section.

scikit-learn has no offsets; writing the objective out also keeps sparse blocks sparse and in
float32, and lets a fit start from another's solution (folds, a grid of ``C``). The solver is
numpy; the sparse blocks come from scipy (the ``train`` extra). Prediction does not use this
module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LogisticFit", "balanced_weights", "fit_logistic", "lbfgs", "log_softmax"]


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax; ``-inf`` entries (sections never scored) sit at the row's floor."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        low = np.where(finite, x, np.inf).min(axis=1, keepdims=True)
        x = np.where(finite, x, np.minimum(low, 0.0) - 10.0)
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@dataclass
class LogisticFit:
    """A solution: dense weights ``(d, k)``, sparse-block weights ``(m, k)``, bias, offset scale."""

    dense: np.ndarray
    sparse: np.ndarray
    bias: np.ndarray
    offset_scale: float
    iterations: int = 0
    centroid_scale: float = 0.0

    def pack(self) -> np.ndarray:
        return np.concatenate(
            [
                self.dense.ravel(), self.sparse.ravel(), self.bias,
                [self.offset_scale, self.centroid_scale],
            ]
        )  # fmt: skip


def balanced_weights(target: np.ndarray, multi_label: bool) -> np.ndarray:
    """Sample weights (a row each, or a cell each when multi-label) against class imbalance,
    as scikit-learn's ``class_weight="balanced"``."""
    n, k = target.shape
    if not multi_label:
        counts = np.maximum(target.sum(axis=0), 1)
        return (n / (k * counts))[target.argmax(axis=1)]
    pos = np.maximum(target.sum(axis=0), 1)
    neg = np.maximum(n - target.sum(axis=0), 1)
    return np.where(target > 0, n / (2 * pos), n / (2 * neg))


def fit_logistic(
    dense: np.ndarray,
    target: np.ndarray,
    *,
    sparse: Any = None,
    offset: np.ndarray | None = None,
    C: float = 1.0,
    weights: np.ndarray | None = None,
    multi_label: bool = False,
    init: LogisticFit | None = None,
    max_iter: int = 300,
    tol: float = 1e-4,
    offset_penalty: float = 1.0,
    centroids: np.ndarray | None = None,
    centroids_at_zero: bool = False,
    zero_bias_penalty: float | None = None,
) -> LogisticFit:
    """Minimise ``sum(weights * loss) + |W|^2 / (2C) + |V|^2 / (2C) + r (a - 1)^2 / 2``.

    ``dense`` is ``(n, d)`` (float32 kept), ``sparse`` an optional ``(n, m)`` scipy CSR
    matrix, ``target`` a 0/1 ``(n, k)`` matrix (one 1 a row unless ``multi_label``),
    ``offset`` optional ``(n, k)`` logits scaled by a learned ``a`` (starting at 1).
    ``weights`` are a row's (or, multi-label, a cell's) weight. With an offset the bias is
    penalized like the weights (the prior already says how common each section is, and few
    examples drawn evenly a section should not overrule it); ``C = 0`` then fits only the
    offset's scale: the prior's own ranking, its confidence recalibrated. ``r``
    (``offset_penalty``) holds ``a`` near 1, the offset being calibrated log-probabilities
    already: where the prior ranks every training article right (few examples, separable), an
    unpenalized ``a`` grows without bound and one held-out miss then costs a huge log loss.
    Next to thousands of articles' losses it is negligible. ``centroids``, optional ``(n, k)``
    scores of each row against each class's example centroid, is a second offset with its own
    scale ``c`` (starting at 0, penalized like ``a`` toward 0). ``C = 0`` holds ``c`` at 0
    (the prior alone) unless ``centroids_at_zero``: then it fits both scales, the prior and
    what the examples' centroids say, weighed against each other by the examples themselves;
    ``zero_bias_penalty`` frees the bias at ``C = 0`` too, under that penalty (a prior that
    leans toward some sections throughout, as a thin description does).
    """
    n = target.shape[0]
    S = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    off = None if offset is None else np.asarray(offset, dtype=np.float64)
    frozen = C <= 0  # no feature weights (and, with an offset, no bias)
    penalty = 0.0 if frozen else 1.0 / C
    bias_penalty = penalty if off is not None else 0.0
    bias_at_zero = frozen and off is not None and zero_bias_penalty is not None
    if bias_at_zero:
        bias_penalty = float(zero_bias_penalty or 0.0)
    objective = _Objective(
        dense, sparse, target.astype(np.float64), S, off,
        None if centroids is None else np.asarray(centroids, dtype=np.float64),
        multi_label, frozen, penalty, bias_penalty, offset_penalty,
    )  # fmt: skip
    # the prior alone, recalibrated: C = 0 holds the centroid scale at 0 unless told otherwise
    theta0, free = _start(objective, init, bias_at_zero, frozen and not centroids_at_zero)
    theta, iterations = lbfgs(objective, theta0, free, max_iter=max_iter, gtol=tol * n)
    W, V, b, a, c = objective.unpack(theta)
    return LogisticFit(W.copy(), V.copy(), b.copy(), a, iterations, c)


class _Objective:
    """The penalized loss of :func:`fit_logistic` and its gradient, over the parameters packed
    as ``[W, V, b, a, c]`` (the solver sees one vector)."""

    def __init__(
        self, dense: np.ndarray, sparse: Any, Y: np.ndarray, S: np.ndarray,
        off: np.ndarray | None, cen: np.ndarray | None, multi_label: bool, frozen: bool,
        penalty: float, bias_penalty: float, offset_penalty: float,
    ) -> None:  # fmt: skip
        self.dense, self.sparse, self.Y, self.S, self.off, self.cen = dense, sparse, Y, S, off, cen
        self.S2 = S[:, None] if S.ndim == 1 else S
        self.multi_label, self.frozen = multi_label, frozen
        self.penalty, self.bias_penalty, self.offset_penalty = penalty, bias_penalty, offset_penalty
        self.k = Y.shape[1]
        self.d = dense.shape[1]
        self.m = 0 if sparse is None else sparse.shape[1]
        self.n_w = (self.d + self.m) * self.k
        self.sparse_t = None if sparse is None else sparse.T.tocsr()  # X.T @ G, row-major

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        d, k, n_w = self.d, self.k, self.n_w
        W = theta[: d * k].reshape(d, k)
        V = theta[d * k : n_w].reshape(self.m, k)
        return W, V, theta[n_w : n_w + k], float(theta[-2]), float(theta[-1])

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, V, b, a, c = self.unpack(theta)
        d, k, m, n_w = self.d, self.k, self.m, self.n_w
        off, cen, S, S2, Y = self.off, self.cen, self.S, self.S2, self.Y
        z = (self.dense @ W.astype(np.float32)).astype(np.float64) + b
        if m:
            z += self.sparse @ V.astype(np.float32)
        if off is not None:
            z += a * off
        if cen is not None:
            z += c * cen
        if self.multi_label:
            loss = float((S2 * (np.logaddexp(0.0, z) - Y * z)).sum())
            P = np.exp(-np.logaddexp(0.0, -z))
        else:
            top = z.max(axis=1, keepdims=True)
            lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
            loss = float((S * (lse - (z * Y).sum(axis=1))).sum())
            P = np.exp(z - lse[:, None])
        G = S2 * (P - Y)
        grad = np.zeros_like(theta)
        penalty, bias_penalty, offset_penalty = self.penalty, self.bias_penalty, self.offset_penalty
        if not self.frozen:
            gW = (self.dense.T @ G.astype(np.float32)).astype(np.float64) + penalty * W
            grad[: d * k] = gW.ravel()
            if m:
                gV = self.sparse_t @ G.astype(np.float32)
                grad[d * k : n_w] = (gV + penalty * V).ravel()
            loss += 0.5 * penalty * (float((W * W).sum()) + float((V * V).sum()))
        grad[n_w : n_w + k] = G.sum(axis=0) + bias_penalty * b
        loss += 0.5 * bias_penalty * float((b * b).sum())
        if off is not None:
            grad[-2] = float((G * off).sum()) + offset_penalty * (a - 1.0)
            loss += 0.5 * offset_penalty * (a - 1.0) ** 2
        if cen is not None:
            grad[-1] = float((G * cen).sum()) + offset_penalty * c
            loss += 0.5 * offset_penalty * c * c
        return loss, grad


def _start(
    objective: _Objective, init: LogisticFit | None, bias_at_zero: bool, centroids_held: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The starting point (``init``'s solution, or no weights and the offset at scale 1) and
    which parameters are free; what does not take part stays put at 0."""
    n_w, k, off = objective.n_w, objective.k, objective.off
    theta0 = np.zeros(n_w + k + 2)
    theta0[-2] = 1.0 if off is not None else 0.0
    if init is not None:
        theta0 = init.pack().astype(np.float64)
    free = np.ones(len(theta0), dtype=bool)
    if objective.frozen:
        free[: n_w + (k if off is not None and not bias_at_zero else 0)] = False
    if off is None:
        free[-2] = False
    if objective.cen is None or centroids_held:
        free[-1], theta0[-1] = False, 0.0
    theta0[~free & (np.arange(len(theta0)) < n_w + k)] = 0.0
    return theta0, free


def lbfgs(
    objective: Any, x0: np.ndarray, free: np.ndarray, *, max_iter: int = 300,
    gtol: float = 1e-4, ftol: float = 1e-6, memory: int = 10,
) -> tuple[np.ndarray, int]:  # fmt: skip
    """Minimise a smooth convex ``objective(x) -> (value, gradient)`` over the ``free`` entries.

    Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line search; numpy
    only, so a step costs a few vector operations on top of the objective, also with a million
    parameters (scipy's L-BFGS-B spends more than the objective there). The history is kept in
    float32: it only shapes the search direction.
    """
    x = x0.copy()
    fx, g = objective(x)
    g = np.where(free, g, 0.0)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 (reported below)
        if float(np.abs(g).max()) <= gtol:
            break
        q = g.astype(np.float32)
        alphas = []
        for s, y, rho in reversed(history):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if history:
            s, y, _ = history[-1]
            q *= float(s @ y) / float(y @ y)
        else:
            q /= max(float(np.linalg.norm(g)), 1.0)
        for (s, y, rho), alpha in zip(history, reversed(alphas), strict=True):
            q += s * (alpha - rho * float(y @ q))
        direction = -q.astype(np.float64)
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            history.clear()
            direction = -g / max(float(np.linalg.norm(g)), 1.0)
            slope = float(g @ direction)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = objective(x_new)
            if f_new <= fx + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        g_new = np.where(free, g_new, 0.0)
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12:
            history.append((s.astype(np.float32), y.astype(np.float32), 1.0 / sy))
            if len(history) > memory:
                history.pop(0)
        done = fx - f_new <= ftol * max(abs(fx), 1.0)
        x, fx, g = x_new, f_new, g_new
        if done:
            break
    return x, iteration
