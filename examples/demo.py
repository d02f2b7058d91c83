"""Cost-sensitive classification, end to end, on the breast cancer data.

Missing a malignant tumour (predicting "benign" for a malignant case) is far
worse than a false alarm. With the cost matrix

=================  ==============  ===========
``C[true, pred]``  pred malignant  pred benign
=================  ==============  ===========
true malignant     0               10
true benign        1               0
=================  ==============  ===========

this script compares, on a held-out test set and in cost:

1. a plain network (plain cross-entropy, argmax decisions: costs ignored);
2. the plain network with minimum-expected-cost decisions
   (``MinimumCostClassifier``): the route when the costs are known at
   decision time;
3. a network trained with cost-proportionate weights
   (``cost_proportionate_weights``), predicting with its own argmax: the
   route when the model must decide by itself;

and saves a heatmap of where the cost comes from as a PNG (in the temporary
directory unless ``--output`` says where). Routes 2 and 3 are the two that the
benchmark on real example-dependent costs supports (``make bench-costs``: bank
marketing, 5 seeds, test savings 0.498 and 0.495, on a par with the best
published 0.497); deciding by expected cost on top of a cost-weighted network
counts the costs twice (0.443 there). See the "From costs to decisions" page
of the user guide.

Run it with ``make demo`` or ``python examples/demo.py``; it takes well under a
minute on two CPU cores.
"""

import argparse
import os
import tempfile
import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import (
    MinimumCostClassifier,
    WeightedMLPClassifier,
    cost_proportionate_weights,
)
from skweighted.metrics import misclassification_cost, savings_score

MALIGNANT, BENIGN = 0, 1  # the labels of load_breast_cancer
COSTS = {(MALIGNANT, BENIGN): 10.0}  # missed malignant: 10; other errors: 1


def network():
    """A small, quick MLP in a pipeline with feature scaling."""
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(8,),
            epochs=10,
            batch_size=32,
            learning_rate=1e-2,
            random_state=0,
        ),
    )


def main(output):
    start = time.perf_counter()
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.4, stratify=y, random_state=0
    )

    plain = network().fit(X_train, y_train)
    # Each example weighs how much more a mistake costs it than the right
    # answer (10 for a malignant case, 1 for a benign one), normalized to mean 1.
    weights = cost_proportionate_weights(y_train, cost_matrix=COSTS)
    cost_trained = network().fit(
        X_train, y_train, weightedmlpclassifier__sample_weight=weights
    )
    models = {
        "plain network (costs ignored)": plain,
        "plain + min-cost decisions": MinimumCostClassifier(
            FrozenEstimator(plain), cost_matrix=COSTS
        ),
        "cost-proportionate weights": cost_trained,
    }

    print(f"\nTest set: {len(y_test)} cases, {np.sum(y_test == MALIGNANT)} malignant")
    header = (
        f"{'model':<38}{'cost':>6}{'vs plain':>10}{'savings':>9}"
        f"{'missed':>8}{'false alarms':>14}"
    )
    print(header)
    print("-" * len(header))
    baseline = None
    predictions = {}
    for name, model in models.items():
        pred = model.predict(X_test)
        predictions[name] = pred
        cost = misclassification_cost(y_test, pred, cost_matrix=COSTS)
        baseline = cost if baseline is None else baseline
        missed = int(np.sum((y_test == MALIGNANT) & (pred == BENIGN)))
        alarms = int(np.sum((y_test == BENIGN) & (pred == MALIGNANT)))
        savings = savings_score(y_test, pred, cost_matrix=COSTS)
        change = f"{cost / baseline - 1:+.0%}" if baseline else "n/a"
        print(f"{name:<38}{cost:>6g}{change:>10}{savings:>9.3f}{missed:>8}{alarms:>14}")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from skweighted.plot import CostMatrixDisplay
    except ImportError:
        print("\nmatplotlib is not installed: no plot (pip install matplotlib).")
    else:
        names = list(models)[:2]
        vmax = max(
            misclassification_cost(y_test, predictions[n], cost_matrix=COSTS)
            for n in names
        )
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        for ax, name in zip(axes, names, strict=True):
            disp = CostMatrixDisplay.from_predictions(
                y_test,
                predictions[name],
                cost_matrix=COSTS,
                display_labels=["malignant", "benign"],
                ax=ax,
                colorbar=False,
                im_kw={"vmin": 0, "vmax": vmax},  # one colour scale for both
            )
            disp.ax_.set_title(f"{name}\ntotal cost {disp.costs.sum():g}")
        fig.savefig(output, dpi=100)
        print(f"\nCost heatmaps saved to {output}")
    print(f"Done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    # (sphinx-gallery runs this script with an empty __doc__)
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument(
        "--output",
        default=os.path.join(tempfile.gettempdir(), "skweighted_demo_cost.png"),
        help="where to save the PNG (default: in the temporary directory)",
    )
    main(parser.parse_args().output)
