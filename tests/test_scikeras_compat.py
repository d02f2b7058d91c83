"""WeightedKerasClassifier as a drop-in for SciKeras' KerasClassifier.

SciKeras' own ``KerasClassifier`` is the oracle: both wrappers get the same
builder (with fixed initial weights), the same data and the same settings,
and must train the same network; with a table, the table must act exactly as
the ``sample_weight`` it reduces to.
"""

import functools

import keras
import numpy as np
import pytest
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import make_classification
from sklearn.exceptions import DataConversionWarning
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from _helpers import categorical_style_binary_loss
from skweighted import WeightedKerasClassifier

RTOL, ATOL = 1e-4, 1e-5
# What both wrappers are given: no shuffling, so both see the same batches.
COMMON = dict(
    optimizer=keras.optimizers.SGD,
    optimizer__learning_rate=0.1,
    epochs=2,
    batch_size=8,
    shuffle=False,
    verbose=0,
)


def _data(n_classes=3, n=40, n_features=4, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=n_features,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X).astype(np.float32), y


def _fixed_weights(model):
    """Give ``model`` the same initial weights every time it is built."""
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            rng.normal(scale=0.5, size=w.shape).astype("float32")
            for w in model.get_weights()
        ]
    )
    return model


def build_head(meta, head="softmax", hidden=3):
    """Features -> Dense(hidden) -> the classification head.

    ``head``: "softmax" (K units), "sigmoid" (one unit), "logits" (K linear
    units) or "logit" (one linear unit).
    """
    one = head in ("sigmoid", "logit")
    units = 1 if one else meta["n_classes_"]
    activation = {"softmax": "softmax", "sigmoid": "sigmoid"}.get(head)
    model = keras.Sequential(
        [
            keras.Input(tuple(meta["X_shape_"][1:])),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden, activation="tanh"),
            keras.layers.Dense(units, activation=activation),
        ]
    )
    return _fixed_weights(model)


