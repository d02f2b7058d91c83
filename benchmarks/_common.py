"""Shared helpers of the benchmark sections: settings, timing, data, reference fits.

Everything here uses only public APIs (scikit-learn, Keras, SciKeras and
skweighted's estimators), so the benchmarks measure what users run.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# Sizes of a full run; ``--quick`` overrides some of them.
FULL = {
    "repeats": 3,
    # epochs of 0.1 s or less (n=20,000) drown a 10 % difference in noise
    "overhead_n": 100_000,
    "overhead_ks": [2, 10, 100],
    "overhead_epochs": 5,
    # whole fits, the default path: paired ratios spread by +-10 % on a shared
    # 2-core machine, so enough repeats for quartiles and a median within a
    # few percent
    "overhead_repeats": 21,
    "overhead_model_fit_repeats": 3,  # per epoch, the Model.fit path (callbacks)
    "full_tables_max_k": 10,  # (n, K, K) tables above this are fed as (n, K) rows
    "kloop_ks": [2, 10, 30],
    "kloop_budget_s": 60.0,
    "kloop_n": 10_000,
    "kloop_epochs": 4,
    "scaling_ns": [1_000, 10_000, 100_000],
    "scaling_k_n": 10_000,
    "scaling_ks": [2, 10, 30, 100],
    "bench_n": 100_000,
    "bench_k": 5,
    "epochs": 5,
    "small_repeats": 3,
    "memory_n": 200_000,
    "memory_k": 30,
    "gridsearch_epochs": 30,
    "gridsearch_folds": 5,
    "gridsearch_repeats": 3,
}
QUICK = {  # smaller sizes for development
    **FULL,
    "overhead_n": 4_000,
    "overhead_epochs": 4,
    "overhead_repeats": 3,
    "overhead_model_fit_repeats": 2,
    "kloop_ks": [2, 10],
    "kloop_n": 4_000,
    "kloop_epochs": 3,
    "scaling_ns": [1_000, 5_000],
    "scaling_k_n": 4_000,
    "scaling_ks": [2, 10],
    "bench_n": 10_000,
    "memory_n": 20_000,
    "gridsearch_epochs": 3,
    "gridsearch_repeats": 1,
}
# The network of the synthetic-data sections: 20 -> 64 (relu) -> K (softmax).
HIDDEN = 64
BATCH = 256


def log(*args):
    """Progress on stderr (stdout of a child process carries its JSON)."""
    print(*args, file=sys.stderr, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def timed(fn):
    """Return (seconds, result) of calling ``fn()``."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_cpu(fn):
    """Return (wall seconds, process CPU seconds) of calling ``fn()``."""
    cpu = time.process_time()
    wall, _ = timed(fn)
    return wall, time.process_time() - cpu


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
        "gpu": "not measured (CPU only)",
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


def scikeras_classifier(k, hidden=64, batch_size=256, epochs=5, seed=0, alpha=None):
    """Plain SciKeras KerasClassifier with the same network.

    Sparse labels: SciKeras 0.13 does not one-hot encode binary targets
    (adriangb/scikeras#277), so the loss is sparse categorical cross-entropy.
    With ``alpha``, the builder takes it as the routed parameter
    ``model__alpha`` and adds scikit-learn's L2 penalty (``0.5 * alpha *
    ||W||^2`` divided by the batch size), so that a grid search can vary it.
    ``k`` is read from the data by SciKeras; it is accepted for symmetry.
    """
    from scikeras.wrappers import KerasClassifier

    from skweighted.keras import build_mlp

    def build(meta, alpha=0.0):
        return build_mlp(
            meta["n_features_in_"],
            meta["n_classes_"],
            hidden_layer_sizes=(hidden,),
            l2=0.5 * alpha / batch_size,
        )

    routed = {} if alpha is None else {"model__alpha": alpha}
    return KerasClassifier(
        build,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=1e-3,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        random_state=seed,
        **routed,
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


# ---------------------------------------------------------------- fits
def fit_skweighted(X, y, epochs, callbacks=None, **params):
    """Time ``WeightedMLPClassifier.fit`` on the synthetic-data network.

    ``callbacks``: Keras callbacks passed to ``fit`` (any one makes it train
    through ``keras.Model.fit``).
    """
    from skweighted import WeightedMLPClassifier

    clf = WeightedMLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        batch_size=BATCH,
        epochs=epochs,
        n_iter_no_change=10**6,
        random_state=0,
        **params,
    )
    fit_params = {} if callbacks is None else {"callbacks": callbacks}
    seconds, _ = timed(lambda: clf.fit(X, y, **fit_params))
    return seconds, clf


def fit_sklearn(X, y, epochs):
    clf = sklearn_mlp(HIDDEN, BATCH, epochs)
    seconds, _ = timed(lambda: clf.fit(X, y))
    return seconds, clf


def fit_scikeras(X, y, epochs):
    clf = scikeras_classifier(len(set(y.tolist())), HIDDEN, BATCH, epochs)
    seconds, _ = timed(lambda: clf.fit(X, y))
    return seconds, clf


def fit_keras(X, y, epochs, k=None, batch_loop=False, **compile_options):
    """Build, compile and fit the plain Keras network (all inside the timing).

    ``batch_loop`` replaces ``model.fit`` by a ``train_on_batch`` loop over
    batches shuffled in numpy (no tf.data pipeline, no callbacks).
    """
    k = k or int(y.max()) + 1

    def run():
        model = keras_mlp(X.shape[1], k, HIDDEN, **compile_options)
        Y = np.eye(k, dtype="float32")[y]
        if batch_loop:
            rng = np.random.default_rng(0)
            for _ in range(epochs):
                order = rng.permutation(len(y))
                for s in range(0, len(y), BATCH):
                    idx = order[s : s + BATCH]
                    model.train_on_batch(X[idx], Y[idx])
        else:
            model.fit(X, Y, batch_size=BATCH, epochs=epochs, verbose=0)
        return model

    seconds, model = timed(run)
    return seconds, model


def accuracy(model, X, y):
    """Accuracy of an estimator (``score``) or of a plain Keras model."""
    if hasattr(model, "score"):
        return float(model.score(X, y))
    proba = model.predict(X, verbose=0, batch_size=8192)
    return float((np.argmax(proba, axis=1) == y).mean())


def paired_ratios(times, reference):
    """Per-repeat ratios against a reference timed in the same repeats."""
    return [a / b for a, b in zip(times, reference, strict=False)]


def quartiles(values):
    """The first and third quartiles of ``values`` (None for fewer than two)."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None, None
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


# ---------------------------------------------------------------- children
def run_child(code, env=None, timeout=900):
    """Run Python ``code`` in a fresh process; return the JSON of its last line."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])
