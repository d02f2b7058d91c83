"""Minimum-expected-cost decisions around any probabilistic classifier.

Numpy and scikit-learn only: importing this module never loads Keras or
TensorFlow (the inner estimator may, when it is fitted or predicts).
"""

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _estimator_has,
    _num_samples,
    check_is_fitted,
    column_or_1d,
    indexable,
)

from ._tables import _check_values, check_sample_tables
from .metrics._cost import check_cost_matrix

__all__ = ["MinimumCostClassifier"]


def _check_is_fitted(meta):
    """Fitted if ``fit`` ran, or if the inner estimator is (e.g. frozen)."""
    if hasattr(meta, "estimator_"):
        return
    try:
        check_is_fitted(meta.estimator)
    except NotFittedError:
        check_is_fitted(meta, "estimator_")


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

    The decision is only as good as the probabilities: calibrate them (e.g.
    with :class:`~sklearn.calibration.CalibratedClassifierCV`) if needed. A
    network trained with cost weights already leans towards the costly
    classes; adding cost-aware decisions on top counts the costs twice,
    which may or may not pay off: measure it.

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
        is the 0-1 cost: predictions are the argmax of ``predict_proba``.
        Costs must be finite and >= 0.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted inner classifier.
    classes_ : ndarray of shape (n_classes,)
        Class labels (those of ``estimator_``).
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The validated global cost matrix, in the order of ``classes_``.
    n_features_in_ : int
        Number of features seen during :term:`fit`, if ``estimator_`` has it.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, if ``estimator_`` has it.

    See Also
    --------
    sklearn.model_selection.FixedThresholdClassifier : Binary decisions at a
        fixed threshold.
    skweighted.metrics.misclassification_cost : Measure the decisions in cost.

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
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "cost_matrix": ["array-like", dict, None],
    }

    def __init__(self, estimator, *, cost_matrix=None):
        self.estimator = estimator
        self.cost_matrix = cost_matrix

    # ----------------------------------------------------------- fitting
    def _classes_before_fit(self, y):
        """Best guess of the inner classes, to check costs before training."""
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
        """Fit the inner classifier (a frozen one is kept as is).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Parameters for the inner estimator's ``fit``, such as
            ``sample_weight`` or ``sample_tables``. With metadata routing
            enabled they are routed as the inner estimator requests
            (``estimator.set_fit_request(sample_tables=True)``); otherwise
            they are passed straight to its ``fit``.

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
        check_cost_matrix(self.cost_matrix, self._classes_before_fit(y))
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            inner_params = routed.estimator.fit
        else:
            inner_params = fit_params
        self.estimator_ = clone(self.estimator).fit(X, y, **inner_params)
        self.cost_matrix_ = check_cost_matrix(self.cost_matrix, self.classes_)
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

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
        return getattr(self, "estimator_", self.estimator)

    def _costs(self):
        costs = getattr(self, "cost_matrix_", None)
        if costs is None:  # a prefit inner estimator, fit() never ran
            costs = check_cost_matrix(self.cost_matrix, self.classes_)
        return costs

    def _check_decision_tables(self, sample_tables, n_samples):
        k = len(self.classes_)
        tables = check_sample_tables(sample_tables, n_samples, k)
        if tables.ndim != 3:
            raise ValueError(
                "sample_tables at decision time must have shape (n_samples, K, K) "
                f"= ({n_samples}, {k}, {k}): the true class is unknown, so every row "
                f"is needed; got shape {tables.shape}."
            )
        _check_values(tables, "sample_tables", what="costs")
        return tables

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
        estimator = self._fitted()
        tables = None
        if sample_tables is not None:
            # Checked before predicting, which may start TensorFlow.
            tables = self._check_decision_tables(sample_tables, _num_samples(X))
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        classes = self.classes_
        if proba.ndim != 2 or proba.shape[1] != len(classes):
            raise ValueError(
                f"The inner estimator's predict_proba returned shape {proba.shape}; "
                f"expected (n_samples, {len(classes)}) for the classes_."
            )
        if tables is None and self.cost_matrix is None:
            return classes[np.argmax(proba, axis=1)]
        expected = _expected_costs(proba, self._costs(), tables)
        return classes[np.argmin(expected, axis=1)]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the inner estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._fitted().predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the inner estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return self._fitted().predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the inner estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
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
