"""Heads keep scikit-learn's habits; a head built by hand starts from the trainer's defaults."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from newsdesk.classify import adapt, folds, self_training, training
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.options import TrainingOptions, linear_head
from newsdesk.classify.prototype import PrototypeHead
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.taxonomy import load_taxonomy

DATA = Path(__file__).parents[1] / "data"
HEADS = (LinearHead, PrototypeHead, ZeroShotHead)


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
    for cls in HEADS:
        head = cls()
        for name, default in _defaults(cls).items():
            assert getattr(head, name) == default, (cls.__name__, name)
    # also where a parameter does not apply: a multi-label head uses no centroid offset, but
    # keeps the parameter as given
    assert LinearHead(centroids=True, multi_label=True).centroids is True


@pytest.mark.parametrize("cls", HEADS, ids=lambda cls: cls.__name__)
def test_init_sets_nothing_but_its_parameters(cls: type) -> None:
    """No learned state before fitting: every attribute ``__init__`` sets is a parameter."""
    assert set(vars(cls())) == set(_defaults(cls))
    assert not [name for name in vars(cls()) if name.endswith("_")]


def test_fitting_sets_the_learned_state_and_returns_the_head() -> None:
    """Learned heads fit on examples; the zero-shot head's data is a taxonomy, and it has no
    ``fit`` that would refuse examples."""
    taxonomy = load_taxonomy(DATA / "tiny-taxonomy.yaml")
    encoder = LexicalEncoder(dim=64)
    zero = ZeroShotHead()
    assert zero.fit_taxonomy(taxonomy, encoder) is zero
    assert zero.classes_ == taxonomy.names and zero.label_vectors_.shape[1] == 64
    assert not hasattr(ZeroShotHead, "fit")
    for cls in (LinearHead, PrototypeHead):
        assert "fit" in vars(cls), cls.__name__


def test_the_trainer_builds_linear_heads_through_their_parameters() -> None:
    options = TrainingOptions(C=0.7, lexical_weight=32.0, char_ngrams=(2, 3), multi_label=True)
    head = linear_head(options, 10, prior_weight=0.0, sources=True, centroids=True)
    expected = {"C": 0.7, "lexical_weight": 32.0, "char_ngrams": (2, 3), "multi_label": True}
    assert {name: getattr(head, name) for name in expected} == expected
    assert (head.prior_weight, head.lexical, head.sources) == (0.0, False, False)  # 10 < 100
    assert linear_head(options, 100, sources=True).sources is True


def test_set_params_changes_parameters_by_name_only() -> None:
    head = LinearHead()
    assert head.set_params(C=1.0, lexical_weight=64.0) is head
    assert (head.C, head.lexical_weight) == (1.0, 64.0)
    with pytest.raises(ValueError, match=r"LinearHead has no parameter 'temperature_'"):
        head.set_params(temperature_=2.0)


@pytest.mark.parametrize("module", [training, folds, self_training, adapt])
def test_the_trainer_configures_heads_without_writing_their_attributes(module: object) -> None:
    """Training calls set_params, adopt, calibrate and with_offset; it assigns no head
    attribute."""
    source = inspect.getsource(module)  # type: ignore[arg-type]
    assigned = re.findall(r"\b(?:head|start|learned|linear|check|zero_shot)\.\w+\s*=(?!=)", source)
    assert assigned == []
    assert "setattr(" not in source
