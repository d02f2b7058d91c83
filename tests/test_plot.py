"""Tests of skweighted.plot.CostMatrixDisplay."""

import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skweighted import MinimumCostClassifier
from skweighted.metrics import misclassification_cost
from skweighted.plot import CostMatrixDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def reference_cells(y_true, y_pred, labels, tables, weights):
    pos = {label: i for i, label in enumerate(labels)}
    cells = np.zeros((len(labels), len(labels)))
    for k, (t, p) in enumerate(zip(y_true, y_pred, strict=True)):
        cells[pos[t], pos[p]] += weights[k] * tables[k][pos[t]][pos[p]]
    return cells


def test_cost_display_from_predictions_matches_reference():
    """Check each cell against a loop and the total against the metric."""
    rng = np.random.default_rng(0)
    labels = np.array(["x", "y", "z"])
    y_true = labels[rng.integers(3, size=70)]
    y_pred = labels[rng.integers(3, size=70)]
    T = rng.uniform(0, 4, size=(70, 3, 3))
    w = rng.uniform(0.5, 2, size=70)
    disp = CostMatrixDisplay.from_predictions(
        y_true, y_pred, sample_tables=T, sample_weight=w
    )
    np.testing.assert_allclose(
        disp.costs, reference_cells(y_true, y_pred, labels, T, w)
    )
    total = misclassification_cost(y_true, y_pred, sample_tables=T, sample_weight=w)
    assert disp.costs.sum() == pytest.approx(total)
    assert disp.ax_.get_title() == f"Total cost: {total:.4g}"
    np.testing.assert_array_equal(
        [t.get_text() for t in disp.ax_.get_xticklabels()], labels
    )
    assert disp.text_.shape == (3, 3)
    assert disp.text_[1, 2].get_text() == format(disp.costs[1, 2], ".3g")


def test_cost_display_default_costs_are_error_counts():
    """Check that without costs the cells count the errors."""
    from sklearn.metrics import confusion_matrix

    y_true = [0, 1, 2, 2, 1, 0, 2]
    y_pred = [0, 2, 2, 1, 1, 1, 0]
    disp = CostMatrixDisplay.from_predictions(y_true, y_pred, include_values=False)
    counts = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(disp.costs, counts * (1 - np.eye(3)))
    assert disp.text_ is None


def test_cost_display_from_estimator_uses_decision_tables(tmp_path):
    """Check from_estimator against from_predictions, tables passed to predict."""
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    rng = np.random.default_rng(1)
    T = np.zeros((80, 2, 2))
    T[:, 0, 1] = 1.0
    T[:, 1, 0] = rng.uniform(1, 30, size=80)
    T_before = T.copy()
    clf = MinimumCostClassifier(LogisticRegression()).fit(X, y)
    disp = CostMatrixDisplay.from_estimator(clf, X, y, sample_tables=T)
    ref = CostMatrixDisplay.from_predictions(
        y, clf.predict(X, sample_tables=T), sample_tables=T
    )
    np.testing.assert_allclose(disp.costs, ref.costs)
    np.testing.assert_array_equal(T, T_before)
    path = tmp_path / "cost.png"
    disp.figure_.savefig(path)
    assert path.stat().st_size > 0


def test_cost_display_from_a_pipeline_passes_the_tables_to_its_decision():
    """Check a Pipeline ending in MinimumCostClassifier decides with the tables.

    Oracle: the cells of the pipeline's own per-example decisions, which
    differ from its global-cost decisions on this data.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    rng = np.random.default_rng(1)
    T = np.zeros((80, 2, 2))
    T[:, 0, 1] = 1.0
    T[:, 1, 0] = rng.uniform(1, 30, size=80)
    pipe = make_pipeline(StandardScaler(), MinimumCostClassifier(LogisticRegression()))
    pipe.fit(X, y)
    with_tables = pipe.predict(X, sample_tables=T)
    assert (with_tables != pipe.predict(X)).any()
    disp = CostMatrixDisplay.from_estimator(pipe, X, y, sample_tables=T)
    ref = CostMatrixDisplay.from_predictions(y, with_tables, sample_tables=T)
    np.testing.assert_allclose(disp.costs, ref.costs)
    # a pipeline whose last step decides without tables still plots
    plain = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    disp = CostMatrixDisplay.from_estimator(plain, X, y, sample_tables=T)
    ref = CostMatrixDisplay.from_predictions(y, plain.predict(X), sample_tables=T)
    np.testing.assert_allclose(disp.costs, ref.costs)


def _three_class_tables(n=60, seed=5):
    rng = np.random.default_rng(seed)
    X, y = make_classification(
        n_samples=n,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=seed,
    )
    y = np.array(["a", "b", "c"])[y]
    return X, y, rng.uniform(0, 5, size=(n, 3, 3))


def test_cost_display_reads_tables_in_the_order_of_labels():
    """Check tables given in the order of ``labels`` decide as in classes_ order.

    Oracle: the same costs given in the estimator's classes_ order.
    """
    X, y, T = _three_class_tables()
    clf = MinimumCostClassifier(LogisticRegression()).fit(X, y)
    order = ["c", "a", "b"]
    idx = [list(clf.classes_).index(c) for c in order]
    permuted = T[:, idx][:, :, idx]
    expected = CostMatrixDisplay.from_estimator(clf, X, y, sample_tables=T)
    disp = CostMatrixDisplay.from_estimator(
        clf, X, y, sample_tables=permuted, labels=order
    )
    back = [order.index(c) for c in clf.classes_]
    np.testing.assert_allclose(disp.costs[back][:, back], expected.costs)
    with pytest.raises(ValueError, match="labels that include every class"):
        CostMatrixDisplay.from_estimator(
            clf, X, y, sample_tables=T[:, :2, :2], labels=["a", "b"]
        )


def test_cost_display_from_a_pipeline_under_metadata_routing():
    """Check a Pipeline's decision gets the tables with metadata routing on.

    Oracle: the same display with routing off.
    """
    import sklearn
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, T = _three_class_tables()
    pipe = make_pipeline(StandardScaler(), MinimumCostClassifier(LogisticRegression()))
    pipe.fit(X, y)
    expected = CostMatrixDisplay.from_estimator(pipe, X, y, sample_tables=T)
    with sklearn.config_context(enable_metadata_routing=True):
        disp = CostMatrixDisplay.from_estimator(pipe, X, y, sample_tables=T)
    np.testing.assert_allclose(disp.costs, expected.costs)


def test_cost_display_normalize_and_ax():
    """Check the share-of-total view and drawing into a given Axes."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    disp = CostMatrixDisplay(np.array([[0.0, 1.0], [3.0, 0.0]]))
    disp.plot(ax=ax, normalize=True, colorbar=False, title="mine")
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.text_[1, 0].get_text() == "75.0%"
    assert ax.get_title() == "mine"
    np.testing.assert_allclose(disp.im_.get_array(), [[0, 0.25], [0.75, 0]])


def test_cost_display_bad_costs():
    """Check that a non-square costs array is refused."""
    with pytest.raises(ValueError, match="square"):
        CostMatrixDisplay(np.ones((2, 3))).plot()


def test_cost_display_without_matplotlib(monkeypatch):
    """Check the ImportError message when matplotlib is missing."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    disp = CostMatrixDisplay(np.eye(2))
    with pytest.raises(ImportError, match="pip install matplotlib"):
        disp.plot()
