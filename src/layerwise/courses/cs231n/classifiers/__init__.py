"""cs231n ``classifiers``: the k-NN and linear classifiers (and their losses) that the course's package exports."""

from .k_nearest_neighbor import *  # noqa: F401,F403
from .k_nearest_neighbor import __all__ as _knn_all
from .linear_classifier import *  # noqa: F401,F403
from .linear_classifier import __all__ as _linear_all

__all__ = _knn_all + _linear_all
