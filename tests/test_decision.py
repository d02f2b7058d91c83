"""Tests of MinimumCostClassifier, the minimum-expected-cost decision rule."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweighted import MinimumCostClassifier


class FixedProba(sklearn.base.ClassifierMixin, sklearn.base.BaseEstimator):
    """A classifier whose predict_proba returns the rows of a fixed array.

    ``X`` is a column of row indices into ``proba``: the test controls the
    probabilities exactly.
    """

    def __init__(self, proba=None, classes=None):
        self.proba = proba
        self.classes = classes

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.asarray(self.classes)
        self.n_features_in_ = 1
        self.fit_sample_weight_ = sample_weight
        return self

    def predict_proba(self, X):
        return np.asarray(self.proba)[np.asarray(X, dtype=int)[:, 0]]


def small_mlp(**params):
    """A tiny WeightedMLPClassifier (imports Keras only when called)."""
    from skweighted import WeightedMLPClassifier

    defaults = dict(hidden_layer_sizes=(8,), epochs=3, batch_size=32, random_state=0)
    return WeightedMLPClassifier(**{**defaults, **params})


def brute_force_decisions(proba, tables):
    """For each example, the class j minimizing sum_i p_i C[i, j], by loops."""
    n, k = proba.shape
    out = np.empty(n, dtype=int)
    for row in range(n):
        best, best_cost = None, np.inf
        for j in range(k):
            cost = sum(proba[row, i] * tables[row][i][j] for i in range(k))
            if cost < best_cost:
                best, best_cost = j, cost
        out[row] = best
    return out


def random_problem(rng, n, k):
    proba = rng.dirichlet(np.ones(k), size=n)
    costs = rng.uniform(0, 10, size=(k, k))
    tables = rng.uniform(0, 10, size=(n, k, k))
    return proba, costs, tables


def fitted_fixed(proba, classes, cost_matrix=None):
    X = np.arange(len(proba))[:, None]
    y = np.resize(np.asarray(classes), len(proba))
    clf = MinimumCostClassifier(
        FixedProba(proba, classes), cost_matrix=cost_matrix
    ).fit(X, y)
    return clf, X


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimum_cost_global_matches_brute_force(k, seed):
    """Check that decisions with a global cost matrix match a loop reference."""
    rng = np.random.default_rng(seed)
    proba, costs, _ = random_problem(rng, 60, k)
    classes = np.arange(k) * 10 + 3  # labels are not positions
    clf, X = fitted_fixed(proba, classes, cost_matrix=costs)
    expected = classes[brute_force_decisions(proba, [costs] * len(proba))]
    np.testing.assert_array_equal(clf.predict(X), expected)


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_minimum_cost_per_example_matches_brute_force(k, seed):
    """Check that per-example tables at predict time match a loop reference."""
    rng = np.random.default_rng(seed)
    proba, costs, tables = random_problem(rng, 50, k)
    classes = np.array([f"c{i}" for i in range(k)])
    clf, X = fitted_fixed(proba, classes, cost_matrix=costs)
    expected = classes[brute_force_decisions(proba, tables)]
    np.testing.assert_array_equal(clf.predict(X, sample_tables=tables), expected)
    # The per-example tables replace the global matrix, not add to it.
    global_only = classes[brute_force_decisions(proba, [costs] * len(proba))]
    np.testing.assert_array_equal(clf.predict(X), global_only)


def test_minimum_cost_default_is_argmax():
    """Check that without costs the decision is the argmax of predict_proba."""
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=40)
    clf, X = fitted_fixed(proba, [0, 1, 2, 3])
    np.testing.assert_array_equal(clf.predict(X), proba.argmax(axis=1))
    np.testing.assert_array_equal(clf.cost_matrix_, 1 - np.eye(4))


def test_minimum_cost_dict_fill_and_dataframe_agree():
    """Check that dict and DataFrame costs are read by label, unlisted 0/1."""
    classes = np.array(["a", "b", "c"])
    C = np.array([[0.0, 5.0, 1.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    df = pd.DataFrame(C, index=classes, columns=classes).loc[["c", "a", "b"]]
    proba = np.random.default_rng(0).dirichlet(np.ones(3), size=30)
    expected = classes[brute_force_decisions(proba, [C] * 30)]
    for form in ({("a", "b"): 5.0, ("c", "a"): 2.0}, df, C):
        clf, X = fitted_fixed(proba, classes, cost_matrix=form)
        np.testing.assert_array_equal(clf.cost_matrix_, C)
        np.testing.assert_array_equal(clf.predict(X), expected)


def test_minimum_cost_binary_threshold():
    """Check that binary costs give the textbook threshold c_FP/(c_FP+c_FN)."""
    p1 = np.linspace(0.005, 0.995, 100)
    proba = np.column_stack([1 - p1, p1])
    c_fp, c_fn = 1.0, 4.0  # threshold on P(1): 1 / (1 + 4) = 0.2
    clf, X = fitted_fixed(proba, [0, 1], cost_matrix=[[0, c_fp], [c_fn, 0]])
    np.testing.assert_array_equal(clf.predict(X), (p1 > 0.2).astype(int))


def test_minimum_cost_frozen_estimator_is_not_refitted():
    """Check that a frozen, prefit estimator is used as is."""
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    inner = LogisticRegression().fit(X, y)
    coef = inner.coef_.copy()
    C = np.array([[0.0, 1.0], [20.0, 0.0]])
    clf = MinimumCostClassifier(FrozenEstimator(inner), cost_matrix=C)
    clf.fit(X[:10], 1 - y[:10])  # refitting on these would change coef_
    np.testing.assert_array_equal(inner.coef_, coef)
    expected = brute_force_decisions(inner.predict_proba(X), [C] * len(X))
    np.testing.assert_array_equal(clf.predict(X), expected)
    np.testing.assert_array_equal(clf.classes_, inner.classes_)


def test_minimum_cost_fit_params_pass_through_without_routing():
    """Check that sample_weight reaches the inner fit when routing is off."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    w = np.linspace(0.1, 2.0, len(y))
    clf = MinimumCostClassifier(LogisticRegression()).fit(X, y, sample_weight=w)
    ref = LogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.estimator_.coef_, ref.coef_)


