"""Tests of WeightedMLPClassifier and WeightedKerasClassifier with real training."""

import copy
import math
import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scikeras.wrappers import KerasClassifier
from scipy import sparse
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import BaggingClassifier, StackingClassifier, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_val_predict,
    cross_val_score,
    cross_validate,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from _helpers import assert_same_model, small_keras, small_mlp
from skweighted import WeightedKerasClassifier, WeightedMLPClassifier, model_reuse
from skweighted.keras import MisclassificationWeightedCrossentropy

# ------------------------------------------------------------------ oracles


def test_constant_rows_equal_class_weight(three_class):
    """Check that W[i, :] = c_i trains the same model as class_weight={i: c_i}."""
    X, y = three_class
    c = {0: 0.5, 1: 3.0, 2: 1.5}
    W = np.repeat(np.array([c[0], c[1], c[2]])[:, None], 3, axis=1)
    by_table = small_mlp(misclass_weights=W).fit(X, y)
    by_class_weight = small_mlp(class_weight=c).fit(X, y)
    assert_same_model(by_table, by_class_weight, X)
    plain = small_mlp().fit(X, y)
    assert not np.allclose(plain.predict_proba(X), by_table.predict_proba(X), atol=1e-4)


def test_constant_sample_tables_equal_sample_weight(three_class):
    """Check that T[k] = s_k trains the same model as sample_weight=s."""
    X, y = three_class
    s = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    T = s[:, None, None] * np.ones((len(y), 3, 3))
    by_tables = small_mlp().fit(X, y, sample_tables=T)
    by_weight = small_mlp().fit(X, y, sample_weight=s)
    assert_same_model(by_tables, by_weight, X)
    compact = small_mlp().fit(X, y, sample_tables=T[:, 0, :])
    assert_same_model(compact, by_weight, X)


def test_tables_class_weight_and_sample_weight_combine(three_class):
    """Check that tables, class_weight and sample_weight multiply."""
    X, y = three_class
    rng = np.random.default_rng(1)
    s = rng.uniform(0.5, 2.0, size=len(y))
    c = {0: 2.0, 1: 0.5, 2: 1.0}
    t = rng.uniform(0.5, 2.0, size=len(y))
    T = t[:, None, None] * np.ones((len(y), 3, 3))
    combined = small_mlp(class_weight=c).fit(X, y, sample_weight=s, sample_tables=T)
    product = s * t * np.array([c[v] for v in y])
    reference = small_mlp().fit(X, y, sample_weight=product)
    assert_same_model(combined, reference, X)


def test_sample_tables_win_over_global_table(three_class):
    """Check that the example's own table wins when both are given."""
    X, y = three_class
    T = np.ones((len(y), 3, 3))
    both = small_mlp(misclass_weights=np.full((3, 3), 7.0)).fit(X, y, sample_tables=T)
    tables_only = small_mlp().fit(X, y, sample_tables=T)
    assert_same_model(both, tables_only, X)


def test_dataframe_and_dict_tables_equal_array(three_class):
    """Check that DataFrame and dict forms train the same model as the array."""
    X, y = three_class
    labels = np.array(["cat", "dog", "emu"])
    y_str = labels[y]
    W = np.array([[1.0, 1.0, 4.0], [1.0, 1.0, 1.0], [2.0, 1.0, 1.0]])
    as_array = small_mlp(misclass_weights=W).fit(X, y_str)
    df = pd.DataFrame(W, index=labels, columns=labels).iloc[::-1, ::-1]
    as_df = small_mlp(misclass_weights=df).fit(X, y_str)
    as_dict = small_mlp(
        misclass_weights={("cat", "emu"): 4.0, ("emu", "cat"): 2.0}
    ).fit(X, y_str)
    assert_same_model(as_array, as_df, X)
    assert_same_model(as_array, as_dict, X)
    assert set(as_array.predict(X)) <= set(labels)


