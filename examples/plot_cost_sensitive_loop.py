# ruff: noqa: E402  (gallery examples import in the cell that uses them)
"""
Cost-sensitive training, decisions and evaluation
=================================================

Weighting the training loss is half of cost-sensitive classification; the
other half is deciding with the costs and measuring in cost. This example
runs the whole loop on the breast cancer data that ships with scikit-learn:

* measure models in cost with :func:`~skweighted.metrics.misclassification_cost`;
* choose a misclassification-weight table for
  :class:`~skweighted.WeightedMLPClassifier` with
  :class:`~sklearn.model_selection.GridSearchCV` scored in cost
  (:func:`~skweighted.metrics.make_cost_scorer`);
* decide with :class:`~skweighted.MinimumCostClassifier`, which predicts the
  class of least expected cost;
* see where the cost comes from with
  :class:`~skweighted.plot.CostMatrixDisplay`.
"""

# %%
# The costs
# ---------
# In :func:`~sklearn.datasets.load_breast_cancer`, class 0 is malignant and
# class 1 benign. Sending a malignant case home (true 0, predicted 1) costs 10;
# a false alarm (true 1, predicted 0) costs 1; being right costs nothing.
# ``C[i, j]`` is always the cost of predicting ``j`` when the truth is ``i``;
# pairs a dict does not list cost 0 on the diagonal and 1 elsewhere.
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from skweighted.metrics import misclassification_cost

COSTS = {(0, 1): 10.0}

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.4, stratify=y, random_state=0
)

# %%
# An unweighted baseline
# ----------------------
# A small network trained with plain cross-entropy, and its test cost.
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import WeightedMLPClassifier


def network(misclass_weights=None):
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


unweighted = network().fit(X_train, y_train)
costs = {"unweighted": unweighted.predict(X_test)}
print(
    "unweighted:",
    misclassification_cost(y_test, costs["unweighted"], cost_matrix=COSTS),
)

# %%
# Choosing the training weights by cost
# -------------------------------------
# The training weight of a missed malignant case is a hyperparameter: it need
# not equal its cost. The scorer returns the *negated* mean cost per example,
# so that greater is better, as scikit-learn expects.
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skweighted.metrics import make_cost_scorer

search = GridSearchCV(
    network(),
    {
        "weightedmlpclassifier__misclass_weights": [
            {(0, 1): w} for w in (2.0, 5.0, 10.0)
        ]
    },
    scoring=make_cost_scorer(COSTS),
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
).fit(X_train, y_train)
print("best table:", search.best_params_)
print("cross-validated mean cost per example:", -search.best_score_)
weighted = search.best_estimator_

# %%
# Deciding with the costs
# -----------------------
# :class:`~skweighted.MinimumCostClassifier` predicts
# ``argmin_j sum_i p_i C[i, j]`` from the probabilities of any classifier. A
# :class:`~sklearn.frozen.FrozenEstimator` keeps the trained networks as they
# are. (Per-example cost tables can also be given at decision time,
# ``predict(X, sample_tables=T)`` with ``T`` of shape (n_samples, K, K).)
from sklearn.frozen import FrozenEstimator

from skweighted import MinimumCostClassifier

models = {
    "unweighted": unweighted,
    "unweighted + min-cost": MinimumCostClassifier(
        FrozenEstimator(unweighted), cost_matrix=COSTS
    ).fit(X_train, y_train),
    "weighted": weighted,
    "weighted + min-cost": MinimumCostClassifier(
        FrozenEstimator(weighted), cost_matrix=COSTS
    ).fit(X_train, y_train),
}
predictions = {name: model.predict(X_test) for name, model in models.items()}
baseline = misclassification_cost(y_test, predictions["unweighted"], cost_matrix=COSTS)
for name, pred in predictions.items():
    cost = misclassification_cost(y_test, pred, cost_matrix=COSTS)
    print(f"{name:<24} cost {cost:>5g}  ({cost / baseline - 1:+.0%} vs unweighted)")

# %%
# Per-example costs at decision time
# ----------------------------------
# Real costs often differ per case and are known when deciding (in credit
# scoring, a loan's amount). Here, as an illustration, missing a malignant
# case costs between 2 and 30, drawn per patient: one (2, 2) table per test
# case, ``T[k, true, pred]``, used both to decide and to measure.
rng = np.random.default_rng(0)
T = np.zeros((len(y_test), 2, 2))
T[:, 0, 1] = rng.uniform(2.0, 30.0, size=len(y_test))  # missed malignant case
T[:, 1, 0] = 1.0  # false alarm
decider = models["unweighted + min-cost"]
for name, pred in [
    ("unweighted", predictions["unweighted"]),
    ("min-cost, global costs", decider.predict(X_test)),
    ("min-cost, per-example costs", decider.predict(X_test, sample_tables=T)),
]:
    cost = misclassification_cost(y_test, pred, sample_tables=T)
    print(f"{name:<28} per-example cost {cost:.1f}")

# %%
# Where the cost comes from
# -------------------------
# Each cell is the number of test cases in it times its cost. The two panels
# share one colour scale.
import matplotlib.pyplot as plt

from skweighted.plot import CostMatrixDisplay

names = ["unweighted", "weighted + min-cost"]
vmax = max(
    misclassification_cost(y_test, predictions[n], cost_matrix=COSTS) for n in names
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
        im_kw={"vmin": 0, "vmax": vmax},
    )
    ax.set_title(f"{name}: total cost {disp.costs.sum():g}")
plt.show()

# %%
# Training with the costs makes the network lean towards the costly class;
# deciding with the costs moves the decision threshold (here to
# ``P(malignant) > 1/11``). Both can help, and together they count the costs
# twice, so measure each on held-out data, in cost, as above.
