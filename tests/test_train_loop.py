"""Tests of training in one call: every epoch inside one traced function.

The reference is ``keras.Model.fit``: a user callback (here a plain
``keras.callbacks.Callback``, which acts on no batch, so the model is
compiled the same) makes the estimators train with ``Model.fit``, and the
fit without it must give exactly the same model, history and probabilities.
"""

import keras
import numpy as np
import pytest

from _helpers import dense_builder, small_keras, small_mlp
from skweighted import _model_reuse, model_reuse
from skweighted._fit_data import FitData
from skweighted._train_loop import EpochLoop, Stopping, trains_in_one_call
from skweighted.keras import TableWeightedModel, build_mlp

W3 = [[1.0, 2.0, 1.0], [1.0, 1.0, 5.0], [3.0, 1.0, 1.0]]

#: On other backends Model.fit is fed batches shuffled in another order than
#: the traced loop's, and JAX traces one function per number of examples.
tensorflow_only = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exact equality with Model.fit holds on TensorFlow",
)


@pytest.fixture
def loop_fits(monkeypatch):
    """The EpochLoop of each fit trained in one call, in order."""
    calls = []
    fit = EpochLoop.fit

    def counted(self, *args, **kwargs):
        calls.append(self)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(EpochLoop, "fit", counted)
    return calls


def fit_both(make, X, y, loop_fits, **fit_params):
    """Fit ``make()`` in one call, and with ``Model.fit`` (a user callback)."""
    fast = make().fit(X, y, **fit_params)
    assert len(loop_fits) == 1
    oracle = make().fit(X, y, callbacks=[keras.callbacks.Callback()], **fit_params)
    assert len(loop_fits) == 1
    return fast, oracle


