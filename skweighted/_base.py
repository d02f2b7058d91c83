"""The base of the estimators: parameters, validation and the fit path.

Reading order of one ``fit``:

1. :meth:`BaseWeightedClassifier._check_data` validates everything the
   caller passed (no Keras code runs, nothing is modified) into a
   :class:`~skweighted._fit_data.FitData`;
2. :meth:`BaseWeightedClassifier._new_model` builds the network, checks
   its output, wraps it in a :class:`~skweighted.keras.TableWeightedModel`
   and compiles it (or reuses a compiled one, see ``_model_reuse``);
3. it is trained: all epochs in one traced call
   (:class:`~skweighted._train_loop.EpochLoop`) when the fit needs nothing
   of ``keras.Model.fit`` (no callbacks of the user's, no validation data,
   no progress bar), ``keras.Model.fit`` on the data of
   :func:`~skweighted._fit_data.model_fit_data` otherwise; both take the
   same steps on the same batches;
4. only then are the fitted attributes set.

A concrete estimator says how its network is built and compiled, which
callbacks, stopping rule and validation data it trains with, and whether
its compiled model may be reused.
"""

import functools
import inspect
import logging
import threading
import warnings
from collections import deque
from contextlib import contextmanager
from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _model_reuse
from ._fit_data import (
    DEFAULT_BATCH_SIZE,
    FitData,
    epoch_steps,
    loss_from_logits,
    map_features,
    model_fit_data,
    probabilities,
    steps_per_execution,
    target_encoding,
)
from ._parallel import limit_backend_threads
from ._seam import (
    Interval,
    KerasClassifier,
    Options,
    StrOptions,
    check_sample_weight,
    fit_context,
    metric_name,
    validate_parameter_constraints,
)
from ._seeding import fit_seed, fresh_seed, seeded_build
from ._tables import (
    balanced_class_weights,
    check_cost_table,
    check_distinct,
    class_order,
    label_indices,
    label_positions,
    table_rows,
)
from ._targets import ClassTargetEncoder
from ._train_loop import EpochLoop, trains_in_one_call

_PREDICT_CHUNK = 1024
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class _QuietThreads(logging.Filter):
    """Drop TensorFlow's warnings (retracing) from threads in a quiet fit."""

    def __init__(self):
        super().__init__()
        self.threads = {}
        self.lock = threading.Lock()

    def filter(self, record):
        return record.levelno >= logging.ERROR or record.thread not in self.threads


_QUIET = _QuietThreads()


@contextmanager
def _quiet(verbose):
    """Silence TensorFlow's Python warnings raised by this thread, unless verbose.

    Other threads' messages and the logger's settings are left alone.
    """
    if verbose:
        yield
        return
    logger = logging.getLogger("tensorflow")
    me = threading.get_ident()
    with _QUIET.lock:
        if not _QUIET.threads:
            logger.addFilter(_QUIET)
        _QUIET.threads[me] = _QUIET.threads.get(me, 0) + 1
    try:
        yield
    finally:
        with _QUIET.lock:
            _QUIET.threads[me] -= 1
            if not _QUIET.threads[me]:
                del _QUIET.threads[me]
            if not _QUIET.threads:
                logger.removeFilter(_QUIET)


def _check_classes(classes, y):
    """Return the label set: sorted unique ``y``, or the validated ``classes``."""
    if classes is None:
        return np.unique(y)
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D list of labels, got shape {classes.shape}."
        )
    check_distinct(classes, "classes")
    label_indices(y, classes, name="y")
    return classes


