"""Heads keep scikit-learn's habits; a head built by hand starts from the trainer's defaults."""

from __future__ import annotations

import inspect
import re

import pytest

from newsdesk.classify import training
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.prototype import PrototypeHead


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


def test_set_params_changes_parameters_by_name_only() -> None:
    head = LinearHead()
    assert head.set_params(C=1.0, lexical_weight=64.0) is head
    assert (head.C, head.lexical_weight) == (1.0, 64.0)
    with pytest.raises(ValueError, match=r"LinearHead has no parameter 'temperature_'"):
        head.set_params(temperature_=2.0)


def test_the_trainer_configures_heads_without_writing_their_attributes() -> None:
    """training.py calls set_params, adopt and calibrate; it assigns no head attribute."""
    source = inspect.getsource(training)
    assert not re.findall(r"\b(?:head|start)\.\w+\s*=(?!=)", source)
