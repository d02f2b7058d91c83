"""A heatmap of where the misclassification cost comes from.

matplotlib is imported only when plotting; without it, :meth:`plot` raises an
ImportError saying how to install it.
"""

import inspect
from itertools import product

import numpy as np

from .._tables import class_order
from ..metrics._cost import cost_cells

__all__ = ["CostMatrixDisplay"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "CostMatrixDisplay.plot needs matplotlib, which is not installed. "
            "Install it with `pip install matplotlib` (or the `skweighted[plot]` "
            "extra)."
        ) from exc
    return plt


def _accepts(method, name):
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _predict_takes_tables(estimator):
    """Whether ``estimator.predict`` passes ``sample_tables`` to a decision.

    Its own ``predict`` names them (as MinimumCostClassifier's), or it is a
    Pipeline whose last step's ``predict`` does: a Pipeline passes its
    ``predict`` parameters on to that step.
    """
    if _accepts(estimator.predict, "sample_tables"):
        return True
    final = getattr(estimator, "_final_estimator", None)
    return (
        hasattr(estimator, "steps")
        and final is not None
        and _predict_takes_tables(final)
    )


def _in_class_order(tables, labels, classes):
    """Full tables whose rows and columns follow ``labels``, reordered to
    follow ``classes`` (the estimator's ``classes_``), as its ``predict``
    reads them."""
    tables = np.asarray(tables)
    if labels is None or classes is None:
        return tables
    try:
        positions = class_order(labels, classes)
    except ValueError:
        raise ValueError(
            f"The estimator's classes {np.asarray(classes).tolist()!r} are not all "
            f"in labels={np.asarray(labels).tolist()!r}, the order of the tables' "
            "rows and columns: give labels that include every class of its "
            "classes_."
        ) from None
    if positions is None:
        return tables
    return tables[:, positions][:, :, positions]


def _predict_with_tables(estimator, X, tables):
    """``estimator.predict(X, sample_tables=tables)``; a Pipeline's last step
    gets the tables also under metadata routing, where the Pipeline would
    refuse them unless that step requested them."""
    import sklearn

    if sklearn.get_config()["enable_metadata_routing"] and hasattr(estimator, "steps"):
        Xt = estimator[:-1].transform(X) if len(estimator.steps) > 1 else X
        return _predict_with_tables(estimator[-1], Xt, tables)
    return estimator.predict(X, sample_tables=tables)