def test_dataframe_sample_tables_read_by_column_label(three_class):
    """Check (n, K) DataFrame tables are read by label, not by column position."""
    X, y = three_class
    labels = np.array(["cat", "dog", "emu"])
    rows = np.random.default_rng(2).uniform(0.5, 3.0, size=(len(y), 3))
    as_array = small_mlp().fit(X, labels[y], sample_tables=rows)
    frame = pd.DataFrame(rows, columns=labels)[["emu", "cat", "dog"]]
    as_frame = small_mlp().fit(X, labels[y], sample_tables=frame)
    assert_same_model(as_array, as_frame, X)
    by_position = small_mlp().fit(X, labels[y], sample_tables=frame.to_numpy())
    assert not np.allclose(
        by_position.predict_proba(X), as_array.predict_proba(X), atol=1e-4
    )


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
def test_expensive_confusion_is_reduced(weighting):
    """Check that a table making 1 -> 2 expensive reduces that confusion.

    Classes 1 and 2 are overlapping Gaussians, so the plain model confuses
    them often; weighting (true 1, predicted 2) by 25 must at least halve it.
    """
    rng = np.random.default_rng(0)
    centers = np.array([[-4.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    y = np.repeat([0, 1, 2], 100)
    X = (centers[y] + rng.normal(size=(300, 2))).astype(np.float32)
    W = np.ones((3, 3))
    W[1, 2] = 25.0
    params = dict(hidden_layer_sizes=(16,), epochs=40, batch_size=32, random_state=0)
    plain = WeightedMLPClassifier(**params).fit(X, y)
    weighted = WeightedMLPClassifier(misclass_weights=W, weighting=weighting, **params)
    weighted.fit(X, y)

    def confusions(clf):
        return int(np.sum((y == 1) & (clf.predict(X) == 2)))

    assert confusions(plain) >= 15
    assert confusions(weighted) <= 0.5 * confusions(plain)


def test_binary_uses_two_unit_softmax(iris):
    """Check binary targets (strings or bools) train a 2-unit softmax."""
    X, y = iris
    y_bin = np.where(y == 2, "virginica", "other")
    clf = small_mlp(misclass_weights=[[1, 3], [1, 1]]).fit(X, y_bin)
    assert clf.model_.network.output_shape == (None, 2)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    assert set(clf.predict(X)) <= {"other", "virginica"}
    assert clf.classes_.tolist() == ["other", "virginica"]
    clf_bool = small_mlp().fit(X, y == 2)
    assert clf_bool.predict(X).dtype == bool


def test_keras_classifier_with_builder(iris):
    """Check WeightedKerasClassifier with a user builder and routed params."""
    X, y = iris
    clf = small_keras(model__hidden=6, misclass_weights=np.ones((3, 3)), epochs=2)
    clf.fit(X, y)
    assert clf.model_.network.layers[0].units == 6
    assert clf.predict(X).shape == (150,)
    assert isinstance(clf, KerasClassifier)
    assert clone(clf).get_params()["model__hidden"] == 6


def test_keras_classifier_routes_optimizer_and_metrics(iris):
    """Check optimizer__*, metrics and fit__* parameters reach Keras."""
    X, y = iris
    clf = small_keras(
        optimizer="sgd",
        optimizer__learning_rate=0.05,
        metrics=["categorical_accuracy"],
        fit__epochs=2,
    ).fit(X, y)
    assert clf.model_.optimizer.get_config()["name"].startswith("sgd")
    np.testing.assert_allclose(float(clf.model_.optimizer.learning_rate), 0.05)
    assert len(clf.history_["categorical_accuracy"]) == 2


# ------------------------------------------------------ scikit-learn tools


def test_tags_make_it_a_classifier():
    """Check is_classifier is true, so integer cv stratifies."""
    for clf in (small_mlp(), small_keras()):
        assert is_classifier(clf)
        y = np.array([0, 1] * 10)
        assert isinstance(check_cv(5, y, classifier=True), StratifiedKFold)
        tags = clf.__sklearn_tags__()
        assert tags.estimator_type == "classifier"
        assert tags.input_tags.two_d_array and not tags.input_tags.sparse
        # deterministic given a random_state, as MLPClassifier: seeded checks run
        for seed in (None, 0):
            mine = clf.set_params(random_state=seed).__sklearn_tags__()
            theirs = MLPClassifier(random_state=seed).__sklearn_tags__()
            assert mine.non_deterministic is theirs.non_deterministic is False


def test_cross_val_score_splits_tables_per_fold(three_class):
    """Check each fold's fit receives the tables of exactly its own rows."""
    X, y = three_class
    n = len(y)
    X_id = np.column_stack([np.arange(n, dtype=np.float32), X])
    T = np.ones((n, 3, 3)) * (np.arange(n) + 1.0)[:, None, None]  # encodes the row
    seen = []

    class Recorder(WeightedMLPClassifier):
        def fit(self, X, y, sample_weight=None, sample_tables=None):
            rows = np.asarray(X)[:, 0].astype(int)
            np.testing.assert_array_equal(np.asarray(sample_tables)[:, 0, 0], rows + 1)
            seen.append(np.sort(rows))
            return super().fit(X[:, 1:], y, sample_weight, sample_tables)

        def predict_proba(self, X):
            return super().predict_proba(np.asarray(X)[:, 1:])

    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(
        Recorder(hidden_layer_sizes=(4,), epochs=1, random_state=0),
        X_id,
        y,
        cv=cv,
        params={"sample_tables": T},
        error_score="raise",
    )
    assert len(scores) == 3
    for (train, _), rows in zip(cv.split(X_id, y), seen, strict=True):
        np.testing.assert_array_equal(rows, train)


class Recording(WeightedMLPClassifier):
    """Records the metadata its fit receives (row ids ride in X[:, 0])."""

    log = []

    def fit(self, X, y, sample_weight=None, sample_tables=None):
        ids = np.asarray(X)[:, 0].astype(int)
        Recording.log.append((ids, sample_weight, sample_tables))
        return super().fit(np.asarray(X)[:, 1:], y, sample_weight, sample_tables)

    def predict_proba(self, X):
        return super().predict_proba(np.asarray(X)[:, 1:])


def _check_log(T, w):
    assert Recording.log
    for ids, sw, tables in Recording.log:
        np.testing.assert_array_equal(np.asarray(tables)[:, 0, 0], ids + 1)
        np.testing.assert_array_equal(np.asarray(sw), ids + 0.5)
    Recording.log.clear()


@pytest.mark.parametrize("routing", [True, False])
def test_metadata_routing_through_tools(three_class, routing):
    """Check tables and weights reach each fold's fit, with and without routing."""
    X, y = three_class
    n = len(y)
    X = np.column_stack([np.arange(n), X])
    T = np.ones((n, 3, 3)) * (np.arange(n) + 1.0)[:, None, None]
    w = np.arange(n) + 0.5
    Recording.log.clear()
    with sklearn.config_context(enable_metadata_routing=routing):
        clf = Recording(hidden_layer_sizes=(4,), epochs=1, random_state=0)
        params = {"sample_tables": T, "sample_weight": w}
        if routing:
            clf.set_fit_request(sample_tables=True, sample_weight=True)
            pipe_params = params
            scoring = get_scorer("accuracy").set_score_request(sample_weight=False)
        else:
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


def test_pipeline_cross_val_score_with_tables(three_class):
    """Check the step__sample_tables style through a Pipeline."""
    X, y = three_class
    T = np.random.default_rng(0).uniform(0.5, 2, size=(len(y), 3, 3))
    pipe = make_pipeline(StandardScaler(), small_mlp(epochs=2))
    scores = cross_val_score(
        pipe, X, y, cv=3, params={"weightedmlpclassifier__sample_tables": T}
    )
    reference = [
        small_mlp(epochs=2)
        .fit(StandardScaler().fit(X[tr]).transform(X[tr]), y[tr], sample_tables=T[tr])
        .score(StandardScaler().fit(X[tr]).transform(X[te]), y[te])
        for tr, te in StratifiedKFold(3).split(X, y)
    ]
    np.testing.assert_allclose(scores, reference)


def test_grid_search_picks_between_tables(three_class):
    """Check GridSearchCV over misclass_weights really uses each table.

    A table that zeroes the weight of every class but 0 trains a model that
    only knows class 0; the uniform table is listed second so that picking it
    needs a real difference in score.
    """
    X, y = three_class
    broken = np.zeros((3, 3))
    broken[0] = 1.0
    with pytest.warns(UserWarning, match="0 weights on its diagonal"):
        grid = GridSearchCV(
            small_mlp(epochs=30, hidden_layer_sizes=(16,), learning_rate=0.01),
            {"misclass_weights": [broken, np.ones((3, 3))]},
            cv=3,
        ).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] + 0.2
    np.testing.assert_array_equal(
        grid.best_params_["misclass_weights"], np.ones((3, 3))
    )


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


# ------------------------------------------------------- fitted estimator


@pytest.mark.parametrize("reuse", [True, False])
@pytest.mark.parametrize("make", [small_mlp, small_keras], ids=["mlp", "keras"])
def test_model_is_compiled_and_built(iris, tmp_path, reuse, make):
    """Check model_ evaluates, summarises, saves and pickles without warnings."""
    X, y = iris
    with model_reuse(reuse):
        make().fit(X, y)  # a second fit of one configuration may reuse a model
        clf = make().fit(X, y)
    model = clf.model_
    assert model.compiled and model.built and model.optimizer.built
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loss = model.evaluate(X, np.eye(3)[y], verbose=0)
        model.summary(print_fn=lambda *a, **k: None)
        model.save(tmp_path / "model.keras")
        joblib.dump(clf, tmp_path / "clf.joblib")
        restored = pickle.loads(pickle.dumps(clf))
    expected = -np.mean(np.log(clf.predict_proba(X)[np.arange(150), y]))
    np.testing.assert_allclose(
        loss, expected + sum(map(float, model.losses)), rtol=1e-4
    )
    assert_same_model(restored, clf, X)
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(X)), clf.predict_proba(X), rtol=1e-5
    )


