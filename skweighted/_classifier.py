"""Scikit-learn estimators trained with a misclassification-weighted loss.

Both estimators share their parameters' checks and the fit path in
:class:`~skweighted._base.BaseWeightedClassifier`; here they only say how
their network is built and compiled.
"""

import inspect
import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from . import _model_reuse
from ._base import (
    FIT_KWARG_CONSTRAINTS,
    BaseWeightedClassifier,
    compile_like,
    compile_objects,
)
from ._seam import Interval, StrOptions
from ._seeding import fresh_seed
from ._train_loop import Stopping

_ZERO_STATE_OPTIMIZERS = {"adam", "sgd", "rmsprop"}
#: MLPClassifier's activation names that Keras spells otherwise.
_SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid"}
# early_stopping="auto" holds out data above this many training examples, the
# threshold of scikit-learn's HistGradientBoostingClassifier.
_AUTO_EARLY_STOPPING_SAMPLES = 10_000


def _keras_object(name, value, routed, module):
    """An optimizer or loss from a name, a class or an instance.

    Names and classes take the routed ``<name>__*`` parameters; a name Keras
    does not know raises a ValueError naming the parameter. An optimizer
    instance is copied from its config (a fit never shares optimizer state).
    """
    import keras

    loss_params = bool(routed) and name == "loss"
    if isinstance(value, str) and loss_params:
        # "categorical_crossentropy" would resolve to a function, which
        # takes the routed parameters and drops them: use its class.
        value = _loss_class(value) or value
    if isinstance(value, type):
        try:
            return value(**routed)
        except TypeError as exc:
            raise TypeError(
                f"{name}={value.__name__} could not be built with the parameters "
                f"{_routed_names(name, routed)} ({exc}). Pass only parameters its "
                "constructor takes."
            ) from None
    if isinstance(value, str):
        try:  # an unknown name is said as such, before any routed parameter
            resolved = module.get(value)
        except (ValueError, TypeError) as exc:
            example = "adam" if name == "optimizer" else "categorical_crossentropy"
            raise ValueError(
                f"{name}={value!r} is not a Keras {name} ({exc}). Pass a name "
                f"such as {example!r}, a class or an instance."
            ) from None
        if routed:
            try:
                resolved = module.get({"class_name": value, "config": routed})
            except (ValueError, TypeError) as exc:
                if loss_params:
                    raise _loss_function_error(value, routed, exc) from None
                raise ValueError(
                    f"{name}={value!r} could not be built with the parameters "
                    f"{_routed_names(name, routed)} ({exc}). Pass only parameters "
                    "it takes."
                ) from None
        if loss_params and not isinstance(resolved, keras.losses.Loss):
            raise _loss_function_error(value, routed)
        return resolved if (routed or name == "optimizer") else value
    if isinstance(value, keras.optimizers.Optimizer):
        return type(value).from_config(value.get_config())
    return value


def _routed_names(name, routed):
    """The routed parameters as the user wrote them: ``loss__from_logits``."""
    return ", ".join(f"{name}__{k}" for k in routed)


def _loss_function_error(value, routed, cause=None):
    params = _routed_names("loss", routed)
    why = (
        "is not the name of a Keras loss class"
        if cause is None
        else f"could not be built with them ({cause})"
    )
    return ValueError(
        f"loss={value!r} {why}, so it cannot take the parameters {params}. Pass a "
        "loss class or its name, such as 'CategoricalCrossentropy' or "
        "'categorical_crossentropy', with parameters it takes."
    )


def _loss_class(value):
    """The class of :mod:`keras.losses` a loss name stands for, or None.

    ``"categorical_crossentropy"`` and ``"CategoricalCrossentropy"`` both
    give :class:`keras.losses.CategoricalCrossentropy`.
    """
    import keras

    key = value.replace("_", "").lower()
    for attr in dir(keras.losses):
        obj = getattr(keras.losses, attr)
        if (
            attr.lower() == key
            and isinstance(obj, type)
            and issubclass(obj, keras.losses.Loss)
            and obj is not keras.losses.Loss
        ):
            return obj
    return None


