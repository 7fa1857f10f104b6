"""Each default a user sees is written once, where it belongs, and shown the same everywhere."""

from __future__ import annotations

from pathlib import Path

from newsdesk.defaults import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MODELS_DIR,
    RETRAIN_ACTIVATE_MARGIN,
    RETRAIN_CONFIDENT_MIN,
    RETRAIN_CONFIDENT_PER_SECTION,
    RETRAIN_EVERY,
)
from newsdesk.encoders import DEFAULT_ENCODER

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "newsdesk"
# files that keep a literal for a reason of their own: the e5 backend names itself (the
# registry maps that name to it)
OWN = {"encoders/e5.py"}


def _files_writing(literal: str) -> list[str]:
    return sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if literal in path.read_text(encoding="utf-8") and str(path.relative_to(PACKAGE)) not in OWN
    )


def test_each_default_literal_has_one_home() -> None:
    assert _files_writing(f'"{DEFAULT_ENCODER}"') == ["encoders/registry.py"]
    assert _files_writing(f'"{DEFAULT_DATABASE_URL}"') == ["defaults.py"]
    assert _files_writing(f'"{DEFAULT_MODELS_DIR}"') == ["defaults.py"]


def test_the_settings_show_the_same_defaults() -> None:
    from newsdesk.service.settings import Settings
    from newsdesk.store.engine import DEFAULT_DATABASE_URL as STORE_URL
    from newsdesk.ui.settings import DeskSettings

    assert STORE_URL == DEFAULT_DATABASE_URL
    service = Settings.model_fields
    assert service["encoder"].default == DEFAULT_ENCODER
    assert service["database_url"].default == DEFAULT_DATABASE_URL
    desk = DeskSettings.model_fields
    assert desk["models_dir"].default == DEFAULT_MODELS_DIR
    assert desk["retrain_confident_per_section"].default == RETRAIN_CONFIDENT_PER_SECTION
    assert desk["retrain_confident_min"].default == RETRAIN_CONFIDENT_MIN
    assert desk["retrain_every"].default == RETRAIN_EVERY
    assert desk["retrain_activate_margin"].default == RETRAIN_ACTIVATE_MARGIN
