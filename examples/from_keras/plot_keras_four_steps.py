"""
======================================================
From a Keras custom loss to a cost-sensitive estimator
======================================================

Four steps that Keras users take when the plain cross-entropy is not enough,
each first in plain Keras 3 with :mod:`skweighted.keras`, then as the
scikit-learn estimator:

1. the built-in loss,
2. a "mirror" custom loss that recomputes the built-in one,
3. a misclassification-weighted loss, ``W[i, j] * crossentropy`` with ``i``
   the true and ``j`` the predicted class,
4. an example-wise weighted loss, where each example has its own table.

Along the way we show why the two obvious ways of feeding per-example tables
to a loss (closing over the whole table, or over a symbolic ``keras.Input``)
do not work, and what does.
"""

# %%
# Data: three classes, five features
# ----------------------------------
# Targets for a softmax are one-hot vectors of shape ``(n_samples, 3)``.
import functools

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops
from sklearn.datasets import make_classification

from skweighted import WeightedKerasClassifier
from skweighted.keras import (
    MisclassificationWeightedCrossentropy,
    TableWeightedModel,
    true_class_rows,
)

X, y = make_classification(
    n_samples=300,
    n_features=5,
    n_informative=4,
    n_redundant=0,
    n_classes=3,
    random_state=0,
)
X = X.astype("float32")
Y = keras.utils.to_categorical(y, 3)
print(X.shape, Y.shape)


def build_network(n_features=5, n_classes=3):
    """A small softmax network; the same one is used at every step."""
    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )


EPOCHS = 15
histories = {}

# %%
# Step 1: the built-in loss
# -------------------------
# Pass the loss by name to ``compile``.
keras.utils.set_random_seed(0)
model = build_network()
model.compile(optimizer="adam", loss="categorical_crossentropy")
histories["built-in"] = model.fit(X, Y, epochs=EPOCHS, batch_size=32, verbose=0)

# %%
# Step 2: a mirror loss
# ---------------------
# A custom loss is any callable ``loss(y_true, y_pred)`` that returns one value
# per example; Keras calls it on each batch. This one recomputes the built-in
# loss, so with the same seed the training is the same.


def mirror_loss(y_true, y_pred):
    return keras.losses.categorical_crossentropy(y_true, y_pred)


keras.utils.set_random_seed(0)
model = build_network()
model.compile(optimizer="adam", loss=mirror_loss)
histories["mirror"] = model.fit(X, Y, epochs=EPOCHS, batch_size=32, verbose=0)
print(
    "largest difference in loss between steps 1 and 2:",
    np.max(
        np.abs(
            np.subtract(
                histories["built-in"].history["loss"],
                histories["mirror"].history["loss"],
            )
        )
    ),
)

# %%
# Step 3: a misclassification-weighted loss
# -----------------------------------------
# ``W[i, j]`` weighs an example of true class ``i`` predicted as ``j``:
#
# .. math:: \mathrm{loss}_k = W_{i, j}\, \mathrm{crossentropy}(y^k, \hat y^k),
#    \quad i = \arg\max y^k,\ j = \arg\max \hat y^k
#
# Here predicting class 1 or 2 for a class-0 example weighs 2.0, predicting 0
# for class 1 or 2 weighs 1.2, and the rest weighs 1. A global table is the
# same for every batch, so it can live inside the loss:
# :class:`~skweighted.keras.MisclassificationWeightedCrossentropy` does the
# weighting with ``keras.ops`` only (no Python loop over the ``K x K`` pairs),
# and is serializable.
W = np.ones((3, 3))
W[0, 1] = W[0, 2] = 2.0
W[1, 0] = W[2, 0] = 1.2

loss = MisclassificationWeightedCrossentropy(W)

# Check it against the formula on a few examples, in numpy.
probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], "float32")
targets = np.eye(3, dtype="float32")[[0, 2, 1]]
reference = W[targets.argmax(1), probs.argmax(1)] * -np.log((targets * probs).sum(1))
print("skweighted:", float(loss(targets, probs)), "numpy:", reference.mean())

keras.utils.set_random_seed(0)
model = build_network()
model.compile(optimizer="adam", loss=loss)
histories["weighted"] = model.fit(X, Y, epochs=EPOCHS, batch_size=32, verbose=0)

