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

1. an unweighted network (plain cross-entropy, argmax decisions);
2. the unweighted network with minimum-expected-cost decisions;
3. a network trained with a misclassification-weight table, the table
   chosen by GridSearchCV scored in cost;
4. that weighted network with minimum-expected-cost decisions too;

and saves a heatmap of where the cost comes from as a PNG (in the temporary
directory unless ``--output`` says where).

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
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import MinimumCostClassifier, WeightedMLPClassifier
from skweighted.metrics import make_cost_scorer, misclassification_cost, savings_score

MALIGNANT, BENIGN = 0, 1  # the labels of load_breast_cancer
COSTS = {(MALIGNANT, BENIGN): 10.0}  # missed malignant: 10; other errors: 1


def network(misclass_weights=None):
    """A small, quick MLP in a pipeline with feature scaling."""
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(8,),
            epochs=10,
            batch_size=32,
            learning_rate=1e-2,
            misclass_weights=misclass_weights,
            random_state=0,
        ),
    )


def main(output):
    start = time.perf_counter()
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.4, stratify=y, random_state=0
    )

    # Choose the training table by cross-validated cost.
    grid = {
        "weightedmlpclassifier__misclass_weights": [
            {(MALIGNANT, BENIGN): w} for w in (2.0, 5.0, 10.0)
        ]
    }
    search = GridSearchCV(
        network(),
        grid,
        scoring=make_cost_scorer(COSTS),
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X_train, y_train)
    print("Grid search (mean cost per example, 3-fold CV on the training set):")
    for params, score in zip(
        search.cv_results_["params"],
        search.cv_results_["mean_test_score"],
        strict=True,
    ):
        table = params["weightedmlpclassifier__misclass_weights"]
        print(
            f"  weight of a missed malignant case {table[(MALIGNANT, BENIGN)]:>4g}: {-score:.3f}"
        )
    best_table = search.best_params_["weightedmlpclassifier__misclass_weights"]

    unweighted = network().fit(X_train, y_train)
    weighted = search.best_estimator_
    models = {
        "unweighted": unweighted,
        "unweighted + min-cost decisions": MinimumCostClassifier(
            FrozenEstimator(unweighted), cost_matrix=COSTS
        ).fit(X_train, y_train),
        f"weighted {best_table[(MALIGNANT, BENIGN)]:g}x": weighted,
        f"weighted {best_table[(MALIGNANT, BENIGN)]:g}x + min-cost decisions": MinimumCostClassifier(
            FrozenEstimator(weighted), cost_matrix=COSTS
        ).fit(X_train, y_train),
    }

    print(f"\nTest set: {len(y_test)} cases, {np.sum(y_test == MALIGNANT)} malignant")
    header = (
        f"{'model':<38}{'cost':>6}{'vs unweighted':>15}{'savings':>9}"
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
        print(f"{name:<38}{cost:>6g}{change:>15}{savings:>9.3f}{missed:>8}{alarms:>14}")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from skweighted.plot import CostMatrixDisplay
    except ImportError:
        print("\nmatplotlib is not installed: no plot (pip install matplotlib).")
    else:
        names = [next(iter(models)), list(models)[-1]]
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
