"""The scikit-learn contract beyond the common checks (issue: contract)."""

import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import BaggingClassifier, StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_val_predict,
    cross_validate,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from _helpers import small_mlp
from skweighted import WeightedMLPClassifier
from skweighted._tables import check_cost_table, table_rows


def test_tags_make_it_a_classifier():
    """Check is_classifier is true, so integer cv stratifies."""
    clf = small_mlp()
    assert is_classifier(clf)
    y = np.array([0, 1] * 10)
    assert isinstance(check_cv(5, y, classifier=is_classifier(clf)), StratifiedKFold)
    tags = clf.__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert tags.input_tags.two_d_array and not tags.input_tags.sparse


class Recording(WeightedMLPClassifier):
    """Records the metadata its fit receives (row ids ride in X[:, 0])."""

    log = []

    def fit(self, X, y, sample_weight=None, sample_tables=None):
        ids = np.asarray(X)[:, 0].astype(int)
        Recording.log.append((ids, sample_weight, sample_tables))
        return super().fit(np.asarray(X)[:, 1:], y, sample_weight, sample_tables)

    def predict_proba(self, X):
        return super().predict_proba(np.asarray(X)[:, 1:])


def _routed_data(three_class):
    X, y = three_class
    n = len(y)
    X_id = np.column_stack([np.arange(n), X])
    T = np.ones((n, 3, 3)) * (np.arange(n) + 1.0)[:, None, None]
    w = np.arange(n) + 0.5
    return X_id, y, T, w


def _check_log(T, w):
    assert Recording.log
    for ids, sw, tables in Recording.log:
        np.testing.assert_array_equal(np.asarray(tables)[:, 0, 0], ids + 1)
        np.testing.assert_array_equal(np.asarray(sw), ids + 0.5)
    Recording.log.clear()


@pytest.mark.parametrize("routing", [True, False])
def test_metadata_routing_through_tools(three_class, routing):
    """Check tables and weights reach each fold's fit, with and without routing."""
    X, y, T, w = _routed_data(three_class)
    Recording.log.clear()
    with sklearn.config_context(enable_metadata_routing=routing):
        clf = Recording(hidden_layer_sizes=(4,), epochs=1, random_state=0)
        if routing:
            clf.set_fit_request(sample_tables=True, sample_weight=True)
            params = {"sample_tables": T, "sample_weight": w}
            pipe_params = params
            scoring = get_scorer("accuracy").set_score_request(sample_weight=False)
        else:
            params = {"sample_tables": T, "sample_weight": w}
            pipe_params = {"clf__sample_tables": T, "clf__sample_weight": w}
            scoring = "accuracy"
        pipe = Pipeline([("clf", clf)])
        cross_validate(
            pipe, X, y, cv=2, params=pipe_params, scoring=scoring, error_score="raise"
        )
        _check_log(T, w)
        cross_val_predict(pipe, X, y, cv=2, params=pipe_params)
        _check_log(T, w)
        GridSearchCV(
            clf, {"weighting": ["argmax"]}, cv=2, scoring=scoring, error_score="raise"
        ).fit(X, y, **params)
        _check_log(T, w)


def test_pandas_inputs(three_class):
    """Check DataFrame X, Series y / sample_weight and a DataFrame table."""
    X, y = three_class
    cols = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    labels = pd.Series(np.array(["a", "b", "c"])[y])
    W = pd.DataFrame(np.ones((3, 3)), index=["a", "b", "c"], columns=["a", "b", "c"])
    clf = small_mlp(misclass_weights=W, epochs=1)
    clf.fit(df, labels, sample_weight=pd.Series(np.ones(len(y))))
    np.testing.assert_array_equal(clf.feature_names_in_, cols)
    assert clf.n_features_in_ == len(cols)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[cols[::-1]])
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])


def _proba_in_subprocess(code):
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out


REPRO = """
import numpy as np
from sklearn.datasets import load_iris
from skweighted import WeightedMLPClassifier
X, y = load_iris(return_X_y=True)
X = (X - X.mean(0)) / X.std(0)
clf = WeightedMLPClassifier(hidden_layer_sizes=(8,), epochs=3, batch_size=16,
                            random_state=3, misclass_weights=np.ones((3, 3)) * 2)
p = clf.fit(X, y).predict_proba(X)
print(repr(p.round(6).tolist()))
"""


@pytest.mark.slow
def test_reproducible_across_processes_and_quiet():
    """Check two processes give identical probabilities and print nothing else."""
    a = _proba_in_subprocess(REPRO)
    b = _proba_in_subprocess(REPRO)
    assert a.stdout == b.stdout
    assert a.stdout.count("\n") == 1
    noisy = [
        line
        for line in a.stderr.splitlines()
        if line.strip() and "cuda" not in line.lower()
    ]
    assert noisy == [], noisy


def test_backend_seed_restored_and_unseeded_fit_after_seeded(iris):
    """Check the TF global seed is restored and an unseeded fit still works."""
    from tensorflow.python.eager import context
    from tensorflow.python.framework import config

    X, y = iris
    before = context.global_seed()
    small_mlp(random_state=1, dropout=0.2, epochs=1).fit(X, y)
    assert context.global_seed() == before
    assert not config.is_op_determinism_enabled()
    small_mlp(random_state=None, dropout=0.2, epochs=1).fit(X, y)


