"""Scale figures (issue 6): Ray vs the single-process CLI, streaming memory, ingestion.

    python benchmarks/scale.py throughput [--articles 20000] [--encoder e5-small]
    python benchmarks/scale.py memory [--articles 1000000] [--encoder lexical] [--outputs jsonl]
    python benchmarks/scale.py ingest [--pages 1000]
    python benchmarks/scale.py train [--articles 2000] [--encoder e5-small]

Each prints a table and writes ``benchmarks/results/scale-<part>[-<variant>].json``. Inputs are built
from ``../shared/data`` into ``--work`` (default ``/tmp/newsdesk-scale``) and reused. Every
command runs as a separate process (``newsdesk classify ...``), timed end to end, its peak
memory read from the kernel (``wait4``'s ``ru_maxrss``). The machine's load average is
recorded with each figure: the development machine is shared.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
NEWSDESK = [sys.executable, "-c", "from newsdesk.cli.app import main; main()"]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``command``; its wall time, peak RSS (MB), stderr tail, and the load around it."""
    began, load_before = time.perf_counter(), load()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    err = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed ({status}):\n{err[-3000:]}")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "load_before": load_before,
        "load_after": load(),
        "stderr_tail": err[-400:],
    }


def jsonl_rows(path: Path, opener: Any = open) -> list[dict[str, Any]]:
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def save(part: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": f"{os.cpu_count()} cores", **result}
    (RESULTS / f"scale-{part}.json").write_text(json.dumps(result, indent=2) + "\n")


# --- throughput: Ray vs CLI ----------------------------------------------------------------


def news_articles(work: Path, n: int) -> Path:
    """``n`` full articles: Arabic (ANT multi-source) and English (BBC, Reuters), shuffled."""
    path = work / f"articles-{n}.jsonl"
    if path.exists():
        return path
    rows = jsonl_rows(DATA / "ant_multisource" / "train.jsonl.gz", gzip.open)
    rows += jsonl_rows(DATA / "bbc_news" / "train.jsonl") + jsonl_rows(
        DATA / "reuters21578" / "train.jsonl"
    )
    rows = [r for r in rows if (r.get("text") or "").strip()]  # a few rows hold a title only
    random.Random(6).shuffle(rows)
    with path.open("w", encoding="utf-8") as out:
        for row in rows[:n]:
            keep = {k: row[k] for k in ("id", "title", "text", "lang") if row.get(k)}
            out.write(json.dumps(keep, ensure_ascii=False) + "\n")
    return path


def head(path: Path, n: int) -> Path:
    small = path.with_name(f"{path.stem}-head{n}.jsonl")
    if not small.exists():
        with path.open(encoding="utf-8") as src:
            small.write_text("".join(next(src) for _ in range(n)), encoding="utf-8")
    return small


def classify_local(source: Path, out: Path, encoder: str) -> dict[str, Any]:
    return run([*NEWSDESK, "classify", str(source), "-e", encoder, "-o", str(out)])


def classify_ray(source: Path, out: Path, encoder: str, workers: int) -> dict[str, Any]:
    command = [*NEWSDESK, "classify", "--engine", "ray", str(source), str(out), "-e", encoder]
    result = run([*command, "--workers", str(workers), "--overwrite"])
    found = re.search(r"([\d.]+) articles/s; Ray started in ([\d.]+)s", result["stderr_tail"])
    if found:
        result["job_rate"] = float(found.group(1))
        result["ray_start_s"] = float(found.group(2))
    return result


def compare(local: Path, ray_dir: Path) -> dict[str, Any]:
    """How the Ray output differs from the CLI's: row by row, joined on id."""
    from newsdesk.io.parquet import iter_parquet_records

    mine = {r["id"]: r for r in jsonl_rows(local)}
    theirs = {r["id"]: r for r in iter_parquet_records(ray_dir)}
    same_ids = set(mine) == set(theirs)
    common = set(mine) & set(theirs)
    identical = sum(mine[i] == theirs[i] for i in common)
    sections = sum(mine[i]["section"] != theirs[i]["section"] for i in common)
    worst = max(
        (
            abs(mine[i]["scores"][s] - theirs[i]["scores"][s])
            for i in common
            for s in mine[i]["scores"]
        ),
        default=0.0,
    )
    return {
        "rows_cli": len(mine),
        "rows_ray": len(theirs),
        "same_ids": same_ids,
        "identical_rows": identical,
        "section_differs": sections,
        "max_score_diff": worst,
    }


def throughput(args: argparse.Namespace) -> None:
    work = args.work
    source = news_articles(work, args.articles)
    small = head(source, args.small)
    one = head(source, args.one_worker_articles)
    rows: list[dict[str, Any]] = []

    def record(
        engine: str, workers: int, n: int, big: dict[str, Any], tiny: dict[str, Any]
    ) -> None:
        steady = (n - args.small) / max(1e-9, big["seconds"] - tiny["seconds"])
        rows.append(
            {"engine": engine, "workers": workers, "articles": n, "seconds": big["seconds"],
             "rate": round(n / big["seconds"], 2), "steady_rate": round(steady, 2),
             "fixed_s": round(tiny["seconds"] - args.small / steady, 1),
             "peak_rss_mb": big["peak_rss_mb"], "load": f"{big['load_before']} -> {big['load_after']}"}
        )  # fmt: skip
        print(rows[-1], flush=True)

    cli_tiny = classify_local(small, work / "cli-small.jsonl", args.encoder)
    cli = classify_local(source, work / "cli.jsonl", args.encoder)
    record("cli", 1, args.articles, cli, cli_tiny)
    ray_tiny = classify_ray(small, work / "ray-small", args.encoder, 2)
    ray2 = classify_ray(source, work / "ray-2", args.encoder, 2)
    record("ray", 2, args.articles, ray2, ray_tiny)
    ray1_tiny = classify_ray(small, work / "ray-small-1", args.encoder, 1)
    ray1 = classify_ray(one, work / "ray-1", args.encoder, 1)
    record("ray", 1, args.one_worker_articles, ray1, ray1_tiny)
    same = compare(work / "cli.jsonl", work / "ray-2")
    projection = project(rows[2], rows[1], args)
    print_throughput(rows, same, projection)
    save(f"throughput-{args.encoder}", {"encoder": args.encoder, "runs": rows, "identical": same,
                        "projection": projection})  # fmt: skip


def project(one: dict[str, Any], two: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Rate and time at 100 workers from the per-actor rate, the 2-worker efficiency and the
    fixed cost, all measured here."""
    per_actor = one["steady_rate"]
    efficiency = min(1.0, two["steady_rate"] / (2 * per_actor))
    fixed = max(one["fixed_s"], two["fixed_s"])
    out: dict[str, Any] = {"per_actor_rate": per_actor, "efficiency_2": round(efficiency, 3),
                           "fixed_s": fixed, "rows": []}  # fmt: skip
    for workers in (1, 2, 10, 100):
        rate = workers * per_actor * (efficiency if workers > 1 else 1.0)
        for n in (1_000_000, 10_000_000):
            seconds = fixed + n / rate
            out["rows"].append({"workers": workers, "articles": n, "rate": round(rate, 1),
                                "hours": round(seconds / 3600, 2),
                                "effective_rate": round(n / seconds, 1)})  # fmt: skip
    out["assumptions"] = [
        "each worker is one core as fast as one core of this machine, running one actor "
        "with one encoder thread",
        "per-actor efficiency stays at the 2-worker figure measured here (actors share "
        "nothing but the scheduler; blocks of 256 articles take seconds each, so Ray's "
        "per-block scheduling overhead stays small)",
        "the fixed cost (Ray start, one model load per actor, in parallel on every node) "
        "is the larger of the two measured here",
        "the archive is stored as at least as many files as there are workers, so reading "
        "is parallel; input ~3 KB and output ~0.5 KB an article, ~7 MB/s at 100 workers, "
        "far below disk or network limits",
        f"the rates are measured with the {args.encoder} encoder on {args.articles} articles",
    ]
    return out


def print_throughput(
    rows: list[dict[str, Any]], same: dict[str, Any], proj: dict[str, Any]
) -> None:
    cli_rate = rows[0]["rate"]
    print(
        "\n| engine | workers | articles | wall s | articles/s | vs CLI | steady/s | fixed s | peak MB | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["rate"] / cli_rate
        print(f"| {r['engine']} | {r['workers']} | {r['articles']} | {r['seconds']} | {r['rate']} "
              f"| {ratio:.2f} | {r['steady_rate']} | {r['fixed_s']} | {r['peak_rss_mb']} | {r['load']} |")  # fmt: skip
    print(f"\nRay (2 workers) vs CLI output: {same}")
    print(f"\nProjection: per-actor {proj['per_actor_rate']} articles/s, 2-worker efficiency "
          f"{proj['efficiency_2']}, fixed cost {proj['fixed_s']} s")  # fmt: skip
    print("| workers | articles | articles/s | hours | effective/s |\n|---|---|---|---|---|")
    for r in proj["rows"]:
        print(
            f"| {r['workers']} | {r['articles']:,} | {r['rate']} | {r['hours']} | {r['effective_rate']} |"
        )
    for line in proj["assumptions"]:
        print(f"- {line}")


# --- memory: streaming a million short articles ---------------------------------------------


def short_articles(work: Path, n: int) -> Path:
    """``n`` short articles (headlines and single sentences), cycled from the shared sets."""
    path = work / f"short-{n}.jsonl"
    if path.exists():
        return path
    texts = [r["text"] for r in jsonl_rows(DATA / "huffpost_headlines" / "train.jsonl")]
    for lang in ("eng_Latn", "arb_Arab"):
        folder = DATA / "sib200" / lang
        if folder.exists():
            texts += [r["text"] for r in jsonl_rows(folder / "train.jsonl")]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(
                json.dumps({"id": f"s{i}", "text": texts[i % len(texts)]}, ensure_ascii=False)
                + "\n"
            )
    return path


def memory(args: argparse.Namespace) -> None:
    source = short_articles(args.work, args.articles)
    results = {}
    for suffix in args.outputs.split(","):
        for n in (10_000, args.articles):
            src = source if n == args.articles else head(source, n)
            result = run([*NEWSDESK, "classify", str(src), "-e", args.encoder,
                          "-o", str(args.work / f"short-out-{n}.{suffix}")])  # fmt: skip
            result["rate"] = round(n / result["seconds"], 1)
            results[f"{suffix}-{n}"] = result
            print(suffix, n, {k: v for k, v in result.items() if k != "stderr_tail"}, flush=True)
    print(
        "\n| output | articles | wall s | articles/s | peak RSS MB | load |\n|---|---|---|---|---|---|"
    )
    for key, r in results.items():
        suffix, n = key.split("-")
        print(f"| {suffix} | {int(n):,} | {r['seconds']} | {r['rate']} | {r['peak_rss_mb']} "
              f"| {r['load_before']} -> {r['load_after']} |")  # fmt: skip
    save(f"memory-{'-'.join(args.outputs.split(','))}", {"encoder": args.encoder, "runs": results})


# --- training's embedding pass: in process vs on Ray -----------------------------------------


def labeled_articles(work: Path, n: int) -> Path:
    """``n`` labeled articles, English (BBC) and Arabic (ANT multi-source), shuffled."""
    path = work / f"labeled-{n}.jsonl"
    if path.exists():
        return path
    rows = jsonl_rows(DATA / "bbc_news" / "train.jsonl")
    rows += jsonl_rows(DATA / "ant_multisource" / "train.jsonl.gz", gzip.open)
    rows = [r for r in rows if (r.get("text") or "").strip() and r.get("label")]
    random.Random(6).shuffle(rows)
    with path.open("w", encoding="utf-8") as out:
        for row in rows[:n]:
            keep = {k: row[k] for k in ("id", "title", "text", "lang", "label") if row.get(k)}
            out.write(json.dumps(keep, ensure_ascii=False) + "\n")
    return path


def cold_embedding_cache(folder: Path) -> Path:
    """A cache folder without embeddings that shares the models built in the user's cache."""
    from newsdesk.encoders.model_cache import cache_dir

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for item in cache_dir().iterdir():
        if item.is_file() and not item.name.endswith(".lock"):
            (folder / item.name).symlink_to(item)
    return folder


def train(args: argparse.Namespace) -> None:
    """``newsdesk train`` on a cold embedding cache: encoding in process, then on Ray."""
    import numpy as np

    source = labeled_articles(args.work, args.articles)
    runs: dict[str, Any] = {}
    for engine in ("local", "ray"):
        cache = cold_embedding_cache(args.work / f"train-cache-{engine}")
        command = [*NEWSDESK, "train", str(source), "--taxonomy-from-labels", "-e", args.encoder,
                   "-o", str(args.work / f"model-{engine}")]  # fmt: skip
        if engine == "ray":
            command += ["--engine", "ray", "--workers", "2"]
        runs[engine] = run(command, env={"NEWSDESK_CACHE_DIR": str(cache)})
        found = re.search(
            r"([\d.]+) articles/s; Ray started in ([\d.]+)s", runs[engine]["stderr_tail"]
        )
        if found:
            runs[engine]["job_rate"] = float(found.group(1))
            runs[engine]["ray_start_s"] = float(found.group(2))
        print(engine, {k: v for k, v in runs[engine].items() if k != "stderr_tail"}, flush=True)
    models = args.work / "model-local", args.work / "model-ray"
    with np.load(models[0] / "arrays.npz") as a, np.load(models[1] / "arrays.npz") as b:
        same = sorted(a.files) == sorted(b.files) and all(
            np.array_equal(a[name], b[name]) for name in a.files
        )
    print(
        "\n| embedding pass | articles | train wall s | articles/s (whole run) | peak MB | load |"
    )
    print("|---|---|---|---|---|---|")
    for engine, r in runs.items():
        print(f"| {engine} | {args.articles} | {r['seconds']} | {args.articles / r['seconds']:.1f} "
              f"| {r['peak_rss_mb']} | {r['load_before']} -> {r['load_after']} |")  # fmt: skip
    print(f"\nmodel arrays identical: {same}")
    save(f"train-{args.encoder}", {"encoder": args.encoder, "articles": args.articles,
                                   "runs": runs, "identical_arrays": same})  # fmt: skip


# --- ingestion: 1,000 pages from a local server ---------------------------------------------


def ingest(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "io"))
    from ingest_fixtures import build_site, check_ingest

    site = build_site(DATA, pages=args.pages, duplicate_share=0.1, seed=6)
    result = check_ingest(site, encoder=args.encoder)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    save("ingest", result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["throughput", "memory", "ingest", "train"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-scale"))
    parser.add_argument("--encoder", default=None)
    parser.add_argument("--articles", type=int, default=None)
    parser.add_argument("--small", type=int, default=200, help="articles of the fixed-cost runs")
    parser.add_argument(
        "--one-worker-articles", type=int, default=None, help="default: a quarter of --articles"
    )
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--outputs", default="jsonl,parquet", help="memory: output formats")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    defaults = {"throughput": ("e5-small", 20_000), "memory": ("lexical", 1_000_000),
                "ingest": ("lexical", 0), "train": ("e5-small", 2000)}  # fmt: skip
    encoder, articles = defaults[args.part]
    args.encoder = args.encoder or encoder
    args.articles = args.articles or articles
    args.one_worker_articles = args.one_worker_articles or args.articles // 4
    parts = {"throughput": throughput, "memory": memory, "ingest": ingest, "train": train}
    parts[args.part](args)


if __name__ == "__main__":
    main()
