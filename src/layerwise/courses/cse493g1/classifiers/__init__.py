"""UW CSE 493G1 ``classifiers``: re-exports :mod:`layerwise.courses.cs231n.classifiers`."""

from layerwise.courses.cs231n.classifiers import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers import __all__  # noqa: F401
