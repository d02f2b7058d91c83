"""The training data of one fit: its encoding, pipeline and steps policy.

:class:`FitData` carries the validated arrays through ``fit``.
:func:`target_encoding` and :func:`encode_targets` are the one place where
class indices become the targets the compiled loss takes (one-hot, sparse
or one binary column, as SciKeras encodes them); the model's outputs become
class probabilities in :func:`skweighted.keras.class_probabilities`, for the
table weights and for ``predict_proba`` alike. :func:`steps_per_execution` decides how many optimizer steps
one call of the traced train function runs, and :func:`model_fit_data` what
``keras.Model.fit`` is fed.
"""

import functools
from dataclasses import dataclass, replace

import keras
import numpy as np

from .keras._model import FEATURES, ROWS

#: At most this many optimizer steps per call of the traced train function:
#: the same updates with less per-step overhead (see the benchmarks).
MAX_STEPS_PER_EXECUTION = 32
#: Shuffled epochs of training data up to this size (all arrays together)
#: are gathered whole, then cut into batches: one gather per epoch instead of
#: one per batch, which cuts a small fit's training time by about a fifth;
#: larger data keep the per-batch gathers (no gain measured there, and no
#: extra copy of the data).
EPOCH_GATHER_MAX_BYTES = 4 * 2**20
#: Keras' default batch size.
DEFAULT_BATCH_SIZE = 32
_BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
)


#: How the targets are encoded for the compiled loss: one-hot rows, class
#: indices (a sparse loss), or one 0/1 column (a one-unit binary output).
ENCODINGS = ("onehot", "sparse", "binary")


def _loss_chain(loss):
    """The loss, what each ``functools.partial`` in it wraps, then the same
    for the function a ``LossFunctionWrapper`` wraps, in that order."""
    for obj in (loss, getattr(loss, "fn", None)):
        while obj is not None:
            yield obj
            obj = obj.func if isinstance(obj, functools.partial) else None


def loss_name(loss):
    """A lower-case name of a Keras loss given as a name, object or function.

    For an object, the names of its classes (a subclass of a Keras loss
    keeps that loss' name) and of the function a ``LossFunctionWrapper``
    wraps; for a function, method or ``tf.function``, its ``__name__``;
    ``functools.partial`` is unwrapped. Not the loss' ``name``, which is the
    user's to choose.
    """
    if isinstance(loss, str):
        return loss.lower()
    names = []
    for obj in _loss_chain(loss):
        if isinstance(obj, functools.partial):
            continue
        name = getattr(obj, "__name__", None)
        if isinstance(name, str):  # a function, method or tf.function
            names.append(name)
        else:
            names += [c.__name__ for c in type(obj).__mro__ if c is not object]
    return " ".join(names).lower()


def loss_from_logits(loss):
    """Whether a compiled Keras loss takes logits (``from_logits=True``).

    Read from a loss object's config, from the keywords of a
    ``functools.partial``, and from the function a ``LossFunctionWrapper``
    wraps.
    """
    for obj in _loss_chain(loss):
        if isinstance(obj, functools.partial):
            if "from_logits" in obj.keywords:
                return bool(obj.keywords["from_logits"])
            continue
        if isinstance(obj, str) or not hasattr(obj, "get_config"):
            continue
        try:
            config = obj.get_config()
        except (TypeError, ValueError, NotImplementedError):  # e.g. a partial inside
            continue
        if "from_logits" in config:
            return bool(config["from_logits"])
    return False


def target_encoding(loss, n_outputs):
    """How the targets are encoded for ``loss`` and a network of ``n_outputs`` units.

    Parameters
    ----------
    loss : str, keras.losses.Loss, callable or None
        The compiled loss.
    n_outputs : int
        Units of the network's output: the number of classes, or 1 for one
        sigmoid (or logit) unit with two classes.

    Returns
    -------
    encoding : {"onehot", "sparse", "binary"}
        "sparse" for a sparse loss (class indices), "binary" for a one-unit
        output (a 0/1 column), "onehot" otherwise, as SciKeras encodes them.

    Raises
    ------
    ValueError
        For a one-unit output with one of Keras' (non-sparse) categorical
        losses, which would be 0 whatever the model predicts.
    """
    name = loss_name(loss)
    if "sparse" in name:
        return "sparse"
    if n_outputs == 1:
        if _is_keras_categorical(loss):
            raise ValueError(
                f"The model ends in one unit but its loss is {name!r}, which is 0 "
                "for a single unit: with one sigmoid (or logit) unit use "
                "loss='binary_crossentropy' (from_logits=True for a logit), or "
                "end the model in a softmax over meta['n_classes_'] units."
            )
        return "binary"
    return "onehot"


