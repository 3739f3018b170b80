"""UW CSE 493G1 ``classifiers.cnn``: re-exports :mod:`layerwise.courses.cs231n.classifiers.cnn`."""

from layerwise.courses.cs231n.classifiers.cnn import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.cnn import __all__  # noqa: F401