@pytest.mark.parametrize("make", [small_mlp, small_keras], ids=["mlp", "keras"])
def test_initialize_then_predict_and_partial_fit(iris, make):
    """Check initialize builds a compiled model that predicts and trains on."""
    X, y = iris
    clf = make().initialize(X, y)
    assert clf.model_.compiled and clf.model_.built
    assert clf.predict(X).shape == (150,)
    assert clf.classes_.tolist() == [0, 1, 2]
    before = clf.predict_proba(X)
    clf.partial_fit(X, y)
    assert len(clf.history_["loss"]) == 1
    assert not np.allclose(clf.predict_proba(X), before)


def test_partial_fit_leaves_parameters_alone(iris):
    """Check partial_fit never changes classes or warm_start, even while fitting."""
    X, y = iris
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            params = clf.get_params()
            seen.append((params["classes"], params["warm_start"]))

    clf = small_keras(callbacks=[Spy()])
    clf.partial_fit(X[:60], y[:60] % 2, classes=[0, 1, 2])
    clf.partial_fit(X, y)
    assert seen == [(None, False), (None, False)]
    assert clf.classes_.tolist() == [0, 1, 2]
    assert len(clf.history_["loss"]) == 2


def test_partial_fit_refuses_what_it_cannot_honour(iris):
    """Check "balanced" and a changed label set are refused, as scikit-learn's.

    Oracle: SGDClassifier's partial_fit, which refuses both.
    """
    from sklearn.linear_model import SGDClassifier

    X, y = iris
    with pytest.raises(ValueError, match="balanced"):
        SGDClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    clf = small_mlp(class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(clf, "model_")

    sgd = SGDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="classes"):
        sgd.partial_fit(X, y, classes=[0, 1, 2, 3])
    clf = small_mlp().partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y, classes=[2, 0, 1])  # the same set
    with pytest.raises(ValueError, match="not the label set of the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert clf.n_iter_ == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"initial_epoch": 0}, "initial_epoch=: the estimator counts"),
        ({"class_weight": {0: 1.0, 1: 5.0, 2: 1.0}}, "keyed by class label"),
    ],
)
def test_fit_refuses_keras_arguments_the_estimator_sets(iris, kwargs, match):
    """Check Keras arguments the estimator owns are refused before training.

    Passed on, ``initial_epoch`` clashed with the estimator's own and Keras
    keyed ``class_weight`` by class index, ignoring labels such as 3 and 8.
    """
    X, y = iris
    for clf in (small_mlp(), small_keras()):
        with pytest.raises(TypeError, match=match):
            clf.fit(X, y, **kwargs)
        assert not hasattr(clf, "model_")


def test_warm_start_continues_training(iris):
    """Check warm_start continues training and keeps the history."""
    X, y = iris
    clf = small_mlp(epochs=2, warm_start=True).fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model
    assert len(clf.history_["loss"]) == 4 == clf.n_iter_
    assert int(model.optimizer.iterations) == 4 * 5  # ceil(150 / 32) per epoch


def test_early_stopping_stops(iris):
    """Check early stopping ends training before the epoch budget."""
    X, y = iris
    clf = small_mlp(epochs=300, early_stopping=True, n_iter_no_change=3, tol=0.5)
    clf.fit(X, y)
    assert clf.n_iter_ < 300
    assert len(clf.history_["val_loss"]) == clf.n_iter_


@pytest.mark.parametrize("n_samples, held_out", [(200, False), (10_001, True)])
def test_early_stopping_auto_holds_out_data_on_large_sets(n_samples, held_out):
    """Check early_stopping="auto" holds out validation data above 10,000 examples."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 3)).astype("float32")
    y = (X[:, 0] > 0).astype(int)
    clf = small_mlp(epochs=1, batch_size=1000).fit(X, y)
    assert clf.get_params()["early_stopping"] == "auto"
    assert ("val_loss" in clf.history_) is held_out
    n_train = n_samples - (math.ceil(0.1 * n_samples) if held_out else 0)
    assert int(clf.model_.optimizer.iterations) == math.ceil(n_train / 1000)


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
    zero_but_0 = np.ones((3, 3))
    zero_but_0[1:] = 0.01
    a = clone(clf).set_params(misclass_weights=zero_but_0).fit(X, y)
    b = small_mlp(misclass_weights=zero_but_0).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-5)
    assert not np.allclose(a.predict_proba(X), clf.predict_proba(X), atol=1e-3)


def test_mlp_parameters_are_its_own(iris):
    """Check the MLP exposes only its own parameters and names them on errors."""
    clf = small_mlp()
    params = clf.get_params()
    assert "metrics" not in params and "model" not in params
    assert not hasattr(clf, "metrics")
    with pytest.raises(ValueError, match="Invalid parameter 'metrics'.*hidden_layer"):
        clf.set_params(metrics=["accuracy"])
    with pytest.raises(TypeError):
        WeightedMLPClassifier(metrics=["accuracy"])


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


def test_predict_checks_features(iris):
    """Check predict refuses a wrong number of features or sparse input."""
    X, y = iris
    clf = small_mlp(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :2])
    with pytest.raises(TypeError, match="(?i)sparse"):
        clf.predict(sparse.csr_matrix(X))
    with pytest.raises(ValueError, match="overflow float32"):
        clf.predict(np.full((2, 4), 1e39))


# ------------------------------------------------------------- bad inputs


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if a network is built (bad input must be caught before)."""

    def fail(self, *args):
        raise AssertionError("a Keras network was built before the input was checked")

    for cls in (WeightedMLPClassifier, WeightedKerasClassifier):
        monkeypatch.setattr(cls, "_build_network", fail)


