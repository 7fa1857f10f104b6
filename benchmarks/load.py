"""Load figures of the newsroom service, from a loopback client against a real server.

    python benchmarks/load.py                        # e5-small, 60 s at 20 clients
    python benchmarks/load.py --encoder lexical --duration 10   # a quick run without a model

Three parts, each printed as a table (and all written to benchmarks/out/load.json):

1. ``POST /v1/articles``, one article a request, from ``--clients`` concurrent clients for
   ``--duration`` seconds (each client sends its next request when the last is answered;
   ``--rate`` paces the clients to a total rate instead). Reports errors, latency
   percentiles, and checks that the store holds exactly the distinct articles submitted
   (one request in ten resubmits an article sent before).
2. ``POST /v1/classify`` in batches of 32 against the library's own ``classify_many`` (what
   ``newsdesk classify`` runs), in articles a second.
3. SIGKILL of the server while batches are being submitted, restart, resubmit every batch:
   each article must be stored exactly once.

Texts come from ../shared/data/seed12/dev.jsonl when it is there (English and Arabic news),
else generated. The machine's load average is printed with each part: on a shared machine,
read the figures with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.store import KeyRole, Store, migrate
from newsdesk.store import keys as key_repository

# the harness that runs 'newsdesk serve' as a child process is the tests' own
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from service_process import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ROOT.parent / "shared" / "data" / "seed12" / "dev.jsonl"
OUT = ROOT / "benchmarks" / "out"


def load_texts() -> list[dict[str, str]]:
    if TEXTS.exists():
        rows = [json.loads(line) for line in TEXTS.read_text(encoding="utf-8").splitlines()]
        return [
            {"title": r.get("title") or "", "text": r["text"], "lang": r.get("lang")} for r in rows
        ]
    words = [
        "market",
        "election",
        "match",
        "concert",
        "vaccine",
        "novel",
        "spy",
        "budget",
        "storm",
        "album",
    ]
    rng = random.Random(0)
    return [
        {"title": f"Story {i}", "text": " ".join(rng.choices(words, k=150)), "lang": "en"}
        for i in range(200)
    ]


def loadavg() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} / {five:.1f} (1 / 5 min), {os.cpu_count()} cores"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- 1. sustained single-article submissions ---------------------------------------------------


async def sustained(
    url: str, key: str, texts: list[dict[str, str]], clients: int, duration: float, rate: float
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    accepted: set[str] = set()
    sent: dict[str, dict[str, Any]] = {}
    sent_ids: list[str] = []
    stop_at = time.monotonic() + duration
    interval = clients / rate if rate > 0 else 0.0

    async def client(number: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(number)
        n = 0
        next_at = time.monotonic() + rng.random() * interval
        while time.monotonic() < stop_at:
            if interval:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
            if sent_ids and rng.random() < 0.1:  # resubmit an article sent before
                body = sent[rng.choice(sent_ids[-200:])]
            else:
                article_id = f"load-{number}-{n}"
                body = {"id": article_id, **texts[(number * 7919 + n) % len(texts)]}
                sent[article_id] = body
                sent_ids.append(article_id)
                n += 1
            began = time.perf_counter()
            try:
                response = await http.post("/v1/articles", json=body)
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - began)
            statuses[status] = statuses.get(status, 0) + 1
            if status in ("200", "201"):
                accepted.add(body["id"])

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as http:
        began = time.monotonic()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        elapsed = time.monotonic() - began
    ok = statuses.get("200", 0) + statuses.get("201", 0)
    return {
        "requests": len(latencies),
        "errors": len(latencies) - ok,
        "statuses": statuses,
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies, default=float("nan")),
        "distinct_accepted": len(accepted),
        "distinct_sent": len(sent),
    }


# --- 2. batch classification against the library -----------------------------------------------


def classify_throughput(
    url: str, key: str, texts: list[dict[str, str]], encoder: str, articles: int
) -> dict[str, Any]:
    pool = [texts[i % len(texts)] for i in range(articles)]
    batches = [pool[i : i + 32] for i in range(0, len(pool), 32)]
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=300) as http:
        http.post("/v1/classify", json={"articles": batches[0]})  # warm-up
        began = time.perf_counter()
        for batch in batches:
            response = http.post("/v1/classify", json={"articles": batch})
            response.raise_for_status()
        service = len(pool) / (time.perf_counter() - began)
    classifier = Classifier.zero_shot(encoder=encoder)
    arts = [Article(**t) for t in pool]  # type: ignore[arg-type]
    list(classifier.classify_many(arts[:32], batch_size=32))  # warm-up
    began = time.perf_counter()
    list(classifier.classify_many(arts, batch_size=32))
    library = len(pool) / (time.perf_counter() - began)
    return {
        "articles": len(pool),
        "service_articles_per_s": service,
        "library_articles_per_s": library,
        "ratio": service / library,
    }


# --- 3. SIGKILL mid-batch, restart, resubmit ---------------------------------------------------


def crash_and_resubmit(
    server: ServiceProcess, key: str, texts: list[dict[str, str]], batches: int
) -> dict[str, Any]:
    def body(number: int) -> dict[str, Any]:
        rows = [texts[(number * 32 + i) % len(texts)] for i in range(32)]
        return {"articles": [{"id": f"crash-{number}-{i}", **r} for i, r in enumerate(rows)]}

    headers = {"Authorization": f"Bearer {key}"}
    base = server.stored_articles()

    def send(number: int) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server is killed under some
            httpx.post(f"{server.url}/v1/articles", json=body(number), headers=headers, timeout=600)

    senders = [threading.Thread(target=send, args=(n,)) for n in range(batches)]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 300
    while server.stored_articles() == base and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    for sender in senders:
        sender.join(60)
    before = server.stored_articles() - base
    restart_s = server.start()
    created = existing = 0
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as http:
        for number in range(batches):
            result = http.post("/v1/articles", json=body(number)).json()
            created += result["created"]
            existing += result["existing"]
    after = server.stored_articles() - base
    total = batches * 32
    return {
        "batches": batches,
        "articles": total,
        "stored_before_kill_and_restart": before,
        "created_on_resubmit": created,
        "existing_on_resubmit": existing,
        "stored_after": after,
        "restart_s": restart_s,
        "exactly_once": after == total and before + created == total,
    }


# --- driver -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=0.0, help="Total requests/s (0: no pacing).")
    parser.add_argument("--classify-articles", type=int, default=512)
    parser.add_argument("--crash-batches", type=int, default=8)
    parser.add_argument("--database-url", help="Default: a SQLite file in a temporary folder.")
    parser.add_argument("--skip", nargs="*", default=[], choices=["sustained", "classify", "crash"])
    args = parser.parse_args()

    texts = load_texts()
    work = Path(tempfile.mkdtemp(prefix="newsdesk-load-"))
    database_url = args.database_url or f"sqlite:///{work / 'load.db'}"
    store = Store(database_url)
    migrate.upgrade(store)
    with store.write() as conn:
        _, key = key_repository.create_key(conn, KeyRole.EDITOR, name=f"load-{os.getpid()}")
    store.dispose()
    server = ServiceProcess(database_url, work / "server.log", {"NEWSDESK_ENCODER": args.encoder})
    print(f"# newsdesk load benchmark: encoder {args.encoder}, {database_url}")
    print(f"start-up {server.start():.1f} s; load average {loadavg()}\n")
    results: dict[str, Any] = {"encoder": args.encoder, "database": database_url.split(":")[0]}
    try:
        if "sustained" not in args.skip:
            base = server.stored_articles()
            cpu = server.cpu_seconds()
            r = asyncio.run(
                sustained(server.url, key, texts, args.clients, args.duration, args.rate)
            )
            # What the server itself spent a request: on a shared machine, the capacity two
            # dedicated cores would give is about 2 / this (the client's work not counted).
            r["server_cpu_ms_per_request"] = 1000 * (server.cpu_seconds() - cpu) / r["requests"]
            r["stored"] = server.stored_articles() - base
            r["exactly_once"] = r["stored"] == r["distinct_accepted"]
            r["load_after"] = loadavg()
            results["sustained"] = r
            pace = f"paced to {args.rate:g}/s" if args.rate else "unpaced"
            print(f"## POST /v1/articles, {args.clients} clients, {args.duration:g} s, {pace}")
            print(
                "| requests | req/s | errors | p50 ms | p95 ms | p99 ms | max ms | stored | distinct sent | exactly once |"
            )
            print("|---|---|---|---|---|---|---|---|---|---|")
            print(
                f"| {r['requests']} | {r['requests_per_s']:.1f} | {r['errors']} | {r['p50_ms']:.0f} "
                f"| {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['max_ms']:.0f} | {r['stored']} "
                f"| {r['distinct_sent']} | {r['exactly_once']} |"
            )
            print(
                f"statuses {r['statuses']}; server CPU {r['server_cpu_ms_per_request']:.1f} ms "
                f"a request; load average {r['load_after']}\n"
            )
        if "classify" not in args.skip:
            r = classify_throughput(server.url, key, texts, args.encoder, args.classify_articles)
            r["load_after"] = loadavg()
            results["classify"] = r
            print(f"## POST /v1/classify, batches of 32, {r['articles']} articles")
            print("| service art/s | library (CLI) art/s | ratio |")
            print("|---|---|---|")
            print(
                f"| {r['service_articles_per_s']:.1f} | {r['library_articles_per_s']:.1f} "
                f"| {r['ratio']:.2f} |"
            )
            print(f"load average {r['load_after']}\n")
        if "crash" not in args.skip:
            r = crash_and_resubmit(server, key, texts, args.crash_batches)
            r["load_after"] = loadavg()
            results["crash"] = r
            print(f"## SIGKILL mid-submission of {r['batches']} batches of 32, restart, resubmit")
            print(
                "| articles | stored at kill | created on resubmit | existing | stored after | exactly once |"
            )
            print("|---|---|---|---|---|---|")
            print(
                f"| {r['articles']} | {r['stored_before_kill_and_restart']} "
                f"| {r['created_on_resubmit']} | {r['existing_on_resubmit']} "
                f"| {r['stored_after']} | {r['exactly_once']} |"
            )
            print(f"restart {r['restart_s']:.1f} s; load average {r['load_after']}\n")
    finally:
        server.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"load-{args.encoder}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    failed = [
        name
        for name, ok in (
            ("errors", results.get("sustained", {}).get("errors", 0) == 0),
            ("exactly once (sustained)", results.get("sustained", {}).get("exactly_once", True)),
            ("exactly once (crash)", results.get("crash", {}).get("exactly_once", True)),
        )
        if not ok
    ]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
