"""cs231n ``layer_utils``: the sandwich layers, plus all of ``layers`` and ``fast_layers`` (as in the course)."""

from layerwise.layer_utils import (
    affine_bn_relu_backward,
    affine_bn_relu_forward,
    affine_ln_relu_backward,
    affine_ln_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
    conv_bn_relu_backward,
    conv_bn_relu_forward,
    conv_relu_backward,
    conv_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)

# The course's layer_utils.py star-imports layers and fast_layers, so its star
# import (and that of fc_net / cnn) brings those names too.
from .fast_layers import *  # noqa: F401,F403
from .fast_layers import __all__ as _fast_layers_all
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all

__all__ = _layers_all + _fast_layers_all + [
    "affine_relu_forward", "affine_relu_backward",
    "affine_bn_relu_forward", "affine_bn_relu_backward",
    "affine_ln_relu_forward", "affine_ln_relu_backward",
    "conv_relu_forward", "conv_relu_backward",
    "conv_relu_pool_forward", "conv_relu_pool_backward",
    "conv_bn_relu_forward", "conv_bn_relu_backward",
]
