"""Functional layers: the single source of truth for every piece of math.

Each layer is a pair ``X_forward(...) -> (out, cache)`` and
``X_backward(dout, cache) -> grads``.  Forward functions are pure except for
the documented state dictionaries (``bn_param``, ``ln_param``,
``dropout_param``), which they update in place.

Shapes follow the course convention: affine inputs ``x: (N, d1, ..., dk)`` are
flattened to ``(N, D)`` inside the layer and ``dx`` comes back in the original
shape; affine weights are ``w: (D, M)``.
"""

from __future__ import annotations

import math

import numpy as np

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
    # convolution family, implemented in conv_layers.py
    "conv_forward", "conv_backward", "conv_forward_naive", "conv_backward_naive",
    "max_pool_forward", "max_pool_backward", "max_pool_forward_naive", "max_pool_backward_naive",
    "avg_pool_forward", "avg_pool_backward",
    "spatial_batchnorm_forward", "spatial_batchnorm_backward",
    "spatial_groupnorm_forward", "spatial_groupnorm_backward",
]


# ----------------------------------------------------------------------------
# Affine
# ----------------------------------------------------------------------------

def affine_forward(x, w, b):
    """Fully connected layer ``out = x.reshape(N, D) @ w + b``.

    x: (N, d1, ..., dk) with D = d1 * ... * dk;  w: (D, M);  b: (M,)
    Returns out: (N, M) and cache (x, w, b).
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"affine_forward: x must have a batch axis, shape (N, d1, ..., dk); got shape {x.shape}. "
                         f"For a single example use x[None].")
    if w.ndim != 2 or b.shape != (w.shape[1],):
        raise ValueError(f"affine_forward: expected w (D, M) and b (M,), got w {w.shape} and b {b.shape}")
    x2 = x.reshape(x.shape[0], -1)
    if x2.shape[1] != w.shape[0]:
        raise ValueError(f"affine_forward: x {x.shape} flattens to {x2.shape[1]} features per example but w "
                         f"expects D = {w.shape[0]} (w {w.shape})")
    out = x2 @ w
    out += b
    return out, (x, w, b)


def affine_backward(dout, cache, compute_dx=True):
    """Backward pass of ``affine_forward``.

    dout: (N, M).  Returns dx (shape of x), dw: (D, M), db: (M,):
    ``dx = dout @ w.T``, ``dw = x.T @ dout``, ``db = sum_n dout``.
    ``compute_dx=False`` skips dx (returned as None); training never needs the
    gradient with respect to the input images, and the first layer saves a GEMM.
    """
    x, w, b = cache
    x2 = x.reshape(x.shape[0], -1)
    dw = x2.T @ dout
    db = dout.sum(axis=0)
    dx = (dout @ w.T).reshape(x.shape) if compute_dx else None
    return dx, dw, db


# ----------------------------------------------------------------------------
# Elementwise activations
# ----------------------------------------------------------------------------

def relu_forward(x, out=None):
    """``out = max(0, x)``.  The cache is the output: dout passes where out > 0.

    ``out=x`` computes it in place (for a fresh array no one else holds).
    """
    out = np.maximum(x, 0, out=out)
    return out, out


def relu_backward(dout, cache):
    """``dx = dout * [x > 0]``."""
    return dout * (cache > 0)


def leaky_relu_forward(x, alpha=0.01):
    """``out = x if x > 0 else alpha * x``."""
    positive = x > 0
    out = np.where(positive, x, alpha * x)
    return out, (positive, alpha)


def leaky_relu_backward(dout, cache):
    """``dx = dout * (1 if x > 0 else alpha)``."""
    positive, alpha = cache
    return np.where(positive, dout, alpha * dout)


def sigmoid_forward(x):
    """``out = 1 / (1 + exp(-x))``, computed without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def sigmoid_backward(dout, cache):
    """``dx = dout * s * (1 - s)``."""
    s = cache
    return dout * s * (1 - s)


def tanh_forward(x):
    """``out = tanh(x)``."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """``dx = dout * (1 - tanh(x)^2)``."""
    t = cache
    return dout * (1 - t * t)


_GELU_C = math.sqrt(2 / math.pi)
_GELU_A = 0.044715


def gelu_forward(x):
    """GELU, tanh approximation: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    t = np.tanh(_GELU_C * (x + _GELU_A * x ** 3))
    out = 0.5 * x * (1 + t)
    return out, (x, t)


def gelu_backward(dout, cache):
    """``d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)``, t = tanh(...)."""
    x, t = cache
    return dout * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_C * (1 + 3 * _GELU_A * x * x))


# ----------------------------------------------------------------------------
# Normalization
# ----------------------------------------------------------------------------

