"""Duplicate detection for ingested articles: exact (URL, content hash) and near (MinHash).

Near-duplicates are the same story published twice with small edits: a wire story on two
sites with different boilerplate, a headline rewritten, a paragraph added. Each article's
text is normalized (case, punctuation, Arabic letter variants and diacritics), cut into
overlapping word shingles, and summarized by a MinHash signature; locality-sensitive hashing
over bands of the signature finds candidate pairs, which are kept only when their estimated
Jaccard similarity reaches the threshold.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from newsdesk.article import Article

__all__ = [
    "Deduplicator",
    "DuplicateKind",
    "DuplicateMatch",
    "MinHasher",
    "canonical_url",
    "normalize_text",
    "shingles",
]

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",
        "ی": "ي",
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "cmpid")


def normalize_text(text: str) -> str:
    """Fold case, width and Arabic spelling variants; drop diacritics, tatweel, punctuation.

    Two copies of a story that differ only in hamza forms, taa marbuta, alef maqsura,
    tashkeel or Arabic-Indic digits normalize to the same words.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    return " ".join(_WORD.findall(text))


def shingles(text: str, size: int = 5) -> set[str]:
    """The set of ``size``-word shingles of the normalized text (one shingle if shorter)."""
    words = normalize_text(text).split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def canonical_url(url: str) -> str:
    """The URL with scheme and host lower-cased, fragment and tracking parameters removed."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PARAMS)
    ]
    host = parts.netloc.lower()
    if host.endswith(":80") and parts.scheme == "http":
        host = host[:-3]
    elif host.endswith(":443") and parts.scheme == "https":
        host = host[:-4]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


class MinHasher:
    """MinHash signatures by multiply-shift hashing of 64-bit shingle hashes.

    ``num_perm`` hash functions ``h(x) = ((a*x + b) mod 2**64) >> 32`` with odd random ``a``.
    The product must wrap around 2**64 for ``h`` to scramble the order of the shingles (a
    product that never wraps keeps it, and every function would pick the same minimum), so
    the shingle hashes are full 64-bit. The seed is fixed so signatures are comparable across
    runs and processes.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self._a = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64)

    def signature(self, items: set[str]) -> np.ndarray:
        """The ``(num_perm,)`` uint32 signature of a set of strings (all ones when empty)."""
        if not items:
            return np.full(self.num_perm, 2**32 - 1, dtype=np.uint32)
        hashes = np.fromiter(
            (
                int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")
                for s in items
            ),
            dtype=np.uint64,
            count=len(items),
        )
        with np.errstate(over="ignore"):
            mixed = self._a[:, None] * hashes[None, :] + self._b[:, None]
        return (mixed >> np.uint64(32)).min(axis=1).astype(np.uint32)


class DuplicateKind(StrEnum):
    """Why an article was judged a duplicate."""

    URL = "url"
    CONTENT = "content"
    NEAR = "near"


@dataclass(frozen=True)
class DuplicateMatch:
    """The earlier article that ``Deduplicator.check`` matched, and how."""

    kind: DuplicateKind
    key: str
    similarity: float = 1.0


class Deduplicator:
    """Remembers articles and says whether a new one repeats an earlier one.

    ``threshold`` is the estimated Jaccard similarity of word shingles above which two
    articles are the same story. Texts shorter than ``min_words`` are only checked exactly:
    two short flashes share too few shingles to be told apart safely.
    """

    def __init__(
        self,
        threshold: float = 0.6,
        *,
        num_perm: int = 128,
        bands: int = 32,
        shingle_size: int = 5,
        min_words: int = 20,
    ) -> None:
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        self.threshold = threshold
        self.bands = bands
        self.rows = num_perm // bands
        self.shingle_size = shingle_size
        self.min_words = min_words
        self._hasher = MinHasher(num_perm)
        self._urls: dict[str, str] = {}
        self._hashes: dict[str, str] = {}
        self._signatures: dict[str, np.ndarray] = {}
        self._buckets: dict[tuple[int, bytes], list[str]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._hashes)

    def seen_url(self, url: str) -> bool:
        """Whether an article with this URL (canonicalized) was remembered."""
        return canonical_url(url) in self._urls

    def check(self, article: Article) -> DuplicateMatch | None:
        """The earlier article this one duplicates, or ``None``; does not remember it."""
        return self._check(article)[0]

    def add(self, article: Article, *, aliases: Iterable[str] = ()) -> DuplicateMatch | None:
        """Check ``article`` and, when it is new, remember it. Returns the match if any.

        ``aliases`` are other URLs of the same article (the one asked for before a redirect).
        """
        match, digest, signature = self._check(article)
        if match is None:
            self._remember(article, digest, signature, aliases)
        return match

    def _check(self, article: Article) -> tuple[DuplicateMatch | None, str, np.ndarray | None]:
        if article.url:
            earlier = self._urls.get(canonical_url(article.url))
            if earlier is not None:
                return DuplicateMatch(DuplicateKind.URL, earlier), "", None
        digest = hashlib.sha256(normalize_text(article.content).encode()).hexdigest()
        earlier = self._hashes.get(digest)
        if earlier is not None:
            return DuplicateMatch(DuplicateKind.CONTENT, earlier), digest, None
        items = shingles(article.text or article.title, self.shingle_size)
        if len(items) + self.shingle_size - 1 < self.min_words:
            return None, digest, None
        signature = self._hasher.signature(items)
        best: DuplicateMatch | None = None
        for key in self._candidates(signature):
            similarity = float(np.mean(self._signatures[key] == signature))
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = DuplicateMatch(DuplicateKind.NEAR, key, similarity)
        return best, digest, signature

    def _candidates(self, signature: np.ndarray) -> set[str]:
        found: set[str] = set()
        for band, chunk in enumerate(self._bands(signature)):
            found.update(self._buckets.get((band, chunk), ()))
        return found

    def _bands(self, signature: np.ndarray) -> list[bytes]:
        return [signature[i * self.rows : (i + 1) * self.rows].tobytes() for i in range(self.bands)]

    def _remember(
        self,
        article: Article,
        digest: str,
        signature: np.ndarray | None,
        aliases: Iterable[str],
    ) -> None:
        key = article.key
        for url in (article.url, *aliases):
            if url:
                self._urls[canonical_url(url)] = key
        self._hashes[digest] = key
        if signature is not None:
            self._signatures[key] = signature
            for band, chunk in enumerate(self._bands(signature)):
                self._buckets[(band, chunk)].append(key)
