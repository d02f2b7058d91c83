"""The default target encoder: labels or one-hot rows to class indices."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._tables import label_indices

_SUPPORTED = (
    "one label per example (numbers, strings or booleans), or one-hot rows "
    "of shape (n_samples, n_classes) with exactly one 1 per row"
)


def _is_one_hot(y):
    return (
        y.ndim == 2
        and y.shape[1] > 1
        and np.isin(y, (0, 1)).all()
        and (np.asarray(y, dtype=float).sum(axis=1) == 1).all()
    )


class ClassTargetEncoder(TransformerMixin, BaseEstimator):
    """Encode classification targets as class indices, and decode predictions.

    The default ``target_encoder`` of
    :class:`~skweighted.WeightedKerasClassifier`. ``transform`` returns the
    index of each example's class in ``classes_``; the estimator encodes
    these for the compiled loss (one-hot, sparse or one binary column). A
    replacement (override the estimator's ``target_encoder`` property) must
    have ``classes_`` after ``fit``, ``transform`` returning class indices
    (or one-hot rows) and ``inverse_transform(proba)`` returning predictions.

    Parameters
    ----------
    classes : array-like of shape (n_classes,), default=None
        The full label set (in the order of the estimator's tables). The
        probabilities' columns, ``classes_``, are the labels sorted, as in
        scikit-learn. Defaults to the labels of ``y``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted; ``0 .. K-1`` for one-hot targets.
    n_classes_ : int
        Number of classes.
    target_type_ : {"binary", "multiclass", "multiclass-onehot"}
        The kind of targets seen in ``fit``.
    n_outputs_ : int
        Always 1: one target per example.
    n_outputs_expected_ : int
        Always 1: the model has one output.

    Examples
    --------
    >>> import numpy as np
    >>> from skweighted._targets import ClassTargetEncoder
    >>> enc = ClassTargetEncoder().fit(["b", "a", "b"])
    >>> enc.transform(["a", "b"])
    array([0, 1])
    >>> enc.inverse_transform(np.array([[0.2, 0.8]]))
    array(['b'], dtype='<U1')
    """

    def __init__(self, classes=None):
        self.classes = classes

    def _check(self, y, warn=False):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            return column_or_1d(y, warn=warn), False
        if y.ndim == 1:
            return y, False
        if _is_one_hot(y):
            return y, True
        kind = type_of_target(y)
        raise ValueError(
            f"y of shape {y.shape} holds {kind} targets, which this estimator "
            f"does not support: a weight table weights one class per example. "
            f"Pass {_SUPPORTED}; for multilabel or multioutput targets, fit one "
            "estimator per output (sklearn.multioutput.MultiOutputClassifier)."
        )

    def fit(self, y):
        """Learn the label set.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Labels, or one-hot rows.

        Returns
        -------
        self : ClassTargetEncoder
        """
        y, one_hot = self._check(y, warn=True)  # once per fit, not per transform
        if one_hot:
            self.classes_ = np.arange(y.shape[1])
            self.target_type_ = "multiclass-onehot"
        else:
            self.classes_ = np.unique(y if self.classes is None else self.classes)
            self.target_type_ = "binary" if len(self.classes_) <= 2 else "multiclass"
        self.n_classes_ = len(self.classes_)
        self.n_outputs_ = 1
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y):
        """The index of each example's class in ``classes_``.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Labels, or one-hot rows (as in ``fit``).

        Returns
        -------
        indices : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        y, one_hot = self._check(y)
        if one_hot != (self.target_type_ == "multiclass-onehot"):
            raise ValueError(
                "y changed form since fit: it was "
                + (
                    "one-hot rows"
                    if self.target_type_ == "multiclass-onehot"
                    else "labels"
                )
                + f", now it has shape {y.shape}."
            )
        if one_hot:
            if y.shape[1] != self.n_classes_:
                raise ValueError(
                    f"y has {y.shape[1]} one-hot columns but the estimator was "
                    f"fitted with {self.n_classes_} classes."
                )
            return np.argmax(y, axis=1)
        return label_indices(y, self.classes_)

    def inverse_transform(self, proba, return_proba=False):
        """Predictions from class probabilities.

        Parameters
        ----------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, columns in the order of ``classes_``.
        return_proba : bool, default=False
            Return ``proba`` itself.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Labels, or one-hot rows for one-hot targets.
        """
        check_is_fitted(self)
        if return_proba:
            return proba
        idx = np.argmax(proba, axis=1)
        if self.target_type_ == "multiclass-onehot":
            return np.eye(self.n_classes_, dtype=int)[idx]
        return self.classes_[idx]