# %%
# The same as a scikit-learn estimator. :class:`~skweighted.WeightedKerasClassifier`
# takes the model builder, one-hot encodes ``y`` itself and accepts the table as
# an array, a DataFrame or a ``{(true, predicted): weight}`` dict.


def build_model(meta):
    return build_network(meta["n_features_in_"], meta["n_classes_"])


clf = WeightedKerasClassifier(
    build_model,
    misclass_weights={(0, 1): 2.0, (0, 2): 2.0, (1, 0): 1.2, (2, 0): 1.2},
    epochs=EPOCHS,
    batch_size=32,
    random_state=0,
)
clf.fit(X, y)
print("training accuracy:", round(clf.score(X, y), 3))

# %%
# Step 4: example-wise weights
# ----------------------------
# Now each example ``k`` has its own table ``T[k]``, shape ``(300, 3, 3)``.
rng = np.random.default_rng(0)
T = rng.uniform(0.5, 3.0, size=(len(X), 3, 3))

# %%
# **Closing the loss over the whole table does not work.** Keras calls the loss
# on one batch at a time, but the closure still holds all 300 tables: nothing
# slices them with the batch. At best the shapes clash, as here; at worst
# (a batch as large as the data, or broadcasting) the weights are silently
# those of other examples.


def table_loss(y_true, y_pred, tables):
    i = ops.argmax(y_true, axis=-1)
    j = ops.argmax(y_pred, axis=-1)
    rows = ops.take_along_axis(tables, i[:, None, None], axis=1)[:, 0, :]
    w = ops.take_along_axis(rows, j[:, None], axis=1)[:, 0]
    return w * keras.losses.categorical_crossentropy(y_true, y_pred)


closed_over_table = functools.partial(table_loss, tables=T.astype("float32"))
batch = slice(0, 32)
try:
    closed_over_table(Y[batch], model.predict(X[batch], verbose=0))
except Exception as exc:  # the table has 300 rows, the batch 32
    print(type(exc).__name__, "-", str(exc).splitlines()[0][:120])

# %%
# **Closing it over a symbolic input does not work either.** A ``keras.Input``
# is a placeholder used to *build* a model; it holds no data when the loss
# runs, and Keras 3 refuses to use it inside the training function.
table_input = keras.Input((3, 3))
closed_over_input = functools.partial(table_loss, tables=table_input)
keras.utils.set_random_seed(0)
model = build_network()
model.compile(optimizer="adam", loss=closed_over_input)
try:
    model.fit(X, Y, epochs=1, batch_size=32, verbose=0)
except Exception as exc:
    print(type(exc).__name__, "-", str(exc).splitlines()[0][:120])

# %%
# **What works: the tables travel with** ``x``. Keras slices every array in
# ``x`` with the batch, so a :class:`~skweighted.keras.TableWeightedModel`
# receives ``x = {"features": X, "rows": R}``, where ``R[k] = T[k, y_k]`` is the
# true-class row of each example's table (only that row is needed), and weighs
# the compiled loss in ``compute_loss``. The network itself only sees the
# features, and ``predict`` takes a plain array.
keras.utils.set_random_seed(0)
model = TableWeightedModel(build_network())
model.compile(optimizer="adam", loss="categorical_crossentropy")
rows = true_class_rows(T, y)
histories["example-wise"] = model.fit(
    {"features": X, "rows": rows}, Y, epochs=EPOCHS, batch_size=32, verbose=0
)
print(model.predict(X[:3], verbose=0).round(2))

# %%
# As an estimator, the tables go to ``fit`` as ``sample_tables``, either full
# ``(n, K, K)`` or as the ``(n, K)`` true-class rows; scikit-learn's tools split
# them per fold like ``sample_weight``.
clf = WeightedKerasClassifier(build_model, epochs=EPOCHS, batch_size=32, random_state=0)
clf.fit(X, y, sample_tables=T)
print("training accuracy:", round(clf.score(X, y), 3))

# %%
# The four training curves
# ------------------------
# The built-in and mirror losses coincide. The weighted losses are on another
# scale (each example's loss is multiplied by its weight), so compare their
# shapes, not their levels.
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, history in histories.items():
    style = "--" if name == "mirror" else "-"
    ax.plot(history.history["loss"], style, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()
