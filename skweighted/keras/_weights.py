"""The one formula that turns table rows into per-example loss weights."""

from keras import ops

WEIGHTINGS = ("argmax", "expected")


def check_weighting(weighting):
    """Raise a ValueError unless ``weighting`` is a known weighting."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS!r}, got {weighting!r}.")
    return weighting


def class_probabilities(y_pred, from_logits=False):
    """Class probabilities ``(batch, K)`` from what a classifier outputs.

    The one place where a network's output is read as class probabilities:
    ``K`` softmax units are taken as they are, one sigmoid unit ``p`` becomes
    ``[1 - p, p]``, and with ``from_logits`` the output is first passed
    through a softmax (``K`` units) or a sigmoid (one unit).

    Parameters
    ----------
    y_pred : tensor of shape (batch, K) or (batch, 1)
        The network's output.
    from_logits : bool, default=False
        Whether the output holds logits.

    Returns
    -------
    proba : tensor of shape (batch, K)
        Class probabilities, rows summing to 1; K = 2 for a one-unit output.

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skweighted.keras import class_probabilities
    >>> out = np.array([[0.8], [0.1]], dtype="float32")
    >>> ops.convert_to_numpy(class_probabilities(out)).round(2)
    array([[0.2, 0.8],
           [0.9, 0.1]], dtype=float32)
    >>> logits = np.array([[0.0, 0.0]], dtype="float32")
    >>> ops.convert_to_numpy(class_probabilities(logits, from_logits=True))
    array([[0.5, 0.5]], dtype=float32)
    """
    if y_pred.shape[-1] == 1:
        p = ops.sigmoid(y_pred) if from_logits else y_pred
        return ops.concatenate([1 - p, p], axis=-1)
    return ops.softmax(y_pred, axis=-1) if from_logits else y_pred


def table_weights(rows, y_pred, weighting="argmax"):
    """Per-example weights from each example's true-class row of its table.

    Parameters
    ----------
    rows : tensor of shape (batch, K)
        ``W_k[i_k, :]``: the row of example k's table for its true class.
    y_pred : tensor of shape (batch, K)
        Predicted probabilities.
    weighting : {"argmax", "expected"}
        ``"argmax"``: ``W_k[i, argmax_j p_kj]`` (ties go to the first maximal
        class). ``"expected"``: ``sum_j W_k[i, j] * p_kj``.

    Returns
    -------
    weights : tensor of shape (batch,)
        Treated as constants: no gradient flows through them.

    Examples
    --------
    >>> import numpy as np
    >>> from keras import ops
    >>> from skweighted.keras import table_weights
    >>> rows = np.array([[1.0, 5.0], [2.0, 1.0]], dtype="float32")
    >>> proba = np.array([[0.4, 0.6], [0.3, 0.7]], dtype="float32")
    >>> ops.convert_to_numpy(table_weights(rows, proba, "argmax"))
    array([5., 1.], dtype=float32)
    >>> ops.convert_to_numpy(table_weights(rows, proba, "expected")).round(2)
    array([3.4, 1.3], dtype=float32)
    """
    rows = ops.cast(rows, y_pred.dtype)
    if weighting == "argmax":
        # The first maximal class, as the argmax of an integer mask, picked by
        # a one-hot product: Keras' float argmax (a negative-zero fix) and its
        # take_along_axis (index broadcasting) add some 25 small ops, which
        # cost up to a third of a small network's step (benchmarks/).
        is_max = ops.equal(y_pred, ops.max(y_pred, axis=-1, keepdims=True))
        predicted = ops.argmax(ops.cast(is_max, "int32"), axis=-1)
        k = rows.shape[-1] if rows.shape[-1] is not None else ops.shape(rows)[-1]
        chosen = ops.one_hot(predicted, k, dtype=rows.dtype)
        weights = ops.sum(rows * chosen, axis=-1)
    elif weighting == "expected":
        weights = ops.sum(rows * y_pred, axis=-1)
    else:
        check_weighting(weighting)
    return ops.stop_gradient(weights)
