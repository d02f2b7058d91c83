"""Shared helpers for the benchmark runner: timing, data, reference models."""

import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def timed(fn):
    """Return (seconds, result) of calling ``fn()``."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def make_data(n, k, n_features=20, seed=0, n_test=0, spread=0.35):
    """Gaussian-blob classification data, standardized float32.

    ``spread`` scales the class centres against unit noise: 0.35 leaves the
    5-class problem about 85-90 % separable, so that accuracy can differ.

    Returns X, y (int labels 0..k-1) and, when ``n_test``, a test split.
    """
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=spread, size=(k, n_features)).astype(np.float32)
    total = n + n_test
    y = rng.integers(0, k, size=total)
    X = centers[y] + rng.normal(size=(total, n_features)).astype(np.float32)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X = X.astype(np.float32)
    if n_test:
        return X[:n], y[:n], X[n:], y[n:]
    return X, y


def random_table(k, seed=0):
    """A K x K misclassification-weight table: 1 on the diagonal, 1..5 off it."""
    rng = np.random.default_rng(seed)
    table = rng.uniform(1.0, 5.0, size=(k, k))
    np.fill_diagonal(table, 1.0)
    return table


def environment(shared=True):
    """Machine and versions, for the record."""
    import importlib.metadata as md

    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "shared_machine": shared,
        "load_average_at_start": list(os.getloadavg()),
        "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "gpu": "not measured (no GPU lent to this run)",
        "versions": {},
    }
    for dist in (
        "skweighted",
        "numpy",
        "scikit-learn",
        "keras",
        "tensorflow-cpu",
        "tensorflow",
        "scikeras",
        "jax",
        "jaxlib",
    ):
        try:
            info["versions"][dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return info


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def quiet():
    """Silence warnings that would flood the output."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore")
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


# ---------------------------------------------------------------- references


def sklearn_mlp(hidden=64, batch_size=256, epochs=5, seed=0):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(hidden,),
        batch_size=batch_size,
        max_iter=epochs,
        learning_rate_init=1e-3,
        alpha=1e-4,
        tol=0.0,
        n_iter_no_change=10**6,
        random_state=seed,
    )


def keras_mlp(n_features, k, hidden=64, **compile_options):
    """The same network in plain Keras, compiled like WeightedMLPClassifier."""
    import keras

    from skweighted.keras import build_mlp

    model = build_mlp(n_features, k, hidden_layer_sizes=(hidden,))
    compile_options.setdefault("loss", "categorical_crossentropy")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), **compile_options)
    return model


def scikeras_classifier(k, hidden=64, batch_size=256, epochs=5, seed=0):
    """Plain SciKeras KerasClassifier with the same network.

    Sparse labels: SciKeras 0.13 does not one-hot encode binary targets
    (adriangb/scikeras#277), so the loss is sparse categorical cross-entropy.
    """
    from scikeras.wrappers import KerasClassifier

    from skweighted.keras import build_mlp

    def build(meta):
        return build_mlp(
            meta["n_features_in_"], meta["n_classes_"], hidden_layer_sizes=(hidden,)
        )

    return KerasClassifier(
        build,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=1e-3,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        random_state=seed,
    )


def w_categorical_crossentropy(weights):
    """The widely copied tutorial loss (keras-team/keras#2115), in Keras 3 ops.

    Faithful to the original: a Python loop over all K x K (predicted, true)
    class pairs, each adding ``w[c_t, c_p] * [argmax == c_p] * y_true[:, c_t]``
    to a mask, so the graph grows as K^2. The original used the Keras 2
    backend (``K.equal``, ``K.categorical_crossentropy``); only the namespace
    changed here.
    """
    from itertools import product

    import keras
    from keras import ops

    weights = np.asarray(weights, dtype="float32")
    nb_cl = len(weights)

    def loss(y_true, y_pred):
        final_mask = ops.zeros_like(y_pred[:, 0])
        y_pred_max = ops.max(y_pred, axis=1)
        y_pred_max = ops.reshape(y_pred_max, (ops.shape(y_pred)[0], 1))
        y_pred_max_mat = ops.cast(ops.equal(y_pred, y_pred_max), y_pred.dtype)
        for c_p, c_t in product(range(nb_cl), range(nb_cl)):
            final_mask += (
                float(weights[c_t, c_p]) * y_pred_max_mat[:, c_p] * y_true[:, c_t]
            )
        return keras.losses.categorical_crossentropy(y_true, y_pred) * final_mask

    loss.__name__ = "w_categorical_crossentropy"
    return loss


def epoch_timer():
    """A Keras callback recording each epoch's wall time and process CPU time.

    CPU time (all threads of this process) is much less affected than wall
    time by other jobs on a shared machine, so it is reported alongside.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

            self.cpu_times = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()
            self._cpu = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)
            self.cpu_times.append(time.process_time() - self._cpu)

    return EpochTimer()
