"""Convolutional networks: ``ConvNet`` (configurable, the fast path) and ``ThreeLayerConvNet``.

Both follow the model protocol: ``params`` (name -> array) and
``loss(X, y=None)`` returning scores ``(N, C)`` or ``(loss, grads)``.
Inputs are ``(N, C, H, W)``.  Inside, activations stay in the ``(C, H, W, N)``
layout of the ``*_chwn`` kernels from the input copy of the first
convolution to the flatten before the affine head, so no layer pays for a
transpose; ReLU is fused into the max pooling that follows it, and the first
convolution skips its input gradient.
"""

from __future__ import annotations

import numpy as np

from ..checks import floating_dtype, integer, is_integer, nonnegative
from ..layers import convolution as cl
from ..layers import relu_backward, relu_forward
from .base import Classifier
from .fc_net import add_l2_penalty, classifier_head, init_weight, weight_std

__all__ = ["ConvNet", "ThreeLayerConvNet", "CIFAR10_CONVNET"]

_POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}
_POOL_NAMES = ("pool", "M")

#: A VGG-style configuration for CIFAR-10 (``ConvNet(**CIFAR10_CONVNET)``):
#: three stages of two 3x3 conv-batchnorm-relu layers, each followed by 2x2
#: max pooling, then a hidden affine layer with dropout.  Train it with Adam
#: (lr about 1e-3, decayed) and random crops + horizontal flips.
CIFAR10_CONVNET = dict(blocks=(32, 32, "pool", 64, 64, "pool", 128, 128, "pool"), filter_size=3,
                       hidden_dims=(256,), normalization="batchnorm", dropout_keep_ratio=0.5,
                       weight_scale="he", reg=5e-4)


class _Conv:
    """Convolution ``i`` (params ``W{i}``, ``b{i}``) on (C, H, W, N); the first one skips its input gradient."""

    def __init__(self, i, conv_param, ws):
        self.i, self.conv_param, self.ws = i, conv_param, ws

    def forward(self, h, params):
        return cl.conv_forward_chwn(h, params[f"W{self.i}"], params[f"b{self.i}"], self.conv_param, self.ws)

    def backward(self, dout, cache, grads):
        dout, grads[f"W{self.i}"], grads[f"b{self.i}"] = cl.conv_backward_chwn(dout, cache, compute_dx=self.i > 1)
        return dout


class _SpatialBatchnorm:
    """Spatial batchnorm after convolution ``i`` (params ``gamma{i}``, ``beta{i}``, state ``bn_param``)."""

    def __init__(self, i, bn_param):
        self.i, self.bn_param = i, bn_param

    def forward(self, h, params):
        return cl.spatial_batchnorm_forward_chwn(h, params[f"gamma{self.i}"], params[f"beta{self.i}"], self.bn_param)

    def backward(self, dout, cache, grads):
        dout, grads[f"gamma{self.i}"], grads[f"beta{self.i}"] = cl.spatial_batchnorm_backward_chwn(dout, cache)
        return dout


class _Relu:
    def forward(self, h, params):
        return relu_forward(h)

    def backward(self, dout, cache, grads):
        return relu_backward(dout, cache)


class _MaxPool:
    """2x2 max pooling, stride 2; ``fuse_relu`` applies the preceding ReLU inside the pooling pass."""

    def __init__(self, fuse_relu, ws):
        self.fuse_relu, self.ws = fuse_relu, ws

    def forward(self, h, params):
        return cl.max_pool_forward_chwn(h, _POOL, relu=self.fuse_relu, ws=self.ws)

    def backward(self, dout, cache, grads):
        # In front of the first convolution no input gradient is needed: dout is None there.
        return None if dout is None else cl.max_pool_backward_chwn(dout, cache)


def _conv_weight(F, C, k, weight_scale, dtype):
    """Draw a (F, C, k, k) filter bank from ``np.random.randn``; fan_in = C k k, fan_out = F k k."""
    return (weight_std(weight_scale, C * k * k, F * k * k) * np.random.randn(F, C, k, k)).astype(dtype)