def build_cnn(meta):
    """A tiny CNN for images of shape (h, w, c)."""
    model = keras.Sequential(
        [
            keras.Input(tuple(meta["X_shape_"][1:])),
            keras.layers.Conv2D(2, 2, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    return _fixed_weights(model)


def build_rnn(meta):
    """A tiny RNN for sequences of shape (t, d)."""
    model = keras.Sequential(
        [
            keras.Input(tuple(meta["X_shape_"][1:])),
            keras.layers.SimpleRNN(3),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    return _fixed_weights(model)


def build_two_inputs(meta):
    """Two inputs: the first 2 features and the others (SciKeras' docs)."""
    a = keras.Input((2,))
    b = keras.Input((meta["n_features_in_"] - 2,))
    joined = keras.layers.Concatenate()(
        [keras.layers.Dense(2, activation="tanh")(a), b]
    )
    out = keras.layers.Dense(meta["n_classes_"], activation="softmax")(joined)
    return _fixed_weights(keras.Model([a, b], out))


def split_features(X):
    return [X[:, :2], X[:, 2:]]


def _pair(model=build_head, **params):
    """The SciKeras estimator and ours, with the same settings."""
    settings = {**COMMON, **params}
    return (
        KerasClassifier(model=model, **settings),
        WeightedKerasClassifier(model=model, **settings),
    )


def _initial_proba(builder, X, n_classes, head):
    """Class probabilities of the untrained (fixed-weight) network, numpy."""
    meta = {"n_classes_": n_classes, "n_features_in_": X.shape[1], "X_shape_": X.shape}
    return _as_proba(keras.ops.convert_to_numpy(builder(meta, head=head)(X)), head)


def _as_proba(raw, head):
    """Numpy class probabilities from a network's raw output."""
    raw = np.asarray(raw, dtype=np.float64)
    if head == "logit":
        p = 1 / (1 + np.exp(-raw[:, 0]))
        return np.column_stack([1 - p, p])
    if head == "logits":
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if head == "sigmoid":
        return np.column_stack([1 - raw[:, 0], raw[:, 0]])
    return raw


def _assert_same_fit(theirs, ours, X, head="softmax"):
    """Assert that both wrappers trained the same network.

    SciKeras returns a logits model's raw outputs from predict_proba (and
    thresholds one logit at 0.5), so the oracle is its network's output read
    as probabilities.
    """
    if head in ("logit", "logits"):
        expected = _as_proba(theirs.model_.predict(X, verbose=0), head)
        np.testing.assert_allclose(
            ours.predict_proba(X), expected, rtol=RTOL, atol=ATOL
        )
        np.testing.assert_array_equal(
            ours.predict(X), theirs.classes_[expected.argmax(axis=1)]
        )
        return
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


# ------------------------------------------------------------- outputs, losses
@pytest.mark.parametrize(
    "head, name, cls, n_classes",
    [
        ("logits", "categorical_crossentropy", keras.losses.CategoricalCrossentropy, 3),
        ("logits", "CategoricalCrossentropy", keras.losses.CategoricalCrossentropy, 3),
        (
            "logits",
            "sparse_categorical_crossentropy",
            keras.losses.SparseCategoricalCrossentropy,
            3,
        ),
        ("logit", "binary_crossentropy", keras.losses.BinaryCrossentropy, 2),
    ],
)
def test_loss_name_takes_routed_parameters(head, name, cls, n_classes):
    """Check that loss="a_name" with loss__from_logits trains as its class.

    Oracle: SciKeras given the loss object itself.
    """
    X, y = _data(n_classes)
    theirs, _ = _pair(model__head=head, loss=cls(from_logits=True))
    _, ours = _pair(model__head=head, loss=name, loss__from_logits=True)
    theirs.fit(X, y)
    ours.fit(X, y)
    assert isinstance(ours.model_.loss, cls)
    assert ours.model_.loss.get_config()["from_logits"] is True
    _assert_same_fit(theirs, ours, X, head)


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
def test_partial_loss_with_from_logits_is_read_as_logits(weighting):
    """Check a functools.partial loss with from_logits=True is a logits loss.

    Oracle: the same fit with the Keras loss object.
    """
    X, y = _data(3)
    table = np.array([[0.5, 2.0, 1.0], [1.0, 1.0, 3.0], [2.0, 1.0, 0.5]])
    partial = functools.partial(
        keras.losses.sparse_categorical_crossentropy, from_logits=True
    )
    fits = [
        WeightedKerasClassifier(
            build_head,
            model__head="logits",
            loss=loss,
            misclass_weights=table,
            weighting=weighting,
            **COMMON,
        ).fit(X, y)
        for loss in (
            partial,
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
    ]
    assert fits[0].model_.from_logits
    np.testing.assert_allclose(
        fits[0].predict_proba(X), fits[1].predict_proba(X), rtol=RTOL, atol=ATOL
    )


def test_loss_function_name_refuses_routed_parameters():
    """Check that a name of a function only cannot silently drop loss__*."""
    X, y = _data(3)
    clf = WeightedKerasClassifier(
        build_head, model__head="logits", loss="bce", loss__from_logits=True, **COMMON
    )
    with pytest.raises(ValueError, match="loss__from_logits"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (
            {"loss": "categorical_crossentropyy", "loss__from_logits": True},
            ValueError,
            r"loss='categorical_crossentropyy' is not a Keras loss",
        ),
        (
            {"loss": "CategoricalCrossentropy", "loss__bogus": 1},
            TypeError,
            r"loss=CategoricalCrossentropy could not be built with the "
            r"parameters loss__bogus",
        ),
        (
            {"optimizer": "adam", "optimizer__bogus": 1},
            ValueError,
            r"optimizer='adam' could not be built with the parameters .*optimizer__bogus",
        ),
    ],
)
def test_routed_parameters_errors_name_what_is_wrong(params, error, match):
    """Check a mistyped name and a parameter a class lacks are told apart."""
    X, y = _data(3)
    clf = WeightedKerasClassifier(build_head, **{**COMMON, **params})
    with pytest.raises(error, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    "head, loss, n_classes",
    [
        (
            "softmax",
            keras.losses.SparseCategoricalCrossentropy(name="my_loss"),
            3,
        ),
        ("softmax", keras.losses.CategoricalCrossentropy(name="sparse_like"), 3),
    ],
)
def test_targets_follow_the_loss_class_not_its_name(head, loss, n_classes):
    """Check that a loss' own name does not choose the target encoding."""
    X, y = _data(n_classes)
    theirs, ours = _pair(model__head=head, loss=loss)
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X, head)


def test_one_unit_with_renamed_categorical_loss_is_refused():
    """Check the one-unit guard reads the loss class, not its name."""
    X, y = _data(2)
    clf = WeightedKerasClassifier(
        build_head,
        model__head="sigmoid",
        loss=keras.losses.CategoricalCrossentropy(name="cce"),
        **COMMON,
    )
    with pytest.raises(ValueError, match="binary_crossentropy"):
        clf.fit(X, y)


def test_one_unit_with_a_users_loss_named_categorical_fits():
    """Check the guard leaves a user's own loss alone, whatever its name.

    Oracle: the same fit with Keras' binary cross-entropy, which the loss
    computes.
    """
    X, y = _data(2)
    fits = [
        WeightedKerasClassifier(
            build_head, model__head="sigmoid", loss=loss, random_state=0, **COMMON
        ).fit(X, y)
        for loss in (categorical_style_binary_loss(), "binary_crossentropy")
    ]
    np.testing.assert_allclose(
        fits[0].predict_proba(X), fits[1].predict_proba(X), rtol=1e-6
    )


@pytest.mark.parametrize(
    "head, loss, n_classes",
    [
        ("sigmoid", "binary_crossentropy", 2),
        ("logit", keras.losses.BinaryCrossentropy(from_logits=True), 2),
        ("softmax", "categorical_crossentropy", 3),
        ("softmax", "sparse_categorical_crossentropy", 3),
        ("logits", keras.losses.SparseCategoricalCrossentropy(from_logits=True), 3),
        ("logits", keras.losses.CategoricalCrossentropy(from_logits=True), 3),
        ("softmax", "categorical_crossentropy", 2),
    ],
)
def test_outputs_and_losses_train_as_scikeras(head, loss, n_classes):
    """Check that each head/loss trains exactly as SciKeras trains it."""
    X, y = _data(n_classes)
    theirs, ours = _pair(model__head=head, loss=loss)
    if head == "softmax" and n_classes == 2 and loss == "categorical_crossentropy":
        # SciKeras cannot train a 2-unit softmax with categorical targets
        # (it encodes binary targets as one column); its one-hot form can.
        theirs.fit(X, np.eye(2)[y])
        ours.fit(X, y)
        np.testing.assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=RTOL, atol=ATOL
        )
        return
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X, head)
    proba = ours.predict_proba(X)
    assert proba.shape == (len(X), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize(
    "head, loss, n_classes",
    [
        ("sigmoid", "binary_crossentropy", 2),
        ("logit", keras.losses.BinaryCrossentropy(from_logits=True), 2),
        ("softmax", "sparse_categorical_crossentropy", 3),
        ("logits", keras.losses.CategoricalCrossentropy(from_logits=True), 3),
    ],
)
@pytest.mark.parametrize("weighting", ["expected", "argmax"])
def test_table_weights_use_class_probabilities(head, loss, n_classes, weighting):
    """Check that tables weight by the probabilities, whatever the head.

    One full-batch step: the table weights come from the untrained network's
    probabilities, so they equal a sample_weight computed in numpy (sigmoid
    -> [1 - p, p], logits -> softmax).
    """
    X, y = _data(n_classes)
    rng = np.random.default_rng(1)
    W = rng.uniform(0.5, 3.0, size=(n_classes, n_classes))
    P0 = _initial_proba(build_head, X, n_classes, head)
    if weighting == "expected":
        weights = (W[y] * P0).sum(axis=1)
    else:
        weights = W[y, P0.argmax(axis=1)]
    settings = dict(model__head=head, loss=loss, epochs=1, batch_size=len(X))
    theirs, ours = _pair(**settings)
    ours.set_params(misclass_weights=W, weighting=weighting)
    theirs.fit(X, y, sample_weight=weights)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X, head)


def test_sigmoid_tables_are_two_by_two():
    """Check that a one-unit sigmoid model takes 2 x 2 tables, global or per example."""
    X, y = _data(2)
    labels = np.array(["no", "yes"])[y]
    W = {("yes", "no"): 4.0}
    clf = WeightedKerasClassifier(
        build_head,
        model__head="sigmoid",
        loss="binary_crossentropy",
        misclass_weights=W,
        **{**COMMON, "epochs": 1},
    ).fit(X, labels)
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert set(clf.predict(X)) <= {"no", "yes"}
    tables = np.ones((len(X), 2, 2))
    tables[:, 1, 0] = 4.0
    per_example = WeightedKerasClassifier(
        build_head,
        model__head="sigmoid",
        loss="binary_crossentropy",
        **{**COMMON, "epochs": 1},
    ).fit(X, labels, sample_tables=tables)
    np.testing.assert_allclose(
        per_example.predict_proba(X), clf.predict_proba(X), rtol=RTOL, atol=ATOL
    )
    with pytest.raises(ValueError, match=r"2, 2|\(2, 2\)|2 x 2"):
        WeightedKerasClassifier(
            build_head,
            model__head="sigmoid",
            loss="binary_crossentropy",
            misclass_weights=np.ones((3, 3)),
            **COMMON,
        ).fit(X, labels)


# --------------------------------------------------------------------- targets
def test_one_hot_targets_as_scikeras():
    """Check that one-hot y trains and predicts one-hot rows as in SciKeras."""
    X, y = _data(3)
    Y = np.eye(3)[y]
    theirs, ours = _pair(loss="categorical_crossentropy")
    theirs.fit(X, Y)
    ours.fit(X, Y)
    _assert_same_fit(theirs, ours, X)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.target_type_ == theirs.target_type_


def test_one_hot_targets_take_tables():
    """Check that one-hot y with a table equals the labels with that table."""
    X, y = _data(3)
    W = np.array([[1.0, 2.0, 1.0], [1.0, 1.0, 5.0], [3.0, 1.0, 1.0]])
    a = WeightedKerasClassifier(
        build_head, loss="categorical_crossentropy", misclass_weights=W, **COMMON
    ).fit(X, np.eye(3)[y])
    b = WeightedKerasClassifier(
        build_head, loss="categorical_crossentropy", misclass_weights=W, **COMMON
    ).fit(X, y)
    np.testing.assert_allclose(
        a.predict_proba(X), b.predict_proba(X), rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("kind", ["str", "bool"])
def test_label_types_as_scikeras(kind):
    """Check that string and boolean labels come back as SciKeras returns them."""
    X, y = _data(2)
    labels = np.array(["cat", "dog"])[y] if kind == "str" else y.astype(bool)
    theirs, ours = _pair(model__head="sigmoid", loss="binary_crossentropy")
    theirs.fit(X, labels)
    ours.fit(X, labels)
    _assert_same_fit(theirs, ours, X)
    assert ours.predict(X).dtype == theirs.predict(X).dtype


@pytest.mark.parametrize(
    "y, what",
    [
        (np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]] * 5), "multilabel"),
        (np.column_stack([np.arange(20) % 3, np.arange(20) % 2]), "multioutput"),
    ],
)
def test_multi_output_targets_are_refused_clearly(y, what):
    """Check that multilabel and multi-output y raise an error naming what works."""
    X, _ = _data(3, n=20)
    clf = WeightedKerasClassifier(build_head, loss="categorical_crossentropy", **COMMON)
    with pytest.raises(ValueError, match=what) as err:
        clf.fit(X, y)
    assert "one-hot" in str(err.value)
    assert not hasattr(clf, "model_")


