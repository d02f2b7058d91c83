"""Tests of the Keras building blocks against a plain numpy reference."""

import keras
import numpy as np
import pytest

from skweighted.keras import (
    MisclassificationWeightedCrossentropy,
    TableWeightedModel,
    build_mlp,
    true_class_rows,
)


def reference_losses(y, proba, tables, weighting):
    """The formula, one example and one class pair at a time."""
    n, k = proba.shape
    out = np.empty(n)
    for e in range(n):
        i = y[e]
        if weighting == "argmax":
            j_star = 0
            for j in range(k):  # first maximal class wins ties
                if proba[e, j] > proba[e, j_star]:
                    j_star = j
            weight = tables[e][i][j_star]
        else:
            weight = sum(tables[e][i][j] * proba[e, j] for j in range(k))
        out[e] = weight * -np.log(proba[e, i])
    return out


def random_problem(n=32, k=4, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, k, size=n)
    tables = rng.uniform(0, 3, size=(n, k, k))
    return y, proba.astype(np.float32), tables


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
@pytest.mark.parametrize("k", [2, 3, 7])
def test_loss_matches_numpy_reference(weighting, k):
    """Check the global-table loss per example against the loop reference."""
    y, proba, tables = random_problem(k=k)
    W = tables[0]
    loss = MisclassificationWeightedCrossentropy(W, weighting=weighting, reduction=None)
    got = keras.ops.convert_to_numpy(loss(np.eye(k)[y], proba))
    expected = reference_losses(y, proba, [W] * len(y), weighting)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
def test_float16_loss_weights_in_float32(weighting):
    """Check a loss with dtype="float16" weights in float32: an entry beyond
    float16's range (65504) still gives the reference values, in float16."""
    y = np.array([0, 2, 1])
    proba = np.array([[0.4375, 0.5, 0.0625], [0.25, 0.25, 0.5], [0.75, 0.125, 0.125]])
    W = np.array([[1.0, 7e4, 2.0], [3.0, 1.0, 1.0], [1.0, 2.0, 1.0]])
    loss = MisclassificationWeightedCrossentropy(
        W, weighting, reduction=None, dtype="float16"
    )
    got = loss(np.eye(3)[y], proba)
    assert keras.backend.standardize_dtype(got.dtype) == "float16"
    expected = reference_losses(y, proba, [W] * len(y), weighting)
    assert expected.max() < 65504  # representable once weighted
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got), expected, rtol=2e-3)


