"""UW CSE 493G1 ``features``: re-exports :mod:`layerwise.courses.cs231n.features`."""

from layerwise.courses.cs231n.features import *  # noqa: F401,F403
from layerwise.courses.cs231n.features import __all__  # noqa: F401
