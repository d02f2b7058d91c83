"""
=================================================
A small CNN where one confusion is expensive
=================================================

A form reader reads handwritten digits as images. Most misreadings are caught
later by a check digit, but one is expensive: an 8 read as a 1 passes the
check and sends the form to the wrong office. We train a small convolutional
network on scikit-learn's 8 x 8 digits, given as images of shape
``(n, 8, 8, 1)``, once with the plain loss and once with a weight table that
makes this confusion weigh more, and count it on held-out images.

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

TRUE, READ = 8, 1  # an 8 read as a 1 is the expensive mistake

digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)[..., None]  # (n, 8, 8, 1)
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
print("images:", X_train.shape)

# W[true, predicted]: 1 everywhere, except the costly confusion.
W = np.ones((10, 10))
W[TRUE, READ] = 30.0


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
        epochs=15,
        batch_size=32,
        random_state=0,
        **params,
    )


plain = cnn().fit(X_train, y_train)
weighted = cnn(misclass_weights=W, weighting="expected").fit(X_train, y_train)


# %%
# The costly confusion
# --------------------
# With ``weighting="expected"`` an example's weight is ``sum_j W[i, j] p_j``:
# an 8 weighs more as soon as some of its probability goes to 1, so the
# network learns to keep 8s away from 1.
def confusions(model, true, read):
    return int(((y_test == true) & (model.predict(X_test) == read)).sum())


results = {}
for name, model in {"plain": plain, "weighted": weighted}.items():
    results[name] = confusions(model, TRUE, READ)
    print(
        f"{name:>8}: accuracy {model.score(X_test, y_test):.3f}, "
        f"{TRUE} read as {READ}: {results[name]} (costly), "
        f"{READ} read as {TRUE}: {confusions(model, READ, TRUE)} (cheap), "
        f"of {int((y_test == TRUE).sum())} test 8s and "
        f"{int((y_test == READ).sum())} test 1s"
    )

# %%
# The weighted network reads fewer 8s as 1s. It pays with cheap mistakes: more
# 1s read as 8s, and a slightly lower accuracy. The table says which mistake
# matters, and the network trades others for it. Below, the rows of the
# confusion matrices for the true 1s and 8s.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, (name, model) in zip(
    axes, {"plain": plain, "weighted": weighted}.items(), strict=True
):
    cm = confusion_matrix(y_test, model.predict(X_test), labels=range(10))
    rows = cm[[READ, TRUE]]
    ax.imshow(rows, cmap="Blues")
    for (i, j), count in np.ndenumerate(rows):
        ax.text(j, i, count, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(10))
    ax.set_yticks([0, 1], [f"true {READ}", f"true {TRUE}"])
    ax.set_xlabel("predicted digit")
    ax.set_title(f"{name}: {results[name]} 8s read as 1")
fig.tight_layout()
plt.show()
