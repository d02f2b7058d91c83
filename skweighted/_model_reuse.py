"""Reuse of compiled models between fits of one configuration.

Most of a small fit's time is spent tracing the train function of a newly
compiled model. A fit that finds a compiled model of its exact configuration
here takes it (so no other fit can use it at the same time), loads its own
fresh initial weights into it, resets its optimizer, and trains it without
tracing again. The fitted estimator keeps a compiled, built copy of the
trained model, and the traced model comes back here for the next fit.

The store is bounded (least recently used models are dropped), guarded by a
lock, and can be turned off with :func:`set_model_reuse` or, for a block of
code, :func:`model_reuse`. A fit with or without reuse gives the same
estimator: the same weights, optimizer state and compiled ``model_``.
"""

import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

__all__ = ["model_reuse", "set_model_reuse"]

_LOCK = threading.Lock()
_MODELS = OrderedDict()
_SETTINGS = {"enabled": True, "max_models": 8}
# The open model_reuse blocks, in the order entered: (block, settings).
_BLOCKS = []


def set_model_reuse(enabled=True, *, max_models=None):
    """Turn the reuse of compiled models between fits on or off.

    ``WeightedMLPClassifier`` keeps the compiled models of its last few
    configurations so that the next fit of the same configuration skips
    tracing (a small fit then takes a fraction of a second instead of more
    than one). The fitted estimators are the same either way. The setting
    holds for the whole process; while a :func:`model_reuse` block is open,
    the block's setting applies.

    .. versionadded:: 0.2

    Parameters
    ----------
    enabled : bool, default=True
        Whether fits reuse compiled models. False also frees the models kept.
    max_models : int, default=None
        How many compiled models to keep (at least 1); None leaves it as it
        is (8 unless changed).

    Returns
    -------
    previous : dict
        The settings before the call, ``{"enabled": ..., "max_models": ...}``,
        to restore them with ``set_model_reuse(**previous)``.

    See Also
    --------
    model_reuse : The same for a block of code.

    Examples
    --------
    >>> from skweighted import set_model_reuse
    >>> previous = set_model_reuse(False)
    >>> previous
    {'enabled': True, 'max_models': 8}
    >>> _ = set_model_reuse(**previous)
    """
    enabled, max_models = _checked(enabled, max_models)
    with _LOCK:
        previous = dict(_SETTINGS)
        _SETTINGS["enabled"] = enabled
        if max_models is not None:
            _SETTINGS["max_models"] = max_models
        _trim()
    return previous


@contextmanager
def model_reuse(enabled=True, *, max_models=None):
    """Within the block, reuse compiled models between fits (or not).

    The block's setting holds for the whole process while it runs (fits in
    other threads too, such as those of a threaded search it starts). When
    blocks in several threads overlap, the one entered last that is still
    open applies, and the setting from before them is back once all have
    ended.

    .. versionadded:: 0.2

    Parameters
    ----------
    enabled : bool, default=True
        Whether fits in the block reuse compiled models.
    max_models : int, default=None
        How many compiled models to keep; None leaves it as it is.

    Yields
    ------
    None
        The previous settings are restored on exit.

    See Also
    --------
    set_model_reuse : The same for the rest of the process.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweighted import WeightedMLPClassifier, model_reuse
    >>> X, y = load_iris(return_X_y=True)
    >>> with model_reuse(False):
    ...     clf = WeightedMLPClassifier(epochs=2, random_state=0).fit(X, y)
    >>> clf.model_.compiled
    True
    """
    enabled, max_models = _checked(enabled, max_models)
    block = object()
    with _LOCK:
        settings = dict(_settings(), enabled=enabled)
        if max_models is not None:
            settings["max_models"] = max_models
        _BLOCKS.append((block, settings))
        _trim()
    try:
        yield
    finally:
        with _LOCK:
            _BLOCKS[:] = [(b, s) for b, s in _BLOCKS if b is not block]
            _trim()


def _checked(enabled, max_models):
    """``(enabled, max_models)`` as bool and int (or None), or an error."""
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"enabled must be True or False, got {enabled!r}.")
    if max_models is not None and (
        isinstance(max_models, bool)
        or not isinstance(max_models, (int, np.integer))
        or max_models < 1
    ):
        raise ValueError(f"max_models must be an int >= 1, got {max_models!r}.")
    return bool(enabled), None if max_models is None else int(max_models)


def _settings():
    """The settings in force: the open block entered last's, else the process'.

    Call with the lock held.
    """
    return _BLOCKS[-1][1] if _BLOCKS else _SETTINGS


def _trim():
    """Drop models beyond the bound (all of them when reuse is off)."""
    settings = _settings()
    limit = settings["max_models"] if settings["enabled"] else 0
    while len(_MODELS) > limit:
        _MODELS.popitem(last=False)


def take(key):
    """Remove and return the compiled model kept for ``key``, or None.

    Parameters
    ----------
    key : hashable or None
        Everything the compiled model and its traced functions depend on.
        None (a configuration that must not be reused) finds nothing.

    Returns
    -------
    model : Kept or None
    """
    if key is None:
        return None
    with _LOCK:
        if not _settings()["enabled"]:
            return None
        return _MODELS.pop(key, None)


def give(key, model):
    """Keep ``model`` (a :class:`Kept`, no longer used by any estimator) for
    the next fit."""
    if key is None:
        return
    with _LOCK:
        if not _settings()["enabled"]:
            return
        _MODELS[key] = model
        _MODELS.move_to_end(key)
        _trim()


def enabled():
    """Whether reuse is on."""
    with _LOCK:
        return _settings()["enabled"]


def kept():
    """How many compiled models are kept (for tests and diagnostics)."""
    with _LOCK:
        return len(_MODELS)


def clear():
    """Drop every kept model."""
    with _LOCK:
        _MODELS.clear()


def copy_variables(target, source):
    """Assign the values of ``source``'s variables to ``target``'s, in order.

    Parameters
    ----------
    target, source : keras.Model, keras.layers.Layer or keras.Optimizer
        Objects of the same architecture (their ``variables`` match).
    """
    from keras import ops

    for to, value in zip(target.variables, source.variables, strict=True):
        # A copy: on JAX both would otherwise hold the same buffer, which a
        # later Model.fit of one of them donates (deletes).
        to.assign(ops.copy(value))


@dataclass
class Kept:
    """A compiled model kept between fits, with what a fit needs to reuse it.

    Attributes
    ----------
    model : keras.Model
        The compiled model.
    loop : EpochLoop
        Its training loop, which keeps the traced functions.
    optimizer_start : list of ndarray
        The values of its optimizer's variables before the first step: a
        reused model's optimizer starts from them (zero moments and steps,
        the configured learning rate, a mixed-precision loss scale's initial
        scale), whatever an earlier fit (or its callbacks) changed.
    """

    model: object
    loop: object
    optimizer_start: list


def optimizer_values(optimizer):
    """Copies of the values of a built optimizer's variables, in order."""
    return [np.array(variable.numpy()) for variable in optimizer.variables]


def reset_optimizer(optimizer, values):
    """Put an optimizer back in the state :func:`optimizer_values` copied.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        A built optimizer.
    values : list of ndarray
        What :func:`optimizer_values` returned for it before its first step.
    """
    for variable, value in zip(optimizer.variables, values, strict=True):
        variable.assign(value)


def in_distribution_scope():
    """Whether a tf.distribute strategy or a Keras distribution is active.

    A model built there belongs to the user's strategy: it is never reused.
    """
    import keras

    if keras.distribution.distribution() is not None:
        return True
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.has_strategy()
    return False
