"""End-to-end speed and memory of ``newsdesk classify``, beside the bare encoder's own speed.

    python benchmarks/throughput.py                          # e5-small and use-m3, 2,000 articles
    python benchmarks/throughput.py --encoder e5-small --articles 500

The articles are full news articles from the shared development sets, half English
(``bbc_news``) and half Arabic (``ant_multisource``), written once to
``benchmarks/out/throughput-articles.jsonl``. For each encoder, every measurement runs in a
fresh process, after one warm-up run that builds the model and caches the label vectors:

- ``classify``: ``newsdesk classify FILE --encoder NAME --output FILE`` as a user runs it,
  start-up included; articles per second and the process's peak memory (max RSS);
- ``bare encoder``: the same texts through ``encoder.encode`` in batches of 32 (the CLI's
  batch size), model loading not counted;
- the ratio of the two.

Then ``import newsdesk`` time and the first classification with a warm cache
(``Classifier.zero_shot()`` plus one ``classify``), medians of five fresh processes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"
OUT = HERE / "out"

# Runs a command and prints its wall time and the peak RSS (KiB) of its process tree.
_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
print(code, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

_BARE = """
import json, resource, sys, time
from newsdesk.encoders.registry import get_encoder
from newsdesk.io.readers import read_articles
texts = [a.content for a in read_articles(sys.argv[2])]
encoder = get_encoder(sys.argv[1])
encoder.encode(["warm up"])
start = time.perf_counter()
for i in range(0, len(texts), 32):
    encoder.encode(texts[i : i + 32])
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "rows": len(texts),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_IMPORT = """
import time
start = time.perf_counter()
import newsdesk
print(time.perf_counter() - start)
"""

_FIRST_USE = """
import sys, time
start = time.perf_counter()
from newsdesk import Classifier
clf = Classifier.zero_shot(encoder=sys.argv[1])
clf.classify("Rebel forces captured an army base in the province of Aleppo.")
print(time.perf_counter() - start)
"""


def _rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_articles(data: Path, n: int) -> Path:
    """``n`` full articles, half English and half Arabic, as JSON Lines."""
    path = OUT / f"throughput-articles-{n}.jsonl"
    if path.exists():
        return path
    rng = random.Random(0)
    english = rng.sample(_rows(data / "bbc_news" / "train.jsonl"), n // 2)
    arabic = rng.sample(_rows(data / "ant_multisource" / "train.jsonl.gz"), n - n // 2)
    rows = english + arabic
    rng.shuffle(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            article = {"id": row["id"], "title": row.get("title") or "", "text": row["text"]}
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path


def newsdesk_command() -> list[str]:
    script = Path(sys.executable).with_name("newsdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "newsdesk"]


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of ``command``; fails loudly when it fails."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    code, wall, rss_kib = done.stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return float(wall), int(rss_kib) / 1024


def python_json(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_seconds(code: str, *args: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return sorted(times)[len(times) // 2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--encoder", action="append", help="repeatable (default: e5-small, use-m3)")
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        raise SystemExit(f"no data folder at {args.data}; pass --data or set NEWSDESK_DATA")
    articles = write_articles(args.data, args.articles)
    cli = newsdesk_command()
    print(f"{args.articles} articles ({articles.name}), {os.cpu_count()} CPU cores", flush=True)
    header = (
        f"{'encoder':<10} {'classify/s':>10} {'bare/s':>8} {'ratio':>6} "
        f"{'peak MB':>8} {'bare MB':>8}"
    )
    lines = [header, "-" * len(header)]
    first_use = {}
    for name in args.encoder or ["e5-small", "use-m3"]:
        measure([*cli, "classify", "warm up", "--encoder", name])  # build and cache
        with tempfile.TemporaryDirectory() as tmp:
            output = str(Path(tmp) / "out.jsonl")
            wall, peak = measure(
                [*cli, "classify", str(articles), "--encoder", name, "--output", output]
            )
            with open(output, encoding="utf-8") as handle:
                written = sum(1 for _ in handle)
        if written != args.articles:
            raise SystemExit(f"{name}: classify wrote {written} lines for {args.articles} articles")
        bare = python_json(_BARE, name, str(articles))
        e2e_rate = args.articles / wall
        bare_rate = bare["rows"] / bare["wall"]
        lines.append(
            f"{name:<10} {e2e_rate:>10.1f} {bare_rate:>8.1f} {e2e_rate / bare_rate:>6.2f} "
            f"{peak:>8.0f} {bare['rss'] / 1024:>8.0f}"
        )
        first_use[name] = median_seconds(_FIRST_USE, name)
        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print()
    print(f"import newsdesk: {median_seconds(_IMPORT):.3f} s (median of 5 processes)")
    for name, seconds in first_use.items():
        print(f"first use, warm cache ({name}): {seconds:.2f} s (zero_shot() + one classify)")


if __name__ == "__main__":
    main()
