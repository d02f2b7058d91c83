"""Tests of skweighted.metrics against numpy references and hand computations."""

import os

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_score,
)

from _helpers import last_line_printed_by, modules_loaded_by
from skweighted.metrics import (
    make_cost_scorer,
    misclassification_cost,
    savings_score,
)


def reference_cost(y_true, y_pred, labels, tables, weights=None):
    """Sum over examples of w_k * C_k[true_k, pred_k], by a loop."""
    pos = {label: i for i, label in enumerate(labels)}
    total = 0.0
    for k, (t, p) in enumerate(zip(y_true, y_pred, strict=True)):
        w = 1.0 if weights is None else weights[k]
        total += w * tables[k][pos[t]][pos[p]]
    return total


def random_labels(rng, n, labels):
    labels = np.asarray(labels)
    return labels[rng.integers(len(labels), size=n)], labels[
        rng.integers(len(labels), size=n)
    ]


@pytest.mark.parametrize("k", [2, 3, 6])
@pytest.mark.parametrize("seed", [0, 1])
def test_misclassification_cost_matches_reference(k, seed):
    """Check the cost with global, per-example and compact tables and weights."""
    rng = np.random.default_rng(seed)
    labels = np.array([f"class{i}" for i in range(k)])
    n = 80
    y_true, y_pred = random_labels(rng, n, labels)
    C = rng.uniform(0, 5, size=(k, k))
    T = rng.uniform(0, 5, size=(n, k, k))
    w = rng.uniform(0, 2, size=n)
    ref_global = reference_cost(y_true, y_pred, labels, [C] * n)
    ref_tables = reference_cost(y_true, y_pred, labels, T, w)
    got = misclassification_cost(y_true, y_pred, cost_matrix=C, labels=labels)
    assert got == pytest.approx(ref_global)
    got = misclassification_cost(
        y_true, y_pred, sample_tables=T, labels=labels, sample_weight=w
    )
    assert got == pytest.approx(ref_tables)
    # Compact form: only each example's true-class row.
    rows = T[np.arange(n), np.searchsorted(labels, y_true)]
    got = misclassification_cost(
        y_true, y_pred, sample_tables=rows, labels=labels, sample_weight=w
    )
    assert got == pytest.approx(ref_tables)
    got = misclassification_cost(
        y_true, y_pred, sample_tables=T, labels=labels, sample_weight=w, normalize=True
    )
    assert got == pytest.approx(ref_tables / w.sum())


def test_misclassification_cost_default_counts_errors():
    """Check that without costs the cost is the number of errors."""
    rng = np.random.default_rng(0)
    y_true, y_pred = random_labels(rng, 50, [1, 2, 3])
    errors = int((y_true != y_pred).sum())
    assert misclassification_cost(y_true, y_pred) == errors
    assert misclassification_cost(y_true, y_pred, normalize=True) == pytest.approx(
        errors / 50
    )


def test_misclassification_cost_dict_and_dataframe_fill():
    """Check that unlisted pairs cost 0 on the diagonal and 1 elsewhere."""
    y_true = ["a", "a", "b", "b", "c", "c"]
    y_pred = ["a", "b", "b", "c", "a", "c"]
    # errors: (a, b) listed 5; (b, c) unlisted 1; (c, a) listed 2.
    costs = {("a", "b"): 5.0, ("c", "a"): 2.0}
    assert misclassification_cost(y_true, y_pred, cost_matrix=costs) == 8.0
    # Only (a, b) listed: 5 + 1 + 1.
    df = pd.DataFrame([[5.0]], index=["a"], columns=["b"])
    assert misclassification_cost(y_true, y_pred, cost_matrix=df) == 7.0
    # A listed diagonal entry is kept (a benefit may be a cost > 0 too).
    costs_diag = {("a", "a"): 0.5}
    assert misclassification_cost(y_true, y_pred, cost_matrix=costs_diag) == 3.5


def test_misclassification_cost_labels_from_dict():
    """Check that a dict may name a class that the data lacks."""
    y = [0, 0, 1]
    got = misclassification_cost(y, [0, 1, 1], cost_matrix={(0, 1): 3.0, (2, 0): 9})
    assert got == 3.0


def test_labels_from_dataframe_tables():
    """Check the columns of DataFrame tables count as labels: a class absent
    from y_true and y_pred gives the cost with labels= given, and the loop's."""
    y_true, y_pred = ["a", "b", "a", "b"], ["a", "a", "b", "b"]
    rows = pd.DataFrame({"c": [9.0] * 4, "a": [0, 3, 0, 3.0], "b": [2, 0, 2, 0.0]})
    labels = ["a", "b", "c"]
    full = np.zeros((4, 3, 3))
    full[np.arange(4), [0, 1, 0, 1]] = rows[labels].to_numpy()
    expected = reference_cost(y_true, y_pred, labels, full)
    assert expected == 5.0
    for score in (misclassification_cost, savings_score):
        assert score(y_true, y_pred, sample_tables=rows) == score(
            y_true, y_pred, sample_tables=rows, labels=labels
        )
    assert misclassification_cost(y_true, y_pred, sample_tables=rows) == expected


