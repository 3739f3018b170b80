"""Sandwich layers: common compositions of the kernels in ``layers`` with one cache.

Each ``*_forward`` returns ``(out, cache)`` and the matching ``*_backward``
takes ``(dout, cache)`` and returns the gradients of the composed inputs in
order.  Nothing here computes anything of its own.
"""

from __future__ import annotations

from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    conv_backward,
    conv_forward,
    layernorm_backward,
    layernorm_forward,
    max_pool_backward,
    relu_backward,
    relu_forward,
    relu_max_pool_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

__all__ = [
    "affine_relu_forward", "affine_relu_backward",
    "affine_bn_relu_forward", "affine_bn_relu_backward",
    "affine_ln_relu_forward", "affine_ln_relu_backward",
    "affine_norm_relu_forward", "affine_norm_relu_backward",
    "conv_relu_forward", "conv_relu_backward",
    "conv_relu_pool_forward", "conv_relu_pool_backward",
    "conv_bn_relu_forward", "conv_bn_relu_backward",
    "conv_bn_relu_pool_forward", "conv_bn_relu_pool_backward",
]


def affine_relu_forward(x, w, b):
    """affine -> ReLU.  x: (N, d1, ..., dk), w: (D, M), b: (M,) -> out: (N, M)."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a, out=a)  # the caches do not hold a
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache, compute_dx=True):
    """Returns dx, dw, db (dx is None when ``compute_dx`` is False)."""
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache, compute_dx)


_NORMS = {
    "batchnorm": (batchnorm_forward, batchnorm_backward_alt),
    "layernorm": (layernorm_forward, layernorm_backward),
}


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """affine -> batch or layer norm -> ReLU; ``normalization`` is 'batchnorm' or 'layernorm'."""
    norm_forward = _NORMS[normalization][0]
    a, fc_cache = affine_forward(x, w, b)
    an, norm_cache = norm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(an, out=an)  # the caches do not hold an
    return out, (normalization, fc_cache, norm_cache, relu_cache)


def affine_norm_relu_backward(dout, cache, compute_dx=True):
    """Returns dx, dw, db, dgamma, dbeta."""
    normalization, fc_cache, norm_cache, relu_cache = cache
    norm_backward = _NORMS[normalization][1]
    dan, dgamma, dbeta = norm_backward(relu_backward(dout, relu_cache), norm_cache)
    dx, dw, db = affine_backward(dan, fc_cache, compute_dx)
    return dx, dw, db, dgamma, dbeta


def affine_bn_relu_forward(x, w, b, gamma, beta, bn_param):
    """affine -> batchnorm -> ReLU."""
    return affine_norm_relu_forward(x, w, b, gamma, beta, bn_param, "batchnorm")


def affine_ln_relu_forward(x, w, b, gamma, beta, ln_param):
    """affine -> layernorm -> ReLU."""
    return affine_norm_relu_forward(x, w, b, gamma, beta, ln_param, "layernorm")


affine_bn_relu_backward = affine_norm_relu_backward
affine_ln_relu_backward = affine_norm_relu_backward


def conv_relu_forward(x, w, b, conv_param):
    """conv -> ReLU.  x: (N, C, H, W), w: (F, C, HH, WW)."""
    a, conv_cache = conv_forward(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout, cache):
    """Returns dx, dw, db."""
    conv_cache, relu_cache = cache
    return conv_backward(relu_backward(dout, relu_cache), conv_cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """conv -> ReLU -> max pool, the ReLU fused into the pooling (``relu_max_pool_forward``)."""
    a, conv_cache = conv_forward(x, w, b, conv_param)
    out, pool_cache = relu_max_pool_forward(a, pool_param)
    return out, (conv_cache, pool_cache)


def conv_relu_pool_backward(dout, cache):
    """Returns dx, dw, db."""
    conv_cache, pool_cache = cache
    return conv_backward(max_pool_backward(dout, pool_cache), conv_cache)


def _conv_bn_forward(x, w, b, gamma, beta, conv_param, bn_param):
    a, conv_cache = conv_forward(x, w, b, conv_param)
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    return an, (conv_cache, bn_cache)


def _conv_bn_backward(dan, cache):
    conv_cache, bn_cache = cache
    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)
    dx, dw, db = conv_backward(da, conv_cache)
    return dx, dw, db, dgamma, dbeta


def conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param):
    """conv -> spatial batchnorm -> ReLU."""
    an, conv_bn_cache = _conv_bn_forward(x, w, b, gamma, beta, conv_param, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (conv_bn_cache, relu_cache)


def conv_bn_relu_backward(dout, cache):
    """Returns dx, dw, db, dgamma, dbeta."""
    conv_bn_cache, relu_cache = cache
    return _conv_bn_backward(relu_backward(dout, relu_cache), conv_bn_cache)


def conv_bn_relu_pool_forward(x, w, b, gamma, beta, conv_param, bn_param, pool_param):
    """conv -> spatial batchnorm -> ReLU -> max pool, the ReLU fused into the pooling."""
    an, conv_bn_cache = _conv_bn_forward(x, w, b, gamma, beta, conv_param, bn_param)
    out, pool_cache = relu_max_pool_forward(an, pool_param)
    return out, (conv_bn_cache, pool_cache)


def conv_bn_relu_pool_backward(dout, cache):
    """Returns dx, dw, db, dgamma, dbeta."""
    conv_bn_cache, pool_cache = cache
    return _conv_bn_backward(max_pool_backward(dout, pool_cache), conv_bn_cache)
