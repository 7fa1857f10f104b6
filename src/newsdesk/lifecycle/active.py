"""The active model: first-start registration, loading, activation, roll-back, following others.

The registry (``store.registry``) records which model is active; a serving process holds the
one it serves in a :class:`ModelSlot`. :class:`ActiveModel` keeps the two in line inside a
serving process; :func:`activate_stored` and :func:`base_model` do the same work where no
model is served (the CLI). Activating loads the model first, so a model a service could not
load never becomes the active one.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from sqlalchemy import Connection

from newsdesk.classify.classifier import Classifier
from newsdesk.errors import NewsdeskError
from newsdesk.lifecycle.loading import (
    ModelSpec,
    legacy_version,
    load_classifier,
    model_version,
    sections_digest,
)
from newsdesk.lifecycle.slot import ModelSlot, ServedModel, load_saved
from newsdesk.store import registry
from newsdesk.store.engine import Store
from newsdesk.store.errors import StoreError

__all__ = [
    "ActiveModel",
    "activate_stored",
    "base_model",
    "record_of",
    "register_start",
    "rollback_target",
    "starting_version",
]

log = logging.getLogger(__name__)

KEEP_LOADED = 3  # models kept in memory: the served one, the one before, a candidate


def record_of(store: Store, version: str) -> registry.ModelRecord:
    """The registry's record of ``version``; :class:`StoreError` when there is none."""
    with store.read() as conn:
        record = registry.get_model(conn, version)
    if record is None:
        raise StoreError(f"no model {version!r} in the registry")
    return record


def rollback_target(store: Store) -> str:
    """The model a roll-back activates (see ``registry.previous_version``)."""
    with store.read() as conn:
        previous = registry.previous_version(conn)
    if previous is None:
        raise StoreError("no earlier model to roll back to")
    return previous


def starting_version(store: Store, classifier: Classifier, model: Path | None = None) -> str:
    """The version the calls of a starting model are stored under: :func:`model_version`, or
    the one a release before taxonomy digests gave it, where the registry knows it by that one
    (a starting model with no saved folder), so an upgrade keeps its calls, its learning curve
    and its roll-back.

    The first start after the upgrade takes the taxonomy it is given for the one that model
    was started on, and records its digest on the record; a later start on a file edited since
    gets the new form, another model.
    """
    old = legacy_version(classifier, model)
    if old is not None:
        digest = sections_digest(classifier)
        with store.read() as conn:
            record = registry.get_model(conn, old)
        if record is not None and record.kind == "initial" and not record.path:
            training = record.training or {}
            if training.get("sections_digest") is None:  # once, on an upgraded store
                training = training | {"sections_digest": digest}
                with store.write() as conn:
                    registry.update_model(conn, old, training=training)
            if training["sections_digest"] == digest:
                return old
    return model_version(classifier, model)


def register_start(
    conn: Connection, version: str, path: Path | None, *, note: str, take_over: bool
) -> str:
    """Register the model a process starts on (kind ``initial``); the active version after.

    It becomes the active one when none is. With ``take_over`` (a service starting), it also
    replaces an active starting model of another version (the service was started on a
    different model or taxonomy) or a record that is gone; a retrained model editors
    activated stays active.
    """
    registry.ensure_model(conn, version, path=str(path) if path else None, kind="initial")
    active = registry.active_version(conn)
    record = registry.get_model(conn, active) if active else None
    if take_over:
        replace = record is None or (record.kind == "initial" and record.version != version)
    else:
        replace = active is None
    if replace:
        registry.activate_model(conn, version, by=None, note=note)
        return version
    assert active is not None
    return active


def base_model(store: Store, spec: ModelSpec, *, note: str) -> ServedModel:
    """The active model, loaded; or, when none is active yet, the one ``spec`` names
    (registered as a service started on it would, and made active).

    An active model with no saved folder (the zero-shot model a service was started on) can
    only be rebuilt from the same spec: :class:`NewsdeskError` when ``spec`` names another,
    since a candidate trained from it would file under other sections than the active one.
    """
    with store.read() as conn:
        active = registry.active_version(conn)
        record = registry.get_model(conn, active) if active else None
    if record is not None and record.path:
        return load_saved(record.version, record.path)
    classifier = load_classifier(spec)
    base = ServedModel(classifier, starting_version(store, classifier, spec.model))
    if record is not None and record.version != base.version:
        raise NewsdeskError(
            f"the active model is {record.version!r}, which a service started from a taxonomy "
            f"(it has no saved folder), but these options name {base.version!r}: give the "
            "--taxonomy and --encoder (or --model) the service was started with (a taxonomy "
            "file edited since, under the same name, is another model: restart the service "
            "on it first)"
        )
    with store.write() as conn:
        register_start(conn, base.version, spec.model, note=note, take_over=False)
    return base


