"""Tests of the training data pipeline and the steps-per-execution policy."""

import functools

import keras
import numpy as np
import pytest

from _helpers import (
    assert_same_model,
    categorical_style_binary_loss,
    dense_builder,
    small_keras,
    small_mlp,
)
from skweighted import _fit_data, model_reuse
from skweighted._fit_data import (
    MAX_STEPS_PER_EXECUTION,
    FitData,
    callbacks_need_batches,
    epoch_batches,
    steps_per_execution,
    target_encoding,
)


class BatchCounter(keras.callbacks.Callback):
    """Counts on_train_batch_end calls per epoch."""

    def __init__(self):
        super().__init__()
        self.per_epoch = []

    def on_epoch_begin(self, epoch, logs=None):
        self.per_epoch.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.per_epoch[-1] += 1


class EpochOnly(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        pass


def test_steps_policy():
    """Check a batch callback forces one step per call, others a whole epoch."""
    assert not callbacks_need_batches([EpochOnly(), keras.callbacks.EarlyStopping()])
    assert callbacks_need_batches([EpochOnly(), BatchCounter()])
    assert steps_per_execution(7, [EpochOnly()]) == 7
    assert steps_per_execution(1024, []) == MAX_STEPS_PER_EXECUTION
    # an epoch is a whole number of calls: the largest divisor up to the cap
    assert steps_per_execution(1000, []) == 25
    assert steps_per_execution(15, []) == 15
    assert steps_per_execution(37, []) == 1
    assert steps_per_execution(7, [BatchCounter()]) == 1


@pytest.mark.parametrize("n, batch_size", [(100, 16), (150, 32), (270, 8)])
def test_user_callback_sees_every_batch(three_class, n, batch_size):
    """Check a user callback's on_train_batch_end runs ceil(n / batch) per epoch."""
    X, y = three_class
    counter = BatchCounter()
    clf = small_keras(callbacks=[counter], batch_size=batch_size, epochs=2)
    clf.fit(X[:n], y[:n])
    assert counter.per_epoch == [-(-n // batch_size)] * 2
    assert clf.model_.steps_per_execution == 1


def test_mlp_fit_callbacks_see_every_batch_and_epoch(three_class):
    """Check WeightedMLPClassifier.fit(callbacks=...) runs them beside its own.

    The reference is the count of batches, ceil(n / batch) per epoch; its own
    early stopping on the training loss still stops the fit (tol so large
    that no epoch improves: it stops after n_iter_no_change + 1 epochs).
    """
    X, y = three_class
    counter = BatchCounter()
    clf = small_mlp(batch_size=16, epochs=4).fit(X[:100], y[:100], callbacks=[counter])
    assert counter.per_epoch == [7] * 4
    assert clf.model_.steps_per_execution == 1
    epochs = BatchCounter()
    stopped = small_mlp(batch_size=16, epochs=10, n_iter_no_change=2, tol=1e6)
    stopped.fit(X[:100], y[:100], callbacks=[epochs])
    assert len(epochs.per_epoch) == stopped.n_iter_ == 3


def test_user_steps_per_execution_wins(three_class):
    """Check compile__steps_per_execution is kept even with a batch callback."""
    X, y = three_class
    counter = BatchCounter()
    clf = small_keras(
        callbacks=[counter], batch_size=10, epochs=1, compile__steps_per_execution=5
    ).fit(X[:100], y[:100])
    assert clf.model_.steps_per_execution == 5
    assert counter.per_epoch == [2]
    assert int(clf.model_.optimizer.iterations) == 10


def test_speed_default_without_batch_callbacks(three_class):
    """Check the default runs a whole small epoch per train-function call."""
    X, y = three_class
    clf = small_keras(callbacks=[EpochOnly()], batch_size=16).fit(X[:100], y[:100])
    assert clf.model_.steps_per_execution == 7  # ceil(100 / 16)


@pytest.mark.parametrize("mode", ["repeated", "epoch"])
def test_epoch_batches_visit_each_example_once_per_epoch(mode):
    """Check the pipeline: every epoch is a permutation in batches."""
    n, batch = 10, 4
    arrays = (np.arange(n), np.arange(n) * 10.0, None)

    def epochs(seed, count=3):
        dataset = epoch_batches(arrays, batch, seed, mode=mode)
        if mode == "repeated":
            it = iter(dataset)
            iterators = [it] * count
        else:
            iterators = [iter(dataset) for _ in range(count)]
        out = []
        for it in iterators:
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


@pytest.mark.parametrize("mode", ["repeated", "epoch"])
@pytest.mark.parametrize("n, batch", [(10, 4), (12, 4), (7, 10)])
def test_epoch_gather_feeds_the_batches_of_batch_gather(mode, n, batch):
    """Check gathering whole epochs gives exactly the per-batch gathered stream.

    The reference is the per-example computation: each epoch is the
    stateless shuffle of (seed, epoch), cut into batches in that order.
    """
    import tensorflow as tf

    rng = np.random.default_rng(0)
    features = rng.normal(size=(n, 3)).astype(np.float32)
    arrays = ({"features": features, "rows": rng.uniform(size=(n, 2))}, np.arange(n))
    steps = -(-n // batch)

    def stream(gather, seed=5, count=3):
        dataset = epoch_batches(arrays, batch, seed, mode=mode, gather=gather)
        iterators = (
            [iter(dataset)] * count
            if mode == "repeated"
            else [iter(dataset) for _ in range(count)]
        )
        return [[next(it) for _ in range(steps)] for it in iterators]

    by_epoch, by_batch = stream("epoch"), stream("batch")
    for epoch_a, epoch_b in zip(by_epoch, by_batch, strict=True):
        for (xa, ya), (xb, yb) in zip(epoch_a, epoch_b, strict=True):
            np.testing.assert_array_equal(ya.numpy(), yb.numpy())
            for key in ("features", "rows"):
                np.testing.assert_array_equal(xa[key].numpy(), xb[key].numpy())
            np.testing.assert_array_equal(xa["features"].numpy(), features[ya.numpy()])
    # Epoch e (the e-th iterator in "epoch" mode) is the stateless shuffle of
    # (seed, e): no global random state, such as TensorFlow's global seed.
    for e, batches in enumerate(by_epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n), seed=tf.constant([5, e], tf.int64)
        )
        np.testing.assert_array_equal(
            np.concatenate([b[1].numpy() for b in batches]), order.numpy()
        )


@pytest.mark.parametrize("batch_size", [16, 4])  # one call an epoch, or several
def test_epoch_gather_trains_the_same_model(three_class, monkeypatch, batch_size):
    """Check a fit with whole-epoch gathers equals one with per-batch gathers."""
    X, y = three_class
    params = dict(
        batch_size=batch_size, misclass_weights=[[1, 2, 1], [1, 1, 4], [1, 1, 1]]
    )
    fast = small_mlp(**params).fit(X, y)
    monkeypatch.setattr(_fit_data, "EPOCH_GATHER_MAX_BYTES", 0)
    slow = small_mlp(**params).fit(X, y)
    np.testing.assert_array_equal(fast.predict_proba(X), slow.predict_proba(X))
    np.testing.assert_array_equal(fast.history_["loss"], slow.history_["loss"])


def test_pipeline_trains_like_keras_arrays(three_class):
    """Check the one-call-per-epoch pipeline equals Keras' own array pipeline.

    Without shuffling both feed the same batches, so forcing Keras' arrays
    (a user ``fit__steps_per_epoch``) must give the same model and losses.
    """
    X, y = three_class
    X, y = X[:100], y[:100]
    params = dict(
        shuffle=False,
        batch_size=16,
        epochs=3,
        misclass_weights=[[1, 2, 1], [1, 1, 4], [1, 1, 1]],
    )
    ours = small_keras(**params).fit(X, y)
    keras_arrays = small_keras(**params, fit__steps_per_epoch=7).fit(X, y)
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
        (270, 8, None, 34),  # more steps than one call
        (100, 16, 1, 7),
    ],
)
def test_every_epoch_runs_its_steps(
    three_class, n, batch_size, steps_per_execution, steps
):
    """Check the optimizer takes exactly ceil(n / batch) steps per epoch."""
    X, y = three_class
    X, y = X[:n], y[:n]
    clf = small_keras(
        model=dense_builder(steps_per_execution), batch_size=batch_size
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 3
    assert int(clf.model_.optimizer.iterations) == 3 * steps
    clf.set_params(warm_start=True).fit(X[: n // 2], y[: n // 2])
    half_steps = -(-(n // 2) // batch_size)
    assert int(clf.model_.optimizer.iterations) == 3 * steps + 3 * half_steps


def test_large_data_seeded_fits_reproduce(three_class):
    """Check epochs of more than one call (reshuffled per epoch) are seeded."""
    X, y = three_class
    a = small_mlp(batch_size=4, epochs=2).fit(X, y)  # 75 steps: 32 do not divide
    b = small_mlp(batch_size=4, epochs=2).fit(X, y)
    c = small_mlp(batch_size=4, epochs=2, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X))


class _Smoothed(keras.losses.SparseCategoricalCrossentropy):
    """A user's variant of a Keras sparse loss."""


class _SmoothedCategorical(keras.losses.CategoricalCrossentropy):
    """A user's variant of a Keras categorical loss."""


class _Holder:
    def sparse_loss(self, y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def _tf_function_sparse_loss():
    tf = pytest.importorskip("tensorflow")

    @tf.function
    def sparse_loss(y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)

    return sparse_loss


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: keras.losses.SparseCategoricalCrossentropy(name="x"), "sparse"),
        (lambda: keras.losses.CategoricalCrossentropy(name="sparse_x"), "onehot"),
        (lambda: _Smoothed(), "sparse"),
        (lambda: _SmoothedCategorical(), "onehot"),
        (lambda: _Holder().sparse_loss, "sparse"),
        (_tf_function_sparse_loss, "sparse"),
        (
            lambda: functools.partial(
                keras.losses.sparse_categorical_crossentropy, from_logits=True
            ),
            "sparse",
        ),
    ],
)
def test_target_encoding_reads_the_loss_kind_not_its_name(make, expected):
    """Check the targets' encoding follows what a loss is, however it is given.

    Oracle: the class (or function) each loss is, or extends.
    """
    assert target_encoding(make(), 3) == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: _SmoothedCategorical(),
        lambda: "categorical_crossentropy",
        lambda: "CategoricalCrossentropy",
        lambda: keras.losses.CategoricalFocalCrossentropy(name="focal"),
        lambda: functools.partial(keras.losses.categorical_hinge),
    ],
)
def test_one_unit_guard_sees_a_keras_categorical_loss(make):
    """Check Keras' categorical losses are refused on one unit, however given."""
    with pytest.raises(ValueError, match="binary_crossentropy"):
        target_encoding(make(), 1)


def test_one_unit_guard_leaves_a_users_own_loss_alone():
    """Check a user's loss named "categorical..." is not refused on one unit.

    Oracle: the class the loss is (not a Keras categorical loss), so the
    targets are the 0/1 column a one-unit loss takes.
    """
    assert target_encoding(categorical_style_binary_loss(), 1) == "binary"
    assert target_encoding(categorical_style_binary_loss(), 3) == "onehot"


@pytest.mark.parametrize("encoding", ["onehot", "sparse", "binary"])
def test_loop_arrays_hold_the_targets_as_class_indices(encoding):
    """Check the loop's class indices, one-hot encoded, are arrays()' targets."""
    rng = np.random.default_rng(0)
    n_classes = 2 if encoding == "binary" else 4
    y_idx = rng.integers(0, n_classes, size=50)
    data = FitData(
        X=rng.normal(size=(50, 3)).astype(np.float32),
        y_idx=y_idx,
        classes=np.arange(n_classes),
        rows=rng.uniform(0.0, 5.0, size=(50, n_classes)).astype(np.float32),
        sample_weight=rng.uniform(0.5, 2.0, size=50),
        encoding=encoding,
    )
    x, y, sample_weight = data.loop_arrays()
    expected_x, targets, expected_weight = data.arrays()
    assert list(x) == list(expected_x)
    for name in x:
        assert x[name] is expected_x[name]
    assert sample_weight is expected_weight
    if encoding == "onehot":
        assert data.one_hot == n_classes
        assert y.dtype == np.int32
        np.testing.assert_array_equal(np.eye(n_classes, dtype=np.float32)[y], targets)
    else:
        assert data.one_hot is None
        np.testing.assert_array_equal(y, targets)


def test_global_table_is_not_copied_per_example():
    """Check a fit with a global table holds no (n, K) copy of its rows.

    Each example's row ``W[y]`` is looked up in each training step. Oracle:
    the peak of the memory numpy allocates in an unweighted fit of the same
    data, against the n x K float32 rows (tracemalloc).
    """
    import tracemalloc

    rng = np.random.default_rng(0)
    n, k = 20_000, 50
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = np.arange(n) % k
    W = rng.uniform(1.0, 3.0, (k, k))

    def peak(table):
        clf = small_mlp(
            hidden_layer_sizes=(4,), epochs=1, batch_size=2048, misclass_weights=table
        )
        clf.fit(X[:500], y[:500])  # traced and kept for reuse, outside the count
        tracemalloc.start()
        try:
            clf.fit(X, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    with model_reuse(True):
        unweighted, weighted = peak(None), peak(W)
    assert weighted < unweighted + 0.25 * n * k * 4
