"""Tests of the numpy-only table validation in skweighted._tables."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.utils.class_weight import compute_class_weight

from skweighted._tables import (
    balanced_class_weights,
    check_cost_table,
    check_sample_tables,
    label_indices,
    table_rows,
    true_rows,
)


@pytest.mark.parametrize(
    "y_idx, k", [([0, 0, 1, 2, 2, 2], 3), ([0, 0, 0, 2], 4), ([1, 1, 1], 3)]
)
def test_balanced_class_weights_as_sklearn_over_present_classes(y_idx, k):
    """Check "balanced" against scikit-learn over the classes present; 1 elsewhere."""
    y_idx = np.asarray(y_idx)
    present = np.unique(y_idx)
    expected = np.ones(k)
    expected[present] = compute_class_weight("balanced", classes=present, y=y_idx)
    np.testing.assert_array_equal(balanced_class_weights(y_idx, k), expected)


def test_check_cost_table_forms_agree():
    """Check that array, DataFrame and dict forms give the same table."""
    classes = np.array(["a", "b", "c"])
    W = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 4.0], [5.0, 1.0, 1.0]])
    df = pd.DataFrame(W, index=classes, columns=classes)
    shuffled = df.loc[["c", "a", "b"], ["b", "c", "a"]]
    as_dict = {
        (t, p): W[i, j]
        for i, t in enumerate(classes)
        for j, p in enumerate(classes)
        if W[i, j] != 1
    }
    for form in (W, W.tolist(), df, shuffled, as_dict):
        np.testing.assert_array_equal(check_cost_table(form, classes), W)


def test_check_cost_table_does_not_modify_input():
    """Check that the returned table is a copy."""
    W = np.ones((2, 2))
    out = check_cost_table(W, [0, 1])
    out[0, 1] = 7
    assert W[0, 1] == 1


@pytest.mark.parametrize(
    "table, match",
    [
        (np.ones((3, 3)), r"shape \(K, K\) = \(2, 2\).*classes="),
        (np.ones(2), "shape"),
        ([[1, np.nan], [1, 1]], "NaN or infinite"),
        ([[1, np.inf], [1, 1]], "NaN or infinite"),
        ([[1, -1], [1, 1]], "negative"),
        ({(0, 5): 2.0}, "not among the classes"),
        ({0: 2.0}, "pairs"),
        (
            pd.DataFrame(np.ones((2, 2)), index=[0, 9], columns=[0, 1]),
            "not among the classes",
        ),
        ("balanced", "must be None"),
        ([["a", "b"], ["c", "d"]], "real numbers"),
    ],
)
def test_check_cost_table_errors(table, match):
    """Check that bad tables give errors that say what to change."""
    with pytest.raises((ValueError, TypeError), match=match):
        check_cost_table(table, [0, 1])


def test_table_rows_gathers_true_class_rows():
    """Check rows against a direct loop, for full and compact tables."""
    rng = np.random.default_rng(0)
    T = rng.uniform(size=(20, 4, 4))
    y = rng.integers(0, 4, size=20)
    expected = np.stack([T[k, y[k]] for k in range(20)])
    np.testing.assert_allclose(table_rows(y, 4, sample_tables=T), expected, rtol=1e-6)
    np.testing.assert_allclose(
        table_rows(y, 4, sample_tables=expected), expected, rtol=1e-6
    )
    W = T[0]
    np.testing.assert_allclose(table_rows(y, 4, table=W), W[y], rtol=1e-6)
    assert table_rows(y, 4) is None


def test_table_rows_only_validates_used_rows():
    """Check that NaN in rows the model never uses is not read."""
    T = np.ones((3, 2, 2))
    T[:, 1, :] = np.nan  # row of class 1: unused since all labels are 0
    rows = table_rows(np.zeros(3, dtype=int), 2, sample_tables=T)
    np.testing.assert_array_equal(rows, np.ones((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        table_rows(np.array([0, 1, 0]), 2, sample_tables=T)


@pytest.mark.parametrize(
    "tables, match",
    [
        (np.ones((4, 2, 2)), "4 tables for 3 samples"),
        (np.ones((3, 3, 3)), "classes="),
        (np.ones((3, 2, 2, 1)), "3 dimensions"),
        (np.ones(3), "3 dimensions"),
        (np.array([[["a"]]]), "real numbers"),
        (np.ones((3, 2, 2)) + 1j, "real numbers"),
        (np.ones((3, 2)) + 0j, "real numbers"),
        ({"a": 1}, "must be an array"),
    ],
)
def test_check_sample_tables_errors(tables, match):
    """Check the shape errors of per-example tables."""
    with pytest.raises((ValueError, TypeError), match=match):
        check_sample_tables(tables, 3, 2)


def test_label_indices():
    """Check label lookup against list.index, including unsorted classes."""
    classes = np.array(["z", "a", "m"])
    y = np.array(["a", "z", "m", "a"])
    assert label_indices(y, classes).tolist() == [classes.tolist().index(v) for v in y]
    with pytest.raises(ValueError, match="not in classes"):
        label_indices(np.array(["q"]), classes)


def test_dataframe_rows_read_by_label():
    """Check (n, K) DataFrame tables are reordered to the classes by label."""
    rows = np.arange(12.0).reshape(4, 3)
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])[["c", "a", "b"]]
    y_idx = np.array([0, 1, 2, 0])
    got = true_rows(frame, y_idx, 3, classes=np.array(["a", "b", "c"]))
    np.testing.assert_array_equal(got, rows.astype(np.float32))
    with pytest.raises(TypeError, match="column labels"):
        true_rows(frame, y_idx, 3)
    with pytest.raises(ValueError, match="one column per class"):
        true_rows(frame[["a", "b"]], y_idx, 3, classes=np.array(["a", "b", "c"]))


def test_nullable_dataframes_read_as_numbers():
    """Check nullable Int64/Float64 frames give the rows and table of their
    numpy values, and pd.NA is refused as NaN is, naming the parameter."""
    classes = np.array(["a", "b", "c"])
    rows = np.arange(12).reshape(4, 3) + 1
    y_idx = np.array([0, 1, 2, 0])
    plain = true_rows(pd.DataFrame(rows, columns=classes), y_idx, 3, classes=classes)
    for dtype in ("Int64", "Float64"):
        frame = pd.DataFrame(rows, columns=classes).astype(dtype)
        got = true_rows(frame, y_idx, 3, classes=classes)
        np.testing.assert_array_equal(got, plain)
        table = pd.DataFrame(rows[:3], index=classes, columns=classes).astype(dtype)
        np.testing.assert_array_equal(
            check_cost_table(table, classes), rows[:3].astype(float)
        )
        table.iloc[0, 2] = pd.NA
        with pytest.raises(ValueError, match="misclass_weights contains NaN"):
            check_cost_table(table, classes)
        frame.iloc[1, 1] = pd.NA
        with pytest.raises(ValueError, match="sample_tables contains NaN"):
            true_rows(frame, y_idx, 3, classes=classes)
    with pytest.raises(TypeError, match="real numbers"):
        true_rows(pd.DataFrame(rows > 5, columns=classes), y_idx, 3, classes=classes)
    with pytest.raises(TypeError, match="real numbers"):
        true_rows(pd.DataFrame(rows + 1j, columns=classes), y_idx, 3, classes=classes)
    # object columns that hold numbers are numbers, as before
    numbers = pd.DataFrame(rows, columns=classes).astype(object)
    np.testing.assert_array_equal(true_rows(numbers, y_idx, 3, classes=classes), plain)
    table = pd.DataFrame(rows[:3], index=classes, columns=classes).astype(object)
    np.testing.assert_array_equal(
        check_cost_table(table, classes), rows[:3].astype(float)
    )


def test_rows_checked_after_the_float32_cast():
    """Check values finite in float64 but not in float32 are refused."""
    y_idx = np.array([0, 1])
    with pytest.raises(ValueError, match="in float32"):
        table_rows(y_idx, 2, table=np.array([[1.0, 1e39], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="in float32"):
        table_rows(y_idx, 2, sample_tables=np.full((2, 2), 1e39))
    np.testing.assert_array_equal(
        table_rows(y_idx, 2, sample_tables=np.full((2, 2), 1e39), dtype=np.float64),
        np.full((2, 2), 1e39),
    )


tables_strategy = st.integers(2, 5).flatmap(
    lambda k: st.tuples(
        st.just(k),
        hnp.arrays(np.float64, (k, k), elements=st.floats(0, 1e6)),
        hnp.arrays(np.float64, (12, k, k), elements=st.floats(0, 1e6)),
        hnp.arrays(np.int64, 12, elements=st.integers(0, k - 1)),
    )
)


@settings(max_examples=60, deadline=None)
@given(tables_strategy)
def test_valid_tables_never_crash_nor_mutate(args):
    """Check random valid tables are accepted and the caller's arrays unchanged."""
    k, W, T, y = args
    W0, T0, y0 = W.copy(), T.copy(), y.copy()
    table = check_cost_table(W, np.arange(k))
    rows = table_rows(y, k, table=table, sample_tables=T)
    assert rows.shape == (12, k) and np.isfinite(rows).all()
    np.testing.assert_array_equal(rows, T[np.arange(12), y].astype(np.float32))
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(T, T0)
    np.testing.assert_array_equal(y, y0)
