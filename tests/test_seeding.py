"""Seeded fits: reproducible, equal in threads, no global random state touched."""

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from _helpers import global_random_states, small_keras, small_mlp
from skweighted._seeding import derived_seeds, fit_seed, seeded_build
from skweighted.keras import build_mlp


def test_fit_seed_reads_random_state_without_advancing_it():
    """Check a RandomState instance is read, not advanced."""
    rng = np.random.RandomState(3)
    state = rng.get_state()[1].copy()
    assert fit_seed(rng) == fit_seed(rng)
    np.testing.assert_array_equal(rng.get_state()[1], state)
    assert fit_seed(None) is None and fit_seed(7) == 7


def test_build_mlp_seed_reproducible_without_globals():
    """Check build_mlp(seed=) gives the same weights and leaves globals alone."""
    before = global_random_states()
    a = build_mlp(4, 3, hidden_layer_sizes=(5, 6), dropout=0.1, seed=11)
    b = build_mlp(4, 3, hidden_layer_sizes=(5, 6), dropout=0.1, seed=11)
    c = build_mlp(4, 3, hidden_layer_sizes=(5, 6), dropout=0.1, seed=12)
    assert global_random_states() == before
    for u, v in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert not np.array_equal(a.weights[0].numpy(), c.weights[0].numpy())
    assert len(set(derived_seeds(11, 5))) == 5


def test_seeded_build_restores_python_random():
    """Check a seeded build seeds Python's random only while it runs."""
    random.seed(5)
    expected = random.Random(5).random()
    with seeded_build(1):
        inside = random.random()
    assert inside == random.Random(1).random()
    assert random.random() == expected


@pytest.mark.parametrize("make", [small_mlp, small_keras], ids=["mlp", "keras"])
def test_seeded_fits_leave_global_random_states(iris, make):
    """Check seeded and unseeded fits leave every global random state as found."""
    X, y = iris
    random.seed(123)
    np.random.seed(123)
    before = global_random_states()
    a = make(random_state=7, epochs=2).fit(X, y)
    if make is small_mlp:  # a user builder may draw from the global generators
        make(random_state=None, epochs=2).fit(X, y)
    assert global_random_states() == before
    b = make(random_state=7, epochs=2).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("make", [small_mlp, small_keras], ids=["mlp", "keras"])
def test_threads_give_the_sequential_results(three_class, make):
    """Check seeded fits in threads equal the same fits run one after the other."""
    X, y = three_class
    params = [dict(random_state=s, epochs=4) for s in (0, 1, 2, 0)]
    if make is small_mlp:
        params = [dict(p, dropout=0.2) for p in params]
    sequential = [make(**p).fit(X, y).predict_proba(X) for p in params]
    before = global_random_states()
    for _ in range(2):
        with ThreadPoolExecutor(4) as pool:
            threaded = list(
                pool.map(lambda p: make(**p).fit(X, y).predict_proba(X), params)
            )
        for s, t in zip(sequential, threaded, strict=True):
            np.testing.assert_array_equal(s, t)
    assert global_random_states() == before


def _build_without_input(meta):
    """A user's model whose weights are created when it is first called.

    No ``keras.Input``, and a layer that adds an unseeded weight in
    ``build``: its initializer draws its seed at that moment.
    """
    import keras

    class Linear(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal"
            )

        def call(self, x):
            return keras.ops.softmax(x @ self.w)

    return keras.Sequential([Linear(meta["n_classes_"])])


def test_random_state_seeds_weights_created_when_first_called(three_class):
    """Check random_state also seeds weights created after the builder returns.

    Oracle: the same seeded fit, run again, and run in threads beside
    another; a different seed gives another model.
    """
    X, y = three_class

    def fit(seed):
        return small_keras(model=_build_without_input, random_state=seed).fit(X, y)

    first = fit(0).predict_proba(X)
    np.testing.assert_array_equal(fit(0).predict_proba(X), first)
    before = global_random_states()
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(lambda s: fit(s).predict_proba(X), [0, 1]))
    assert global_random_states() == before
    np.testing.assert_array_equal(threaded[0], first)
    assert not np.array_equal(threaded[1], first)


def test_grid_search_threading_backend_equals_sequential(three_class):
    """Check GridSearchCV(n_jobs=2) under joblib's threads equals n_jobs=1."""
    X, y = three_class
    grid = {"hidden_layer_sizes": [(4,), (8,)], "dropout": [0.0, 0.2]}

    def search(n_jobs):
        return GridSearchCV(
            small_mlp(epochs=3), grid, cv=2, n_jobs=n_jobs, refit=False
        ).fit(X, y)

    sequential = search(1).cv_results_
    before = global_random_states()
    with parallel_backend("threading", n_jobs=2):
        threaded = search(2).cv_results_
    assert global_random_states() == before
    for key in sequential:
        if key.startswith(("split", "mean_test")):
            np.testing.assert_array_equal(sequential[key], threaded[key], err_msg=key)
