"""Seeding of fits without process-wide side effects.

A seeded fit passes explicit seeds everywhere it can: to each initializer and
dropout layer of the MLP (see :func:`skweighted.keras.build_mlp`), to the
stateless shuffle of the training batches, and to the validation split. No
global random state (Python's ``random``, numpy's, TensorFlow's or Keras')
is read or changed, so fits running in threads give exactly the results of
the same fits run one after the other.

A user's model builder may create layers without seeds; Keras then draws
their seeds from Python's ``random`` module. :func:`seeded_build` seeds that
module while the builder runs and the network it returns is first built
(layers without an input shape create their weights then), under a lock held
only for the build, and restores its state afterwards. The limit: code in another thread that calls
``random`` while a seeded build runs would see (and shift) the seeded
sequence. Builders that pass ``seed=`` to their initializers and dropout
layers avoid this entirely.
"""

import threading
from contextlib import contextmanager
from numbers import Integral

import numpy as np

_BUILD_LOCK = threading.Lock()


def fit_seed(random_state):
    """The integer seed of a fit, or None for an unseeded fit.

    A ``RandomState`` instance is read without being advanced (a copy draws
    from it), so the estimator's parameter is never changed by ``fit``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.

    Returns
    -------
    seed : int or None
    """
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    copy = np.random.RandomState()
    copy.set_state(random_state.get_state())
    return int(copy.randint(np.iinfo(np.int32).max))


def fresh_seed():
    """A seed from the operating system's entropy (no global state is read)."""
    return int(np.random.default_rng().integers(np.iinfo(np.int32).max))


def derived_seeds(seed, count):
    """``count`` independent integer seeds derived from ``seed`` (or Nones).

    Parameters
    ----------
    seed : int or None
        The fit's seed.
    count : int
        How many seeds.

    Returns
    -------
    seeds : list of int or None
    """
    if seed is None:
        return [None] * count
    states = np.random.SeedSequence(seed).generate_state(count)
    return [int(s) & 0x7FFFFFFF for s in states]


@contextmanager
def seeded_build(seed):
    """Seed the generator Keras draws default layer seeds from, while building.

    Parameters
    ----------
    seed : int or None
        None does nothing (an unseeded build).
    """
    if seed is None:
        yield
        return
    from ._seam import keras_default_seed_source  # imports SciKeras: not at import

    source = keras_default_seed_source()
    with _BUILD_LOCK:
        state = source.getstate()
        source.seed(seed)
        try:
            yield
        finally:
            source.setstate(state)
