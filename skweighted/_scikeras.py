"""The only module that imports SciKeras.

SciKeras 0.13 is no longer maintained; everything skweighted takes from it
passes through here so that replacing it touches one file.
"""

import logging
import random
from contextlib import contextmanager

import numpy as np
from scikeras.utils.random_state import tf_get_seed, tf_set_seed
from scikeras.wrappers import KerasClassifier, route_params

__all__ = ["KerasClassifier", "fit_arguments", "quiet", "seeded"]


def fit_arguments(estimator):
    """The ``Model.fit`` arguments SciKeras routes from the parameters.

    Parameters
    ----------
    estimator : KerasClassifier
        A SciKeras wrapper (its ``batch_size``, ``shuffle``, ``fit__*``...).

    Returns
    -------
    dict
        Keyword arguments, as SciKeras would pass them to ``Model.fit``.
    """
    return route_params(
        estimator.get_params(), destination="fit", pass_filter=estimator._fit_kwargs
    )


@contextmanager
def seeded(seed):
    """Seed Python, numpy, the backend and Keras; restore them on exit.

    Unlike SciKeras' own seeding, this never enables TensorFlow's global op
    determinism, so an unseeded fit after a seeded one keeps working, and
    the caller's global random state is left as it was found.

    Parameters
    ----------
    seed : int or None
        None does nothing.
    """
    if seed is None:
        yield
        return
    import keras
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    py_state = random.getstate()
    np_state = np.random.get_state()
    tf_seed = tf_get_seed()
    keras_seed = global_state.get_global_attribute(rng_utils.GLOBAL_RANDOM_SEED)
    keras_generator = global_state.get_global_attribute(
        seed_generator.GLOBAL_SEED_GENERATOR
    )
    keras.utils.set_random_seed(int(seed))
    # Keras draws initializer and dropout seeds from the `random` module; give
    # it a private generator so that other threads (Dask's scheduler, user
    # code) calling `random` during the fit cannot change this fit's weights.
    shared_random = seed_generator.python_random
    seed_generator.python_random = random.Random(int(seed))
    try:
        yield
    finally:
        seed_generator.python_random = shared_random
        random.setstate(py_state)
        np.random.set_state(np_state)
        tf_set_seed(tf_seed)
        global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, keras_seed)
        global_state.set_global_attribute(
            seed_generator.GLOBAL_SEED_GENERATOR, keras_generator
        )


@contextmanager
def quiet(verbose):
    """Silence TensorFlow's Python logger (retracing warnings) unless verbose.

    The logger's level is restored on exit.

    Parameters
    ----------
    verbose : int
        0 silences warnings below ERROR; anything else changes nothing.
    """
    if verbose:
        yield
        return
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
