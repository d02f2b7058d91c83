"""
===============================================
Choosing a weight table by cross-validated cost
===============================================

The weights used in training are a hyperparameter: they need not equal the
costs, and the best ratio depends on the data and the network. Here
:class:`~sklearn.model_selection.GridSearchCV` tries several tables for the
breast-cancer screening problem and scores each in cost with
:func:`skweighted.metrics.make_cost_scorer`, while also recording accuracy to
show what the lower cost is traded against.
"""

# %%
# Data, costs and candidate tables
# --------------------------------
# As in :ref:`sphx_glr_auto_examples_applications_plot_breast_cancer_screening.py`, class 0
# is malignant, we screen with two measurements, and a missed malignant case
# costs 10 times a false alarm. The candidates weigh a missed malignant case
# 1 (plain training) to 30 times a correct answer.
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import WeightedMLPClassifier
from skweighted.metrics import make_cost_scorer, misclassification_cost

data = load_breast_cancer(as_frame=True)
X = data.data[["mean radius", "mean texture"]]
y = data.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
COST = {(0, 1): 10.0}  # a cost matrix: other errors cost 1, correct answers 0

missed_weights = [1.0, 3.0, 10.0, 30.0]
tables = [{(0, 1): w} for w in missed_weights]

pipe = make_pipeline(
    StandardScaler(),
    WeightedMLPClassifier(
        hidden_layer_sizes=(16,),
        epochs=15,
        batch_size=32,
        learning_rate=2e-2,
        weighting="expected",
        random_state=0,
    ),
)

# %%
# The search
# ----------
# The cost scorer returns the *negated* mean cost per example, so that greater
# is better as scikit-learn expects. ``refit="cost"`` keeps the table with the
# lowest cross-validated cost.
search = GridSearchCV(
    pipe,
    {"weightedmlpclassifier__misclass_weights": tables},
    scoring={"cost": make_cost_scorer(COST), "accuracy": "accuracy"},
    refit="cost",
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)

results = search.cv_results_
for w, cost, acc in zip(
    missed_weights,
    -results["mean_test_cost"],
    results["mean_test_accuracy"],
    strict=True,
):
    print(
        f"weight of a missed malignant case {w:4.0f}: cost {cost:.3f}, accuracy {acc:.3f}"
    )
best = search.best_params_["weightedmlpclassifier__misclass_weights"]
print("best table:", best)

# %%
# Cost and accuracy pull in different directions: weighting the missed cases
# more costs some accuracy (more false alarms) but lowers the cost, up to a
# point.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.errorbar(
    missed_weights,
    -results["mean_test_cost"],
    yerr=results["std_test_cost"],
    marker="o",
    capsize=3,
    label="cost per example",
)
ax.set_xscale("log")
ax.set_xticks(missed_weights, [f"{w:g}" for w in missed_weights])
ax.set_xlabel("training weight of a missed malignant case")
ax.set_ylabel("cross-validated cost per example")
ax2 = ax.twinx()
ax2.plot(missed_weights, results["mean_test_accuracy"], "s--", color="C1")
ax2.set_ylabel("accuracy", color="C1")
fig.tight_layout()
plt.show()

# %%
# The refitted best model, on the held-out test set:
y_pred = search.predict(X_test)
print(
    f"test cost per example: "
    f"{misclassification_cost(y_test, y_pred, cost_matrix=COST, normalize=True):.3f}"
)

# %%
# Per-example costs
# -----------------
# When each example has its own costs, let the scorer receive each test fold's
# tables through metadata routing:
# ``make_cost_scorer().set_score_request(sample_tables=True)``, then
# ``search.fit(X, y, sample_tables=C)``; see :ref:`per-example`.
