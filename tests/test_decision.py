"""Tests of MinimumCostClassifier, the minimum-expected-cost decision rule."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from _helpers import modules_loaded_by, small_mlp
from skweighted import DoubleCountingWarning, MinimumCostClassifier


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
    with pytest.warns(DoubleCountingWarning, match="differ within a class"):
        clf = MinimumCostClassifier(LogisticRegression()).fit(X, y, sample_weight=w)
    ref = LogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.estimator_.coef_, ref.coef_)


def test_minimum_cost_fit_params_routed():
    """Check that fit metadata is routed to the inner estimator as requested."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    w = np.linspace(0.1, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        with pytest.warns(DoubleCountingWarning):
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
    with pytest.warns(DoubleCountingWarning, match="depend on the prediction"):
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
    with (
        sklearn.config_context(enable_metadata_routing=True),
        pytest.warns(DoubleCountingWarning),
    ):
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

    with pytest.raises(err, match=match) as raised:
        MinimumCostClassifier(NoFit(), cost_matrix=cost_matrix).fit(X, y)
    # the label set is that of y: no advice to pass a parameter it lacks
    assert "classes=" not in str(raised.value)


@pytest.mark.parametrize(
    "tables, match",
    [
        (np.ones((5, 2, 2)), "5 tables for 4 samples"),
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


# ------------------------------------------------- training weights, calibration
def saturated_cells(seed=0, n=1200, cells=6):
    """One-hot cells, so that an unpenalized logistic model is saturated.

    Its fitted probabilities are then each cell's (weighted) class frequencies:
    the prior-shift correction has an exact numpy reference.
    """
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, cells, n)
    # Some cells lie between the plain and the weight-shifted cost thresholds.
    rates = np.resize([0.05, 0.12, 0.17, 0.22, 0.5, 0.8], cells)
    y = (rng.uniform(size=n) < rates[cell]).astype(int)
    return np.eye(cells)[cell], y


def saturated_lr(**params):
    return LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, **params)


SHIFT_COSTS = np.array([[0.0, 1.0], [3.0, 0.0]])


@pytest.mark.parametrize(
    "params, fit_params",
    [
        ({"class_weight": {0: 1.0, 1: 4.0}}, {}),
        ({"class_weight": "balanced"}, {}),
        ({}, "class-constant sample_weight"),
    ],
)
def test_minimum_cost_divides_out_class_weights(params, fit_params):
    """Check that class-level training weights are undone exactly (Elkan 2001)."""
    X, y = saturated_cells()
    if fit_params:
        fit_params = {"sample_weight": np.where(y == 1, 4.0, 1.0)}
    unweighted = saturated_lr().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DoubleCountingWarning)
        clf = MinimumCostClassifier(saturated_lr(**params), cost_matrix=SHIFT_COSTS)
        clf.fit(X, y, **fit_params)
    assert clf.training_weights_ is not None
    shifted = clf.estimator_.predict_proba(X)
    # The weighted model did learn shifted probabilities...
    assert np.abs(shifted - unweighted.predict_proba(X)).max() > 0.05
    # ...and the correction recovers the unweighted ones and decisions.
    np.testing.assert_allclose(
        clf.predict_proba(X), unweighted.predict_proba(X), atol=1e-5
    )
    reference = MinimumCostClassifier(unweighted, cost_matrix=SHIFT_COSTS).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), reference.predict(X))
    # Without the correction, the same model decides otherwise (costs twice).
    naive = MinimumCostClassifier(
        FrozenEstimator(clf.estimator_), cost_matrix=SHIFT_COSTS, training_weights=None
    ).fit(X, y)
    assert (naive.predict(X) != clf.predict(X)).any()


def test_minimum_cost_divides_out_the_class_weight_a_search_chose():
    """Check the class weights of a search's best estimator are divided out.

    Oracle: the unweighted model's probabilities (as for a plain estimator).
    """
    from sklearn.model_selection import GridSearchCV

    X, y = saturated_cells()
    search = GridSearchCV(
        saturated_lr(), {"class_weight": [{0: 1.0, 1: 4.0}]}, cv=2, error_score="raise"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DoubleCountingWarning)
        clf = MinimumCostClassifier(search, cost_matrix=SHIFT_COSTS).fit(X, y)
    np.testing.assert_allclose(clf.training_weights_, [1.0, 4.0])
    unweighted = saturated_lr().fit(X, y)
    np.testing.assert_allclose(
        clf.predict_proba(X), unweighted.predict_proba(X), atol=1e-5
    )


