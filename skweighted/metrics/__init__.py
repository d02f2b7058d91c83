"""Cost metrics and scorers (numpy and scikit-learn only, no Keras).

``C[i, j]`` is the cost of predicting class ``j`` when the true class is
``i``, as for ``misclass_weights``.
"""

from ._cost import make_cost_scorer, misclassification_cost, savings_score

__all__ = [
    "make_cost_scorer",
    "misclassification_cost",
    "savings_score",
]