def test_savings_binary_example_dependent_hand_computed():
    """Check savings against the published binary measure, computed by hand.

    Costs per example in the order [C_FP, C_FN, C_TP, C_TN]:

    ====  =====  ====  ====  ====  ====  ====
    k     y      pred  C_FP  C_FN  C_TP  C_TN
    ====  =====  ====  ====  ====  ====  ====
    0     1      1     2     10    1     0
    1     1      0     2     30    1     0
    2     0      1     5     40    0     0
    3     0      0     1     7     0     0
    4     0      0     3     9     0     0
    ====  =====  ====  ====  ====  ====  ====

    cost(pred) = C_TP + C_FN + C_FP + C_TN + C_TN = 1 + 30 + 5 + 0 + 0 = 36
    all negative: C_FN + C_FN + 0 + 0 + 0 = 10 + 30 = 40
    all positive: C_TP + C_TP + C_FP + C_FP + C_FP = 1 + 1 + 5 + 1 + 3 = 11
    savings = 1 - 36 / min(40, 11) = 1 - 36 / 11
    """
    y = np.array([1, 1, 0, 0, 0])
    pred = np.array([1, 0, 1, 0, 0])
    fp = np.array([2, 2, 5, 1, 3.0])
    fn = np.array([10, 30, 40, 7, 9.0])
    tp = np.array([1, 1, 0, 0, 0.0])
    tn = np.zeros(5)
    # Our orientation: T[k, true, pred] = [[C_TN, C_FP], [C_FN, C_TP]].
    T = np.stack([np.stack([tn, fp], 1), np.stack([fn, tp], 1)], 1)
    assert T.shape == (5, 2, 2)
    assert misclassification_cost(y, pred, sample_tables=T) == pytest.approx(36.0)
    assert savings_score(y, pred, sample_tables=T) == pytest.approx(1 - 36 / 11)
    # Predicting perfectly saves all that can be saved: cost 1 + 1 = 2.
    assert savings_score(y, y, sample_tables=T) == pytest.approx(1 - 2 / 11)


def test_savings_multiclass_matches_reference():
    """Check savings against brute force over constant predictions."""
    rng = np.random.default_rng(3)
    labels = [0, 1, 2, 3]
    y_true, y_pred = random_labels(rng, 60, labels)
    T = rng.uniform(0, 4, size=(60, 4, 4))
    w = rng.uniform(0.5, 1.5, size=60)
    base = min(reference_cost(y_true, np.full(60, j), labels, T, w) for j in labels)
    cost = reference_cost(y_true, y_pred, labels, T, w)
    got = savings_score(y_true, y_pred, sample_tables=T, sample_weight=w)
    assert got == pytest.approx(1 - cost / base)


def test_savings_zero_base():
    """Check the convention when the best constant prediction costs nothing."""
    C = [[0, 1], [1, 0]]
    assert savings_score([1, 1], [1, 1], cost_matrix=C, labels=[0, 1]) == 1.0
    assert savings_score([1, 1], [1, 0], cost_matrix=C, labels=[0, 1]) == 0.0


def test_metrics_do_not_modify_inputs():
    """Check that the caller's labels, tables and weights are left unchanged."""
    rng = np.random.default_rng(0)
    y_true, y_pred = random_labels(rng, 30, [0, 1, 2])
    T = rng.uniform(0, 3, size=(30, 3, 3))
    C = rng.uniform(0, 3, size=(3, 3))
    w = rng.uniform(size=30)
    saved = [a.copy() for a in (y_true, y_pred, T, C, w)]
    misclassification_cost(y_true, y_pred, sample_tables=T, sample_weight=w)
    savings_score(y_true, y_pred, cost_matrix=C, sample_weight=w)
    for before, after in zip(saved, (y_true, y_pred, T, C, w), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(y_pred=[0, 1]), ValueError, "inconsistent numbers of samples"),
        (
            dict(cost_matrix=np.ones((3, 3))),
            ValueError,
            r"shape \(3, 3\) but there are 2",
        ),
        (dict(cost_matrix=[[0, -1], [1, 0]]), ValueError, "negative"),
        (dict(cost_matrix="x"), ValueError, "cost_matrix"),
        (dict(sample_tables=np.ones((4, 2, 2))), ValueError, "4 tables for 3 samples"),
        (dict(sample_tables=-np.ones((3, 2, 2))), ValueError, "negative"),
        (dict(sample_tables=np.ones((3, 3, 3))), ValueError, "2 labels"),
        (dict(labels=[0, 2]), ValueError, r"not in labels \[0, 2\]\. Pass `labels=`"),
        (
            dict(y_true=[1, 1, 1], y_pred=[1, 1, 1], cost_matrix=np.eye(2)),
            ValueError,
            "pass labels=",
        ),
        (dict(labels=[0, 0, 1]), ValueError, "repeat"),
        (dict(sample_weight=[1, 1]), ValueError, "sample_weight"),
        (dict(y_true=[], y_pred=[]), ValueError, "at least one sample"),
    ],
)
def test_misclassification_cost_bad_inputs(kwargs, err, match):
    """Check that bad inputs give a clear error."""
    args = dict(y_true=[0, 1, 1], y_pred=[0, 0, 1])
    args.update(kwargs)
    with pytest.raises(err, match=match):
        misclassification_cost(**args)