class ConvNet(Classifier):
    """A configurable convolutional network, the library's fast CNN::

        {conv - [spatial batchnorm] - relu - [2x2 max pool]} x M
            - {affine - [batchnorm] - relu - [dropout]} x K - affine - softmax

    blocks: the convolutional part in order; an int is a ``filter_size`` x
    ``filter_size`` convolution with that many filters ('same' padding
    ``(filter_size - 1) // 2``, stride 1) followed by ReLU, and ``'pool'`` (or
    ``'M'``) a 2x2 max pool with stride 2.  The default ``(32, 'pool', 64, 'pool')``
    with no hidden layers is conv3x3(3->32)-relu-pool-conv3x3(32->64)-relu-pool-affine.
    hidden_dims: sizes of the hidden affine layers of the head.
    normalization: None or 'batchnorm' (spatial batchnorm after every
    convolution, batchnorm after every hidden affine layer).
    dropout_keep_ratio: probability of keeping a hidden affine unit (1: off);
    ``seed`` fixes the dropout masks (for gradient checking).
    weight_scale: a standard deviation, ``'he'`` or ``'xavier'``.
    reg: L2 strength, ``0.5 * reg * sum(W**2)`` over all weights.

    Parameters ``W1..WL``, ``b1..bL`` in layer order (convolutions first,
    ``(F, C, k, k)``; then affine ``(D, M)`` with D in (C, H, W) flatten order),
    drawn in that order from ``np.random.randn``; with batchnorm
    ``gamma{i}``, ``beta{i}`` for every layer but the last, whose running
    statistics live in ``self.bn_params[i - 1]``.  See ``CIFAR10_CONVNET`` for
    a configuration that suits CIFAR-10.
    """

    def __init__(self, input_dim=(3, 32, 32), blocks=(32, "pool", 64, "pool"), filter_size=3, hidden_dims=(),
                 num_classes=10, normalization=None, dropout_keep_ratio=1, weight_scale="he", reg=0.0,
                 dtype=np.float32, seed=None):
        if normalization not in (None, "batchnorm"):
            raise ValueError(f"normalization must be None or 'batchnorm', got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio is the probability of keeping a unit and must be in (0, 1], "
                             f"got {dropout_keep_ratio}; use 1 for no dropout")
        if len(input_dim) != 3:
            raise ValueError(f"input_dim must be (C, H, W), got {input_dim!r}")
        if not (is_integer(filter_size) and filter_size >= 1 and filter_size % 2 == 1):
            raise ValueError(f"ConvNet: filter_size must be an odd integer >= 1 (the padding (filter_size - 1) // 2 "
                             f"keeps the height and width only for odd sizes), got {filter_size!r}")
        filter_size = int(filter_size)
        if np.isscalar(hidden_dims):
            hidden_dims = [hidden_dims]
        hidden_dims = [integer(h, "every entry of hidden_dims", 1, where="ConvNet") for h in hidden_dims]

        self.input_dim = tuple(int(d) for d in input_dim)
        self.num_classes = integer(num_classes, "num_classes", 1, where="ConvNet")
        self.normalization = normalization
        self.reg = nonnegative(reg, "reg", where="ConvNet")
        self.dtype = floating_dtype(dtype, where="ConvNet")
        self.params = {}

        pad = (filter_size - 1) // 2
        self._conv_param = {"stride": 1, "pad": pad}
        C, H, W = self.input_dim
        # The convolutional part as layer objects on (C, H, W, N), each with forward/backward. Every conv and
        # pool gets scratch memory of its own, reused every step; transient scratch is shared by all (see
        # layers.convolution.Workspace).
        shared = cl.Workspace()
        self.bn_params = []   # one state dict per normalized layer (every layer but the last)
        self._conv_layers = []
        layer = 0
        blocks = list(blocks)
        for pos, item in enumerate(blocks):
            if isinstance(item, str):
                if item not in _POOL_NAMES:
                    raise ValueError(f"blocks entries must be a number of filters or 'pool'; got {item!r}")
                fuse = pos > 0 and not isinstance(blocks[pos - 1], str)
                where = f"ConvNet: 2x2 max pooling after block entry {pos} (input {C}x{H}x{W})"
                H = cl.conv_output_size(H, 2, 2, 0, where, "height")
                W = cl.conv_output_size(W, 2, 2, 0, where, "width")
                self._conv_layers.append(_MaxPool(fuse, cl.Workspace(shared)))
                continue
            F = int(item)
            if F <= 0:
                raise ValueError(f"blocks: numbers of filters must be positive, got {item!r}")
            layer += 1
            where = f"ConvNet: conv layer {layer} ({filter_size}x{filter_size}, pad {pad}) on {C}x{H}x{W}"
            H = cl.conv_output_size(H, filter_size, 1, pad, where, "height")
            W = cl.conv_output_size(W, filter_size, 1, pad, where, "width")
            self.params[f"W{layer}"] = _conv_weight(F, C, filter_size, weight_scale, self.dtype)
            self.params[f"b{layer}"] = np.zeros(F, dtype=self.dtype)
            self._conv_layers.append(_Conv(layer, self._conv_param, cl.Workspace(shared)))
            if normalization:
                self.bn_params.append({"mode": "train"})
                self._conv_layers.append(_SpatialBatchnorm(layer, self.bn_params[-1]))
            if pos + 1 == len(blocks) or not isinstance(blocks[pos + 1], str):
                self._conv_layers.append(_Relu())
            C = F
        self.num_conv_layers = layer
        self._flat = ((C, H, W), C * H * W)

        dims = [C * H * W] + hidden_dims + [self.num_classes]
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            if d_out <= 0:
                raise ValueError(f"hidden_dims and num_classes must be positive, got {hidden_dims}, {num_classes}")
            layer += 1
            self.params[f"W{layer}"] = init_weight(d_in, d_out, weight_scale, self.dtype)
            self.params[f"b{layer}"] = np.zeros(d_out, dtype=self.dtype)
        self.num_layers = layer

        if normalization:
            sizes = [self.params[f"b{i}"].size for i in range(1, layer)]
            for i, size in enumerate(sizes, start=1):
                self.params[f"gamma{i}"] = np.ones(size, dtype=self.dtype)
                self.params[f"beta{i}"] = np.zeros(size, dtype=self.dtype)
        if normalization:   # the hidden affine layers' state dicts follow the convolutions'
            self.bn_params += [{"mode": "train"} for _ in range(layer - 1 - self.num_conv_layers)]
        self.use_dropout = dropout_keep_ratio != 1
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

    # Test mode scores this many examples at a time: the im2col matrices and the
    # workspaces grow with the batch (about 4 MB per example for CIFAR10_CONVNET),
    # so scoring 10,000 images at once would take gigabytes.
    score_batch_size = 128

    def loss(self, X, y=None):
        """Scores (N, num_classes) when ``y`` is None (test mode); else ``(loss, grads)`` (train mode).

        X: (N, C, H, W); y: (N,) integer labels.  Test mode works through X
        ``score_batch_size`` examples at a time, so its memory does not grow with N.
        """
        X = self._check_images(X)
        chunk = self.score_batch_size
        if y is None and X.shape[0] > chunk:
            return np.concatenate([self.loss(X[i:i + chunk]) for i in range(0, X.shape[0], chunk)])
        self._set_mode("test" if y is None else "train")
        p = self.params

        # Convolutional part, (C, H, W, N) throughout; the first conv copies X into that layout.
        h = X.transpose(1, 2, 3, 0)
        caches = []
        for layer in self._conv_layers:
            h, cache = layer.forward(h, p)
            caches.append(cache)

        # Affine head on (N, D), D in (C, H, W) order: the transposed view of the (D, N) activations.
        (C, H, W), D = self._flat
        N = X.shape[0]
        h = h.reshape(D, N).T
        L = self.num_layers
        out = classifier_head(h, p, self.num_conv_layers + 1, L, self.normalization, self.bn_params,
                              self.dropout_param, y, compute_dx=self.num_conv_layers > 0)
        if y is None:
            return out
        loss, grads, dout = out

        if self.num_conv_layers:
            # (N, D) -> (D, N) = (C, H, W, N): one small copy keeps the batch axis innermost.
            dout = np.ascontiguousarray(dout.T).reshape(C, H, W, N)
        for layer, cache in zip(reversed(self._conv_layers), reversed(caches)):
            dout = layer.backward(dout, cache, grads)

        if self.reg:
            loss = add_l2_penalty(loss, grads, p, self.reg, [f"W{i}" for i in range(1, L + 1)])
        return loss, grads


class ThreeLayerConvNet(ConvNet):
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax.

    The convolution has ``num_filters`` filters of ``filter_size`` x
    ``filter_size``, stride 1 and 'same' padding ``(filter_size - 1) // 2``.
    Parameters ``W1 (F, C, k, k)``, ``b1``, ``W2 (F * H/2 * W/2, hidden_dim)``,
    ``b2``, ``W3 (hidden_dim, num_classes)``, ``b3``; weights drawn in that
    order as ``weight_scale * np.random.randn``, biases zero.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float32):
        super().__init__(input_dim=input_dim, blocks=(num_filters, "pool"), filter_size=filter_size,
                         hidden_dims=(hidden_dim,), num_classes=num_classes, weight_scale=weight_scale, reg=reg,
                         dtype=dtype)
