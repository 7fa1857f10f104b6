"""Bring your own model: a folder with ``model.onnx`` and ``tokenizer.json``.

``model.onnx`` is a sentence-embedding model taking ``input_ids`` and ``attention_mask`` (and
``token_type_ids`` when it wants them) and giving as its first output either one vector a text
(``[batch, dim]``) or one a token (``[batch, tokens, dim]``, then pooled). An optional
``newsdesk-encoder.json`` sets::

    {"name": "my-encoder", "max_tokens": 256, "window": false, "pooling": "mean",
     "prefixes": {"query": "query: ", "passage": "passage: "}}

(every key optional; pooling ``"mean"`` or ``"cls"``). Keyword arguments override the file.

A model quantized dynamically (onnxruntime's ``quantize_dynamic``: its graph quantizes
activations with ``DynamicQuantize*`` operators) runs each text alone, as e5-small does: it
scales activations by a whole batch, so in a batch a text's vector would depend on its
neighbours.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.encoders.base import Role
from newsdesk.encoders.onnx_text import OnnxTextModel
from newsdesk.errors import EncoderError

__all__ = ["CONFIG_FILE", "OnnxDirEncoder", "quantized_dynamically"]

CONFIG_FILE = "newsdesk-encoder.json"
_KEYS = {"name", "max_tokens", "window", "pooling", "prefixes"}


def quantized_dynamically(model_path: Path) -> bool:
    """Whether the graph scales activations at run time (``DynamicQuantizeLinear`` and kin)."""
    import onnx

    try:
        model = onnx.load(str(model_path), load_external_data=False)
    except Exception:  # onnxruntime says what is wrong with the file when it opens it
        return False

    def ops(graph: Any) -> Iterator[str]:
        for node in graph.node:
            yield node.op_type
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.GRAPH:
                    yield from ops(attribute.g)

    return any(op.startswith("DynamicQuantize") for op in ops(model.graph))


def _read_config(folder: Path) -> dict[str, Any]:
    path = folder / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EncoderError(f"{path} is not valid JSON ({exc}); fix it or remove it") from exc
    if not isinstance(config, dict):
        raise EncoderError(f'{path} must hold a JSON object, like {{"max_tokens": 256}}')
    unknown = set(config) - _KEYS
    if unknown:
        raise EncoderError(
            f"{path} has unknown key(s) {', '.join(sorted(unknown))}; "
            f"known keys are {', '.join(sorted(_KEYS))}"
        )
    prefixes = config.get("prefixes", {})
    if not isinstance(prefixes, dict) or set(prefixes) - {"query", "passage"}:
        raise EncoderError(
            f"{path}: 'prefixes' must map 'query' and/or 'passage' to a text, "
            f'like {{"query": "query: "}}'
        )
    return config


class OnnxDirEncoder:
    """An ONNX sentence-embedding model from a local folder; loads on first :meth:`encode`."""

    # same fingerprint, same vectors: label-text embeddings may be kept on disk
    cacheable = True

    def __init__(
        self,
        path: str | Path,
        *,
        max_tokens: int | None = None,
        window: bool | None = None,
        threads: int | None = None,
    ) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise EncoderError(f"encoder folder {folder} does not exist")
        missing = [f for f in ("model.onnx", "tokenizer.json") if not (folder / f).is_file()]
        if missing:
            raise EncoderError(
                f"encoder folder {folder} has no {' and no '.join(missing)}; it needs "
                "model.onnx (a sentence-embedding model) and tokenizer.json (its Hugging Face "
                "tokenizer), plus optionally newsdesk-encoder.json"
            )
        config = _read_config(folder)
        self.folder = folder
        self.max_tokens = int(max_tokens or config.get("max_tokens", 128))
        self.window = bool(config.get("window", False) if window is None else window)
        self.pooling = str(config.get("pooling", "mean"))
        self.prefixes = {Role(k): str(v) for k, v in config.get("prefixes", {}).items()}
        self.name = str(config.get("name", folder.name)) + (":window" if self.window else "")
        self.threads = threads
        self._model: OnnxTextModel | None = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:  # type: ignore[override]
        return self.load()._model.dim  # type: ignore[union-attr]

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for name in ("model.onnx", "tokenizer.json", CONFIG_FILE):
                file = self.folder / name
                if file.is_file():
                    digest.update(name.encode())
                    with file.open("rb") as handle:
                        while chunk := handle.read(1 << 20):
                            digest.update(chunk)
            mode = "window" if self.window else "lead"
            self._fingerprint = f"onnx:{digest.hexdigest()[:16]}:{mode}:{self.max_tokens}"
        return self._fingerprint

    def load(self) -> OnnxDirEncoder:
        """Load the model now instead of at the first :meth:`encode`."""
        with self._lock:
            if self._model is None:
                model_path = self.folder / "model.onnx"
                self._model = OnnxTextModel(
                    model_path,
                    self.folder / "tokenizer.json",
                    max_tokens=self.max_tokens,
                    window=self.window,
                    prefixes=self.prefixes,
                    pooling=self.pooling,
                    threads=self.threads,
                    rows_alone=quantized_dynamically(model_path),
                )
        return self

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        """Unit vectors for ``texts``, ``[len(texts), dim]`` float32."""
        return self.load()._model.encode(texts, role)  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return f"OnnxDirEncoder({str(self.folder)!r}, max_tokens={self.max_tokens})"