def test_minimum_cost_explicit_training_weights():
    """Check dict, array and Series training weights against the numpy correction."""
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=40)
    X = np.arange(40)[:, None]
    w = np.array([1.0, 5.0, 0.5])
    expected = proba / w
    expected /= expected.sum(axis=1, keepdims=True)
    by_label = pd.Series([0.5, 1.0, 5.0], index=["c", "a", "b"])  # read by label
    for given in ({"a": 1.0, "b": 5.0, "c": 0.5}, w, by_label):
        clf = MinimumCostClassifier(
            FixedProba(proba, ["a", "b", "c"]), training_weights=given
        ).fit(X, np.resize(["a", "b", "c"], 40))
        np.testing.assert_allclose(clf.predict_proba(X), expected)
        np.testing.assert_array_equal(
            clf.predict(X), np.array(["a", "b", "c"])[expected.argmax(axis=1)]
        )


@pytest.mark.parametrize(
    "given, match",
    [([1.0, 2.0, 3.0], r"shape \(2,\)"), ([1.0, 0.0], "> 0"), ({5: 1.0}, "classes")],
)
def test_minimum_cost_bad_training_weights(given, match):
    """Check that bad explicit training weights are refused before training."""
    X, y = saturated_cells(n=40)

    class NoFit(LogisticRegression):
        def fit(self, X, y):  # training must not start
            raise AssertionError("fit ran before the training weights were checked")

    with pytest.raises(ValueError, match=match):
        MinimumCostClassifier(NoFit(), training_weights=given).fit(X, y)


def test_minimum_cost_warns_on_example_weights():
    """Check the warning, and no correction, for per-example sample_weight."""
    X, y = saturated_cells()
    w = np.linspace(0.5, 3.0, len(y))
    clf = MinimumCostClassifier(saturated_lr(), cost_matrix=SHIFT_COSTS)
    with pytest.warns(DoubleCountingWarning, match="differ within a class") as rec:
        clf.fit(X, y, sample_weight=w)
    assert rec[0].filename == __file__  # points at the caller's line
    assert clf.training_weights_ is None
    np.testing.assert_array_equal(clf.predict_proba(X), clf.estimator_.predict_proba(X))