def _instantiate(items, routed, name="callbacks"):
    """SciKeras' forms of callbacks and metrics, as a list of objects.

    ``items`` is one object or class, a list or a dict of them. A class is
    instantiated with the routed parameters that have no ``__`` (shared by
    all) and, in a list or dict, those routed to its position or key
    (``callbacks__0__patience``, ``callbacks__stop__patience``). Parameters
    routed to a name or an instance, or shared by items none of which is a
    class, would be lost: a TypeError says so (``name``: the parameter, for
    the message).
    """
    shared = {k: v for k, v in routed.items() if "__" not in k}

    def make(item, own):
        if isinstance(item, type):
            return item(**{**shared, **own})
        if own:
            raise TypeError(
                f"{name} item {item!r} is not a class, so it cannot take the "
                f"parameters {sorted(own)!r} routed to it; pass its class (e.g. "
                "keras.metrics.AUC) to have them applied, or an instance built "
                "with them."
            )
        return item

    def own(key):
        prefix = f"{key}__"
        return {k[len(prefix) :]: v for k, v in routed.items() if k.startswith(prefix)}

    if items is None:
        items = []
    if isinstance(items, dict):
        keyed = list(items.items())
    elif isinstance(items, (list, tuple)):
        keyed = list(enumerate(items))
    else:  # one item: no positions or keys to route to
        keyed = None
    listed = [items] if keyed is None else [item for _, item in keyed]
    if shared and not any(isinstance(item, type) for item in listed):
        raise TypeError(
            f"The parameters {sorted(f'{name}__{k}' for k in shared)!r} would "
            f"be lost: none of {name} is a class that could take them. Pass "
            "classes, or instances built with those parameters."
        )
    known = set() if keyed is None else {str(key) for key, _ in keyed}
    stray = sorted({k.split("__")[0] for k in routed if "__" in k} - known)
    if stray:
        raise TypeError(
            f"Parameters are routed to {name} items {stray!r}, which {name} does "
            f"not have (its items: {sorted(known)!r}, positions of a list or keys "
            "of a dict)."
        )
    if keyed is None:
        return [make(items, {})]
    return [make(item, own(key)) for key, item in keyed]


def _check_callbacks(callbacks):
    import keras

    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks must hold keras.callbacks.Callback instances or "
                f"subclasses, got {callback!r}. Pass one callback, a list or a dict "
                "of them; classes are instantiated with the callbacks__* parameters."
            )
    return callbacks


