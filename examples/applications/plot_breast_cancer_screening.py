"""
=====================================================
Screening for breast cancer: a missed case costs more
=====================================================

In screening, calling a malignant tumour benign (a missed case) is far worse
than a false alarm, which only leads to a further test. We give the two errors
different costs and compare three ways of taking them into account:

* a plain network (every error weighs the same),
* a network *trained* with a misclassification-weighted loss
  (:class:`~skweighted.WeightedMLPClassifier` with ``misclass_weights``),
* the plain network with *cost-aware decisions*
  (:class:`~skweighted.MinimumCostClassifier`), which picks the class of
  minimum expected cost instead of the most probable one.

Each is measured in cost with :func:`skweighted.metrics.misclassification_cost`.
"""

# %%
# Data and costs
# --------------
# In scikit-learn's copy of the Wisconsin data set, class 0 is malignant and
# class 1 benign. With all 30 measurements the two classes are almost
# separable and every model misses only a handful of cases; to see the
# trade-offs, we screen with two measurements only (the mean radius and the
# mean texture of the cell nuclei), as a cheaper first-line test would.
#
# Tables are oriented ``[true class, predicted class]``: missing a malignant
# case costs 10, a false alarm costs 1, correct answers cost nothing.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import MinimumCostClassifier, WeightedMLPClassifier
from skweighted.metrics import misclassification_cost

data = load_breast_cancer(as_frame=True)
X = data.data[["mean radius", "mean texture"]]
y = data.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
COST = np.array([[0.0, 10.0], [1.0, 0.0]])  # rows: true malignant, benign
n_malignant, n_benign = np.bincount(y_test)
print(f"test set: {n_malignant} malignant, {n_benign} benign")


def mlp(**params):
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(16,),
            epochs=60,
            batch_size=64,
            learning_rate=1e-2,
            random_state=0,
            **params,
        ),
    )


# %%
# Four models
# -----------
# The training weights need not equal the costs: a weight multiplies an
# example's loss, and correct predictions keep weight 1 so that they still
# teach the network. The dict form lists only the pairs that differ from 1.
# We try both ways of turning the table into a weight (see
# :ref:`weighting`).
plain = mlp().fit(X_train, y_train)
W = {(0, 1): 10.0}
models = {
    "plain": plain,
    "weighted (argmax)": mlp(misclass_weights=W).fit(X_train, y_train),
    "weighted (expected)": mlp(misclass_weights=W, weighting="expected").fit(
        X_train, y_train
    ),
    "cost-aware decisions": MinimumCostClassifier(
        FrozenEstimator(plain), cost_matrix=COST
    ),
}
costs = {}
for name, model in models.items():
    y_pred = model.predict(X_test)
    costs[name] = misclassification_cost(y_test, y_pred, cost_matrix=COST)
    cm = confusion_matrix(y_test, y_pred)
    print(
        f"{name:>22}: cost {costs[name]:5.0f}, "
        f"missed malignant {cm[0, 1]:2d}, false alarms {cm[1, 0]:2d}"
    )

# %%
# Where the errors go
# -------------------
# All cost-sensitive approaches trade false alarms for fewer missed malignant
# cases, which is what the cost matrix asks for.
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
for ax, (name, model) in zip(axes, models.items(), strict=True):
    ConfusionMatrixDisplay.from_predictions(
        y_test,
        model.predict(X_test),
        display_labels=["malignant", "benign"],
        colorbar=False,
        ax=ax,
    )
    ax.set_title(name, fontsize=10)
fig.tight_layout()

fig, ax = plt.subplots(figsize=(6, 2.8))
ax.barh(list(costs), list(costs.values()), color=["grey", "C0", "C2", "C1"])
ax.invert_yaxis()
ax.set_xlabel("test cost (missed malignant: 10, false alarm: 1)")
fig.tight_layout()
plt.show()

# %%
# Both at once?
# -------------
# Training with the weights *and* deciding with the costs counts the costs
# twice. It can pay off when the network's probabilities are poorly calibrated,
# or overshoot; measure it on held-out data before choosing.
both = MinimumCostClassifier(
    FrozenEstimator(models["weighted (expected)"]), cost_matrix=COST
)
cost = misclassification_cost(y_test, both.predict(X_test), cost_matrix=COST)
print(f"weighted (expected) + cost-aware decisions: cost {cost:.0f}")
