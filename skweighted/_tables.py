"""Validation and conversion of misclassification-weight and cost tables.

This module only depends on numpy (and, lazily, pandas): it never imports
Keras or TensorFlow, so the metrics and decision rules that use it import
instantly.

Orientation everywhere: ``table[i, j]`` is the weight (or cost) of predicting
class ``j`` when the true class is ``i``; rows and columns follow the order of
``classes``.
"""

from numbers import Real

import numpy as np

__all__ = [
    "check_cost_table",
    "check_sample_tables",
    "label_indices",
    "table_rows",
]


def _is_dataframe(obj):
    return hasattr(obj, "columns") and hasattr(obj, "index") and hasattr(obj, "loc")


def _label_positions(labels, classes, name, axis_name):
    """Map each label in ``labels`` to its position in ``classes``."""
    lookup = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    positions = []
    unknown = []
    for label in labels:
        key = label.item() if isinstance(label, np.generic) else label
        if key in lookup:
            positions.append(lookup[key])
        else:
            unknown.append(label)
    if unknown:
        raise ValueError(
            f"{name} has {axis_name} labels {unknown!r} that are not among the "
            f"classes {list(np.asarray(classes).tolist())!r}. Use the class labels "
            "(as in `classes_`), or set `classes=` to the full label set."
        )
    return positions


def _check_values(values, name, *, what="entries"):
    """Raise a ValueError if ``values`` holds NaN, inf or negative numbers."""
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(
        values.dtype, np.complexfloating
    ):
        raise TypeError(
            f"{name} must hold real numbers, got dtype {values.dtype}. Convert it "
            "with np.asarray(..., dtype=float)."
        )
    if values.size == 0:
        return
    if not np.isfinite(values).all():
        raise ValueError(
            f"{name} contains NaN or infinite {what}; every weight must be a finite "
            "number >= 0."
        )
    if values.min() < 0:
        raise ValueError(
            f"{name} contains negative {what} (min {values.min()!r}); every weight "
            "must be >= 0."
        )


def check_cost_table(table, classes, *, name="misclass_weights", fill_value=1.0):
    """Validate a global K x K table and return it as a float64 array.

    Parameters
    ----------
    table : None, array-like of shape (K, K), pandas DataFrame or dict
        The table. An array is read in the order of ``classes``; a DataFrame
        carries its own labels (index = true class, columns = predicted
        class) and is reordered to ``classes``; a dict maps
        ``(true_label, predicted_label)`` to a value, unlisted pairs taking
        ``fill_value``.
    classes : array-like of shape (K,)
        The class labels, in the order of the table's rows and columns.
    name : str, default="misclass_weights"
        The parameter's name, used in error messages.
    fill_value : float, default=1.0
        Value of the pairs a dict or DataFrame does not list.

    Returns
    -------
    table : ndarray of shape (K, K) or None
        ``None`` when ``table`` is None.

    Raises
    ------
    ValueError
        If the shape does not match the number of classes, a label is not a
        class, or an entry is NaN, infinite or negative.
    TypeError
        If the table is of an unsupported type or not numeric.

    Examples
    --------
    >>> from skweighted._tables import check_cost_table
    >>> check_cost_table({("a", "b"): 5.0}, classes=["a", "b"])
    array([[1., 5.],
           [1., 1.]])
    """
    if table is None:
        return None
    classes = np.asarray(classes)
    k = len(classes)
    if isinstance(table, dict):
        out = np.full((k, k), float(fill_value))
        for key, value in table.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise TypeError(
                    f"{name} as a dict must map (true_label, predicted_label) pairs "
                    f"to weights; got key {key!r}."
                )
            if not isinstance(value, Real) or isinstance(value, bool):
                raise TypeError(
                    f"{name}[{key!r}] must be a real number, got {value!r}."
                )
            (i,) = _label_positions([key[0]], classes, name, "true")
            (j,) = _label_positions([key[1]], classes, name, "predicted")
            out[i, j] = float(value)
        _check_values(out, name)
        return out
    if _is_dataframe(table):
        rows = _label_positions(list(table.index), classes, name, "index (true)")
        cols = _label_positions(
            list(table.columns), classes, name, "column (predicted)"
        )
        if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
            raise ValueError(f"{name} as a DataFrame must not repeat labels.")
        values = np.asarray(table.to_numpy(), dtype=float)
        _check_values(values, name)
        out = np.full((k, k), float(fill_value))
        out[np.ix_(rows, cols)] = values
        return out
    if isinstance(table, (str, bytes)) or np.isscalar(table):
        raise TypeError(
            f"{name} must be None, a (K, K) array, a pandas DataFrame or a dict of "
            f"(true_label, predicted_label) -> weight; got {type(table).__name__}."
        )
    try:
        values = np.asarray(table)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    if values.dtype == object:
        raise TypeError(
            f"{name} must be a numeric (K, K) array, got an object array (ragged "
            "lists or mixed types?)."
        )
    if values.ndim != 2 or values.shape != (k, k):
        raise ValueError(
            f"{name} must have shape (K, K) = ({k}, {k}) for the {k} classes "
            f"{list(classes.tolist())!r}, got shape {values.shape}. If some classes "
            "are missing from this data, pass `classes=` with the full label set."
        )
    _check_values(values, name)
    return values.astype(float, copy=True)