# ---------------------------------------------------------------------- inputs
@pytest.mark.parametrize(
    "builder, shape", [(build_cnn, (4, 4, 1)), (build_rnn, (5, 2))]
)
def test_nd_inputs_as_scikeras(builder, shape):
    """Check that images (n, h, w, c) and sequences (n, t, d) train as in SciKeras."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, *shape)).astype(np.float32)
    flat = X.reshape(30, -1)
    y = (flat.sum(axis=1) > 0).astype(int) + (flat[:, 0] > 0.5)
    theirs, ours = _pair(model=builder, loss="categorical_crossentropy")
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X)
    assert ours.X_shape_ == theirs.X_shape_
    assert ours.n_features_in_ == theirs.n_features_in_ == shape[0]


def build_embedding(meta, vocabulary=50):
    """Token ids of shape (t,) -> Embedding -> average -> softmax."""
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Embedding(vocabulary, 3),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    return _fixed_weights(model)


def test_integer_token_ids_train_as_in_scikeras():
    """Check integer token ids feed an Embedding as in SciKeras.

    SciKeras keeps the integer type; the estimator casts to float32, which
    holds these ids exactly, and the Embedding casts them back.
    """
    rng = np.random.default_rng(0)
    X = rng.integers(0, 50, size=(30, 6))
    y = (X[:, 0] > 25).astype(int) + (X[:, 1] > 40)
    theirs, ours = _pair(model=build_embedding, loss="categorical_crossentropy")
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X)


def test_nd_inputs_take_per_example_tables():
    """Check that images with per-example constant-row tables equal sample_weight."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4, 4, 1)).astype(np.float32)
    y = np.arange(30) % 3
    scale = rng.uniform(0.5, 2.0, size=30)
    tables = np.repeat(scale[:, None, None], 3, axis=1).repeat(3, axis=2)
    theirs, ours = _pair(model=build_cnn, loss="categorical_crossentropy")
    theirs.fit(X, y, sample_weight=scale)
    ours.fit(X, y, sample_tables=tables)
    _assert_same_fit(theirs, ours, X)