def assert_same_fit(a, b, X):
    """Assert two fitted estimators are the same to the last bit."""
    assert a.history_ == b.history_
    assert a.n_iter_ == b.n_iter_
    for x, y in zip(a.model_.get_weights(), b.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(
        a.model_.optimizer.variables, b.model_.optimizer.variables, strict=True
    ):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def _tables(y):
    rng = np.random.default_rng(0)
    return {
        "sample_tables": rng.uniform(0.5, 3.0, size=(len(y), 3, 3)),
        "sample_weight": rng.uniform(0.2, 2.0, size=len(y)),
    }


@tensorflow_only
@pytest.mark.parametrize(
    "params, fit_params",
    [
        ({}, None),
        ({"misclass_weights": W3}, None),
        ({"weighting": "expected"}, _tables),
        ({"dropout": 0.3}, None),
        ({"batch_size": 4}, None),  # 38 batches: two calls of 32 steps or fewer
    ],
    ids=["plain", "table", "sample-tables", "dropout", "batch-4"],
)
def test_mlp_trains_like_model_fit(iris, loop_fits, params, fit_params):
    """Check WeightedMLPClassifier in one call equals its Model.fit fit."""
    X, y = iris
    kwargs = fit_params(y) if fit_params else {}
    fast, oracle = fit_both(lambda: small_mlp(**params), X, y, loop_fits, **kwargs)
    assert fast.n_iter_ == 3
    assert_same_fit(fast, oracle, X)


@tensorflow_only
def test_mlp_class_weight_and_string_labels(iris, loop_fits):
    """Check class_weight="balanced" on imbalanced string labels, as Model.fit."""
    X, y = iris
    X, y = X[:120], np.array(["setosa", "versicolor", "virginica"])[y[:120]]
    fast, oracle = fit_both(
        lambda: small_mlp(class_weight="balanced", misclass_weights=W3),
        X,
        y,
        loop_fits,
    )
    assert_same_fit(fast, oracle, X)
    np.testing.assert_array_equal(fast.predict(X), oracle.predict(X))
    assert fast.classes_.tolist() == ["setosa", "versicolor", "virginica"]


@tensorflow_only
@pytest.mark.parametrize("tol", [1e-3, 0.0])
def test_mlp_stops_on_training_loss_like_early_stopping(iris, loop_fits, tol):
    """Check the stopping rule stops at the epoch EarlyStopping stops at."""
    X, y = iris

    def make():
        return small_mlp(n_iter_no_change=3, tol=tol, epochs=300, learning_rate=0.02)

    fast, oracle = fit_both(make, X, y, loop_fits)
    assert fast.n_iter_ < 300
    assert_same_fit(fast, oracle, X)


@tensorflow_only
@pytest.mark.parametrize(
    "params, fit_params",
    [
        ({"n_iter_no_change": 2, "epochs": 60, "learning_rate": 0.05}, None),
        ({"epochs": 4, "misclass_weights": W3, "batch_size": 7}, None),
        ({"epochs": 5, "weighting": "expected", "dropout": 0.2}, _tables),
    ],
    ids=["stops", "table-runs-out", "sample-tables"],
)
def test_mlp_held_out_early_stopping_like_model_fit(
    iris, loop_fits, params, fit_params
):
    """Check held-out early stopping in one call equals Model.fit's.

    The validation loss is evaluated after each epoch, training stops as
    ``EarlyStopping(monitor="val_loss", restore_best_weights=True)`` stops,
    and the best epoch's weights are restored, to the last bit.
    """
    X, y = iris
    kwargs = fit_params(y) if fit_params else {}
    fast, oracle = fit_both(
        lambda: small_mlp(early_stopping=True, **params), X, y, loop_fits, **kwargs
    )
    assert list(fast.history_) == ["loss", "val_loss"]
    assert_same_fit(fast, oracle, X)
    if params["epochs"] == 60:  # it stopped early, on a later best epoch
        assert 2 < fast.n_iter_ < 60


def test_held_out_early_stopping_restores_the_best_epoch(iris, loop_fits):
    """Check the kept weights are those of the epoch with the best val_loss.

    Oracle: the same fit cut at the best epoch (``epochs=best + 1``, no
    stopping within) ends with exactly the restored weights.
    """
    X, y = iris
    params = dict(early_stopping=True, n_iter_no_change=3, learning_rate=0.2)
    stopped = small_mlp(epochs=80, **params).fit(X, y)
    val = np.asarray(stopped.history_["val_loss"], dtype=np.float32)
    best = int(np.argmin(val))
    assert best < stopped.n_iter_ - 1  # the last epochs were worse
    cut = small_mlp(epochs=best + 1, **params).fit(X, y)
    assert len(loop_fits) == 2
    for a, b in zip(
        stopped.model_.get_weights(), cut.model_.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(a, b)


@tensorflow_only
def test_mlp_diverging_loss_stops_like_early_stopping(iris, loop_fits):
    """Check a loss that is NaN from the first epoch stops as EarlyStopping does.

    EarlyStopping counts the first epoch as an improvement whatever its loss,
    then never improves on NaN: it stops after n_iter_no_change + 1 epochs.
    """
    X, y = iris

    def make():  # the first step's weights make the next batches overflow
        return small_mlp(
            n_iter_no_change=3, epochs=20, optimizer="sgd", learning_rate=1e30
        )

    fast, oracle = fit_both(make, X, y, loop_fits)
    assert np.isnan(oracle.history_["loss"][0])
    assert oracle.n_iter_ == 4
    assert fast.n_iter_ == oracle.n_iter_
    assert np.isnan(fast.history_["loss"]).all()


def build_small_mlp(meta):
    return build_mlp(
        meta["n_features_in_"], meta["n_classes_"], hidden_layer_sizes=(8,)
    )


def build_sigmoid(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


@tensorflow_only
@pytest.mark.parametrize(
    "params",
    [
        {"model": build_small_mlp, "metrics": ["accuracy"], "batch_size": 7},
        {"model": build_small_mlp, "shuffle": False, "misclass_weights": W3},
        # compiled by the builder: 5 steps per call, 5 batches an epoch (a
        # steps_per_execution that does not divide them numbers Model.fit's
        # epochs differently, as the estimator's Notes say)
        {"model": dense_builder(steps_per_execution=5, hidden=8)},
    ],
    ids=["shuffled", "ordered", "compiled"],
)
def test_keras_classifier_trains_like_model_fit(iris, loop_fits, params):
    """Check WeightedKerasClassifier with a builder in one call, as Model.fit."""
    X, y = iris
    fast, oracle = fit_both(lambda: small_keras(**params), X, y, loop_fits)
    assert fast.n_iter_ == 3
    assert_same_fit(fast, oracle, X)


@tensorflow_only
def test_keras_classifier_one_sigmoid_unit_trains_like_model_fit(iris, loop_fits):
    """Check a one-unit sigmoid output with binary_crossentropy, as Model.fit."""
    X, y = iris
    y = np.where(y == 2, "virginica", "other")

    def make():
        return small_keras(
            model=build_sigmoid,
            loss="binary_crossentropy",
            misclass_weights=[[1.0, 4.0], [1.0, 1.0]],
        )

    fast, oracle = fit_both(make, X, y, loop_fits)
    assert fast.model_.network.output_shape == (None, 1)
    assert_same_fit(fast, oracle, X)


@tensorflow_only
def test_keras_classifier_sparse_loss_with_table_trains_like_model_fit(iris, loop_fits):
    """Check a sparse loss (class-index targets) with a global table, as Model.fit.

    The loop reads each example's row of the table from the targets' column of
    class indices.
    """
    X, y = iris

    def make():
        return small_keras(
            model=build_small_mlp,
            loss="sparse_categorical_crossentropy",
            misclass_weights=W3,
        )

    fast, oracle = fit_both(make, X, y, loop_fits)
    assert_same_fit(fast, oracle, X)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"class_weight": "balanced", "weighting": "expected"},
        {"early_stopping": True, "epochs": 6, "n_iter_no_change": 2},
    ],
    ids=["argmax", "class-weight-expected", "held-out"],
)
def test_global_table_trains_like_its_rows_per_example(iris, loop_fits, params):
    """Check a global table W trains as the per-example tables W, W, ... do.

    A global table is each example's row ``W[y]``: in one call the loop looks
    it up in each step from the class index, while per-example tables carry
    each example's row. Same model to the last bit on TensorFlow; to float32
    precision on JAX, where XLA compiles the lookup into the step.
    """
    X, y = iris
    y = y[:130]  # a third class with fewer examples: class weights differ
    X = X[:130]
    table = small_mlp(misclass_weights=W3, **params).fit(X, y)
    tables = np.broadcast_to(np.array(W3), (len(y), 3, 3))
    per_example = small_mlp(**params).fit(X, y, sample_tables=tables)
    assert len(loop_fits) == 2
    if keras.backend.backend() == "tensorflow":
        assert_same_fit(table, per_example, X)
    else:
        assert table.n_iter_ == per_example.n_iter_
        np.testing.assert_allclose(
            table.predict_proba(X), per_example.predict_proba(X), rtol=1e-5, atol=1e-6
        )