def label_indices(y, classes, *, name="y"):
    """Return the position of each label of ``y`` in ``classes``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    classes : ndarray of shape (K,)
        Sorted or unsorted class labels; every label of ``y`` must be one.
    name : str, default="y"
        Name used in the error message.

    Returns
    -------
    indices : ndarray of shape (n_samples,), dtype intp
    """
    classes = np.asarray(classes)
    y = np.asarray(y)
    order = np.argsort(classes, kind="stable")
    sorted_classes = classes[order]
    pos = np.searchsorted(sorted_classes, y)
    pos_clipped = np.clip(pos, 0, len(classes) - 1)
    found = sorted_classes[pos_clipped] == y
    if not np.all(found):
        unknown = np.unique(y[~found]).tolist()
        raise ValueError(
            f"{name} contains labels {unknown[:10]!r} that are not in classes "
            f"{classes.tolist()[:20]!r}. Pass `classes=` with the full label set."
        )
    return order[pos_clipped].astype(np.intp)


def check_sample_tables(sample_tables, n_samples, n_classes, *, name="sample_tables"):
    """Check the shape of per-example tables without converting them.

    Parameters
    ----------
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K)
        Per-example tables, full (``T[k, true, pred]``) or compact (row of
        each example's true class).
    n_samples : int
        Expected number of examples.
    n_classes : int
        Expected number of classes K.
    name : str, default="sample_tables"
        Name used in error messages.

    Returns
    -------
    sample_tables : ndarray
        ``np.asarray(sample_tables)``: no copy is made of an ndarray.
    """
    if isinstance(sample_tables, (dict, str, bytes)) or np.isscalar(sample_tables):
        raise TypeError(
            f"{name} must be an array of shape (n_samples, K, K) or (n_samples, K), "
            f"got {type(sample_tables).__name__}."
        )
    if _is_dataframe(sample_tables):
        sample_tables = sample_tables.to_numpy()
    try:
        tables = np.asarray(sample_tables)
    except Exception as exc:
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    if tables.dtype == object or not np.issubdtype(tables.dtype, np.number):
        raise TypeError(
            f"{name} must be a numeric array, got dtype {tables.dtype}. Convert it "
            "with np.asarray(..., dtype=float)."
        )
    if tables.ndim not in (2, 3):
        raise ValueError(
            f"{name} must have 3 dimensions (n_samples, K, K) or 2 dimensions "
            f"(n_samples, K), got {tables.ndim} dimensions (shape {tables.shape})."
        )
    if tables.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {tables.shape[0]} tables but X has {n_samples} samples; "
            "pass one table per example (split it with the same indices as X)."
        )
    expected = (n_classes,) * (tables.ndim - 1)
    if tables.shape[1:] != expected:
        raise ValueError(
            f"{name} has tables of shape {tables.shape[1:]} but there are "
            f"{n_classes} classes, so each table must have shape {expected}. If this "
            "data lacks some classes, pass `classes=` with the full label set."
        )
    return tables


def table_rows(y_idx, n_classes, *, table=None, sample_tables=None, dtype=np.float32):
    """Return each example's true-class row of its table, shape (n, K).

    Only the rows the model uses are gathered, converted and validated: a
    full (n, K, K) ``sample_tables`` is never copied.

    Parameters
    ----------
    y_idx : ndarray of shape (n_samples,)
        Index of each example's true class.
    n_classes : int
        Number of classes K.
    table : ndarray of shape (K, K), default=None
        A validated global table (see :func:`check_cost_table`).
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K)
        Per-example tables; they win over ``table``.
    dtype : dtype, default=np.float32

    Returns
    -------
    rows : ndarray of shape (n_samples, K) or None
        None when neither table is given.

    Examples
    --------
    >>> import numpy as np
    >>> from skweighted._tables import table_rows
    >>> W = np.array([[1.0, 4.0], [2.0, 1.0]])
    >>> table_rows(np.array([1, 0]), 2, table=W)
    array([[2., 1.],
           [1., 4.]], dtype=float32)
    """
    y_idx = np.asarray(y_idx)
    n = y_idx.shape[0]
    if sample_tables is not None:
        tables = check_sample_tables(sample_tables, n, n_classes)
        if tables.ndim == 3:
            rows = tables[np.arange(n), y_idx]
        else:
            rows = tables
        _check_values(rows, "sample_tables", what="weights in the true-class rows")
        return np.asarray(rows, dtype=dtype)
    if table is None:
        return None
    return np.asarray(table, dtype=dtype)[y_idx]
