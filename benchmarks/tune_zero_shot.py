"""Choose the zero-shot head's constants on the development sets, and say what a new outlet
can expect from them: the leave-one-set-out figure beside the in-sample one.

    python benchmarks/tune_zero_shot.py            # every set, rich and terse taxonomies
    python benchmarks/tune_zero_shot.py --by-kind  # constants of their own for each kind

Each development set is scored twice: with the taxonomy this project wrote for it
(``benchmarks/taxonomies``, descriptions and keyword lists; the default taxonomy for seed12)
and with the one a newsroom writes on day one (``../shared/taxonomies/terse``: a name and a
line). Evidence (similarities, keyword hits, form features) is computed once a pair; each point
of the grid only re-weighs it. A label's usual cosine comes from the encoder's mean article
vector *without the scored set's family* (``benchmarks/background.py``).

The search maximises the mean over all pairs of accuracy and macro-F1, each pair less its
English-Arabic accuracy gap beyond 5 points (where the taxonomy describes its sections in both
languages), among the grid
points that file no rich taxonomy more than a point worse than the previous constants
(``PREVIOUS``: before label prompts and the background pull) did. The in-sample column uses the constants chosen on every set; the
leave-one-set-out column scores each set family with the constants chosen on the others
(with ``--by-kind``, chosen on the others' rich taxonomies for a rich one and on their terse
ones for a terse one: the head's ``RICH`` and ``THIN`` constants). The shipped columns score
each set with the head's own constants, ``THIN`` where its taxonomy is thin. The
plain cosine column is argmax of the cosine between the article and each section's line. The
softmax temperature is then fitted by log loss with the other constants fixed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import DEFAULT_DATA, Benchmark, load_benchmark, restricted
from background import mean_without, set_means
from cached_encoder import CachedEncoder

from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import SectionEvidence, ZeroShotHead
from newsdesk.encoders.base import Role
from newsdesk.encoders.registry import get_encoder
from newsdesk.taxonomy import load_taxonomy

TERSE = Path(__file__).resolve().parent.parent.parent / "shared" / "taxonomies" / "terse"
# (family, benchmark, terse taxonomy file); rows as in the zero-shot table of docs/benchmarks.md
SETS = [
    ("seed12", Benchmark("seed12", "seed12/dev.jsonl", "default"), "seed12.yaml"),
    ("bbc_news", Benchmark("bbc_news", "bbc_news/train.jsonl", "bbc_news.yaml"), "bbc_news.yaml"),
    (
        "masakhanews",
        Benchmark("masakhanews/eng", "masakhanews/eng/dev.jsonl", "masakhanews.yaml"),
        "masakhanews.yaml",
    ),
    (
        "masakhanews",
        Benchmark("masakhanews/fra", "masakhanews/fra/dev.jsonl", "masakhanews.yaml"),
        "masakhanews.yaml",
    ),
    (
        "sib200",
        Benchmark("sib200/eng_Latn", "sib200/eng_Latn/train.jsonl", "sib200.yaml"),
        "sib200.yaml",
    ),
    (
        "sib200",
        Benchmark("sib200/arb_Arab", "sib200/arb_Arab/train.jsonl", "sib200.yaml"),
        "sib200.yaml",
    ),
    (
        "sib200",
        Benchmark(
            "sib200/arb_Arab[en-desc]",
            "sib200/arb_Arab/train.jsonl",
            "sib200.yaml",
            english_only=True,
        ),
        "",  # its terse row is sib200/arb_Arab's
    ),
    (
        "sib200",
        Benchmark("sib200/ary_Arab", "sib200/ary_Arab/train.jsonl", "sib200.yaml"),
        "sib200.yaml",
    ),
    (
        "ant_multisource",
        Benchmark(
            "ant_multisource", "ant_multisource/train.jsonl.gz", "ant_multisource.yaml", sample=1000
        ),
        "ant_multisource.yaml",
    ),
    (
        "huffpost_headlines",
        Benchmark("huffpost_headlines", "huffpost_headlines/train.jsonl", "", sample=2000),
        "huffpost_headlines.yaml",
    ),
    (
        "ant_jawharafm",
        Benchmark("ant_jawharafm", "ant_jawharafm/all.jsonl.gz", "", sample=1000),
        "ant_jawharafm.yaml",
    ),
]

GRID = {
    "prompts": [False, True],
    "centering": [0.0, 0.25, 0.5],
    "background": [0.0, 0.5, 0.75, 1.0],
    "scale": [0.5, 0.75, 1.0, 1.5],
    "sharpness": [0.1, 0.25, 0.5, 1.0],
    "keyword_weight": [0.25, 0.5, 1.0],
    # lower, a text with no signal at all no longer reaches the catch-all (see test_zero_shot)
    "fallback": [-1.0, 0.0],
}
PROMPTS = "prompts"
# the constants before label prompts and the background pull: no rich taxonomy may do more than
# TOLERANCE worse (a point: two or three articles on the smallest sets)
TOLERANCE = 0.01
PREVIOUS = {
    "prompts": False,
    "centering": 0.25,
    "background": 0.0,
    "scale": 1.0,
    "sharpness": 0.5,
    "keyword_weight": 0.5,
    "fallback": -1.0,
}


@dataclass
class Prepared:
    family: str
    name: str  # set/taxonomy
    heads: dict[bool, ZeroShotHead]  # with and without label prompts
    evidence: dict[bool, SectionEvidence]
    gold: np.ndarray
    gold_names: list[str]
    arabic: np.ndarray  # rows in Arabic, where the taxonomy describes sections in Arabic too
    plain: float  # accuracy of the plain cosine to the section lines


def _terse_taxonomy(bench: Benchmark, terse: str, labels: list[str]):
    taxonomy = load_taxonomy(TERSE / terse)
    return restricted(taxonomy, set(labels)) if bench.name != "seed12" else taxonomy


def prepare(
    family: str,
    bench: Benchmark,
    terse: str,
    kind: str,
    encoder: CachedEncoder,
    data: Path,
    background: np.ndarray,
) -> Prepared | None:
    if (kind == "rich" and not bench.taxonomy) or (kind == "terse" and not terse):
        return None
    source = bench if kind == "rich" else replace(bench, taxonomy="default")
    articles, labels, taxonomy = load_benchmark(source, data)
    if kind == "terse":
        taxonomy = _terse_taxonomy(bench, terse, labels)
    vectors = encoder.encode([a.content for a in articles])
    batch = EncodedArticles(articles, vectors)
    heads, evidence = {}, {}
    for prompts in GRID[PROMPTS]:
        head = ZeroShotHead(prompts=prompts).fit_taxonomy(taxonomy, encoder)
        pull = head.label_vectors_ @ background
        head.pull_ = (pull - pull.mean()).astype(np.float32)
        heads[prompts], evidence[prompts] = head, head.evidence(batch)
    gold = np.array([taxonomy.names.index(label) for label in labels])
    lines = [" ".join(s.description.values()) or s.name for s in taxonomy.sections]
    plain = (vectors @ encoder.encode(lines, role=Role.QUERY).T).argmax(axis=1)
    bilingual = any({"en", "ar"} <= set(s.description) for s in taxonomy.sections)
    arabic = np.array([bilingual and a.lang == "ar" for a in articles])
    return Prepared(
        family,
        f"{bench.name} [{kind}]",
        heads,
        evidence,
        gold,
        taxonomy.names,
        arabic,
        float((plain == gold).mean()),
    )


def in_use(head: ZeroShotHead) -> dict:
    """The constants a fitted head scores with: those given, else its taxonomy's kind's."""
    params = head.get_params()
    return {k: head.constants_[k] if v is None else v for k, v in params.items()}


def predictions(p: Prepared, params: dict) -> np.ndarray:
    head = p.heads[params[PROMPTS]]
    for key, value in params.items():
        if key != PROMPTS:
            setattr(head, key, value)
    return head.combine(p.evidence[params[PROMPTS]])


def macro_f1(gold: np.ndarray, pred: np.ndarray, n: int) -> float:
    """Unweighted mean F1 over the sections that occur in ``gold`` or ``pred``."""
    tp = np.bincount(gold[gold == pred], minlength=n)
    total = np.bincount(gold, minlength=n) + np.bincount(pred, minlength=n)
    seen = total > 0
    return float((2 * tp[seen] / total[seen]).mean())


def measure(p: Prepared, params: dict) -> tuple[float, float, float]:
    """Accuracy, macro-F1 and the English-Arabic accuracy gap of ``p`` under ``params``."""
    pred = predictions(p, params).argmax(axis=1)
    correct = pred == p.gold
    gap = 0.0
    if p.arabic.any() and not p.arabic.all():  # Arabic must do as well as English
        gap = float(correct[~p.arabic].mean() - correct[p.arabic].mean())
    return float(correct.mean()), macro_f1(p.gold, pred, len(p.gold_names)), gap


def objective(rows: list[tuple[float, float, float]]) -> float:
    """Mean over pairs of (accuracy + macro-F1) / 2, each less its own language gap beyond 5
    points."""
    return float(np.mean([(a + f) / 2 - max(0.0, g - 0.05) for a, f, g in rows]))


def fit_temperature(sets: list[Prepared], params: dict) -> float:
    temps = np.exp(np.linspace(np.log(0.05), np.log(5.0), 200))
    scores = [(predictions(p, params), p.gold) for p in sets]

    def loss(t: float) -> float:
        out = []
        for s, gold in scores:
            z = s / t
            z = z - z.max(axis=1, keepdims=True)
            out.append(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(gold)), gold])
        return float(np.concatenate(out).mean())

    return float(temps[int(np.argmin([loss(t) for t in temps]))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=TOLERANCE,
        help="how much worse than PREVIOUS a rich taxonomy may be filed (default %(default)s)",
    )
    parser.add_argument(
        "--by-kind",
        action="store_true",
        help="choose one set of constants for the rich taxonomies and one for the terse ones",
    )
    args = parser.parse_args()
    encoder = CachedEncoder(get_encoder(args.encoder))
    means = set_means(encoder, args.data, 500)
    sets = [
        p
        for family, bench, terse in SETS
        for kind in ("rich", "terse")
        if (
            p := prepare(
                family, bench, terse, kind, encoder, args.data, mean_without(means, family)
            )
        )
    ]
    encoder.save()
    # the head's own constants for each set, RICH or THIN as its taxonomy says (read before the
    # grid's points are set on the heads)
    own = [{mode: in_use(p.heads[mode]) for mode in GRID[PROMPTS]} for p in sets]
    keys = list(GRID)
    grid = [dict(zip(keys, values, strict=True)) for values in itertools.product(*GRID.values())]
    table = np.array([[measure(p, params) for p in sets] for params in grid])  # grid, sets, 3

    previous = table[grid.index(PREVIOUS)]
    rich = np.array([p.name.endswith("[rich]") for p in sets])

    def best(mask: np.ndarray) -> int:
        """The grid point that does best on the masked sets and keeps their rich rows."""
        kept = (table[:, mask & rich, 0] >= previous[mask & rich, 0] - args.tolerance).all(axis=1)
        scores = [objective([tuple(r) for r in table[g][mask]]) for g in range(len(grid))]
        return int(np.argmax(np.where(kept, scores, -np.inf)))

    everything = np.ones(len(sets), dtype=bool)
    kinds = [rich, ~rich] if args.by_kind else [everything]

    def choose(mask: np.ndarray) -> np.ndarray:
        """Per set, the grid point chosen on ``mask`` (on its own kind's sets with --by-kind)."""
        out = np.zeros(len(sets), dtype=np.int64)
        for kind in kinds:
            out[kind] = best(mask & kind)
        return out

    chosen_per_set = choose(everything)
    families = sorted({p.family for p in sets})
    loso = {}
    for family in families:
        held = np.array([p.family == family for p in sets])
        picks = choose(~held)
        for i in np.flatnonzero(held):
            loso[i] = (table[picks[i]][i][0], grid[picks[i]])
    shipped = {
        mode: np.array(
            [
                table[grid.index({k: mode if k == PROMPTS else own[i][mode][k] for k in keys})][i]
                for i in range(len(sets))
            ]
        )
        for mode in GRID[PROMPTS]
    }
    print(
        f"{'set [taxonomy]':<30} {'plain cos':>9} {'previous':>9} "
        + " ".join(f"{'shipped' if m else 'no prompt':>9}" for m in GRID[PROMPTS])
        + f" {'in-sample':>9} {'LOSO':>6}"
    )
    for i, p in enumerate(sets):
        print(
            f"{p.name:<30} {p.plain:>9.3f} {previous[i][0]:>9.3f} "
            + " ".join(f"{shipped[m][i][0]:>9.3f}" for m in GRID[PROMPTS])
            + f" {table[chosen_per_set[i]][i][0]:>9.3f} {loso[i][0]:>6.3f}"
        )
    for kind in ("rich", "terse"):
        idx = [i for i, p in enumerate(sets) if p.name.endswith(f"[{kind}]")]
        print(
            f"mean [{kind}]: plain {np.mean([sets[i].plain for i in idx]):.3f}, in-sample "
            f"{np.mean([table[chosen_per_set[i]][i][0] for i in idx]):.3f}, "
            f"LOSO {np.mean([loso[i][0] for i in idx]):.3f}"
        )
    for label, kind in zip(("rich", "terse") if args.by_kind else ("every",), kinds, strict=True):
        g = int(chosen_per_set[np.flatnonzero(kind)[0]])
        on = [p for p, k in zip(sets, kind, strict=True) if k]
        print(f"chosen on {label} set:", " ".join(f"{k}={v}" for k, v in grid[g].items()))
        print(f"  temperature={fit_temperature(on, grid[g]):.3f}")
    for family in families:
        for i, p in enumerate(sets):
            if p.family == family and (
                args.by_kind or i == min(np.flatnonzero([q.family == family for q in sets]))
            ):
                print(
                    f"  without {family} ({p.name}):",
                    " ".join(f"{k}={v}" for k, v in loso[i][1].items()),
                )


if __name__ == "__main__":
    main()