ONE_CALL = dict(
    callbacks=[], stopping=None, fit_kwargs={"verbose": 0}, run_eagerly=False
)


BEST_LOSS = Stopping("loss", patience=3, min_delta=1e-3, restore_best_weights=True)
BEST_VAL_LOSS = Stopping("val_loss", 3, 1e-3, restore_best_weights=True)
HELD_OUT = {
    "verbose": 0,
    "validation_data": FitData(
        X=np.zeros((2, 1), np.float32),
        y_idx=np.array([0, 1]),
        classes=np.array([0, 1]),
        rows=None,
        sample_weight=None,
    ),
}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, True),
        ({"fit_kwargs": {}}, True),
        ({"stopping": Stopping("loss", patience=3, min_delta=1e-3)}, True),
        ({"callbacks": [keras.callbacks.Callback()]}, False),
        ({"fit_kwargs": {"verbose": 0, "validation_split": 0.2}}, False),
        ({"fit_kwargs": {"verbose": 1}}, False),
        ({"fit_kwargs": {"verbose": 2}}, False),
        ({"stopping": Stopping("val_loss", patience=3, min_delta=1e-3)}, False),
        ({"stopping": BEST_LOSS}, True),
        ({"stopping": BEST_VAL_LOSS, "fit_kwargs": HELD_OUT}, True),
        ({"fit_kwargs": HELD_OUT}, True),
        ({"fit_kwargs": {"validation_data": (np.zeros((2, 1)), [0, 1])}}, False),
        ({"run_eagerly": True}, False),
    ],
)
def test_trains_in_one_call_conditions(change, expected):
    """Check which fits run in one call: those that need nothing of Model.fit.

    Held-out data count only as the estimator's own split (a FitData).
    """
    assert trains_in_one_call(**{**ONE_CALL, **change}) is expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: small_mlp(epochs=1, verbose=1),
        lambda: small_keras(epochs=1, validation_split=0.2),
        lambda: small_keras(epochs=1, run_eagerly=True),
    ],
    ids=["mlp-verbose", "keras-validation", "keras-eager"],
)
def test_fit_needing_model_fit_does_not_train_in_one_call(iris, loop_fits, make):
    """Check a fit that needs Model.fit (progress, validation, eager) uses it."""
    X, y = iris
    clf = make().fit(X, y)
    assert loop_fits == []
    assert clf.n_iter_ == 1


