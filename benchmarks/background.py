"""Write an encoder's mean article vector (``src/newsdesk/encoders/background/<name>.npy``).

    python benchmarks/background.py --encoder e5-small

The mean is taken over news articles of the development sets in several languages, each set
weighing the same (up to ``--per-set`` articles drawn with seed 0), so no outlet or language
dominates. ``benchmarks/tune_zero_shot.py`` scores every set with a mean that leaves that set's
family out (:func:`mean_without`), so its figures do not credit the set for its own vector.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import DEFAULT_DATA, read_rows
from cached_encoder import CachedEncoder

from newsdesk.article import Article
from newsdesk.encoders.registry import get_encoder

OUT = Path(__file__).resolve().parent.parent / "src" / "newsdesk" / "encoders" / "background"
# (family, file): the family is what a leave-one-set-out score leaves out
SOURCES = [
    ("bbc_news", "bbc_news/train.jsonl"),
    ("masakhanews", "masakhanews/eng/dev.jsonl"),
    ("masakhanews", "masakhanews/fra/dev.jsonl"),
    ("sib200", "sib200/eng_Latn/train.jsonl"),
    ("sib200", "sib200/arb_Arab/train.jsonl"),
    ("ant_multisource", "ant_multisource/train.jsonl.gz"),
    ("ant_jawharafm", "ant_jawharafm/all.jsonl.gz"),
    ("huffpost_headlines", "huffpost_headlines/train.jsonl"),
    ("seed12", "seed12/dev.jsonl"),
]


def set_means(encoder: CachedEncoder, data: Path, per_set: int) -> list[tuple[str, np.ndarray]]:
    """Each source's mean article vector, with its family."""
    means = []
    for family, path in SOURCES:
        rows = list(read_rows(data / path))
        rows = random.Random(0).sample(rows, min(per_set, len(rows)))
        articles = [Article(text=r.get("text") or "", title=r.get("title") or "") for r in rows]
        vectors = encoder.encode([a.content for a in articles])
        means.append((family, vectors.mean(axis=0)))
    encoder.save()
    return means


def mean_without(means: list[tuple[str, np.ndarray]], family: str | None) -> np.ndarray:
    """The mean of the set means, leaving out ``family`` (none left out for ``None``)."""
    return np.mean([m for f, m in means if f != family], axis=0).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-set", type=int, default=500)
    args = parser.parse_args()
    encoder = CachedEncoder(get_encoder(args.encoder))
    vector = mean_without(set_means(encoder, args.data, args.per_set), None)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / f"{args.encoder}.npy", vector)
    print(f"wrote {OUT / args.encoder}.npy (norm {np.linalg.norm(vector):.3f})")


if __name__ == "__main__":
    main()
