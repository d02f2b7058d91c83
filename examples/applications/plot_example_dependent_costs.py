"""
=====================================================
Example-dependent costs: each mistake costs an amount
=====================================================

In fraud detection the price of a mistake depends on the transaction. Missing
a fraudulent payment loses its amount; flagging a payment, fraudulent or not,
costs a fixed fee for the manual check. Each example ``k`` then has its own
cost table, oriented ``[true class, predicted class]``:

==================  ================  ================
``C_k``             predicted legit   predicted fraud
==================  ================  ================
true legit (0)      0                 fee
true fraud (1)      amount\\ :sub:`k`  fee
==================  ================  ================

We compare the two routes that the benchmark on real example-dependent costs
supports (bank marketing, 5 seeds, ``make bench-costs``; see the "From costs
to decisions" page of the user guide): a plain network with per-example
cost-aware decisions (``MinimumCostClassifier.predict(X, sample_tables=C)``,
test savings 0.498 there), and a network trained with cost-proportionate
weights (:func:`~skweighted.cost_proportionate_weights`) that decides by itself
(0.495 there). A plain network that ignores the costs is the baseline. All are
measured in money with :func:`~skweighted.metrics.misclassification_cost` and
:func:`~skweighted.metrics.savings_score`.
"""

# %%
# Generated transactions
# ----------------------
# About 8 % of the transactions are fraudulent; amounts follow a log-normal
# distribution (most are small, a few are large). The network sees the
# log-amount as one of its features.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
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

rng = np.random.default_rng(0)
X, y = make_classification(
    n_samples=3000,
    n_features=6,
    n_informative=4,
    weights=[0.92],
    class_sep=0.8,
    flip_y=0.02,
    random_state=0,
)
amount = rng.lognormal(mean=4.0, sigma=1.2, size=len(y))
X = np.column_stack([X, np.log(amount)])
FEE = 10.0

# One (2, 2) cost table per transaction.
C = np.zeros((len(y), 2, 2))
C[:, 0, 1] = FEE  # false alarm
C[:, 1, 1] = FEE  # caught fraud: the check is still paid
C[:, 1, 0] = amount  # missed fraud

X_train, X_test, y_train, y_test, C_train, C_test = train_test_split(
    X, y, C, test_size=0.5, stratify=y, random_state=0
)
print(f"median amount {np.median(amount):.0f}, largest {amount.max():.0f}")

# %%
# From costs to training weights
# ------------------------------
# Costs are not weights: a correct, free prediction would weigh 0 and stop
# teaching the network. Cost-proportionate weighting (Zadrozny, Langford and
# Abe, 2003) weighs each transaction by how much more its wrong decision costs
# than its right one: a legitimate payment by the fee, a fraud by its amount
# minus the fee. A fraud smaller than the fee is cheaper to let through, so
# ``return_labels=True`` trains on that cheaper decision. Trained for accuracy
# on these weights, the network's own ``predict`` is the cost-optimal
# decision: no cost-aware decision rule goes on top.
y_weighted, w_train = cost_proportionate_weights(
    y_train, sample_tables=C_train, return_labels=True
)
print(f"weights: mean {w_train.mean():.2f}, largest {w_train.max():.1f}")


def mlp():
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(16,),
            epochs=30,
            batch_size=128,
            learning_rate=1e-2,
            random_state=0,
        ),
    )


plain = mlp().fit(X_train, y_train)
cost_trained = mlp().fit(
    X_train, y_weighted, weightedmlpclassifier__sample_weight=w_train
)

# %%
# Decisions with each transaction's costs
# ---------------------------------------
# For a transaction with fraud probability ``p``, letting it through costs
# ``p * amount`` on average and flagging it costs ``fee``: flag it when
# ``p > fee / amount``. :class:`~skweighted.MinimumCostClassifier` applies this
# rule (for any number of classes) when ``predict`` gets the tables.
decider = MinimumCostClassifier(FrozenEstimator(plain))
predictions = {
    "plain (costs ignored)": plain.predict(X_test),
    "cost-proportionate weights": cost_trained.predict(X_test),
    "plain + cost-aware decisions": decider.predict(X_test, sample_tables=C_test),
}

results = {}
for name, y_pred in predictions.items():
    cost = misclassification_cost(y_test, y_pred, sample_tables=C_test)
    savings = savings_score(y_test, y_pred, sample_tables=C_test)
    results[name] = savings
    print(f"{name:>29}: cost {cost:8.0f}, savings {savings:.3f}")

# %%
# Both routes use each transaction's own costs and save far more than the
# plain network. Use one or the other, not both: deciding by expected cost on
# top of the cost-weighted network would count the costs twice
# (:class:`~skweighted.MinimumCostClassifier` warns when it cannot undo the
# training weights).
#
# The savings score is ``1 - cost / cost of the cheapest constant decision``
# (here: flag nothing, or flag everything). 0 means no better than that, 1
# means no cost at all.
#
# On the left, each test transaction's fraud probability under the plain
# network against its amount; the cost-aware rule flags everything above the
# curve ``p = fee / amount``, so large payments are checked at low
# probabilities and small ones almost never.
proba = plain.predict_proba(X_test)[:, 1]
amount_test = C_test[:, 1, 0]
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4))
for label, colour, name in [(0, "C0", "legit"), (1, "C3", "fraud")]:
    mask = y_test == label
    ax0.scatter(amount_test[mask], proba[mask], s=6, c=colour, alpha=0.5, label=name)
grid = np.geomspace(amount_test.min(), amount_test.max(), 200)
ax0.plot(grid, np.minimum(FEE / grid, 1.0), "k--", label="p = fee / amount")
ax0.set_xscale("log")
ax0.set_xlabel("amount")
ax0.set_ylabel("predicted fraud probability")
ax0.legend(loc="upper right")

ax1.barh(list(results), list(results.values()), color=["grey", "C2", "C1"])
ax1.invert_yaxis()
ax1.set_xlabel("savings on the test set (higher is better)")
fig.tight_layout()
plt.show()