def test_minimum_cost_reads_example_weighted_attribute():
    """Check that a prefit estimator that records per-example weights warns."""

    class Recording(FixedProba):
        def fit(self, X, y, sample_weight=None):
            super().fit(X, y)
            self.example_weighted_ = sample_weight is not None
            return self

    proba = np.full((10, 2), 0.5)
    X, y = np.arange(10)[:, None], np.resize([0, 1], 10)
    plain = Recording(proba, [0, 1]).fit(X, y)
    weighted = Recording(proba, [0, 1]).fit(X, y, sample_weight=np.arange(10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DoubleCountingWarning)
        MinimumCostClassifier(FrozenEstimator(plain)).fit(X, y)
    with pytest.warns(DoubleCountingWarning, match="per-example"):
        MinimumCostClassifier(FrozenEstimator(weighted)).fit(X, y)


@pytest.mark.parametrize("weighted", ["sample_tables", "sample_weight", None])
def test_minimum_cost_on_fitted_network_warns_for_example_weights(weighted):
    """Check a network trained with per-example weights warns, an unweighted one not."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    rng = np.random.default_rng(0)
    kwargs = {
        "sample_tables": rng.uniform(0.5, 3.0, size=(60, 2, 2)),
        "sample_weight": rng.uniform(0.5, 3.0, size=60),
        None: None,
    }
    fit_params = {} if weighted is None else {weighted: kwargs[weighted]}
    net = small_mlp(epochs=1).fit(X, y, **fit_params)
    assert net.example_weighted_ is (weighted is not None)
    meta = MinimumCostClassifier(FrozenEstimator(net), cost_matrix=[[0, 1], [5, 0]])
    if weighted is None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DoubleCountingWarning)
            meta.fit(X, y)
    else:
        with pytest.warns(DoubleCountingWarning, match="per-example"):
            meta.fit(X, y)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"training_weights": "Auto"}, "training_weights"),
        ({"cost_matrix": "x"}, "cost_matrix"),
    ],
)
def test_minimum_cost_prefit_without_fit_checks_params(params, name):
    """Check that parameters are checked as fit would when fit never ran."""
    X, y = saturated_cells(n=40)
    inner = saturated_lr().fit(X, y)
    clf = MinimumCostClassifier(FrozenEstimator(inner), **params)
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            method(X)
    # the same error fit gives
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        clone(clf).fit(X, y)


def test_balanced_weights_divided_out_as_trained_with_an_absent_class():
    """Check the "balanced" weights divided out are those trained with.

    Oracle: a network trained with ``sample_weight`` equal to the weights
    divided out (and no class_weight) is the same network.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4)).astype("float32")
    y = np.where(X[:, 0] > 0.5, 1, 0)  # class 2 of the three is absent
    costs = np.array([[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    inner = small_mlp(classes=[0, 1, 2], class_weight="balanced", epochs=2)
    decider = MinimumCostClassifier(inner, cost_matrix=costs).fit(X, y)
    same = small_mlp(classes=[0, 1, 2], epochs=2).fit(
        X, y, sample_weight=decider.training_weights_[y]
    )
    np.testing.assert_allclose(
        decider.estimator_.predict_proba(X), same.predict_proba(X), rtol=0, atol=1e-6
    )


def test_balanced_weights_with_sample_weight_divided_out_for_own_estimators():
    """Check "balanced" times a class-constant sample_weight is divided out.

    This package's estimators count the classes of "balanced" by their
    examples. Oracle: a network trained with ``sample_weight`` equal to the
    weights divided out (and no class_weight) is the same network.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4)).astype("float32")
    y = np.where(X[:, 0] > 0.3, 1, 0)
    sample_weight = np.where(y == 1, 3.0, 1.0)
    costs = np.array([[0.0, 1.0], [4.0, 0.0]])
    inner = small_mlp(class_weight="balanced", epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DoubleCountingWarning)
        decider = MinimumCostClassifier(inner, cost_matrix=costs).fit(
            X, y, sample_weight=sample_weight
        )
    counts = np.bincount(y)
    np.testing.assert_allclose(
        decider.training_weights_, len(y) / (2 * counts) * [1.0, 3.0]
    )
    same = small_mlp(epochs=2).fit(X, y, sample_weight=decider.training_weights_[y])
    np.testing.assert_allclose(
        decider.estimator_.predict_proba(X), same.predict_proba(X), rtol=0, atol=1e-6
    )


def test_minimum_cost_balanced_with_sample_weight_elsewhere_warns():
    """Check "balanced" with a sample_weight is not divided out by a guess.

    scikit-learn's LogisticRegression counts the classes of "balanced" by
    their weights, so with a class-constant ``sample_weight`` the weight it
    trains each class with is not "balanced" (by examples) times that weight;
    other estimators count examples. The weights are unknown here: the
    decision warns and uses the probabilities as they are.
    """
    from sklearn.utils.class_weight import compute_class_weight

    X, y = saturated_cells()
    sample_weight = np.where(y == 1, 3.0, 1.0)
    # the two counts disagree on this data (the oracle of the ambiguity)
    by_weight = compute_class_weight(
        "balanced", classes=np.array([0, 1]), y=y, sample_weight=sample_weight
    ) * [1.0, 3.0]
    by_examples = compute_class_weight("balanced", classes=np.array([0, 1]), y=y) * [
        1.0,
        3.0,
    ]
    assert not np.isclose(by_weight[1] / by_weight[0], by_examples[1] / by_examples[0])
    clf = MinimumCostClassifier(
        saturated_lr(class_weight="balanced"), cost_matrix=SHIFT_COSTS
    )
    with pytest.warns(DoubleCountingWarning, match="balanced"):
        clf.fit(X, y, sample_weight=sample_weight)
    assert clf.training_weights_ is None
    np.testing.assert_allclose(clf.predict_proba(X), clf.estimator_.predict_proba(X))


def test_minimum_cost_balanced_prefit_without_fit_warns():
    """Check that unknown 'balanced' counts warn when fit never ran."""
    X, y = saturated_cells()
    inner = saturated_lr(class_weight="balanced").fit(X, y)
    clf = MinimumCostClassifier(FrozenEstimator(inner), cost_matrix=SHIFT_COSTS)
    with pytest.warns(DoubleCountingWarning, match="balanced"):
        clf.predict(X)


def test_minimum_cost_constant_row_table_is_class_weight(iris):
    """Check that a table with constant rows is undone like class weights."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    W = np.array([[1.0, 1.0, 1.0], [3.0, 3.0, 3.0], [0.5, 0.5, 0.5]])
    inner = make_pipeline(StandardScaler(), small_mlp(misclass_weights=W)).fit(X, y)
    clf = MinimumCostClassifier(FrozenEstimator(inner)).fit(X, y)
    np.testing.assert_array_equal(clf.training_weights_, [1.0, 3.0, 0.5])
    expected = inner.predict_proba(X) / W[:, 0]
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), expected.argmax(axis=1))
    # Prediction-dependent weights cannot be undone: a warning.
    W[1, 2] = 8.0
    table = make_pipeline(StandardScaler(), small_mlp(misclass_weights=W)).fit(X, y)
    with pytest.warns(DoubleCountingWarning, match="rows are not constant"):
        MinimumCostClassifier(FrozenEstimator(table)).fit(X, y)


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_minimum_cost_calibration_on_validation_matches_sklearn(method):
    """Check frozen-estimator calibration against CalibratedClassifierCV."""
    from sklearn.calibration import CalibratedClassifierCV

    X, y = make_classification(n_samples=400, n_features=5, random_state=0)
    X_val, y_val = X[200:], y[200:]
    inner = LogisticRegression(C=100.0).fit(X[:200], y[:200])
    clf = MinimumCostClassifier(
        FrozenEstimator(inner), cost_matrix=SHIFT_COSTS, calibration=method
    ).fit(X_val, y_val)
    oracle = CalibratedClassifierCV(FrozenEstimator(inner), method=method)
    oracle.fit(X_val, y_val)
    proba = oracle.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(X), proba)
    np.testing.assert_array_equal(
        clf.predict(X), brute_force_decisions(proba, [SHIFT_COSTS] * len(X))
    )
    assert not hasattr(inner, "calibrated_classifiers_")  # the model is untouched


