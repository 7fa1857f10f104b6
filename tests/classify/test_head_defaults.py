"""A head built by hand and a head the trainer builds start from the same defaults."""

from __future__ import annotations

import inspect

from newsdesk.classify.linear import LinearHead
from newsdesk.classify.prototype import PrototypeHead
from newsdesk.classify.training import TrainingOptions


def _defaults(cls: type) -> dict[str, object]:
    return {
        name: p.default
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def test_linear_head_defaults_are_the_trainers() -> None:
    head, options = _defaults(LinearHead), TrainingOptions()
    assert (head["C"], head["lexical_weight"], head["prior_weight"]) == (
        options.C,
        options.lexical_weight,
        options.prior_weight,
    )


def test_prototype_head_default_is_the_trainers() -> None:
    assert _defaults(PrototypeHead)["prior_strength"] == TrainingOptions().prior_strength


def test_init_stores_its_parameters_unchanged() -> None:
    """scikit-learn's habit: ``__init__`` keeps each keyword argument under its own name."""
    for cls in (LinearHead, PrototypeHead):
        head = cls()
        for name, default in _defaults(cls).items():
            assert getattr(head, name) == default, (cls.__name__, name)
