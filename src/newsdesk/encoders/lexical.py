"""A dependency-free hashing encoder: word and character n-grams hashed into a fixed space.

It needs no model files, so tests and tiny deployments can run the whole pipeline with it. Its
quality is that of a bag of words; use ``e5-small`` for real work.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np

from newsdesk.encoders.base import Role, normalize_rows

__all__ = ["LexicalEncoder"]

_WORD = re.compile(r"\w+", re.UNICODE)


class LexicalEncoder:
    """Hashed word unigrams/bigrams and character 3-grams, TF-weighted and L2-normalized."""

    name = "lexical"
    # it counts words, it does not read sentences: label prompts would add only their
    # templates' words to every section (the zero-shot head leaves them out)
    bag_of_words = True

    def __init__(self, dim: int = 2048) -> None:
        self.dim = dim

    @property
    def fingerprint(self) -> str:
        return f"lexical-v1-{self.dim}"

    def _features(self, text: str) -> list[str]:
        words = [w.casefold() for w in _WORD.findall(text)]
        feats = [f"w:{w}" for w in words]
        feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
        for w in words:
            padded = f"<{w}>"
            feats += [f"c:{padded[i : i + 3]}" for i in range(max(1, len(padded) - 2))]
        return feats

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feat in self._features(text):
                digest = hashlib.blake2b(feat.encode("utf-8"), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return normalize_rows(out)