def _standardize(x, axis, eps):
    """Return ``x_hat = (x - mean) / sqrt(var + eps)`` over ``axis``, the mean, variance and ``1/std``.

    The variance is the biased one (divide by the count), as batch/layer norm use.
    """
    mean = x.mean(axis=axis, keepdims=True)
    xc = x - mean
    var = np.mean(np.square(xc), axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xc *= inv_std  # x_hat, in the buffer of xc
    return xc, mean, var, inv_std


def _standardize_backward(dxhat, x_hat, inv_std, axis):
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
    if np.shape(gamma) != (D,) or np.shape(beta) != (D,):
        raise ValueError(f"{where}: gamma and beta must have shape ({D},), got {np.shape(gamma)} and {np.shape(beta)}")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization over the batch axis.

    x: (N, D); gamma, beta: (D,).
    ``bn_param``: ``mode`` ('train' or 'test', required), ``eps`` (1e-5),
    ``momentum`` (0.9), ``running_mean`` / ``running_var`` (created as zeros on
    first use).  Train mode normalizes with the batch mean and biased variance
    and updates ``running = momentum * running + (1 - momentum) * batch_stat``;
    test mode normalizes with the running statistics.
    ``out = gamma * x_hat + beta``.
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
        x_hat, mean, var, inv_std = _standardize(x, 0, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mean[0]
        running_var = momentum * running_var + (1 - momentum) * var[0]
        cache = ("train", x, x_hat, mean, inv_std, gamma)
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
        cache = ("test", x, x_hat, running_mean, inv_std, gamma)
    out = x_hat * gamma
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
    dgamma = np.sum(dout * x_hat, axis=0)
    dxhat = dout * gamma
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
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    if mode == "test":
        return dout * (gamma * inv_std), dgamma, dbeta
    N = dout.shape[0]
    dx = x_hat * (dgamma / N)
    np.subtract(dout, dx, out=dx)
    dx -= dbeta / N
    dx *= gamma * inv_std
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: standardize each example over its features.

    x: (N, D); gamma, beta: (D,); ``ln_param`` may hold ``eps`` (1e-5).
    Train and test behave the same.  ``out = gamma * x_hat + beta``.
    """
    _check_norm_params("layernorm_forward", x, gamma, beta)
    eps = ln_param.get("eps", 1e-5)
    x_hat, _, _, inv_std = _standardize(x, 1, eps)
    out = gamma * x_hat + beta
    return out, (x_hat, inv_std, gamma)


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization; returns dx: (N, D), dgamma: (D,), dbeta: (D,)."""
    x_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx = _standardize_backward(dout * gamma, x_hat, inv_std, 1)
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------
# Dropout
# ----------------------------------------------------------------------------

def dropout_forward(x, dropout_param):
    """Inverted dropout.

    ``dropout_param``: ``p`` the probability of KEEPING a unit (1 means no
    dropout), ``mode`` ('train' or 'test'), optional ``seed``.  Train mode
    keeps each unit with probability p and scales kept units by 1/p, so the
    expected output equals x; test mode is the identity.  A ``seed`` draws the
    mask from its own generator (``RandomState(seed)``, the same numbers as
    ``np.random.seed(seed); np.random.rand``) without touching the global one.
    """
    p = dropout_param.get("p", 1.0)
    mode = dropout_param.get("mode", "train")
    if not 0 < p <= 1:
        raise ValueError(f"dropout_forward: p is the probability of keeping a unit and must be in (0, 1], got {p}. "
                         f"Use p=1 for no dropout.")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_forward: mode must be 'train' or 'test', got {mode!r}")
    if mode == "test" or p == 1:
        return x, (dropout_param, None)
    seed = dropout_param.get("seed")
    rand = np.random.RandomState(seed).rand if seed is not None else np.random.rand
    mask = (rand(*x.shape) < p).astype(x.dtype)
    mask /= x.dtype.type(p) if np.issubdtype(x.dtype, np.floating) else p
    return x * mask, (dropout_param, mask)


def dropout_backward(dout, cache):
    """``dx = dout * mask`` in train mode (the mask already holds the 1/p scale); identity otherwise."""
    _, mask = cache
    return dout if mask is None else dout * mask


# ----------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------

def _check_scores_labels(where, x, y):
    if x.ndim != 2:
        raise ValueError(f"{where}: scores must have shape (N, C), got {x.shape}")
    y = np.asarray(y)
    if y.shape != (x.shape[0],):
        raise ValueError(f"{where}: labels must have shape ({x.shape[0]},) to match scores {x.shape}, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{where}: labels must be integers, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= x.shape[1]):
        raise ValueError(f"{where}: labels must lie in [0, {x.shape[1] - 1}] for {x.shape[1]} classes, "
                         f"got values from {y.min()} to {y.max()}")
    return y


def softmax(x):
    """Row-wise softmax of scores x: (N, C), shifted by the row maximum for stability."""
    z = x - x.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def softmax_loss(x, y):
    """Softmax cross-entropy averaged over the batch.

    x: (N, C) scores; y: (N,) integer labels in [0, C).
    ``loss = -mean_n log softmax(x_n)[y_n]``; ``dx = (softmax(x) - onehot(y)) / N``.
    Scores are shifted by their row maximum, so huge scores neither overflow nor warn.
    """
    y = _check_scores_labels("softmax_loss", x, y)
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1, keepdims=True)
    rows = np.arange(N)
    loss = float(np.mean(np.log(sum_exp[:, 0]) - shifted[rows, y]))
    dx = exp
    dx /= sum_exp
    dx[rows, y] -= 1
    dx /= N
    return loss, dx


def svm_loss(x, y):
    """Multiclass hinge loss (margin 1) averaged over the batch.

    x: (N, C) scores; y: (N,) labels.
    ``loss = mean_n sum_{j != y_n} max(0, x_nj - x_ny + 1)``;
    ``dx_nj = [margin_nj > 0] / N`` and ``dx_ny = -sum_j [margin_nj > 0] / N``.
    """
    y = _check_scores_labels("svm_loss", x, y)
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = float(margins.sum() / N)
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] -= dx.sum(axis=1)
    dx /= N
    return loss, dx


# The convolution family lives in its own module; re-exported here so that
# ``layerwise.layers`` is the one place users import kernels from.
from .conv_layers import (  # noqa: E402
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
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)
