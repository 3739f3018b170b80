"""UCLA ``nn1.layers``: the same layers as ``nndl.layers`` (:mod:`layerwise.courses.nndl.layers`)."""

from layerwise.courses.nndl.layers import *  # noqa: F401,F403
from layerwise.courses.nndl.layers import __all__  # noqa: F401
