"""UW CSE 493G1 ``classifiers.softmax``: re-exports :mod:`layerwise.courses.cs231n.classifiers.softmax`."""

from layerwise.courses.cs231n.classifiers.softmax import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.softmax import __all__  # noqa: F401