def test_nd_inputs_refuse_a_changed_shape():
    """Check that predicting images of another shape raises a clear ValueError."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4, 4, 1)).astype(np.float32)
    clf = WeightedKerasClassifier(
        build_cnn, loss="categorical_crossentropy", **COMMON
    ).fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match="shape|features"):
        clf.predict(rng.normal(size=(5, 5, 4, 1)).astype(np.float32))


class _TwoInputsScikeras(KerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(split_features)


class _TwoInputs(WeightedKerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(split_features)


def test_multi_input_through_feature_encoder():
    """Check that a feature_encoder splitting X feeds a two-input model as in SciKeras."""
    X, y = _data(3, n_features=5)
    settings = {**COMMON, "loss": "categorical_crossentropy"}
    theirs = _TwoInputsScikeras(build_two_inputs, **settings).fit(X, y)
    ours = _TwoInputs(build_two_inputs, **settings).fit(X, y)
    _assert_same_fit(theirs, ours, X)
    assert isinstance(ours.feature_encoder_, FunctionTransformer)
    weighted = _TwoInputs(
        build_two_inputs, misclass_weights=np.full((3, 3), 2.0), **settings
    ).fit(X, y)
    # A table of 2s everywhere doubles every loss: the same as sample_weight=2.
    doubled = _TwoInputsScikeras(build_two_inputs, **settings).fit(
        X, y, sample_weight=np.full(len(y), 2.0)
    )
    _assert_same_fit(doubled, weighted, X)


@pytest.mark.parametrize(
    "head, n_classes, loss",
    [("logits", 3, "categorical_crossentropy"), ("logit", 2, "binary_crossentropy")],
)
def test_linear_output_read_as_probabilities_raises(head, n_classes, loss):
    """Check a linear output without from_logits is refused, not renormalised.

    Oracle: the network's raw outputs, which hold values outside [0, 1].
    """
    X, y = _data(n_classes)
    clf = WeightedKerasClassifier(build_head, model__head=head, loss=loss, **COMMON)
    clf.fit(X, y)
    raw = keras.ops.convert_to_numpy(clf.model_.network(X))
    assert ((raw < 0) | (raw > 1)).any()
    with pytest.raises(ValueError, match="from_logits=True"):
        clf.predict_proba(X)


def center_on_batch(X):
    """A feature encoder that is not row-wise: each row depends on all of X."""
    return X - X.mean(axis=0)


class _CenteringEncoder(WeightedKerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(center_on_batch)


def test_predict_proba_encodes_exactly_the_rows_given():
    """Check the feature encoder sees X as passed, with no padding rows.

    Oracle: the fitted network on the encoder's transform of the same rows.
    """
    X, y = _data(3)
    clf = _CenteringEncoder(build_head, loss="categorical_crossentropy", **COMMON)
    clf.fit(X, y)
    for part in (X[:7], X):
        expected = keras.ops.convert_to_numpy(clf.model_.network(center_on_batch(part)))
        np.testing.assert_allclose(clf.predict_proba(part), expected, rtol=1e-5)


# ------------------------------------------------------------ SciKeras' API
def test_fitted_attributes_as_scikeras():
    """Check that the attributes SciKeras sets in fit are set, with its values."""
    X, y = _data(3)
    labels = np.array(["a", "b", "c"])[y]
    theirs, ours = _pair(loss="sparse_categorical_crossentropy")
    theirs.fit(X, labels)
    ours.fit(X, labels)
    for name in (
        "n_features_in_",
        "n_outputs_expected_",
        "target_type_",
        "X_shape_",
        "X_dtype_",
        "y_dtype_",
        "y_ndim_",
        "n_classes_",
        "initialized_",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(
        ours.target_encoder_.transform(labels).ravel(),
        np.searchsorted(ours.classes_, labels),
    )
    assert hasattr(ours.feature_encoder_, "transform")


class ReversedEncoder(TransformerMixin, BaseEstimator):
    """A target encoder putting the classes in reverse order."""

    def fit(self, y):
        self.classes_ = np.unique(y)[::-1]
        self.n_classes_ = len(self.classes_)
        return self

    def transform(self, y):
        return self.n_classes_ - 1 - np.searchsorted(self.classes_[::-1], y)

    def inverse_transform(self, proba, return_proba=False):
        if return_proba:
            return proba
        return self.classes_[np.argmax(proba, axis=1)]


class _ReversedLabels(WeightedKerasClassifier):
    """A target encoder override, as SciKeras documents them."""

    @property
    def target_encoder(self):
        return ReversedEncoder()


def test_target_encoder_override():
    """Check that an overridden target_encoder sets the class order and predictions."""
    X, y = _data(3)
    clf = _ReversedLabels(
        build_head, loss="sparse_categorical_crossentropy", **COMMON
    ).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [2, 1, 0])
    # Column j of predict_proba is classes_[j]: the default order reversed.
    default = WeightedKerasClassifier(
        build_head, loss="sparse_categorical_crossentropy", **COMMON
    ).fit(X, 2 - y)
    np.testing.assert_allclose(
        clf.predict_proba(X), default.predict_proba(X), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_array_equal(clf.predict(X), 2 - default.predict(X))


class StopAfter(keras.callbacks.Callback):
    """Stops training after ``epochs`` epochs."""

    def __init__(self, epochs=1):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 >= self.epochs:
            self.model.stop_training = True


@pytest.mark.parametrize(
    "form",
    [
        dict(callbacks=StopAfter, callbacks__epochs=2),
        dict(callbacks=[StopAfter], callbacks__0__epochs=2),
        dict(callbacks={"stop": StopAfter}, callbacks__stop__epochs=2),
        dict(callbacks=[StopAfter(2)]),
        dict(fit__callbacks=[StopAfter], fit__callbacks__0__epochs=2),
    ],
    ids=["class", "list", "dict", "instance", "fit__callbacks"],
)
def test_callbacks_in_scikeras_forms(form):
    """Check that callbacks given in each SciKeras form act as in SciKeras."""
    X, y = _data(3)
    theirs, ours = _pair(loss="categorical_crossentropy", epochs=4, **form)
    theirs.fit(X, y)
    ours.fit(X, y)
    assert len(ours.history_["loss"]) == len(theirs.history_["loss"]) == 2
    _assert_same_fit(theirs, ours, X)


def build_sized(hidden_layer_dim, meta):
    """SciKeras' quick-start builder: its size is a plain constructor argument."""
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_layer_dim, activation="tanh"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    return _fixed_weights(model)


