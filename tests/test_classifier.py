"""Tests of WeightedMLPClassifier / WeightedKerasClassifier with real training."""

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _helpers import small_mlp
from skweighted import WeightedKerasClassifier, WeightedMLPClassifier


def assert_same_model(a, b, X):
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X), rtol=1e-5, atol=1e-6
    )


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
    assert (
        clf.model_.output_shape[-1] == 2
        if hasattr(clf.model_, "output_shape")
        else True
    )
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(clf.predict(X)) <= {"other", "virginica"}
    assert clf.classes_.tolist() == ["other", "virginica"]
    clf_bool = small_mlp().fit(X, y == 2)
    assert clf_bool.predict(X).dtype == bool


def _dense_builder(steps_per_execution=None):
    """A builder of features -> Dense(hidden) -> softmax.

    With ``steps_per_execution`` it compiles the model itself (SGD).
    """

    def build(meta, hidden=4):
        model = keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(hidden, activation="relu"),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )
        if steps_per_execution is not None:
            model.compile(
                optimizer="sgd",
                loss="categorical_crossentropy",
                steps_per_execution=steps_per_execution,
            )
        return model

    return build


def test_keras_classifier_with_builder(iris):
    """Check WeightedKerasClassifier with a user builder and routed params."""
    X, y = iris
    clf = WeightedKerasClassifier(
        _dense_builder(),
        model__hidden=6,
        misclass_weights=np.ones((3, 3)),
        epochs=2,
        random_state=0,
    ).fit(X, y)
    assert clf.model_.network.layers[0].units == 6
    assert clf.predict(X).shape == (150,)
    assert is_classifier(clf)
    assert clone(clf).get_params()["model__hidden"] == 6


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


def test_pipeline_cross_val_score_with_tables(three_class):
    """Check the step__sample_tables style through a Pipeline."""
    X, y = three_class
    T = np.random.default_rng(0).uniform(0.5, 2, size=(len(y), 3, 3))
    pipe = make_pipeline(StandardScaler(), small_mlp(epochs=2))
    scores = cross_val_score(
        pipe, X, y, cv=3, params={"weightedmlpclassifier__sample_tables": T}
    )
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))


def test_grid_search_picks_between_tables(three_class):
    """Check GridSearchCV over misclass_weights really uses each table.

    A table that zeroes the weight of every class but 0 trains a model that
    only knows class 0; the uniform table is listed second so that picking it
    needs a real difference in score.
    """
    X, y = three_class
    broken = np.zeros((3, 3))
    broken[0] = 1.0
    grid = GridSearchCV(
        small_mlp(epochs=15, hidden_layer_sizes=(16,)),
        {"misclass_weights": [broken, np.ones((3, 3))]},
        cv=3,
    ).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] + 0.2
    np.testing.assert_array_equal(
        grid.best_params_["misclass_weights"], np.ones((3, 3))
    )


def test_grid_search_over_weighting(three_class):
    """Check that weighting is grid-searchable."""
    X, y = three_class
    W = np.ones((3, 3))
    W[1, 2] = 5
    grid = GridSearchCV(
        small_mlp(misclass_weights=W), {"weighting": ["argmax", "expected"]}, cv=2
    ).fit(X, y)
    assert grid.best_params_["weighting"] in {"argmax", "expected"}


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


def _no_keras(monkeypatch):
    def fail(self):
        raise AssertionError("Keras model built before input validation")

    monkeypatch.setattr(WeightedMLPClassifier, "_build_weighted_model", fail)


BAD_TABLES = [
    (np.ones((2, 2)), None, r"misclass_weights must have shape \(K, K\) = \(3, 3\)"),
    (np.ones((3, 3, 3)), None, r"shape \(K, K\)"),
    ([[1, 1, 1], [1, np.nan, 1], [1, 1, 1]], None, "NaN or infinite"),
    ([[1, 1, 1], [1, np.inf, 1], [1, 1, 1]], None, "NaN or infinite"),
    ([[1, 1, -2], [1, 1, 1], [1, 1, 1]], None, "negative"),
    ({(0, 7): 2.0}, None, "not among the classes"),
    (
        pd.DataFrame(np.ones((3, 3)), index=[0, 1, 9], columns=[0, 1, 2]),
        None,
        "not among",
    ),
    (None, np.ones((10, 3, 3)), "10 tables but X has 300 samples"),
    (None, np.ones((300, 2, 2)), r"classes="),
    (None, np.ones((300, 3, 3, 1)), "3 dimensions"),
    (None, np.full((300, 3, 3), np.nan), "NaN or infinite"),
    (None, -np.ones((300, 3, 3)), "negative"),
]


