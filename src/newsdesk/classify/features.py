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

__all__ = ["HashedNgrams", "SparseRows", "ngram_buckets", "tag_bucket"]

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_MASK = np.uint64(0xFFFFFFFF)
_PRIME = np.uint64(16777619)


def _normalize(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip()


def ngram_buckets(
    text: str,
    bits: int,
    word_ngrams: int = 2,
    char_ngrams: tuple[int, int] | None = None,
    tag: str | None = None,
) -> np.ndarray:
    """Bucket numbers (``< 2**bits``) of every word n-gram and character n-gram of ``text``.

    ``tag`` (an article's source) adds a bucket for each word crossed with it, so that a model
    can learn a feed's own filing habits ("this outlet files Gulf news under Middle East")
    beside what the words mean everywhere; :func:`tag_bucket` is the tag's own bucket.

    Hashes are stable across runs and machines (CRC-32 of words, a polynomial hash of code
    points), unlike Python's salted ``hash``.
    """
    norm = _normalize(text)
    words = np.array([zlib.crc32(w.encode("utf-8")) for w in _WORD.findall(norm)], np.uint64)
    parts = [words]
    key = _tag_hash(tag)
    if key is not None:
        parts.append((((words ^ np.uint64(key)) * _PRIME) + np.uint64(0x7F4A7C15)) & _MASK)
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


def _source_crc(norm: str) -> int:
    return zlib.crc32(b"\x00source:" + norm.encode("utf-8"))


def _tag_hash(tag: str | None) -> int | None:
    """The tag's hash, or ``None`` for no tag (``None``, empty or blank)."""
    norm = _normalize(tag) if tag else ""
    return _source_crc(norm) if norm else None


def tag_bucket(tag: str, bits: int) -> int:
    """The bucket of ``tag`` itself (an indicator: its value is always 1)."""
    return _source_crc(_normalize(tag)) % (1 << bits)


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

    ``tags`` (one a text, or ``None``) cross each text's words with its tag; see
    :func:`ngram_buckets`.

    ``fit`` learns only the IDF of each bucket (``idf_``, ``2**bits`` floats).
    """

    def __init__(
        self, bits: int = 18, word_ngrams: int = 2, char_ngrams: tuple[int, int] | None = None
    ) -> None:
        self.bits = bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.idf_: np.ndarray | None = None

    def _counts(
        self, texts: Sequence[str], tags: Sequence[str | None] | None = None
    ) -> tuple[SparseRows, np.ndarray]:
        """Bucket counts of each text, and which entries are tag indicators (the tag's own
        bucket ends its row, counted 0 here: :meth:`_weigh` sets it to 1 after the norm)."""
        indptr = [0]
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        if tags is not None and len(tags) != len(texts):
            raise ValueError(f"{len(tags)} tags for {len(texts)} texts")
        for row, text in enumerate(texts):
            tag = None if tags is None else tags[row]
            buckets = ngram_buckets(text, self.bits, self.word_ngrams, self.char_ngrams, tag)
            uniq, counts = np.unique(buckets, return_counts=True)
            values.append(counts.astype(np.float32))
            key = _tag_hash(tag)
            if key is not None:
                uniq = np.append(uniq, key % (1 << self.bits))
                values[-1] = np.append(values[-1], np.float32(0))
            indices.append(uniq)
            indptr.append(indptr[-1] + len(uniq))
        vals = np.concatenate(values) if values else np.zeros(0, np.float32)
        rows = SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            vals,
            1 << self.bits,
        )
        return rows, vals == 0

    def fit(self, texts: Sequence[str], tags: Sequence[str | None] | None = None) -> HashedNgrams:
        self._fit_counts(self._counts(texts, tags)[0])
        return self

    def _fit_counts(self, counts: SparseRows) -> None:
        df = np.bincount(counts.indices, minlength=counts.n_cols).astype(np.float64)
        self.idf_ = (np.log((1 + len(counts)) / (1 + df)) + 1).astype(np.float32)

    def fit_transform(
        self, texts: Sequence[str], tags: Sequence[str | None] | None = None
    ) -> SparseRows:
        """``fit(texts, tags).transform(texts, tags)``, hashing the texts once."""
        counts, indicators = self._counts(texts, tags)
        self._fit_counts(counts)
        return self._weigh(counts, indicators)

    def transform(
        self, texts: Sequence[str], tags: Sequence[str | None] | None = None
    ) -> SparseRows:
        if self.idf_ is None:
            from newsdesk.errors import NotFittedError

            raise NotFittedError("HashedNgrams is not fitted; call fit(texts) first")
        return self._weigh(*self._counts(texts, tags))

    def _weigh(self, counts: SparseRows, indicators: np.ndarray) -> SparseRows:
        """Sublinear TF-IDF, each row's n-grams L2-normalized; indicator entries are 1."""
        assert self.idf_ is not None
        with np.errstate(divide="ignore"):
            values = (1 + np.log(counts.values)) * self.idf_[counts.indices]
        values[indicators] = 0.0
        rows = np.repeat(np.arange(len(counts)), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=values**2, minlength=len(counts)))
        values = values / np.maximum(norms[rows], 1e-12)
        values[indicators] = 1.0
        return SparseRows(counts.indptr, counts.indices, values.astype(np.float32), counts.n_cols)
