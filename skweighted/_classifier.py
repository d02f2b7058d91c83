"""Scikit-learn estimators trained with a misclassification-weighted loss."""

from collections import OrderedDict
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_random_state,
    validate_data,
)

from ._parallel import limit_backend_threads
from ._scikeras import KerasClassifier, fit_arguments, quiet, seeded
from ._tables import _label_positions, check_cost_table, label_indices, table_rows

_PREDICT_CHUNK = 8192
# Optimizer steps per call of the traced train function: the same updates with
# less per-step overhead (about 2x faster at n=100,000; see benchmarks/).
# An epoch of at most this many steps is one call (see _fit_data).
_STEPS_PER_EXECUTION = 32
# Compiled MLPs kept for the next fit of the same configuration, so that its
# train function is not traced again (most of a small fit's time).
_POOL_SIZE = 4
_MODEL_POOL = OrderedDict()
_ZERO_STATE_OPTIMIZERS = {"adam", "sgd", "rmsprop"}


def _copy_variables(target, source):
    """Assign ``source``'s variables (weights, seed states) to ``target``'s."""
    for to, value in zip(target.variables, source.variables, strict=True):
        to.assign(value)


def _in_distribution_scope():
    """Whether a tf.distribute strategy or a Keras distribution is active."""
    import keras

    if keras.distribution.distribution() is not None:
        return True
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.has_strategy()
    return False


def _epoch_batches(arrays, batch_size, seed=None, repeat=True):
    """A tf.data pipeline of the batches of every epoch, epoch after epoch.

    Each epoch's order is a stateless shuffle of (seed, epoch number), so it
    does not depend on how many iterators Keras or a strategy makes; seed
    None keeps the order. ``repeat=False`` gives one epoch.
    """
    import tensorflow as tf

    data = tf.nest.map_structure(
        tf.convert_to_tensor, tuple(a for a in arrays if a is not None)
    )
    n = len(arrays[1])
    if seed is None:
        batches = tf.data.Dataset.from_tensor_slices(data).batch(batch_size)
        return batches.repeat() if repeat else batches

    def epoch(number):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n), seed=tf.stack([tf.constant(seed, tf.int64), number])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    return (
        tf.data.Dataset.counter()
        .flat_map(epoch)
        .map(lambda idx: tf.nest.map_structure(lambda a: tf.gather(a, idx), data))
    )


def _check_classes(classes, y):
    """Return the label set: sorted unique ``y``, or the validated ``classes``."""
    if classes is None:
        return np.unique(y)
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D list of labels, got shape {classes.shape}."
        )
    if len(np.unique(classes)) != len(classes):
        raise ValueError(f"classes must not repeat labels, got {classes.tolist()!r}.")
    label_indices(y, classes, name="y")
    return classes