def _is_keras_categorical(loss):
    """Whether ``loss`` is one of Keras' categorical losses, or extends one.

    Read from what the loss is (a Keras loss class, or the function a
    ``LossFunctionWrapper`` or ``functools.partial`` wraps; a name is first
    resolved by ``keras.losses.get``), not from its name: a user's own loss
    whose name says "categorical" decides by itself what one unit means.
    """
    import keras

    losses = keras.losses
    classes = (
        losses.CategoricalCrossentropy,
        losses.CategoricalFocalCrossentropy,
        losses.CategoricalHinge,
    )
    functions = (
        losses.categorical_crossentropy,
        losses.categorical_focal_crossentropy,
        losses.categorical_hinge,
    )
    if isinstance(loss, str):
        try:
            loss = losses.get(loss)
        except (ValueError, TypeError):  # not a Keras name: compiling says so
            return False
    return any(
        isinstance(obj, classes) or any(obj is f for f in functions)
        for obj in _loss_chain(loss)
    )


def encode_targets(y_idx, n_classes, encoding="onehot"):
    """The targets the compiled loss receives, float32.

    Parameters
    ----------
    y_idx : ndarray of shape (n_samples,)
        Index of each example's class.
    n_classes : int
        Number of classes K.
    encoding : {"onehot", "sparse", "binary"}, default="onehot"
        One-hot rows, or the class index as one column (a sparse loss, or
        the 0/1 target of a one-unit binary output).

    Returns
    -------
    targets : ndarray of shape (n_samples, n_classes) or (n_samples, 1)
    """
    if encoding == "onehot":
        return np.eye(n_classes, dtype=np.float32)[y_idx]
    return np.asarray(y_idx, dtype=np.float32).reshape(-1, 1)


