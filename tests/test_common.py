"""scikit-learn's common estimator checks on both estimators."""

import keras
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweighted import WeightedKerasClassifier, WeightedMLPClassifier


def _small_softmax(meta):
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    # A builder may compile its own model; the wrapper reuses that config.
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy"
    )
    return model


# Small, fast settings that still learn the checks' toy problems.
ESTIMATORS = [
    WeightedMLPClassifier(
        hidden_layer_sizes=(16,),
        epochs=40,
        batch_size=32,
        learning_rate=0.01,
        random_state=0,
    ),
    WeightedKerasClassifier(_small_softmax, epochs=40, batch_size=32, random_state=0),
]

_REASONS = {
    "check_estimator_tags_renamed": (
        "SciKeras' BaseWrapper (a third-party base class) defines `_more_tags`; our "
        "`__sklearn_tags__` overrides it and is what scikit-learn >= 1.6 reads."
    ),
    "check_mixin_order": (
        "SciKeras' KerasClassifier puts BaseEstimator before ClassifierMixin and a "
        "subclass cannot reorder them (Python refuses the MRO); the tags that the "
        "order would give are set in `__sklearn_tags__` instead."
    ),
    "check_methods_sample_order_invariance": (
        "float32 network: predictions of permuted rows agree to ~1e-7, not to the "
        "check's bitwise float64 tolerance (oneDNN picks kernels by row block)."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "Mini-batch stochastic training: weighting an example is not the same "
        "optimisation path as repeating it (MLPClassifier behaves the same)."
    ),
}


def expected_failed_checks(estimator):
    return dict(_REASONS)


@pytest.mark.slow
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_common_checks(estimator, check):
    """Check the scikit-learn estimator contract (sklearn's common checks)."""
    check(estimator)
