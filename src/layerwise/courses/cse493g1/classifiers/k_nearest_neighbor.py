"""UW CSE 493G1 ``classifiers.k_nearest_neighbor``: re-exports the cs231n module of that name."""

from layerwise.courses.cs231n.classifiers.k_nearest_neighbor import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.k_nearest_neighbor import __all__  # noqa: F401
