"""UCLA ``nn1.layer_utils``: the affine-ReLU sandwich, plus all of ``nn1.layers`` (the course star-imports it)."""

from layerwise.layer_utils import affine_relu_backward, affine_relu_forward

from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all

__all__ = _layers_all + ["affine_relu_forward", "affine_relu_backward"]
