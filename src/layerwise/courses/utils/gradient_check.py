"""UCLA ``utils.gradient_check``: re-exports :mod:`layerwise.courses.cs231n.gradient_check`."""

from layerwise.courses.cs231n.gradient_check import *  # noqa: F401,F403
from layerwise.courses.cs231n.gradient_check import __all__  # noqa: F401