def build_from_params(meta, params):
    """A builder that reads the estimator's parameters, as SciKeras allows."""
    return build_sized(params["epochs"] + 1, meta)


def build_any(**kwargs):
    """A builder taking everything: meta, compile_kwargs, params, its own."""
    assert {"meta", "compile_kwargs", "params"} <= set(kwargs)
    return build_sized(kwargs["hidden_layer_dim"], kwargs["meta"])


@pytest.mark.parametrize("builder", [build_sized, build_from_params, build_any])
def test_builder_takes_constructor_arguments_and_params(builder):
    """Check unprefixed constructor arguments and ``params`` reach the builder.

    Oracle: SciKeras' KerasClassifier with the same builder and arguments.
    """
    X, y = _data(3)
    extra = {} if builder is build_from_params else {"hidden_layer_dim": 5}
    theirs, ours = _pair(model=builder, loss="categorical_crossentropy", **extra)
    theirs.fit(X, y)
    ours.fit(X, y)
    units = 5 if extra else COMMON["epochs"] + 1
    assert ours.model_.network.layers[0].units == units
    _assert_same_fit(theirs, ours, X)
    if extra:  # routed model__* arguments win, set_params reaches the builder
        ours.set_params(model__hidden_layer_dim=3).fit(X, y)
        assert ours.model_.network.layers[0].units == 3


