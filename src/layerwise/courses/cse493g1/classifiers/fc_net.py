"""UW CSE 493G1 ``classifiers.fc_net``: re-exports :mod:`layerwise.courses.cs231n.classifiers.fc_net`."""

from layerwise.courses.cs231n.classifiers.fc_net import *  # noqa: F401,F403
from layerwise.courses.cs231n.classifiers.fc_net import __all__  # noqa: F401
