"""UW CSE 493G1 ``layer_utils``: re-exports :mod:`layerwise.courses.cs231n.layer_utils`."""

from layerwise.courses.cs231n.layer_utils import *  # noqa: F401,F403
from layerwise.courses.cs231n.layer_utils import __all__  # noqa: F401
