"""
==========================================
Ten digits where some confusions are cheap
==========================================

A sorting machine reads one digit of each postcode. Digits 0-4 go to a remote
depot, digits 5-9 to the central hub. Most misreadings are cheap: a letter
read as another digit of the same depot is re-sorted there by hand, and a
letter wrongly sent to the hub is forwarded from it at little cost. Only one
kind of mistake is expensive: a letter for the hub sent to the remote depot
has to be brought back.

With ten classes the table has 100 entries, and most of a plain network's
errors are harmless. We compare a plain
:class:`~skweighted.WeightedMLPClassifier`, one trained with a weight table
that follows the costs, and cost-aware decisions
(:class:`~skweighted.MinimumCostClassifier`).
"""

# %%
# The cost matrix
# ---------------
# ``COST[i, j]`` is the cost of reading digit ``j`` when the truth is ``i``:
# 0 when right, 10 for a hub letter (5-9) read as a remote one (0-4), 1 for any
# other mistake.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweighted import MinimumCostClassifier, WeightedMLPClassifier
from skweighted.metrics import misclassification_cost

hub = np.arange(10) >= 5
to_remote = hub[:, None] & ~hub[None, :]  # true hub digit, predicted remote
COST = np.where(to_remote, 10.0, 1.0)
np.fill_diagonal(COST, 0.0)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

# %%
# Three models
# ------------
# The training weights follow the costs, except that correct predictions keep
# weight 1 (a zero weight would take the example out of training). With
# ``weighting="expected"`` an example's weight is ``sum_j W[i, j] p_j``, so a
# hub digit weighs more as soon as some of its probability drifts to the remote
# digits.
W = np.where(to_remote, 10.0, 1.0)


def mlp(**params):
    return make_pipeline(
        StandardScaler(),
        WeightedMLPClassifier(
            hidden_layer_sizes=(32,),
            epochs=30,
            batch_size=64,
            learning_rate=3e-3,
            alpha=1e-2,
            random_state=0,
            **params,
        ),
    )


plain = mlp().fit(X_train, y_train)
models = {
    "plain": plain,
    "weighted training": mlp(misclass_weights=W, weighting="expected").fit(
        X_train, y_train
    ),
    "cost-aware decisions": MinimumCostClassifier(
        FrozenEstimator(plain), cost_matrix=COST
    ),
}

# %%
# Results
# -------
# Accuracy counts every error alike; the cost counts what the errors do.
expensive, cheap = {}, {}
for name, model in models.items():
    y_pred = model.predict(X_test)
    wrong = y_pred != y_test
    expensive[name] = int((hub[y_test] & ~hub[y_pred]).sum())
    cheap[name] = int(wrong.sum()) - expensive[name]
    cost = misclassification_cost(y_test, y_pred, cost_matrix=COST)
    print(
        f"{name:>21}: accuracy {1 - wrong.mean():.3f}, cheap errors "
        f"{cheap[name]:3d}, expensive errors {expensive[name]:3d}, cost {cost:4.0f}"
    )

# %%
# Weighted training does not help here; on this split it is even a little
# worse, which is within the noise of a few errors out of 900. The network is
# already accurate, and a weight only multiplies the loss of the examples it
# gets (nearly) wrong, of which there are few. It makes the network try harder
# on them, but it does not tell it *which* wrong answer to prefer.
#
# The decision rule does: for each letter it adds up the probabilities of all
# the hub digits, and sends the letter to the remote depot only when that is
# unlikely enough to be worth the risk, ``argmin_j sum_i p_i COST[i, j]``. It
# makes more, cheap, mistakes and far fewer expensive ones, with no
# retraining. Which lever works best depends on the problem; measure both, as
# here, in cost.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
im = ax0.imshow(COST, cmap="Reds")
ax0.set_xticks(range(10))
ax0.set_yticks(range(10))
ax0.set_xlabel("predicted digit")
ax0.set_ylabel("true digit")
ax0.set_title("cost matrix")
fig.colorbar(im, ax=ax0, shrink=0.8)

names = list(models)
positions = np.arange(len(names))
ax1.barh(positions - 0.2, [cheap[n] for n in names], height=0.4, label="cheap")
ax1.barh(positions + 0.2, [expensive[n] for n in names], height=0.4, label="expensive")
ax1.set_yticks(positions, names)
ax1.invert_yaxis()
ax1.set_xlabel("test errors")
ax1.legend()
fig.tight_layout()
plt.show()
