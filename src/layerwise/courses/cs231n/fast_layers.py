"""cs231n ``fast_layers``: the course's fast convolution and pooling names, bound to layerwise's fast kernels."""

# The course has several fast variants (im2col, strides, reshape) behind
# conv_forward_fast and max_pool_forward_fast.  layerwise has one fast kernel
# per operation, so every variant name is that kernel, and the cache of any
# forward goes with any backward of the same operation.
from layerwise.layers import (
    conv_backward as conv_backward_fast,
    conv_backward as conv_backward_im2col,
    conv_backward as conv_backward_strides,
    conv_forward as conv_forward_fast,
    conv_forward as conv_forward_im2col,
    conv_forward as conv_forward_strides,
    max_pool_backward as max_pool_backward_fast,
    max_pool_backward as max_pool_backward_im2col,
    max_pool_backward as max_pool_backward_reshape,
    max_pool_forward as max_pool_forward_fast,
    max_pool_forward as max_pool_forward_im2col,
    max_pool_forward as max_pool_forward_reshape,
)

__all__ = [
    "conv_forward_fast", "conv_backward_fast",
    "conv_forward_im2col", "conv_backward_im2col",
    "conv_forward_strides", "conv_backward_strides",
    "max_pool_forward_fast", "max_pool_backward_fast",
    "max_pool_forward_reshape", "max_pool_backward_reshape",
    "max_pool_forward_im2col", "max_pool_backward_im2col",
]