def test_minimum_cost_fit_params_routed():
    """Check that fit metadata is routed to the inner estimator as requested."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    w = np.linspace(0.1, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        clf = MinimumCostClassifier(inner).fit(X, y, sample_weight=w)
        ref = LogisticRegression().fit(X, y, sample_weight=w)
        np.testing.assert_allclose(clf.estimator_.coef_, ref.coef_)
        unrequested = MinimumCostClassifier(LogisticRegression())
        with pytest.raises(ValueError, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=w)


def test_minimum_cost_with_weighted_mlp(iris):
    """Check the meta-estimator around WeightedMLPClassifier with sample_tables."""
    X, y = iris
    n, k = len(y), 3
    T = np.tile(1 - np.eye(k), (n, 1, 1))
    T[:, 1, 2] = 5.0
    T_before = T.copy()
    C = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 8.0], [1.0, 1.0, 0.0]])
    clf = MinimumCostClassifier(small_mlp(), cost_matrix=C)
    clf.fit(X, y, sample_tables=T)
    np.testing.assert_array_equal(T, T_before)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), brute_force_decisions(proba, [C] * n))
    np.testing.assert_array_equal(
        clf.predict(X, sample_tables=T), brute_force_decisions(proba, T)
    )
    np.testing.assert_array_equal(T, T_before)
    # The same inner model, frozen, decides the same.
    frozen = MinimumCostClassifier(FrozenEstimator(clf.estimator_), cost_matrix=C)
    np.testing.assert_array_equal(frozen.fit(X, y).predict(X), clf.predict(X))


def test_minimum_cost_routes_sample_tables_to_weighted_mlp(iris):
    """Check routing of sample_tables to a WeightedMLPClassifier's fit."""
    X, y = iris
    T = np.tile(1 - np.eye(3) + 1, (len(y), 1, 1))
    with sklearn.config_context(enable_metadata_routing=True):
        inner = small_mlp().set_fit_request(sample_tables=True)
        clf = MinimumCostClassifier(inner).fit(X, y, sample_tables=T)
        ref = small_mlp().fit(X, y, sample_tables=T)
        np.testing.assert_allclose(
            clf.predict_proba(X[:5]), ref.predict_proba(X[:5]), rtol=1e-5
        )