class _OwnCrossentropy(keras.losses.Loss):
    """A user's loss class, not registered for Keras serialization."""

    def call(self, y_true, y_pred):
        return keras.losses.categorical_crossentropy(y_true, y_pred)


def _own_accuracy(y_true, y_pred):
    """A user's metric function, not registered for Keras serialization."""
    hits = keras.ops.argmax(y_true, -1) == keras.ops.argmax(y_pred, -1)
    return keras.ops.mean(keras.ops.cast(hits, "float32"))


@pytest.mark.parametrize("form", ["instance", "builder"])
def test_compiled_model_with_unregistered_loss_and_metric(form):
    """Check a model compiled with the user's own loss and metric trains.

    Keras' compile config cannot rebuild objects that are not registered;
    plain ``fit`` never needs that. Oracle: the same network compiled with
    Keras' categorical cross-entropy, which the user's loss computes.
    """
    X, y = _data(3)
    meta = {"n_classes_": 3, "n_features_in_": X.shape[1], "X_shape_": X.shape}

    def compiled(loss, metrics):
        network = build_head(meta)
        network.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=metrics)
        return network

    fits = []
    for loss, metrics in (
        (_OwnCrossentropy(), [_own_accuracy]),
        (
            "categorical_crossentropy",
            [],
        ),
    ):
        if form == "instance":
            model = compiled(loss, metrics)
            before = [w.copy() for w in model.get_weights()]
        else:
            model = functools.partial(
                lambda meta, loss, metrics: compiled(loss, metrics),
                loss=loss,
                metrics=metrics,
            )
        clf = WeightedKerasClassifier(model, epochs=2, batch_size=8, shuffle=False)
        fits.append(clf.fit(X, y))
        if form == "instance":  # the caller's model is left as it was
            for a, b in zip(before, model.get_weights(), strict=True):
                np.testing.assert_array_equal(a, b)
    assert "_own_accuracy" in fits[0].history_
    np.testing.assert_allclose(
        fits[0].predict_proba(X), fits[1].predict_proba(X), rtol=1e-6
    )


