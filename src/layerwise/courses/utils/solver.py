"""UCLA ``utils.solver``: re-exports :mod:`layerwise.courses.cs231n.solver`."""

from layerwise.courses.cs231n.solver import *  # noqa: F401,F403
from layerwise.courses.cs231n.solver import __all__  # noqa: F401
