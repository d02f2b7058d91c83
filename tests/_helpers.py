"""Helpers shared by the tests: small estimators, one Keras builder, checks."""

import functools

import numpy as np


def small_mlp(**params):
    """A tiny WeightedMLPClassifier for fast tests."""
    from skweighted import WeightedMLPClassifier

    defaults = dict(hidden_layer_sizes=(8,), epochs=3, batch_size=32, random_state=0)
    defaults.update(params)
    return WeightedMLPClassifier(**defaults)


def build_dense(meta, hidden=4, steps_per_execution=None, learning_rate=None):
    """Build features -> Dense(hidden, relu) -> softmax over the classes.

    With ``steps_per_execution`` or ``learning_rate`` the model is compiled
    here (SGD, or Adam with that learning rate); the estimator then keeps
    that compile configuration.
    """
    import keras

    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    if learning_rate is not None:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="categorical_crossentropy",
        )
    elif steps_per_execution is not None:
        model.compile(
            optimizer="sgd",
            loss="categorical_crossentropy",
            steps_per_execution=steps_per_execution,
        )
    return model


def dense_builder(steps_per_execution=None, learning_rate=None, hidden=4):
    """A picklable builder: :func:`build_dense` with these settings."""
    return functools.partial(
        build_dense,
        hidden=hidden,
        steps_per_execution=steps_per_execution,
        learning_rate=learning_rate,
    )


def small_keras(**params):
    """A tiny WeightedKerasClassifier with the dense builder."""
    from skweighted import WeightedKerasClassifier

    defaults = dict(model=dense_builder(), epochs=3, batch_size=32, random_state=0)
    defaults.update(params)
    return WeightedKerasClassifier(**defaults)


def assert_same_model(a, b, X):
    """Assert two fitted estimators predict the same probabilities (float32)."""
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def global_random_states():
    """Python's, numpy's, TensorFlow's and Keras' global random states."""
    import random

    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    keras_generator = global_state.get_global_attribute("global_seed_generator")
    return (
        random.getstate(),
        np.random.get_state()[1].tobytes(),
        context.global_seed(),
        global_state.get_global_attribute("global_random_seed"),
        None if keras_generator is None else keras_generator.state.numpy().tolist(),
    )


def categorical_style_binary_loss():
    """A user's own loss for one sigmoid unit, whose class name says "categorical".

    Binary cross-entropy under another name: what a guard that read a loss'
    name would take for a categorical loss.
    """
    import keras

    class _CategoricalStyleBinaryLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.losses.binary_crossentropy(y_true, y_pred)

    return _CategoricalStyleBinaryLoss()


def last_line_printed_by(code, env=None):
    """The last line that running ``code`` in a fresh process prints
    (``env``: its environment, by default this process')."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return out.stdout.strip().splitlines()[-1]


def modules_loaded_by(code, packages):
    """The modules of ``packages`` that running ``code`` in a fresh process loads."""
    return last_line_printed_by(
        code
        + "\nimport sys\n"
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {tuple(packages)!r}))\n"
    )
