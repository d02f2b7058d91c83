"""
==========================================
Ten digits where some confusions are cheap
==========================================

A sorting machine reads one digit of each postcode and sends the letter to
one of two depots: digits 0-4 go to depot A, digits 5-9 to depot B. Misreading
a digit as another digit *of the same depot* is cheap (the depot re-sorts the
letter by hand), but sending a letter to the wrong depot is expensive.

With ten classes the table has 100 entries, and most of the errors that a
plain network makes are harmless. We train a
:class:`~skweighted.WeightedMLPClassifier` whose loss weighs the expensive
confusions more, and compare it with a plain network and with cost-aware
decisions (:class:`~skweighted.MinimumCostClassifier`).
"""

# %%
# The cost matrix
# ---------------
# ``COST[i, j]`` is the cost of reading digit ``j`` when the truth is ``i``: 0
# when right, 1 within a depot, 10 across depots.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import MinimumCostClassifier, WeightedMLPClassifier
from skweighted.metrics import misclassification_cost

depot = np.arange(10) >= 5  # False: depot A (0-4), True: depot B (5-9)
cross_depot = depot[:, None] != depot[None, :]
COST = np.where(cross_depot, 10.0, 1.0)
np.fill_diagonal(COST, 0.0)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

# %%
# Training weights
# ----------------
# The loss weights follow the costs, except that correct predictions and cheap
# confusions keep weight 1: a weight multiplies the example's cross-entropy,
# and a zero weight would take the example out of training. With
# ``weighting="expected"`` each example's weight is the expected weight under
# its predicted probabilities, ``sum_j W[i, j] p_j``, which changes smoothly as
# training moves probability mass across the depot boundary.
W = np.where(cross_depot, 10.0, 1.0)


def mlp(**params):
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(32,),
            epochs=30,
            batch_size=64,
            learning_rate=3e-3,
            random_state=0,
            **params,
        ),
    )


plain = mlp().fit(X_train, y_train)
weighted = mlp(misclass_weights=W, weighting="expected").fit(X_train, y_train)
models = {
    "plain": plain,
    "weighted training": weighted,
    "cost-aware decisions": MinimumCostClassifier(
        FrozenEstimator(plain), cost_matrix=COST
    ),
}

# %%
# Results
# -------
# Accuracy counts every error alike; the cost counts what the errors do.
rows = []
for name, model in models.items():
    y_pred = model.predict(X_test)
    errors = y_pred != y_test
    wrong_depot = depot[y_pred] != depot[y_test]
    cost = misclassification_cost(y_test, y_pred, cost_matrix=COST)
    rows.append((name, errors.sum() - wrong_depot.sum(), wrong_depot.sum(), cost))
    print(
        f"{name:>22}: accuracy {1 - errors.mean():.3f}, "
        f"same-depot errors {rows[-1][1]:3d}, wrong-depot errors {rows[-1][2]:3d}, "
        f"cost {cost:6.1f}"
    )

# %%
# The cost matrix and where the errors went:
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
im = ax0.imshow(COST, cmap="Reds")
ax0.set_xticks(range(10))
ax0.set_yticks(range(10))
ax0.set_xlabel("predicted digit")
ax0.set_ylabel("true digit")
ax0.set_title("cost matrix")
fig.colorbar(im, ax=ax0, shrink=0.8)

names = [r[0] for r in rows]
positions = np.arange(len(rows))
ax1.barh(positions - 0.2, [r[1] for r in rows], height=0.4, label="same depot")
ax1.barh(positions + 0.2, [r[2] for r in rows], height=0.4, label="wrong depot")
ax1.set_yticks(positions, names)
ax1.invert_yaxis()
ax1.set_xlabel("test errors")
ax1.legend()
fig.tight_layout()
plt.show()