def _bad(match, error=ValueError, **kw):
    return pytest.param(kw, error, match, id=match[:40])


N = 30
BAD_INPUTS = [
    _bad("0 sample", X=np.empty((0, 3)), y=np.empty(0)),
    _bad("at least 2 classes", y=np.zeros(N, int)),
    _bad("Unknown label type", y=np.linspace(0, 1, N)),
    _bad("(?i)sparse", TypeError, X=sparse.csr_matrix(np.ones((N, 3)))),
    _bad("could not convert", X=np.array([["a", "b", "c"]] * N, dtype=object)),
    _bad("NaN", X=np.full((N, 3), np.nan)),
    _bad("X has values that overflow float32", X=np.full((N, 3), 1e39)),
    _bad("inconsistent numbers of samples", y=np.arange(N - 1) % 2),
    _bad("not in classes", params={"classes": [0, 5]}),
    _bad("repeat", params={"classes": [0, 0, 1]}),
    _bad("weighting", params={"weighting": "max"}),
    _bad("epochs", params={"epochs": 0}),
    _bad("class_weight", params={"class_weight": "auto"}),
    _bad("hidden_layer_sizes", params={"hidden_layer_sizes": (4, 0)}),
    _bad("activation='foo' is not a Keras activation", params={"activation": "foo"}),
    _bad("optimizer='foo' is not a Keras optimizer", params={"optimizer": "foo"}),
    _bad(
        "validation_fraction=0.01 sets aside 1 of the 30",
        params={"early_stopping": True, "validation_fraction": 0.01},
    ),
    _bad("(?i)negative", fit={"sample_weight": -np.ones(N)}),
    _bad("sample_weight.*overflow float32", fit={"sample_weight": np.full(N, 1e39)}),
    _bad("overflows float32", fit={"sample_weight": np.full(N, 1e30)}, tables=1e30),
    _bad(
        r"misclass_weights must have shape \(K, K\) = \(2, 2\)", table=np.ones((3, 3))
    ),
    _bad(r"shape \(K, K\)", table=np.ones((2, 2, 2))),
    _bad("NaN or infinite", table=[[1, np.nan], [1, 1]]),
    _bad("NaN or infinite", table=[[1, np.inf], [1, 1]]),
    _bad("NaN or infinite entries in float32", table=[[1, 1e39], [1, 1]]),
    _bad("negative", table=[[1, -2], [1, 1]]),
    _bad("real number", TypeError, table={(0, 1): "x"}),
    _bad("not among the classes", table={(0, 7): 2.0}),
    _bad("not among", table=pd.DataFrame(np.ones((2, 2)), index=[0, 9])),
    _bad(f"10 tables for {N} samples", fit={"sample_tables": np.ones((10, 2, 2))}),
    _bad("classes=", fit={"sample_tables": np.ones((N, 3, 3))}),
    _bad("3 dimensions", fit={"sample_tables": np.ones((N, 2, 2, 2))}),
    _bad("real numbers", TypeError, fit={"sample_tables": np.full((N, 2, 2), "x")}),
    _bad("real numbers", TypeError, fit={"sample_tables": np.ones((N, 2, 2)) + 1j}),
    _bad("NaN or infinite", fit={"sample_tables": np.full((N, 2, 2), np.inf)}),
    _bad("in float32", fit={"sample_tables": np.full((N, 2), 1e39)}),
    _bad("negative", fit={"sample_tables": -np.ones((N, 2, 2))}),
    _bad(
        "column .* labels",
        fit={"sample_tables": pd.DataFrame(np.ones((N, 2)), columns=["a", "b"])},
    ),
]


@pytest.mark.parametrize("make", [small_mlp, small_keras], ids=["mlp", "keras"])
@pytest.mark.parametrize("kw, error, match", BAD_INPUTS)
def test_bad_input_raises_before_keras(no_network, make, kw, error, match):
    """Check each bad input gives a clear error before any network is built.

    The caller's data is left unchanged and the estimator unfitted.
    """
    rng = np.random.default_rng(0)
    X = kw.get("X", rng.normal(size=(N, 3)))
    y = kw.get("y", np.arange(N) % 2)
    fit = dict(kw.get("fit", {}))
    params = dict(kw.get("params", {}))
    if "table" in kw:
        params["misclass_weights"] = kw["table"]
    if "tables" in kw:
        fit["sample_tables"] = np.full((N, 2), kw["tables"])
    mlp_only = {"hidden_layer_sizes", "activation", "early_stopping"}
    if make is small_keras and mlp_only & set(params):
        pytest.skip("a parameter of the MLP only")
    clf = make(**params)
    given = [a for a in (X, y, *fit.values()) if isinstance(a, np.ndarray)]
    copies = [a.copy() for a in given]
    with pytest.raises(error, match=match):
        clf.fit(X, y, **fit)
    assert [k for k in vars(clf) if k.endswith("_")] == []
    for before, after in zip(copies, given, strict=True):
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("name", ["adam", "Adam", "SGD", "rmsprop", "AdamW", "nadam"])
def test_mlp_optimizer_name_builds_the_optimizer_keras_names(name):
    """Check an optimizer name gives the optimizer that Keras builds from it.

    Oracle: ``keras.optimizers.get`` of the same name and learning rate.
    """
    built = small_mlp(optimizer=name, learning_rate=0.02)._optimizer()
    expected = keras.optimizers.get(
        {"class_name": name, "config": {"learning_rate": 0.02}}
    )
    assert type(built) is type(expected)
    config, reference = built.get_config(), expected.get_config()
    config.pop("name"), reference.pop("name")
    assert config == reference


def test_mlp_optimizer_name_is_checked_without_building_one():
    """Check the optimizer's name is checked before Keras builds anything.

    A fit that fails on its data has built no optimizer (the check used to
    build one and throw it away), and a name registered with Keras trains
    with that optimizer. Oracle: the optimizers a registered class counts.
    """
    built = []

    class CountingSGD(keras.optimizers.SGD):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(N, 3)), np.arange(N) % 2
    with keras.saving.CustomObjectScope({"CountingSGD": CountingSGD}):
        clf = small_mlp(optimizer="CountingSGD", epochs=1)
        with pytest.raises(ValueError, match="NaN"):
            clf.fit(np.full((N, 3), np.nan), y)
        assert built == []
        clf.fit(X, y)
    assert isinstance(clf.model_.optimizer, CountingSGD)
    assert clf.model_.optimizer in built


