"""UW CSE 493G1 ``layers``: re-exports :mod:`layerwise.courses.cs231n.layers`."""

from layerwise.courses.cs231n.layers import *  # noqa: F401,F403
from layerwise.courses.cs231n.layers import __all__  # noqa: F401
