"""UCLA ``nn1.layer_utils``: re-exports :mod:`layerwise.courses.nndl.layer_utils`."""

from layerwise.courses.nndl.layer_utils import *  # noqa: F401,F403
from layerwise.courses.nndl.layer_utils import __all__  # noqa: F401