@pytest.mark.parametrize("table, tables, match", BAD_TABLES)
def test_bad_tables_raise_before_keras(three_class, monkeypatch, table, tables, match):
    """Check bad tables give a clear error before any Keras code runs."""
    X, y = three_class
    _no_keras(monkeypatch)
    with pytest.raises((ValueError, TypeError), match=match):
        small_mlp(misclass_weights=table).fit(X, y, sample_tables=tables)


def test_tables_for_more_classes_than_y_name_classes(three_class, monkeypatch):
    """Check tables for K classes with y of fewer classes point to `classes`."""
    X, y = three_class
    _no_keras(monkeypatch)
    keep = y < 2
    with pytest.raises(ValueError, match="classes="):
        small_mlp().fit(X[keep], y[keep], sample_tables=np.ones((keep.sum(), 3, 3)))
    with pytest.raises(ValueError, match="classes="):
        small_mlp(misclass_weights=np.ones((3, 3))).fit(X[keep], y[keep])


def test_classes_parameter_fixes_label_set(three_class):
    """Check a fold lacking a class still trains against the full table."""
    X, y = three_class
    keep = y < 2
    clf = small_mlp(classes=[0, 1, 2], misclass_weights=np.ones((3, 3)), epochs=1)
    clf.fit(X[keep], y[keep], sample_tables=np.ones((keep.sum(), 3, 3)))
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.predict_proba(X).shape == (300, 3)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"weighting": "mean"}, "weighting"),
        ({"epochs": 0}, "epochs"),
        ({"class_weight": "auto"}, "class_weight"),
        ({"classes": [0, 0, 1]}, "repeat"),
        ({"classes": [0, 1]}, "not in classes"),
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
    ],
)
def test_bad_parameters(three_class, monkeypatch, params, match):
    """Check bad hyperparameters give clear errors before Keras runs."""
    X, y = three_class
    _no_keras(monkeypatch)
    with pytest.raises((ValueError, TypeError), match=match):
        small_mlp(**params).fit(X, y)


def test_single_class_and_bad_labels(three_class, monkeypatch):
    """Check single-class y and continuous y are refused clearly."""
    X, y = three_class
    _no_keras(monkeypatch)
    with pytest.raises(ValueError, match="at least 2 classes"):
        small_mlp().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        small_mlp().fit(X, np.linspace(0, 1, len(y)))


def test_reproducible_and_global_state_untouched(iris):
    """Check same random_state gives the same model and RNG states are restored."""
    import random

    X, y = iris
    np.random.seed(123)
    random.seed(123)
    before = (np.random.get_state()[1].copy(), random.getstate())
    a = small_mlp(random_state=7).fit(X, y)
    after = (np.random.get_state()[1], random.getstate())
    np.testing.assert_array_equal(before[0], after[0])
    assert before[1] == after[1]
    b = small_mlp(random_state=7).fit(X, y)
    assert_same_model(a, b, X)
    unseeded = small_mlp(random_state=None).fit(X, y)  # works after a seeded fit
    assert unseeded.predict(X).shape == (150,)


def test_pickle_round_trip(iris):
    """Check a pickled fitted estimator predicts the same."""
    import pickle

    X, y = iris
    clf = small_mlp(misclass_weights=np.ones((3, 3)) * 2).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_same_model(clf, restored, X)


def test_early_stopping_stops(iris):
    """Check early stopping ends training before the epoch budget."""
    X, y = iris
    clf = small_mlp(epochs=300, early_stopping=True, n_iter_no_change=3, tol=0.5).fit(
        X, y
    )
    assert clf.n_iter_ < 300
    assert "val_loss" in clf.history_


def test_warm_start_and_partial_fit(iris):
    """Check warm_start continues training and partial_fit adds one epoch."""
    X, y = iris
    clf = small_mlp(epochs=2, warm_start=True).fit(X, y)
    clf.fit(X, y)
    assert len(clf.history_["loss"]) == 4
    clf2 = small_mlp(epochs=2)
    clf2.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    clf2.partial_fit(X, y)
    assert len(clf2.history_["loss"]) == 2
    assert clf2.classes_.tolist() == [0, 1, 2]


