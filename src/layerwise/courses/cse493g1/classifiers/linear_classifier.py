"""UW CSE 493G1 ``classifiers.linear_classifier``: re-exports the cs231n module of that name."""

from layerwise.courses.cs231n.classifiers.linear_classifier import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.linear_classifier import __all__  # noqa: F401