class _ConstantRate(keras.optimizers.schedules.LearningRateSchedule):
    """A user's learning-rate schedule, not registered for Keras serialization."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, step):
        return self.rate

    def get_config(self):
        return {"rate": self.rate}


@pytest.mark.parametrize("in_users_scope", [False, True])
def test_compiled_model_with_unregistered_learning_rate_schedule(in_users_scope):
    """Check an optimizer holding the user's own schedule is copied and trains.

    The schedule is not in the compile settings themselves but inside the
    optimizer; inside a custom-object scope of the user's it must work too.
    Oracle: the same network compiled with a constant learning rate.
    """
    X, y = _data(3)

    def compiled(meta, rate):
        network = build_head(meta)
        network.compile(
            optimizer=keras.optimizers.SGD(rate), loss="categorical_crossentropy"
        )
        return network

    scope = keras.saving.custom_object_scope(
        {"_ConstantRate": _ConstantRate} if in_users_scope else {}
    )
    fits = []
    for rate in (_ConstantRate(0.1), 0.1):
        clf = WeightedKerasClassifier(
            functools.partial(compiled, rate=rate),
            epochs=2,
            batch_size=8,
            shuffle=False,
        )
        with scope:
            fits.append(clf.fit(X, y))
    assert isinstance(fits[0].model_.optimizer._learning_rate, _ConstantRate)
    np.testing.assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))


def test_builder_refuses_a_constructor_argument_it_does_not_take():
    """Check an unknown constructor argument raises, as SciKeras passes it on."""
    X, y = _data(3)
    theirs, ours = _pair(model=build_sized, hidden_layer_dim=4, hiden=2)
    for clf in (theirs, ours):
        with pytest.raises(TypeError, match="hiden"):
            clf.fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(metrics=["accuracy"], metrics__0__name="acc0"), "is not a class"),
        (dict(callbacks=[StopAfter(2)], callbacks__0__epochs=3), "is not a class"),
        (dict(metrics=["accuracy"], metrics__name="acc0"), "would be lost"),
        (dict(callbacks__epochs=2), "would be lost"),
        (dict(callbacks=[StopAfter], callbacks__1__epochs=2), r"items \['1'\]"),
        (dict(callbacks={"stop": StopAfter}, callbacks__halt__epochs=2), "halt"),
    ],
)
def test_routed_parameters_that_would_be_lost_raise(params, match):
    """Check parameters routed to no class raise instead of being dropped.

    Oracle: SciKeras, which refuses parameters routed to a name (it raises a
    TypeError too).
    """
    X, y = _data(3)
    clf = WeightedKerasClassifier(
        build_head, loss="categorical_crossentropy", **{**COMMON, **params}
    )
    with pytest.raises(TypeError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_bad_callbacks_raise_type_error_before_training():
    """Check that a non-callback in callbacks raises a TypeError naming the forms."""
    X, y = _data(3)
    clf = WeightedKerasClassifier(
        build_head, loss="categorical_crossentropy", callbacks=[object()], **COMMON
    )
    with pytest.raises(TypeError, match="callbacks"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_routed_parameters_as_scikeras():
    """Check that loss__, metrics__, model__, fit__ and predict__ reach their target."""
    X, y = _data(3)
    settings = dict(
        model__head="logits",
        loss=keras.losses.SparseCategoricalCrossentropy,
        loss__from_logits=True,
        metrics=[keras.metrics.SparseCategoricalAccuracy],
        metrics__0__name="acc0",
        model__hidden=5,
        fit__batch_size=4,
        predict__batch_size=7,
    )
    theirs, ours = _pair(**settings)
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X, "logits")
    assert ours.model_.network.layers[-2].units == 5
    assert set(ours.history_) == set(theirs.history_) == {"loss", "acc0"}
    np.testing.assert_allclose(
        ours.history_["acc0"], theirs.history_["acc0"], rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("metric", ["accuracy", "sparse_categorical_accuracy"])
def test_metric_names_in_history_as_scikeras(metric):
    """Check that history_ has SciKeras' keys and values, also after partial_fit."""
    X, y = _data(3)
    theirs, ours = _pair(loss="sparse_categorical_crossentropy", metrics=[metric])
    for est in (theirs, ours):
        est.fit(X, y)
        est.partial_fit(X, y)
    assert set(ours.history_) == set(theirs.history_)
    for key in theirs.history_:
        np.testing.assert_allclose(
            ours.history_[key], theirs.history_[key], rtol=RTOL, atol=ATOL
        )


def test_prebuilt_compiled_model():
    """Check that a compiled model passed as model= trains with its own compile settings."""
    X, y = _data(2)

    def compiled():
        net = build_head({"n_classes_": 2, "X_shape_": X.shape}, head="sigmoid")
        net.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
        return net

    mine = compiled()
    before = [w.copy() for w in mine.get_weights()]
    settings = dict(epochs=2, batch_size=8, shuffle=False, verbose=0)
    theirs = KerasClassifier(compiled(), **settings).fit(X, y)
    ours = WeightedKerasClassifier(mine, loss=None, optimizer=None, **settings).fit(
        X, y
    )
    _assert_same_fit(theirs, ours, X)
    for a, b in zip(before, mine.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the caller's model is not trained


def test_initialize_predicts_with_untrained_network():
    """Check that initialize() builds a model that predicts like SciKeras' initialize."""
    X, y = _data(2)
    theirs, ours = _pair(model__head="sigmoid", loss="binary_crossentropy")
    theirs.initialize(X, y)
    ours.initialize(X, y)
    np.testing.assert_allclose(
        ours.predict_proba(X), _initial_proba(build_head, X, 2, "sigmoid"), rtol=1e-5
    )
    _assert_same_fit(theirs, ours, X)
    assert ours.initialized_ and ours.model_.compiled


def test_partial_fit_with_classes_as_scikeras():
    """Check partial_fit(classes=) on batches missing a class, against SciKeras."""
    X, y = _data(3)
    first = y != 2
    theirs, ours = _pair(loss="sparse_categorical_crossentropy")
    for est in (theirs, ours):
        est.partial_fit(X[first], y[first], classes=[0, 1, 2])
        est.partial_fit(X, y)
    np.testing.assert_array_equal(ours.classes_, [0, 1, 2])
    _assert_same_fit(theirs, ours, X)
    assert len(ours.history_["loss"]) == len(theirs.history_["loss"]) == 2


@pytest.mark.parametrize(
    "change, match",
    [
        ("n_features", "features|shape"),
        ("rank", "dimensions|shape"),
        ("label", "label|class"),
        ("dtype", "dtype|[Cc]omplex"),
    ],
)
def test_incremental_fit_consistency_errors(change, match):
    """Check that partial_fit refuses data inconsistent with the first call, like SciKeras."""
    X, y = _data(3)
    bad_X, bad_y = X, y
    if change == "n_features":
        bad_X = np.column_stack([X, X[:, :1]])
    elif change == "rank":
        bad_X = X[:, :, None]
    elif change == "label":
        bad_y = np.where(y == 2, 7, y)
    else:
        bad_X = X.astype(np.complex64)
    theirs, ours = _pair(loss="sparse_categorical_crossentropy")
    theirs.partial_fit(X, y)
    ours.partial_fit(X, y)
    with pytest.raises((ValueError, TypeError)):
        theirs.partial_fit(bad_X, bad_y)
    weights = [w.copy() for w in ours.model_.get_weights()]
    with pytest.raises(ValueError, match=match):
        ours.partial_fit(bad_X, bad_y)
    for a, b in zip(weights, ours.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 4.0, 2: 0.5}])
