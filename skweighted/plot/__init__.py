"""Plots of misclassification cost (matplotlib is an optional dependency).

Importing this package does not import matplotlib; plotting does.
"""

from ._cost_matrix import CostMatrixDisplay

__all__ = ["CostMatrixDisplay"]
