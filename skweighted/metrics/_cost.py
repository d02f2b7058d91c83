"""Cost metrics: misclassification cost, savings, and a cost scorer.

Numpy and scikit-learn only: this module never imports Keras or TensorFlow.

Orientation everywhere: ``C[i, j]`` is the cost of predicting class ``j``
when the true class is ``i``; rows and columns follow the order of
``labels`` (or of the estimator's ``classes_``).
"""

import numpy as np
from sklearn.metrics import make_scorer
from sklearn.utils._param_validation import StrOptions, validate_params
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    column_or_1d,
)

from .._tables import (
    _is_dataframe,
    check_cost_table,
    check_distinct,
    label_indices,
    true_rows,
)

__all__ = [
    "make_cost_scorer",
    "misclassification_cost",
    "savings_score",
]


def check_cost_matrix(
    cost_matrix, classes, *, name="cost_matrix", classes_name="labels"
):
    """Validate a cost matrix and return it as a (K, K) float64 array.

    ``None`` is the 0-1 cost (every error costs 1, correct predictions 0).
    A dict ``{(true_label, predicted_label): cost}`` or a DataFrame that
    does not list every pair leaves correct predictions (the diagonal) at
    cost 0 and the other unlisted errors at cost 1. Unlike training weights
    (where an unlisted pair weighs 1, so correctly classified examples still
    train), a cost table's natural default is "being right is free".

    Parameters
    ----------
    cost_matrix : None, array-like of shape (K, K), DataFrame or dict
    classes : array-like of shape (K,)
    name : str, default="cost_matrix"
        Name used in error messages.
    classes_name : str or None, default="labels"
        The caller's parameter that sets the label set, named in errors; None
        when it has none.

    Returns
    -------
    cost_matrix : ndarray of shape (K, K)
        A new array.

    Examples
    --------
    >>> from skweighted.metrics._cost import check_cost_matrix
    >>> check_cost_matrix({("a", "b"): 5.0}, classes=["a", "b", "c"])
    array([[0., 5., 1.],
           [1., 0., 1.],
           [1., 1., 0.]])
    """
    classes = np.asarray(classes)
    k = len(classes)
    if cost_matrix is None:
        return 1.0 - np.eye(k)
    if isinstance(cost_matrix, dict) or _is_dataframe(cost_matrix):
        # Two fills tell the listed pairs from the unlisted ones.
        low, high = (
            check_cost_table(
                cost_matrix, classes, name=name, fill_value=f, classes_name=classes_name
            )
            for f in (0.0, 1.0)
        )
        unlisted = low != high
        return np.where(unlisted, 1.0 - np.eye(k), low)
    return check_cost_table(cost_matrix, classes, name=name, classes_name=classes_name)


def _table_labels(cost_matrix, sample_tables=None):
    """Labels a dict or DataFrame cost matrix, or the columns of DataFrame
    ``sample_tables``, name; else an empty list."""
    named = list(sample_tables.columns) if _is_dataframe(sample_tables) else []
    if isinstance(cost_matrix, dict):
        named += [
            label for key in cost_matrix if isinstance(key, tuple) for label in key
        ]
    elif _is_dataframe(cost_matrix):
        named += list(cost_matrix.index) + list(cost_matrix.columns)
    return named


def _resolve_labels(y_true, y_pred, labels, cost_matrix, sample_tables=None):
    if labels is not None:
        labels = column_or_1d(labels)
        if labels.shape[0] == 0:
            raise ValueError("labels must not be empty.")
        check_distinct(labels, "labels")
        return labels
    named = _table_labels(cost_matrix, sample_tables)
    if named:
        named = np.asarray(
            [x.item() if isinstance(x, np.generic) else x for x in named]
        )
        return unique_labels(y_true, y_pred, named)
    return unique_labels(y_true, y_pred)


