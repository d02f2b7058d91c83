"""skweighted: cost-sensitive neural-network classifiers for scikit-learn.

The estimators are imported lazily so that ``import skweighted.metrics`` and
the table utilities never load TensorFlow or Keras.
"""

__version__ = "0.1.0"

__all__ = [
    "DoubleCountingWarning",
    "MinimumCostClassifier",
    "ScatteredArray",
    "WeightedKerasClassifier",
    "WeightedMLPClassifier",
    "__version__",
    "cost_class_weight",
    "cost_proportionate_weights",
    "limit_backend_threads",
    "model_reuse",
    "scatter_array",
    "set_model_reuse",
]

_LAZY = {
    "DoubleCountingWarning": "._decision",
    "MinimumCostClassifier": "._decision",
    "ScatteredArray": "._parallel",
    "WeightedKerasClassifier": "._classifier",
    "WeightedMLPClassifier": "._classifier",
    "cost_class_weight": "._costs",
    "cost_proportionate_weights": "._costs",
    "limit_backend_threads": "._parallel",
    "model_reuse": "._model_reuse",
    "scatter_array": "._parallel",
    "set_model_reuse": "._model_reuse",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'skweighted' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
