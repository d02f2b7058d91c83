"""Keras-only building blocks: the weighted loss, the table-aware model, the MLP.

Nothing here imports SciKeras; use these directly in plain Keras 3 code.
"""

from ._loss import MisclassificationWeightedCrossentropy
from ._mlp import build_mlp
from ._model import TableWeightedModel
from ._rows import true_class_rows
from ._weights import class_probabilities, table_weights

__all__ = [
    "MisclassificationWeightedCrossentropy",
    "TableWeightedModel",
    "build_mlp",
    "class_probabilities",
    "table_weights",
    "true_class_rows",
]
