"""SetFit's accuracy with 8 examples a section, on a GPU machine, on peers.py's own splits.

SetFit (all-MiniLM-L6-v2, 20 pair iterations, one epoch, batch 16, its defaults) takes about
9 minutes to train once on the 2-core CPU, far too long for the 50 runs of peers.py's 8-shot
setting (5 seeds on every set, 5 folds on seed12/dev). Accuracy does not depend on the
hardware, so the runs go to a GPU machine in three steps:

    python benchmarks/setfit_gpu.py export .sf/jobs.jsonl.gz       # here: splits, texts
    python benchmarks/setfit_gpu.py run .sf/jobs.jsonl.gz OUT/preds.jsonl --model DIR
                                                                   # there: needs setfit, torch
    python benchmarks/setfit_gpu.py score .sf/jobs.jsonl.gz preds.jsonl   # here: the table

``benchmarks/setfit_gpu.sh`` is the GPU side as it ran (2026-11-26, one H200 lent to the
session, SetFit 1.2.0 and datasets 5.2.0 carried as wheels, the machine's transformers 5.17 and
sentence-transformers 6.0.1). The model travelled as float16 (``pack``, to fit the transfer
limit) and was widened back to float32 before training (``unpack``; embeddings of the round
trip agree with the original at cosine 0.9999996).

``export`` uses peers.py's loaders, splits and few-shot draws (same seeds), so each SetFit
run sees exactly the training rows newsdesk and the other peers see. ``run`` imports nothing
of newsdesk. Training seconds from ``run`` are GPU seconds and are reported as such.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

SETS = "bbc_news,ant_multisource,seed12/dev,sib200/eng_Latn,sib200/arb_Arab,huffpost_headlines"
MAX_CHARS = 2000  # SetFit reads 256 tokens at most; the rest of a long article is dead weight


def export(path: Path, sets: str, seeds: int, shots: int, max_test: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from peers import few_shot_rows, load_benchmark

    jobs = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for name in sets.split(","):
            bench = load_benchmark(name, None)
            for fold, (train_rows, test_rows) in enumerate(bench.splits):
                test_rows = test_rows[:max_test]
                test = {
                    "kind": "test", "set": name, "fold": fold,
                    "index": [int(i) for i in test_rows],
                    "text": [bench.data.articles[i].content[:MAX_CHARS] for i in test_rows],
                    "label": [bench.data.primary[i] for i in test_rows],
                }  # fmt: skip
                out.write(json.dumps(test, ensure_ascii=False) + "\n")
                for seed in range(seeds):
                    rows = few_shot_rows(bench.data, train_rows, shots, seed)
                    job = {
                        "kind": "train", "set": name, "fold": fold, "seed": seed,
                        "text": [bench.data.articles[i].content[:MAX_CHARS] for i in rows],
                        "label": [bench.data.primary[i] for i in rows],
                    }  # fmt: skip
                    out.write(json.dumps(job, ensure_ascii=False) + "\n")
                    jobs += 1
    print(f"{path}: {jobs} training runs", file=sys.stderr)


def _read(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run(jobs_path: Path, preds_path: Path, model_dir: str, iterations: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    rows = _read(jobs_path)
    tests = {(r["set"], r["fold"]): r for r in rows if r["kind"] == "test"}
    done = set()
    if preds_path.exists():  # resume: a run cut short keeps what it finished
        for line in preds_path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            done.add((r["set"], r["fold"], r["seed"]))
    with preds_path.open("a", encoding="utf-8") as out:
        for job in (r for r in rows if r["kind"] == "train"):
            key = (job["set"], job["fold"], job["seed"])
            if key in done:
                continue
            start = time.perf_counter()
            model = SetFitModel.from_pretrained(model_dir)
            data = Dataset.from_dict({"text": job["text"], "label": job["label"]})
            args = TrainingArguments(
                batch_size=16, num_epochs=1, num_iterations=iterations, max_length=256,
                seed=job["seed"],
            )  # fmt: skip
            Trainer(model=model, args=args, train_dataset=data).train()
            seconds = time.perf_counter() - start
            test = tests[(job["set"], job["fold"])]
            predicted = [str(p) for p in model.predict(test["text"], batch_size=128)]
            record = {"set": job["set"], "fold": job["fold"], "seed": job["seed"]}
            out.write(json.dumps(record | {"train_s": seconds, "predicted": predicted}) + "\n")
            out.flush()
            print(f"{key}: {seconds:.1f}s", file=sys.stderr, flush=True)


def score(jobs_path: Path, preds_path: Path, out_path: Path | None) -> None:
    from newsdesk.classify.metrics import classification_metrics

    tests = {(r["set"], r["fold"]): r for r in _read(jobs_path) if r["kind"] == "test"}
    preds = [json.loads(x) for x in preds_path.read_text(encoding="utf-8").splitlines()]
    table: list[dict[str, Any]] = []
    for name in dict.fromkeys(p["set"] for p in preds):
        per_seed: dict[int, tuple[list[str], list[str], float]] = {}
        for p in (p for p in preds if p["set"] == name):
            gold, got, secs = per_seed.setdefault(p["seed"], ([], [], 0.0))
            gold += tests[(name, p["fold"])]["label"]
            got += p["predicted"]
            per_seed[p["seed"]] = (gold, got, secs + p["train_s"])
        metrics = [classification_metrics(g, p) for g, p, _ in per_seed.values()]
        acc = [m["accuracy"] for m in metrics]
        f1 = [m["macro_f1"] for m in metrics]
        row = {
            "set": name, "setting": "8", "peer": "setfit (GPU)", "seeds": len(acc),
            "accuracy": statistics.mean(acc), "accuracy_sd": statistics.pstdev(acc),
            "macro_f1": statistics.mean(f1), "macro_f1_sd": statistics.pstdev(f1),
            "train_s_gpu": statistics.mean(s for _, _, s in per_seed.values()),
        }  # fmt: skip
        table.append(row)
        print(
            f"| {name} | 8 | SetFit | {row['accuracy']:.3f} ± {row['accuracy_sd']:.3f} | "
            f"{row['macro_f1']:.3f} | {row['train_s_gpu']:.1f} (GPU) | {len(acc)} seeds |"
        )
    if out_path:
        out_path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")


def pack(model_dir: Path, out: Path) -> None:
    """Copy the model folder with its weights as gzipped float16 (``model16.safetensors.gz``)."""
    import shutil

    import numpy as np
    from safetensors.numpy import load_file, save

    shutil.copytree(model_dir, out, ignore=shutil.ignore_patterns("model.safetensors", "*.md"))
    weights = load_file(model_dir / "model.safetensors")
    half = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in weights.items()}
    (out / "model16.safetensors.gz").write_bytes(gzip.compress(save(half), 1))


def unpack(packed: Path, out: Path) -> None:
    """The packed folder back as a float32 model folder."""
    import shutil

    import numpy as np
    from safetensors.numpy import load, save_file

    shutil.copytree(packed, out, ignore=shutil.ignore_patterns("*.gz"), dirs_exist_ok=True)
    half = load(gzip.decompress((packed / "model16.safetensors.gz").read_bytes()))
    full = {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in half.items()}
    save_file(full, str(out / "model.safetensors"), metadata={"format": "pt"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export")
    e.add_argument("jobs", type=Path)
    e.add_argument("--sets", default=SETS)
    e.add_argument("--seeds", type=int, default=5)
    e.add_argument("--shots", type=int, default=8)
    e.add_argument("--max-test", type=int, default=2000)
    r = sub.add_parser("run")
    r.add_argument("jobs", type=Path)
    r.add_argument("preds", type=Path)
    r.add_argument("--model", required=True, help="all-MiniLM-L6-v2 folder")
    r.add_argument("--iterations", type=int, default=20)
    s = sub.add_parser("score")
    s.add_argument("jobs", type=Path)
    s.add_argument("preds", type=Path)
    s.add_argument("--out", type=Path, default=None)
    for name in ("pack", "unpack"):
        m = sub.add_parser(name)
        m.add_argument("source", type=Path)
        m.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    if args.command == "pack":
        pack(args.source, args.target)
    elif args.command == "unpack":
        unpack(args.source, args.target)
    elif args.command == "export":
        export(args.jobs, args.sets, args.seeds, args.shots, args.max_test)
    elif args.command == "run":
        run(args.jobs, args.preds, args.model, args.iterations)
    else:
        score(args.jobs, args.preds, args.out)


if __name__ == "__main__":
    main()
