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
    "true_rows",
]


def _is_dataframe(obj):
    return hasattr(obj, "columns") and hasattr(obj, "index") and hasattr(obj, "loc")


def _full_label_set(classes_name):
    """The advice for labels outside the classes: pass the full label set."""
    if classes_name is None:  # the classes are those of the training labels
        return ""
    return f", or set `{classes_name}=` to the full label set"


def label_positions(labels, classes, name, axis_name, classes_name="classes"):
    """Map each label in ``labels`` to its position in ``classes``.

    ``classes_name``: the caller's parameter that sets the label set, named in
    the error; None when the caller has none.
    """
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
            f"(as in `classes_`){_full_label_set(classes_name)}."
        )
    return positions


def class_order(order, classes):
    """Where each of ``classes`` sits in ``order``, the labels of a table's
    rows and columns: the index array that reorders such a table to
    ``classes``, or None when the two orders agree."""
    positions = np.asarray(
        label_positions(classes, order, "classes_", "", classes_name=None)
    )
    return None if (positions == np.arange(len(positions))).all() else positions


def _check_real(values, name):
    """Raise a TypeError unless the array ``values`` holds real numbers."""
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(
        values.dtype, np.complexfloating
    ):
        raise TypeError(
            f"{name} must hold real numbers, got dtype {values.dtype}. Convert it "
            "with np.asarray(..., dtype=float)."
        )


def _check_values(values, name, *, what="entries", dtype=None):
    """Raise a ValueError if ``values`` holds NaN, inf or negative numbers.

    With ``dtype`` (the type the model computes in), an infinity is reported
    as an overflow of that type.
    """
    _check_real(values, name)
    if values.size == 0:
        return
    if not np.isfinite(values).all():
        if dtype is not None:
            limit = np.finfo(dtype).max
            raise ValueError(
                f"{name} contains NaN or infinite {what} in {np.dtype(dtype).name} "
                f"(values above {limit:.3g} overflow it); every weight must be a "
                f"finite number >= 0 and <= {limit:.3g}: rescale the table."
            )
        raise ValueError(
            f"{name} contains NaN or infinite {what}; every weight must be a finite "
            "number >= 0."
        )
    if values.min() < 0:
        raise ValueError(
            f"{name} contains negative {what} (min {values.min():g}); every weight "
            "must be >= 0."
        )


def check_cost_table(
    table, classes, *, name="misclass_weights", fill_value=1.0, classes_name="classes"
):
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
    classes_name : str or None, default="classes"
        The caller's parameter that sets the label set, named in errors about
        labels or shapes that do not match the classes; None when it has none.

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
            (i,) = label_positions([key[0]], classes, name, "true", classes_name)
            (j,) = label_positions([key[1]], classes, name, "predicted", classes_name)
            out[i, j] = float(value)
        _check_values(out, name)
        return out
    if _is_dataframe(table):
        rows = label_positions(
            list(table.index), classes, name, "index (true)", classes_name
        )
        cols = label_positions(
            list(table.columns), classes, name, "column (predicted)", classes_name
        )
        if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
            raise ValueError(f"{name} as a DataFrame must not repeat labels.")
        values = _frame_values(table)
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
        missing = (
            ""
            if classes_name is None
            else " If some classes are missing from this data, pass "
            f"`{classes_name}=` with the full label set."
        )
        raise ValueError(
            f"{name} must have shape (K, K) = ({k}, {k}) for the {k} classes "
            f"{list(classes.tolist())!r}, got shape {values.shape}.{missing}"
        )
    _check_values(values, name)
    return values.astype(float, copy=True)


def balanced_class_weights(y_idx, n_classes):
    """scikit-learn's ``"balanced"`` class weights, one per class.

    ``n / (K' n_i)`` for the ``K'`` classes present in ``y_idx`` (as
    :func:`sklearn.utils.class_weight.compute_class_weight` over them), 1
    for a class absent from it. The one rule for training and for dividing
    the weights out of the probabilities.
    """
    y_idx = np.asarray(y_idx, dtype=np.intp)
    counts = np.bincount(y_idx, minlength=n_classes)
    present = counts > 0
    weights = np.ones(n_classes)
    weights[present] = len(y_idx) / (np.count_nonzero(present) * counts[present])
    return weights