class CostMatrixDisplay:
    """Heatmap of the cost in each (true class, predicted class) cell.

    Cell ``(i, j)`` holds the total cost of the examples of true class ``i``
    predicted as ``j``: the confusion counts times the costs (each example's
    own cost when the costs are per example). The cells sum to
    :func:`~skweighted.metrics.misclassification_cost`. Build it with
    :meth:`from_estimator` or :meth:`from_predictions`; matplotlib is only
    needed to plot.

    .. versionadded:: 0.1

    Parameters
    ----------
    costs : ndarray of shape (n_classes, n_classes)
        Cost per cell, rows = true class, columns = predicted class.
    display_labels : array-like of shape (n_classes,), default=None
        Tick labels; defaults to ``0 .. n_classes - 1``.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        The heatmap.
    text_ : ndarray of shape (n_classes, n_classes) of matplotlib Text or None
        The cell annotations, None if ``include_values=False``.
    ax_ : matplotlib Axes
        Axes with the heatmap.
    figure_ : matplotlib Figure
        Figure holding the heatmap.

    See Also
    --------
    skweighted.metrics.misclassification_cost : The total cost.
    sklearn.metrics.ConfusionMatrixDisplay : The counts alone.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skweighted.plot import CostMatrixDisplay
    >>> y_true = [0, 0, 1, 1, 1]
    >>> y_pred = [0, 1, 0, 0, 1]
    >>> disp = CostMatrixDisplay.from_predictions(
    ...     y_true, y_pred, cost_matrix=[[0, 1], [10, 0]])
    >>> disp.costs
    array([[ 0.,  1.],
           [20.,  0.]])
    >>> disp.ax_.get_title()
    'Total cost: 21'
    """

    def __init__(self, costs, *, display_labels=None):
        self.costs = costs
        self.display_labels = display_labels

    def plot(
        self,
        *,
        include_values=True,
        normalize=False,
        cmap="Reds",
        xticks_rotation="horizontal",
        values_format=None,
        ax=None,
        colorbar=True,
        title=True,
        im_kw=None,
        text_kw=None,
    ):
        """Plot the heatmap.

        Parameters
        ----------
        include_values : bool, default=True
            Write each cell's cost in it.
        normalize : bool, default=False
            Show each cell's share of the total cost instead of the cost.
        cmap : str or matplotlib Colormap, default="Reds"
            Colormap of the heatmap.
        xticks_rotation : {"vertical", "horizontal"} or float, \
                default="horizontal"
            Rotation of the predicted-class labels on the x axis.
        values_format : str, default=None
            Format of the annotations, e.g. ".2f"; defaults to ".3g" (".1%"
            when ``normalize=True``).
        ax : matplotlib Axes, default=None
            Axes to draw in; a new figure is made if None.
        colorbar : bool, default=True
            Draw a colorbar beside the heatmap.
        title : bool or str, default=True
            True writes the total cost as the title; a string is used as is.
        im_kw : dict, default=None
            Passed to ``ax.imshow``.
        text_kw : dict, default=None
            Passed to ``ax.text``.

        Returns
        -------
        display : CostMatrixDisplay
            ``self``, with ``im_``, ``text_``, ``ax_`` and ``figure_`` set.
        """
        plt = _pyplot()
        costs = np.asarray(self.costs, dtype=float)
        if costs.ndim != 2 or costs.shape[0] != costs.shape[1]:
            raise ValueError(
                f"costs must be a square (K, K) array, got shape {costs.shape}."
            )
        k = costs.shape[0]
        total = costs.sum()
        shown = costs / total if normalize and total > 0 else costs
        if ax is None:
            fig, ax = plt.subplots()
        else:
            fig = ax.figure
        im_kw = {"interpolation": "nearest", "cmap": cmap, **(im_kw or {})}
        self.im_ = ax.imshow(shown, **im_kw)
        self.text_ = None
        if include_values:
            fmt = values_format or (".1%" if normalize else ".3g")
            cmap_min, cmap_max = self.im_.cmap(0), self.im_.cmap(1.0)
            threshold = (shown.max() + shown.min()) / 2.0
            self.text_ = np.empty_like(shown, dtype=object)
            for i, j in product(range(k), range(k)):
                color = cmap_max if shown[i, j] < threshold else cmap_min
                kw = {"ha": "center", "va": "center", "color": color}
                kw.update(text_kw or {})
                self.text_[i, j] = ax.text(j, i, format(shown[i, j], fmt), **kw)
        labels = np.arange(k) if self.display_labels is None else self.display_labels
        if colorbar:
            fig.colorbar(self.im_, ax=ax)
        ax.set(
            xticks=np.arange(k),
            yticks=np.arange(k),
            xticklabels=labels,
            yticklabels=labels,
            ylabel="True label",
            xlabel="Predicted label",
        )
        ax.set_ylim((k - 0.5, -0.5))
        plt.setp(ax.get_xticklabels(), rotation=xticks_rotation)
        if title is True:
            ax.set_title(f"Total cost: {total:.4g}")
        elif title:
            ax.set_title(title)
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        cost_matrix=None,
        sample_tables=None,
        labels=None,
        sample_weight=None,
        display_labels=None,
        **plot_kw,
    ):
        """Plot the cost per cell from true and predicted labels.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            Predicted labels.
        cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
                default=None
            Global costs, ``cost_matrix[true, pred]``, as in
            :func:`~skweighted.metrics.misclassification_cost` (None: each
            error costs 1, so the cells are the error counts).
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None
            Per-example costs; win over ``cost_matrix``.
        labels : array-like of shape (K,), default=None
            Class labels, in the order of the tables' rows and columns.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each example's cost.
        display_labels : array-like of shape (K,), default=None
            Tick labels; defaults to ``labels``.
        **plot_kw
            Passed to :meth:`plot` (``ax``, ``cmap``, ``normalize``, ...).

        Returns
        -------
        display : CostMatrixDisplay
            The display, plotted.
        """
        costs, labels = cost_cells(
            y_true,
            y_pred,
            cost_matrix=cost_matrix,
            sample_tables=sample_tables,
            labels=labels,
            sample_weight=sample_weight,
        )
        if display_labels is None:
            display_labels = labels
        return cls(costs, display_labels=display_labels).plot(**plot_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        cost_matrix=None,
        sample_tables=None,
        labels=None,
        sample_weight=None,
        display_labels=None,
        **plot_kw,
    ):
        """Plot the cost per cell of a fitted classifier's predictions.

        Parameters
        ----------
        estimator : fitted classifier
            Its ``predict`` gives the predictions; when it takes
            ``sample_tables`` (as :class:`~skweighted.MinimumCostClassifier`
            does, also as the last step of a Pipeline) and full
            (n_samples, K, K) tables are given, they are passed to it too.
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The examples to predict.
        y : array-like of shape (n_samples,)
            True labels.
        cost_matrix : None, array-like of shape (K, K), DataFrame or dict, \
                default=None
            Global costs, ``cost_matrix[true, pred]``, as in
            :func:`~skweighted.metrics.misclassification_cost` (None: each
            error costs 1, so the cells are the error counts).
        sample_tables : array-like of shape (n_samples, K, K) or \
                (n_samples, K), default=None
            Per-example costs; win over ``cost_matrix``. Full tables are
            also passed to the estimator's ``predict`` when it takes them.
        labels : array-like of shape (K,), default=None
            Class labels, in the order of the tables' rows and columns;
            defaults to the estimator's ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each example's cost.
        display_labels : array-like of shape (K,), default=None
            Tick labels; defaults to ``labels``.
        **plot_kw
            Passed to :meth:`plot` (``ax``, ``cmap``, ``normalize``, ...).

        Returns
        -------
        display : CostMatrixDisplay
            The display, plotted.
        """
        classes = getattr(estimator, "classes_", None)
        if labels is None:
            labels = classes
        if (
            sample_tables is not None
            and np.ndim(sample_tables) == 3
            and _predict_takes_tables(estimator)
        ):
            tables = _in_class_order(sample_tables, labels, classes)
            y_pred = _predict_with_tables(estimator, X, tables)
        else:
            y_pred = estimator.predict(X)
        return cls.from_predictions(
            y,
            y_pred,
            cost_matrix=cost_matrix,
            sample_tables=sample_tables,
            labels=labels,
            sample_weight=sample_weight,
            display_labels=display_labels,
            **plot_kw,
        )
