"""Fully connected networks: ``TwoLayerNet`` and ``FullyConnectedNet``.

A model holds ``params`` (name -> array) and implements ``loss(X, y=None)``:
scores ``(N, C)`` when ``y`` is None, otherwise ``(loss, grads)`` with
``grads`` keyed like ``params``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..checks import floating_dtype, integer, nonnegative
from ..layer_utils import (
    affine_norm_relu_backward,
    affine_norm_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from ..layers import affine_backward, affine_forward, dropout_backward, dropout_forward, softmax_loss
from .base import Classifier

__all__ = ["FullyConnectedNet", "TwoLayerNet", "init_weight", "weight_std", "add_l2_penalty",
           "keep_ratio_from_dropout", "hidden_layers_forward", "hidden_layers_backward", "classifier_head"]

_NORMALIZATIONS = (None, "batchnorm", "layernorm")


def weight_std(weight_scale, fan_in, fan_out):
    """The standard deviation of initial weights.

    ``weight_scale`` is a number (returned as is), ``'he'`` (``sqrt(2 / fan_in)``,
    for ReLU networks) or ``'xavier'`` (Glorot: ``sqrt(2 / (fan_in + fan_out))``).
    """
    if not isinstance(weight_scale, str):
        if not (isinstance(weight_scale, numbers.Real) and np.isfinite(weight_scale) and weight_scale > 0):
            raise ValueError(f"weight_scale must be a positive number, 'he' or 'xavier'; got {weight_scale!r}")
        return weight_scale
    if weight_scale == "he":
        return np.sqrt(2.0 / fan_in)
    if weight_scale == "xavier":
        return np.sqrt(2.0 / (fan_in + fan_out))
    raise ValueError(f"weight_scale must be a positive number, 'he' or 'xavier'; got {weight_scale!r}")


def init_weight(d_in, d_out, weight_scale, dtype):
    """Draw a ``(d_in, d_out)`` weight matrix ``weight_std * np.random.randn(d_in, d_out)``."""
    return (weight_std(weight_scale, d_in, d_out) * np.random.randn(d_in, d_out)).astype(dtype)


def keep_ratio_from_dropout(dropout, dropout_keep_ratio=1):
    """The keep probability of the older ``dropout=`` keyword, else ``dropout_keep_ratio``.

    In the courses that spell it ``dropout`` (the UCLA course, older cs231n
    versions) it is the probability of KEEPING a unit, with 0 meaning no
    dropout at all; ``None`` means the keyword was not given.
    """
    if dropout is None:
        return dropout_keep_ratio
    if not 0 <= dropout <= 1:
        raise ValueError(f"dropout (keep probability, 0 meaning off) must be in [0, 1], got {dropout}")
    return dropout if dropout > 0 else 1


def add_l2_penalty(loss, grads, params, reg, names):
    """Add ``0.5 * reg * sum(W**2)`` over the weights ``names`` to ``loss`` and ``reg * W`` to their gradients.

    Returns the new loss; ``grads`` is updated in place.
    """
    for name in names:
        W = params[name]
        loss += 0.5 * reg * float(np.vdot(W, W))
        grads[name] += reg * W
    return loss


def hidden_layers_forward(h, params, layers, normalization=None, bn_params=(), dropout_param=None):
    """``{affine - [batch/layer norm] - relu - [dropout]}`` for every layer index i in ``layers``.

    h: (N, d1, ..., dk).  Layer i uses ``W{i}``, ``b{i}`` and, with
    ``normalization``, ``gamma{i}``, ``beta{i}`` and ``bn_params[i - 1]``;
    a non-empty ``dropout_param`` adds dropout after every ReLU.
    Returns the output (N, M) and the caches for :func:`hidden_layers_backward`.
    """
    caches = []
    for i in layers:
        if normalization:
            h, cache = affine_norm_relu_forward(h, params[f"W{i}"], params[f"b{i}"], params[f"gamma{i}"],
                                                params[f"beta{i}"], bn_params[i - 1], normalization)
        else:
            h, cache = affine_relu_forward(h, params[f"W{i}"], params[f"b{i}"])
        drop_cache = None
        if dropout_param:
            h, drop_cache = dropout_forward(h, dropout_param)
        caches.append((i, cache, drop_cache))
    return h, caches


def hidden_layers_backward(dout, caches, grads, normalization=None, compute_dx=True):
    """Backward pass of :func:`hidden_layers_forward`: fills ``grads`` (``W{i}``, ``b{i}``, ...) in place.

    Returns the gradient with respect to the stack's input, or None when
    ``compute_dx`` is False (the input is the images: training never needs it).
    """
    for pos in range(len(caches) - 1, -1, -1):
        i, cache, drop_cache = caches[pos]
        if drop_cache is not None:
            dout = dropout_backward(dout, drop_cache)
        need_dx = compute_dx or pos > 0
        if normalization:
            dout, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = \
                affine_norm_relu_backward(dout, cache, compute_dx=need_dx)
        else:
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, cache, compute_dx=need_dx)
    return dout


def classifier_head(h, params, first, last, normalization=None, bn_params=(), dropout_param=None, y=None,
                    compute_dx=False):
    """Hidden layers ``first .. last - 1`` (see :func:`hidden_layers_forward`), affine ``W{last}``, softmax loss.

    h: (N, d1, ..., dk).  Returns the scores (N, C) when ``y`` is None; else
    ``(loss, grads, dh)`` with ``grads`` of the head's parameters and ``dh`` the
    gradient with respect to ``h`` (None unless ``compute_dx``: the gradient
    with respect to input images is never needed in training).
    """
    h, caches = hidden_layers_forward(h, params, range(first, last), normalization, bn_params, dropout_param)
    scores, last_cache = affine_forward(h, params[f"W{last}"], params[f"b{last}"])
    if y is None:
        return scores
    loss, dout = softmax_loss(scores, y)
    grads = {}
    dout, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dout, last_cache,
                                                                 compute_dx=bool(caches) or compute_dx)
    dout = hidden_layers_backward(dout, caches, grads, normalization, compute_dx=compute_dx)
    return loss, grads, dout


class FullyConnectedNet(Classifier):
    """``{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax``.

    hidden_dims: sizes of the L - 1 hidden layers.  Parameters ``W1..WL``
    (``(d_in, d_out)``), ``b1..bL``, and with normalization ``gamma1, beta1, ...``
    for the hidden layers.  L2 regularization ``0.5 * reg * sum(W**2)`` over
    the weight matrices only.

    ``dropout_keep_ratio`` is the probability of keeping a unit (1: no
    dropout).  The older spellings ``dropout=p`` (keep probability, 0 meaning
    off) and ``use_batchnorm=True`` are accepted.  ``seed`` makes the dropout
    masks deterministic (for gradient checking).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None,
                 dropout=None, use_batchnorm=None):
        dropout_keep_ratio = keep_ratio_from_dropout(dropout, dropout_keep_ratio)
        if use_batchnorm:
            if normalization not in (None, "batchnorm"):
                raise ValueError(f"use_batchnorm=True conflicts with normalization={normalization!r}")
            normalization = "batchnorm"
        if normalization not in _NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {_NORMALIZATIONS}, got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio is the probability of keeping a unit and must be in (0, 1], "
                             f"got {dropout_keep_ratio}; use 1 for no dropout")
        if np.isscalar(hidden_dims):
            hidden_dims = [hidden_dims]
        where = type(self).__name__
        hidden_dims = [integer(h, "every entry of hidden_dims", 1, where=where) for h in hidden_dims]
        input_dim = int(np.prod(input_dim))
        if input_dim <= 0:
            raise ValueError(f"{where}: input_dim must be positive, got {input_dim}")
        num_classes = integer(num_classes, "num_classes", 1, where=where)

        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = nonnegative(reg, "reg", where=where)
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = floating_dtype(dtype, where=where)
        self.params = {}

        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = init_weight(dims[i], dims[i + 1], weight_scale, self.dtype)
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1], dtype=self.dtype)
        if normalization is not None:
            for i, h in enumerate(hidden_dims, start=1):
                self.params[f"gamma{i}"] = np.ones(h, dtype=self.dtype)
                self.params[f"beta{i}"] = np.zeros(h, dtype=self.dtype)

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        # One state dict per normalized layer: running statistics (batchnorm) and mode.
        self.bn_params = [{"mode": "train"} for _ in hidden_dims] if normalization else []

    def loss(self, X, y=None):
        """Scores (N, C) when ``y`` is None (test mode); else ``(loss, grads)`` (train mode)."""
        X = np.asarray(X).astype(self.dtype, copy=False)
        self._set_mode("test" if y is None else "train")
        p, L = self.params, self.num_layers
        out = classifier_head(X, p, 1, L, self.normalization, self.bn_params, self.dropout_param, y)
        if y is None:
            return out
        loss, grads, _ = out
        if self.reg:
            loss = add_l2_penalty(loss, grads, p, self.reg, [f"W{i}" for i in range(1, L + 1)])
        return loss, grads