def _class_weight_factors(class_weight, classes, y_idx):
    """Per-example factors from ``class_weight`` (dict by label or "balanced")."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        per_class = balanced_class_weights(y_idx, len(classes))
    else:
        per_class = np.ones(len(classes))
        positions = label_positions(
            list(class_weight), classes, "class_weight", "class"
        )
        try:
            values = np.asarray(list(class_weight.values()), dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                "class_weight values must be numbers, got "
                f"{list(class_weight.values())!r}."
            ) from None
        if not np.isfinite(values).all() or (values < 0).any():
            raise ValueError(
                "class_weight values must be finite numbers >= 0, got "
                f"{values.tolist()!r}."
            )
        per_class[positions] = values
    return per_class[y_idx]


#: What the fit arguments (or routed ``fit__*`` parameters) that replace
#: parameters of the same name must be.
FIT_KWARG_CONSTRAINTS = {
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [
        Interval(Integral, 1, None, closed="left"),
        Options(Integral, {-1}),  # one batch of all the examples
        None,
    ],
}


#: ``Model.fit`` arguments that the estimator sets itself, and why.
_OWNED_FIT_KWARGS = {
    "initial_epoch": "the estimator counts the epochs it trained (n_iter_); "
    "continue training with warm_start=True or partial_fit",
    "class_weight": "Keras keys it by class index, not label; pass "
    "class_weight to the estimator (set_params or its constructor), keyed by "
    "class label",
}


def compile_objects(source):
    """A Keras custom-object scope of the objects ``source`` was compiled with.

    Keras rebuilds compile settings (``compile_from_config``, which
    ``keras.models.clone_model`` also calls) by their registered names, so a
    loss, metric or optimizer of the user's that is not registered for
    serialization (which a plain ``fit`` never needs) could not be found. The
    scope names each function and class the model was compiled with, and
    those they hold, however deep (a learning-rate schedule in an optimizer),
    so the rebuilt settings are fresh objects of the same kinds. The scope is
    the calling thread's only.
    """
    import keras

    config = getattr(getattr(source, "_compile_config", None), "config", None) or {}
    found = {}
    _collect_objects(list(config.values()), found)
    return keras.saving.custom_object_scope(found)


def _collect_objects(values, found):
    """Put the functions and classes of ``values``, and those their objects
    hold (functions, Keras objects and containers of them among their
    attributes), into ``found``, by name, breadth first (so that the objects
    compiled with win over same-named ones they hold). A layer or model is
    named but not searched: it may be large, and what it holds is built with
    it."""
    import keras

    queue = deque([values])
    seen = set()
    while queue:
        value = queue.popleft()
        if isinstance(value, (str, bool, int, float, type)) or value is None:
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            queue.extend(value.values())
        elif isinstance(value, (list, tuple)):
            queue.extend(value)
        elif inspect.isfunction(value):
            found.setdefault(value.__name__, value)
        else:
            found.setdefault(type(value).__name__, type(value))
            if isinstance(value, keras.Operation):
                continue
            for held in getattr(value, "__dict__", {}).values():
                if isinstance(held, (list, tuple, dict)) or inspect.isfunction(held):
                    queue.append(held)
                elif hasattr(held, "get_config") and not isinstance(held, type):
                    queue.append(held)


def compile_like(target, source):
    """Compile ``target`` with the compile settings of the compiled ``source``
    (fresh objects: no optimizer or metric state is shared)."""
    with compile_objects(source):
        target.compile_from_config(source.get_compile_config())


def _saved_state(model):
    """Copies of a model's weights and optimizer variables.

    An optimizer not built yet is built first (its moments start at zero, as
    the fit would make them), so that all of its variables can be put back.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        optimizer.build(model.trainable_variables)
    variables = [] if optimizer is None else optimizer.variables
    return model.get_weights(), [np.array(v.numpy()) for v in variables]


def _restore_state(model, saved):
    """Put back the weights and optimizer variables :func:`_saved_state` copied."""
    weights, optimizer_values = saved
    model.set_weights(weights)
    if optimizer_values:
        variables = model.optimizer.variables[: len(optimizer_values)]
        for variable, value in zip(variables, optimizer_values, strict=True):
            variable.assign(value)


def _padded_part(array, part, size):
    """``array[part]`` followed by rows of zeros up to ``size`` rows."""
    rows = np.asarray(array)[part]
    if rows.shape[0] >= size:
        return rows
    padding = np.zeros((size - rows.shape[0],) + rows.shape[1:], rows.dtype)
    return np.concatenate([rows, padding])


def _as_float32(values, name):
    """``values`` as float32, refusing what overflows it."""
    with np.errstate(over="ignore"):
        out = np.asarray(values, dtype=np.float32)
    if not np.isfinite(out).all():
        raise ValueError(
            f"{name} has values that overflow float32 (the type the model computes "
            f"in: largest {_FLOAT32_MAX:.3g}); rescale them, e.g. with a "
            "StandardScaler."
        )
    return out


def _used_rows(rows, by_class, y_idx):
    """The rows that weight some example (``FitData``'s ``rows`` and
    ``rows_by_class``)."""
    if not by_class:
        return rows
    return rows[np.bincount(y_idx, minlength=len(rows)) > 0]


def _warn_degenerate(rows, used, by_class, y_idx, weighting):
    """Warn about tables the model cannot learn from, or learns badly from.

    ``rows``, ``by_class``: ``FitData``'s ``rows`` and ``rows_by_class``;
    ``used``: :func:`_used_rows` of them.
    """
    if rows is None:
        return
    if not used.any():
        warnings.warn(
            "Every table weight of this data is 0, so every example weighs 0 and "
            "the model learns nothing; tables hold weights (>= 0, 1 = plain loss), "
            "not costs.",
            UserWarning,
            stacklevel=7,  # the caller of fit
        )
        return
    if weighting != "argmax":
        return
    if by_class:  # a global table: any class with a 0 diagonal
        zero_diagonal = (np.diag(rows) == 0).any()
    else:
        zero_diagonal = (rows[np.arange(len(y_idx)), y_idx] == 0).all()
    if zero_diagonal:
        warnings.warn(
            "The table has 0 weights on its diagonal: with weighting='argmax' a "
            "correctly predicted example then weighs 0 and stops training, so the "
            "model degrades. A cost matrix is not a weight table: put weights > 0 "
            "on the diagonal (e.g. 1), or use weighting='expected'.",
            UserWarning,
            stacklevel=7,  # the caller of fit
        )