def _class_weight_factors(class_weight, classes, y_idx):
    """Per-example factors from ``class_weight`` (dict by label or "balanced")."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        present = np.unique(y_idx)
        per_class = np.ones(len(classes))
        per_class[present] = compute_class_weight("balanced", classes=present, y=y_idx)
    else:
        per_class = np.ones(len(classes))
        positions = _label_positions(
            list(class_weight), classes, "class_weight", "class"
        )
        per_class[positions] = list(class_weight.values())
    return per_class[y_idx]


class WeightedKerasClassifier(KerasClassifier):
    """Keras classifier trained with misclassification-weighted cross-entropy.

    Takes any Keras model builder, like SciKeras' ``KerasClassifier``, and
    weights each example's loss with a table of (true class, predicted class)
    weights::

        loss_k = W_k[i, j] * crossentropy(y_true_k, y_pred_k)

    where ``i`` is the true class of example ``k`` and ``j`` the argmax of its
    prediction (``weighting="argmax"``), or the weight is the expectation
    ``sum_j W_k[i, j] * p_kj`` (``weighting="expected"``). ``W_k`` is the global
    table ``misclass_weights`` or the example's own table passed to
    ``fit(..., sample_tables=...)``.

    The model must output class probabilities of shape ``(n_samples,
    n_classes)`` (a softmax, also for binary problems); targets are one-hot.
    The network is wrapped in a :class:`~skweighted.keras.TableWeightedModel`
    that receives each example's table row as a second input, so ``X`` stays a
    plain array or DataFrame.

    Parameters
    ----------
    model : callable or keras.Model, default=None
        A function returning a Keras model (it may take ``meta``,
        ``compile_kwargs`` and routed ``model__*`` parameters, as in SciKeras),
        or a model instance.
    misclass_weights : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        Global table, rows = true class, columns = predicted class, in the
        order of ``classes_``. A DataFrame's index and columns, and a dict's
        ``(true_label, predicted_label)`` keys, are class labels (unlisted
        pairs weigh 1). None trains with plain cross-entropy.
    weighting : {"argmax", "expected"}, default="argmax"
        How a table row becomes a weight.
    classes : array-like of shape (K,), default=None
        The full label set and the order of the tables' rows and columns. Set
        it when some training folds may lack a class. Defaults to the sorted
        labels of ``y``.
    class_weight : dict, "balanced" or None, default=None
        Multiplies the table weights (and ``sample_weight``).
    optimizer : str or keras.optimizers.Optimizer, default="adam"
    loss : str or keras.losses.Loss, default="categorical_crossentropy"
        The per-example loss that the table weights multiply.
    epochs : int, default=1
    batch_size : int, default=None
    verbose : int, default=0
        0 is silent.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights' initialisation and the shuffling. Global random
        states are restored after ``fit``.
    warm_start : bool, default=False
        Keep training the existing model on the next ``fit``.
    **kwargs
        Other SciKeras parameters (``metrics``, ``callbacks``, ``shuffle``,
        ``validation_split``, routed ``model__*``, ``fit__*``, ``optimizer__*``
        parameters).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has string column names.
    model_ : skweighted.keras.TableWeightedModel
        The fitted Keras model.
    history_ : dict
        Training history (``loss`` and metrics per epoch).

    See Also
    --------
    WeightedMLPClassifier : The same with a ready multi-layer perceptron.
    skweighted.keras.TableWeightedModel : The Keras model it trains.

    Notes
    -----
    Unless the builder compiles the model itself, it is compiled with
    ``steps_per_execution`` = min(32, batches per epoch). On TensorFlow, an
    epoch that fits in one such call (at most 32 batches) is fed from a
    repeated tf.data pipeline, reshuffled each epoch from ``random_state``,
    instead of Keras' per-epoch iterator over the arrays; this makes small
    fits several times faster and trains on the same batches as Keras would
    without shuffling. See the benchmarks page of the documentation.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_iris
    >>> from skweighted import WeightedKerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> def build(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ...     ])
    >>> W = [[1, 1, 1], [1, 1, 5], [1, 1, 1]]
    >>> clf = WeightedKerasClassifier(build, misclass_weights=W, epochs=2,
    ...                               random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints = {
        "weighting": [StrOptions({"argmax", "expected"})],
        "classes": ["array-like", None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        model=None,
        *,
        misclass_weights=None,
        weighting="argmax",
        classes=None,
        class_weight=None,
        optimizer="adam",
        loss="categorical_crossentropy",
        epochs=1,
        batch_size=None,
        verbose=0,
        random_state=None,
        warm_start=False,
        **kwargs,
    ):
        super().__init__(
            model=model,
            optimizer=optimizer,
            loss=loss,
            epochs=epochs,
            batch_size=batch_size,
            verbose=verbose,
            random_state=random_state,
            warm_start=warm_start,
            class_weight=class_weight,
            **kwargs,
        )
        self.misclass_weights = misclass_weights
        self.weighting = weighting
        self.classes = classes

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.non_deterministic = self.random_state is None
        return tags

    # ------------------------------------------------------------- fitting
    def _validate_inputs(self, X, y, sample_weight, sample_tables):
        """All checks that run before any Keras code.

        Returns the float32 features, one-hot targets, table rows (or None)
        and sample weights (or None); nothing the caller passed is modified.
        """
        self._check_extra_params()
        reset = not (self.warm_start and hasattr(self, "model_"))
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=[np.float32, np.float64],
            ensure_min_samples=1,
        )
        check_classification_targets(y)
        classes = self.classes_ if not reset else _check_classes(self.classes, y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes, got one class "
                f"{classes.tolist()!r}. Pass `classes=` with the full label set if "
                "this data is a subset."
            )
        y_idx = label_indices(y, classes)
        table = check_cost_table(self.misclass_weights, classes)
        rows = table_rows(y_idx, len(classes), table=table, sample_tables=sample_tables)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True, copy=True
            )
        factors = _class_weight_factors(self.class_weight, classes, y_idx)
        if factors is not None:
            factors = factors.astype(np.float32)
            sample_weight = (
                factors if sample_weight is None else sample_weight * factors
            )
        targets = np.eye(len(classes), dtype=np.float32)[y_idx]
        return (
            np.asarray(X, dtype=np.float32),
            targets,
            y_idx,
            classes,
            rows,
            sample_weight,
        )

    def _check_extra_params(self):
        """Checks that the declarative constraints cannot express."""

    def _seed(self):
        if self.random_state is None:
            return None
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        rng = np.random.RandomState()
        rng.set_state(check_random_state(self.random_state).get_state())
        return int(rng.randint(np.iinfo(np.int32).max))

    def _set_meta(self, X, y_idx, classes):
        """Set the attributes SciKeras model builders read from ``meta``."""
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self.n_outputs_ = 1
        self.n_outputs_expected_ = 1
        self.target_type_ = "binary" if len(classes) == 2 else "multiclass"
        self.X_shape_ = X.shape
        self.X_dtype_ = X.dtype
        self.y_dtype_ = np.asarray(classes).dtype
        self.y_ndim_ = 1

    def _build_network(self):
        """Build the user's Keras model (through SciKeras' routing)."""
        return self._build_keras_model()

    def _get_compile_kwargs(self):
        kwargs = super()._get_compile_kwargs()
        if kwargs.get("loss") is None:
            kwargs["loss"] = "categorical_crossentropy"
        kwargs.setdefault("steps_per_execution", self._steps_per_execution())
        return kwargs

    def _steps_per_execution(self):
        """Optimizer steps per train-function call: 32, or one whole epoch."""
        return min(_STEPS_PER_EXECUTION, getattr(self, "_epoch_steps", 1 << 30))

    def _fit_data(self, inputs, targets, sample_weight, fit_args, kwargs):
        """The data and extra arguments for ``Model.fit``.

        On TensorFlow, Keras makes a new tf.data iterator over in-memory arrays
        twice per epoch (about 20 ms each): most of a small fit's time. So an
        epoch that fits in one train-function call gets a repeated, reshuffled
        pipeline iterated once per fit; larger data keep Keras' array pipeline,
        with ``steps_per_epoch`` given so that it makes one iterator per epoch.
        ``fit_args`` are all the ``Model.fit`` arguments (routed and ``kwargs``).
        """
        import keras

        if keras.backend.backend() != "tensorflow" or "steps_per_epoch" in fit_args:
            return (inputs, targets, sample_weight), kwargs
        steps = self._epoch_steps
        kwargs = {**kwargs, "steps_per_epoch": steps}
        if (
            steps > _STEPS_PER_EXECUTION
            or steps % self.model_.steps_per_execution
            or fit_args.get("validation_split")
        ):
            return (inputs, targets, sample_weight), kwargs
        batch_size = self._batch_size(fit_args, len(targets))
        seed = None
        if fit_args.get("shuffle", True):
            seed = self._seed()
            if seed is None:
                seed = int(check_random_state(None).randint(np.iinfo(np.int32).max))
        train = _epoch_batches((inputs, targets, sample_weight), batch_size, seed)
        kwargs.update(batch_size=None, shuffle=False)
        if kwargs.get("validation_data") is not None:
            kwargs["validation_data"] = _epoch_batches(
                kwargs["validation_data"],
                fit_args.get("validation_batch_size") or batch_size,
                repeat=False,
            )
        return (train, None, None), kwargs

    @staticmethod
    def _batch_size(fit_args, n_samples):
        """The batch size ``Model.fit`` will use (Keras' default is 32)."""
        batch_size = fit_args.get("batch_size") or 32
        return n_samples if batch_size == -1 else int(batch_size)

    def _build_weighted_model(self):
        from .keras import TableWeightedModel

        network = self._build_network()
        if isinstance(network, TableWeightedModel):
            model = network
        else:
            model = TableWeightedModel(network, weighting=self.weighting)
        if getattr(network, "compiled", False):
            model.compile_from_config(network.get_compile_config())
        else:
            model.compile(**self._get_compile_kwargs())
        model.weighting = self.weighting
        return model

    def _make_callbacks(self):
        """Callbacks for ``Model.fit`` (SciKeras' ``callbacks`` parameters)."""
        self._initialize_callbacks()
        return list(self._fit_callbacks)

    def _validation_kwargs(self, inputs, targets, sample_weight, y_idx):
        """Split off validation data; returns (inputs, targets, sw, fit kwargs)."""
        return inputs, targets, sample_weight, {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_tables=None, **kwargs):
        """Fit the network with the misclassification-weighted loss.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (strings or integers).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-example weights; they multiply the table weights.
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None
            One table per example, ``sample_tables[k, true, pred]``, or only
            each example's true-class row. Wins over ``misclass_weights``.
            Split per fold like ``sample_weight`` by scikit-learn's tools.
        **kwargs
            Extra arguments for ``keras.Model.fit``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit_weighted(X, y, sample_weight, sample_tables, **kwargs)

    def _fit_weighted(self, X, y, sample_weight, sample_tables, **kwargs):
        X, targets, y_idx, classes, rows, sample_weight = self._validate_inputs(
            X, y, sample_weight, sample_tables
        )
        inputs = {"features": X}
        if rows is not None:
            inputs["rows"] = rows
        epochs = kwargs.pop("epochs", getattr(self, "fit__epochs", self.epochs))
        warm = self.warm_start and hasattr(self, "model_")
        initial_epoch = self.current_epoch if warm else 0
        inputs, targets, sample_weight, extra = self._validation_kwargs(
            inputs, targets, sample_weight, y_idx
        )
        kwargs = {**extra, **kwargs}
        fit_args = {**fit_arguments(self), **kwargs}
        n_train = len(targets)
        self._epoch_steps = -(-n_train // self._batch_size(fit_args, n_train))
        self._random_state = None  # seeding is ours (see seeded), not SciKeras'
        limit_backend_threads()  # n_jobs x threads <= cores in parallel workers
        with seeded(self._seed()), quiet(self.verbose):
            if not warm:
                self._set_meta(X, y_idx, classes)
                self.model_ = self._build_weighted_model()
            elif not self.model_.compiled:  # e.g. after unpickling
                self.model_.compile(**self._get_compile_kwargs())
            self._fit_callbacks = self._make_callbacks()
            (inputs, targets, sample_weight), kwargs = self._fit_data(
                inputs, targets, sample_weight, fit_args, kwargs
            )
            self._fit_keras_model(
                inputs,
                targets,
                sample_weight=sample_weight,
                warm_start=warm,
                epochs=epochs,
                initial_epoch=initial_epoch,
                **kwargs,
            )
        self.n_iter_ = len(self.history_["loss"])
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None, sample_tables=None):
        """Train for one epoch, keeping the model and its history.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (K,), default=None
            Required on the first call when ``classes`` was not set and this
            batch may lack labels.
        sample_weight : array-like of shape (n_samples,), default=None
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "model_")
        if first and classes is not None:
            saved = self.classes
            self.classes = classes
        warm_start = self.warm_start
        self.warm_start = True
        try:
            self._validate_params()
            self._fit_weighted(X, y, sample_weight, sample_tables, epochs=1)
        finally:
            self.warm_start = warm_start
            if first and classes is not None:
                self.classes = saved
        return self

    # ---------------------------------------------------------- predicting
    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        X = np.asarray(X, dtype=np.float32)
        from keras import ops

        network = self.model_.network
        chunks = [
            ops.convert_to_numpy(network(X[i : i + _PREDICT_CHUNK], training=False))
            for i in range(0, X.shape[0], _PREDICT_CHUNK)
        ]
        proba = np.concatenate(chunks, axis=0).astype(np.float64)
        if proba.shape[1:] != (self.n_classes_,):
            raise ValueError(
                f"The model outputs shape {proba.shape[1:]} but there are "
                f"{self.n_classes_} classes: build a model that ends in a softmax "
                "with n_classes_ units."
            )
        return proba

    def predict(self, X):
        """Predict class labels (the argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the given data, as for any scikit-learn classifier.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


class WeightedMLPClassifier(WeightedKerasClassifier):
    """Multi-layer perceptron trained with a misclassification-weighted loss.

    A ready Keras MLP with the hyperparameters of scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier`, trained with
    ``loss_k = W_k[i, j] * crossentropy(y_true_k, y_pred_k)`` (see
    :class:`WeightedKerasClassifier`).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden activation (any Keras activation, e.g. "relu", "tanh").
    alpha : float, default=1e-4
        L2 penalty with scikit-learn's scaling: ``0.5 * alpha * ||W||^2``
        divided by the batch size is added to each batch's loss.
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    optimizer : str, default="adam"
        Keras optimizer name.
    learning_rate : float, default=1e-3
        The optimizer's learning rate.
    batch_size : int, default=200
    epochs : int, default=200
        Maximum number of passes over the data.
    early_stopping : bool, default=False
        Stop when the weighted validation loss on a stratified
        ``validation_fraction`` of the data has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the best weights. When False,
        training stops when the training loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs, as in MLPClassifier.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
        Patience, in epochs.
    tol : float, default=1e-4
    misclass_weights, weighting, classes, class_weight
        See :class:`WeightedKerasClassifier`.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    warm_start : bool, default=False

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has string column names.
    model_ : skweighted.keras.TableWeightedModel
    history_ : dict
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The unweighted scikit-learn MLP.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skweighted import WeightedMLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> W = {(0, 1): 10.0}  # missing a malignant (0) case costs 10
    >>> clf = make_pipeline(StandardScaler(), WeightedMLPClassifier(
    ...     hidden_layer_sizes=(16,), misclass_weights=W, epochs=20, random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **WeightedKerasClassifier._parameter_constraints,
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [str],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    # SciKeras reads these; they are fixed for the MLP, not parameters.
    model = None
    build_fn = None
    loss = "categorical_crossentropy"
    metrics = None
    callbacks = None
    validation_split = 0.0
    validation_batch_size = None
    shuffle = True
    run_eagerly = False

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        alpha=1e-4,
        dropout=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=200,
        epochs=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        misclass_weights=None,
        weighting="argmax",
        classes=None,
        class_weight=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.misclass_weights = misclass_weights
        self.weighting = weighting
        self.classes = classes
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def _check_extra_params(self):
        self._hidden_sizes()

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            return (int(sizes),)
        sizes = tuple(sizes)
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {sizes!r}."
            )
        return sizes

    def _build_network(self):
        from .keras import build_mlp

        return build_mlp(
            self.n_features_in_,
            self.n_classes_,
            hidden_layer_sizes=self._hidden_sizes(),
            activation=self.activation,
            l2=0.5 * self.alpha / self.batch_size,
            dropout=self.dropout,
        )

    def _get_compile_kwargs(self):
        import keras

        optimizer = keras.optimizers.get(
            {
                "class_name": self.optimizer,
                "config": {"learning_rate": self.learning_rate},
            }
        )
        return {
            "optimizer": optimizer,
            "loss": "categorical_crossentropy",
            "steps_per_execution": self._steps_per_execution(),
        }

    def _pool_key(self):
        """Everything the compiled model and its traced step depend on.

        None (no pooling) for optimizers whose state does not start at zero.
        """
        if str(self.optimizer).lower() not in _ZERO_STATE_OPTIMIZERS:
            return None
        if _in_distribution_scope():
            return None  # the model belongs to the user's strategy
        return (
            type(self).__qualname__,
            self.n_features_in_,
            self.n_classes_,
            self._hidden_sizes(),
            self.activation,
            float(self.alpha),
            float(self.dropout),
            self.optimizer,
            float(self.learning_rate),
            int(self.batch_size),
            self._steps_per_execution(),
            self.weighting,
        )

    def _build_weighted_model(self):
        """Reuse a pooled compiled model of this configuration, if any.

        The fresh network is always built (so the initial weights and dropout
        seeds are exactly those of a model built from scratch); its variables
        are copied into the pooled model, whose optimizer state is reset.
        """
        self._pool_key_ = key = self._pool_key()
        pooled = _MODEL_POOL.pop(key, None) if key is not None else None
        if pooled is None:
            return super()._build_weighted_model()
        fresh = self._build_network()
        _copy_variables(pooled.network, fresh)
        optimizer = pooled.optimizer
        learning_rate = getattr(optimizer, "_learning_rate", None)
        for variable in optimizer.variables:
            if variable is not learning_rate:
                variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
        return pooled

    def _fit_keras_model(self, *args, **kwargs):
        super()._fit_keras_model(*args, **kwargs)
        if self.warm_start or self._pool_key_ is None:
            return
        # Keep a private copy of the trained network; the compiled model goes
        # back to the pool for the next fit of the same configuration.
        from .keras import TableWeightedModel

        trained = self.model_
        network = self._build_network()
        _copy_variables(network, trained.network)
        self.model_ = TableWeightedModel(network, weighting=self.weighting)
        _MODEL_POOL[self._pool_key_] = trained
        while len(_MODEL_POOL) > _POOL_SIZE:
            _MODEL_POOL.popitem(last=False)

    def _make_callbacks(self):
        import keras

        self._fit_callbacks = []
        self._predict_callbacks = []
        return [
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if self.early_stopping else "loss",
                min_delta=self.tol,
                patience=self.n_iter_no_change,
                restore_best_weights=self.early_stopping,
            )
        ]

    def _validation_kwargs(self, inputs, targets, sample_weight, y_idx):
        if not self.early_stopping:
            return inputs, targets, sample_weight, {}
        counts = np.bincount(y_idx)
        stratify = y_idx if counts[counts > 0].min() >= 2 else None
        train, val = train_test_split(
            np.arange(len(y_idx)),
            test_size=self.validation_fraction,
            stratify=stratify,
            random_state=self._seed(),
        )

        def take(data, idx):
            if data is None:
                return None
            if isinstance(data, dict):
                return {k: v[idx] for k, v in data.items()}
            return data[idx]

        validation = (take(inputs, val), take(targets, val))
        if sample_weight is not None:
            validation = validation + (take(sample_weight, val),)
        return (
            take(inputs, train),
            take(targets, train),
            take(sample_weight, train),
            {"validation_data": validation},
        )

    def fit(self, X, y, sample_weight=None, sample_tables=None):
        """Fit the MLP with the misclassification-weighted loss.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data (standardize it, e.g. in a Pipeline).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-example weights; they multiply the table weights.
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None
            One table per example (``sample_tables[k, true, pred]``) or only
            the true-class rows; wins over ``misclass_weights``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(
            X, y, sample_weight=sample_weight, sample_tables=sample_tables
        )
