"""The saved-model format: a folder with ``model.json`` and ``arrays.npz``, never pickle.

``model.json`` holds the format version, the taxonomy, the encoder's name and fingerprint, the
head's kind and config (label order included), the multi-label thresholds and abstention
threshold, and what training recorded: hyper-parameters, a data summary, held-out metrics, the
newsdesk version and the creation time. ``arrays.npz`` holds the head's arrays, loaded with
``allow_pickle=False``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from newsdesk._version import __version__
from newsdesk.classify.heads import Head
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.registry import get_encoder
from newsdesk.errors import ModelFormatError
from newsdesk.taxonomy import Taxonomy

log = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SavedModel",
    "head_from_state",
    "load_model",
    "save_model",
]

FORMAT = "newsdesk-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"


@dataclass(frozen=True)
class SavedModel:
    """What a saved model holds: the parts a :class:`~newsdesk.classify.Classifier` is built of.

    This module reads and writes these parts and leaves building the classifier to
    ``Classifier.load``, so the format does not import the class that uses it.
    """

    taxonomy: Taxonomy
    encoder: Encoder
    head: Head
    multi_label: bool = False
    thresholds: dict[str, float] = field(default_factory=dict)
    abstain_below: float = 0.0


class _Saveable(Protocol):
    """What :func:`save_model` reads of a classifier."""

    taxonomy: Taxonomy
    encoder: Encoder
    head: Head
    multi_label: bool
    thresholds: dict[str, float]
    abstain_below: float


def _head_classes() -> dict[str, type]:
    from newsdesk.classify.linear import LinearHead
    from newsdesk.classify.prototype import PrototypeHead
    from newsdesk.classify.zero_shot import ZeroShotHead

    return {cls.kind: cls for cls in (ZeroShotHead, PrototypeHead, LinearHead)}


def head_from_state(kind: str, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Head:
    """Rebuild a head of ``kind`` from its saved config and arrays."""
    classes = _head_classes()
    if kind not in classes:
        raise ModelFormatError(
            f"unknown head kind '{kind}'; this newsdesk knows {', '.join(sorted(classes))}: "
            "upgrade newsdesk to load this model"
        )
    head: Head = classes[kind]().set_state(config, arrays)
    return head


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def save_model(
    classifier: _Saveable,
    path: str | Path,
    *,
    hyperparameters: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write ``classifier`` into the folder ``path`` (created if needed) and return it."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    config, arrays = classifier.head.get_state()
    encoder = classifier.encoder
    model = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "newsdesk_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "taxonomy": classifier.taxonomy.to_dict(),
        "encoder": {"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": encoder.dim},
        "labels": list(classifier.head.classes_),
        "head": {"kind": classifier.head.kind, "config": config},
        "multi_label": classifier.multi_label,
        "thresholds": classifier.thresholds,
        "abstain_below": classifier.abstain_below,
        "hyperparameters": hyperparameters or {},
        "training": training or {},
        "metrics": metrics or {},
    }
    (folder / MODEL_FILE).write_text(
        json.dumps(_jsonable(model), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with open(folder / ARRAYS_FILE, "wb") as handle:
        named: dict[str, Any] = {f"head.{k}": np.asarray(v) for k, v in arrays.items()}
        np.savez_compressed(handle, **named)
    return folder


def read_model_json(path: str | Path) -> dict[str, Any]:
    """The parsed ``model.json`` of a saved model, with its format checked."""
    folder = Path(path)
    meta_path = folder / MODEL_FILE
    if not meta_path.is_file():
        raise ModelFormatError(
            f"{folder}: not a newsdesk model (no {MODEL_FILE}); train one with "
            f"'newsdesk train DATA --output {folder}'"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{meta_path}: unreadable ({exc}); retrain the model") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFormatError(f"{meta_path}: not a newsdesk model file")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{folder}: model format version {version}, but this newsdesk reads version "
            f"{FORMAT_VERSION}; retrain the model with this newsdesk, or use the newsdesk "
            f"version that made it ({meta.get('newsdesk_version', 'unknown')})"
        )
    return meta


def load_model(path: str | Path, *, encoder: Encoder | str | None = None) -> SavedModel:
    """Read a saved model; the encoder must have the fingerprint the model was trained with,
    or one of its ``earlier_fingerprints`` (an earlier build of it: loaded with a warning)."""
    folder = Path(path)
    meta = read_model_json(folder)
    saved = meta["encoder"]
    enc = get_encoder(encoder if encoder is not None else saved["name"])
    if saved["fingerprint"] in getattr(enc, "earlier_fingerprints", ()):
        log.warning(
            "%s was trained with an earlier build of encoder '%s' (%s): its vectors differ a "
            "little from this build's (more on CPUs without AVX-512 VNNI, where the earlier "
            "build's sums saturated), so some calls may change; retrain it on this build",
            folder,
            enc.name,
            saved["fingerprint"],
        )
    elif enc.fingerprint != saved["fingerprint"]:
        raise ModelFormatError(
            f"{folder} was trained with encoder '{saved['name']}' (fingerprint "
            f"{saved['fingerprint']}), but encoder '{enc.name}' has fingerprint "
            f"{enc.fingerprint}: its vectors would mean nothing to this model. Classify with "
            f"the encoder it was trained with (--encoder {saved['name']}), or retrain the "
            f"model with this one (newsdesk train ... --encoder {enc.name})"
        )
    try:
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
            arrays = {k.removeprefix("head."): npz[k] for k in npz.files}
    except (OSError, ValueError) as exc:
        raise ModelFormatError(
            f"{folder / ARRAYS_FILE}: unreadable ({exc}); retrain the model"
        ) from None
    head = head_from_state(meta["head"]["kind"], meta["head"]["config"], arrays)
    taxonomy = Taxonomy.from_dict(meta["taxonomy"], source=f"{folder / MODEL_FILE} (taxonomy)")
    return SavedModel(
        taxonomy,
        enc,
        head,
        multi_label=bool(meta.get("multi_label", False)),
        thresholds={str(k): float(v) for k, v in (meta.get("thresholds") or {}).items()},
        abstain_below=float(meta.get("abstain_below") or 0.0),
    )