def test_loss_argmax_ties_go_to_first_class():
    """Check that a tie between classes picks the first maximal class."""
    W = np.array([[1.0, 5.0, 9.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    loss = MisclassificationWeightedCrossentropy(W, reduction=None)
    proba = np.array([[0.2, 0.4, 0.4]], dtype=np.float32)
    got = keras.ops.convert_to_numpy(loss(np.array([[1.0, 0, 0]]), proba))
    np.testing.assert_allclose(got, [5.0 * -np.log(0.2)], rtol=1e-6)


def test_table_weights_ties_against_loop_reference():
    """Check the argmax weight with many ties, K=100, against the loop.

    Probabilities are quantized to four levels so that most rows have
    several maximal classes (the first one must win), some all of them.
    """
    from skweighted.keras import table_weights

    rng = np.random.default_rng(0)
    n, k = 200, 100
    proba = rng.integers(0, 4, size=(n, k)).astype(np.float32) / 4
    proba[:5] = 0.25  # all classes tied
    rows = rng.uniform(0, 3, size=(n, k)).astype(np.float32)
    got = keras.ops.convert_to_numpy(table_weights(rows, proba, "argmax"))
    expected = np.empty(n, dtype=np.float32)
    for e in range(n):
        j_star = 0
        for j in range(k):
            if proba[e, j] > proba[e, j_star]:
                j_star = j
        expected[e] = rows[e, j_star]
    np.testing.assert_array_equal(got, expected)


def test_table_weights_argmax_nan_rows_take_an_entry_of_their_row():
    """Check a NaN prediction still picks a weight from its own row.

    A diverged network outputs NaN; the weight must stay one of the row's
    entries (an index out of range would read another example or fail).
    """
    from skweighted.keras import table_weights

    proba = np.array([[np.nan, np.nan, np.nan], [0.2, np.nan, 0.5]], np.float32)
    rows = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
    got = keras.ops.convert_to_numpy(table_weights(rows, proba, "argmax"))
    for e in range(len(rows)):
        assert got[e] in rows[e]


def test_loss_zero_and_uniform_tables():
    """Check a zero table gives zero loss and a ones table the plain loss."""
    y, proba, _ = random_problem(k=3)
    y_true = np.eye(3)[y]
    plain = keras.losses.CategoricalCrossentropy()(y_true, proba)
    ones = MisclassificationWeightedCrossentropy(np.ones((3, 3)))(y_true, proba)
    zeros = MisclassificationWeightedCrossentropy(np.zeros((3, 3)))(y_true, proba)
    np.testing.assert_allclose(float(ones), float(plain), rtol=1e-6)
    assert float(zeros) == 0.0


def test_loss_from_logits_matches_probabilities():
    """Check from_logits=True gives the same loss as softmax probabilities."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(10, 3)).astype(np.float32)
    y_true = np.eye(3)[rng.integers(0, 3, 10)]
    W = rng.uniform(0, 2, size=(3, 3))
    a = MisclassificationWeightedCrossentropy(W, from_logits=True)(y_true, logits)
    proba = keras.ops.softmax(logits)
    b = MisclassificationWeightedCrossentropy(W)(y_true, proba)
    np.testing.assert_allclose(float(a), float(b), rtol=1e-5)


def test_loss_config_round_trip():
    """Check get_config/from_config and Keras (de)serialization keep the loss."""
    W = [[0.0, 2.0], [3.0, 0.5]]
    loss = MisclassificationWeightedCrossentropy(W, weighting="expected", name="w")
    clone = MisclassificationWeightedCrossentropy.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    y, proba, _ = random_problem(k=2)
    np.testing.assert_allclose(
        float(restored(np.eye(2)[y], proba)), float(loss(np.eye(2)[y], proba))
    )


@pytest.mark.parametrize("bad", [[[1, 2, 3]], [[1, -1], [1, 1]], [[np.nan, 1], [1, 1]]])
def test_loss_rejects_bad_tables(bad):
    """Check that non-square, negative or NaN tables are refused."""
    with pytest.raises(ValueError, match="misclass_weights"):
        MisclassificationWeightedCrossentropy(bad)


def _model(k, weighting="argmax"):
    net = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(k, activation="softmax")]
    )
    model = TableWeightedModel(net, weighting=weighting)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
@pytest.mark.parametrize("form", ["rows", "tables"])
def test_model_compute_loss_matches_reference(weighting, form):
    """Check compute_loss of a batch against the per-example reference."""
    y, proba, tables = random_problem(k=4)
    model = _model(4, weighting)
    x = {"features": np.zeros((len(y), 3), np.float32)}
    x[form] = (
        true_class_rows(tables, y) if form == "rows" else tables.astype(np.float32)
    )
    sw = np.random.default_rng(3).uniform(0.5, 2, size=len(y)).astype(np.float32)
    got = model.compute_loss(x, np.eye(4, dtype=np.float32)[y], proba, sample_weight=sw)
    expected = np.mean(sw * reference_losses(y, proba, tables, weighting))
    np.testing.assert_allclose(float(got), expected, rtol=1e-5)


@pytest.mark.parametrize("batch_size", [8, 64])
def test_model_fit_slices_tables_per_batch(batch_size):
    """Check that fit weights each batch with its own examples' tables.

    With a zero learning rate the predictions do not move, so the epoch loss
    Keras reports must equal the reference mean over all examples. A loss
    closed over the whole table (the tutorial's bug) cannot match it.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=64)
    tables = rng.uniform(0, 4, size=(64, 3, 3))
    model = _model(3)
    x = {"features": X, "rows": true_class_rows(tables, y)}
    hist = model.fit(
        x, np.eye(3)[y], batch_size=batch_size, epochs=1, shuffle=True, verbose=0
    )
    proba = model.predict(X, verbose=0)
    expected = reference_losses(y, proba, tables, "argmax").mean()
    np.testing.assert_allclose(hist.history["loss"][0], expected, rtol=1e-4)


def test_model_save_load_round_trip(tmp_path):
    """Check that a TableWeightedModel saves and loads with the same outputs."""
    net = build_mlp(3, 2, hidden_layer_sizes=(4,), dropout=0.1, l2=0.01)
    model = TableWeightedModel(net, weighting="expected")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    y = np.eye(2)[np.arange(16) % 2]
    model.fit(
        {"features": X, "rows": np.ones((16, 2), np.float32)}, y, epochs=1, verbose=0
    )
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, TableWeightedModel) and loaded.weighting == "expected"
    np.testing.assert_allclose(
        loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6
    )


def test_true_class_rows_accepts_one_hot():
    """Check rows from one-hot targets equal rows from indices."""
    _, _, tables = random_problem(k=3)
    y = np.arange(32) % 3
    np.testing.assert_array_equal(
        true_class_rows(tables, np.eye(3)[y]), true_class_rows(tables, y)
    )
    with pytest.raises(ValueError, match="range"):
        true_class_rows(tables, y + 1)


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
@pytest.mark.parametrize("form", ["rows", "tables"])
@pytest.mark.parametrize("head", ["sigmoid", "logit", "sparse_logits"])
def test_model_compute_loss_other_heads(weighting, form, head):
    """Check compute_loss with a sigmoid unit, a logit or sparse logits.

    The weights come from the class probabilities ([1 - p, p], the sigmoid of
    the logit, the softmax of the logits), and the targets are class indices:
    the result must equal the loop reference on those probabilities.
    """
    k = 3 if head == "sparse_logits" else 2
    y, proba, tables = random_problem(k=k, seed=4)
    if head == "sparse_logits":
        y_pred = np.log(proba)  # logits whose softmax is proba
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        p1 = proba[:, 1:]
        y_pred = p1 if head == "sigmoid" else np.log(p1 / (1 - p1))
        loss = keras.losses.BinaryCrossentropy(from_logits=head == "logit")
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(y_pred.shape[1])])
    model = TableWeightedModel(net, weighting=weighting, from_logits=head != "sigmoid")
    model.compile(optimizer="sgd", loss=loss)
    x = {"features": np.zeros((len(y), 3), np.float32)}
    x[form] = (
        true_class_rows(tables, y) if form == "rows" else tables.astype(np.float32)
    )
    got = model.compute_loss(x, y.reshape(-1, 1).astype(np.float32), y_pred)
    expected = np.mean(reference_losses(y, proba, tables, weighting))
    np.testing.assert_allclose(float(got), expected, rtol=1e-4)


def _weights_of_a_network(
    weighting, graph, from_logits=False, seed=5, activation="softmax"
):
    """A one-layer network's table weights, its output and the rows (numpy).

    ``activation``: of the output layer (a Keras activation, or a layer put
    after it), or none with ``from_logits``; ``graph``: traced as the
    estimators trace their training (without autograph, whose conversion
    cache once returned another function's conversion), on TensorFlow.
    """
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    n, k = 64, 7
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.integers(0, k, size=n)
    rows = rng.uniform(0.5, 3.0, size=(n, k)).astype(np.float32)
    layers = [keras.Input((3,))]
    if from_logits:
        layers.append(keras.layers.Dense(k))
    elif isinstance(activation, str):
        layers.append(keras.layers.Dense(k, activation=activation))
    else:
        layers += [keras.layers.Dense(k), activation]
    net = keras.Sequential(layers)
    model = TableWeightedModel(net, weighting=weighting, from_logits=from_logits)
    x = {"features": X, "rows": rows}
    Y = np.eye(k, dtype=np.float32)[y]

    def weights_and_output():
        output = model(X)
        return model.example_weights(x, Y, output), output

    if graph and keras.backend.backend() == "tensorflow":
        weights_and_output = tf.function(weights_and_output, autograph=False)
    got, output = (keras.ops.convert_to_numpy(t) for t in weights_and_output())
    return got, output, rows, model


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "traced"])
def test_argmax_weights_of_a_softmax_network_match_its_probabilities(graph):
    """Check argmax weights read from a softmax output equal the reference.

    Where Keras keeps the logits with a softmax output (TensorFlow), the
    predicted class is read from them; the weights must still be those of
    the first largest probability, computed in numpy.
    """
    from skweighted.keras._weights import weighting_scores

    got, proba, rows, model = _weights_of_a_network("argmax", graph)
    np.testing.assert_array_equal(got, rows[np.arange(len(rows)), proba.argmax(axis=1)])
    if keras.backend.backend() == "tensorflow":  # traced, the logits path is taken
        import tensorflow as tf

        taken = []

        @tf.function(autograph=False)
        def scores():
            out = model.network(np.zeros((2, 3), np.float32))
            taken.append(weighting_scores(out, "argmax") is out._keras_logits)
            return out

        scores()
        assert taken == [True]


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "traced"])
@pytest.mark.parametrize("from_logits", [False, True], ids=["softmax", "logits"])
def test_expected_weights_of_a_network_match_its_probabilities(graph, from_logits):
    """Check expected weights from a softmax or logits output equal the reference.

    On TensorFlow the probabilities are computed from the logits in the step
    (not by TensorFlow's softmax kernel); the weights must still be
    ``sum_j rows[k, j] p_kj`` with the model's probabilities, in numpy.
    """
    got, output, rows, _ = _weights_of_a_network(
        "expected", graph, from_logits=from_logits, seed=6
    )
    output = output.astype(np.float64)
    if from_logits:
        e = np.exp(output - output.max(axis=1, keepdims=True))
        output = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, (rows * output).sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "traced"])