def test_minimum_cost_does_not_modify_inputs():
    """Check that the caller's cost matrix, tables and data are not changed."""
    rng = np.random.default_rng(0)
    proba, costs, tables = random_problem(rng, 20, 3)
    saved = costs.copy(), tables.copy(), proba.copy()
    clf, X = fitted_fixed(proba, [0, 1, 2], cost_matrix=costs)
    clf.predict(X, sample_tables=tables)
    clf.cost_matrix_[0, 0] = 99.0  # the fitted copy is not the caller's array
    for before, after in zip(saved, (costs, tables, proba), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    "cost_matrix, err, match",
    [
        (np.ones((3, 3)), ValueError, r"shape \(K, K\) = \(2, 2\)"),
        ([[0, 1], [-1, 0]], ValueError, "negative"),
        ([[0, np.nan], [1, 0]], ValueError, "NaN"),
        ({("x", 1): 2.0}, ValueError, "not among the classes"),
        ({0: 2.0}, TypeError, "pairs"),
        ("costly", ValueError, "cost_matrix"),
    ],
)
def test_minimum_cost_bad_cost_matrix(cost_matrix, err, match):
    """Check that a bad cost matrix is refused in fit before training."""
    X, y = make_classification(n_samples=30, n_features=4, random_state=0)

    class NoFit(LogisticRegression):
        def fit(self, X, y):  # training must not start
            raise AssertionError("fit ran before the costs were checked")

    with pytest.raises(err, match=match):
        MinimumCostClassifier(NoFit(), cost_matrix=cost_matrix).fit(X, y)


@pytest.mark.parametrize(
    "tables, match",
    [
        (np.ones((5, 2, 2)), "5 tables but X has 4 samples"),
        (np.ones((4, 3, 3)), r"shape \(3, 3\)"),
        (np.ones((4, 2)), r"shape \(n_samples, K, K\)"),
        (-np.ones((4, 2, 2)), "negative"),
    ],
)
def test_minimum_cost_bad_sample_tables(tables, match):
    """Check that bad decision-time tables are refused with a clear message."""
    proba = np.full((4, 2), 0.5)
    clf, X = fitted_fixed(proba, [0, 1])
    with pytest.raises(ValueError, match=match):
        clf.predict(X, sample_tables=tables)


def test_minimum_cost_unfitted_and_bad_estimator():
    """Check the errors for an unfitted model and an estimator without proba."""
    from sklearn.exceptions import NotFittedError
    from sklearn.svm import LinearSVC

    with pytest.raises(NotFittedError):
        MinimumCostClassifier(LogisticRegression()).predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="predict_proba"):
        MinimumCostClassifier(LinearSVC()).fit(np.eye(4), [0, 1, 0, 1])


def test_minimum_cost_clone_and_params():
    """Check that clone keeps the parameters and the cost matrix object."""
    C = {(0, 1): 3.0}
    clf = MinimumCostClassifier(LogisticRegression(C=0.5), cost_matrix=C)
    cloned = clone(clf)
    assert cloned.cost_matrix == C
    assert cloned.get_params()["estimator__C"] == 0.5


def test_minimum_cost_predict_tables_routed_in_pipeline():
    """Check that a Pipeline routes decision-time tables to predict."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    rng = np.random.default_rng(0)
    T = rng.uniform(0, 5, size=(60, 2, 2))
    with sklearn.config_context(enable_metadata_routing=True):
        clf = MinimumCostClassifier(LogisticRegression())
        clf.set_predict_request(sample_tables=True)
        pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
        got = pipe.predict(X, sample_tables=T)
    proba = pipe.predict_proba(X)
    np.testing.assert_array_equal(got, brute_force_decisions(proba, T))


# Every common check passes, so expected_failed_checks is empty.
@parametrize_with_checks([MinimumCostClassifier(LogisticRegression())])
def test_sklearn_common_checks(estimator, check):
    """Check that MinimumCostClassifier passes scikit-learn's common checks."""
    check(estimator)


def test_minimum_cost_checks_costs_against_pipeline_classes():
    """Check that costs are checked against a final step's `classes` first."""
    from sklearn.pipeline import make_pipeline

    from skweighted import WeightedMLPClassifier

    X, y = make_classification(n_samples=30, n_features=4, random_state=0)
    inner = make_pipeline(WeightedMLPClassifier(classes=[0, 1, 2]))
    # No training happens: the (2, 2) table is refused for the 3 classes.
    with pytest.raises(ValueError, match=r"\(K, K\) = \(3, 3\)"):
        MinimumCostClassifier(inner, cost_matrix=np.ones((2, 2))).fit(X, y)