def probabilities(output, n_classes, from_logits=False):
    """Class probabilities from the network's output, float64.

    Parameters
    ----------
    output : ndarray of shape (n_samples, n_classes) or (n_samples, 1)
        What the network returns: K units, or one unit for two classes.
    n_classes : int
        Number of classes K.
    from_logits : bool, default=False
        Whether the output holds logits.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
        Rows summing to 1 in float64 (the network's float32 probabilities,
        divided by their sum), as scikit-learn's metrics expect.

    Raises
    ------
    ValueError
        If the output has the wrong width, or holds values that are not
        probabilities (a linear output read without ``from_logits``).
    """
    from keras import ops

    from .keras import class_probabilities

    width = output.shape[1] if output.ndim == 2 else None
    if width != n_classes and not (width == 1 and n_classes == 2):
        raise ValueError(
            f"The model outputs shape {output.shape[1:]} but there are {n_classes} "
            f"classes: build a model that ends in {n_classes} units (or one "
            "sigmoid unit for two classes)."
        )
    proba = class_probabilities(ops.convert_to_tensor(output), from_logits)
    proba = ops.convert_to_numpy(proba).astype(np.float64)
    if (proba < 0).any():
        raise ValueError(
            "The model outputs values that are not probabilities (below 0, or "
            "above 1 for one unit): end the network in a softmax (or one sigmoid "
            "unit), or, if it outputs logits, give the loss from_logits=True."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        return proba / proba.sum(axis=1, keepdims=True)


def map_features(fn, features):
    """Apply ``fn`` to each array of ``features`` (an array, list or dict)."""
    if isinstance(features, dict):
        return {key: fn(value) for key, value in features.items()}
    if isinstance(features, (list, tuple)):
        return type(features)(fn(value) for value in features)
    return fn(features)


def first_array(features):
    """The first array of ``features`` (an array, list or dict)."""
    if isinstance(features, dict):
        return first_array(next(iter(features.values())))
    if isinstance(features, (list, tuple)):
        return first_array(features[0])
    return features


@dataclass(frozen=True)
class FitData:
    """The validated training data of one fit, as the model sees it.

    Attributes
    ----------
    X : ndarray of shape (n_samples, ...), float32, or a list or dict of them
        Features, as the network takes them (after the feature encoder).
    y_idx : ndarray of shape (n_samples,)
        Index of each example's class in ``classes``.
    classes : ndarray of shape (n_classes,)
        The label set, in the order of the tables' rows and columns.
    rows : ndarray of shape (n_samples, n_classes) or (n_classes, n_classes) or None
        The table rows the examples are weighted by (float32): each
        example's row of its table for its true class, or with
        ``rows_by_class`` a global table, whose row ``y_idx[k]`` is example
        k's. None trains with the plain loss.
    rows_by_class : bool
        Whether ``rows`` is a global table, read by the class index.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-example weights (``sample_weight`` times ``class_weight``).
    encoding : {"onehot", "sparse", "binary"}
        How :attr:`targets` are encoded for the compiled loss.
    """

    X: np.ndarray | list | dict
    y_idx: np.ndarray
    classes: np.ndarray
    rows: np.ndarray | None = None
    rows_by_class: bool = False
    sample_weight: np.ndarray | None = None
    encoding: str = "onehot"

    @property
    def n_samples(self):
        return first_array(self.X).shape[0]

    @property
    def n_classes(self):
        return len(self.classes)

    @property
    def inputs(self):
        """The model's ``x``: the features and, when weighted, the rows."""
        if self.rows is None:
            return {FEATURES: self._features}
        return {FEATURES: self._features, ROWS: self.example_rows}

    @property
    def _features(self):
        # tf.data reads a list as one tensor: several inputs travel as a tuple.
        return tuple(self.X) if isinstance(self.X, list) else self.X

    @property
    def example_rows(self):
        """Each example's row, shape (n_samples, n_classes), or None."""
        if self.rows is None or not self.rows_by_class:
            return self.rows
        return self.rows[self.y_idx]

    @property
    def targets(self):
        return encode_targets(self.y_idx, self.n_classes, self.encoding)

    def subset(self, idx):
        """The same data restricted to the examples ``idx``."""

        def take(a):
            return None if a is None else a[idx]

        return replace(
            self,
            X=map_features(lambda a: a[idx], self.X),
            y_idx=self.y_idx[idx],
            rows=self.rows if self.rows_by_class else take(self.rows),
            sample_weight=take(self.sample_weight),
        )

    def arrays(self):
        """``(x, y, sample_weight)`` for ``keras.Model.fit``."""
        return self.inputs, self.targets, self.sample_weight

    @property
    def one_hot(self):
        """K when the targets are one-hot rows, None otherwise."""
        return self.n_classes if self.encoding == "onehot" else None

    def loop_arrays(self):
        """``(x, y, sample_weight)`` for :class:`~skweighted._train_loop.EpochLoop`.

        As :meth:`arrays`, but where the model takes K numbers per example
        that one number or none determines, a batch carries that instead and
        the loop expands it in each step:

        - one-hot targets travel as their class indices (int32), expanded
          with the loop's ``one_hot=`` :attr:`one_hot`;
        - a global table (``rows_by_class``) does not travel with the
          batches: the loop looks each example's row up in its
          ``rows_table=`` :attr:`loop_rows_table` from the class index.
        """
        x = {FEATURES: self._features}
        if self.rows is not None and not self.rows_by_class:
            x[ROWS] = self.rows
        y = self.targets if self.one_hot is None else self.y_idx.astype(np.int32)
        return x, y, self.sample_weight

    @property
    def loop_rows_table(self):
        """The global table the loop reads each example's row from, or None
        when :meth:`loop_arrays` carries the rows (or there are none)."""
        return self.rows if self.rows_by_class else None


def callbacks_need_batches(callbacks):
    """Whether any callback acts on single training batches.

    A callback that overrides a training-batch hook must be called after
    every batch, which rules out running several steps per call.

    Parameters
    ----------
    callbacks : list of keras.callbacks.Callback
        The user's callbacks.

    Returns
    -------
    bool
    """
    import keras

    base = keras.callbacks.Callback
    return any(
        getattr(type(callback), hook, None) is not getattr(base, hook)
        for callback in callbacks
        for hook in _BATCH_HOOKS
    )


def epoch_steps(n_samples, batch_size):
    """Optimizer steps in one epoch: ``ceil(n_samples / batch_size)``."""
    return -(-n_samples // batch_size)


def steps_per_execution(n_steps, callbacks):
    """Optimizer steps per call of the traced train function.

    1 when a callback needs every batch; otherwise the largest divisor of
    the epoch's steps up to :data:`MAX_STEPS_PER_EXECUTION`, so that an
    epoch is a whole number of calls: ``Model.fit`` is then fed the one
    repeated pipeline of :func:`epoch_batches`, whose epochs are shuffled
    exactly as in the one-call training of ``_train_loop``.

    Parameters
    ----------
    n_steps : int
        Steps in one epoch.
    callbacks : list of keras.callbacks.Callback
        The user's callbacks.

    Returns
    -------
    int
    """
    if callbacks_need_batches(callbacks):
        return 1
    return max(
        d
        for d in range(1, min(MAX_STEPS_PER_EXECUTION, n_steps) + 1)
        if n_steps % d == 0
    )


def epoch_batches(arrays, batch_size, seed=None, *, mode="repeated", gather="auto"):
    """A tf.data pipeline of the batches of ``arrays``.

    Each epoch's order is a stateless shuffle of (seed, epoch number), so it
    depends on no global random state and not on how many iterators Keras
    makes; seed None keeps the order.

    Parameters
    ----------
    arrays : tuple
        Arrays or dicts of arrays of equal length (None entries are dropped).
    batch_size : int
        Examples per batch (the last batch of an epoch may be smaller).
    seed : int, default=None
        Shuffle seed; None does not shuffle.
    mode : {"repeated", "epoch"}, default="repeated"
        "repeated": every epoch, one after the other, in one endless pipeline
        (iterate it once per fit, with ``steps_per_epoch``). "epoch": one
        epoch per iteration, the next epoch of the same sequence for each new
        iterator.
    gather : {"auto", "epoch", "batch"}, default="auto"
        How a shuffled epoch is assembled: "epoch" gathers the whole epoch in
        its new order at once, then slices it into batches (fastest: one
        gather per epoch instead of one per batch, at the price of one copy
        of the data); "batch" gathers each batch on its own. "auto" gathers
        whole epochs when the arrays take at most
        :data:`EPOCH_GATHER_MAX_BYTES`. The batches are the same either way.

    Returns
    -------
    dataset : tf.data.Dataset
    """
    import tensorflow as tf

    kept = tuple(a for a in arrays if a is not None)
    if gather == "auto":
        size = sum(np.asarray(a).nbytes for a in tf.nest.flatten(kept))
        gather = "epoch" if size <= EPOCH_GATHER_MAX_BYTES else "batch"
    data = tf.nest.map_structure(tf.convert_to_tensor, kept)
    n = len(tf.nest.flatten(data)[0])
    steps = epoch_steps(n, batch_size)

    if seed is None:
        batches = tf.data.Dataset.from_tensor_slices(data).batch(batch_size)
        return batches.repeat() if mode == "repeated" else batches

    # Plain graph code: skipping autograph's conversion makes tracing cheaper.
    @tf.autograph.experimental.do_not_convert
    def take(idx):
        return tf.nest.map_structure(lambda a: tf.gather(a, idx), data)

    @tf.autograph.experimental.do_not_convert
    def epoch(number):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n), seed=tf.stack([tf.constant(seed, tf.int64), number])
        )
        # Whole examples in the new order, or their indices (gathered later).
        elements = take(order) if gather == "epoch" else order
        return tf.data.Dataset.from_tensor_slices(elements).batch(batch_size)

    if mode == "repeated":
        # Epoch numbers 0, 1, 2, ... (a range: no function to trace, unlike
        # Dataset.counter).
        numbers = tf.data.Dataset.range(np.iinfo(np.int64).max)
    else:
        # The next epoch number for each new iterator (0, 1, 2, ... as in
        # "repeated"), counted by this pipeline's own variable: a random
        # draw in tf.data would mix in TensorFlow's global seed.
        count = tf.Variable(-1, dtype=tf.int64, trainable=False)
        numbers = tf.data.Dataset.range(1).map(
            tf.autograph.experimental.do_not_convert(lambda _: count.assign_add(1))
        )
    batches = numbers.flat_map(epoch)
    if gather == "batch":
        batches = batches.map(take)
    if mode == "repeated":
        return batches
    return batches.apply(tf.data.experimental.assert_cardinality(steps))


