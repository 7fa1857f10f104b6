"""Logistic regression with an offset, solved by L-BFGS over numpy and scipy.sparse.

The linear heads learn ``logits = a * offset + X_dense @ W + X_sparse @ V + b``: the offset is
the zero-shot head's log-probabilities (what the taxonomy says), ``a`` how far to trust them,
``W`` and ``V`` (L2-penalized) what the examples add. With a strong penalty the model is the
calibrated zero-shot head; with many examples the features take over. Single-label heads use a
softmax over the sections, multi-label heads a sigmoid a section.

scikit-learn has no offsets; writing the objective out also keeps sparse blocks sparse, the
dense block in float32 and lets a fit start from another's solution (folds, a grid of ``C``).
Training needs scipy (the ``train`` extra); prediction does not use this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LogisticFit", "balanced_weights", "fit_logistic", "log_softmax"]


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

    def pack(self) -> np.ndarray:
        return np.concatenate(
            [self.dense.ravel(), self.sparse.ravel(), self.bias, [self.offset_scale]]
        )


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
) -> LogisticFit:
    """Minimise ``sum(weights * loss) + |W|^2 / (2C) + |V|^2 / (2C)``.

    ``dense`` is ``(n, d)`` (float32 kept), ``sparse`` an optional ``(n, m)`` scipy CSR
    matrix, ``target`` a 0/1 ``(n, k)`` matrix (one 1 a row unless ``multi_label``),
    ``offset`` optional ``(n, k)`` logits scaled by a learned ``a`` (starting at 1).
    ``weights`` are a row's (or, multi-label, a cell's) weight. With an offset the bias is
    penalized like the weights (the prior already says how common each section is, and few
    examples drawn evenly a section should not overrule it); ``C = 0`` then fits only the
    offset's scale: the prior's own ranking, its confidence recalibrated.
    """
    from scipy.optimize import minimize

    n, k = target.shape
    d = dense.shape[1]
    m = 0 if sparse is None else sparse.shape[1]
    Y = target.astype(np.float64)
    S = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    S2 = S[:, None] if S.ndim == 1 else S
    off = None if offset is None else np.asarray(offset, dtype=np.float64)
    frozen = C <= 0  # no feature weights (and, with an offset, no bias)
    penalty = 0.0 if frozen else 1.0 / C
    bias_penalty = penalty if off is not None else 0.0
    n_w = (d + m) * k

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        W = theta[: d * k].reshape(d, k)
        V = theta[d * k : n_w].reshape(m, k)
        return W, V, theta[n_w : n_w + k], float(theta[-1])

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, V, b, a = unpack(theta)
        z = (dense @ W.astype(np.float32)).astype(np.float64) + b
        if m:
            z += sparse @ V
        if off is not None:
            z += a * off
        if multi_label:
            loss = float((S2 * (np.logaddexp(0.0, z) - Y * z)).sum())
            P = np.exp(-np.logaddexp(0.0, -z))
        else:
            top = z.max(axis=1, keepdims=True)
            lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
            loss = float((S * (lse - (z * Y).sum(axis=1))).sum())
            P = np.exp(z - lse[:, None])
        G = S2 * (P - Y)
        grad = np.zeros_like(theta)
        if not frozen:
            gW = (dense.T @ G.astype(np.float32)).astype(np.float64) + penalty * W
            grad[: d * k] = gW.ravel()
            if m:
                grad[d * k : n_w] = (sparse.T @ G + penalty * V).ravel()
            loss += 0.5 * penalty * (float((W * W).sum()) + float((V * V).sum()))
        grad[n_w : n_w + k] = G.sum(axis=0) + bias_penalty * b
        loss += 0.5 * bias_penalty * float((b * b).sum())
        grad[-1] = float((G * off).sum()) if off is not None else 0.0
        return loss, grad

    theta0 = np.zeros(n_w + k + 1)
    theta0[-1] = 1.0 if off is not None else 0.0
    if init is not None:
        theta0 = init.pack().astype(np.float64)
        if frozen:
            theta0[: n_w + (k if off is not None else 0)] = 0.0
    bounds = None
    if frozen or off is None:  # pin what does not take part
        free: tuple[float | None, float | None] = (None, None)
        pinned = (0.0, 0.0)
        bounds = [pinned if frozen else free] * n_w
        bounds += [pinned if frozen and off is not None else free] * k
        bounds.append(pinned if off is None else free)
    result = minimize(
        objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": max_iter, "gtol": tol * n, "ftol": 1e-10},
    )  # fmt: skip
    W, V, b, a = unpack(result.x)
    return LogisticFit(W.copy(), V.copy(), b.copy(), a, int(result.nit))
