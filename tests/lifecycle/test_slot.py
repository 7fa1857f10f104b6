"""Swapping the served model while work is running."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.slot import ModelSlot, ServedModel


def test_work_started_on_a_model_finishes_on_it(classifier: Classifier) -> None:
    old = ServedModel(classifier, "old")
    new = ServedModel(classifier, "new")
    slot = ModelSlot(old)
    seen: list[str] = []
    slot.on_swap(lambda model: seen.append(model.version))
    started, release = threading.Event(), threading.Event()

    def work() -> str:
        model = slot.current  # taken once
        started.set()
        release.wait(5)
        return model.version

    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(work)
        started.wait(5)
        assert slot.swap(new) is old
        release.set()
        assert running.result() == "old"
    assert slot.current is new and seen == ["new"]