def test_mlp_optimizer_that_wraps_another_is_refused_before_keras(no_network):
    """Check an optimizer that needs more than a learning rate is refused.

    Keras' LossScaleOptimizer wraps another optimizer: the error names the
    missing argument and what to use instead, before any network is built.
    """
    rng = np.random.default_rng(0)
    clf = small_mlp(optimizer="LossScaleOptimizer")
    with pytest.raises(ValueError, match="'LossScaleOptimizer' needs inner_optimizer"):
        clf.fit(rng.normal(size=(N, 3)), np.arange(N) % 2)


def test_tables_for_more_classes_than_y_name_classes(three_class, no_network):
    """Check tables for K classes with y of fewer classes point to `classes`."""
    X, y = three_class
    keep = y < 2
    with pytest.raises(ValueError, match="classes="):
        small_mlp().fit(X[keep], y[keep], sample_tables=np.ones((keep.sum(), 3, 3)))
    with pytest.raises(ValueError, match="classes="):
        small_mlp(misclass_weights=np.ones((3, 3))).fit(X[keep], y[keep])


@pytest.mark.parametrize("width", [2, 4])
def test_builder_of_wrong_width_raises(iris, width):
    """Check a builder whose output does not match the classes is refused clearly."""
    X, y = iris

    def build(meta):
        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(width)]
        )

    clf = WeightedKerasClassifier(build, epochs=1)
    with pytest.raises(ValueError, match=rf"outputs shape \(None, {width}\).* 3 units"):
        clf.fit(X, y)
    assert [k for k in vars(clf) if k.endswith("_")] == []


def test_refit_failure_keeps_previous_fit(iris):
    """Check a fit that fails on bad input leaves the previous fit in place."""
    X, y = iris
    clf = small_mlp(epochs=1).fit(X, y)
    model, proba = clf.model_, clf.predict_proba(X)
    with pytest.raises(ValueError, match="overflow"):
        clf.fit(np.full((10, 4), 1e39), y[::15])
    assert clf.model_ is model
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize(
    "table, weighting, match",
    [
        (np.zeros((3, 3)), "argmax", "Every table weight of this data is 0"),
        (np.zeros((3, 3)), "expected", "Every table weight of this data is 0"),
        (1 - np.eye(3), "argmax", "0 weights on its diagonal"),
    ],
)
def test_degenerate_tables_warn(iris, table, weighting, match):
    """Check tables the model cannot learn from give a warning."""
    X, y = iris
    with pytest.warns(UserWarning, match=match):
        small_mlp(misclass_weights=table, weighting=weighting, epochs=1).fit(X, y)
    tables = np.broadcast_to(table, (150, 3, 3))
    with pytest.warns(UserWarning, match=match):
        small_mlp(weighting=weighting, epochs=1).fit(X, y, sample_tables=tables)


def test_zero_diagonal_with_expected_weighting_is_quiet(iris):
    """Check a zero diagonal does not warn with expected weighting."""
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs
        small_mlp(misclass_weights=1 - np.eye(3), weighting="expected", epochs=1).fit(
            X, y
        )


def test_overridden_global_table_does_not_warn(iris):
    """Check a zero-diagonal misclass_weights that tables replace is not warned of."""
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs
        small_mlp(misclass_weights=1 - np.eye(3), epochs=1).fit(
            X, y, sample_tables=np.ones((150, 3, 3))
        )


def test_fit_does_not_modify_inputs(three_class):
    """Check that nothing the caller passed is modified (read-only arrays work)."""
    X, y = three_class
    T = np.random.default_rng(0).uniform(size=(len(y), 3, 3))
    s = np.ones(len(y))
    W = np.ones((3, 3))
    cw = {0: 2.0}
    copies = [a.copy() for a in (X, y, T, s, W)]
    for a in (X, y, T, s, W):
        a.setflags(write=False)
    clf = small_mlp(misclass_weights=W, class_weight=cw, epochs=1)
    clf.fit(X, y, sample_weight=s, sample_tables=T)
    for a, b in zip((X, y, T, s, W), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    assert cw == {0: 2.0}
    assert clf.get_params()["misclass_weights"] is W


def test_classes_parameter_fixes_label_set(three_class):
    """Check a fold lacking a class still trains against the full table."""
    X, y = three_class
    keep = y < 2
    clf = small_mlp(classes=[0, 1, 2], misclass_weights=np.ones((3, 3)), epochs=1)
    clf.fit(X[keep], y[keep], sample_tables=np.ones((keep.sum(), 3, 3)))
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.predict_proba(X).shape == (300, 3)


tables_strategy = st.integers(2, 4).flatmap(
    lambda k: hnp.arrays(np.float64, (30, k, k), elements=st.floats(0.01, 100))
)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(tables_strategy)
def test_fit_with_random_tables_never_crashes(T):
    """Check real fits with random valid tables work and leave T unchanged."""
    rng = np.random.default_rng(0)
    X = StandardScaler().fit_transform(rng.normal(size=(30, 3)))
    k = T.shape[1]
    y = np.arange(30) % k
    T0 = T.copy()
    clf = small_mlp(epochs=1).fit(X, y, sample_tables=T)
    assert np.isfinite(clf.predict_proba(X)).all()
    np.testing.assert_array_equal(T, T0)


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="continued training on JAX shuffles from Keras' global generators",
)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_continue_training_with_the_same_dropout(iris, how):
    """Check a pickled or copied estimator with dropout trains on as the original.

    Oracle: the original estimator itself, continued with the same
    ``partial_fit``; the random generators of its dropout are part of what
    continues.
    """
    import copy

    X, y = iris
    original = small_mlp(dropout=0.3, epochs=3).fit(X, y)
    if how == "pickle":
        other = pickle.loads(pickle.dumps(original))
    else:
        other = copy.deepcopy(original)
    for clf in (original, other):
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(original.predict_proba(X), other.predict_proba(X))


# ---------------------------------------------------------- reproducibility

LOAD = """
import sys
import joblib
import numpy as np
clf = joblib.load(sys.argv[1])  # no import of skweighted here
X = np.load(sys.argv[2])
np.save(sys.argv[3], clf.predict_proba(X))
clf.partial_fit(X, clf.classes_[np.arange(len(X)) % len(clf.classes_)])
"""


