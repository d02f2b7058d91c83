"""Tests of the reuse of compiled models between fits."""

import numpy as np
import pytest

from _helpers import small_mlp
from skweighted import _model_reuse, model_reuse, set_model_reuse


@pytest.fixture(autouse=True)
def _fresh_store():
    _model_reuse.clear()
    yield
    _model_reuse.clear()


def test_reused_model_trains_like_a_fresh_one(three_class):
    """Check a fit reusing a compiled model equals a fit without reuse."""
    X, y = three_class
    with model_reuse(False):
        fresh = small_mlp(dropout=0.2, epochs=2).fit(X, y)
        assert _model_reuse.kept() == 0
    proba = fresh.predict_proba(X)
    first = small_mlp(dropout=0.2, epochs=2).fit(X, y)
    assert _model_reuse.kept() == 1
    reused = small_mlp(dropout=0.2, epochs=2).fit(X, y)
    for clf in (first, reused):
        np.testing.assert_array_equal(clf.predict_proba(X), proba)
        for a, b in zip(
            clf.model_.optimizer.variables,
            fresh.model_.optimizer.variables,
            strict=True,
        ):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert reused.model_ is not first.model_
    small_mlp(dropout=0.2, epochs=2, random_state=5).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), proba)  # not shared
    reused.set_params(warm_start=True).fit(X, y)
    warm_fresh = fresh.set_params(warm_start=True).fit(X, y)
    np.testing.assert_array_equal(reused.predict_proba(X), warm_fresh.predict_proba(X))


def test_reuse_is_bounded_and_can_be_turned_off(three_class):
    """Check the store keeps at most max_models and nothing when turned off."""
    X, y = three_class
    previous = set_model_reuse(True, max_models=2)
    try:
        for hidden in (2, 3, 4):
            small_mlp(hidden_layer_sizes=(hidden,), epochs=1).fit(X, y)
        assert _model_reuse.kept() == 2
        set_model_reuse(False)
        assert _model_reuse.kept() == 0
        small_mlp(epochs=1).fit(X, y)
        assert _model_reuse.kept() == 0
    finally:
        set_model_reuse(**previous)
    assert set_model_reuse(**previous) == previous


@pytest.mark.parametrize(
    "kwargs, error",
    [({"enabled": "yes"}, TypeError), ({"max_models": 0}, ValueError)],
)
def test_set_model_reuse_checks_values(kwargs, error):
    """Check set_model_reuse rejects bad values."""
    with pytest.raises(error):
        set_model_reuse(**kwargs)


def test_a_model_of_another_dtype_policy_is_not_reused(three_class):
    """Check a fit under another Keras dtype policy trains its own model.

    Oracle: the same fit with reuse turned off.
    """
    import keras

    X, y = three_class
    previous = keras.config.dtype_policy()
    try:
        keras.config.set_dtype_policy("mixed_bfloat16")
        with model_reuse(False):
            expected = small_mlp().fit(X, y).predict_proba(X)
        keras.config.set_dtype_policy("float32")
        small_mlp().fit(X, y)  # keeps its float32 model
        keras.config.set_dtype_policy("mixed_bfloat16")
        clf = small_mlp().fit(X, y)
    finally:
        keras.config.set_dtype_policy(previous)
    assert clf.model_.network.layers[0].dtype_policy.name == "mixed_bfloat16"
    np.testing.assert_array_equal(clf.predict_proba(X), expected)


def test_reused_model_starts_from_the_configured_learning_rate(three_class):
    """Check a callback's change of the learning rate stays with its fit.

    A ReduceLROnPlateau in one fit lowers the kept model's learning rate; the
    next fit of that configuration must start from the configured rate.
    Oracle: the same fit with reuse turned off.
    """
    import keras

    X, y = three_class
    reduce = keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.1, patience=0, min_delta=10
    )
    small_mlp(learning_rate=0.01).fit(X, y, callbacks=[reduce])
    assert _model_reuse.kept() == 1
    reused = small_mlp(learning_rate=0.01).fit(X, y)
    with model_reuse(False):
        fresh = small_mlp(learning_rate=0.01).fit(X, y)
    np.testing.assert_allclose(float(reused.model_.optimizer.learning_rate), 0.01)
    assert reused.history_ == fresh.history_
    np.testing.assert_array_equal(reused.predict_proba(X), fresh.predict_proba(X))


def test_reused_model_under_mixed_float16_trains_as_a_fresh_one(three_class):
    """Check a reused model's loss scale starts where a fresh one's does.

    Under mixed_float16 Keras wraps the optimizer in a LossScaleOptimizer
    whose loss scale does not start at zero. Oracle: reuse turned off.
    """
    import keras

    X, y = three_class
    previous = keras.config.dtype_policy()
    try:
        keras.config.set_dtype_policy("mixed_float16")
        with model_reuse(False):
            fresh = small_mlp().fit(X, y)
        small_mlp().fit(X, y)
        reused = small_mlp().fit(X, y)
    finally:
        keras.config.set_dtype_policy(previous)
    assert np.isfinite(reused.history_["loss"]).all()
    assert reused.history_ == fresh.history_
    np.testing.assert_array_equal(reused.predict_proba(X), fresh.predict_proba(X))


def test_overlapping_reuse_blocks_in_threads_restore_the_setting():
    """Check model_reuse blocks that overlap in two threads restore the setting.

    Oracle: the setting before the blocks, as after one block alone.
    """
    import threading

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside = []

    def first():
        with model_reuse(False):
            a_in.set()
            b_in.wait(10)
            inside.append(_model_reuse.enabled())
        a_out.set()

    def second():
        a_in.wait(10)
        with model_reuse(False):
            b_in.set()
            a_out.wait(10)
            inside.append(_model_reuse.enabled())  # its own block still holds

    assert _model_reuse.enabled()
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inside == [False, False]
    assert _model_reuse.enabled()