def test_persistence_clone_and_set_params(iris, tmp_path):
    """Check joblib round-trip, clone keeps tables and set_params takes effect."""
    X, y = iris
    W = np.ones((3, 3))
    W[1, 2] = 4.0
    clf = small_mlp(misclass_weights=W).fit(X, y)
    path = tmp_path / "clf.joblib"
    joblib.dump(clf, path)
    np.testing.assert_array_equal(
        joblib.load(path).predict_proba(X), clf.predict_proba(X)
    )
    cloned = clone(clf)
    np.testing.assert_array_equal(cloned.get_params()["misclass_weights"], W)
    np.testing.assert_array_equal(W[1], [1, 1, 4])  # fit did not mutate it
    zero_but_0 = np.zeros((3, 3))
    zero_but_0[0] = 1
    a = clone(clf).set_params(misclass_weights=zero_but_0).fit(X, y)
    b = small_mlp(misclass_weights=zero_but_0).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-5)
    assert not np.allclose(a.predict_proba(X), clf.predict_proba(X), atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make",
    [
        lambda c: CalibratedClassifierCV(c, cv=2),
        lambda c: StackingClassifier([("nn", c), ("lr", LogisticRegression())], cv=2),
        lambda c: VotingClassifier(
            [("nn", c), ("lr", LogisticRegression())], voting="soft"
        ),
        lambda c: BaggingClassifier(c, n_estimators=2, random_state=0),
    ],
    ids=["calibrated", "stacking", "voting", "bagging"],
)
def test_composes_with_meta_estimators(three_class, make):
    """Check the estimator works inside scikit-learn's ensembles."""
    X, y = three_class
    meta = make(small_mlp(epochs=5)).fit(X, y)
    proba = meta.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert meta.score(X, y) > 0.5


@pytest.mark.slow
def test_tuned_threshold_binary(three_class):
    """Check TunedThresholdClassifierCV accepts it on a binary problem."""
    X, y = three_class
    yb = (y == 1).astype(int)
    tuned = TunedThresholdClassifierCV(
        small_mlp(epochs=5), cv=2, scoring="balanced_accuracy"
    )
    tuned.fit(X, yb)
    assert 0 <= tuned.best_threshold_ <= 1
    assert set(tuned.predict(X)) <= {0, 1}


def _bad(msg, **kw):
    return pytest.param(kw, msg, id=msg[:30])


@pytest.mark.parametrize(
    "kw, match",
    [
        _bad("0 sample", X=np.empty((0, 3)), y=np.empty(0)),
        _bad("one class", y=np.zeros(20, int)),
        _bad("Unknown label type", y=np.linspace(0, 1, 20)),
        _bad("(?i)sparse", X=sparse.csr_matrix(np.ones((20, 3)))),
        _bad("could not convert", X=np.array([["a", "b", "c"]] * 20, dtype=object)),
        _bad("NaN", X=np.full((20, 3), np.nan)),
        _bad("inconsistent numbers of samples", y=np.arange(19) % 2),
        _bad("not in classes", params={"classes": [0, 5]}),
        _bad("(?i)negative", fit={"sample_weight": -np.ones(20)}),
        _bad("3 dimensions", fit={"sample_tables": np.ones((20, 2, 2, 2))}),
        _bad("numeric", fit={"sample_tables": np.array([[["x"] * 2] * 2] * 20)}),
        _bad("NaN or infinite", fit={"sample_tables": np.full((20, 2, 2), np.inf)}),
        _bad("must have shape", params={"misclass_weights": np.ones((2, 3))}),
        _bad("real number", params={"misclass_weights": {(0, 1): "x"}}),
        _bad("weighting", params={"weighting": "max"}),
    ],
)
def test_bad_input_table(monkeypatch, kw, match):
    """Check each bad input gives a ValueError/TypeError naming the fix."""

    def fail(self):
        raise AssertionError("Keras reached before validation")

    monkeypatch.setattr(WeightedMLPClassifier, "_build_weighted_model", fail)
    X = kw.get("X", np.random.default_rng(0).normal(size=(20, 3)))
    y = kw.get("y", np.arange(20) % 2)
    with pytest.raises((ValueError, TypeError), match=match):
        small_mlp(**kw.get("params", {})).fit(X, y, **kw.get("fit", {}))


def test_predict_checks_features(iris):
    """Check predict refuses a wrong number of features or sparse input."""
    X, y = iris
    clf = small_mlp(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])
    with pytest.raises(TypeError, match="(?i)sparse"):
        clf.predict(sparse.csr_matrix(X))


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


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(hnp.arrays(np.float64, (30, 2, 2), elements=st.floats(0, 100)))
def test_fit_with_random_tables_never_crashes(T):
    """Check real fits with random valid tables work and leave T unchanged."""
    rng = np.random.default_rng(0)
    X = StandardScaler().fit_transform(rng.normal(size=(30, 3)))
    y = np.arange(30) % 2
    T0 = T.copy()
    clf = small_mlp(epochs=1).fit(X, y, sample_tables=T)
    assert np.isfinite(clf.predict_proba(X)).all()
    np.testing.assert_array_equal(T, T0)
