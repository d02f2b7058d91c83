"""Pickling of this package's Keras objects, loadable in a fresh process.

Keras rebuilds a saved object by its registered name, and the classes here
are registered when :mod:`skweighted.keras` is imported. Their pickles
therefore name a function of this package, whose import registers them
before the object is rebuilt: a pickled estimator loads without any import
of the caller's. A :class:`~skweighted.keras.TableWeightedModel` is stored
in Keras' own ``.keras`` format (architecture, weights, compile arguments and
optimizer state), through Keras' public saving functions.
"""

import os
import tempfile
from pathlib import Path


def registered_reduce(reduced):
    """Wrap the ``(function, args)`` a Keras ``__reduce__`` returns."""
    function, args = reduced
    return rebuild, (function, args)


def rebuild(function, args):
    """``function(*args)``, once this package's classes are registered."""
    return function(*args)


def model_to_bytes(model):
    """The bytes of ``model`` saved in the ``.keras`` format."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return Path(path).read_bytes()


def model_from_bytes(data):
    """The model saved in ``data`` by :func:`model_to_bytes`, compiled."""
    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        Path(path).write_bytes(data)
        return keras.saving.load_model(path)
