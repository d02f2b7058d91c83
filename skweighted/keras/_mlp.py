"""The multi-layer perceptron that WeightedMLPClassifier trains."""

import math
from numbers import Integral, Real

import keras

from .._seeding import derived_seeds


def check_hidden_layer_sizes(sizes):
    """``sizes`` as a tuple of Python ints (one int is one layer).

    Raises a ValueError unless each size is a positive integer.
    """
    if isinstance(sizes, Integral):
        sizes = (sizes,)
    sizes = tuple(sizes)
    if not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise ValueError(
            f"hidden_layer_sizes must be positive integers, got {sizes!r}."
        )
    return tuple(int(s) for s in sizes)  # Keras refuses numpy integers as units


def build_mlp(
    n_features,
    n_classes,
    *,
    hidden_layer_sizes=(100,),
    activation="relu",
    l2=0.0,
    dropout=0.0,
    seed=None,
):
    """Build a softmax MLP: ``n_features`` -> hidden layers -> ``n_classes``.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_classes : int
        Number of output units, at least 2 (2 for a binary problem: always a
        softmax).
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden ``Dense`` layer (an int: one layer).
    activation : str, default="relu"
        Activation of the hidden layers (any Keras activation name).
    l2 : float, default=0.0
        L2 penalty factor of each kernel (Keras' scale: ``l2 * sum(w ** 2)``).
    dropout : float, default=0.0
        Dropout rate after each hidden layer, in [0, 1).
    seed : int, default=None
        Seeds every initializer and dropout layer (each gets its own seed
        derived from this one), so that the model is reproducible without
        touching any global random state. None lets Keras draw the seeds.

    Returns
    -------
    model : keras.Sequential
        Uncompiled.

    Examples
    --------
    >>> from skweighted.keras import build_mlp
    >>> build_mlp(4, 3, hidden_layer_sizes=(8,)).output_shape
    (None, 3)
    """
    hidden_layer_sizes = check_hidden_layer_sizes(hidden_layer_sizes)
    if (
        isinstance(n_classes, bool)
        or not isinstance(n_classes, Integral)
        or n_classes < 2
    ):
        raise ValueError(
            f"n_classes must be an int >= 2 (a softmax over one unit is always 1; "
            f"a binary problem has 2 units), got {n_classes!r}."
        )
    if not isinstance(l2, Real) or not 0 <= l2 < math.inf:
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")
    if not isinstance(dropout, Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}.")
    # Python numbers: Keras refuses numpy integers as units
    n_classes, l2, dropout = int(n_classes), float(l2), float(dropout)
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    seeds = iter(derived_seeds(seed, 2 * len(hidden_layer_sizes) + 1))

    def dense(units, activation):
        return keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            kernel_regularizer=regularizer,
        )

    layers = [keras.Input(shape=(n_features,))]
    for units in hidden_layer_sizes:
        layers.append(dense(units, activation))
        dropout_seed = next(seeds)
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout, seed=dropout_seed))
    layers.append(dense(n_classes, "softmax"))
    return keras.Sequential(layers, name="mlp")