def check_distinct(labels, name):
    """Raise a ValueError if the 1-D array ``labels`` repeats a label."""
    if len(np.unique(labels)) != len(labels):
        raise ValueError(f"{name} must not repeat labels, got {labels.tolist()!r}.")


def label_indices(y, classes, *, name="y", classes_name="classes"):
    """Return the position of each label of ``y`` in ``classes``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    classes : ndarray of shape (K,)
        Sorted or unsorted class labels; every label of ``y`` must be one.
    name : str, default="y"
        Name used in the error message.
    classes_name : str, default="classes"
        The caller's parameter that sets the classes, for the error message.

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
            f"{name} contains labels {unknown[:10]!r} that are not in "
            f"{classes_name} {classes.tolist()[:20]!r}. Pass `{classes_name}=` with the full "
            "label set."
        )
    return order[pos_clipped].astype(np.intp)


def check_sample_tables(
    sample_tables,
    n_samples,
    n_classes,
    *,
    classes=None,
    name="sample_tables",
    classes_name="classes",
):
    """Check the shape of per-example tables without converting them.

    Parameters
    ----------
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K)
        Per-example tables, full (``T[k, true, pred]``) or compact (row of
        each example's true class). A pandas DataFrame holds the compact
        form, its columns labelled by class: it is read by label (reordered
        to ``classes``), or refused when ``classes`` is not given.
    n_samples : int
        Expected number of examples.
    n_classes : int
        Expected number of classes K.
    classes : array-like of shape (K,), default=None
        The class labels, in the order of the tables' columns; needed to read
        a DataFrame.
    name : str, default="sample_tables"
        Name used in error messages.
    classes_name : str or None, default="classes"
        The caller's parameter that sets the classes, for error messages;
        None when the caller has none.

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
        sample_tables = _dataframe_rows(sample_tables, classes, name, classes_name)
    try:
        tables = np.asarray(sample_tables)
    except Exception as exc:
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    _check_real(tables, name)
    if tables.ndim not in (2, 3):
        raise ValueError(
            f"{name} must have 3 dimensions (n_samples, K, K) or 2 dimensions "
            f"(n_samples, K), got {tables.ndim} dimensions (shape {tables.shape})."
        )
    if tables.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {tables.shape[0]} tables for {n_samples} samples; pass "
            "one table per example (split it with the same indices as the samples)."
        )
    expected = (n_classes,) * (tables.ndim - 1)
    if tables.shape[1:] != expected:
        raise ValueError(
            f"{name} has tables of shape {tables.shape[1:]} but there are "
            f"{n_classes} classes, so each table must have shape {expected}."
            + (
                ""
                if classes_name is None
                else f" If this data lacks some classes, pass `{classes_name}=` "
                "with the full label set."
            )
        )
    return tables


def _frame_values(frame):
    """A DataFrame's values as an array, real-number columns as float64.

    Numeric columns of pandas' nullable types (``Int64``, ``Float64``) come
    out of ``to_numpy`` as objects; read as float64, ``pd.NA`` becomes NaN,
    which the checks then refuse with the table's name. Object columns that
    hold numbers are read as numbers. Other columns (bool, complex, strings)
    keep their type, for the checks to refuse, as for arrays.
    """
    from pandas.api.types import is_bool_dtype, is_complex_dtype, is_numeric_dtype

    frame = frame.infer_objects()
    if all(
        is_numeric_dtype(d) and not is_bool_dtype(d) and not is_complex_dtype(d)
        for d in frame.dtypes
    ):
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return frame.to_numpy()