def epoch_order(n_samples, seed, epoch):
    """The order of the examples in an epoch of the ``Model.fit`` path off
    TensorFlow: a permutation drawn from (seed, epoch), no global state; seed
    None keeps the order."""
    if seed is None:
        return np.arange(n_samples)
    return np.random.default_rng([seed, epoch]).permutation(n_samples)


class SeededBatches(keras.utils.PyDataset):
    """The batches of ``arrays``, each epoch in the order of :func:`epoch_order`.

    What ``keras.Model.fit`` is fed off TensorFlow, where Keras would shuffle
    arrays with numpy's global random state: the epochs of a seeded fit are
    the same from one fit to the next, and no global state is read.

    Parameters
    ----------
    arrays : tuple
        ``(x, y)`` or ``(x, y, sample_weight)``; ``x`` an array or a dict,
        tuple or list of arrays, all of the same length.
    batch_size : int
        Examples per batch (the last one may be smaller).
    seed : int or None
        Shuffle seed; None keeps the order.
    """

    def __init__(self, arrays, batch_size, seed):
        super().__init__()
        self.arrays = tuple(arrays)
        self.batch_size = batch_size
        self.seed = seed
        self.n_samples = len(keras.tree.flatten(self.arrays)[0])
        self.epoch = 0
        self._order = epoch_order(self.n_samples, seed, 0)

    def __len__(self):
        return epoch_steps(self.n_samples, self.batch_size)

    def __getitem__(self, index):
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        return keras.tree.map_structure(lambda a: a[rows], self.arrays)

    def on_epoch_end(self):
        self.epoch += 1
        self._order = epoch_order(self.n_samples, self.seed, self.epoch)


