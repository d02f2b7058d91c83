"""Pickling of this package's Keras objects, loadable in a fresh process.

Keras rebuilds a saved object by its registered name, and the classes here
are registered when :mod:`skweighted.keras` is imported. Their pickles
therefore name a function of this package, whose import registers them
before the object is rebuilt: a pickled estimator loads without any import
of the caller's. A :class:`~skweighted.keras.TableWeightedModel` is stored
in Keras' own ``.keras`` format (architecture, weights, compile arguments and
optimizer state), through Keras' public saving functions, together with the
state of its layers' random generators (dropout), which that format leaves
out: a loaded model continues training with the same dropout masks as the
saved one would.
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


def _generator_variables(model):
    """``model``'s random-generator state variables, in order.

    The variables of ``model.variables`` that are not among its weights: the
    seed generators of layers such as ``Dropout``.
    """
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def generator_states(model):
    """The values of ``model``'s random-generator states, in order."""
    from keras import ops

    return [ops.convert_to_numpy(v) for v in _generator_variables(model)]


def model_from_bytes(data, states=None):
    """The model saved in ``data`` by :func:`model_to_bytes`, compiled.

    ``states``: the :func:`generator_states` of the saved model, given back to
    the loaded one (None: left as loaded, for pickles that did not carry them).

    Loading creates the model's variables, which starts TensorFlow's runtime
    and fixes its thread pools: in a parallel worker process (a fitted
    estimator sent to its tasks), the pools are capped first, as a fit would;
    in the main process nothing changes.
    """
    import multiprocessing

    import keras

    from .._parallel import limit_backend_threads

    if multiprocessing.parent_process() is not None:
        limit_backend_threads()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        Path(path).write_bytes(data)
        model = keras.saving.load_model(path)
    if states is not None:
        for variable, value in zip(_generator_variables(model), states, strict=True):
            variable.assign(value)
    return model
