"""The one formula that turns table rows into per-example loss weights."""

import keras
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

    .. versionadded:: 0.2

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
        Predicted probabilities. For ``"argmax"`` any scores with the same
        largest entries do, such as the logits of a softmax.
    weighting : {"argmax", "expected"}, default="argmax"
        ``"argmax"``: ``W_k[i, argmax_j p_kj]`` (ties go to the first maximal
        class). ``"expected"``: ``sum_j W_k[i, j] * p_kj``.

    Returns
    -------
    weights : tensor of shape (batch,)
        Treated as constants: no gradient flows through them. Computed in
        float32, or in ``y_pred``'s type where it is wider, also when the
        network computes in float16.

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
    # Never below float32: table entries overflow float16 (mixed precision).
    dtype = keras.backend.result_type(y_pred.dtype, "float32")
    rows, y_pred = ops.cast(rows, dtype), ops.cast(y_pred, dtype)
    if weighting == "argmax":
        weights = _at_first_maximum(rows, y_pred)
    elif weighting == "expected":
        weights = ops.sum(rows * y_pred, axis=-1)
    else:
        check_weighting(weighting)
    return ops.stop_gradient(weights)


def _tf_softmax(logits):
    """The softmax of ``logits`` over the last axis, on TensorFlow.

    As ``exp(l - max l) / sum``, in five small operations: TensorFlow's
    softmax kernel costs several times more on a training batch on a CPU
    (about 50 microseconds a call at batch 256, against 12), and the step
    would otherwise compute it only for the weights.
    """
    import tensorflow as tf

    e = tf.exp(logits - tf.reduce_max(logits, axis=-1, keepdims=True))
    return e / tf.reduce_sum(e, axis=-1, keepdims=True)


def _at_first_maximum(rows, scores):
    """``rows[k, j_k]``, ``j_k`` the first maximal entry of ``scores[k]``.

    Shape ``(batch,)``. The cheapest exact form differs by backend (the
    weighting runs at every step, and at large K it is a sizeable part of a
    small network's step). TensorFlow: ``top_k``, which puts the lower index
    first among equal values, and one batched gather (Keras'
    ``take_along_axis`` adds about twenty shape and broadcasting operations
    around it). Under XLA (JAX): a min-reduction of the maximal indices,
    cheaper than ``top_k`` or ``argmax``. Keras' ``argmax`` adds a
    negative-zero fix of about ten more operations. A row of NaN still gets
    an index in range.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        index = tf.math.top_k(scores, 1).indices[:, 0]
        return tf.gather(rows, index, batch_dims=1)
    k = scores.shape[-1] if scores.shape[-1] is not None else ops.shape(scores)[-1]
    is_max = ops.equal(scores, ops.max(scores, axis=-1, keepdims=True))
    index = ops.min(
        ops.where(is_max, ops.arange(k, dtype="int32"), k), axis=-1, keepdims=True
    )
    index = ops.mod(index, k)  # k (no maximum) becomes 0
    return ops.take_along_axis(rows, index, axis=-1)[:, 0]


def weighting_scores(y_pred, weighting, from_logits=False):
    """What :func:`table_weights` takes as ``y_pred`` for a network's output.

    For ``"expected"`` the probabilities of :func:`class_probabilities`
    (on TensorFlow, computed from the logits of a network that outputs
    logits or of a traced softmax over the last axis, as
    ``exp(l - max l) / sum``: TensorFlow's softmax kernel costs several
    times more on a small batch; the same probabilities up to rounding).
    For ``"argmax"``, scores whose first maximum is each example's predicted
    class: the logits when they are at hand (a network that outputs logits,
    or a traced softmax or sigmoid output over the last axis, which Keras
    tags with its logits as its cross-entropy reads them too), else the
    probabilities of :func:`class_probabilities`. Reading the class from
    the logits leaves the softmax out of the training step when nothing else
    needs it. The class is that of the largest probability, except where two
    different logits give the same rounded probability.

    Parameters
    ----------
    y_pred : tensor of shape (batch, K) or (batch, 1)
        The network's output.
    weighting : {"argmax", "expected"}
        How the table rows become weights.
    from_logits : bool, default=False
        Whether the output holds logits.

    Returns
    -------
    scores : tensor of shape (batch, K)
        Logits or probabilities; K = 2 for a one-unit output.
    """
    if y_pred.shape[-1] == 1:
        return class_probabilities(y_pred, from_logits)
    if weighting == "argmax":
        if from_logits:
            return y_pred
        logits = _tagged_logits(y_pred, ("Softmax", "Sigmoid"))
        return y_pred if logits is None else logits
    if keras.backend.backend() == "tensorflow":
        logits = y_pred if from_logits else _tagged_logits(y_pred, ("Softmax",))
        if logits is not None:
            return _tf_softmax(logits)
    return class_probabilities(y_pred, from_logits)


def _tagged_logits(output, kinds):
    """The logits Keras keeps with ``output``, when ``output`` is one of ``kinds``.

    Keras tags the outputs of its softmax and sigmoid with their logits.
    They stand for the output only where the operation that made it is known
    to be one of ``kinds`` (TensorFlow operation types, each over the last
    axis): a softmax over another axis is tagged too, and an eager tensor
    does not say which operation made it. None otherwise.
    """
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return None
    try:
        kind = output.op.type
    except AttributeError:  # an eager tensor, or not a TensorFlow tensor
        return None
    return logits if kind in kinds else None