class WeightedKerasClassifier(BaseWeightedClassifier):
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

    The model ends in a softmax over the ``n_classes`` classes, in one
    sigmoid unit for two classes (``predict_proba`` and the weights then see
    ``[1 - p, p]``; tables stay 2 x 2), or in logits of either shape with a
    ``from_logits=True`` loss (weights are computed on the probabilities).
    Targets are encoded for the loss as SciKeras encodes them: class indices
    for a sparse loss, one 0/1 column for a one-unit output, one-hot rows
    otherwise. ``y`` holds labels, or one-hot rows; ``X`` may have any rank
    (images, sequences), and a ``feature_encoder`` may split it into the
    inputs of a multi-input model. The network is wrapped in a
    :class:`~skweighted.keras.TableWeightedModel` that receives each example's
    table row as a second input, so ``X`` stays a plain array or DataFrame.
    See :ref:`coming-from-scikeras` for what differs from SciKeras.

    Parameters
    ----------
    model : callable or keras.Model, default=None
        A function returning a Keras model (it may take ``meta``,
        ``compile_kwargs``, ``params`` (``get_params()``), constructor
        arguments of its own such as ``hidden_layer_dim=100``, and routed
        ``model__*`` parameters, which win over those, as in SciKeras),
        or a model instance (copied, with its weights and, if compiled, its
        compile settings, for each fit; the instance itself is not trained).
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
        labels of ``y``. ``classes_`` (the columns of ``predict_proba``) are
        these labels sorted, as scikit-learn's scorers expect; tables given
        as arrays are read in the order of ``classes``.
    class_weight : dict, "balanced" or None, default=None
        Multiplies the table weights (and ``sample_weight``). "balanced"
        weighs class ``i`` by ``n / (K' n_i)``, with ``K'`` the classes
        present in the fit's ``y`` (an absent class weighs 1), counting the
        examples of each fit (not their weights); ``partial_fit`` refuses it.
    optimizer : str, keras.optimizers.Optimizer or its class, default="adam"
        The optimizer; a name or class takes routed ``optimizer__*``
        parameters (e.g. ``optimizer__learning_rate``).
    loss : str, keras.losses.Loss, its class or callable, \
            default="categorical_crossentropy"
        The per-example loss that the table weights multiply: a name, a
        loss object or class, or a function ``loss(y_true, y_pred)``; a name
        of a loss class, or a class, takes routed ``loss__*`` parameters
        (e.g. ``loss__from_logits=True``).
    epochs : int, default=1
        Passes over the data per ``fit``.
    batch_size : int, default=None
        Examples per optimizer step; None is Keras' 32, -1 one batch of all
        the examples.
    verbose : int, default=0
        0 is silent; 1 and 2 show Keras' progress output.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the batches, and the initial weights of the
        layers the builder creates without a seed (see Notes). No global
        random state is changed.
    warm_start : bool, default=False
        Keep training the existing model (its weights and optimizer state)
        on the next ``fit``. That fit's tables, ``weighting``,
        ``class_weight`` and sample weights apply; the network, the optimizer
        and its learning rate stay those the model was built with.
    metrics : list, dict, str, keras.metrics.Metric or callable, default=None
        Keras metrics, one or a list or dict of them (names, functions,
        instances or classes instantiated with the
        routed ``metrics__*`` or ``metrics__<i>__*`` parameters), computed on
        the training data each epoch and kept in ``history_`` under
        SciKeras' names.
    callbacks : callback, list or dict of them, default=None
        ``keras.callbacks.Callback`` instances, or classes instantiated with
        the routed ``callbacks__*`` (all), ``callbacks__<i>__*`` (the i-th of
        a list) or ``callbacks__<key>__*`` (of a dict) parameters. A callback
        that overrides a batch hook sees every batch (see Notes).
    shuffle : bool, default=True
        Shuffle the training examples before each epoch.
    validation_split : float, default=0.0
        Fraction of the training data Keras keeps aside (the last examples) to
        report ``val_loss``.
    validation_batch_size : int, default=None
        Batch size of the validation data; None is ``batch_size``.
    run_eagerly : bool, default=False
        Run the training step eagerly (for debugging; much slower).
    **kwargs : dict
        Routed parameters, as in SciKeras: ``model__*`` (passed to the
        builder), ``fit__*`` (to ``Model.fit``), ``compile__*`` (to
        ``Model.compile``, e.g. ``compile__steps_per_execution``),
        ``optimizer__*``, ``loss__*``, ``metrics__*`` and ``callbacks__*``
        (``fit__callbacks`` adds callbacks for ``fit``). ``predict__*`` are
        accepted and unused: predictions are computed in fixed-size chunks.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted: the order of the probabilities' columns.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X``
        has feature names that are all strings.
    model_ : skweighted.keras.TableWeightedModel
        The fitted Keras model, compiled and built.
    history_ : dict
        Training history: ``loss`` and each metric, one value per epoch.
    n_iter_ : int
        Number of epochs run (over all fits when warm-starting).
    target_encoder_ : transformer
        The fitted ``target_encoder``: ``y`` to class indices, and
        probabilities to predictions.
    feature_encoder_ : transformer
        The fitted ``feature_encoder``: ``X`` to the network's inputs.
    target_type_ : str
        scikit-learn's ``type_of_target`` of the ``y`` seen in ``fit``
        ("multilabel-indicator" for one-hot rows, as in SciKeras).
    n_outputs_expected_ : int
        Outputs of the model (always 1).
    X_shape_ : tuple
        Shape of the ``X`` seen in ``fit``.
    X_dtype_ : numpy.dtype
        Dtype of the ``X`` seen in ``fit`` (after validation).
    y_dtype_ : numpy.dtype
        Dtype of the ``y`` seen in ``fit``.
    y_ndim_ : int
        Dimensions of the ``y`` seen in ``fit`` (2 for one-hot rows).
    initialized_ : bool
        Whether ``model_`` exists (after ``fit``, ``partial_fit`` or
        ``initialize``).
    example_weighted_ : bool
        Whether training received per-example weights (``sample_weight`` or
        ``sample_tables``). :class:`~skweighted.MinimumCostClassifier` reads
        it: probabilities learned with per-example weights cannot be
        corrected back to those of the unweighted problem.

    See Also
    --------
    WeightedMLPClassifier : The same with a ready multi-layer perceptron.
    skweighted.keras.TableWeightedModel : The Keras model it trains.

    Notes
    -----
    Unless the builder compiles the model itself or a callback acts on single
    batches, the model is compiled with ``steps_per_execution`` = the largest
    divisor of the batches per epoch up to 32: callbacks then see one
    ``on_train_batch_end`` per execution, so a callback that overrides a
    batch hook gets ``steps_per_execution=1`` (every batch) unless
    ``compile__steps_per_execution`` is set. The batches are shuffled from
    ``random_state`` by a stateless shuffle of (seed, epoch); with a
    ``steps_per_execution`` of your own that does not divide the batches per
    epoch, ``Model.fit`` numbers its epochs differently, so adding a callback
    then changes the shuffle.

    When a fit needs nothing of ``keras.Model.fit`` (no callbacks, no
    ``validation_split``, ``verbose=0``), its epochs run in compiled code, held-out
    ``validation_data`` included: all of
    them in one call of a traced function on TensorFlow, one jitted call per
    epoch on JAX. On TensorFlow the fitted model is exactly the one
    ``Model.fit`` gives (the same batches, steps and ``history_``), in a
    fraction of the time; passing any callback trains through ``Model.fit``.

    Seeded fits are reproducible and safe in threads. The builder, and the
    first build of the network it returns (where layers without an input
    shape create their weights), run with Python's ``random`` module seeded
    (Keras draws the seeds of unseeded layers and initializers from it),
    under a lock and with its state restored afterwards; code
    in another thread drawing from ``random`` during that build would shift
    it. Pass ``seed=`` to the builder's initializers and dropout layers to
    avoid this. When ``Model.fit`` trains (callbacks, a progress bar) with
    ``validation_split`` or ``steps_per_epoch``, Keras shuffles the batches
    itself from numpy's global generator.

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
        **BaseWeightedClassifier._parameter_constraints,
        **FIT_KWARG_CONSTRAINTS,  # epochs, batch_size (-1: one batch of all)
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
        metrics=None,
        callbacks=None,
        shuffle=True,
        validation_split=0.0,
        validation_batch_size=None,
        run_eagerly=False,
        **kwargs,
    ):
        self.model = model
        self.misclass_weights = misclass_weights
        self.weighting = weighting
        self.classes = classes
        self.class_weight = class_weight
        self.optimizer = optimizer
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.verbose = verbose
        self.random_state = random_state
        self.warm_start = warm_start
        self.metrics = metrics
        self.callbacks = callbacks
        self.shuffle = shuffle
        self.validation_split = validation_split
        self.validation_batch_size = validation_batch_size
        self.run_eagerly = run_eagerly
        vars(self).update(kwargs)  # routed parameters, e.g. model__hidden

    def _routed(self, destination):
        """The ``<destination>__*`` parameters, without the prefix."""
        prefix = destination + "__"
        return {
            name[len(prefix) :]: value
            for name, value in self.get_params(deep=False).items()
            if name.startswith(prefix)
        }

    def _legacy_build_fn(self):
        """SciKeras' former name of ``model``, if passed as ``build_fn=``."""
        return vars(self).get("build_fn")

    def _check_params(self):
        import keras

        builder = self.model if self.model is not None else self._legacy_build_fn()
        if builder is None or not (
            callable(builder) or isinstance(builder, keras.Model)
        ):
            raise TypeError(
                "model must be a function that returns a Keras model, or a "
                f"keras.Model; got {builder!r}."
            )

    def _build_network(self, meta, seed, compile_kwargs, batch_size):
        import keras

        builder = self.model if self.model is not None else self._legacy_build_fn()
        if isinstance(builder, keras.Model):
            # A copy, with the instance's weights (it may be pretrained).
            with compile_objects(builder):  # clone_model compiles the copy
                network = keras.models.clone_model(builder)
            network.set_weights(builder.get_weights())
            if builder.compiled and not network.compiled:
                compile_like(network, builder)
            return network
        params = inspect.signature(builder).parameters
        takes_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
        # As SciKeras: the user's own constructor arguments, then the
        # routed model__* ones (which win), then what the builder asks for.
        kwargs = {**self._user_params(), **self._routed("model")}
        if takes_all or "meta" in params:
            kwargs["meta"] = meta
        if takes_all or "compile_kwargs" in params:
            kwargs["compile_kwargs"] = compile_kwargs
        if takes_all or "params" in params:
            kwargs["params"] = self.get_params()
        return builder(**kwargs)

    def _user_params(self):
        """The constructor arguments that are neither parameters of this class
        nor routed (``hidden=32``): SciKeras passes them to the builder."""
        own = inspect.signature(type(self).__init__).parameters
        return {
            name: value
            for name, value in self.get_params(deep=False).items()
            if "__" not in name and name not in own and name != "build_fn"
        }

    def _compile_arguments(self, steps_per_execution):
        import keras

        kwargs = {
            "optimizer": _keras_object(
                "optimizer", self.optimizer, self._routed("optimizer"), keras.optimizers
            ),
            "loss": _keras_object(
                "loss",
                self.loss or "categorical_crossentropy",
                self._routed("loss"),
                keras.losses,
            ),
            "steps_per_execution": steps_per_execution,
        }
        if getattr(self, "metrics", None):
            kwargs["metrics"] = _instantiate(
                self.metrics, self._routed("metrics"), "metrics"
            )
        if getattr(self, "run_eagerly", False):
            kwargs["run_eagerly"] = True
        kwargs.update(self._routed("compile"))
        return kwargs

    def _training_callbacks(self, fit_kwargs, *, validation):
        return _check_callbacks(
            _instantiate(getattr(self, "callbacks", None), self._routed("callbacks"))
            + _instantiate(
                fit_kwargs.pop("callbacks", None),
                self._routed("fit__callbacks"),
                "fit__callbacks",
            )
        )

    def _model_fit_params(self):
        params = {
            "batch_size": self.batch_size,
            "verbose": self.verbose,
            "shuffle": getattr(self, "shuffle", True),
        }
        if getattr(self, "validation_split", 0.0):
            params["validation_split"] = self.validation_split
        if getattr(self, "validation_batch_size", None):
            params["validation_batch_size"] = self.validation_batch_size
        params.update({k: v for k, v in self._routed("fit").items() if "__" not in k})
        return params