def test_minimum_cost_calibration_by_cross_validation_matches_sklearn():
    """Check cv calibration against CalibratedClassifierCV; no weight correction."""
    from sklearn.calibration import CalibratedClassifierCV

    X, y = make_classification(n_samples=300, n_features=5, random_state=1)
    inner = LogisticRegression(class_weight={0: 1.0, 1: 5.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DoubleCountingWarning)
        clf = MinimumCostClassifier(inner, calibration="sigmoid", cv=3).fit(X, y)
    oracle = CalibratedClassifierCV(inner, method="sigmoid", cv=3).fit(X, y)
    # Calibrated on unweighted folds: nothing to divide out.
    assert clf.training_weights_ is None
    np.testing.assert_allclose(clf.predict_proba(X), oracle.predict_proba(X))


def test_minimum_cost_calibration_needs_fit():
    """Check that a calibrated rule around a frozen model must be fitted."""
    from sklearn.exceptions import NotFittedError

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    inner = LogisticRegression().fit(X, y)
    clf = MinimumCostClassifier(FrozenEstimator(inner), calibration="sigmoid")
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert not hasattr(clf, "predict_proba")
    assert hasattr(clf.fit(X, y), "predict_proba")


@parametrize_with_checks(
    [MinimumCostClassifier(LogisticRegression(), calibration="sigmoid", cv=2)]
)
def test_sklearn_common_checks_calibrated(estimator, check):
    """Check that the calibrated rule passes scikit-learn's common checks."""
    check(estimator)


def test_minimum_cost_reads_pipeline_step_weights():
    """Check that step__sample_weight of a Pipeline's last step is undone."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = saturated_cells()
    w = np.where(y == 1, 4.0, 1.0)
    pipe = make_pipeline(StandardScaler(), saturated_lr())
    clf = MinimumCostClassifier(pipe, cost_matrix=SHIFT_COSTS)
    clf.fit(X, y, logisticregression__sample_weight=w)
    np.testing.assert_array_equal(clf.training_weights_, [1.0, 4.0])
    with pytest.warns(DoubleCountingWarning, match="differ within a class"):
        clf.fit(X, y, logisticregression__sample_weight=np.linspace(1, 2, len(y)))


def test_tables_win_over_the_global_table_when_dividing_out():
    """Check per-example tables, not misclass_weights, give the class weights."""
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    net = small_mlp(epochs=1, misclass_weights=[[5.0, 5.0], [1.0, 1.0]])
    ones = np.ones((len(y), 2, 2))
    decider = MinimumCostClassifier(net).fit(X, y, sample_tables=ones)
    assert decider.training_weights_ is None  # trained with weight 1
    rows = np.where(y[:, None] == 0, 2.0, 1.0) * np.ones((len(y), 2))
    decider = MinimumCostClassifier(net).fit(X, y, sample_tables=rows)
    np.testing.assert_allclose(decider.training_weights_, [2.0, 1.0])


@pytest.mark.parametrize("classifier_requests", [False, True])
def test_routed_pipeline_divides_out_only_what_its_classifier_got(
    classifier_requests,
):
    """Check a sample_weight routed to a scaler only is not divided out."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    weight = np.where(y == 0, 3.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=True),
            small_mlp(epochs=1).set_fit_request(sample_weight=classifier_requests),
        )
        decider = MinimumCostClassifier(pipe).fit(X, y, sample_weight=weight)
    if classifier_requests:
        np.testing.assert_allclose(decider.training_weights_, [3.0, 1.0])
    else:
        assert decider.training_weights_ is None


