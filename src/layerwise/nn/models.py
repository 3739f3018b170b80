"""Ready-made networks of the module API.

Each model holds ``.net`` (a :class:`~layerwise.nn.modules.sequential`) and
offers ``forward(x, is_training=False, seed=None)`` and ``backward(dout)``;
``.params`` / ``.grads`` are the net's merged views.  Weights are drawn in
layer order as ``init_scale * randn(...)``, biases are zero.

Constructor options common to all models:

- ``dtype``: parameter dtype.  The small test networks default to float64
  (they exist for gradient checks); the networks meant for training
  (``TinyNet``, ``FullyConnectedNetwork``, ``SmallConvolutionalNetwork``)
  default to float32.  ``forward`` converts its input to this dtype.
- ``seed``: draw the initial weights from ``np.random.RandomState(seed)``
  (the same numbers as ``np.random.seed(seed)`` before building, without
  touching the global generator); None draws from the global generator.
  ``DropoutNet`` also uses it as its dropout layers' seed.
"""

from __future__ import annotations

import numpy as np

from ..classifiers.base import Classifier
from .modules import ConvLayer2D, MaxPoolingLayer, dropout, fc, flatten, gelu, relu, sequential

__all__ = [
    "Module", "TestFCGeLU", "SmallFullyConnectedNetwork", "DropoutNet", "TinyNet",
    "FullyConnectedNetwork", "TestCNN", "SmallConvolutionalNetwork",
]


class Module(Classifier):
    """Base of the ready-made models: wraps a ``sequential`` in ``self.net``; ``predict`` and ``save``
    as every classifier of the library (see :class:`layerwise.classifiers.base.Classifier`)."""

    def __init__(self, dtype=np.float64, seed=None):
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"{type(self).__name__}: dtype must be a floating-point type such as np.float32, "
                             f"got {self.dtype}")
        self.seed = seed
        self._rng = None if seed is None else np.random.RandomState(seed)
        self.net = None

    def _fc(self, d_in, d_out, init_scale, name):
        return fc(d_in, d_out, init_scale=init_scale, name=name, dtype=self.dtype, rng=self._rng)

    @property
    def params(self):
        return self.net.params

    @property
    def grads(self):
        return self.net.grads

    def scores(self, X):
        return self.forward(X, is_training=False)

    def forward(self, x, is_training=False, seed=None):
        """Scores for the batch ``x``; ``is_training`` and ``seed`` reach the dropout layers."""
        return self.net.forward(np.asarray(x, dtype=self.dtype), is_training, seed)

    def backward(self, dout, compute_dx=True):
        """Backpropagate ``dout`` (d loss / d scores); stores every layer's gradients, returns d loss / d x."""
        return self.net.backward(dout, compute_dx)

    def __repr__(self):
        return f"{type(self).__name__}: {self.net!r}"


class TestFCGeLU(Module):
    """``flatten -> fc1 (15 -> 5) -> gelu``; input ``(N, 5, 3)``."""

    __test__ = False  # not a pytest test class

    def __init__(self, init_scale=0.02, dtype=np.float64, seed=None):
        super().__init__(dtype, seed)
        self.net = sequential(flatten("flatten"), self._fc(15, 5, init_scale, "fc1"), gelu("gelu1"))


class SmallFullyConnectedNetwork(Module):
    """``fc1 (4 -> 30) -> gelu -> fc2 (30 -> 7)``."""

    def __init__(self, init_scale=0.02, dtype=np.float64, seed=None):
        super().__init__(dtype, seed)
        self.net = sequential(self._fc(4, 30, init_scale, "fc1"), gelu("gelu1"), self._fc(30, 7, init_scale, "fc2"))


class DropoutNet(Module):
    """``flatten -> fc1 (15 -> 20) -> relu -> dropout -> fc2 (20 -> 30) -> relu -> dropout -> fc3 (30 -> 10)``.

    ``keep_prob`` is the probability of keeping a unit (0 or 1: no dropout);
    init scale 5e-2.  ``seed`` fixes the initial weights and the dropout masks.
    """

    def __init__(self, keep_prob=0, seed=None, init_scale=5e-2, dtype=np.float64):
        super().__init__(dtype, seed)
        self.keep_prob = keep_prob
        self.net = sequential(
            flatten("flatten"),
            self._fc(15, 20, init_scale, "fc1"), relu("relu1"), dropout(keep_prob, seed=seed, name="dropout1"),
            self._fc(20, 30, init_scale, "fc2"), relu("relu2"), dropout(keep_prob, seed=seed, name="dropout2"),
            self._fc(30, 10, init_scale, "fc3"),
        )