def test_reused_compiled_model_trains_like_a_fresh_one(three_class):
    """Check a fit reusing a pooled compiled model equals a fit from scratch.

    The pool must also never share a model between fitted estimators.
    """
    from skweighted import _classifier

    X, y = three_class
    _classifier._MODEL_POOL.clear()
    fresh = small_mlp(dropout=0.2, epochs=2).fit(X, y)
    proba_fresh = fresh.predict_proba(X)
    assert len(_classifier._MODEL_POOL) == 1
    reused = small_mlp(dropout=0.2, epochs=2).fit(X, y)
    np.testing.assert_array_equal(reused.predict_proba(X), proba_fresh)
    assert reused.model_ is not fresh.model_
    small_mlp(dropout=0.2, epochs=2, random_state=5).fit(X, y)
    np.testing.assert_array_equal(fresh.predict_proba(X), proba_fresh)
    np.testing.assert_array_equal(reused.predict_proba(X), proba_fresh)
    reused.set_params(warm_start=True).fit(X, y)  # compiles its own copy
    assert len(reused.history_["loss"]) == 4


def test_epoch_batches_visit_each_example_once_per_epoch():
    """Check the small-data pipeline: every epoch is a permutation in batches."""
    pytest.importorskip("tensorflow")
    from skweighted._classifier import _epoch_batches

    n, batch = 10, 4
    arrays = (np.arange(n), np.arange(n) * 10.0, None)

    def epochs(seed, count=3):
        it = iter(_epoch_batches(arrays, batch, seed))
        out = []
        for _ in range(count):
            batches = [next(it) for _ in range(-(-n // batch))]
            assert [len(b[0]) for b in batches] == [4, 4, 2]
            for x, y in batches:
                np.testing.assert_array_equal(y.numpy(), x.numpy() * 10.0)
            out.append(np.concatenate([b[0].numpy() for b in batches]))
        return out

    shuffled = epochs(seed=3)
    for order in shuffled:
        assert sorted(order) == list(range(n))
    assert not np.array_equal(shuffled[0], shuffled[1])
    np.testing.assert_array_equal(np.stack(epochs(seed=3)), np.stack(shuffled))
    for order in epochs(seed=None):
        np.testing.assert_array_equal(order, np.arange(n))


def test_small_data_pipeline_trains_like_keras_arrays(three_class):
    """Check the one-call-per-epoch pipeline equals Keras' own array pipeline.

    Without shuffling both feed the same batches, so forcing Keras' arrays
    (a user ``fit__steps_per_epoch``) must give the same model and losses.
    """
    X, y = three_class
    X, y = X[:100], y[:100]
    params = dict(
        model=_dense_builder(),
        shuffle=False,
        batch_size=16,
        epochs=3,
        misclass_weights=[[1, 2, 1], [1, 1, 4], [1, 1, 1]],
        random_state=0,
    )
    ours = WeightedKerasClassifier(**params).fit(X, y)
    keras_arrays = WeightedKerasClassifier(**params, fit__steps_per_epoch=7).fit(X, y)
    assert_same_model(ours, keras_arrays, X)
    np.testing.assert_allclose(
        ours.history_["loss"], keras_arrays.history_["loss"], rtol=1e-6
    )
    for clf in (ours, keras_arrays):
        assert clf.model_.steps_per_execution == 7  # the epoch: ceil(100 / 16)
        assert int(clf.model_.optimizer.iterations) == 3 * 7


@pytest.mark.parametrize(
    "n, batch_size, steps_per_execution, steps",
    [
        (100, 16, 3, 7),  # a user's steps_per_execution that does not divide
        (270, 8, None, 34),  # more steps than one call: Keras' array pipeline
        (100, 16, 1, 7),
    ],
)
def test_every_epoch_runs_its_steps(
    three_class, n, batch_size, steps_per_execution, steps
):
    """Check the optimizer takes exactly ceil(n / batch) steps per epoch."""
    X, y = three_class
    X, y = X[:n], y[:n]
    clf = WeightedKerasClassifier(
        _dense_builder(steps_per_execution),
        batch_size=batch_size,
        epochs=3,
        random_state=0,
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 3
    assert int(clf.model_.optimizer.iterations) == 3 * steps
    clf.set_params(warm_start=True).fit(X[: n // 2], y[: n // 2])
    half_steps = -(-(n // 2) // batch_size)
    assert int(clf.model_.optimizer.iterations) == 3 * steps + 3 * half_steps
