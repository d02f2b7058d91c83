"""The public API of skweighted, as the API pages and tests/test_docs.py see it.

The public objects are the names in ``__all__`` of the public packages. The
methods shown on a class page: a scikit-learn estimator gets its whole
scikit-learn API, inherited or not (``score`` from ``ClassifierMixin``,
``get_params`` ...); any class gets the public methods it defines itself and
documents. Keras' own methods (``fit``, ``compile`` ... of a ``keras.Model``)
are documented by Keras.
"""

import importlib
import inspect
import re

PUBLIC_MODULES = (
    "skweighted",
    "skweighted.keras",
    "skweighted.metrics",
    "skweighted.plot",
)
SKLEARN_METHODS = {
    "decision_function",
    "fit",
    "fit_predict",
    "fit_transform",
    "get_metadata_routing",
    "get_params",
    "partial_fit",
    "predict",
    "predict_log_proba",
    "predict_proba",
    "score",
    "set_params",
    "transform",
}
_REQUEST_METHOD = re.compile(r"set_\w+_request")


def public_objects():
    """``(module name, name, object)`` for each public object but ``__version__``."""
    found = []
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            if not name.startswith("__"):
                found.append((modname, name, getattr(module, name)))
    return found


def documented_methods(cls):
    """Names of the public methods documented on ``cls``'s page, sorted."""
    from sklearn.base import BaseEstimator

    estimator = issubclass(cls, BaseEstimator)
    names = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        value = getattr(cls, name, None)
        if not callable(value) or inspect.isclass(value):
            continue
        api = name in SKLEARN_METHODS or _REQUEST_METHOD.fullmatch(name)
        # Defined in this package (on the class or a base of its own, as
        # ``initialize``), not inherited from another library's base class.
        ours = any(
            name in klass.__dict__
            for klass in cls.__mro__
            if klass.__module__.split(".")[0] == "skweighted"
        )
        own = ours and bool(getattr(value, "__doc__", None))
        if (estimator and api) or own:
            names.append(name)
    return sorted(names)


def class_methods():
    """``{"module.Class": [method names]}`` for every public class."""
    return {
        f"{modname}.{name}": documented_methods(obj)
        for modname, name, obj in public_objects()
        if inspect.isclass(obj)
    }