@pytest.mark.parametrize("weighting", ["argmax", "expected"])
@pytest.mark.parametrize(
    "activation",
    ["sigmoid", lambda: keras.layers.Softmax(axis=0)],
    ids=["sigmoid", "softmax-over-the-batch"],
)
def test_weights_of_other_tagged_outputs_read_the_output(graph, weighting, activation):
    """Check weights of K sigmoid units, or a softmax over another axis.

    Keras tags these outputs with their logits too, but the probabilities
    are the output itself (as ``class_probabilities`` reads it), not a
    softmax of the logits over the classes. Oracle: the numpy reference on
    the network's own output.
    """
    if not isinstance(activation, str):
        activation = activation()
    got, output, rows, _ = _weights_of_a_network(
        weighting, graph, seed=7, activation=activation
    )
    if weighting == "argmax":
        expected = rows[np.arange(len(rows)), output.argmax(axis=1)]
    else:
        expected = (rows * output.astype(np.float64)).sum(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("weighting", ["argmax", "expected"])
def test_weights_stay_float32_under_mixed_precision(weighting):
    """Check table entries beyond float16's range weight a mixed-precision model.

    Oracle: the per-example reference on the model's own probabilities.
    """
    previous = keras.config.dtype_policy()
    try:
        keras.config.set_dtype_policy("mixed_float16")
        rng = np.random.default_rng(0)
        X = rng.normal(size=(32, 3)).astype(np.float32)
        y = rng.integers(0, 3, size=32)
        tables = rng.uniform(1e5, 3e5, size=(32, 3, 3))  # above 65504
        model = TableWeightedModel(build_mlp(3, 3, hidden_layer_sizes=(4,), seed=0))
        model.weighting = weighting
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        x = {"features": X, "rows": true_class_rows(tables, y)}
        loss = model.evaluate(x, np.eye(3)[y], batch_size=32, verbose=0)
        proba = np.asarray(model.predict(X, verbose=0), dtype=np.float64)
    finally:
        keras.config.set_dtype_policy(previous)
    expected = reference_losses(y, proba, tables, weighting).mean()
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, expected, rtol=2e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(l2=-0.1), "l2"),
        (dict(l2=None), "l2"),
        (dict(dropout=-0.2), "dropout"),
        (dict(dropout=1.0), "dropout"),
        (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
        (dict(n_classes=1), "n_classes"),
    ],
)
def test_build_mlp_refuses_what_keras_would_drop(kwargs, match):
    """Check build_mlp refuses arguments it would otherwise ignore or misuse."""
    args = {"n_features": 4, "n_classes": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        build_mlp(**args)


@pytest.mark.parametrize(
    "sizes", [8, np.int64(8), np.array([8]), [np.int64(8)]], ids=repr
)
def test_build_mlp_takes_an_int_or_numpy_sizes(sizes):
    """Check hidden_layer_sizes=8 and numpy integers build what (8,) builds."""
    one = build_mlp(
        np.int64(4), np.int64(3), hidden_layer_sizes=sizes, l2=np.float32(1e-3), seed=0
    )
    seq = build_mlp(4, 3, hidden_layer_sizes=(8,), l2=1e-3, seed=0)
    for a, b in zip(one.get_weights(), seq.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_true_class_rows_refuses_fractional_labels():
    """Check labels that are not whole class indices are refused, not truncated."""
    _, _, tables = random_problem(n=3, k=2)
    np.testing.assert_array_equal(
        true_class_rows(tables, [1.0, 0.0, 1.0]), true_class_rows(tables, [1, 0, 1])
    )
    with pytest.raises(ValueError, match="whole numbers"):
        true_class_rows(tables, [0.5, 1.9, 0])
    with pytest.raises(TypeError, match="class indices"):
        true_class_rows(tables, ["a", "b", "a"])
    np.testing.assert_array_equal(
        true_class_rows(tables, [True, False, True]), true_class_rows(tables, [1, 0, 1])
    )
    # a column of indices is indices, not one-hot rows of width 1
    np.testing.assert_array_equal(
        true_class_rows(tables, [[1], [0], [1]]), true_class_rows(tables, [1, 0, 1])
    )
    with pytest.raises(ValueError, match="one-hot rows of shape"):
        true_class_rows(tables, np.zeros((3, 5)))


def test_tables_input_needs_targets_of_known_width():
    """Check a tables input with targets of unknown width says what to do."""
    tf = pytest.importorskip("tensorflow")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("unknown widths arise from tf.data datasets")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 20)]
    tables = rng.uniform(1, 2, size=(20, 3, 3)).astype(np.float32)

    def rows():
        for i in range(20):
            yield {"features": X[i], "tables": tables[i]}, y[i]

    spec = (
        {
            "features": tf.TensorSpec((3,), tf.float32),
            "tables": tf.TensorSpec((3, 3), tf.float32),
        },
        tf.TensorSpec((None,), tf.float32),
    )
    data = tf.data.Dataset.from_generator(rows, output_signature=spec).batch(20)
    model = _model(3)
    with pytest.raises(ValueError, match="known last dimension"):
        model.evaluate(data, verbose=0)
