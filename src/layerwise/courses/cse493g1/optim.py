"""UW CSE 493G1 ``optim``: re-exports :mod:`layerwise.courses.cs231n.optim`."""

from layerwise.courses.cs231n.optim import *  # noqa: F401,F403
from layerwise.courses.cs231n.optim import __all__  # noqa: F401
