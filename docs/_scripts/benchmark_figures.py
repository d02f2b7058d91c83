"""Draw the figures of the Benchmarks page from the benchmark results.

Run after ``make bench``::

    python docs/_scripts/benchmark_figures.py

It reads ``benchmarks/results/benchmarks.json`` and writes two SVG figures,
sized for the width of a page, to ``docs/_static/``.
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "benchmarks.json"
STATIC = ROOT / "docs" / "_static"
LABELS = {
    "skweighted": "skweighted WeightedMLPClassifier",
    "SciKeras KerasClassifier": "SciKeras KerasClassifier",
    "Keras model.fit": "plain Keras Model.fit",
    "sklearn MLPClassifier": "scikit-learn MLPClassifier",
}
STYLE = {
    "skweighted": {"color": "C0", "marker": "o", "linewidth": 2.5},
    "SciKeras KerasClassifier": {"color": "C1", "marker": "s"},
    "Keras model.fit": {"color": "C2", "marker": "^"},
    "sklearn MLPClassifier": {"color": "C3", "marker": "D"},
}


def _axes(xlabel, title):
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="fit time (s)")
    ax.set_title(title, fontsize=12)
    ax.grid(True, which="both", alpha=0.3)
    return fig, ax


def _lines(ax, rows, x):
    for method, style in STYLE.items():
        points = [r for r in rows if r["method"] == method]
        ax.plot(
            [r[x] for r in points],
            [r["fit_s"] for r in points],
            label=LABELS[method],
            **style,
        )


def main():
    results = json.loads(RESULTS.read_text(encoding="utf-8"))["sections"]
    scaling, kloop = results["scaling"], results["kloop"]
    epochs = scaling["epochs"]
    plt.rcParams.update({"font.size": 11, "svg.fonttype": "path"})

    n = scaling["by_k"][0]["n"]
    fig, ax = _axes(
        "number of classes K", f"Fit time vs classes (n={n:,}, {epochs} epochs)"
    )
    _lines(ax, scaling["by_k"], "K")
    loop = [r for r in kloop["rows"] if r["loss"] == "tutorial K x K loop"]
    ax.plot(
        [r["K"] for r in loop],
        [r["first_epoch_s"] + (epochs - 1) * r["epoch_s"] for r in loop],
        color="grey",
        marker="x",
        linestyle="--",
        label="Keras with a K x K loop loss",
    )
    ax.set_xticks([2, 10, 30, 100], ["2", "10", "30", "100"])
    ax.legend(fontsize=10, loc="upper left")
    fig.savefig(STATIC / "benchmark_classes.svg")

    k = scaling["by_n"][0]["K"]
    fig, ax = _axes(
        "training examples n", f"Fit time vs examples (K={k}, {epochs} epochs)"
    )
    _lines(ax, scaling["by_n"], "n")
    ax.legend(fontsize=10, loc="upper left")
    fig.savefig(STATIC / "benchmark_examples.svg")


if __name__ == "__main__":
    main()
