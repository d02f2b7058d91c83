"""A Keras model that weights its loss with per-example table rows."""

import keras
from keras import ops

from ._pickling import generator_states, model_from_bytes, model_to_bytes
from ._weights import check_weighting, table_weights, weighting_scores

FEATURES = "features"
ROWS = "rows"
TABLES = "tables"


@keras.saving.register_keras_serializable(package="skweighted")
class TableWeightedModel(keras.Model):
    """Wrap a network so that its compiled loss is weighted by tables.

    ``fit`` receives ``x`` as a dict: ``{"features": X, "rows": R}`` where
    ``R[k] = T_k[y_k, :]`` is the row of example k's table for its true class
    (shape (n, K)), or ``{"features": X, "tables": T}`` with full per-example
    tables of shape (n, K, K). Keras slices these with the batch, so each
    batch sees exactly its own examples' tables. The network only sees the
    features, and ``predict`` takes the features alone (a plain array).

    In ``compute_loss`` the rows become per-example weights ``W_k[i,
    argmax p_k]`` (``weighting="argmax"``) or ``sum_j W_k[i, j] p_kj``
    (``weighting="expected"``), treated as constants, which multiply any
    ``sample_weight`` / ``class_weight`` before the compiled loss is reduced.
    ``p_k`` are the class probabilities read from the network's output by
    :func:`~skweighted.keras.class_probabilities`; the argmax is read from
    the logits where Keras keeps them with a softmax output (the same class,
    without computing the softmax in the training step).

    Parameters
    ----------
    network : keras.Model or keras.layers.Layer
        Maps the features to class probabilities of shape (batch, K), to one
        sigmoid unit (batch, 1) for two classes, or to logits of either shape
        with ``from_logits=True``.
    weighting : {"argmax", "expected"}, default="argmax"
        How a table row becomes a weight.
    from_logits : bool, default=False
        Whether the network outputs logits (compile the model with a loss
        that has ``from_logits=True``); the weights are computed on the
        probabilities.
    **kwargs
        Passed to :class:`keras.Model` (e.g. ``name``).

    Attributes
    ----------
    network : keras.Model or keras.layers.Layer
        The wrapped network; save it alone for a plain Keras model of the
        features.
    weighting : str
        How a table row becomes a weight, as passed.
    from_logits : bool
        Whether the network outputs logits, as passed.

    Examples
    --------
    >>> import numpy as np, keras
    >>> from skweighted.keras import TableWeightedModel, true_class_rows
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 4)).astype("float32")
    >>> y = (X[:, 0] > 0).astype(int)
    >>> tables = rng.uniform(0.5, 2.0, size=(64, 2, 2))
    >>> net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    >>> model = TableWeightedModel(net)
    >>> model.compile(optimizer="adam", loss="categorical_crossentropy")
    >>> x = {"features": X, "rows": true_class_rows(tables, y)}
    >>> history = model.fit(x, keras.utils.to_categorical(y, 2), epochs=1, verbose=0)
    >>> model.predict(X, verbose=0).shape
    (64, 2)
    """

    def __init__(self, network, weighting="argmax", from_logits=False, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.weighting = check_weighting(weighting)
        self.from_logits = bool(from_logits)

    def call(self, inputs, training=None):
        if isinstance(inputs, dict):
            inputs = inputs[FEATURES]
        return self.network(inputs, training=training)

    def build(self, input_shape):
        if isinstance(input_shape, dict):
            input_shape = input_shape[FEATURES]
        if not self.network.built:
            self.network.build(input_shape)
        self.built = True

    def example_weights(self, x, y, y_pred):
        """Per-example weights for a batch, or None when ``x`` has no tables.

        Parameters
        ----------
        x : dict or tensor
            The batch's inputs: ``{"features": ..., "rows": ...}`` or
            ``{"features": ..., "tables": ...}``; anything else has no tables.
        y : tensor of shape (batch, K)
            One-hot targets (used to pick the true-class rows of full tables).
        y_pred : tensor of shape (batch, K)
            Predicted probabilities.

        Returns
        -------
        weights : tensor of shape (batch,) or None
            See :func:`~skweighted.keras.table_weights`.
        """
        if not isinstance(x, dict):
            return None
        if ROWS not in x and TABLES not in x:
            return None
        scores = weighting_scores(y_pred, self.weighting, self.from_logits)
        if ROWS in x:
            rows = x[ROWS]
        else:
            tables = x[TABLES]
            k = tables.shape[-1]
            if len(y.shape) == 2 and y.shape[-1] is None:
                raise ValueError(
                    "With a 'tables' input the targets need a known last dimension "
                    "(K for one-hot rows, 1 for class indices), got shape "
                    f"{tuple(y.shape)}: give the dataset's targets that shape, or "
                    "pass the true-class 'rows' (true_class_rows) instead."
                )
            if len(y.shape) == 2 and y.shape[-1] == k and k > 1:  # one-hot
                y_true = ops.cast(y, tables.dtype)
            else:  # class indices, (batch,) or (batch, 1)
                y_true = ops.one_hot(
                    ops.cast(ops.reshape(y, (-1,)), "int32"), k, dtype=tables.dtype
                )
            rows = ops.einsum("bk,bkj->bj", y_true, tables)
        return table_weights(rows, scores, self.weighting)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        weights = self.example_weights(x, y, y_pred)
        if weights is not None:
            if sample_weight is not None:
                weights = weights * ops.cast(
                    ops.reshape(sample_weight, ops.shape(weights)), weights.dtype
                )
            sample_weight = weights
        return super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training
        )

    def __reduce__(self):
        # Keras' own format, rebuilt by a function of this package (whose
        # import registers the class); SciKeras' pickling would register the
        # class again under another name, unknown to a fresh process.
        return model_from_bytes, (model_to_bytes(self), generator_states(self))

    def __deepcopy__(self, memo):
        copy = model_from_bytes(model_to_bytes(self), generator_states(self))
        memo[id(self)] = copy
        return copy

    def get_config(self):
        config = super().get_config()
        config.update(
            network=keras.saving.serialize_keras_object(self.network),
            weighting=self.weighting,
            from_logits=self.from_logits,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        network = keras.saving.deserialize_keras_object(
            config.pop("network"), custom_objects=custom_objects
        )
        return cls(network=network, **config)