def test_calibration_divides_out_only_what_the_calibrator_saw():
    """Check a step's sample_weight, unseen by the calibrator, is not divided out.

    Oracle: scikit-learn's CalibratedClassifierCV given the same arguments;
    a top-level sample_weight weighs the calibrator too and is divided out.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    weight = np.where(y == 1, 5.0, 1.0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    decider = MinimumCostClassifier(pipe, calibration="sigmoid", cv=3).fit(
        X, y, logisticregression__sample_weight=weight
    )
    reference = CalibratedClassifierCV(pipe, method="sigmoid", cv=3).fit(
        X, y, logisticregression__sample_weight=weight
    )
    assert decider.training_weights_ is None
    np.testing.assert_allclose(decider.predict_proba(X), reference.predict_proba(X))
    plain = MinimumCostClassifier(
        LogisticRegression(), calibration="sigmoid", cv=3
    ).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(plain.training_weights_, [1.0, 5.0])


def test_a_fitted_inner_estimator_is_refitted_with_the_new_classes():
    """Check the costs are checked against y's classes, not a prefit model's."""
    X, y = make_classification(
        n_samples=120, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    prefit = LogisticRegression().fit(X, y)
    two = y < 2
    decider = MinimumCostClassifier(prefit, cost_matrix=[[0, 1], [5, 0]]).fit(
        X[two], y[two]
    )
    assert decider.classes_.tolist() == [0, 1]
    with pytest.raises(ValueError, match="cost_matrix"):
        MinimumCostClassifier(
            FrozenEstimator(prefit), cost_matrix=[[0, 1], [5, 0]]
        ).fit(X[two], y[two])


def test_deciding_around_another_librarys_estimator_does_not_load_keras():
    """Check a fit with sample_weight around LogisticRegression loads no Keras.

    Oracle: the modules loaded in a fresh process after the fit.
    """
    code = (
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from skweighted import MinimumCostClassifier\n"
        "X = np.arange(8.0).reshape(-1, 1); y = np.array([0, 0, 0, 1, 0, 1, 1, 1])\n"
        "clf = MinimumCostClassifier(LogisticRegression(), cost_matrix=[[0, 1], [5, 0]])\n"
        "clf.fit(X, y, sample_weight=np.linspace(1, 2, 8))\n"
    )
    assert modules_loaded_by(code, ("keras", "tensorflow", "scikeras")) == "[]"


def test_calibration_methods_are_those_of_this_scikit_learn():
    """Check ``calibration`` offers the methods CalibratedClassifierCV takes.

    Oracle: CalibratedClassifierCV's own parameter constraint.
    """
    from sklearn.calibration import CalibratedClassifierCV

    from skweighted._decision import _CALIBRATIONS

    (theirs,) = [
        c.options
        for c in CalibratedClassifierCV._parameter_constraints["method"]
        if hasattr(c, "options")
    ]
    assert _CALIBRATIONS == set(theirs)


def test_training_weights_read_tables_in_the_inner_classes_order():
    """Check constant-row tables in the order of the inner ``classes=`` are
    divided out per class of the sorted ``classes_``.

    Oracle: the weights the inner estimator trained with, class by class.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array(["a", "b"] * 20)
    T = np.zeros((40, 2, 2))
    T[:, 0, :] = 5.0  # rows in the order of classes=["b", "a"]: b weighs 5
    T[:, 1, :] = 1.0
    inner = small_mlp(classes=["b", "a"], epochs=1)
    clf = MinimumCostClassifier(inner).fit(X, y, sample_tables=T)
    np.testing.assert_array_equal(clf.classes_, ["a", "b"])
    np.testing.assert_allclose(clf.training_weights_, [1.0, 5.0])
