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
  with a table from the costs and with class weights from the costs
  (:func:`~skweighted.cost_class_weight`),
* the plain network with *cost-aware decisions*
  (:class:`~skweighted.MinimumCostClassifier`), which picks the class of
  minimum expected cost instead of the most probable one.

On real example-dependent costs (the bank marketing benchmark of the "From
costs to decisions" page) the cost-aware decisions on a plain network and a
network trained with cost-proportionate weights saved the most, on a par;
deciding by cost on top of a network trained with per-example cost weights
counted the costs twice and saved less.

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

from skweighted import MinimumCostClassifier, WeightedMLPClassifier, cost_class_weight
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
# teach the network. The dict form lists only the pairs that differ from 1,
# so the table ``{(0, 1): 10.0}`` weighs a malignant case 10 only while it is
# predicted benign (see :ref:`weighting`). The class weights of
# :func:`~skweighted.cost_class_weight` weigh each class by how much more a
# mistake on it costs than a right answer (10 for malignant, 1 for benign,
# rescaled to average 1 on the training cases); trained for accuracy with
# them, the network's own prediction is the cost-optimal decision for two
# classes.
plain = mlp().fit(X_train, y_train)
W = {(0, 1): 10.0}
class_weight = cost_class_weight(COST, classes=[0, 1], y=y_train)
models = {
    "plain": plain,
    "weighted table": mlp(misclass_weights=W).fit(X_train, y_train),
    "cost class weights": mlp(class_weight=class_weight).fit(X_train, y_train),
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
# Training with cost weights *and* deciding with the costs would count the
# costs twice. Class weights shift the learned probabilities by a known
# factor (Elkan, 2001), so :class:`~skweighted.MinimumCostClassifier` reads
# them from the network and divides them out before deciding: around the
# class-weighted network it decides as on unweighted probabilities. Weights
# that differ per example, or with the prediction (the table above), cannot
# be divided out, and it warns instead.
both = MinimumCostClassifier(
    FrozenEstimator(models["cost class weights"]), cost_matrix=COST
).fit(X_train, y_train)
cost = misclassification_cost(y_test, both.predict(X_test), cost_matrix=COST)
print(f"class weights divided out: {both.training_weights_}")
print(f"cost class weights + cost-aware decisions: cost {cost:.0f}")
