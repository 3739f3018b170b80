"""UW CSE 493G1 ``classifiers.neural_net``: re-exports :mod:`layerwise.courses.cs231n.classifiers.neural_net`."""

from layerwise.courses.cs231n.classifiers.neural_net import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.neural_net import __all__  # noqa: F401
