"""Normalization layers on ``(N, D)`` features: batch and layer normalization.

Both standardize with one shared pair of functions, :func:`standardize` and
:func:`standardize_backward`, which the spatial (convolutional) variants in
:mod:`layerwise.layers.convolution` use as well.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "standardize", "standardize_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
    "layernorm_forward", "layernorm_backward",
]


# ----------------------------------------------------------------------------
# Normalization
# ----------------------------------------------------------------------------

def standardize(x, axis, eps):
    """Return ``x_hat = (x - mean) / sqrt(var + eps)`` over ``axis``, the mean, variance and ``1/std``.

    The variance is the biased one (divide by the count), as batch/layer norm use.
    """
    mean = x.mean(axis=axis, keepdims=True)
    xc = x - mean
    var = np.mean(np.square(xc), axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xc *= inv_std  # x_hat, in the buffer of xc
    return xc, mean, var, inv_std


def standardize_backward(dxhat, x_hat, inv_std, axis):
    """Gradient through ``x_hat = (x - mean(x)) / sqrt(var(x) + eps)`` over ``axis``.

    With m the count along ``axis``:
    ``dx = inv_std * (dxhat - mean(dxhat) - x_hat * mean(dxhat * x_hat))``.
    Batch norm, layer norm and group norm all use this one formula.
    """
    mean_dxhat = dxhat.mean(axis=axis, keepdims=True)
    mean_dxhat_xhat = np.mean(dxhat * x_hat, axis=axis, keepdims=True)
    return inv_std * (dxhat - mean_dxhat - x_hat * mean_dxhat_xhat)


def _check_norm_params(where, x, gamma, beta):
    if x.ndim != 2:
        raise ValueError(f"{where}: expected x of shape (N, D), got {x.shape}")
    D = x.shape[1]
    if (gamma is not None and np.shape(gamma) != (D,)) or np.shape(beta) != (D,):
        raise ValueError(f"{where}: gamma and beta must have shape ({D},), got {np.shape(gamma)} and {np.shape(beta)}")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization over the batch axis.

    x: (N, D); gamma, beta: (D,).
    ``bn_param``: ``mode`` ('train' or 'test', required), ``eps`` (1e-5),
    ``momentum`` (0.9), ``running_mean`` / ``running_var`` (created as zeros on
    first use).  Train mode normalizes with the batch mean and biased variance
    and updates ``running = momentum * running + (1 - momentum) * batch_stat``;
    test mode normalizes with the running statistics.
    ``out = gamma * x_hat + beta``; ``gamma=None`` means no scale (``out = x_hat + beta``,
    and the backward passes return ``dgamma=None``).
    """
    _check_norm_params("batchnorm_forward", x, gamma, beta)
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"batchnorm_forward: bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean")
    running_var = bn_param.get("running_var")
    if running_mean is None:
        running_mean = np.zeros(D, dtype=x.dtype)
    if running_var is None:
        running_var = np.zeros(D, dtype=x.dtype)

    if mode == "train":
        x_hat, mean, var, inv_std = standardize(x, 0, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mean[0]
        running_var = momentum * running_var + (1 - momentum) * var[0]
        cache = ("train", x, x_hat, mean, inv_std, gamma)
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
        cache = ("test", x, x_hat, running_mean, inv_std, gamma)
    out = x_hat + beta if gamma is None else x_hat * gamma
    if gamma is not None:
        out += beta
    bn_param["running_mean"] = running_mean.astype(x.dtype, copy=False)
    bn_param["running_var"] = running_var.astype(x.dtype, copy=False)
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, one node of the computation graph at a time.

    The graph: ``mu = mean(x)``, ``xc = x - mu``, ``var = mean(xc^2)``,
    ``inv_std = (var + eps)^-1/2``, ``x_hat = xc * inv_std``,
    ``out = gamma * x_hat + beta``.  Walking it backwards is the derivation
    students do by hand; ``batchnorm_backward_alt`` is the simplified closed
    form that the models use.  Returns dx: (N, D), dgamma: (D,), dbeta: (D,).
    """
    mode, x, x_hat, mean, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = None if gamma is None else np.sum(dout * x_hat, axis=0)
    dxhat = dout if gamma is None else dout * gamma
    if mode == "test":
        return dxhat * inv_std, dgamma, dbeta
    N = x.shape[0]
    xc = x - mean
    dinv_std = np.sum(dxhat * xc, axis=0)          # x_hat = xc * inv_std
    dxc = dxhat * inv_std
    dvar = dinv_std * -0.5 * inv_std[0] ** 3        # inv_std = (var + eps)^-1/2
    dxc += 2.0 * xc * dvar / N                      # var = mean(xc^2)
    dmean = -dxc.sum(axis=0)                        # xc = x - mu
    dx = dxc + dmean / N                            # mu = mean(x)
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Closed-form batch normalization backward.

    ``dx = inv_std * (dxhat - mean(dxhat) - x_hat * mean(dxhat * x_hat))`` with
    ``dxhat = dout * gamma`` and means over the batch axis.  Because gamma is
    constant along that axis, ``mean(dxhat) = gamma * dbeta / N`` and
    ``mean(dxhat * x_hat) = gamma * dgamma / N``, so
    ``dx = gamma * inv_std * (dout - dbeta / N - x_hat * dgamma / N)``:
    the reductions already computed for dgamma and dbeta are reused.
    Returns dx: (N, D), dgamma: (D,), dbeta: (D,).
    """
    mode, x, x_hat, mean, inv_std, gamma = cache
    scale = inv_std if gamma is None else gamma * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)   # also needed for dx when there is no gamma
    if mode == "test":
        return dout * scale, None if gamma is None else dgamma, dbeta
    N = dout.shape[0]
    dx = x_hat * (dgamma / N)
    np.subtract(dout, dx, out=dx)
    dx -= dbeta / N
    dx *= scale
    return dx, None if gamma is None else dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: standardize each example over its features.

    x: (N, D); gamma, beta: (D,); ``ln_param`` may hold ``eps`` (1e-5).
    Train and test behave the same.  ``out = gamma * x_hat + beta``.
    """
    _check_norm_params("layernorm_forward", x, gamma, beta)
    eps = ln_param.get("eps", 1e-5)
    x_hat, _, _, inv_std = standardize(x, 1, eps)
    out = gamma * x_hat + beta
    return out, (x_hat, inv_std, gamma)


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization; returns dx: (N, D), dgamma: (D,), dbeta: (D,)."""
    x_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = standardize_backward(dout * gamma, x_hat, inv_std, 1)
    return dx, dgamma, dbeta
