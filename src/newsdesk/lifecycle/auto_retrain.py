"""Retraining in the background every N corrections, and when its candidate may switch itself on.

The desk counts the corrections editors have made since the last retrain (the registry's
latest retrained model records the count it was trained at). Once ``every`` more have come,
the job runner retrains as an editor's button would. The candidate is compared with the active
model on the held-out fifth of the reviewed articles, as every retrain is; it is activated
only when the operator set a margin, it beats the active model by at least that margin, it is
better at all, there were at least ``min_held_out`` held-out articles to tell, the articles it
files right and the active model wrong outnumber the reverse beyond chance (a one-sided sign
test at 5%: 2 fixed against 1 broken is noise, 9 against 1 is not), and the model it was
compared with is still the active one. Otherwise it is suggested: the models page says how
it compared, and an editor decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any

from sqlalchemy import Connection

from newsdesk.store import registry

__all__ = [
    "AUTO_RETRAINER",
    "Verdict",
    "corrections_at_last_retrain",
    "judge",
    "sign_test",
]

AUTO_RETRAINER = "auto-retrain"  # who the registry says made and activated such a model
SIGN_TEST_LEVEL = 0.05  # how unlikely "fixed beyond broken" must be under no real difference


def sign_test(fixed: int, broken: int) -> float:
    """One-sided p-value of ``fixed`` or more of ``fixed + broken`` disagreements going the
    candidate's way if each were a fair coin."""
    n = fixed + broken
    return sum(comb(n, k) for k in range(fixed, n + 1)) / 2**n if n else 1.0


@dataclass(frozen=True)
class Verdict:
    """Whether a background retrain's candidate is activated, its held-out gain, and why."""

    activate: bool
    gain: float | None
    message: str


def corrections_at_last_retrain(conn: Connection) -> int:
    """The corrections editors had made when the latest retrain that did not fail read them
    (0: none yet). A retrain a restart interrupted (or an error ended) does not count: the
    next check after a restart tries again; within a process the job runner remembers it."""
    for record in registry.list_models(conn, limit=50):
        if record.kind == "retrained" and record.status != "failed":
            return int((record.training or {}).get("corrections") or 0)
    return 0


def judge(
    version: str, comparison: dict[str, Any], margin: float | None, min_held_out: int
) -> Verdict:
    """Whether candidate ``version`` replaces the active model it was compared with."""
    n = int(comparison.get("n") or 0)
    new = (comparison.get("candidate") or {}).get("accuracy")
    old = (comparison.get("active") or {}).get("accuracy")
    if not n or new is None or old is None:
        return Verdict(False, None, f"model {version} is ready; no held-out reviewed article "
                       "to compare it on: activate it on the models page if you trust it")  # fmt: skip
    gain = float(new) - float(old)
    told = f"model {version}: {new:.1%} on {n} held-out reviewed articles, the active {old:.1%}"
    if gain <= 0:
        return Verdict(False, gain, f"{told}; not better, kept as a candidate")
    if margin is None:
        return Verdict(False, gain, f"{told}; suggested: activate it on the models page")
    if gain < margin:
        return Verdict(False, gain, f"{told}; better, but by less than {margin:.1%}: suggested")
    if n < min_held_out:
        return Verdict(
            False, gain, f"{told}; too few held-out articles (under {min_held_out}) to switch on "
            "its own: suggested",
        )  # fmt: skip
    fixed = int(comparison.get("fixed_count", len(comparison.get("fixed") or ())))
    broken = int(comparison.get("broken_count", len(comparison.get("broken") or ())))
    if (p := sign_test(fixed, broken)) > SIGN_TEST_LEVEL:
        return Verdict(
            False, gain, f"{told}; it files {fixed} right that the active model misfiles and "
            f"{broken} the other way round, which chance could do (p = {p:.2f}): suggested",
        )  # fmt: skip
    return Verdict(True, gain, f"{told}; better by {gain:.1%}: activated")
