"""UW CSE 493G1 ``classifiers.linear_svm``: re-exports :mod:`layerwise.courses.cs231n.classifiers.linear_svm`."""

from layerwise.courses.cs231n.classifiers.linear_svm import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.linear_svm import __all__  # noqa: F401