class TwoLayerNet(FullyConnectedNet):
    """affine - relu - [dropout] - affine - softmax, with params ``W1 (D, H)``, ``b1``, ``W2 (H, C)``, ``b2``.

    Computes in float64 by default, as the course checks compare its loss to 1e-10.
    ``hidden_dims`` is accepted as an alias of ``hidden_dim`` and ``dropout``
    (keep probability, 0 meaning off: the UCLA course's keyword) as the older
    spelling of ``dropout_keep_ratio``, as in :class:`FullyConnectedNet`;
    ``seed`` makes the dropout mask deterministic.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float64, hidden_dims=None, dropout_keep_ratio=1, dropout=None, seed=None):
        if hidden_dims is not None:
            hidden_dims = np.atleast_1d(hidden_dims)
            if hidden_dims.size != 1:
                raise ValueError(f"TwoLayerNet has one hidden layer; got hidden_dims={hidden_dims.tolist()}. "
                                 f"Use FullyConnectedNet for deeper networks.")
            hidden_dim = int(hidden_dims[0])
        super().__init__([hidden_dim], input_dim=input_dim, num_classes=num_classes, reg=reg,
                         weight_scale=weight_scale, dtype=dtype, dropout_keep_ratio=dropout_keep_ratio,
                         dropout=dropout, seed=seed)
