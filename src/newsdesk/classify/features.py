"""Sparse lexical features: word and character n-grams hashed into a fixed space.

Hashing means no vocabulary has to be stored: a saved model keeps only the IDF weights of the
buckets and the weights of the buckets it learned. Everything here is numpy, so prediction needs
no scikit-learn; :meth:`HashedNgrams.to_csr` hands scipy a matrix for training.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["HashedNgrams", "SparseRows", "ngram_buckets"]

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_MASK = np.uint64(0xFFFFFFFF)
_PRIME = np.uint64(16777619)


def _normalize(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip()


def ngram_buckets(
    text: str, bits: int, word_ngrams: int = 2, char_ngrams: tuple[int, int] | None = None
) -> np.ndarray:
    """Bucket numbers (``< 2**bits``) of every word n-gram and character n-gram of ``text``.

    Hashes are stable across runs and machines (CRC-32 of words, a polynomial hash of code
    points), unlike Python's salted ``hash``.
    """
    norm = _normalize(text)
    words = np.array([zlib.crc32(w.encode("utf-8")) for w in _WORD.findall(norm)], np.uint64)
    parts = [words]
    grams = words
    for n in range(2, word_ngrams + 1):
        if len(words) < n:
            break
        grams = ((grams[:-1] * _PRIME) ^ words[n - 1 :]) & _MASK
        parts.append((grams + np.uint64(n * 0x9E3779B1)) & _MASK)
    if char_ngrams is not None and norm:
        points = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        for n in range(char_ngrams[0], char_ngrams[1] + 1):
            if len(points) < n:
                break
            h = np.full(len(points) - n + 1, np.uint64(2166136261 + n))
            for j in range(n):
                h = ((h * _PRIME) ^ points[j : len(points) - n + 1 + j]) & _MASK
            parts.append(h)
    allh = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
    return (allh % np.uint64(1 << bits)).astype(np.int64)


@dataclass(frozen=True)
class SparseRows:
    """A CSR matrix as three numpy arrays (row ``i`` is ``indptr[i]:indptr[i+1]``)."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    n_cols: int

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def to_csr(self):  # type: ignore[no-untyped-def]
        """The same matrix as ``scipy.sparse.csr_matrix`` (training only)."""
        from scipy.sparse import csr_matrix

        return csr_matrix((self.values, self.indices, self.indptr), shape=(len(self), self.n_cols))

    def dot(self, weights: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``self @ W`` where ``W`` holds only rows ``index`` (sorted) of a larger matrix."""
        out = np.zeros((len(self), weights.shape[1]), dtype=np.float64)
        if len(index) == 0:
            return out
        pos = np.searchsorted(index, self.indices)
        pos = np.minimum(pos, len(index) - 1)
        hit = index[pos] == self.indices
        contrib = np.zeros((len(self.indices), weights.shape[1]), dtype=np.float64)
        contrib[hit] = weights[pos[hit]] * self.values[hit, None]
        rows = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        np.add.at(out, rows, contrib)
        return out


class HashedNgrams:
    """TF-IDF over hashed word n-grams (and optionally character n-grams), rows L2-normalized.

    ``fit`` learns only the IDF of each bucket (``idf_``, ``2**bits`` floats).
    """

    def __init__(
        self, bits: int = 18, word_ngrams: int = 2, char_ngrams: tuple[int, int] | None = None
    ) -> None:
        self.bits = bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.idf_: np.ndarray | None = None

    def _counts(self, texts: Sequence[str]) -> SparseRows:
        indptr = [0]
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for text in texts:
            buckets = ngram_buckets(text, self.bits, self.word_ngrams, self.char_ngrams)
            uniq, counts = np.unique(buckets, return_counts=True)
            indices.append(uniq)
            values.append(counts.astype(np.float32))
            indptr.append(indptr[-1] + len(uniq))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.concatenate(values) if values else np.zeros(0, np.float32),
            1 << self.bits,
        )

    def fit(self, texts: Sequence[str]) -> HashedNgrams:
        self._fit_counts(self._counts(texts))
        return self

    def _fit_counts(self, counts: SparseRows) -> None:
        df = np.bincount(counts.indices, minlength=counts.n_cols).astype(np.float64)
        self.idf_ = (np.log((1 + len(counts)) / (1 + df)) + 1).astype(np.float32)

    def fit_transform(self, texts: Sequence[str]) -> SparseRows:
        """``fit(texts).transform(texts)``, hashing the texts once."""
        counts = self._counts(texts)
        self._fit_counts(counts)
        return self._weigh(counts)

    def document_frequency(self, rows: SparseRows) -> np.ndarray:
        """How many rows use each bucket."""
        return np.bincount(rows.indices, minlength=rows.n_cols)

    def transform(self, texts: Sequence[str]) -> SparseRows:
        if self.idf_ is None:
            from newsdesk.errors import NotFittedError

            raise NotFittedError("HashedNgrams is not fitted; call fit(texts) first")
        return self._weigh(self._counts(texts))

    def _weigh(self, counts: SparseRows) -> SparseRows:
        assert self.idf_ is not None
        values = (1 + np.log(counts.values)) * self.idf_[counts.indices]
        rows = np.repeat(np.arange(len(counts)), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=values**2, minlength=len(counts)))
        values = values / np.maximum(norms[rows], 1e-12)
        return SparseRows(counts.indptr, counts.indices, values.astype(np.float32), counts.n_cols)