def _check_table_shape(cost_matrix, sample_tables, labels):
    """Say which labels a table of the wrong size was matched against."""
    k = len(labels)
    for name, table, dims in (
        ("cost_matrix", cost_matrix, 0),
        ("sample_tables", sample_tables, 1),
    ):
        shape = getattr(table, "shape", None)
        if table is None or isinstance(table, dict) or _is_dataframe(table):
            continue
        if shape is None:
            try:
                shape = np.shape(table)
            except ValueError:  # ragged: the full check explains
                continue
        if len(shape) > dims and any(s != k for s in shape[dims:]):
            raise ValueError(
                f"{name} has shape {tuple(shape)} but there are {k} labels "
                f"{labels.tolist()[:20]!r}; pass labels= with the full label set, in "
                "the order of the table's rows and columns."
            )


def _true_rows(
    y_true, y_pred, *, cost_matrix, sample_tables, labels, sample_weight, name
):
    """Validate everything; return (rows, y_pred index, weights, labels).

    ``rows[k]`` is the row of example ``k``'s true class in its cost table,
    so the cost of predicting class ``j`` for it is ``rows[k, j]``. Only the
    rows are gathered: a full (n, K, K) ``sample_tables`` is never copied.
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    n = y_true.shape[0]
    if n == 0:
        raise ValueError(f"{name} needs at least one sample; y_true is empty.")
    labels = _resolve_labels(y_true, y_pred, labels, cost_matrix, sample_tables)
    k = len(labels)
    true_idx = label_indices(y_true, labels, name="y_true", classes_name="labels")
    pred_idx = label_indices(y_pred, labels, name="y_pred", classes_name="labels")
    _check_table_shape(cost_matrix, sample_tables, labels)
    if sample_tables is not None:
        rows = true_rows(
            sample_tables,
            true_idx,
            k,
            classes=labels,
            what="costs",
            dtype=np.float64,
            classes_name="labels",
        )
    else:
        table = check_cost_matrix(cost_matrix, labels)
        rows = table[true_idx]
    if sample_weight is None:
        weights = np.ones(n)
    else:
        weights = _check_sample_weight(
            sample_weight, y_true, dtype=np.float64, ensure_non_negative=True
        )
    return rows, pred_idx, weights, labels


_COMMON_CONSTRAINTS = {
    "y_true": ["array-like"],
    "y_pred": ["array-like"],
    "cost_matrix": ["array-like", dict, None],
    "sample_tables": ["array-like", None],
    "labels": ["array-like", None],
    "sample_weight": ["array-like", None],
}


@validate_params(
    _COMMON_CONSTRAINTS | {"normalize": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def misclassification_cost(
    y_true,
    y_pred,
    *,
    cost_matrix=None,
    sample_tables=None,
    labels=None,
    normalize=False,
    sample_weight=None,
):
    """Total (or mean) cost of predictions under a cost matrix.

    The cost of predicting ``y_pred[k]`` for an example of true class
    ``y_true[k]`` is ``C[y_true[k], y_pred[k]]``, with ``C`` the global
    ``cost_matrix`` or the example's own table ``sample_tables[k]``.

    .. versionadded:: 0.1

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        ``cost_matrix[i, j]`` is the cost of predicting class ``j`` when the
        truth is class ``i`` (rows and columns in the order of ``labels``),
        the same orientation as ``misclass_weights``. A DataFrame (index =
        true, columns = predicted) or a dict ``{(true_label,
        predicted_label): cost}`` is read by label; pairs they do not list
        cost 0 on the diagonal and 1 elsewhere. None is the 0-1 cost, so the
        result is the number of errors. Costs must be finite and >= 0.
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K), \
            default=None
        One cost table per example, ``sample_tables[k, true, pred]``, or only
        each example's true-class row. Wins over ``cost_matrix``.
    labels : array-like of shape (K,), default=None
        The class labels in the order of the tables' rows and columns.
        Defaults to the sorted labels of ``y_true``, ``y_pred`` and those
        named by a dict or DataFrame ``cost_matrix`` or by the columns of a
        DataFrame ``sample_tables``. Pass it (e.g. the estimator's
        ``classes_``) when some classes may be absent.
    normalize : bool, default=False
        If False, return the total cost; if True, the mean cost per example
        (weighted by ``sample_weight``).
    sample_weight : array-like of shape (n_samples,), default=None
        Multiplies each example's cost.

    Returns
    -------
    cost : float
        Total cost, or mean cost per example if ``normalize=True``.

    See Also
    --------
    savings_score : Cost relative to the best constant prediction.
    make_cost_scorer : A scorer for ``GridSearchCV`` and ``cross_val_score``.

    Examples
    --------
    >>> from skweighted.metrics import misclassification_cost
    >>> y_true = [0, 0, 1, 1]
    >>> y_pred = [0, 1, 0, 1]
    >>> C = [[0, 1], [10, 0]]  # missing a 1 costs 10, a false alarm 1
    >>> misclassification_cost(y_true, y_pred, cost_matrix=C)
    11.0
    >>> misclassification_cost(y_true, y_pred, cost_matrix={(1, 0): 10})
    11.0
    >>> misclassification_cost(y_true, y_pred, cost_matrix=C, normalize=True)
    2.75
    """
    rows, pred_idx, weights, _ = _true_rows(
        y_true,
        y_pred,
        cost_matrix=cost_matrix,
        sample_tables=sample_tables,
        labels=labels,
        sample_weight=sample_weight,
        name="misclassification_cost",
    )
    costs = weights * rows[np.arange(len(pred_idx)), pred_idx]
    total = float(costs.sum())
    if normalize:
        total_weight = float(weights.sum())
        if total_weight == 0:
            raise ValueError(
                "normalize=True needs a positive total sample_weight; all weights "
                "are 0."
            )
        return total / total_weight
    return total


@validate_params(_COMMON_CONSTRAINTS, prefer_skip_nested_validation=True)
def savings_score(
    y_true,
    y_pred,
    *,
    cost_matrix=None,
    sample_tables=None,
    labels=None,
    sample_weight=None,
):
    """Savings: 1 - cost / cost of the best constant prediction.

    ``savings = 1 - cost(y_pred) / min_j cost(always predict j)``, where
    ``j`` runs over ``labels``. 1 is a cost-free classifier, 0 is no better
    than the cheapest constant prediction, and negative values are worse.
    For two classes with per-example costs this is the "savings" measure of
    example-dependent cost-sensitive classification (Bahnsen et al.):
    ``1 - cost / min(cost of predicting all negative, cost of predicting all
    positive)``. A per-example cost vector in that literature's order
    ``[C_FP, C_FN, C_TP, C_TN]`` is the table ``[[C_TN, C_FP], [C_FN,
    C_TP]]`` here (rows = true negative/positive).

    .. versionadded:: 0.1

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        Global costs, as in :func:`misclassification_cost`.
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K), \
            default=None
        Per-example costs, as in :func:`misclassification_cost`.
    labels : array-like of shape (K,), default=None
        Class labels in the order of the tables; the constant predictions run
        over these labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Multiplies each example's cost.

    Returns
    -------
    savings : float
        At most 1. When the best constant prediction costs 0, the result is
        1.0 if ``y_pred`` costs 0 too, else 0.0 (as ``r2_score`` does for a
        constant target).

    See Also
    --------
    misclassification_cost : The cost itself.

    Examples
    --------
    >>> from skweighted.metrics import savings_score
    >>> y_true = [0, 0, 1, 1]
    >>> y_pred = [0, 1, 0, 1]
    >>> C = [[0, 1], [10, 0]]
    >>> # cost 11; always 0 costs 20, always 1 costs 2
    >>> round(savings_score(y_true, y_pred, cost_matrix=C), 3)
    -4.5
    >>> savings_score(y_true, y_true, cost_matrix=C)
    1.0
    """
    rows, pred_idx, weights, _ = _true_rows(
        y_true,
        y_pred,
        cost_matrix=cost_matrix,
        sample_tables=sample_tables,
        labels=labels,
        sample_weight=sample_weight,
        name="savings_score",
    )
    cost = float(weights @ rows[np.arange(len(pred_idx)), pred_idx])
    base = float((weights @ rows).min())
    if base == 0:
        return 1.0 if cost == 0 else 0.0
    return 1.0 - cost / base


@validate_params(
    {
        "cost_matrix": ["array-like", dict, None],
        "score": [StrOptions({"cost", "savings"})],
        "labels": ["array-like", None],
        "normalize": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_cost_scorer(cost_matrix=None, *, score="cost", labels=None, normalize=True):
    """Make a scorer that measures predictions in cost.

    For ``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_val_score` and friends. With
    ``score="cost"`` the scorer returns the *negated* cost
    (``greater_is_better=False``), so that greater is better as scikit-learn
    expects; with ``score="savings"`` it returns :func:`savings_score`.

    Per-example cost tables reach the scorer through metadata routing::

        sklearn.set_config(enable_metadata_routing=True)
        scorer = make_cost_scorer(labels=classes).set_score_request(
            sample_tables=True)
        GridSearchCV(est, grid, scoring=scorer).fit(X, y, sample_tables=T)

    Each fold's scorer then receives the tables of its test examples. The
    routed ``sample_tables`` win over ``cost_matrix``. (The estimator's own
    ``predict`` does not receive them: a
    :class:`~skweighted.MinimumCostClassifier` decides there with its global
    ``cost_matrix``.)

    .. versionadded:: 0.1

    Parameters
    ----------
    cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        Global costs, as in :func:`misclassification_cost`.
    score : {"cost", "savings"}, default="cost"
        ``"cost"``: negated :func:`misclassification_cost`; ``"savings"``:
        :func:`savings_score`.
    labels : array-like of shape (K,), default=None
        Class labels in the order of the tables. Set it (to the classes)
        when a test fold may lack a class and ``cost_matrix`` or the tables
        are arrays.
    normalize : bool, default=True
        For ``score="cost"``: mean cost per example (True) or total cost per
        fold (False). The mean compares folds of different sizes fairly.

    Returns
    -------
    scorer : callable
        A scikit-learn scorer ``scorer(estimator, X, y_true, **kwargs)``; it
        calls ``estimator.predict``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skweighted.metrics import make_cost_scorer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> scorer = make_cost_scorer({(0, 1): 10.0})  # missing a malignant case
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> scores = cross_val_score(model, X, y, scoring=scorer, cv=3)
    >>> bool((scores <= 0).all())  # negated costs
    True
    """
    kwargs = {}
    if cost_matrix is not None:
        kwargs["cost_matrix"] = cost_matrix
    if labels is not None:
        kwargs["labels"] = labels
    if score == "cost":
        return make_scorer(
            misclassification_cost,
            greater_is_better=False,
            normalize=normalize,
            **kwargs,
        )
    return make_scorer(savings_score, greater_is_better=True, **kwargs)


def cost_cells(
    y_true,
    y_pred,
    *,
    cost_matrix=None,
    sample_tables=None,
    labels=None,
    sample_weight=None,
):
    """Total cost in each (true class, predicted class) cell.

    ``cells[i, j] = sum of w_k * C_k[i, j]`` over the examples of true class
    ``i`` predicted as ``j``: the confusion counts times the costs. The cells
    sum to :func:`misclassification_cost`.

    Parameters
    ----------
    y_true, y_pred, cost_matrix, sample_tables, labels, sample_weight
        As in :func:`misclassification_cost`.

    Returns
    -------
    cells : ndarray of shape (K, K)
    labels : ndarray of shape (K,)
        The class labels of the rows and columns.

    Examples
    --------
    >>> from skweighted.metrics._cost import cost_cells
    >>> cells, labels = cost_cells([0, 0, 1, 1], [0, 1, 0, 0],
    ...                            cost_matrix=[[0, 1], [10, 0]])
    >>> cells
    array([[ 0.,  1.],
           [20.,  0.]])
    """
    rows, pred_idx, weights, labels = _true_rows(
        y_true,
        y_pred,
        cost_matrix=cost_matrix,
        sample_tables=sample_tables,
        labels=labels,
        sample_weight=sample_weight,
        name="cost_cells",
    )
    true_idx = label_indices(
        column_or_1d(y_true), labels, name="y_true", classes_name="labels"
    )
    k = len(labels)
    cells = np.zeros((k, k))
    np.add.at(
        cells,
        (true_idx, pred_idx),
        weights * rows[np.arange(len(pred_idx)), pred_idx],
    )
    return cells, labels
