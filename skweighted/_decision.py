"""Minimum-expected-cost decisions around any probabilistic classifier.

Numpy and scikit-learn only: importing this module never loads Keras or
TensorFlow (the inner estimator may, when it is fitted or predicts).
"""

import sys
import warnings

import numpy as np
import sklearn
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _num_samples,
    check_is_fitted,
    column_or_1d,
    indexable,
)

from ._tables import (
    _check_values,
    balanced_class_weights,
    check_cost_table,
    check_sample_tables,
    class_order,
    label_indices,
    label_positions,
    true_rows,
)
from .metrics._cost import check_cost_matrix

__all__ = ["DoubleCountingWarning", "MinimumCostClassifier"]


class DoubleCountingWarning(UserWarning):
    """Cost-aware decisions on probabilities learned with per-example weights.

    A classifier trained with weights learns the probabilities of the
    *weighted* data. When the weights are one per class (``class_weight``, a
    table with constant rows, or ``sample_weight`` that is constant within
    each class), the shift is known, ``p'_i`` proportional to ``w_i p_i``
    (Elkan, 2001), and :class:`MinimumCostClassifier` divides it out before
    deciding. Per-example or prediction-dependent weights have no such exact
    correction, and deciding by expected cost on top of them counts the costs
    twice. Either train unweighted and decide with the costs, or use the
    weighted model's own ``predict`` (for cost-proportionate weights, it is
    the cost-optimal decision). Pass ``training_weights=None`` to decide on
    the probabilities as they are.

    .. versionadded:: 0.2

    Examples
    --------
    >>> import warnings
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skweighted import DoubleCountingWarning, MinimumCostClassifier
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    >>> clf = MinimumCostClassifier(LogisticRegression(), cost_matrix=[[0, 1], [5, 0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = clf.fit(X, y, sample_weight=[1.0, 2.0, 3.0, 4.0])
    >>> [w.category.__name__ for w in caught]
    ['DoubleCountingWarning']
    """


def _calibration_methods():
    """The ``method`` values of this scikit-learn's CalibratedClassifierCV."""
    version = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
    methods = {"sigmoid", "isotonic"}
    if version >= (1, 8):
        methods.add("temperature")
    return methods


_CALIBRATIONS = _calibration_methods()


def _counts_balanced_by_examples(estimator):
    """Whether ``class_weight="balanced"`` of ``estimator`` counts examples.

    True for this package's estimators, whose ``"balanced"`` counts each
    class's examples whatever their ``sample_weight``; others (scikit-learn's
    ``LogisticRegression`` counts by weight, ``SVC`` does not) are not known.
    """
    # Without the module loaded, none of its estimators exists; importing it
    # would load Keras around another library's estimator.
    base = sys.modules.get(__package__ + "._base")
    return base is not None and isinstance(estimator, base.BaseWeightedClassifier)


def _table_classes(estimator):
    """The labels in the order of a fitted estimator's tables (None: its
    ``classes_``): the ``classes`` this package's estimators were given."""
    order = getattr(estimator, "_table_classes", None)
    if order is None or not hasattr(estimator, "target_encoder_"):
        return None
    return order()


def _unwrap(estimator):
    """The estimator that learns: inside FrozenEstimator and Pipeline, and
    the best estimator of a fitted search (GridSearchCV and the like)."""
    while True:
        if isinstance(estimator, FrozenEstimator):
            estimator = estimator.estimator
        elif hasattr(estimator, "steps") and hasattr(estimator, "_final_estimator"):
            estimator = estimator._final_estimator
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        else:
            return estimator


def _class_level(factors, y_idx, k):
    """Per-class weights if ``factors`` are constant within each class."""
    weights = np.ones(k)
    for i in np.unique(y_idx):
        values = factors[y_idx == i]
        if np.ptp(values) > 1e-12 * max(np.abs(values).max(), 1.0):
            return None
        weights[i] = values[0]
    return weights


def _check_is_fitted(meta):
    """Fitted if ``fit`` ran, or if the inner estimator is (e.g. frozen)."""
    if hasattr(meta, "estimator_"):
        return
    if meta.calibration is not None:  # calibration needs data: fit must run
        check_is_fitted(meta, "estimator_")
    try:
        check_is_fitted(meta.estimator)
    except NotFittedError:
        check_is_fitted(meta, "estimator_")


