"""What encoding each text alone costs e5-small, and what batches did to its vectors.

    python benchmarks/rows_alone.py                 # 1,000 ant_multisource articles, 3 rounds

e5-small's int8 graph scales its activations by the largest value in the whole batch, so in a
batch a text's vector depends on its neighbours. The encoder now runs each text alone. This
times ``encode`` both ways on the same articles (uncached, model loaded beforehand, the two
ways alternating), and measures how far the batched vectors of the same texts move when the
batches are made of other texts (the file cut in two, each half encoded on its own).
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from pathlib import Path

import numpy as np
from accuracy import DEFAULT_DATA, read_rows

from newsdesk.encoders.e5 import E5Encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--dataset", default="ant_multisource/train.jsonl.gz")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = list(itertools.islice(read_rows(args.data / args.dataset), args.articles))
    texts = [f"{r.get('title') or ''}\n{r['text']}" for r in rows]
    encoder = E5Encoder().load()
    model = encoder._model
    assert model is not None
    seconds: dict[bool, list[float]] = {True: [], False: []}
    vectors: dict[bool, np.ndarray] = {}
    for _ in range(args.rounds):
        for alone in (False, True):
            model.rows_alone = alone
            start = time.perf_counter()
            vectors[alone] = encoder.encode(texts)
            seconds[alone].append(time.perf_counter() - start)
    model.rows_alone = False
    half = len(texts) // 2
    reordered = np.concatenate([encoder.encode(texts[:half]), encoder.encode(texts[half:])])
    moved = np.sum(vectors[False] * reordered, axis=1)
    print(f"{len(texts)} articles of {args.dataset}, e5-small, {os.cpu_count()} cores")
    print("| encoding | median s | articles/s |")
    print("|---|---:|---:|")
    for alone, label in ((False, "in batches (before)"), (True, "each text alone (now)")):
        median = float(np.median(seconds[alone]))
        print(f"| {label} | {median:.1f} | {len(texts) / median:.1f} |")
    print(
        f"batched vectors of the same texts in other batches: cosine min {moved.min():.4f}, "
        f"mean {moved.mean():.4f}; {int((moved < 0.9999).sum())} of {len(texts)} moved"
    )


if __name__ == "__main__":
    main()