class TinyNet(Module):
    """``flatten -> fc1 (input_dim -> hidden_dim) -> gelu -> fc2 (hidden_dim -> num_classes)``.

    Defaults: 3072 -> 512 -> 20 (CIFAR-100 superclasses; ``num_classes=10`` for CIFAR-10).
    """

    def __init__(self, input_dim=3072, hidden_dim=512, num_classes=20, init_scale=0.02, dtype=np.float32,
                 seed=None):
        super().__init__(dtype, seed)
        input_dim = int(np.prod(input_dim))
        self.net = sequential(
            flatten("flatten"),
            self._fc(input_dim, hidden_dim, init_scale, "fc1"), gelu("gelu1"),
            self._fc(hidden_dim, num_classes, init_scale, "fc2"),
        )


class FullyConnectedNetwork(Module):
    """``flatten -> fc1 (input_dim -> 100) -> relu -> fc2 (100 -> 100) -> relu -> fc3 (100 -> num_classes)``.

    ``hidden_dims`` changes the hidden sizes (one ``fc`` + ``relu`` per entry).
    """

    def __init__(self, input_dim=3072, num_classes=20, hidden_dims=(100, 100), init_scale=0.02, dtype=np.float32,
                 seed=None):
        super().__init__(dtype, seed)
        dims = [int(np.prod(input_dim)), *hidden_dims, num_classes]
        layers = [flatten("flatten")]
        for i in range(len(dims) - 1):
            layers.append(self._fc(dims[i], dims[i + 1], init_scale, f"fc{i + 1}"))
            if i < len(dims) - 2:
                layers.append(relu(f"relu{i + 1}"))
        self.net = sequential(layers)


class TestCNN(Module):
    """``conv (3 -> 3 channels, 3x3, stride 1, no padding) -> max pool 2x2 stride 2 -> flatten -> fc (27 -> 5)``.

    Input ``(N, 8, 8, 3)``: the convolution gives ``(N, 6, 6, 3)``, pooling ``(N, 3, 3, 3)``.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, init_scale=0.02, dtype=np.float64, seed=None):
        super().__init__(dtype, seed)
        self.net = sequential(
            ConvLayer2D(3, 3, 3, stride=1, padding=0, init_scale=init_scale, name="conv", dtype=self.dtype,
                        rng=self._rng),
            MaxPoolingLayer(2, 2, name="pool"),
            flatten("flatten"),
            self._fc(27, 5, init_scale, "fc"),
        )


class SmallConvolutionalNetwork(Module):
    """Two conv blocks and a fully connected head::

        conv1 (3x3, C -> 32, pad 1) - relu - max pool 2x2
        conv2 (3x3, 32 -> 64, pad 1) - relu - max pool 2x2
        flatten - fc1 (H/4 * W/4 * 64 -> 256) - relu - fc2 (256 -> num_classes)

    ``input_shape`` is ``(H, W, C)`` (default ``(32, 32, 3)``; H and W must be
    multiples of 4).  ``num_classes`` defaults to 20 (CIFAR-100 superclasses).
    ``init_scale=None`` (the default) draws each layer's weights with He's
    scale ``sqrt(2 / fan_in)`` (fan_in = k*k*C_in for a convolution, the input
    size for ``fc``), which keeps the signal's size through the ReLU layers;
    a number uses that scale for every layer.
    """

    def __init__(self, input_shape=(32, 32, 3), num_classes=20, filters=(32, 64), kernel_size=3, hidden_dim=256,
                 init_scale=None, dtype=np.float32, seed=None):
        super().__init__(dtype, seed)
        H, W, C = input_shape
        if H % 4 or W % 4:
            raise ValueError(f"SmallConvolutionalNetwork: input height and width must be multiples of 4 "
                             f"(two 2x2 poolings), got input_shape {tuple(input_shape)}")
        if kernel_size % 2 != 1:
            raise ValueError(f"SmallConvolutionalNetwork: kernel_size must be odd (same padding), got {kernel_size}")
        f1, f2 = filters
        pad = kernel_size // 2

        def scale(fan_in):
            return np.sqrt(2.0 / fan_in) if init_scale is None else init_scale

        def conv(c_in, c_out, name):
            return ConvLayer2D(c_in, kernel_size, c_out, stride=1, padding=pad,
                               init_scale=scale(kernel_size * kernel_size * c_in), name=name, dtype=self.dtype,
                               rng=self._rng)

        flat = (H // 4) * (W // 4) * f2
        self.net = sequential(
            conv(C, f1, "conv1"), relu("relu1"), MaxPoolingLayer(2, 2, name="pool1"),
            conv(f1, f2, "conv2"), relu("relu2"), MaxPoolingLayer(2, 2, name="pool2"),
            flatten("flatten"),
            self._fc(flat, hidden_dim, scale(flat), "fc1"), relu("relu3"),
            self._fc(hidden_dim, num_classes, scale(hidden_dim), "fc2"),
        )