def test_reused_loop_trains_like_a_fresh_fit(iris, loop_fits):
    """Check repeated fits reusing the traced loop equal a fit without reuse.

    The kept fitted model is compiled and built, evaluates and predicts, and
    its optimizer took epochs * ceil(n / batch_size) steps.
    """
    X, y = iris
    params = dict(misclass_weights=W3, dropout=0.2)
    with model_reuse(False):
        fresh = small_mlp(**params).fit(X, y)
    first = small_mlp(**params).fit(X, y)
    second = small_mlp(**params).fit(X, y)
    assert len(loop_fits) == 3
    assert loop_fits[2] is loop_fits[1]  # the second fit reused the first's loop
    assert loop_fits[1] is not loop_fits[0]
    for clf in (first, second):
        assert_same_fit(clf, fresh, X)
    for clf in (fresh, first, second):
        assert clf.model_.compiled and clf.model_.built
        assert int(clf.model_.optimizer.iterations) == 3 * 5  # ceil(150 / 32) = 5
    model = second.model_
    loss = model.evaluate(X, keras.utils.to_categorical(y, 3), verbose=0)
    assert np.isfinite(loss)
    np.testing.assert_allclose(
        model.predict(X, verbose=0), second.predict_proba(X), rtol=1e-5, atol=1e-6
    )


@tensorflow_only
def test_loop_traces_once_across_fold_sizes(three_class, loop_fits):
    """Check fits of one configuration on 100 then 101 examples trace once."""
    X, y = three_class
    _model_reuse.clear()
    small_mlp().fit(X[:100], y[:100])
    clf = small_mlp().fit(X[:101], y[:101])
    assert len(loop_fits) == 2 and loop_fits[1] is loop_fits[0]
    [kept] = _model_reuse._MODELS.values()
    assert kept.loop is loop_fits[0] and kept.model is kept.loop.model
    loop = kept.loop
    [function] = loop._functions.values()
    assert function.experimental_get_tracing_count() == 1
    assert clf.n_iter_ == 3