def _dataframe_rows(frame, classes, name, classes_name="classes"):
    """The (n, K) rows of a DataFrame whose columns are class labels."""
    if classes is None:
        raise TypeError(
            f"{name} as a pandas DataFrame is read by its column labels, which need "
            "the class labels; pass a numpy array (columns in the order of the "
            "classes) instead."
        )
    columns = list(frame.columns)
    positions = label_positions(
        columns, classes, name, "column (predicted)", classes_name
    )
    if len(set(positions)) != len(positions) or len(positions) != len(classes):
        raise ValueError(
            f"{name} as a DataFrame must have one column per class, labelled by the "
            f"classes {np.asarray(classes).tolist()!r}; got columns {columns!r}."
        )
    values = _frame_values(frame)
    rows = np.empty_like(values)
    rows[:, positions] = values
    return rows


def true_rows(
    sample_tables,
    y_idx,
    n_classes,
    *,
    classes=None,
    name="sample_tables",
    what="weights",
    dtype=np.float32,
    classes_name="classes",
    order=None,
):
    """Validate per-example tables and gather each example's true-class row.

    Only the rows used are gathered, converted and validated: a full (n, K, K)
    ``sample_tables`` is never copied. The checks run after the conversion to
    ``dtype``, so values that overflow it (1e39 in float32) are refused.

    Parameters
    ----------
    sample_tables : array-like of shape (n_samples, K, K) or (n_samples, K)
        Full tables or the rows of the true classes (a DataFrame is read by
        its column labels, see :func:`check_sample_tables`).
    y_idx : ndarray of shape (n_samples,)
        Index of each example's true class.
    n_classes : int
        Number of classes K.
    classes : array-like of shape (K,), default=None
        The class labels (to read a DataFrame).
    name : str, default="sample_tables"
        Name used in error messages.
    what : str, default="weights"
        What the entries are ("weights" or "costs"), for error messages.
    dtype : dtype, default=np.float32
        Type of the returned rows.
    classes_name : str, default="classes"
        The caller's parameter that sets the classes, for error messages.
    order : array-like of shape (K,), default=None
        The labels of the tables' rows and columns when they are not in the
        order of ``classes`` (the rows returned are).

    Returns
    -------
    rows : ndarray of shape (n_samples, K)

    Examples
    --------
    >>> import numpy as np
    >>> from skweighted._tables import true_rows
    >>> T = np.arange(8.0).reshape(2, 2, 2)
    >>> true_rows(T, np.array([1, 0]), 2)
    array([[2., 3.],
           [4., 5.]], dtype=float32)
    """
    y_idx = np.asarray(y_idx)
    n = y_idx.shape[0]
    positions = None if order is None else class_order(order, classes)
    if positions is not None:
        y_idx = positions[y_idx]
    tables = check_sample_tables(
        sample_tables,
        n,
        n_classes,
        classes=classes if order is None else order,
        name=name,
        classes_name=classes_name,
    )
    rows = tables[np.arange(n), y_idx] if tables.ndim == 3 else tables
    if positions is not None:
        rows = rows[:, positions]
    with np.errstate(over="ignore"):
        rows = np.asarray(rows, dtype=dtype)
    _check_values(rows, name, what=f"{what} in the true-class rows", dtype=dtype)
    return rows


def table_rows(
    y_idx,
    n_classes,
    *,
    table=None,
    sample_tables=None,
    classes=None,
    order=None,
    dtype=np.float32,
):
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
    classes : array-like of shape (K,), default=None
        The class labels (to read a DataFrame ``sample_tables``).
    order : array-like of shape (K,), default=None
        The labels of ``sample_tables``' rows and columns when they are not in
        the order of ``classes`` (see :func:`true_rows`).
    dtype : dtype, default=np.float32
        Type of the returned rows.

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
    if sample_tables is not None:
        return true_rows(
            sample_tables, y_idx, n_classes, classes=classes, order=order, dtype=dtype
        )
    if table is None:
        return None
    with np.errstate(over="ignore"):
        table = np.asarray(table, dtype=dtype)
    _check_values(table, "misclass_weights", dtype=dtype)
    return table[np.asarray(y_idx)]
