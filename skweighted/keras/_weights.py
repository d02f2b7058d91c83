"""The one formula that turns table rows into per-example loss weights."""

from keras import ops

WEIGHTINGS = ("argmax", "expected")


def check_weighting(weighting):
    """Raise a ValueError unless ``weighting`` is a known weighting."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS!r}, got {weighting!r}.")
    return weighting


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
    """
    rows = ops.cast(rows, y_pred.dtype)
    if weighting == "argmax":
        num_classes = ops.shape(y_pred)[-1]
        picked = ops.one_hot(
            ops.argmax(y_pred, axis=-1), num_classes, dtype=y_pred.dtype
        )
        weights = ops.sum(rows * picked, axis=-1)
    elif weighting == "expected":
        weights = ops.sum(rows * y_pred, axis=-1)
    else:
        check_weighting(weighting)
    return ops.stop_gradient(weights)