def _present(arrays):
    """``(x, y)`` or ``(x, y, sample_weight)``: the arrays that are not None."""
    return [a for a in arrays if a is not None]


def _input_shapes(features):
    """The batch shapes of the network's inputs: ``(None, ...)`` per array."""
    return map_features(lambda a: (None, *a.shape[1:]), features)


def _output_width(network, features):
    """Units of the network's output, or a ValueError unless it is (n, units)."""
    import keras

    try:
        spec = network.compute_output_spec(
            map_features(lambda a: keras.KerasTensor((None, *a.shape[1:])), features)
        )
        shape = tuple(spec.shape)
    except Exception:  # a model that only runs on data
        shape = tuple(
            keras.ops.shape(
                network(map_features(lambda a: a[:1], features), training=False)
            )
        )
    if len(shape) != 2:
        raise ValueError(
            f"The model built outputs shape {shape}: the builder must return a model "
            "with one output of shape (None, n_classes), or (None, 1) for two "
            "classes (multi-output models are not supported)."
        )
    return shape[-1]


def _check_network_output(network, features, n_classes):
    """Raise a ValueError unless the network maps X to (n, n_classes).

    One unit is accepted for two classes (a sigmoid, or a logit).
    """
    width = _output_width(network, features)
    if width != n_classes and not (width == 1 and n_classes == 2):
        raise ValueError(
            f"The model built outputs shape (None, {width}) but there are "
            f"{n_classes} classes: the builder must return a model that ends in "
            f"meta['n_classes_'] = {n_classes} units (a softmax, or logits with a "
            "from_logits=True loss)"
            + (", or in one sigmoid unit" if n_classes == 2 else "")
            + "."
        )
    return width


