"""Every third-party internal that skweighted relies on, in one place.

SciKeras 0.13 is no longer maintained, and Keras and scikit-learn keep some
useful pieces private. Each one used is imported here and listed in
:data:`INTERNALS` with what it is for; ``tests/test_seam.py`` looks each one up
and fails with a message naming the one that an upgrade removed. Nothing else
in the package imports ``scikeras`` or a Keras internal. The numpy and
scikit-learn modules (the decision rule, the cost conversions and the metrics)
import the scikit-learn privates they use directly, so that they never load
SciKeras or Keras; those are listed in :data:`INTERNALS` too.
"""

import importlib
import random

from scikeras.utils import metric_name
from scikeras.wrappers import KerasClassifier
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "INTERNALS",
    "Interval",
    "KerasClassifier",
    "Options",
    "StrOptions",
    "check_sample_weight",
    "fit_context",
    "keras_default_seed_source",
    "metric_name",
    "validate_parameter_constraints",
]

#: (module, attribute, what skweighted uses it for). The attribute "" means
#: the module itself.
INTERNALS = (
    (
        "scikeras.wrappers",
        "KerasClassifier",
        "the base class of the estimators (isinstance checks of SciKeras users); "
        "skweighted overrides its fit, predict and parameter handling",
    ),
    (
        "scikeras.utils",
        "metric_name",
        "SciKeras' full names of metrics (e.g. 'acc' -> 'accuracy') for the "
        "keys of history_",
    ),
    (
        "sklearn.base",
        "_fit_context",
        "parameter validation around fit, as scikit-learn's own estimators do",
    ),
    (
        "sklearn.utils._param_validation",
        "Interval",
        "declarative parameter constraints",
    ),
    (
        "sklearn.utils._param_validation",
        "Options",
        "declarative parameter constraints (batch_size=-1)",
    ),
    (
        "sklearn.utils._param_validation",
        "StrOptions",
        "declarative parameter constraints",
    ),
    (
        "sklearn.utils._param_validation",
        "validate_parameter_constraints",
        "the same checks for fit(epochs=..., batch_size=...) as for the parameters",
    ),
    (
        "sklearn.utils.validation",
        "_check_sample_weight",
        "validation of sample_weight",
    ),
    (
        "sklearn.utils._param_validation",
        "HasMethods",
        "declarative parameter constraints (MinimumCostClassifier's estimator)",
    ),
    (
        "sklearn.utils._param_validation",
        "validate_params",
        "parameter validation of the public functions (metrics, cost weights)",
    ),
    (
        "sklearn.utils.metadata_routing",
        "_routing_enabled",
        "MinimumCostClassifier routes fit parameters only when routing is on",
    ),
    (
        "sklearn.utils.validation",
        "_num_samples",
        "the number of examples of MinimumCostClassifier's X, of any type",
    ),
    (
        "keras.src.random.seed_generator",
        "python_random",
        "Keras draws the seeds of unseeded initializers and dropout layers from "
        "Python's `random` module; seeded builds of user models rely on it",
    ),
)

fit_context = _fit_context
check_sample_weight = _check_sample_weight


def keras_default_seed_source():
    """The generator Keras draws default initializer and dropout seeds from.

    Returns
    -------
    module
        Python's :mod:`random` module, when Keras still uses it; a
        RuntimeError otherwise (seeding user-built models would then be
        silently wrong).
    """
    source = importlib.import_module("keras.src.random.seed_generator").python_random
    if source is not random:
        raise RuntimeError(
            "Keras no longer draws its default seeds from Python's `random` "
            "module (keras.src.random.seed_generator.python_random); seeded "
            "builds of user models in skweighted._seeding need updating."
        )
    return source
