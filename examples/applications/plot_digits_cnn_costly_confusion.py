"""
=================================================
A small CNN where one confusion is expensive
=================================================

A form reader reads handwritten digits as images. Most misreadings are caught
later, but reading a 1 as an 8 or an 8 as a 1 is expensive: both are valid
codes, so nothing downstream notices. We train a small convolutional network
on scikit-learn's 8 x 8 digits, given as images of shape ``(n, 8, 8, 1)``,
once with the plain loss and once with a weight table that makes these two
confusions weigh more, and count them on held-out images.

The network is an ordinary Keras builder, written as for SciKeras'
``KerasClassifier``: :class:`~skweighted.WeightedKerasClassifier` takes it
unchanged, with images as ``X`` and the usual
``sparse_categorical_crossentropy`` loss.
"""

# %%
# Images and the weight table
# ---------------------------
import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

from skweighted import WeightedKerasClassifier

A, B = 1, 8  # the two digits that must not be confused

digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)[..., None]  # (n, 8, 8, 1)
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
print("images:", X_train.shape)

# W[true, predicted]: 1 everywhere, except the two costly confusions.
COSTLY = 10.0
W = np.ones((10, 10))
W[A, B] = W[B, A] = COSTLY


# %%
# The network
# -----------
# A builder as SciKeras users write it: it reads the input shape and the number
# of classes from ``meta``. Seeds on the initializers make each fit repeatable.
def build_cnn(meta):
    seed = 0
    return keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Conv2D(
                8,
                3,
                activation="relu",
                kernel_initializer=keras.initializers.HeNormal(seed),
            ),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(
                meta["n_classes_"],
                activation="softmax",
                kernel_initializer=keras.initializers.GlorotUniform(seed + 1),
            ),
        ]
    )


def cnn(**params):
    return WeightedKerasClassifier(
        build_cnn,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=3e-3,
        epochs=8,
        batch_size=32,
        random_state=0,
        **params,
    )


plain = cnn().fit(X_train, y_train)
weighted = cnn(misclass_weights=W, weighting="expected").fit(X_train, y_train)


# %%
# The costly confusions
# ---------------------
# With ``weighting="expected"`` an example's weight is ``sum_j W[i, j] p_j``:
# a 1 weighs more as soon as some of its probability goes to 8, so the network
# learns to keep the two apart.
def costly(model):
    y_pred = model.predict(X_test)
    return int(
        ((y_test == A) & (y_pred == B)).sum() + ((y_test == B) & (y_pred == A)).sum()
    )


results = {}
for name, model in {"plain": plain, "weighted": weighted}.items():
    accuracy = model.score(X_test, y_test)
    results[name] = costly(model)
    print(
        f"{name:>8}: accuracy {accuracy:.3f}, {A}<->{B} confusions {results[name]} "
        f"of {int(np.isin(y_test, [A, B]).sum())} test images of {A} or {B}"
    )

# %%
# The two confusion matrices, restricted to the costly pair's rows: the
# weighted network moves its mistakes on 1s and 8s away from each other.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, (name, model) in zip(
    axes, {"plain": plain, "weighted": weighted}.items(), strict=True
):
    cm = confusion_matrix(y_test, model.predict(X_test), labels=range(10))
    ax.imshow(cm[[A, B]], cmap="Blues")
    for (i, j), count in np.ndenumerate(cm[[A, B]]):
        ax.text(j, i, count, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(10))
    ax.set_yticks([0, 1], [f"true {A}", f"true {B}"])
    ax.set_xlabel("predicted digit")
    ax.set_title(f"{name}: {results[name]} costly confusions")
fig.tight_layout()
plt.show()
