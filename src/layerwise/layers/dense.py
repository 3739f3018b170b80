"""Dense layers: affine, elementwise activations and dropout.

Affine inputs ``x: (N, d1, ..., dk)`` are flattened to ``(N, D)`` inside the
layer and ``dx`` comes back in the original shape; weights are ``w: (D, M)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..elementwise import map_blocks

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward",
    "gelu_forward", "gelu_backward",
    "dropout_forward", "dropout_backward",
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
    if np.shape(dout) != cache.shape:    # broadcasting would hand back a gradient of the wrong shape
        raise ValueError(f"relu_backward: dout has shape {np.shape(dout)} but the forward input had {cache.shape}")
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
    """GELU, tanh approximation: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    x: any shape.  Returns out (the shape and memory layout of x) and the
    cache (x, t) with ``t`` the tanh term.  Computed in cache-sized blocks
    (:func:`layerwise.elementwise.map_blocks`), the polynomial as
    ``x (c + c a x^2)``: ``x ** 3`` would go through the scalar ``pow``, about
    40x slower than two multiplications in float32.
    """
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    t, out = np.empty_like(x, dtype=dtype), np.empty_like(x, dtype=dtype)
    map_blocks(_gelu_forward_kernel, (x,), (t, out))
    return out, (x, t)


def _gelu_forward_kernel(x, t, out):
    np.multiply(x, x, out=t)
    t *= _GELU_C * _GELU_A
    t += _GELU_C
    t *= x
    np.tanh(t, out=t)
    np.add(t, 1, out=out)
    out *= x
    out *= 0.5


def gelu_backward(dout, cache):
    """``dx = dout * (0.5 (1 + t) + 0.5 c x (1 - t^2) (1 + 3 a x^2))`` with ``t`` the forward's tanh term.

    dout: the shape of x.  Returns dx (laid out like t).
    """
    x, t = cache
    dx = np.empty_like(t, dtype=np.result_type(dout, t))
    map_blocks(_gelu_backward_kernel, (dout, x, t), (dx,), scratch=1)
    return dx


def _gelu_backward_kernel(dout, x, t, dx, slope):
    np.multiply(x, x, out=slope)                   # 0.5 c x (1 + 3 a x^2)
    slope *= 3 * _GELU_A
    slope += 1
    slope *= x
    slope *= 0.5 * _GELU_C
    np.multiply(t, t, out=dx)                      # (1 - t^2)
    np.subtract(1, dx, out=dx)
    dx *= slope
    np.multiply(t, 0.5, out=slope)                 # + 0.5 (1 + t)
    dx += slope
    dx += 0.5
    dx *= dout


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