def test_pickle_loads_in_a_fresh_process(iris, tmp_path):
    """Check a fitted estimator (after a deepcopy) loads and predicts elsewhere."""
    X, y = iris
    loss = MisclassificationWeightedCrossentropy(np.ones((3, 3)) + np.eye(3))
    network = keras.Sequential(
        [keras.Input((X.shape[1],)), keras.layers.Dense(3, activation="softmax")]
    )
    for clf in (
        small_mlp(misclass_weights=np.ones((3, 3)) * 2),
        WeightedKerasClassifier(network, loss=loss, epochs=2, random_state=0),
    ):
        clf.fit(X, y)
        copy.deepcopy(clf)  # SciKeras' deepcopy re-registered the model class
        path = tmp_path / "clf.joblib"
        joblib.dump(clf, path)
        np.save(tmp_path / "X.npy", X)
        subprocess.run(
            [
                sys.executable,
                "-c",
                LOAD,
                str(path),
                str(tmp_path / "X.npy"),
                str(tmp_path / "p.npy"),
            ],
            check=True,
            capture_output=True,
        )
        np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), clf.predict_proba(X))


REPRO = """
import warnings
import numpy as np
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from skweighted import WeightedMLPClassifier
warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs on purpose
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
    runs = [
        subprocess.run(
            [sys.executable, "-c", textwrap.dedent(REPRO)],
            capture_output=True,
            text=True,
            check=True,
        )
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.count("\n") == 1
    noisy = [
        line
        for line in runs[0].stderr.splitlines()
        if line.strip() and not _tensorflow_start_up_log(line)
    ]
    assert noisy == [], noisy


def _tensorflow_start_up_log(line):
    """Whether ``line`` is a log line TensorFlow writes whatever its log level.

    Its CUDA probing, and on CPUs where it uses oneDNN the notice that it
    does, which TensorFlow writes through absl before it reads
    ``TF_CPP_MIN_LOG_LEVEL`` (with absl's line about logs before its
    initialization).
    """
    return (
        "cuda" in line.lower()
        or "oneDNN custom operations are on" in line
        or line.startswith("WARNING: All log messages before absl::InitializeLog()")
    )


def _weighted_crossentropy(proba, y, table):
    """Mean of W[y_k, argmax p_k] * -log p_k[y_k], in numpy."""
    picked = proba[np.arange(len(y)), y]
    weights = table[y, np.argmax(proba, axis=1)]
    return float(np.mean(weights * -np.log(picked)))


@pytest.mark.parametrize("estimator", ["mlp", "keras"])
@pytest.mark.parametrize("callbacks", [[], [keras.callbacks.Callback()]])
def test_validation_data_is_weighted_by_the_table(three_class, estimator, callbacks):
    """Check val_loss is the table-weighted cross-entropy of validation_data.

    Without callbacks the fit trains in compiled code, with one through
    ``Model.fit``.
    """
    X, y = three_class
    W = np.ones((3, 3)) + 3 * (1 - np.eye(3))
    params = dict(misclass_weights=W, epochs=2, random_state=0)
    if estimator == "mlp":
        clf = small_mlp(alpha=0.0, **params)
    else:
        clf = small_keras(**params)
    validation_data = (X[200:], y[200:])
    clf.fit(X[:200], y[:200], validation_data=validation_data, callbacks=callbacks)
    assert len(clf.history_["val_loss"]) == 2
    expected = _weighted_crossentropy(clf.predict_proba(X[200:]), y[200:], W)
    assert clf.history_["val_loss"][-1] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("estimator", ["mlp", "keras"])
@pytest.mark.parametrize("callbacks", [[], [keras.callbacks.Callback()]])
def test_validation_data_is_weighted_by_its_own_tables(
    three_class, estimator, callbacks
):
    """Check val_loss weighs each held-out example by its own table.

    ``validation_data=(X_val, y_val, None, tables_val)`` follows ``fit``'s
    arguments; the oracle is the numpy per-example weighted cross-entropy of
    the final model's probabilities, on the compiled path and ``Model.fit``.
    """
    X, y = three_class
    rng = np.random.default_rng(1)
    tables = rng.uniform(0.5, 4.0, size=(len(y), 3, 3))
    params = dict(epochs=2, random_state=0)
    clf = (
        small_mlp(alpha=0.0, **params) if estimator == "mlp" else small_keras(**params)
    )
    tables_val = tables[200:].copy()
    clf.fit(
        X[:200],
        y[:200],
        sample_tables=tables[:200],
        validation_data=(X[200:], y[200:], None, tables_val),
        callbacks=callbacks,
    )
    np.testing.assert_array_equal(tables_val, tables[200:])  # not modified
    proba = clf.predict_proba(X[200:])
    y_val = y[200:]
    weights = tables[200:][np.arange(len(y_val)), y_val, np.argmax(proba, axis=1)]
    expected = float(np.mean(weights * -np.log(proba[np.arange(len(y_val)), y_val])))
    assert clf.history_["val_loss"][-1] == pytest.approx(expected, rel=1e-4)
    # the same data weighted by one table instead gives another number
    uniform = _weighted_crossentropy(proba, y_val, np.ones((3, 3)))
    assert abs(expected - uniform) > 1e-3


@pytest.mark.parametrize("estimator", ["mlp", "keras"])
def test_warm_fit_trains_with_a_changed_weighting(three_class, estimator):
    """Check a warm fit after set_params(weighting=...) weights by the new rule.

    Oracle: val_loss is the numpy "expected"-weighted cross-entropy,
    ``sum_j W[y, j] p_j * -log p_y``, of the final model's probabilities.
    """
    X, y = three_class
    W = np.ones((3, 3)) + 3 * (1 - np.eye(3))
    params = dict(misclass_weights=W, epochs=2, random_state=0, warm_start=True)
    clf = (
        small_mlp(alpha=0.0, **params) if estimator == "mlp" else small_keras(**params)
    )
    clf.fit(X[:200], y[:200])
    clf.set_params(weighting="expected")
    clf.fit(X[:200], y[:200], validation_data=(X[200:], y[200:]))
    assert clf.model_.weighting == "expected"
    proba = clf.predict_proba(X[200:])
    y_val = y[200:]
    weights = (W[y_val] * proba).sum(axis=1)
    expected = float(np.mean(weights * -np.log(proba[np.arange(len(y_val)), y_val])))
    assert clf.history_["val_loss"][-1] == pytest.approx(expected, rel=1e-4)


def test_validation_data_replaces_the_held_out_fraction(three_class):
    """Check early stopping watches validation_data and trains on all of X."""
    X, y = three_class
    clf = small_mlp(early_stopping=True, n_iter_no_change=50, batch_size=50)
    clf.fit(X[:200], y[:200], validation_data=(X[200:], y[200:]))
    assert int(clf.model_.optimizer.iterations) == clf.n_iter_ * 4  # 200 / 50
    assert len(clf.history_["val_loss"]) == clf.n_iter_


def test_bad_validation_data_is_refused_before_training(three_class):
    """Check validation_data of the wrong form or width raises clearly."""
    X, y = three_class
    with pytest.raises(TypeError, match="validation_data must be a tuple"):
        small_mlp().fit(X, y, validation_data=X)
    with pytest.raises(TypeError, match="of length 5"):
        small_mlp().fit(X, y, validation_data=(X, y, None, None, None))
    with pytest.raises(ValueError, match="sample_tables"):
        small_mlp().fit(X, y, validation_data=(X, y, None, np.ones((len(y), 2, 2))))
    clf = small_mlp()
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y, validation_data=(X[:, :3], y))
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": -3}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": -5}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
    ],
)
@pytest.mark.parametrize("make", [small_mlp, small_keras], ids=["mlp", "keras"])
def test_bad_fit_arguments_are_refused_like_parameters(three_class, make, kwargs, name):
    """Check fit(epochs=..., batch_size=...) as the parameters are checked.

    Oracle: scikit-learn's own error for the parameter of that name.
    """
    X, y = three_class
    clf = make()
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of .*fit"):
        clf.fit(X, y, **kwargs)
    assert not hasattr(clf, "model_")
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        make(**kwargs).fit(X, y)
    # batch_size=-1 (one batch of all) is taken in fit as in the parameters
    assert make().fit(X, y, batch_size=-1, epochs=1).n_iter_ == 1


def test_partial_fit_trains_on_all_its_data(three_class):
    """Check partial_fit holds nothing out, as MLPClassifier's partial_fit."""
    X, y = three_class
    clf = small_mlp(early_stopping=True, batch_size=30)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y)
    assert int(clf.model_.optimizer.iterations) == 2 * 10  # 300 / 30 per call
    assert set(clf.history_) == {"loss"}