def test_make_cost_scorer_bad_score():
    """Check that an unknown score kind is refused."""
    with pytest.raises(ValueError, match="score"):
        make_cost_scorer(score="profit")


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(
        n_samples=120, n_features=5, weights=[0.7, 0.3], random_state=0
    )
    return X, y


def test_cost_scorer_sign_conventions(binary_data):
    """Check that the cost scorer negates the cost and savings does not."""
    X, y = binary_data
    C = np.array([[0.0, 1.0], [5.0, 0.0]])
    model = LogisticRegression().fit(X, y)
    pred = model.predict(X)
    cost_scorer = make_cost_scorer(C)
    total_scorer = make_cost_scorer(C, normalize=False)
    savings = make_cost_scorer(C, score="savings")
    mean_cost = misclassification_cost(y, pred, cost_matrix=C, normalize=True)
    assert cost_scorer(model, X, y) == pytest.approx(-mean_cost)
    assert total_scorer(model, X, y) == pytest.approx(-mean_cost * len(y))
    assert savings(model, X, y) == pytest.approx(savings_score(y, pred, cost_matrix=C))
    assert cost_scorer._sign == -1 and savings._sign == 1


def test_cost_scorer_grid_search_picks_cheapest(binary_data):
    """Check that GridSearchCV with the cost scorer picks the least costly model."""
    X, y = binary_data
    C = np.array([[0.0, 1.0], [8.0, 0.0]])
    cv = KFold(3)
    grid = {"class_weight": [None, {0: 1, 1: 3}, {0: 1, 1: 8}, {0: 3, 1: 1}]}
    search = GridSearchCV(
        LogisticRegression(), grid, scoring=make_cost_scorer(C), cv=cv
    ).fit(X, y)
    mean_costs = []
    for params in search.cv_results_["params"]:
        fold_costs = []
        for train, test in cv.split(X):
            model = LogisticRegression(**params).fit(X[train], y[train])
            fold_costs.append(
                misclassification_cost(
                    y[test], model.predict(X[test]), cost_matrix=C, normalize=True
                )
            )
        mean_costs.append(np.mean(fold_costs))
    np.testing.assert_allclose(-search.cv_results_["mean_test_score"], mean_costs)
    assert search.best_index_ == int(np.argmin(mean_costs))


def test_cost_scorer_receives_routed_tables(binary_data):
    """Check that per-example tables are routed to the scorer, split per fold."""
    X, y = binary_data
    n = len(y)
    rng = np.random.default_rng(0)
    T = np.zeros((n, 2, 2))
    T[:, 0, 1] = rng.uniform(1, 2, size=n)  # false alarm
    T[:, 1, 0] = rng.uniform(1, 50, size=n)  # a missed positive: its amount
    T_before = T.copy()
    cv = KFold(3)
    grid = {"C": [0.01, 1.0]}
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_cost_scorer(labels=[0, 1]).set_score_request(sample_tables=True)
        search = GridSearchCV(LogisticRegression(), grid, scoring=scorer, cv=cv)
        search.fit(X, y, sample_tables=T)
        scores = cross_val_score(
            LogisticRegression(),
            X,
            y,
            scoring=scorer,
            cv=cv,
            params={"sample_tables": T},
        )
    np.testing.assert_array_equal(T, T_before)
    for i, params in enumerate(search.cv_results_["params"]):
        for f, (train, test) in enumerate(cv.split(X)):
            model = LogisticRegression(**params).fit(X[train], y[train])
            expected = misclassification_cost(
                y[test], model.predict(X[test]), sample_tables=T[test], normalize=True
            )
            got = search.cv_results_[f"split{f}_test_score"][i]
            assert got == pytest.approx(-expected)
            if params["C"] == 1.0:
                assert scores[f] == pytest.approx(-expected)


def test_cost_scorer_routed_tables_need_request(binary_data):
    """Check that routed tables are refused when the scorer did not ask."""
    X, y = binary_data
    T = np.ones((len(y), 2, 2))
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            LogisticRegression(), {"C": [1.0]}, scoring=make_cost_scorer(), cv=2
        )
        with pytest.raises(Exception, match="sample_tables"):
            search.fit(X, y, sample_tables=T)


def test_import_leaves_the_environment_alone():
    """Check importing the package changes no environment variable."""
    code = (
        "import os\n"
        "before = dict(os.environ)\n"
        "import skweighted, skweighted.metrics, skweighted.plot\n"
        "print(sorted(set(os.environ.items()) ^ set(before.items())))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    assert last_line_printed_by(code, env) == "[]"


def test_import_metrics_does_not_load_keras():
    """Check that importing skweighted.metrics loads neither Keras nor TF."""
    code = (
        "import skweighted.metrics, skweighted.plot\n"
        "from skweighted import MinimumCostClassifier\n"
    )
    packages = ("keras", "tensorflow", "scikeras", "matplotlib")
    assert modules_loaded_by(code, packages) == "[]"
