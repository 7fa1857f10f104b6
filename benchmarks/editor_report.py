"""Tables and the learning-curve figure of ``editor_loop.py`` (from its results)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TABLE_MARKS = (0, 10, 20, 50, 100, 200)


def mean_curve(
    result: dict, order: str, key: str = "points"
) -> tuple[dict[int, float], dict[int, float]]:
    """Mean and standard deviation over seeds of an order's accuracy at each mark."""
    runs = [{int(m): v for m, v in c[key].items()} for c in result["curves"] if c["order"] == order]
    marks = sorted({m for run in runs for m in run})
    values = {m: [run[m] for run in runs if m in run] for m in marks}
    return (
        {m: float(np.mean(v)) for m, v in values.items()},
        {m: float(np.std(v)) for m, v in values.items()},
    )


TITLES = {
    "points": "accuracy on the articles nobody reviewed",
    "held_out": "accuracy on the held-out fifth (never shown to the editor)",
}


def print_table(results: list[dict], orders: list[str], key: str) -> None:
    reached = max(int(m) for r in results for c in r["curves"] for m in c[key])
    marks = [m for m in TABLE_MARKS if m <= reached]
    print(f"\n{TITLES[key]}, after N corrections\n")
    print("| set | order | " + " | ".join(str(m) for m in marks) + " |")
    print("|---|---|" + "---:|" * len(marks))
    for result in results:
        for order in orders:
            mean, spread = mean_curve(result, order, key)
            if not mean:
                continue
            seeds = sum(c["order"] == order for c in result["curves"])
            cells = [
                f"{mean[m]:.1%}" + (f" ±{spread[m]:.1%}" if seeds > 1 else "") if m in mean else ""
                for m in marks
            ]
            name = f"{order} ({seeds} seeds)" if seeds > 1 else order
            print(f"| {result['set']} | {name} | " + " | ".join(cells) + " |")
        reference = result["reference_held_out" if key == "held_out" else "reference"]
        print(f"| {result['set']} | every label | {reference:.1%} |" + " |" * (len(marks) - 1))


def print_estimates(results: list[dict]) -> None:
    """The desk's estimate from its random picks beside the accuracy it estimates."""
    print("\nthe desk's estimate of accuracy on unreviewed articles (random picks reviewed)\n")
    print("| set | corrections | estimate | 95% interval | picks | measured |")
    print("|---|---:|---:|---|---:|---:|")
    for result in results:
        for curve in result["curves"]:
            for mark, (acc, low, high, n) in sorted(
                (int(m), v) for m, v in curve["estimate"].items()
            ):
                if mark in TABLE_MARKS and n:
                    truth = (
                        curve["points"][mark]
                        if mark in curve["points"]
                        else curve["points"][str(mark)]
                    )
                    print(
                        f"| {result['set']} | {mark} | {acc:.1%} | {low:.1%}–{high:.1%} | {n} "
                        f"| {truth:.1%} |"
                    )


def plot(results: list[dict], orders: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        2, len(results), figsize=(5 * len(results), 8), squeeze=False, sharex=True
    )
    for row, key in enumerate(("held_out", "points")):
        for ax, result in zip(axes[row], results, strict=True):
            for order in orders:
                mean, _ = mean_curve(result, order, key)
                if mean:
                    style = {"linewidth": 2.5} if order == "desk" else {"linewidth": 1.2}
                    ax.plot(list(mean), [100 * v for v in mean.values()], label=order, **style)
            reference = result["reference_held_out" if key == "held_out" else "reference"]
            ax.axhline(100 * reference, color="grey", linestyle="--", label="every label")
            ax.set_title(f"{result['set']} ({result['articles']} articles)", fontsize=10)
            ax.set_ylabel(TITLES[key].replace(" (never", "\n(never") + " (%)", fontsize=8)
            ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("corrections")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")


def report(results: list[dict], orders: list[str], figure: Path) -> None:
    for key in ("held_out", "points"):
        print_table(results, orders, key)
    print_estimates(results)
    plot(results, orders, figure)
