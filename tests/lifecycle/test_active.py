"""The active model: first-start registration, activation and roll-back, with and without a slot."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from newsdesk.classify.classifier import Classifier
from newsdesk.errors import NewsdeskError
from newsdesk.lifecycle.active import (
    ActiveModel,
    activate_stored,
    base_model,
    register_start,
    rollback_target,
    starting_version,
)
from newsdesk.lifecycle.loading import SpecFlags, legacy_version, model_version
from newsdesk.lifecycle.slot import ModelSlot, ServedModel
from newsdesk.store import Store, registry
from newsdesk.store.errors import StoreError


def active_version(store: Store) -> str | None:
    with store.read() as conn:
        return registry.active_version(conn)


def register_saved(store: Store, classifier: Classifier, folder: Path, version: str) -> None:
    classifier.save(folder)
    with store.write() as conn:
        registry.register_model(conn, version, kind="retrained", status="ready", path=str(folder))


def start_earlier(store: Store) -> None:
    """As a start on another zero-shot model left the registry: that one active."""
    start_earlier_as(store, "started-before")


def start_earlier_as(store: Store, version: str) -> None:
    with store.write() as conn:
        registry.ensure_model(conn, version, path=None, kind="initial")
        registry.activate_model(conn, version, by=None)


def test_a_first_cli_start_registers_and_activates_the_spec_model(store: Store) -> None:
    spec = SpecFlags(model=None, taxonomy=None, encoder="lexical")
    base = base_model(store, spec, note="newsdesk retrain")
    assert active_version(store) == base.version
    with store.read() as conn:
        record = registry.get_model(conn, base.version)
    assert record is not None and record.kind == "initial" and record.path is None


def test_a_cli_start_refuses_a_spec_other_than_the_active_zero_shot_model(
    store: Store, classifier: Classifier
) -> None:
    start_earlier(store)  # a service started on a taxonomy: no saved folder to load
    with pytest.raises(NewsdeskError, match="the active model is 'started-before'") as caught:
        base_model(store, SpecFlags(None, None, "lexical"), note="newsdesk retrain")
    assert "give the --taxonomy and --encoder (or --model) the service was started" in str(
        caught.value
    )
    assert active_version(store) == "started-before"  # nothing changed


def test_a_cli_start_on_the_active_zero_shot_spec_is_that_model(store: Store) -> None:
    spec = SpecFlags(model=None, taxonomy=None, encoder="lexical")
    first = base_model(store, spec, note="newsdesk retrain")  # none active: it becomes active
    again = base_model(store, spec, note="newsdesk retrain")
    assert again.version == first.version == active_version(store)


def test_a_taxonomy_file_edited_under_the_same_name_is_another_model(
    store: Store, tmp_path: Path
) -> None:
    taxonomy = tmp_path / "desk.yaml"
    lines = {"sport": "Matches and players.", "business": "Markets and firms."}

    def write(sport_line: str) -> None:
        taxonomy.write_text(
            "name: desk\nsections:\n"
            f'  - name: sport\n    description: {{en: "{sport_line}"}}\n'
            f'  - name: business\n    description: {{en: "{lines["business"]}"}}\n',
            encoding="utf-8",
        )

    write(lines["sport"])
    spec = SpecFlags(model=None, taxonomy=str(taxonomy), encoder="lexical")
    first = base_model(store, spec, note="newsdesk retrain")
    assert first.version.startswith("zero-shot:desk@")
    write("كرة القدم والرياضيون.")  # the line changed, the name did not
    with pytest.raises(NewsdeskError, match="the active model is 'zero-shot:desk@"):
        base_model(store, spec, note="newsdesk retrain")
    write(lines["sport"])  # as it was: the same model again
    assert base_model(store, spec, note="newsdesk retrain").version == first.version


def test_a_starting_model_registered_before_digests_keeps_its_version(store: Store) -> None:
    classifier = Classifier.zero_shot(taxonomy=None, encoder="lexical")
    assert starting_version(store, classifier) == model_version(classifier)  # a new store
    old = legacy_version(classifier)  # as a release before taxonomy digests registered it
    assert old is not None and "@" not in old and old != model_version(classifier)
    start_earlier_as(store, old)
    assert starting_version(store, classifier) == old
    base = base_model(store, SpecFlags(None, None, "lexical"), note="newsdesk retrain")
    assert base.version == old == active_version(store)  # not refused, nothing re-registered
    assert legacy_version(classifier, Path("saved")) is None  # a saved model's is unchanged
    # that first start recorded what the sections said; a taxonomy edited since (same name)
    edited = Classifier.zero_shot(
        taxonomy=replace(classifier.taxonomy, sections=classifier.taxonomy.sections[::-1]),
        encoder="lexical",
    )
    assert legacy_version(edited) == old
    assert starting_version(store, edited) == model_version(edited) != old
    assert starting_version(store, classifier) == old  # the first one is still known


def test_only_the_starting_model_services_start_on_now_can_be_activated_without_a_folder(
    store: Store,
) -> None:
    start_earlier_as(store, "zero-shot:first@00000000:lexical")
    with store.write() as conn:  # a service restarted on another taxonomy
        register_start(
            conn, "zero-shot:second@11111111:lexical", None, note="service start", take_over=True
        )
    with pytest.raises(NewsdeskError, match="services have started on 'zero-shot:second@"):
        activate_stored(store, "zero-shot:first@00000000:lexical", by="ed")
    assert active_version(store) == "zero-shot:second@11111111:lexical"
    activate_stored(store, "zero-shot:second@11111111:lexical", by="ed")  # the one now: taken


def test_a_service_start_takes_over_from_another_starting_model(
    store: Store, classifier: Classifier
) -> None:
    start_earlier(store)
    active = ActiveModel(store)
    active.attach(ModelSlot(ServedModel(classifier, "now")), initial_path=None)
    assert active_version(store) == "now"
    assert active.served_version == "now"


def test_a_service_start_serves_the_retrained_model_editors_activated(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    register_saved(store, classifier, tmp_path / "r1", "r1")
    with store.write() as conn:
        registry.activate_model(conn, "r1", by="ann")
    active = ActiveModel(store)
    active.attach(ModelSlot(ServedModel(classifier, "start")), initial_path=None)
    assert active.served_version == "r1"
    assert active_version(store) == "r1"


def test_activation_swaps_the_slot_and_rollback_goes_back(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    active = ActiveModel(store)
    slot = ModelSlot(ServedModel(classifier, "start"))
    active.attach(slot, initial_path=None)
    register_saved(store, classifier, tmp_path / "r1", "r1")
    active.activate("r1", by="ann")
    assert slot.current.version == "r1" == active_version(store)
    assert rollback_target(store) == "start"
    active.rollback(by="ann")
    assert slot.current.version == "start" == active_version(store)


def test_rollback_without_history_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no earlier model to roll back to"):
        rollback_target(store)


def test_activating_without_a_slot_refuses_a_model_that_does_not_load(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    register_saved(store, classifier, tmp_path / "good", "good")
    assert activate_stored(store, "good", by="cli:ann").path == str(tmp_path / "good")
    assert active_version(store) == "good"
    broken = tmp_path / "broken"
    broken.mkdir()
    with store.write() as conn:
        registry.register_model(conn, "broken", kind="retrained", status="ready", path=str(broken))
    with pytest.raises(NewsdeskError, match="'broken' cannot be loaded from"):
        activate_stored(store, "broken", by="cli:ann")
    assert active_version(store) == "good"
    with pytest.raises(StoreError, match="no model 'absent' in the registry"):
        activate_stored(store, "absent", by="cli:ann")


def test_a_spec_names_a_saved_model_or_a_taxonomy_not_both() -> None:
    with pytest.raises(NewsdeskError, match="not both"):
        SpecFlags(model=Path("m"), taxonomy="t.yaml", encoder="lexical")


def test_the_lifecycle_loads_without_the_web_stack() -> None:
    """The CLI's retrain and models commands use it where the service extra may be missing."""
    code = (
        "import sys, newsdesk.lifecycle.runtime, newsdesk.lifecycle.active; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_conditional_activation_keeps_an_activation_made_meanwhile(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    """A background retrain compared its candidate with "start"; an editor activated "mine"
    before it finished: the candidate must not replace the editor's choice."""
    active = ActiveModel(store)
    slot = ModelSlot(ServedModel(classifier, "start"))
    active.attach(slot, initial_path=None)
    register_saved(store, classifier, tmp_path / "mine", "mine")
    register_saved(store, classifier, tmp_path / "candidate", "candidate")
    active.activate("mine", by="ann")
    assert active.activate_if("candidate", expected="start", by="auto") is None
    assert slot.current.version == "mine" == active_version(store)
    assert active.activate_if("candidate", expected="mine", by="auto") is not None
    assert slot.current.version == "candidate" == active_version(store)
