"""A serializable misclassification-weighted cross-entropy for plain Keras."""

import keras
import numpy as np
from keras import ops

from ._pickling import registered_reduce
from ._weights import check_weighting, table_weights, weighting_scores


@keras.saving.register_keras_serializable(package="skweighted")
class MisclassificationWeightedCrossentropy(keras.losses.Loss):
    """Categorical cross-entropy weighted by a (true, predicted) table.

    For an example of true class ``i`` whose prediction ``p`` has ``j =
    argmax(p)``, the loss is ``W[i, j] * crossentropy(y_true, p)``. With
    ``weighting="expected"`` the weight is ``sum_j W[i, j] * p_j`` instead. The
    weight is treated as a constant (no gradient flows through it). Ties go to
    the first maximal class. With a softmax output ``j`` is read from the
    logits Keras keeps with it (see
    :func:`~skweighted.keras.weighting_scores`): the same class, except where
    two different logits round to the same probability.

    Parameters
    ----------
    misclass_weights : array-like of shape (K, K)
        Rows are true classes, columns predicted classes, in the order of the
        one-hot targets. Entries must be finite and >= 0.
    weighting : {"argmax", "expected"}, default="argmax"
        How the table row becomes a weight.
    from_logits : bool, default=False
        Whether ``y_pred`` holds logits rather than probabilities.
    reduction : str, default="sum_over_batch_size"
        As for any Keras loss.
    name : str, default="misclassification_weighted_crossentropy"
        Name of the loss.
    dtype : str, default=None
        As for any Keras loss. The table and the weights are computed in
        float32 (or wider) whatever it is; with ``"float16"`` the weighted
        values are cast to float16 when they are reduced, so a weighted
        value above 65504 overflows: keep the default under mixed precision.

    Attributes
    ----------
    misclass_weights : list of list of float
        The table, as nested lists (what ``get_config`` saves).
    weighting : str
        How the table row becomes a weight, as passed.
    from_logits : bool
        Whether ``y_pred`` holds logits, as passed.

    Examples
    --------
    >>> import numpy as np
    >>> from skweighted.keras import MisclassificationWeightedCrossentropy
    >>> W = [[1.0, 5.0], [1.0, 1.0]]
    >>> loss = MisclassificationWeightedCrossentropy(W)
    >>> y_true = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> y_pred = np.array([[0.4, 0.6], [0.2, 0.8]])
    >>> float(loss(y_true, y_pred))  # (5 * -log 0.4 + 1 * -log 0.8) / 2
    2.402...
    """

    def __init__(
        self,
        misclass_weights,
        weighting="argmax",
        from_logits=False,
        reduction="sum_over_batch_size",
        name="misclassification_weighted_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        table = np.asarray(misclass_weights, dtype="float64")
        if table.ndim != 2 or table.shape[0] != table.shape[1]:
            raise ValueError(
                f"misclass_weights must be a square (K, K) table, got shape {table.shape}."
            )
        if not np.isfinite(table).all() or (table < 0).any():
            raise ValueError("misclass_weights must be finite and >= 0.")
        self.misclass_weights = table.tolist()
        self.weighting = check_weighting(weighting)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        # The table and the weights never below float32: entries overflow
        # float16 (a loss with dtype="float16"); Keras then casts the
        # weighted values to the loss' dtype when it reduces them.
        wide = keras.backend.result_type(y_pred.dtype, "float32")
        table = ops.convert_to_tensor(self.misclass_weights, dtype=wide)
        scores = weighting_scores(y_pred, self.weighting, self.from_logits)
        rows = ops.matmul(ops.cast(y_true, wide), table)
        weights = table_weights(rows, scores, self.weighting)
        crossentropy = keras.losses.categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits
        )
        return weights * ops.cast(crossentropy, weights.dtype)

    def __reduce__(self):
        # unpickling imports skweighted.keras first, which registers this class
        return registered_reduce(super().__reduce__())

    def get_config(self):
        config = super().get_config()
        config.update(
            misclass_weights=self.misclass_weights,
            weighting=self.weighting,
            from_logits=self.from_logits,
        )
        return config