class BaseWeightedClassifier(KerasClassifier):
    """Base class of the table-weighted Keras classifiers (not for direct use).

    It owns the parameters shared by the estimators, the validation of the
    data and the whole fit path; subclasses say how the network is built
    and compiled (see the module's docstring).
    """

    _parameter_constraints = {
        "weighting": [StrOptions({"argmax", "expected"})],
        "classes": ["array-like", None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
    }

    __repr__ = BaseEstimator.__repr__

    #: Whether X may have more than 2 dimensions (images, sequences).
    _allow_nd = True

    @property
    def target_encoder(self):
        """The transformer of the targets (override to change it).

        Fitted on ``y`` as ``target_encoder_`` in ``fit``: it gives
        ``classes_``, ``transform`` turns ``y`` into class indices (or one-hot
        rows) and ``inverse_transform`` turns probabilities into predictions.

        Returns
        -------
        target_encoder : ClassTargetEncoder
        """
        return ClassTargetEncoder(classes=self.classes)

    @property
    def feature_encoder(self):
        """The transformer of the features (override to change it).

        Fitted on ``X`` as ``feature_encoder_`` in ``fit``; its ``transform``
        output (an array, or a list or dict of arrays for a multi-input
        model) is what the network takes, in fit and predict.

        Returns
        -------
        feature_encoder : FunctionTransformer
            The identity.
        """
        return FunctionTransformer()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

    # ---------------------------------------------------- what subclasses say
    def _check_params(self):
        """Checks of the parameters that the constraints cannot express."""
        raise NotImplementedError

    def _built_config(self):
        """The parameters a built model keeps, by name (a warm fit warns when
        one has changed since): none unless a subclass says."""
        return {}

    def _build_network(self, meta, seed, compile_kwargs, batch_size):
        """The Keras network: features -> class probabilities (n, K).

        ``compile_kwargs``: the compile arguments, for builders that take
        them; None when the model may be reused (they are then made only if
        the model is compiled). ``batch_size``: the examples in a full batch
        of this fit (at most the training examples).
        """
        raise NotImplementedError

    def _compile_arguments(self, steps_per_execution):
        """Arguments of ``Model.compile`` (a new optimizer on every call)."""
        raise NotImplementedError

    def _training_callbacks(self, fit_kwargs, *, validation):
        """The user's callbacks (``validation``: the held-out FitData)."""
        raise NotImplementedError

    def _stopping_rule(self, validation):
        """The :class:`~skweighted._train_loop.Stopping` rule, or None."""
        return None

    def _model_fit_params(self):
        """``Model.fit`` arguments taken from the parameters."""
        raise NotImplementedError

    def _stops_early(self, n_samples):
        """Whether a fit on ``n_samples`` examples stops early on held-out data."""
        return False

    def _split_validation(self, data, seed):
        """``(train, validation)`` FitData, for :meth:`_stops_early`."""
        raise NotImplementedError

    def _check_held_out(self, validation_data):
        """The FitData of ``validation_data``, checked and encoded like ``X, y``."""
        if not isinstance(validation_data, (tuple, list)) or len(
            validation_data
        ) not in (2, 3, 4):
            raise TypeError(
                "validation_data must be a tuple (X_val, y_val), (X_val, y_val, "
                "sample_weight_val) or (X_val, y_val, sample_weight_val, "
                f"sample_tables_val), got {type(validation_data).__name__}"
                + (
                    f" of length {len(validation_data)}."
                    if isinstance(validation_data, (tuple, list))
                    else "."
                )
            )
        X, y, sample_weight, sample_tables = (*validation_data, None, None)[:4]
        return self._check_data(
            X, y, sample_weight, sample_tables, reset=False, classes=None, held_out=True
        )

    def _reuse_key(self, data, steps_per_execution, batch_size):
        """What a reusable compiled model depends on; None: no reuse."""
        return None

    # ------------------------------------------------------------- the data
    def _check_data(
        self, X, y, sample_weight, sample_tables, *, reset, classes, held_out=False
    ):
        """Validate everything the caller passed; nothing is modified.

        ``held_out``: the data is a fit's ``validation_data`` (for errors).

        Returns
        -------
        data : FitData
        """
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=[np.float32, np.float64],
            ensure_min_samples=1,
            allow_nd=self._allow_nd,
            multi_output=True,
        )
        check_classification_targets(y)
        if reset:
            encoder = self.target_encoder
            labels = y.ndim == 1 or y.shape[1] == 1  # not one-hot rows
            if isinstance(encoder, ClassTargetEncoder) and classes is not None:
                if labels:
                    encoder.set_params(classes=_check_classes(classes, y.ravel()))
            encoder.fit(y)
            self.target_encoder_ = encoder
            self.target_type_ = type_of_target(y)
            if self.target_type_ == "binary" and len(encoder.classes_) > 2:
                self.target_type_ = "multiclass"
            self.n_outputs_expected_ = getattr(encoder, "n_outputs_expected_", 1)
            self.X_shape_, self.X_dtype_ = X.shape, X.dtype
            self.y_dtype_, self.y_ndim_ = y.dtype, y.ndim
        else:
            self._check_same_form(X)
        classes = np.asarray(self.target_encoder_.classes_)
        try:
            y_idx = self._class_indices(y, len(classes))
        except ValueError:
            if not reset:  # labels the fitted model lacks: say what applies
                self._refuse_new_labels(y, classes, held_out)
            raise
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes, got one class "
                f"{classes.tolist()!r}. Pass `classes=` with the full label set if "
                "this data is a subset."
            )
        # Tables given as arrays follow the order of ``classes`` (which
        # classes_ sorts): read them in that order, in the order of classes_.
        order = self._table_classes()
        table = check_cost_table(self.misclass_weights, order)
        positions = class_order(order, classes)
        if table is not None and positions is not None:
            table = table[np.ix_(positions, positions)]
        # A global table is each example's row of its class: it is kept as
        # it is and read by the class index (in each training step on the
        # one-call path), not copied into a row per example.
        by_class = sample_tables is None and table is not None
        rows = table_rows(
            np.arange(len(classes)) if by_class else y_idx,
            len(classes),
            table=table,
            sample_tables=sample_tables,
            classes=classes,
            order=order,
        )
        used = None if rows is None else _used_rows(rows, by_class, y_idx)
        _warn_degenerate(rows, used, by_class, y_idx, self.weighting)
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        factors = _class_weight_factors(self.class_weight, classes, y_idx)
        if factors is not None:
            sample_weight = (
                factors if sample_weight is None else sample_weight * factors
            )
        if sample_weight is not None:
            sample_weight = _as_float32(sample_weight, "sample_weight (x class_weight)")
        if rows is not None:
            largest = float(used.max(initial=0.0))
            if sample_weight is not None:
                largest *= float(sample_weight.max(initial=0.0))
            if largest > _FLOAT32_MAX:
                raise ValueError(
                    "The table weights times sample_weight and class_weight reach "
                    f"{largest:.3g}, which overflows float32 (largest "
                    f"{_FLOAT32_MAX:.3g}); rescale the weights."
                )
        X = _as_float32(X, "X")
        if reset:
            self.feature_encoder_ = self.feature_encoder.fit(X)
        return FitData(
            X=self.feature_encoder_.transform(X),
            y_idx=y_idx,
            classes=classes,
            rows=rows,
            rows_by_class=by_class,
            sample_weight=sample_weight,
        )

    @staticmethod
    def _refuse_new_labels(y, classes, held_out):
        """Raise a ValueError naming the labels of ``y`` outside ``classes``
        (the fitted ones), with advice for held-out data or a warm fit."""
        if y.ndim == 2 and y.shape[1] > 1:  # one-hot rows: no labels
            return
        known = set(classes.tolist())
        unknown = [v for v in np.unique(y).tolist() if v not in known]
        if unknown and held_out:
            raise ValueError(
                f"validation_data has labels {unknown[:10]!r} that are not "
                f"among the classes {classes.tolist()[:20]!r} of the training "
                "data: hold out examples of those classes only, or pass "
                "classes= with the full label set."
            )
        if unknown:
            raise ValueError(
                f"y contains labels {unknown[:10]!r} that are not among the "
                f"classes {classes.tolist()[:20]!r} the model was built for; a "
                "warm fit (warm_start=True or partial_fit) cannot add classes. "
                "Give the full label set as classes= to the first fit or "
                "partial_fit, or fit with warm_start=False."
            )

    def _table_classes(self):
        """The labels in the order of the tables' rows and columns: the
        ``classes`` the default target encoder was given for labels (one-hot
        rows are in the order of their columns), else ``classes_``."""
        encoder = self.target_encoder_
        order = getattr(encoder, "classes", None)
        if (
            not isinstance(encoder, ClassTargetEncoder)
            or order is None
            or encoder.target_type_ == "multiclass-onehot"
        ):
            return np.asarray(encoder.classes_)
        return np.asarray(order)

    def _check_same_form(self, X):
        """Refuse X of another rank or shape than the fitted one, as SciKeras."""
        if X.ndim != len(self.X_shape_) or X.shape[1:] != self.X_shape_[1:]:
            raise ValueError(
                f"X has shape {X.shape[1:]} per example ({X.ndim} dimensions), but "
                f"{type(self).__name__} was fitted on X of shape "
                f"{self.X_shape_[1:]} per example ({len(self.X_shape_)} "
                "dimensions); pass data of the fitted shape, or fit again."
            )

    def _class_indices(self, y, n_classes):
        """The class index of each example, from the fitted target encoder."""
        encoded = np.asarray(self.target_encoder_.transform(y))
        if encoded.ndim == 2 and encoded.shape[1] > 1:  # one-hot rows
            encoded = np.argmax(encoded, axis=1)
        encoded = encoded.reshape(-1)
        idx = encoded.astype(np.intp)
        if (
            len(idx) != len(y)
            or (idx != encoded).any()
            or (idx < 0).any()
            or (idx >= n_classes).any()
        ):
            raise ValueError(
                "target_encoder_.transform(y) must return one class index in "
                f"range({n_classes}) (or one one-hot row) per example."
            )
        return idx

    def _meta(self, data):
        """What SciKeras-style model builders read from ``meta``."""
        meta = {
            "classes_": data.classes,
            "n_classes_": data.n_classes,
            "n_features_in_": self.n_features_in_,
            "target_type_": self.target_type_,
            "n_outputs_": 1,
            "n_outputs_expected_": self.n_outputs_expected_,
            "X_shape_": self.X_shape_,
            "X_dtype_": self.X_dtype_,
            "y_dtype_": self.y_dtype_,
            "y_ndim_": self.y_ndim_,
        }
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in_"] = self.feature_names_in_
        meta.update(getattr(self.target_encoder_, "get_metadata", dict)())
        meta.update(getattr(self.feature_encoder_, "get_metadata", dict)())
        return meta

    # ------------------------------------------------------------ the model
    def _new_model(self, data, steps_per_execution, seed, batch_size):
        """A compiled TableWeightedModel with fresh initial weights.

        Returns ``(kept, key, spare)``: the model with its :class:`EpochLoop`
        and its optimizer's starting values (a :class:`_model_reuse.Kept`),
        the key under which it may be reused (None: not reusable) and, when
        a reused model took the fresh weights, the freshly built network (for
        :meth:`_detached_copy`); otherwise None.
        """
        from .keras import TableWeightedModel

        key = self._reuse_key(data, steps_per_execution, batch_size)
        # Without reuse the compile arguments are needed anyway: resolve them
        # (and their errors) before anything is built.
        compile_kwargs = None
        if key is None:
            compile_kwargs = self._compile_arguments(steps_per_execution)
        # Layers that a builder leaves unseeded draw their seeds when they
        # are created, which may be when the network is first called: both
        # happen inside the seeded build.
        with seeded_build(seed):
            network = self._build_network(
                self._meta(data), seed, compile_kwargs, batch_size
            )
            if isinstance(network, TableWeightedModel):
                network.weighting = self.weighting
                network = network.network
            _check_network_output(network, data.X, data.n_classes)
        if getattr(network, "compiled", False):
            key = None
        kept = _model_reuse.take(key)
        if kept is not None:
            _model_reuse.copy_variables(kept.model.network, network)
            _model_reuse.reset_optimizer(kept.model.optimizer, kept.optimizer_start)
            return kept, key, network
        model = TableWeightedModel(network, weighting=self.weighting)
        if getattr(network, "compiled", False):
            compile_like(model, network)
        else:
            model.compile(
                **(compile_kwargs or self._compile_arguments(steps_per_execution))
            )
        model.from_logits = loss_from_logits(model.loss)
        model.build({"features": _input_shapes(data.X)})
        start = None
        if key is not None:  # its starting state, for the fits that reuse it
            model.optimizer.build(model.trainable_variables)
            start = _model_reuse.optimizer_values(model.optimizer)
        return _model_reuse.Kept(model, EpochLoop(model), start), key, None

    def _detached_copy(self, model, data, seed, batch_size, network=None):
        """A compiled, built copy of a trained model, with its optimizer state.

        ``network``: a network of the same architecture to hold the copy's
        weights (None: build one).
        """
        from .keras import TableWeightedModel

        compile_kwargs = self._compile_arguments(model.steps_per_execution)
        if network is None:
            with seeded_build(seed):  # as the fit's own build
                network = self._build_network(
                    self._meta(data), seed, compile_kwargs, batch_size
                )
        _model_reuse.copy_variables(network, model.network)
        copy = TableWeightedModel(network, weighting=self.weighting)
        copy.compile(**compile_kwargs)
        copy.from_logits = model.from_logits
        copy.build({"features": _input_shapes(data.X)})
        copy.optimizer.build(copy.trainable_variables)
        _model_reuse.copy_variables(copy.optimizer, model.optimizer)
        return copy

    # -------------------------------------------------------------- fitting
    def _fit_path(
        self, X, y, sample_weight, sample_tables, *, incremental, classes, kw
    ):
        """The fit path shared by fit, partial_fit and initialize.

        ``incremental``: keep training the current model for one epoch
        (partial_fit); ``kw``: extra ``Model.fit`` arguments (None: only
        build the model, as ``initialize`` does).
        """
        fitted = {k: v for k, v in vars(self).items() if k.endswith("_")}
        trains_in_place = (
            kw is not None
            and (incremental or self.warm_start)
            and hasattr(self, "model_")
        )
        saved = _saved_state(self.model_) if trains_in_place else None
        try:
            return self._fit_steps(
                X, y, sample_weight, sample_tables, incremental, classes, kw
            )
        except BaseException:
            # No half-fitted state: the estimator is left as it was.
            for k in [k for k in vars(self) if k.endswith("_")]:
                if k not in fitted:
                    delattr(self, k)
            vars(self).update(fitted)
            if saved is not None:
                _restore_state(self.model_, saved)
            raise

    def _check_partial_fit(self, classes, warm):
        """Refuse what partial_fit cannot honour, as scikit-learn's estimators."""
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: each "
                "call would balance its own batch. Compute the weights once from "
                "the full training labels, e.g. dict(zip(classes, "
                "compute_class_weight('balanced', classes=classes, y=y))) with "
                "sklearn.utils.class_weight, and pass them as class_weight."
            )
        if warm and classes is not None:
            given = np.asarray(classes)
            if given.ndim != 1 or set(given.tolist()) != set(self.classes_.tolist()):
                raise ValueError(
                    f"classes={given.tolist()!r} is not the label set of the first "
                    f"call to partial_fit, {self.classes_.tolist()!r}; the classes "
                    "are fixed once the model is built."
                )

    def _fit_steps(self, X, y, sample_weight, sample_tables, incremental, classes, kw):
        limit_backend_threads()  # first: n_jobs x threads <= cores in parallel workers
        self._validate_params()
        self._check_params()
        warm = (incremental or self.warm_start) and hasattr(self, "model_")
        if incremental:
            self._check_partial_fit(classes, warm)
        if not warm and classes is None:
            classes = self.classes
        data = self._check_data(
            X, y, sample_weight, sample_tables, reset=not warm, classes=classes
        )
        seed = fit_seed(self.random_state)
        initialize_only = kw is None
        kw = {} if kw is None else dict(kw)
        fit_kwargs = {**self._model_fit_params(), **kw}
        for name, why in _OWNED_FIT_KWARGS.items():
            if name in fit_kwargs:
                raise TypeError(f"fit does not take the Keras argument {name}=: {why}.")
        validate_parameter_constraints(
            FIT_KWARG_CONSTRAINTS,
            {k: fit_kwargs[k] for k in FIT_KWARG_CONSTRAINTS if k in fit_kwargs},
            caller_name=f"{type(self).__name__}.fit",
        )
        epochs = fit_kwargs.pop("epochs", self.epochs)
        if incremental:
            epochs = 1
        batch_size = fit_kwargs.pop("batch_size", None) or DEFAULT_BATCH_SIZE
        if batch_size == -1:
            batch_size = data.n_samples
        shuffle = fit_kwargs.pop("shuffle", True)
        # as MLPClassifier's partial_fit: no early stopping on one increment
        stops_early = not incremental and self._stops_early(data.n_samples)
        held_out = fit_kwargs.pop("validation_data", None)
        if held_out is not None:
            validation = self._check_held_out(held_out)
        elif stops_early:
            data, validation = self._split_validation(data, seed)
        else:
            validation = None
        callbacks = self._training_callbacks(fit_kwargs, validation=validation)
        stopping = self._stopping_rule(validation if stops_early else None)
        spe = steps_per_execution(epoch_steps(data.n_samples, batch_size), callbacks)
        # The batch a new network's L2 factor is scaled by (fixed once built):
        # a fit's, clipped to its examples as scikit-learn clips it; the one
        # configured for partial_fit and initialize, whose first data may be
        # a small part of what the model will see.
        built_batch = batch_size
        if not (incremental or initialize_only):
            built_batch = min(batch_size, data.n_samples)
        with _quiet(self.verbose):
            key = loop = kept = spare = None
            if warm:
                model = self.model_
                built = getattr(self, "_built_with", None) or {}
                changed = [
                    name
                    for name, value in self._built_config().items()
                    if name in built and built[name] != value
                ]
                if changed:
                    warnings.warn(
                        f"{', '.join(changed)} changed since the model was built; "
                        "a warm fit (warm_start=True or partial_fit) keeps the "
                        "network and optimizer it has, so the change does not "
                        "apply. Fit with warm_start=False to build a new model.",
                        UserWarning,
                        # the caller of fit (through scikit-learn's wrapper)
                        # or of partial_fit
                        stacklevel=4 if incremental else 5,
                    )
                if not model.compiled:  # e.g. after unpickling
                    model.compile(**self._compile_arguments(spe))
                if model.weighting != self.weighting:  # changed by set_params
                    # the traced steps read it: trace them again
                    model.weighting = self.weighting
                    model.make_train_function(force=True)
                    model.make_test_function(force=True)
            else:
                kept, key, spare = self._new_model(data, spe, seed, built_batch)
                model, loop = kept.model, kept.loop
            width = _output_width(model.network, data.X)
            data = replace(data, encoding=target_encoding(model.loss, width))
            if validation is not None:
                validation = replace(validation, encoding=data.encoding)
                fit_kwargs["validation_data"] = validation
            history = {}
            if not initialize_only:
                order_seed = None
                if shuffle:
                    order_seed = seed if seed is not None else fresh_seed()
                one_call = loop is not None and trains_in_one_call(
                    callbacks=callbacks,
                    stopping=stopping,
                    fit_kwargs=fit_kwargs,
                    run_eagerly=model.run_eagerly,
                )
                if one_call:
                    history = loop.fit(
                        _present(data.loop_arrays()),
                        batch_size=batch_size,
                        epochs=epochs,
                        seed=order_seed,
                        stopping=stopping,
                        validation=(
                            None
                            if validation is None
                            else _present(validation.loop_arrays())
                        ),
                        one_hot=data.one_hot,
                        rows_table=data.loop_rows_table,
                        validation_rows_table=(
                            None if validation is None else validation.loop_rows_table
                        ),
                    )
                else:
                    history = self._keras_fit(
                        model,
                        data,
                        batch_size=batch_size,
                        seed=order_seed,
                        epochs=epochs,
                        initial_epoch=(
                            len(self.history_.get("loss", [])) if warm else 0
                        ),
                        callbacks=callbacks
                        + ([stopping.callback()] if stopping is not None else []),
                        fit_kwargs=fit_kwargs,
                    )
            if key is not None and not initialize_only:
                trained = model
                model = self._detached_copy(trained, data, seed, built_batch, spare)
                _model_reuse.give(key, kept)
        if not warm:
            self.classes_ = data.classes
            self.n_classes_ = data.n_classes
            self.history_ = {}
        for name, values in history.items():
            if name != "loss" and not name.startswith("val_"):
                try:  # SciKeras' full metric names ("acc" -> "accuracy")
                    name = metric_name(name)
                except ValueError:  # a metric named by the user
                    pass
            self.history_.setdefault(name, []).extend(values)
        self.model_ = model
        if not warm:  # what a warm fit compares with
            self._built_with = self._built_config()
        self.n_iter_ = len(self.history_.get("loss", []))
        self.example_weighted_ = (
            sample_weight is not None or sample_tables is not None
        ) or (warm and getattr(self, "example_weighted_", False))
        ran = len(history.get("loss", []))
        if stopping is not None and not incremental and epochs and ran >= epochs:
            warnings.warn(
                f"{type(self).__name__} ran all epochs={epochs} without its "
                f"stopping rule ({stopping.monitor} not improving by more than "
                f"tol={stopping.min_delta} for n_iter_no_change={stopping.patience} "
                "epochs): the optimization has not converged yet. Raise epochs.",
                ConvergenceWarning,
                stacklevel=5,  # the caller of fit (through scikit-learn's wrapper)
            )
        return self

    @staticmethod
    def _keras_fit(
        model, data, *, batch_size, seed, epochs, initial_epoch, callbacks, fit_kwargs
    ):
        """Train with ``keras.Model.fit``; return its history."""
        x, y, sample_weight, kwargs = model_fit_data(
            data,
            batch_size=batch_size,
            seed=seed,
            steps_per_execution=model.steps_per_execution,
            fit_kwargs=fit_kwargs,
        )
        return model.fit(
            x,
            y,
            sample_weight=sample_weight,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            **kwargs,
        ).history

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_tables=None, **kwargs):
        """Fit the network with the misclassification-weighted loss.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features) or \
                (n_samples, ...)
            Training data; images and sequences keep their shape when the
            estimator takes them (``WeightedKerasClassifier``).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels (strings, integers or booleans), or one-hot rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-example weights; they multiply the table weights.
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None
            One table per example, ``sample_tables[k, true, pred]``, or only
            each example's true-class row (a DataFrame of this form is read
            by its column labels). Wins over ``misclass_weights``. Split per
            fold like ``sample_weight`` by scikit-learn's tools.
        **kwargs : dict
            Extra arguments for ``keras.Model.fit`` (e.g. ``epochs``).
            ``validation_data=(X_val, y_val)``, ``(X_val, y_val,
            sample_weight_val)`` or ``(X_val, y_val, sample_weight_val,
            sample_tables_val)`` (the arguments of ``fit``, in its order;
            ``sample_weight_val`` may be None) is checked and encoded like
            ``X`` and ``y``, weighted by its own tables where it has them and
            by ``misclass_weights`` otherwise, and logged as ``val_*`` in
            ``history_``; where the estimator stops early on held-out data,
            it is that data.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit_path(
            X,
            y,
            sample_weight,
            sample_tables,
            incremental=False,
            classes=None,
            kw=kwargs,
        )

    def partial_fit(self, X, y, classes=None, sample_weight=None, sample_tables=None):
        """Train for one epoch, keeping the model and its history.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data of this step.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (K,), default=None
            The full label set, on the first call when ``classes`` was not
            set and this batch may lack labels. Later calls may omit it; given,
            it must be the same label set.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-example weights; they multiply the table weights.
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None
            Per-example tables (see :meth:`fit`).

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._fit_path(
            X, y, sample_weight, sample_tables, incremental=True, classes=classes, kw={}
        )

    def initialize(self, X, y):
        """Build and compile the model for this data without training it.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data of the shape the model will take.
        y : array-like of shape (n_samples,)
            Class labels (the label set, unless ``classes`` is set).

        Returns
        -------
        self : object
            The estimator, with an untrained ``model_``: it predicts and can
            be trained further with :meth:`partial_fit`.
        """
        return self._fit_path(
            X,
            y,
            None,
            None,
            incremental=False,
            classes=None,
            kw=None,
        )

    # ----------------------------------------------------------- predicting
    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to predict.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities (rows sum to 1).
        """
        check_is_fitted(self, "model_")
        X = validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float32, np.float64],
            allow_nd=self._allow_nd,
        )
        self._check_same_form(X)
        X = _as_float32(X, "X")
        from keras import ops

        # The encoder sees all of X, as in fit. Then fixed-size chunks of its
        # features (the last one padded): the backend's kernels depend on the
        # number of rows, so this makes each example's probabilities
        # independent of the others predicted with it, to the last bit.
        features = self.feature_encoder_.transform(X)
        network = self.model_.network
        chunks = []
        for start in range(0, max(X.shape[0], 1), _PREDICT_CHUNK):
            rows = min(X.shape[0] - start, _PREDICT_CHUNK)
            part = functools.partial(
                _padded_part, part=slice(start, start + rows), size=_PREDICT_CHUNK
            )
            chunk = map_features(part, features)
            output = ops.convert_to_numpy(network(chunk, training=False))
            chunks.append(output[:rows])
        return probabilities(
            np.concatenate(chunks, axis=0), self.n_classes_, self.model_.from_logits
        )

    def predict(self, X):
        """Predict class labels (the argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Labels from ``classes_`` (one-hot rows when fitted on one-hot
            rows), from ``target_encoder_.inverse_transform``.
        """
        proba = self.predict_proba(X)  # first: it checks that self is fitted
        return self.target_encoder_.inverse_transform(proba)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to predict.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Natural logarithms of the probabilities (-inf for 0).
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the given data, as for any scikit-learn classifier.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Test data.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples.

        Returns
        -------
        score : float
            Accuracy of :meth:`predict`.
        """
        from sklearn.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