@pytest.mark.parametrize("weight", [-1.0, np.nan, "heavy"])
def test_bad_class_weight_is_refused(three_class, weight):
    """Check class_weight values must be finite numbers >= 0, before training."""
    X, y = three_class
    clf = small_mlp(class_weight={0: weight})
    error = TypeError if isinstance(weight, str) else ValueError
    with pytest.raises(error, match="class_weight values must be"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_model_fit_path_shuffles_from_random_state_alone(three_class):
    """Check fits through Model.fit (a callback, warm fits) shuffle from
    random_state on every backend: the same model whatever numpy's global
    seed, whose state is left as found."""
    X, y = three_class
    X_val, y_val = X[:20], y[:20]

    def fits():
        callback = small_mlp(batch_size=16).fit(
            X,
            y,
            callbacks=[keras.callbacks.TerminateOnNaN()],
            validation_data=(X_val, y_val),
        )
        warm = small_mlp(batch_size=16, warm_start=True).fit(X, y).fit(X, y)
        partial = small_mlp(batch_size=16)
        partial.partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
        return [c.predict_proba(X) for c in (callback, warm, partial)], callback

    results = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)
        state = np.random.get_state()[1].copy()
        results.append(fits())
        np.testing.assert_array_equal(np.random.get_state()[1], state)
    (first, callback), (second, _) = results
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # batches of 16, as asked, for the validation data too: the same history
    # as the one-call training, which evaluates in batches of batch_size
    assert len(callback.history_["val_loss"]) == callback.n_iter_


@pytest.mark.parametrize("start", ["fit", "initialize"])
def test_failed_warm_fit_leaves_the_model_as_it_was(three_class, start):
    """Check a warm fit that raises part-way restores weights and optimizer.

    After ``initialize`` (no compiled model reused) the optimizer has no
    moments yet; the failed fit must not leave the ones it made. Oracle: a
    copy taken before, continued the same way.
    """
    X, y = three_class

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # after the second epoch
            if epoch == self.params["epochs"] - 2:
                raise RuntimeError("interrupted")

    with model_reuse(False):
        clf = getattr(small_mlp(warm_start=True, early_stopping=False), start)(X, y)
        untouched = copy.deepcopy(clf)
        with pytest.raises(RuntimeError, match="interrupted"):
            clf.fit(X, y, callbacks=[Interrupt()], epochs=3)
        assert clf.n_iter_ == untouched.n_iter_
        np.testing.assert_array_equal(clf.predict_proba(X), untouched.predict_proba(X))
        # the optimizer state too (step count, moments): both go on alike
        # (unshuffled: only the optimizer state differs, not the batches)
        clf.fit(X, y, shuffle=False)
        untouched.fit(X, y, shuffle=False)
    np.testing.assert_array_equal(clf.predict_proba(X), untouched.predict_proba(X))
    restored, kept = (
        clf.model_.optimizer.variables,
        untouched.model_.optimizer.variables,
    )
    assert len(restored) == len(kept)
    for a, b in zip(restored, kept, strict=True):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        )


def _l2_factor(clf):
    """The Keras L2 factor of the first hidden layer of a fitted MLP."""
    return clf.model_.network.layers[1].kernel_regularizer.get_config()["l2"]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_batch_size_beyond_the_data_is_clipped_for_the_penalty(
    three_class, early_stopping
):
    """Check the L2 penalty of a batch larger than the data, as scikit-learn.

    scikit-learn clips ``batch_size`` to the training examples (after the
    early-stopping split), so the penalty is per example of the one batch.
    Oracle: the same fit with ``batch_size`` equal to those examples.
    """
    X, y = three_class
    params = dict(alpha=1.0, early_stopping=early_stopping, n_iter_no_change=100)
    big = small_mlp(batch_size=10_000, **params).fit(X, y)
    n_train = len(X) - int(np.ceil(0.1 * len(X))) if early_stopping else len(X)
    exact = small_mlp(batch_size=n_train, **params).fit(X, y)
    np.testing.assert_array_equal(big.predict_proba(X), exact.predict_proba(X))
    assert _l2_factor(big) == pytest.approx(0.5 * 1.0 / n_train)