def _fitted_has(attr):
    """Whether the estimator used for predicting has ``attr``."""

    def check(self):
        fitted = getattr(self, "estimator_", None)
        if fitted is None and self.calibration is not None:
            return False
        return hasattr(fitted if fitted is not None else self.estimator, attr)

    return check


def _expected_costs(proba, cost_matrix=None, sample_tables=None):
    """``E[k, j] = sum_i proba[k, i] * C_k[i, j]``, shape (n_samples, K)."""
    if sample_tables is not None:
        return np.einsum("ki,kij->kj", proba, sample_tables)
    return proba @ cost_matrix


class MinimumCostClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Predict the class of minimum expected cost (Bayes minimum risk).

    Wraps any classifier with ``predict_proba`` (a
    :class:`~skweighted.WeightedMLPClassifier`, or any scikit-learn
    classifier) and predicts, for each example with probabilities ``p``::

        argmin_j  sum_i p[i] * C[i, j]

    where ``C[i, j]`` is the cost of predicting class ``j`` when the truth is
    ``i`` (the orientation of ``misclass_weights``). Per-example cost tables
    can be given at decision time, ``predict(X, sample_tables=T)``, since
    real costs (a loan's amount, a transaction's value) are often known only
    then. Unlike :class:`~sklearn.model_selection.FixedThresholdClassifier`
    it handles any number of classes.

    The decision is only as good as the probabilities. ``calibration``
    recalibrates them with scikit-learn's
    :class:`~sklearn.calibration.CalibratedClassifierCV`: by cross-validation
    for an estimator that :meth:`fit` trains, or on the data passed to
    :meth:`fit` (e.g. a validation split) for a prefit estimator wrapped in
    :class:`~sklearn.frozen.FrozenEstimator`.

    No double counting: an estimator trained with class-level weights
    (``class_weight``, a ``misclass_weights`` table with constant rows, or
    ``sample_weight`` constant within each class) learns probabilities
    shifted to ``p'_i`` proportional to ``w_i p_i`` (Elkan, 2001); they are
    divided by ``w_i`` and renormalized before the decision, which recovers
    the unweighted model's decision exactly. Per-example or
    prediction-dependent weights have no exact correction: a
    :class:`DoubleCountingWarning` says so.

    .. versionadded:: 0.1

    Parameters
    ----------
    estimator : estimator instance
        A classifier with ``fit`` and ``predict_proba``, fitted or not. It is
        cloned and fitted by :meth:`fit`; wrap a fitted one in
        :class:`~sklearn.frozen.FrozenEstimator` to use it as is.
    cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
            default=None
        ``cost_matrix[i, j]``: cost of predicting ``j`` when the truth is
        ``i``, rows and columns in the order of ``classes_``. A DataFrame
        (index = true, columns = predicted) or a dict ``{(true_label,
        predicted_label): cost}`` is read by label; pairs they do not list
        cost 0 on the diagonal (being right is free) and 1 elsewhere. None
        is the 0-1 cost: predictions are the argmax of the probabilities.
        Costs must be finite and >= 0.
    calibration : {"sigmoid", "isotonic", "temperature"} or None, \
            default=None
        Calibrate the probabilities with
        :class:`~sklearn.calibration.CalibratedClassifierCV` and this
        ``method`` before deciding (``"temperature"`` needs scikit-learn 1.8
        or later). With a
        :class:`~sklearn.frozen.FrozenEstimator`, the calibrator is fitted on
        all the data passed to :meth:`fit` (pass data the estimator was not
        trained on); otherwise by cross-validation (``cv``). Calibrated on
        unweighted data, the probabilities estimate the true ones, so no
        training-weight correction applies.
    cv : int, cross-validation generator, iterable or None, default=None
        The ``cv`` of :class:`~sklearn.calibration.CalibratedClassifierCV`
        (None: 5-fold) when ``calibration`` is set and the estimator is not
        frozen.
    training_weights : "auto", dict, array-like of shape (K,) or None, \
            default="auto"
        Class-level weights the probabilities were learned with, divided out
        before the decision. "auto" reads them from the estimator (also
        inside a Pipeline or a FrozenEstimator, and the best estimator of a
        search such as GridSearchCV): its ``class_weight``, its
        ``misclass_weights`` when every row is constant, and the
        ``sample_weight`` or ``sample_tables`` that :meth:`fit` passes on;
        weights it cannot undo raise a :class:`DoubleCountingWarning` (so does
        ``class_weight="balanced"`` together with a ``sample_weight`` for an
        estimator of another library: scikit-learn's ``LogisticRegression``
        counts the classes by their weights, ``SVC`` by their examples). A dict
        ``{label: weight}`` or an array in the order of ``classes_`` gives
        them explicitly (a pandas Series is read by its index, as a dict);
        None uses the probabilities as they are.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted inner classifier, or the fitted
        :class:`~sklearn.calibration.CalibratedClassifierCV` around it when
        ``calibration`` is set.
    classes_ : ndarray of shape (n_classes,)
        Class labels (those of ``estimator_``).
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The validated global cost matrix, in the order of ``classes_``.
    training_weights_ : ndarray of shape (n_classes,) or None
        The class-level training weights divided out of the probabilities,
        or None.
    n_features_in_ : int
        Number of features seen during :term:`fit`, if ``estimator_`` has it.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, if ``estimator_`` has it.

    See Also
    --------
    sklearn.model_selection.FixedThresholdClassifier : Binary decisions at a
        fixed threshold.
    skweighted.cost_proportionate_weights : Train for the cost-optimal
        decision instead, and predict with the model's own argmax.
    skweighted.metrics.misclassification_cost : Measure the decisions in cost.

    References
    ----------
    .. [1] C. Elkan, "The foundations of cost-sensitive learning", IJCAI 2001.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skweighted import MinimumCostClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)  # 0 = malignant
    >>> C = {(0, 1): 10.0}  # missing a malignant case costs 10, other errors 1
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> clf = MinimumCostClassifier(model, cost_matrix=C).fit(X, y)
    >>> clf.cost_matrix_
    array([[ 0., 10.],
           [ 1.,  0.]])
    >>> clf.predict(X[:3])
    array([0, 0, 0])

    Per-example costs at decision time, one (K, K) table per example:

    >>> import numpy as np
    >>> T = np.tile(clf.cost_matrix_, (3, 1, 1))
    >>> clf.predict(X[:3], sample_tables=T)
    array([0, 0, 0])

    Probabilities calibrated by 3-fold cross-validation:

    >>> clf = MinimumCostClassifier(model, cost_matrix=C, calibration="sigmoid",
    ...                             cv=3).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "cost_matrix": ["array-like", dict, None],
        "calibration": [StrOptions(_CALIBRATIONS), None],
        "cv": ["cv_object"],
        "training_weights": [StrOptions({"auto"}), dict, "array-like", None],
    }

    def __init__(
        self,
        estimator,
        *,
        cost_matrix=None,
        calibration=None,
        cv=None,
        training_weights="auto",
    ):
        self.estimator = estimator
        self.cost_matrix = cost_matrix
        self.calibration = calibration
        self.cv = cv
        self.training_weights = training_weights

    # ----------------------------------------------------------- fitting
    def _classes_before_fit(self, y):
        """Best guess of the inner classes, to check costs before training."""
        if isinstance(self.estimator, FrozenEstimator):  # kept as it is
            try:
                check_is_fitted(self.estimator)
                return np.asarray(self.estimator.classes_)
            except (NotFittedError, AttributeError, TypeError):
                pass
        # A `classes` parameter (ours), also at the end of a Pipeline.
        final = getattr(self.estimator, "_final_estimator", self.estimator)
        classes = getattr(final, "classes", None)
        if classes is not None and not callable(classes):
            return np.asarray(classes)
        # Otherwise the inner estimator learns its classes from y.
        return np.unique(y)

    @_fit_context(
        # MinimumCostClassifier.estimator is not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, **fit_params):
        """Fit the inner classifier (a frozen one is kept as is), and calibrate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; with ``calibration`` and a frozen estimator, the
            calibration data.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Parameters for the inner estimator's ``fit``, such as
            ``sample_weight`` or ``sample_tables``. With metadata routing
            enabled they are routed as the inner estimator requests
            (``estimator.set_fit_request(sample_tables=True)``); otherwise
            they are passed straight to its ``fit`` (with ``calibration``,
            to :class:`~sklearn.calibration.CalibratedClassifierCV`'s, which
            also weighs the calibration by ``sample_weight``).

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        # Check the costs before the inner estimator trains (which may take
        # long, or start TensorFlow).
        classes = self._classes_before_fit(y)
        check_cost_matrix(self.cost_matrix, classes, classes_name=None)
        if self.training_weights is not None and not (
            isinstance(self.training_weights, str) and self.training_weights == "auto"
        ):
            self._explicit_weights(classes)
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            inner_params = routed.estimator.fit
        else:
            inner_params = fit_params
        if self.calibration is None:
            self.estimator_ = clone(self.estimator).fit(X, y, **inner_params)
        else:
            self.estimator_ = CalibratedClassifierCV(
                clone(self.estimator), method=self.calibration, cv=self.cv
            ).fit(X, y, **inner_params)
        self.cost_matrix_ = check_cost_matrix(
            self.cost_matrix, self.classes_, classes_name=None
        )
        self.training_weights_ = self._training_weights(y, inner_params)
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def _training_weights(self, y=None, fit_params=None):
        """The class weights to divide out of the probabilities, or None.

        Warns (DoubleCountingWarning) when the probabilities were learned
        with weights that have no exact correction.
        """
        classes = self.classes_
        k = len(classes)
        if self.training_weights is None:
            return None
        if not (
            isinstance(self.training_weights, str) and self.training_weights == "auto"
        ):
            return self._explicit_weights(classes)
        fit_params = fit_params or {}
        trained_here = not isinstance(self.estimator, FrozenEstimator)
        reasons = []
        weights = np.ones(k)
        order = None  # the order of the tables' rows and columns: classes_
        if self.calibration is not None:
            # The calibrator maps the scores to the probabilities of the data
            # passed to fit, weighted only by the sample_weight it is given
            # itself (not one meant for a step of the estimator).
            sample_weight, tables = fit_params.get("sample_weight"), None
        else:
            sample_weight = self._final_fit_param(fit_params, "sample_weight")
            tables = self._final_fit_param(fit_params, "sample_tables")
            # the fitted one: a search's chosen parameters are known after fit
            fitted = _unwrap(getattr(self, "estimator_", self.estimator))
            params = (
                fitted.get_params(deep=False) if hasattr(fitted, "get_params") else {}
            )
            weights *= self._class_weight_param(
                params.get("class_weight"),
                y,
                reasons,
                by_weight_unknown=trained_here
                and sample_weight is not None
                and not _counts_balanced_by_examples(fitted),
            )
            order = _table_classes(fitted)
            if tables is None or not trained_here:  # tables win over the table
                weights *= self._table_param(
                    params.get("misclass_weights"), order, reasons
                )
            if getattr(fitted, "example_weighted_", False) and not (
                trained_here and (sample_weight is not None or tables is not None)
            ):
                reasons.append(
                    "the estimator was fitted with per-example sample_weight or "
                    "sample_tables"
                )
            if not trained_here:
                sample_weight = tables = None  # a frozen estimator does not train
        if sample_weight is not None or tables is not None:
            factors = self._example_factors(y, sample_weight, tables, order, reasons)
            if factors is not None:
                weights *= factors
        if reasons:
            warnings.warn(
                "The probabilities were learned with weights that cannot be "
                f"divided out ({'; '.join(reasons)}), so deciding by expected cost "
                "on top of them counts the costs twice. Train without weights and "
                "decide with MinimumCostClassifier, or use the weighted model's own "
                "predict. If the weights were one per class, pass them as "
                "training_weights={label: weight}; training_weights=None uses the "
                "probabilities as they are, without this warning.",
                DoubleCountingWarning,
                stacklevel=4,
            )
            return None
        if np.allclose(weights, weights[0]):
            return None
        return weights

    def _final_fit_param(self, fit_params, name):
        """The fit parameter ``name`` that the learning step received, or None.

        For a Pipeline, the one passed as ``step__name``, or with metadata
        routing the one its last step requested (under its alias).
        """
        steps = getattr(self.estimator, "steps", None)
        if not steps:
            return fit_params.get(name)
        if not _routing_enabled():
            return fit_params.get(f"{steps[-1][0]}__{name}")
        requests = getattr(get_routing_for_object(steps[-1][1]), "fit", None)
        request = None if requests is None else requests.requests.get(name)
        if request is True:
            return fit_params.get(name)
        if isinstance(request, str):
            return fit_params.get(request)
        return None

    def _explicit_weights(self, classes):
        k = len(classes)
        given = self.training_weights
        if hasattr(given, "index") and hasattr(given, "items") and np.ndim(given) == 1:
            given = dict(given.items())  # a pandas Series: read by its labels
        if isinstance(given, dict):
            weights = np.ones(k)
            positions = label_positions(
                list(given), classes, "training_weights", "", classes_name=None
            )
            weights[positions] = list(given.values())
        else:
            weights = np.asarray(given, dtype=np.float64)
            if weights.shape != (k,):
                raise ValueError(
                    f"training_weights must have one weight per class, shape ({k},), "
                    f"got shape {weights.shape}."
                )
        _check_values(np.asarray(weights, dtype=np.float64), "training_weights")
        if (weights <= 0).any():
            raise ValueError(
                "training_weights must be > 0: a class trained with weight 0 has "
                "no probability to recover."
            )
        return np.asarray(weights, dtype=np.float64)

    def _class_weight_param(self, class_weight, y, reasons, by_weight_unknown=False):
        """The class weights an inner estimator trained with, one per class.

        ``by_weight_unknown``: the estimator also received a sample_weight and
        may count the classes of ``"balanced"`` by their weights rather than
        by their examples (scikit-learn's estimators differ).
        """
        classes = self.classes_
        k = len(classes)
        if class_weight is None:
            return np.ones(k)
        if isinstance(class_weight, str) and class_weight == "balanced":
            if y is None:
                reasons.append(
                    "class_weight='balanced' with class counts unknown here (call "
                    "fit with the training labels)"
                )
                return np.ones(k)
            if by_weight_unknown:
                reasons.append(
                    "class_weight='balanced' together with a sample_weight, which "
                    "some estimators count into the classes' sizes and others do "
                    "not"
                )
                return np.ones(k)
            return balanced_class_weights(label_indices(y, classes), k)
        if isinstance(class_weight, dict):
            weights = np.ones(k)
            positions = label_positions(
                list(class_weight), classes, "class_weight", "", classes_name=None
            )
            weights[positions] = list(class_weight.values())
            if (weights <= 0).any():
                reasons.append("a class weight is 0")
                return np.ones(k)
            return weights
        reasons.append(f"class_weight={class_weight!r} is not a dict or 'balanced'")
        return np.ones(k)

    def _table_param(self, table, order, reasons):
        """The class weights of a table with constant rows, whose rows and
        columns follow ``order`` (None: ``classes_``), in ``classes_`` order."""
        k = len(self.classes_)
        if table is None:
            return np.ones(k)
        if order is None:
            order = self.classes_
        table = check_cost_table(table, order, classes_name=None)
        positions = class_order(order, self.classes_)
        if positions is not None:
            table = table[np.ix_(positions, positions)]
        if np.ptp(table, axis=1).max() > 0:
            reasons.append(
                "misclass_weights makes the weight depend on the prediction (its "
                "rows are not constant)"
            )
            return np.ones(k)
        if (table[:, 0] <= 0).any():
            reasons.append("a class weighs 0 in misclass_weights")
            return np.ones(k)
        return table[:, 0].copy()

    def _example_factors(self, y, sample_weight, tables, order, reasons):
        """Class weights from per-example weights and tables whose rows and
        columns follow ``order`` (None: ``classes_``), or None."""
        classes = self.classes_
        y_idx = label_indices(y, classes)
        n = len(y_idx)
        factors = np.ones(n)
        if sample_weight is not None:
            factors = factors * np.asarray(sample_weight, dtype=np.float64)
        if tables is not None:
            rows = true_rows(
                tables, y_idx, len(classes), classes=classes, order=order, dtype=float
            )
            if np.ptp(rows, axis=1).max() > 0:
                reasons.append(
                    "sample_tables make the weight depend on the prediction (their "
                    "true-class rows are not constant)"
                )
                return None
            factors = factors * rows[:, 0]
        weights = _class_level(factors, y_idx, len(classes))
        if weights is None:
            reasons.append("sample_weight or sample_tables differ within a class")
            return None
        if (weights <= 0).any():
            reasons.append("a class weighs 0")
            return None
        return weights

    @property
    def classes_(self):
        """Class labels, those of the inner estimator."""
        if (estimator := getattr(self, "estimator_", None)) is not None:
            return estimator.classes_
        try:
            check_is_fitted(self.estimator)
            return self.estimator.classes_
        except NotFittedError:
            raise AttributeError(
                "The underlying estimator is not fitted yet."
            ) from NotFittedError

    # -------------------------------------------------------- predicting
    def _fitted(self):
        _check_is_fitted(self)
        if not hasattr(self, "estimator_"):  # prefit: fit() never checked them
            self._validate_params()
        return getattr(self, "estimator_", self.estimator)

    def _costs(self):
        costs = getattr(self, "cost_matrix_", None)
        if costs is None:  # a prefit inner estimator, fit() never ran
            costs = check_cost_matrix(
                self.cost_matrix, self.classes_, classes_name=None
            )
        return costs

    def _check_decision_tables(self, sample_tables, n_samples):
        k = len(self.classes_)
        tables = check_sample_tables(
            sample_tables, n_samples, k, classes=self.classes_, classes_name=None
        )
        if tables.ndim != 3:
            raise ValueError(
                "sample_tables at decision time must have shape (n_samples, K, K) "
                f"= ({n_samples}, {k}, {k}): the true class is unknown, so every row "
                f"is needed; got shape {tables.shape}."
            )
        _check_values(tables, "sample_tables", what="costs")
        return tables

    def _proba(self, X):
        """The probabilities the decision uses (calibrated, weights undone)."""
        estimator = self._fitted()
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        classes = self.classes_
        if proba.ndim != 2 or proba.shape[1] != len(classes):
            raise ValueError(
                f"The inner estimator's predict_proba returned shape {proba.shape}; "
                f"expected (n_samples, {len(classes)}) for the classes_."
            )
        if hasattr(self, "estimator_"):
            weights = self.training_weights_
        else:  # a prefit inner estimator, fit() never ran
            weights = self._training_weights()
        if weights is not None:
            proba = proba / weights
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X, sample_tables=None):
        """Predict the class of minimum expected cost.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as accepted by the inner estimator.
        sample_tables : array-like of shape (n_samples, K, K), default=None
            One cost table per example, ``sample_tables[k, true, pred]`` in
            the order of ``classes_``; replaces ``cost_matrix`` for these
            examples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        _check_is_fitted(self)
        tables = None
        if sample_tables is not None:
            # Checked before predicting, which may start TensorFlow.
            tables = self._check_decision_tables(sample_tables, _num_samples(X))
        proba = self._proba(X)
        classes = self.classes_
        if tables is None and self.cost_matrix is None:
            return classes[np.argmax(proba, axis=1)]
        expected = _expected_costs(proba, self._costs(), tables)
        return classes[np.argmin(expected, axis=1)]

    @available_if(_fitted_has("predict_proba"))
    def predict_proba(self, X):
        """Probabilities the decisions use.

        Those of the inner estimator, calibrated when ``calibration`` is set
        and with class-level training weights divided out (see
        ``training_weights``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as the inner estimator accepts them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probabilities the decision uses (calibrated when
            ``calibration`` is set), columns in the order of ``classes_``.
        """
        return self._proba(X)

    @available_if(_fitted_has("predict_proba"))
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as the inner estimator accepts them.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The logarithm of :meth:`predict_proba`.
        """
        with np.errstate(divide="ignore"):
            return np.log(self._proba(X))

    @available_if(_fitted_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the inner estimator (uncorrected).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as the inner estimator accepts them.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The inner estimator's decision function, as it returns it.
        """
        return self._fitted().decision_function(X)

    # ------------------------------------------------------------ sklearn
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.non_deterministic = inner.non_deterministic
        return tags

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Please check :ref:`User Guide <metadata_routing>` on how the routing
        mechanism works.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            routing ``fit`` metadata to the inner estimator's ``fit``.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=self.estimator,
                method_mapping=MethodMapping().add(callee="fit", caller="fit"),
            )
        )
