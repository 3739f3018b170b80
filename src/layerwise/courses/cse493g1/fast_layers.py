"""UW CSE 493G1 ``fast_layers``: re-exports :mod:`layerwise.courses.cs231n.fast_layers`."""

from layerwise.courses.cs231n.fast_layers import *  # noqa: F401,F403
from layerwise.courses.cs231n.fast_layers import __all__  # noqa: F401