class WeightedMLPClassifier(BaseWeightedClassifier):
    """Multi-layer perceptron trained with a misclassification-weighted loss.

    A ready Keras MLP whose hyperparameters mirror those of scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier` (``optimizer`` is its
    ``solver``, ``learning_rate`` its ``learning_rate_init``, ``epochs`` its
    ``max_iter``), trained with
    ``loss_k = W_k[i, j] * crossentropy(y_true_k, y_pred_k)`` (see
    :class:`WeightedKerasClassifier`).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden activation: any Keras activation name (e.g. "relu", "tanh"),
        or MLPClassifier's "identity" and "logistic" (Keras' "linear" and
        "sigmoid").
    alpha : float, default=1e-4
        L2 penalty with scikit-learn's scaling: ``0.5 * alpha * ||W||^2``
        divided by the batch size (at most the training examples, as
        scikit-learn clips it) is added to each batch's loss. The factor is
        fixed when the network is built: a network built by ``partial_fit``
        or ``initialize`` keeps ``batch_size`` as it is (scikit-learn's
        ``partial_fit`` clips it to each call's data).
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    optimizer : str, default="adam"
        Keras optimizer name (e.g. "adam", "sgd", "rmsprop", in any case, or a
        name registered with Keras), built from ``learning_rate`` alone;
        MLPClassifier's ``solver``, with Keras' defaults: "sgd" has no momentum
        (MLPClassifier's uses Nesterov momentum 0.9) and Adam's epsilon is 1e-7
        (1e-8).
    learning_rate : float, default=1e-3
        The optimizer's learning rate (MLPClassifier's ``learning_rate_init``).
    batch_size : int, default=200
        Examples per optimizer step.
    epochs : int, default=200
        Maximum number of passes over the data (MLPClassifier's ``max_iter``).
    early_stopping : "auto" or bool, default="auto"
        If True, stop when the weighted validation loss on a
        ``validation_fraction`` of the data (stratified when every class has
        at least 2 examples) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the best weights. If False,
        training stops when the training loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs. Both follow Keras' ``EarlyStopping``
        rule: an epoch improves when its loss is below the best one by more
        than ``tol``, and training stops after ``n_iter_no_change`` epochs
        without improvement (MLPClassifier compares with its lowest loss so
        far and stops one epoch later). When all ``epochs`` run without
        stopping, a ``ConvergenceWarning`` says so, as MLPClassifier's does.
        "auto" is True
        when there are more than 10,000 training examples (the rule of
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`): trained
        to the end, the network grows over-confident, and decisions made
        from its probabilities suffer (see the user guide's "From costs to
        decisions"). ``partial_fit`` trains on all the data it is given and
        never stops early, as in MLPClassifier.
    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping (only
        used when early stopping is on: ``True``, or ``"auto"`` with more
        than 10,000 training examples); it must leave at least one example
        on each side, and one per class on each side when the split is
        stratified.
    n_iter_no_change : int, default=10
        Patience, in epochs.
    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an improvement.
    misclass_weights : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        Global weight table, rows = true class, columns = predicted class
        (see :class:`WeightedKerasClassifier`).
    weighting : {"argmax", "expected"}, default="argmax"
        How a table row becomes a weight.
    classes : array-like of shape (K,), default=None
        The full label set and the order of the tables' rows and columns.
        ``classes_`` (the columns of ``predict_proba``) are these labels
        sorted, as scikit-learn's scorers expect; tables given as arrays are
        read in the order of ``classes``.
    class_weight : dict, "balanced" or None, default=None
        Multiplies the table weights (and ``sample_weight``). "balanced"
        weighs class ``i`` by ``n / (K' n_i)``, with ``K'`` the classes
        present in the fit's ``y`` (an absent class weighs 1), counting the
        examples of each fit (not their weights); ``partial_fit`` refuses it.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout, the shuffling and the validation
        split. Seeds are passed to each layer: no global random state is
        read or changed, and seeded fits in threads give exactly the results
        of sequential fits.
    verbose : int, default=0
        0 is silent; 1 and 2 show Keras' progress output.
    warm_start : bool, default=False
        Keep training the existing model (its weights and optimizer state)
        on the next ``fit``. That fit's tables, ``weighting``,
        ``class_weight`` and sample weights apply; the network, the optimizer
        and its learning rate stay those the model was built with (also
        ``alpha``, fixed in the network), and a warm fit after a change of
        those parameters warns that it does not apply it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted: the order of the probabilities' columns.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X``
        has feature names that are all strings.
    model_ : skweighted.keras.TableWeightedModel
        The fitted Keras model, compiled and built.
    history_ : dict
        Training history: ``loss`` (and ``val_loss`` with early stopping),
        one value per epoch.
    n_iter_ : int
        Number of epochs run (over all fits when warm-starting).
    target_encoder_ : transformer
        The fitted ``target_encoder``: ``y`` to class indices, and
        probabilities to predictions.
    feature_encoder_ : transformer
        The fitted ``feature_encoder`` (the identity unless overridden).
    target_type_ : str
        scikit-learn's ``type_of_target`` of the ``y`` seen in ``fit``.
    n_outputs_expected_ : int
        Outputs of the model (always 1).
    X_shape_ : tuple
        Shape of the ``X`` seen in ``fit``.
    X_dtype_ : numpy.dtype
        Dtype of the ``X`` seen in ``fit`` (after validation).
    y_dtype_ : numpy.dtype
        Dtype of the ``y`` seen in ``fit``.
    y_ndim_ : int
        Dimensions of the ``y`` seen in ``fit`` (2 for one-hot rows).
    initialized_ : bool
        Whether ``model_`` exists (after ``fit``, ``partial_fit`` or
        ``initialize``).
    example_weighted_ : bool
        Whether training received per-example weights (``sample_weight`` or
        ``sample_tables``). :class:`~skweighted.MinimumCostClassifier` reads
        it: probabilities learned with per-example weights cannot be
        corrected back to those of the unweighted problem.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The unweighted scikit-learn MLP.
    WeightedKerasClassifier : The same weighting for any Keras model.

    Notes
    -----
    Repeated fits of one configuration reuse a compiled model, so that only
    the first one traces the training step; see
    :func:`skweighted.set_model_reuse` to turn this off. The fitted
    estimator is the same either way. Without callbacks (and with
    ``verbose=0``), a fit's epochs run in compiled code (all in one call on
    TensorFlow, one call per epoch on JAX), with the held-out loss and the
    stopping rule evaluated between epochs and the best epoch's weights
    restored as ``keras.callbacks.EarlyStopping`` does; on TensorFlow the
    result is exactly that of ``keras.Model.fit``, in a fraction of the time.

    Each batch's loss is the weighted sum of its examples' losses divided by
    the batch's size, as Keras computes it (MLPClassifier divides by the sum
    of the weights). The minimum is the same, but scaling every weight by
    ``c`` scales the gradient by ``c``: with ``optimizer="sgd"`` that is a
    ``c`` times larger step (Adam is nearly unaffected). Weights that
    average 1 (:func:`~skweighted.cost_proportionate_weights` normalises
    them so) keep the step size of the unweighted problem.

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
        **BaseWeightedClassifier._parameter_constraints,
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [str],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "weighting": [StrOptions({"argmax", "expected"})],
    }

    _allow_nd = False  # a multi-layer perceptron takes 2-D X

    # Parameters are exactly those of __init__, as for scikit-learn's own
    # estimators (SciKeras reads them from the instance's attributes).
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    set_params = BaseEstimator.set_params

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
        early_stopping="auto",
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

    def _hidden_sizes(self):
        from .keras._mlp import check_hidden_layer_sizes

        return check_hidden_layer_sizes(self.hidden_layer_sizes)

    def _optimizer_class(self):
        """The Keras optimizer class that ``optimizer`` names, without building one.

        Found as ``keras.optimizers.get`` finds it: a built-in name in any
        case, or a name registered with Keras. Parameter checks run before
        any TensorFlow code, and an optimizer built only to check its name
        would create variables.
        """
        import keras

        built_in = {
            cls.__name__.lower(): cls
            for cls in vars(keras.optimizers).values()
            if isinstance(cls, type) and issubclass(cls, keras.optimizers.Optimizer)
        }
        name = self.optimizer
        if name.lower() in built_in:
            name = name.lower()
        found = keras.saving.get_registered_object(name) or built_in.get(name)
        if not (
            isinstance(found, type) and issubclass(found, keras.optimizers.Optimizer)
        ):
            raise ValueError(
                f"optimizer={self.optimizer!r} is not a Keras optimizer name; use "
                "e.g. 'adam', 'sgd' or 'rmsprop'."
            )
        required = [
            p.name
            for p in inspect.signature(found).parameters.values()
            if p.default is p.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name != "learning_rate"
        ]
        if required:  # e.g. an optimizer that wraps another one
            raise ValueError(
                f"optimizer={self.optimizer!r} needs {', '.join(required)}, and "
                f"{type(self).__name__} builds its optimizer from learning_rate "
                "alone; use e.g. 'adam', 'sgd' or 'rmsprop', or give "
                "WeightedKerasClassifier a compiled model."
            )
        return found

    def _optimizer(self):
        return self._optimizer_class().from_config(
            {"learning_rate": self.learning_rate}
        )

    def _check_params(self):
        import keras

        self._hidden_sizes()
        try:
            keras.activations.get(self._activation())
        except (ValueError, TypeError):
            raise ValueError(
                f"activation={self.activation!r} is not a Keras activation name; use "
                "e.g. 'relu', 'tanh' or 'sigmoid'."
            ) from None
        self._optimizer_class()

    def _build_network(self, meta, seed, compile_kwargs, batch_size):
        from .keras import build_mlp

        return build_mlp(
            meta["n_features_in_"],
            meta["n_classes_"],
            hidden_layer_sizes=self._hidden_sizes(),
            activation=self._activation(),
            l2=self._l2(batch_size),
            dropout=self.dropout,
            seed=fresh_seed() if seed is None else seed,  # Python's random untouched
        )

    def _built_config(self):
        return {
            "hidden_layer_sizes": self._hidden_sizes(),
            "activation": self._activation(),
            "dropout": float(self.dropout),
            "alpha": float(self.alpha),
            "optimizer": self.optimizer.lower(),
            "learning_rate": float(self.learning_rate),
        }

    def _activation(self):
        """The Keras name of ``activation`` (MLPClassifier's names included)."""
        return _SKLEARN_ACTIVATIONS.get(self.activation, self.activation)

    def _l2(self, batch_size):
        """The Keras L2 factor: scikit-learn's ``0.5 * alpha * ||W||^2`` over
        the examples of a full batch (``batch_size``, which a fit clips to
        its training examples)."""
        return 0.5 * float(self.alpha) / batch_size

    def _compile_arguments(self, steps_per_execution):
        return {
            "optimizer": self._optimizer(),
            "loss": "categorical_crossentropy",
            "steps_per_execution": steps_per_execution,
        }

    def _training_callbacks(self, fit_kwargs, *, validation):
        # fit(X, y, callbacks=...): one callback, a list or a dict of them
        return _check_callbacks(_instantiate(fit_kwargs.pop("callbacks", None), {}))

    def _stopping_rule(self, validation):
        held_out = validation is not None
        return Stopping(
            monitor="val_loss" if held_out else "loss",
            patience=self.n_iter_no_change,
            min_delta=self.tol,
            restore_best_weights=held_out,
        )

    def _stops_early(self, n_samples):
        if self.early_stopping == "auto":
            return n_samples > _AUTO_EARLY_STOPPING_SAMPLES
        return bool(self.early_stopping)

    def _model_fit_params(self):
        return {"batch_size": self.batch_size, "verbose": self.verbose}

    def _split_validation(self, data, seed):
        from sklearn.model_selection import train_test_split

        n = data.n_samples
        n_val = math.ceil(self.validation_fraction * n)
        counts = np.bincount(data.y_idx)
        present = int((counts > 0).sum())
        stratify = data.y_idx if counts[counts > 0].min() >= 2 else None
        needed = present if stratify is not None else 1
        if n_val < needed or n - n_val < needed:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} sets aside {n_val} "
                f"of the {n} training examples for early stopping, which needs at "
                f"least {needed} (one per class) on each side: choose "
                f"validation_fraction between {needed / n:.3g} and "
                f"{1 - needed / n:.3g}, or set early_stopping=False."
            )
        train, val = train_test_split(
            np.arange(n),
            test_size=n_val,
            stratify=stratify,
            random_state=fresh_seed() if seed is None else seed,
        )
        return data.subset(train), data.subset(val)

    def _reuse_key(self, data, steps_per_execution, batch_size):
        import keras

        if self.optimizer.lower() not in _ZERO_STATE_OPTIMIZERS:
            return None
        if _model_reuse.in_distribution_scope():
            return None  # the model belongs to the user's strategy
        return (
            type(self),
            keras.config.dtype_policy().name,  # what new layers compute in
            data.X.shape[1],
            data.n_classes,
            self._hidden_sizes(),
            self.activation,
            self._l2(batch_size),
            float(self.dropout),
            self.optimizer.lower(),
            float(self.learning_rate),
            steps_per_execution,
            self.weighting,
        )