def test_class_weight_as_scikeras(class_weight):
    """Check that class_weight ("balanced" or a dict) trains as in SciKeras."""
    X, y = _data(3, n=45)
    y = np.where(np.arange(45) < 30, 0, y)  # imbalanced
    theirs, ours = _pair(loss="categorical_crossentropy", class_weight=class_weight)
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X)


def test_batch_size_minus_one_is_one_batch():
    """Check that batch_size=-1 trains on all examples at once, as in SciKeras."""
    X, y = _data(3)
    theirs, ours = _pair(loss="categorical_crossentropy", batch_size=-1)
    theirs.fit(X, y)
    ours.fit(X, y)
    _assert_same_fit(theirs, ours, X)


def test_one_unit_with_categorical_loss_is_refused():
    """Check that one sigmoid unit with categorical cross-entropy raises clearly."""
    X, y = _data(2)
    clf = WeightedKerasClassifier(build_head, model__head="sigmoid", **COMMON)
    with pytest.raises(ValueError, match="binary_crossentropy"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_classes_with_column_labels():
    """Check that classes= sets the label order also for y given as a column."""
    X, y = _data(3)
    clf = WeightedKerasClassifier(
        build_head,
        loss="sparse_categorical_crossentropy",
        classes=[2, 1, 0, 5],
        **COMMON,
    )
    with pytest.warns(DataConversionWarning, match="column-vector") as record:
        clf.fit(X, y.reshape(-1, 1))
    # once, as MLPClassifier warns
    assert sum(issubclass(w.category, DataConversionWarning) for w in record) == 1
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 5])  # sorted
    assert clf.predict_proba(X).shape == (len(X), 4)


def split_features_by_name(X):
    return {"first": X[:, :2], "rest": X[:, 2:]}


def build_named_inputs(meta):
    """Two named inputs, fed from a dict."""
    a = keras.Input((2,), name="first")
    b = keras.Input((meta["n_features_in_"] - 2,), name="rest")
    joined = keras.layers.Concatenate()(
        [keras.layers.Dense(2, activation="tanh")(a), b]
    )
    out = keras.layers.Dense(meta["n_classes_"], activation="softmax")(joined)
    return _fixed_weights(keras.Model({"first": a, "rest": b}, out))


class _NamedInputsScikeras(KerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(split_features_by_name)


class _NamedInputs(WeightedKerasClassifier):
    @property
    def feature_encoder(self):
        return FunctionTransformer(split_features_by_name)


def test_multi_input_dict_through_feature_encoder():
    """Check that a feature_encoder returning a dict feeds named inputs as in SciKeras."""
    X, y = _data(3, n_features=5)
    tables = np.random.default_rng(2).uniform(0.5, 2.0, size=(len(y), 3, 3))
    scale = tables[:, :, :1].repeat(3, axis=2)  # constant rows: a sample_weight
    settings = {**COMMON, "loss": "categorical_crossentropy"}
    theirs = _NamedInputsScikeras(build_named_inputs, **settings).fit(
        X, y, sample_weight=scale[np.arange(len(y)), y, 0]
    )
    ours = _NamedInputs(build_named_inputs, **settings).fit(X, y, sample_tables=scale)
    _assert_same_fit(theirs, ours, X)


class _HoldsAModel(keras.losses.Loss):
    """A user's loss that holds a model (a teacher, say)."""

    def __init__(self, teacher, **kwargs):
        super().__init__(**kwargs)
        self.teacher = teacher

    def call(self, y_true, y_pred):
        return keras.losses.categorical_crossentropy(y_true, y_pred)


def test_compile_objects_name_a_held_model_without_searching_it():
    """Check the objects of a compiled model's settings are found, and a model
    they hold is named but not searched (it may have thousands of layers).
    """
    from skweighted._base import _collect_objects

    teacher = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    found = {}
    _collect_objects([_HoldsAModel(teacher), "adam"], found)
    assert found["_HoldsAModel"] is _HoldsAModel
    assert found["Sequential"] is type(teacher)
    assert "Dense" not in found
