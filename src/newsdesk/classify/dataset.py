"""Labeled articles: what training and evaluation take, whatever they were read from.

Reading them from files is :mod:`newsdesk.io.labeled`'s work, above this package: the trainer
needs the articles and their sections, not where they came from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newsdesk.article import Article

__all__ = ["LabeledArticles"]


@dataclass(frozen=True)
class LabeledArticles:
    """Articles and their sections (``labels[i]``: primary first; empty when unlabeled).

    ``skipped`` counts the rows left out: rejected by the reader or without a section.
    ``scored`` marks the rows whose held-out scores choose a linear head's settings (empty:
    every row). The desk marks its editors' reviews and leaves its confident calls unmarked:
    those agree with the model by construction, so folds judged on them would always prefer
    the model's own reading to what the corrections teach.
    """

    articles: list[Article]
    labels: list[tuple[str, ...]]
    sources: list[str] = field(default_factory=list)
    skipped: int = 0
    scored: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.scored) and len(self.scored) != len(self.articles):
            raise ValueError(
                f"scored marks {len(self.scored)} rows but there are {len(self.articles)} articles"
            )

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def primary(self) -> list[str]:
        """The primary section of each article."""
        return [labels[0] if labels else "" for labels in self.labels]

    def counts(self) -> dict[str, int]:
        """Articles a section (primary sections), most frequent first."""
        return dict(Counter(self.primary).most_common())

    def summary(self) -> dict[str, Any]:
        """What a saved model records about its training data."""
        return {
            "files": self.sources,
            "articles": len(self),
            "skipped_rows": self.skipped,
            "per_section": self.counts(),
        }
