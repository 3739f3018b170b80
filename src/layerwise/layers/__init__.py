"""Functional layers: the single source of truth for every piece of math.

Each layer is a pair ``X_forward(...) -> (out, cache)`` and
``X_backward(dout, cache) -> grads``.  Forward functions are pure except for
the documented state dictionaries (``bn_param``, ``ln_param``,
``dropout_param``), which they update in place.

Shapes follow the course convention: affine inputs ``x: (N, d1, ..., dk)`` are
flattened to ``(N, D)`` inside the layer and ``dx`` comes back in the original
shape; affine weights are ``w: (D, M)``; images are ``x: (N, C, H, W)``.

The package is split by family; every public kernel is importable from here:

- :mod:`.dense`: affine, ReLU, leaky ReLU, sigmoid, tanh, GELU, dropout;
- :mod:`.normalization`: batch and layer normalization and their shared
  standardization;
- :mod:`.convolution`: convolution, max/average pooling and spatial batch/group
  normalization (naive references, fast NCHW functions, the (C, H, W, N)
  kernels the models use);
- :mod:`.losses`: softmax and multiclass SVM losses.
"""

from .convolution import (
    avg_pool_backward,
    avg_pool_forward,
    conv_backward,
    conv_backward_naive,
    conv_forward,
    conv_forward_naive,
    max_pool_backward,
    max_pool_backward_naive,
    max_pool_forward,
    max_pool_forward_naive,
    relu_max_pool_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)
from .dense import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    gelu_backward,
    gelu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from .losses import softmax, softmax_loss, svm_loss
from .normalization import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward",
    "gelu_forward", "gelu_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
    "layernorm_forward", "layernorm_backward",
    "dropout_forward", "dropout_backward",
    "softmax_loss", "svm_loss", "softmax",
    # convolution family
    "conv_forward", "conv_backward", "conv_forward_naive", "conv_backward_naive",
    "max_pool_forward", "max_pool_backward", "max_pool_forward_naive", "max_pool_backward_naive",
    "relu_max_pool_forward",
    "avg_pool_forward", "avg_pool_backward",
    "spatial_batchnorm_forward", "spatial_batchnorm_backward",
    "spatial_groupnorm_forward", "spatial_groupnorm_backward",
]