def _table_model(X, n_classes, seed=0):
    network = keras.Sequential(
        [
            keras.Input((X.shape[1],)),
            keras.layers.Dense(
                8,
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(seed),
            ),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model = TableWeightedModel(network)
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    model.build({"features": (None, X.shape[1])})
    return model


@tensorflow_only
def test_epoch_loop_trains_a_table_weighted_model_like_model_fit(iris):
    """Check EpochLoop without a seed equals Model.fit(shuffle=False).

    Same history (keys, lengths and values) and same weights, on a plain
    compiled TableWeightedModel fed features and table rows.
    """
    X, y = iris
    rows = np.asarray(W3, dtype=np.float32)[y]
    x = {"features": X, "rows": rows}
    targets = keras.utils.to_categorical(y, 3)
    sample_weight = np.linspace(0.5, 1.5, len(y)).astype(np.float32)
    ours = _table_model(X, 3)
    reference = _table_model(X, 3)
    reference.set_weights(ours.get_weights())
    history = EpochLoop(ours).fit((x, targets, sample_weight), batch_size=32, epochs=4)
    expected = reference.fit(
        x,
        targets,
        sample_weight=sample_weight,
        batch_size=32,
        epochs=4,
        shuffle=False,
        verbose=0,
    ).history
    assert sorted(history) == sorted(expected) == ["accuracy", "loss"]
    assert {k: len(v) for k, v in history.items()} == {"accuracy": 4, "loss": 4}
    assert history == expected
    for a, b in zip(ours.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(ours.optimizer.iterations) == 4 * 5


def test_seeded_fits_repeat_exactly(iris, loop_fits):
    """Check two seeded fits in one call give the same model, on any backend."""
    X, y = iris
    a = small_mlp(dropout=0.2, epochs=4, n_iter_no_change=2, tol=0.0).fit(X, y)
    b = small_mlp(dropout=0.2, epochs=4, n_iter_no_change=2, tol=0.0).fit(X, y)
    assert len(loop_fits) == 2
    assert_same_fit(a, b, X)
    c = small_mlp(dropout=0.2, epochs=4, random_state=1).fit(X, y)
    assert not np.array_equal(c.predict_proba(X), a.predict_proba(X))


def test_unshuffled_fit_trains_like_model_fit(iris, loop_fits):
    """Check an unshuffled fit in one call equals Model.fit, on any backend."""
    X, y = iris
    fast, oracle = fit_both(
        lambda: small_keras(model=build_small_mlp, shuffle=False, batch_size=16),
        X,
        y,
        loop_fits,
        sample_tables=_tables(y)["sample_tables"],
    )
    np.testing.assert_allclose(
        fast.history_["loss"], oracle.history_["loss"], rtol=1e-5
    )
    for a, b in zip(
        fast.model_.get_weights(), oracle.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rows", ["plain", "rows", "global"])
def test_class_index_targets_train_like_one_hot_targets(three_class, rows):
    """Check EpochLoop on FitData.loop_arrays equals it on FitData.arrays.

    Class indices expanded in each step (``one_hot=K``) against the one-hot
    targets themselves, and a global table's rows looked up in each step
    (``rows_table=``) against each example's row carried with the batch, with
    sample weights, a held-out evaluation and early stopping: same history
    and weights to the last bit on TensorFlow; on JAX, where XLA compiles the
    expansion into the step and may round the loss differently in the last
    bit, to float32 precision.
    """
    X, y = three_class
    rng = np.random.default_rng(1)
    tables = {
        "plain": {},
        "rows": {"rows": rng.uniform(0.0, 4.0, size=(len(y), 3)).astype(np.float32)},
        "global": {"rows": np.float32(W3), "rows_by_class": True},
    }
    data = FitData(
        X=X.astype(np.float32),
        y_idx=y,
        classes=np.arange(3),
        sample_weight=rng.uniform(0.5, 1.5, len(y)),
        **tables[rows],
    )
    train, held_out = data.subset(np.arange(240)), data.subset(np.arange(240, 300))
    if rows == "global":  # the oracle: the same rows, one per example
        np.testing.assert_array_equal(train.example_rows, np.float32(W3)[y[:240]])
        assert "rows" not in train.loop_arrays()[0]
    start = _table_model(X, 3).get_weights()
    fits = []
    for arrays, one_hot in (("arrays", None), ("loop_arrays", 3)):
        model = _table_model(X, 3)
        model.set_weights(start)
        looked_up = arrays == "loop_arrays"
        history = EpochLoop(model).fit(
            [a for a in getattr(train, arrays)() if a is not None],
            batch_size=32,
            epochs=4,
            seed=3,
            stopping=Stopping("val_loss", patience=1, min_delta=0.0),
            validation=[a for a in getattr(held_out, arrays)() if a is not None],
            one_hot=one_hot,
            rows_table=train.loop_rows_table if looked_up else None,
            validation_rows_table=held_out.loop_rows_table if looked_up else None,
        )
        fits.append((history, model.get_weights()))
    (history, weights), (index_history, index_weights) = fits
    assert sorted(index_history) == sorted(history)
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    rtol = 0 if keras.backend.backend() == "tensorflow" else 1e-5
    for name in history:
        np.testing.assert_allclose(index_history[name], history[name], rtol=rtol)
    for a, b in zip(index_weights, weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)