def model_fit_data(data, *, batch_size, seed, steps_per_execution, fit_kwargs):
    """What ``keras.Model.fit`` is fed: ``(x, y, sample_weight, kwargs)``.

    On TensorFlow the batches come from :func:`epoch_batches`, shuffled from
    the fit's seed. An epoch that is a whole number of train-function calls
    is fed from one repeated pipeline, iterated once per fit (Keras would
    otherwise make two new iterators per epoch, most of a small fit's time);
    other epochs from a pipeline iterated once per epoch. On other backends
    they come from :class:`SeededBatches`, shuffled from the same seed. Keras'
    own array pipeline (shuffled from numpy's global random state) is kept
    only where the user asks for it (``steps_per_epoch``,
    ``validation_split``).

    Parameters
    ----------
    data : FitData
        The training data.
    batch_size : int
        Examples per batch.
    seed : int or None
        Shuffle seed; None does not shuffle.
    steps_per_execution : int
        Steps per train-function call of the compiled model.
    fit_kwargs : dict
        The other ``Model.fit`` arguments (``validation_data`` as a FitData).

    Returns
    -------
    x, y, sample_weight, kwargs
    """
    import keras

    kwargs = dict(fit_kwargs)
    validation = kwargs.pop("validation_data", None)
    if "steps_per_epoch" in kwargs or kwargs.get("validation_split"):
        if validation is not None:
            kwargs["validation_data"] = validation.arrays()
        return (
            *data.arrays(),
            {**kwargs, "batch_size": batch_size, "shuffle": seed is not None},
        )
    if keras.backend.backend() != "tensorflow":
        if validation is not None:  # Keras' default batch would be 32
            kwargs["validation_data"] = validation.arrays()
            kwargs["validation_batch_size"] = (
                kwargs.get("validation_batch_size") or batch_size
            )
        present = tuple(a for a in data.arrays() if a is not None)
        batches = SeededBatches(present, batch_size, seed)
        return batches, None, None, {**kwargs, "shuffle": False}
    steps = epoch_steps(data.n_samples, batch_size)
    if steps % steps_per_execution == 0:
        train = epoch_batches(data.arrays(), batch_size, seed, mode="repeated")
        kwargs["steps_per_epoch"] = steps
    else:
        train = epoch_batches(data.arrays(), batch_size, seed, mode="epoch")
    if validation is not None:
        kwargs["validation_data"] = epoch_batches(
            validation.arrays(),
            kwargs.pop("validation_batch_size", None) or batch_size,
            mode="epoch",
        )
    kwargs.pop("validation_batch_size", None)
    return train, None, None, {**kwargs, "shuffle": False}
