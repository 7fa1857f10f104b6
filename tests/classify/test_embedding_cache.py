from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsdesk.encoders.base import Role
from newsdesk.encoders.cache import CachedEncoder, cache_dir
from newsdesk.encoders.lexical import LexicalEncoder


class CountingEncoder(LexicalEncoder):
    def __init__(self) -> None:
        super().__init__(dim=64)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        self.seen += list(texts)
        return super().encode(texts, role)


def test_cached_vectors_are_not_encoded_again(tmp_path: Path) -> None:
    inner = CountingEncoder()
    first = CachedEncoder(inner, tmp_path).encode(["a b", "c d"])
    again = CachedEncoder(inner, tmp_path).encode(["c d", "e f", "a b"])
    assert inner.seen == ["a b", "c d", "e f"]
    np.testing.assert_array_equal(again[[2, 0]], first)
    CachedEncoder(inner, tmp_path).encode(["a b"], role=Role.QUERY)  # the role is in the key
    assert inner.seen[-1] == "a b"


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path


class BatchRecorder(LexicalEncoder):
    def __init__(self) -> None:
        super().__init__(dim=64)
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        self.batches.append(list(texts))
        return super().encode(texts, role)


def test_plan_names_the_batches_encode_hands_the_encoder(tmp_path: Path) -> None:
    inner = BatchRecorder()
    cache = CachedEncoder(inner, tmp_path, chunk_size=2)
    cache.encode(["old", "خبر قديم"])
    texts = ["a", "old", "b", "a", "خبر قديم", "c", "مباراة"]
    keys = cache.keys(texts)
    planned = [[texts[i] for i in part] for part in cache.plan(keys)]
    assert planned == [["a", "b"], ["a", "c"], ["مباراة"]]  # cached texts left out
    assert cache.plan(keys, held=cache.keys(["a", "c"])) == [[2, 6]]
    inner.batches.clear()
    cache.encode(texts)
    assert inner.batches == planned
    assert cache.plan(keys) == []


def test_stored_vectors_are_read_back(tmp_path: Path) -> None:
    inner = BatchRecorder()
    cache = CachedEncoder(inner, tmp_path)
    vectors = np.eye(64, dtype=np.float32)[:2]
    cache.store(cache.keys(["x", "ص"]), vectors)
    np.testing.assert_array_equal(cache.encode(["ص", "x"]), vectors[::-1])
    assert inner.batches == []
