"""Turn per-example tables into the rows a TableWeightedModel is fed."""

import numpy as np

from .._tables import table_rows


def true_class_rows(sample_tables, y):
    """Return each example's true-class row of its table, shape (n, K).

    Parameters
    ----------
    sample_tables : array-like of shape (n_samples, K, K)
        ``sample_tables[k, i, j]``: weight of predicting ``j`` for example k
        when its true class is ``i``.
    y : array-like of shape (n_samples,), (n_samples, 1) or (n_samples, K)
        Integer class indices in ``range(K)``, or one-hot targets.

    Returns
    -------
    rows : ndarray of shape (n_samples, K), float32
        ``sample_tables[k, y[k], :]``; the full tables are not copied.

    Examples
    --------
    >>> import numpy as np
    >>> from skweighted.keras import true_class_rows
    >>> T = np.arange(8.0).reshape(2, 2, 2)
    >>> true_class_rows(T, [1, 0])
    array([[2., 3.],
           [4., 5.]], dtype=float32)
    """
    tables = np.asarray(sample_tables)
    y = np.asarray(y)
    if tables.ndim != 3:
        raise ValueError(
            f"sample_tables must have shape (n_samples, K, K), got {tables.shape}."
        )
    k = tables.shape[-1]
    if y.ndim == 2 and y.shape[1] == 1:  # a column of class indices
        y = y[:, 0]
    elif y.ndim == 2 and y.shape[1] == k:  # one-hot rows
        y = y.argmax(axis=1)
    elif y.ndim != 1:
        raise ValueError(
            f"y must be class indices of shape (n_samples,) or (n_samples, 1), or "
            f"one-hot rows of shape (n_samples, {k}); got shape {y.shape}."
        )
    if not (
        np.issubdtype(y.dtype, np.integer)
        or np.issubdtype(y.dtype, np.floating)
        or np.issubdtype(y.dtype, np.bool_)
    ):
        raise TypeError(
            f"y must hold class indices in range({k}), got dtype {y.dtype}."
        )
    if y.size and (y.min() < 0 or y.max() >= k or (y != np.round(y)).any()):
        raise ValueError(f"y must hold class indices in range({k}) (whole numbers).")
    return table_rows(y.astype(np.intp), k, sample_tables=tables)