@pytest.mark.parametrize("start", ["partial_fit", "initialize"])
def test_penalty_of_a_model_built_on_a_small_first_part(three_class, start):
    """Check partial_fit and initialize scale L2 by the configured batch size.

    Their first data may be a small part of what the model will see, and the
    penalty is fixed when the network is built. Oracle: a fit on more
    examples than the batch size.
    """
    X, y = three_class
    params = dict(alpha=1.0, batch_size=100, early_stopping=False)
    first = small_mlp(**params)
    if start == "partial_fit":
        first.partial_fit(X[:10], y[:10], classes=[0, 1, 2])
    else:
        first.initialize(X[:10], y[:10])
    full = small_mlp(**params).fit(X, y)
    assert _l2_factor(first) == _l2_factor(full) == pytest.approx(0.5 * 1.0 / 100)


def test_classes_in_another_order_read_the_tables_in_that_order():
    """Check ``classes=`` orders the tables while ``classes_`` stays sorted.

    Oracle: the same fit with the tables reordered to the sorted labels, and
    scikit-learn's roc_auc scorer against roc_auc_score on the class
    "yes"'s column; MinimumCostClassifier divides out a constant-row table
    given in that order as the class weights it is.
    """
    from sklearn.metrics import get_scorer, roc_auc_score

    from skweighted import MinimumCostClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=120) > 0, "yes", "no")
    W = np.array([[1.0, 3.0], [2.0, 1.0]])  # rows and columns: yes, no
    T = rng.uniform(0.5, 3.0, size=(120, 2, 2))
    flip = np.array([1, 0])  # yes, no -> no, yes
    pairs = [
        (
            small_mlp(classes=["yes", "no"], misclass_weights=W).fit(X, y),
            small_mlp(misclass_weights=W[np.ix_(flip, flip)]).fit(X, y),
        ),
        (
            small_mlp(classes=["yes", "no"]).fit(X, y, sample_tables=T),
            small_mlp().fit(X, y, sample_tables=T[:, flip][:, :, flip]),
        ),
    ]
    for ordered, plain in pairs:
        np.testing.assert_array_equal(ordered.classes_, ["no", "yes"])
        np.testing.assert_array_equal(ordered.predict_proba(X), plain.predict_proba(X))
    clf = pairs[0][0]
    expected = roc_auc_score(y == "yes", clf.predict_proba(X)[:, 1])
    assert get_scorer("roc_auc")(clf, X, y) == pytest.approx(expected)
    constant = np.array([[4.0, 4.0], [1.0, 1.0]])  # yes weighs 4, no 1
    decided = MinimumCostClassifier(
        small_mlp(classes=["yes", "no"], misclass_weights=constant)
    ).fit(X, y)
    np.testing.assert_allclose(decided.training_weights_, [1.0, 4.0])


def test_running_out_of_epochs_warns_as_mlpclassifier(three_class):
    """Check a ConvergenceWarning when all epochs run without stopping.

    Oracle: MLPClassifier warns in the same case; a fit that stops early,
    and partial_fit (one epoch, no stopping rule), do not warn.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = three_class
    with pytest.warns(ConvergenceWarning):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="epochs=2"):
        small_mlp(epochs=2, early_stopping=False).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        stopped = small_mlp(
            epochs=50, early_stopping=False, tol=10.0, n_iter_no_change=1
        )
        stopped.fit(X, y)
        assert stopped.n_iter_ < 50
        small_mlp().partial_fit(X, y)


@pytest.mark.parametrize(
    "sklearn_name, keras_name", [("logistic", "sigmoid"), ("identity", "linear")]
)
def test_mlpclassifier_activation_names(three_class, sklearn_name, keras_name):
    """Check MLPClassifier's activation names train as their Keras names."""
    X, y = three_class
    ours = small_mlp(activation=sklearn_name).fit(X, y)
    keras_named = small_mlp(activation=keras_name).fit(X, y)
    np.testing.assert_array_equal(ours.predict_proba(X), keras_named.predict_proba(X))


def test_validation_fraction_zero_as_mlpclassifier(three_class):
    """Check validation_fraction=0 is accepted when unused, as by MLPClassifier.

    With early stopping it sets nothing aside: a ValueError says what to do.
    """
    from sklearn.neural_network import MLPClassifier

    X, y = three_class
    MLPClassifier(validation_fraction=0.0, max_iter=5).fit(X, y)
    small_mlp(validation_fraction=0.0, early_stopping=False).fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=False"):
        small_mlp(validation_fraction=0.0, early_stopping=True).fit(X, y)


def test_warm_fit_warns_of_changes_it_does_not_apply(three_class):
    """Check a warm fit says which changed parameters the kept model ignores.

    Oracle: the kept network's layers, which the change would have altered,
    and no warning when nothing changed.
    """
    X, y = three_class
    clf = small_mlp(warm_start=True, early_stopping=False).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs
        clf.fit(X, y)
        clf.partial_fit(X, y)
    clf.set_params(alpha=1000.0, hidden_layer_sizes=(5,))
    with pytest.warns(UserWarning, match="hidden_layer_sizes, alpha changed"):
        clf.fit(X, y)
    assert clf.model_.network.layers[0].units == 8  # the network it was built with
    with pytest.warns(UserWarning, match="alpha changed"):
        clf.partial_fit(X, y)
    clf.set_params(warm_start=False).fit(X, y)  # builds anew: no warning next
    assert clf.model_.network.layers[0].units == 5


def test_warm_fit_with_a_new_label_says_how_to_give_all_labels(three_class):
    """Check a new label in a later partial_fit gets advice that applies.

    Oracle: MLPClassifier refuses the same call; classes= cannot change on
    later calls, so the advice names the first fit.
    """
    from sklearn.neural_network import MLPClassifier

    X, y = three_class
    later = np.where(y == 2, 7, y)
    sk = MLPClassifier(hidden_layer_sizes=(4,)).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError):
        sk.partial_fit(X, later)
    clf = small_mlp().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="first fit or partial_fit") as info:
        clf.partial_fit(X, later)
    assert "[7]" in str(info.value)


def test_warm_fit_warning_points_at_the_caller(three_class):
    """Check the warm-fit warning names the line that called fit or partial_fit."""
    X, y = three_class
    clf = small_mlp(warm_start=True).fit(X, y)
    clf.set_params(alpha=1.0)
    for method in (clf.fit, clf.partial_fit):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            method(X, y)
        [warned] = [w for w in record if "changed since" in str(w.message)]
        assert warned.filename == __file__


def test_validation_data_with_an_unknown_label_says_so(three_class):
    """Check held-out labels outside the training classes get their own error."""
    X, y = three_class
    held_out = (X[:10], np.full(10, 7))
    with pytest.raises(ValueError, match="validation_data has labels \\[7\\]"):
        small_mlp().fit(X, y, validation_data=held_out)
