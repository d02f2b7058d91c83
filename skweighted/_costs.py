"""From costs to training weights.

Costs are not weights: a cost table has a zero diagonal, so an example that is
predicted right would weigh nothing, and raw costs that span 1 to thousands
make the optimizer's steps erratic. These functions turn costs into training
weights with conversions whose effect on the learned decision is known.

Numpy and scikit-learn only: importing this module never loads Keras or
TensorFlow.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import column_or_1d

from ._tables import check_distinct, label_indices, true_rows
from .metrics._cost import check_cost_matrix

__all__ = ["cost_class_weight", "cost_proportionate_weights"]


def _checked_weights(weights, name, normalize):
    """``weights`` (divided by their mean with ``normalize``); a ValueError
    when every one is 0."""
    total = weights.mean()
    if not total > 0:
        raise ValueError(
            f"Every {name} is 0: no decision costs more than another, so the costs "
            "cannot say what to learn. Check that the tables are oriented "
            "[true class, predicted class]."
        )
    return weights / total if normalize else weights


@validate_params(
    {
        "y": ["array-like"],
        "cost_matrix": ["array-like", dict, None],
        "sample_tables": ["array-like", None],
        "labels": ["array-like", None],
        "normalize": ["boolean"],
        "return_labels": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def cost_proportionate_weights(
    y,
    *,
    cost_matrix=None,
    sample_tables=None,
    labels=None,
    normalize=True,
    return_labels=False,
):
    """Training weights from costs by cost-proportionate example weighting.

    Each example weighs how much more a wrong decision costs it than the
    right one (Zadrozny, Langford and Abe, 2003)::

        w_k = C_k[y_k, other] - C_k[y_k, y_k]          (two classes)

    A classifier trained for accuracy on the weighted examples (plain
    cross-entropy with ``sample_weight=w``) then estimates the cost-optimal
    decision, so its own ``predict`` (the argmax) is the decision: no
    cost-aware decision rule goes on top. For two classes this is exact, also
    for example-dependent costs: weighting multiplies each class's
    probability by its weight, and ``w_1 p_1 > w_0 p_0`` is the
    minimum-expected-cost rule.

    With more than two classes no single weight per example is exact in
    general. The weight is then the mean excess cost of the wrong classes,
    ``mean_{j != y_k} (C_k[y_k, j] - C_k[y_k, y_k])``, the per-example form of
    the rescaling of Breiman et al. (1984) and Ting (2002). It is exact when
    an example's wrong decisions all cost the same (the cost depends on the
    true class only) and an approximation otherwise; decide with
    :class:`~skweighted.MinimumCostClassifier` on an unweighted model when the
    cost depends much on which wrong class is predicted.

    When an example's true class is not its cheapest decision (a fraud
    smaller than the fee for checking it), the reduction trains on the
    cheapest decision instead: with ``return_labels=True`` such examples are
    relabelled with it, and the weights are the excess costs over it. This
    is still exact for two classes.

    .. versionadded:: 0.2

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        True labels of the training examples.
    cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        Global costs, ``cost_matrix[i, j]`` = cost of predicting ``j`` when
        the truth is ``i``, read as by
        :func:`~skweighted.metrics.misclassification_cost` (unlisted pairs of
        a dict or DataFrame cost 0 on the diagonal, 1 elsewhere).
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K), \
            default=None
        Per-example costs, ``sample_tables[k, true, pred]``, or only each
        example's true-class row; wins over ``cost_matrix``.
    labels : array-like of shape (K,), default=None
        Class labels in the order of the tables' rows and columns. Defaults to
        the sorted labels of ``y``; pass it when ``y`` lacks a class.
    normalize : bool, default=True
        Divide the weights by their mean, so that they average 1. The
        learned decision does not depend on the scale of the weights, and
        weights around 1 keep the optimizer's step size where the
        unweighted problem has it.
    return_labels : bool, default=False
        Also return the labels to train on: each example's cheapest decision
        (its true class unless a wrong decision costs it less).

    Returns
    -------
    y_train : ndarray of shape (n_samples,)
        The labels to train on; only when ``return_labels=True``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights, for ``fit(X, y_train, sample_weight=...)``.

    Raises
    ------
    ValueError
        If a cost is negative, NaN or infinite, if every weight is 0, or if a
        wrong decision costs less than the right one and
        ``return_labels=False``.

    See Also
    --------
    cost_class_weight : Class-level weights from a global cost matrix.
    MinimumCostClassifier : Decide by minimum expected cost instead.

    References
    ----------
    .. [1] B. Zadrozny, J. Langford and N. Abe, "Cost-sensitive learning by
       cost-proportionate example weighting", ICDM 2003.
    .. [2] K. M. Ting, "An instance-weighting method to induce cost-sensitive
       trees", IEEE TKDE 14(3), 2002.

    Examples
    --------
    >>> from skweighted import cost_proportionate_weights
    >>> y = [0, 0, 1, 1]
    >>> # per-example costs: a call costs 1, a missed customer their value
    >>> T = [[[0, 1], [5, 1]], [[0, 1], [5, 1]], [[0, 1], [3, 1]], [[0, 1], [9, 1]]]
    >>> cost_proportionate_weights(y, sample_tables=T, normalize=False)
    array([1., 1., 2., 8.])
    >>> cost_proportionate_weights(y, sample_tables=T)
    array([0.33333333, 0.33333333, 0.66666667, 2.66666667])

    A fraud of 4 is not worth a check that costs 10: train on "let it through".

    >>> T = [[[0, 10], [50, 10]], [[0, 10], [4, 10]]]
    >>> cost_proportionate_weights([1, 1], sample_tables=T, labels=[0, 1],
    ...                            normalize=False, return_labels=True)
    (array([1, 0]), array([40.,  6.]))
    """
    y = column_or_1d(y)
    n = y.shape[0]
    if n == 0:
        raise ValueError("y is empty; pass the labels of the training examples.")
    if labels is None:
        labels = np.unique(y)
    labels = column_or_1d(labels)
    check_distinct(labels, "labels")
    k = len(labels)
    if k < 2:
        raise ValueError(
            f"Costs need at least 2 classes, got {labels.tolist()!r}; pass labels= "
            "with the full label set."
        )
    y_idx = label_indices(y, labels, name="y", classes_name="labels")
    if sample_tables is not None:
        rows = true_rows(
            sample_tables,
            y_idx,
            k,
            classes=labels,
            what="costs",
            dtype=np.float64,
            classes_name="labels",
        )
    else:
        rows = check_cost_matrix(cost_matrix, labels, classes_name="labels")[y_idx]
    cheapest = np.argmin(rows, axis=1)
    # Ties keep the true class.
    cheapest = np.where(rows[np.arange(n), y_idx] <= rows.min(axis=1), y_idx, cheapest)
    moved = cheapest != y_idx
    if moved.any() and not return_labels:
        k_bad = int(np.nonzero(moved)[0][0])
        raise ValueError(
            f"Example {k_bad} (true class {y[k_bad]!r}) has a wrong decision that "
            f"costs less than the right one ({rows[k_bad].tolist()!r}). Check that "
            "the costs are oriented [true class, predicted class]; if they are, pass "
            "return_labels=True to train on each example's cheapest decision."
        )
    best = rows[np.arange(n), cheapest]
    weights = (rows - best[:, None]).sum(axis=1) / (k - 1)
    weights = _checked_weights(weights, "example's weight", normalize)
    if return_labels:
        return labels[cheapest], weights
    return weights


def _integral_labels(classes):
    return [c.item() if isinstance(c, np.generic) else c for c in classes]


@validate_params(
    {
        "cost_matrix": ["array-like", dict],
        "classes": ["array-like"],
        "y": ["array-like", None],
        "rtol": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def cost_class_weight(cost_matrix, classes, *, y=None, rtol=1e-6):
    """Class weights from a global cost matrix by rescaling.

    Finds one weight per class so that training for accuracy with these
    weights (``class_weight=``) makes every two-class decision the
    cost-optimal one: ``w_i / w_j = (C[i, j] - C[i, i]) / (C[j, i] - C[j,
    j])`` for each pair of classes (Zhou and Liu, 2006). For two classes
    this is cost-proportionate weighting (Zadrozny, Langford and Abe, 2003)
    and exact.

    With more classes such weights exist only when the cost matrix is
    *consistent* (the pairwise ratios agree around every cycle of classes);
    otherwise a ValueError says so. Class-level weights shift the learned
    probabilities by a known factor (``p'_i`` proportional to ``w_i p_i``,
    Elkan, 2001), so :class:`~skweighted.MinimumCostClassifier` can undo
    them exactly.

    .. versionadded:: 0.2

    Parameters
    ----------
    cost_matrix : array-like of shape (K, K), DataFrame or dict
        ``cost_matrix[i, j]`` = cost of predicting ``j`` when the truth is
        ``i``, rows and columns in the order of ``classes`` (unlisted pairs
        of a dict or DataFrame cost 0 on the diagonal, 1 elsewhere). Every
        wrong decision must cost more than the right one.
    classes : array-like of shape (K,)
        Class labels, in the order of the matrix.
    y : array-like of shape (n_samples,), default=None
        Training labels. When given, the weights are scaled so that they
        average 1 over these examples (the learned decision does not depend on
        the scale; weights around 1 keep the optimizer's step size);
        otherwise they average 1 over the classes.
    rtol : float, default=1e-6
        Relative tolerance of the consistency check.

    Returns
    -------
    class_weight : dict
        ``{label: weight}``, for ``class_weight=``.

    Raises
    ------
    ValueError
        If the matrix is not consistent (more than two classes), or a wrong
        decision costs no more than the right one.

    See Also
    --------
    cost_proportionate_weights : Per-example weights, also from
        per-example costs.

    References
    ----------
    .. [1] Z.-H. Zhou and X.-Y. Liu, "On multi-class cost-sensitive
       learning", AAAI 2006.
    .. [2] C. Elkan, "The foundations of cost-sensitive learning", IJCAI 2001.

    Examples
    --------
    >>> from skweighted import cost_class_weight
    >>> C = [[0, 1, 1], [2, 0, 2], [4, 4, 0]]  # costs depend on the true class
    >>> cost_class_weight(C, classes=["a", "b", "c"])
    {'a': 0.428..., 'b': 0.857..., 'c': 1.714...}
    """
    classes = column_or_1d(classes)
    check_distinct(classes, "classes")
    k = len(classes)
    if k < 2:
        raise ValueError(f"Costs need at least 2 classes, got {classes.tolist()!r}.")
    C = check_cost_matrix(cost_matrix, classes, classes_name="classes")
    excess = C - np.diag(C)[:, None]  # excess[i, j] = C[i, j] - C[i, i]
    off = ~np.eye(k, dtype=bool)
    if (excess[off] <= 0).any():
        raise ValueError(
            "Every wrong decision must cost more than the right one for class "
            f"weights to exist; got the cost matrix {C.tolist()!r}. Use "
            "cost_proportionate_weights or MinimumCostClassifier instead."
        )
    # w_i / w_j = excess[i, j] / excess[j, i] for every pair (Zhou and Liu,
    # 2006), solved in logarithms so that costs of any scale weigh alike:
    # the least-squares solution over all pairs (a complete graph) is the
    # mean of each class's log-ratios, and every pair is then checked
    # relatively.
    log_ratio = np.log(excess + np.eye(k)) - np.log(excess.T + np.eye(k))
    log_w = log_ratio.mean(axis=1)
    mismatch = np.abs(log_w[:, None] - log_w[None, :] - log_ratio)
    if (mismatch > np.log1p(rtol)).any():
        i, j = np.unravel_index(np.argmax(mismatch), mismatch.shape)
        raise ValueError(
            "The cost matrix is not consistent: no class weights make every "
            "pairwise decision cost-optimal (Zhou and Liu, 2006); classes "
            f"{classes[i]!r} and {classes[j]!r} would need a weight ratio of "
            f"{np.exp(log_ratio[i, j]):.6g}, the best fit to all pairs gives "
            f"{np.exp(log_w[i] - log_w[j]):.6g}. Use cost_proportionate_weights "
            "(an approximation for more than two classes) or train unweighted "
            "and decide with MinimumCostClassifier."
        )
    w = np.exp(log_w - log_w.max())
    if y is not None:
        y_idx = label_indices(column_or_1d(y), classes, name="y")
        w = w / w[y_idx].mean()
    else:
        w = w / w.mean()
    return dict(zip(_integral_labels(classes), w.tolist(), strict=True))
