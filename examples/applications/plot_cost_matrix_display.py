"""
============================================
Where the cost comes from: CostMatrixDisplay
============================================

A confusion matrix counts errors; a *cost* matrix display multiplies each
(true, predicted) cell by its cost, so the cells that dominate the bill stand
out. :class:`skweighted.plot.CostMatrixDisplay` draws it from an estimator or
from predictions, for a global cost matrix or per-example costs, and its
cells add up to :func:`~skweighted.metrics.misclassification_cost`.

The setting is a three-level triage ("low", "medium", "high" risk) in which
under-estimating the risk is five times worse, per level missed, than
over-estimating it.
"""

# %%
# An ordinal cost matrix, written with labels
# -------------------------------------------
# String labels are sorted alphabetically in ``classes_`` ("high", "low",
# "medium"), which is rarely the order one thinks in. A DataFrame (index = true
# class, columns = predicted class) carries its labels, so its order does not
# matter.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import WeightedMLPClassifier
from skweighted.metrics import misclassification_cost
from skweighted.plot import CostMatrixDisplay

# sphinx_gallery_thumbnail_number = 2

levels = ["low", "medium", "high"]
rank = np.arange(3)
under = np.maximum(rank[:, None] - rank[None, :], 0)  # levels missed
over = np.maximum(rank[None, :] - rank[:, None], 0)  # levels too high
COST = pd.DataFrame(5.0 * under + 1.0 * over, index=levels, columns=levels)
print(COST)

X, y_idx = make_classification(
    n_samples=1200,
    n_features=8,
    n_informative=5,
    n_classes=3,
    n_clusters_per_class=1,
    class_sep=0.7,
    random_state=1,
)
y = np.array(levels)[y_idx]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

# %%
# A plain and a weighted network
# ------------------------------
# The training weights are the costs plus one, so that correct answers keep
# weight 1; the DataFrame is reordered to ``classes_`` by label.


def mlp(**params):
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(16,),
            epochs=40,
            batch_size=64,
            learning_rate=3e-3,
            random_state=0,
            **params,
        ),
    )


plain = mlp().fit(X_train, y_train)
weighted = mlp(misclass_weights=COST + 1.0, weighting="expected").fit(X_train, y_train)
print("classes_:", plain.classes_)

# %%
# Cost per cell
# -------------
# ``from_estimator`` predicts, counts each cell and multiplies by the cost;
# ``display_labels``/``labels`` put the rows in the natural order. The
# under-triage cells (below the diagonal) shrink with the weighted training.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (name, model) in zip(
    axes, [("plain", plain), ("weighted", weighted)], strict=True
):
    CostMatrixDisplay.from_estimator(
        model,
        X_test,
        y_test,
        cost_matrix=COST,
        labels=levels,
        ax=ax,
        colorbar=False,
    )
    ax.set_title(f"{name}: {ax.get_title()}")
fig.tight_layout()
plt.show()

for name, model in [("plain", plain), ("weighted", weighted)]:
    cost = misclassification_cost(y_test, model.predict(X_test), cost_matrix=COST)
    print(f"{name:>8}: total test cost {cost:.0f}")

# %%
# Shares of the bill
# ------------------
# ``normalize=True`` shows each cell's share of the total cost instead.
disp = CostMatrixDisplay.from_estimator(
    plain, X_test, y_test, cost_matrix=COST, labels=levels, normalize=True
)
plt.show()

# %%
# Per-example costs
# -----------------
# With one cost table per example, pass ``sample_tables``; each cell is then
# the sum of its examples' own costs. Here some patients are frail, and
# under-triaging them costs three times as much.
rng = np.random.default_rng(0)
frail = rng.random(len(y_test)) < 0.3
factor = np.where(frail, 3.0, 1.0)
C = COST.loc[levels, levels].to_numpy()
tables = np.repeat(C[None], len(y_test), axis=0)
tables[:, under > 0] *= factor[:, None]
CostMatrixDisplay.from_predictions(
    y_test, weighted.predict(X_test), sample_tables=tables, labels=levels
)
plt.show()