def activate_stored(
    store: Store, version: str, *, by: str | None, note: str | None = None
) -> registry.ModelRecord:
    """Record ``version`` as the active model once it has loaded as a service loads it.

    For a process that serves no model: running services follow the registry. A model with no
    saved folder (a zero-shot starting model) is recorded without loading: only a service
    started on it can serve it, so only the one services started on last is taken.
    :class:`NewsdeskError` when it cannot be loaded.
    """
    record = record_of(store, version)
    if not record.path:
        with store.read() as conn:
            latest = registry.latest_start_version(conn)
        if latest != version:
            raise NewsdeskError(
                f"model {version!r} is a starting model with no saved folder, and services have "
                f"started on {latest!r} since: none can serve it, so it was not activated; start "
                "a service on its taxonomy and encoder to use it again"
            )
    if record.path:
        try:
            load_saved(version, record.path)
        except (NewsdeskError, OSError) as exc:
            raise NewsdeskError(
                f"model {version!r} cannot be loaded from {record.path} ({exc}); a service "
                "could not serve it, so it was not activated"
            ) from None
    with store.write() as conn:
        registry.activate_model(conn, version, by=by, note=note)
    return record


class ActiveModel:
    """The model a serving process serves, kept in line with the registry's active one."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._slot: ModelSlot | None = None
        self._loaded: OrderedDict[str, ServedModel] = OrderedDict()
        self._load_lock = threading.Lock()
        # Held while the registry's active model and the slot are changed together, so that
        # two switches (an activation, the watcher's sync) cannot leave them disagreeing.
        self._switch_lock = threading.Lock()
        self._unloadable: str | None = None  # the active version the watcher failed to load

    @property
    def slot(self) -> ModelSlot:
        if self._slot is None:
            raise RuntimeError("the service has not loaded its model yet")
        return self._slot

    @property
    def served_version(self) -> str:
        """The version of the model served now ('' before the service has loaded one)."""
        return self._slot.current.version if self._slot is not None else ""

    def attach(self, slot: ModelSlot, *, initial_path: Path | None) -> None:
        """Take the service's model slot at start-up and bring it in line with the registry.

        The starting model is registered (see :func:`register_start`). When editors
        activated a retrained model before a restart, that one is loaded and served.
        """
        self._slot = slot
        first = slot.current
        self._remember(first)
        with self.store.write() as conn:
            active = register_start(
                conn, first.version, initial_path, note="service start", take_over=True
            )
        if active == first.version:
            return
        try:
            slot.swap(self.load(active))
            log.info("serving %s, the model activated on the desk", active)
        except (NewsdeskError, OSError) as exc:
            log.error("cannot load the active model %s (%s); serving %s", active, exc, first)
            with self.store.write() as conn:
                registry.activate_model(
                    conn, first.version, by=None, note=f"service start: {active} failed to load"
                )

    def _remember(self, model: ServedModel) -> None:
        with self._load_lock:
            self._loaded[model.version] = model
            self._loaded.move_to_end(model.version)
            while len(self._loaded) > KEEP_LOADED:
                self._loaded.popitem(last=False)

    def load(self, version: str) -> ServedModel:
        """The registered model ``version``, loaded (a few are kept in memory)."""
        with self._load_lock:
            if version in self._loaded:
                self._loaded.move_to_end(version)
                return self._loaded[version]
        record = record_of(self.store, version)
        model = load_saved(version, record.path, self.slot.current.classifier.encoder)
        self._remember(model)
        return model

    def activate(self, version: str, *, by: str | None, note: str | None = None) -> ServedModel:
        """Load ``version``, record the activation, and swap it in."""
        model = self.load(version)
        with self._switch_lock:
            with self.store.write() as conn:
                registry.activate_model(conn, version, by=by, note=note)
            self.slot.swap(model)
        log.info("model %s activated by %s", version, by)
        return model

    def activate_if(
        self, version: str, *, expected: str, by: str | None, note: str | None = None
    ) -> ServedModel | None:
        """:meth:`activate` ``version`` only if ``expected`` is still the active model when the
        activation is written (checked in the same transaction); ``None`` when it was not."""
        model = self.load(version)
        with self._switch_lock:
            with self.store.write() as conn:
                done = registry.activate_model_if(
                    conn, version, expected=expected, by=by, note=note
                )
            if not done:
                return None
            self.slot.swap(model)
        log.info("model %s activated by %s", version, by)
        return model

    def rollback(self, *, by: str | None) -> ServedModel:
        """Activate the model that was active before the current one."""
        return self.activate(rollback_target(self.store), by=by, note=registry.ROLLBACK_NOTE)

    def sync_active(self) -> None:
        """Serve the registry's active model if another process activated a different one."""
        with self.store.read() as conn:
            active = registry.active_version(conn)
        if active is None or active == self.slot.current.version:
            return
        try:
            model = self.load(active)  # outside the lock: loading takes a while
        except (NewsdeskError, OSError) as exc:
            if self._unloadable != active:  # once per version, not at every check
                log.error("cannot load the active model %s: %s", active, exc)
                self._unloadable = active
            return
        with self._switch_lock:
            # An activation may have happened while loading: swap only if still the active one.
            with self.store.read() as conn:
                if registry.active_version(conn) != active:
                    return
            self.slot.swap(model)
        log.info("switched to %s, activated elsewhere", active)
