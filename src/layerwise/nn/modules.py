"""Layer objects, the ``sequential`` container and the losses of the module API.

Every layer object wraps the functional kernels of :mod:`layerwise.layers`
(there is one implementation of each piece of math in the library): ::

    layer.forward(x)        -> out        (keeps the kernel's cache in layer.meta)
    layer.backward(dout)    -> dx         (stores parameter gradients in layer.grads)

Parameters live in ``layer.params`` under ``name + '_w'`` and ``name + '_b'``
and gradients under the same names in ``layer.grads``.  Layers read their
parameters from ``layer.params`` at every call, so the dict (or any entry of
it) may be replaced at any time.

Image tensors are ``(N, H, W, C)`` here; the convolution and pooling layers
transpose to the ``(N, C, H, W)`` kernels at their boundary (views, no copies).

Weights are drawn as ``init_scale * randn(...)`` from NumPy's global generator
(or from ``rng``, a ``np.random.RandomState``, when given) and biases start at
zero, so ``np.random.seed(s)`` before building a network reproduces the course's
numbers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

import numpy as np

from .. import layers as L
from ..checks import integer
from ..layers.convolution import conv_output_size
from ..fileio import atomic_open

__all__ = [
    "Layer", "flatten", "fc", "relu", "leaky_relu", "gelu", "dropout",
    "ConvLayer2D", "MaxPoolingLayer", "softmax", "cross_entropy", "sequential",
    "UnknownParameterError", "is_weight",
]


class UnknownParameterError(KeyError, ValueError):
    """A parameter name that no layer of the network holds.

    A ``KeyError`` (so ``name in net.params`` and ``net.params.get`` work) and a
    ``ValueError`` (a bad argument), with a readable message.
    """

    def __str__(self):
        return str(self.args[0]) if self.args else ""


def is_weight(name: str) -> bool:
    """True for weight parameters (``*_w``), which regularization and weight decay act on; biases are left alone."""
    return name.endswith("_w")


def _init(rng, init_scale, shape, dtype):
    """``init_scale * randn(*shape)`` from ``rng`` (a RandomState) or the global generator."""
    randn = np.random.randn if rng is None else rng.randn
    return (init_scale * randn(*shape)).astype(dtype, copy=False)


def _check_positive(where, **values):
    for key, value in values.items():
        integer(value, key, 1, where=where)


class Layer:
    """Base of the layer objects: ``name``, ``params``, ``grads`` and ``meta`` (the forward cache).

    Every layer has the same two calls: ``forward(x, is_training=False, seed=None)``
    (dropout uses the flag and the seed; its default is ``is_training=True``, as in
    the course) and ``backward(dout, compute_dx=True)`` (a layer that can skip the
    input gradient does so when ``compute_dx`` is False, and returns None).
    """

    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise ValueError(f"a layer name must be a non-empty string, got {name!r}")
        self.name = name
        self.params = {}
        self.grads = {}
        self.meta = None

    def forward(self, x, is_training=False, seed=None):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dout, compute_dx=True):  # pragma: no cover - interface
        raise NotImplementedError

    def _param(self, key):
        try:
            return self.params[key]
        except KeyError:
            raise UnknownParameterError(
                f"layer {self.name!r} needs parameter {key!r} but its params hold {sorted(self.params)}; "
                f"keep the names {self.name!r}_w / _b when replacing layer.params"
            ) from None

    def _cache(self):
        if self.meta is None:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: backward() called before forward()")
        return self.meta

    def __repr__(self):
        shapes = ", ".join(f"{k}: {tuple(np.shape(v))}" for k, v in self.params.items())
        return f"{type(self).__name__}({self.name!r}{', ' + shapes if shapes else ''})"


class flatten(Layer):
    """``(N, d1, ..., dk) -> (N, d1 * ... * dk)`` in row-major order; backward restores the shape."""

    def __init__(self, name="flatten"):
        super().__init__(name)

    def forward(self, x, is_training=False, seed=None):
        x = np.asarray(x)
        if x.ndim < 1:
            raise ValueError(f"flatten {self.name!r}: x needs a batch axis, got a scalar")
        self.meta = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, compute_dx=True):
        return dout.reshape(self._cache())


class fc(Layer):
    """Fully connected layer ``out = x.reshape(N, D) @ w + b`` (kernel: ``affine_forward``).

    Params ``name_w: (input_dim, output_dim)`` drawn ``init_scale * randn``,
    ``name_b: (output_dim,)`` zeros.  x: ``(N, ...)`` with ``input_dim`` features per example.
    """


    def __init__(self, input_dim, output_dim, init_scale=0.02, name="fc", dtype=np.float64, rng=None):
        super().__init__(name)
        _check_positive(f"fc {name!r}", input_dim=input_dim, output_dim=output_dim)
        self.input_dim, self.output_dim, self.init_scale = int(input_dim), int(output_dim), init_scale
        self.w_name, self.b_name = name + "_w", name + "_b"
        self.params[self.w_name] = _init(rng, init_scale, (self.input_dim, self.output_dim), dtype)
        self.params[self.b_name] = np.zeros(self.output_dim, dtype=dtype)
        self.grads = {self.w_name: None, self.b_name: None}

    def forward(self, x, is_training=False, seed=None):
        out, self.meta = L.affine_forward(x, self._param(self.w_name), self._param(self.b_name))
        return out

    def backward(self, dout, compute_dx=True):
        dx, self.grads[self.w_name], self.grads[self.b_name] = L.affine_backward(dout, self._cache(), compute_dx)
        return dx


class relu(Layer):
    """``max(0, x)`` (kernel: ``relu_forward``)."""

    def __init__(self, name="relu"):
        super().__init__(name)

    def forward(self, x, is_training=False, seed=None):
        out, self.meta = L.relu_forward(x)
        return out

    def backward(self, dout, compute_dx=True):
        return L.relu_backward(dout, self._cache())


class leaky_relu(Layer):
    """``x if x > 0 else negative_slope * x`` (kernel: ``leaky_relu_forward``)."""

    def __init__(self, negative_slope=0.01, name="leaky_relu"):
        super().__init__(name)
        self.negative_slope = negative_slope

    def forward(self, x, is_training=False, seed=None):
        out, self.meta = L.leaky_relu_forward(x, self.negative_slope)
        return out

    def backward(self, dout, compute_dx=True):
        return L.leaky_relu_backward(dout, self._cache())


class gelu(Layer):
    """GELU, tanh approximation ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (kernel: ``gelu_forward``)."""

    def __init__(self, name="gelu"):
        super().__init__(name)

    def forward(self, x, is_training=False, seed=None):
        out, self.meta = L.gelu_forward(x)
        return out

    def backward(self, dout, compute_dx=True):
        return L.gelu_backward(dout, self._cache())


class dropout(Layer):
    """Inverted dropout keeping each unit with probability ``keep_prob`` (kernel: ``dropout_forward``).

    Kept units are scaled by ``1 / keep_prob`` in training; evaluation is the
    identity.  ``keep_prob`` 0 and 1 both mean "no dropout" (the course's
    convention).  The mask is drawn from ``RandomState(seed)`` when a seed is
    given to ``forward`` or, failing that, to the constructor; otherwise from
    NumPy's global generator.
    """


    def __init__(self, keep_prob, seed=None, name="dropout"):
        super().__init__(name)
        if not (np.isscalar(keep_prob) and 0 <= keep_prob <= 1):
            raise ValueError(f"dropout {name!r}: keep_prob is the probability of keeping a unit and must be in "
                             f"[0, 1] (0 or 1: no dropout), got {keep_prob!r}")
        self.keep_prob = keep_prob
        self.seed = seed

    @property
    def active(self):
        return 0 < self.keep_prob < 1

    def forward(self, x, is_training=True, seed=None):
        param = {"p": self.keep_prob if self.active else 1.0, "mode": "train" if is_training else "test"}
        seed = self.seed if seed is None else seed
        if seed is not None:
            param["seed"] = seed
        out, self.meta = L.dropout_forward(x, param)
        return out

    def backward(self, dout, compute_dx=True):
        return L.dropout_backward(dout, self._cache())


def _check_nhwc(where, x, channels):
    x = np.asarray(x)
    if x.ndim != 4 or (channels is not None and x.shape[3] != channels):
        want = f"(N, H, W, {channels})" if channels is not None else "(N, H, W, C)"
        raise ValueError(f"{where}: expected images of shape {want} (channels last), got shape {x.shape}"
                         + (" -- for (N, C, H, W) arrays use x.transpose(0, 2, 3, 1)" if x.ndim == 4 else ""))
    return x


class ConvLayer2D(Layer):
    """2-D convolution (cross-correlation) on ``x: (N, H, W, C)`` (kernel: ``conv_forward``).

    Params ``name_w: (kernel_size, kernel_size, input_channels, number_filters)``
    and ``name_b: (number_filters,)``.
    ``out[n, i, j, f] = sum_{u, v, c} xpad[n, i*stride + u, j*stride + v, c] * w[u, v, c, f] + b[f]``,
    out: ``(N, Ho, Wo, number_filters)`` with ``Ho = 1 + (H + 2*padding - kernel_size) // stride``.
    """


    def __init__(self, input_channels, kernel_size, number_filters, stride=1, padding=0, init_scale=0.02,
                 name="conv", dtype=np.float64, rng=None):
        super().__init__(name)
        _check_positive(f"ConvLayer2D {name!r}", input_channels=input_channels, kernel_size=kernel_size,
                        number_filters=number_filters, stride=stride)
        if isinstance(padding, (bool, np.bool_)) or not isinstance(padding, (int, np.integer)) or padding < 0:
            raise ValueError(f"ConvLayer2D {name!r}: padding must be a non-negative integer, got {padding!r}")
        self.input_channels, self.kernel_size, self.number_filters = input_channels, kernel_size, number_filters
        self.stride, self.padding, self.init_scale = stride, padding, init_scale
        self.w_name, self.b_name = name + "_w", name + "_b"
        self.params[self.w_name] = _init(rng, init_scale, (kernel_size, kernel_size, input_channels, number_filters),
                                         dtype)
        self.params[self.b_name] = np.zeros(number_filters, dtype=dtype)
        self.grads = {self.w_name: None, self.b_name: None}

    def get_output_size(self, input_size):
        """Output shape ``[N, Ho, Wo, number_filters]`` for an input of shape ``(N, H, W, C)``.

        ``Ho = 1 + (H + 2*padding - kernel_size) // stride`` (likewise ``Wo``): the
        sizes :meth:`forward` produces, from the kernels' own geometry check (so a
        shape the windows do not tile raises the same error).
        """
        if len(input_size) != 4:
            raise ValueError(f"ConvLayer2D {self.name!r}: expected an input shape (N, H, W, C), got {input_size!r}")
        n, h, w, _ = input_size
        where = f"ConvLayer2D {self.name!r}"
        k, stride, pad = self.kernel_size, self.stride, self.padding
        return [n, conv_output_size(h, k, stride, pad, where, "height"),
                conv_output_size(w, k, stride, pad, where, "width"), self.number_filters]

    def forward(self, x, is_training=False, seed=None):
        x = _check_nhwc(f"ConvLayer2D {self.name!r}", x, self.input_channels)
        w = self._param(self.w_name)  # (k, k, C, F) -> the kernel's (F, C, k, k)
        out, self.meta = L.conv_forward(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), self._param(self.b_name),
                                        {"stride": self.stride, "pad": self.padding})
        return out.transpose(0, 2, 3, 1)

    def backward(self, dout, compute_dx=True):
        dx, dw, db = L.conv_backward(dout.transpose(0, 3, 1, 2), self._cache(), compute_dx)
        self.grads[self.w_name] = np.ascontiguousarray(dw.transpose(2, 3, 1, 0))
        self.grads[self.b_name] = db
        return None if dx is None else dx.transpose(0, 2, 3, 1)


class MaxPoolingLayer(Layer):
    """Max pooling over ``pool_size x pool_size`` windows on ``x: (N, H, W, C)`` (kernel: ``max_pool_forward``).

    out: ``(N, Ho, Wo, C)`` with ``Ho = 1 + (H - pool_size) // stride``.
    """

    def __init__(self, pool_size, stride, name="pool"):
        super().__init__(name)
        _check_positive(f"MaxPoolingLayer {name!r}", pool_size=pool_size, stride=stride)
        self.pool_size, self.stride = pool_size, stride

    def forward(self, x, is_training=False, seed=None):
        x = _check_nhwc(f"MaxPoolingLayer {self.name!r}", x, None)
        pool_param = {"pool_height": self.pool_size, "pool_width": self.pool_size, "stride": self.stride}
        out, self.meta = L.max_pool_forward(x.transpose(0, 3, 1, 2), pool_param)
        return out.transpose(0, 2, 3, 1)

    def backward(self, dout, compute_dx=True):
        return L.max_pool_backward(dout.transpose(0, 3, 1, 2), self._cache()).transpose(0, 2, 3, 1)


# ----------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------

softmax = L.softmax  # row-wise softmax of scores (N, C)


class cross_entropy:
    """Softmax cross-entropy of scores ``(N, C)`` and integer labels ``(N,)`` (kernel: ``softmax_loss``).

    ``loss = -mean_n log softmax(x_n)[y_n]`` (the sum over the batch when
    ``size_average=False``); ``backward()`` returns ``d loss / d scores``.
    """

    def __init__(self, size_average=True):
        self.size_average = size_average
        self.dx = None

    def forward(self, feat, label):
        loss, dx = L.softmax_loss(feat, label)
        if not self.size_average:
            n = feat.shape[0]
            loss *= n
            dx *= n
        self.dx = dx
        return loss

    def backward(self):
        if self.dx is None:
            raise RuntimeError("cross_entropy: backward() called before forward()")
        return self.dx


# ----------------------------------------------------------------------------
# sequential
# ----------------------------------------------------------------------------

class _MergedView(MutableMapping):
    """Live name -> array view over the ``params`` (or ``grads``) dicts of a network's layers.

    Reading looks the name up in the layers at that moment; assigning stores
    into the layer that holds the name.  Names cannot be added or removed.
    """

    def __init__(self, net, kind):
        self._net, self._kind = net, kind

    def _owner(self, name):
        for layer in self._net.layers:
            if name in getattr(layer, self._kind):
                return layer
        raise UnknownParameterError(
            f"no layer holds {self._kind[:-1] if self._kind == 'params' else 'gradient'} {name!r}; "
            f"the network's parameters are {list(self._net.params)}"
        )

    def __getitem__(self, name):
        return getattr(self._owner(name), self._kind)[name]

    def __setitem__(self, name, value):
        getattr(self._owner(name), self._kind)[name] = value

    def __delitem__(self, name):
        raise TypeError(f"parameters cannot be deleted from the network (tried {name!r})")

    def __iter__(self):
        for layer in self._net.layers:
            yield from getattr(layer, self._kind)

    def __len__(self):
        return sum(len(getattr(layer, self._kind)) for layer in self._net.layers)

    def __repr__(self):
        items = ", ".join(f"{k!r}: {None if v is None else np.shape(v)}" for k, v in self.items())
        return f"<{self._kind} {{{items}}}>"


class sequential:
    """A chain of layers: ``forward`` runs them in order, ``backward`` in reverse.

    ``.layers`` is the list of layers; ``.params`` / ``.grads`` are live merged
    views (name -> array) over the layers' dicts.
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for layer in layers:
            missing = [a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)]
            if missing:
                raise TypeError(f"sequential: {layer!r} is not a layer (it lacks {', '.join(missing)})")
        self.layers = list(layers)
        seen = {}
        for layer in self.layers:
            for name in layer.params:
                if name in seen:
                    raise ValueError(f"sequential: parameter name {name!r} is used by two layers "
                                     f"({seen[name]!r} and {layer.name!r}); give the layers distinct names")
                seen[name] = layer.name

    @property
    def params(self) -> MutableMapping:
        return _MergedView(self, "params")

    @property
    def grads(self) -> MutableMapping:
        return _MergedView(self, "grads")

    def gather_params(self):
        """The merged parameter view (kept for notebooks that call it; the view is always current)."""
        return self.params

    def gather_grads(self):
        """The merged gradient view (always current)."""
        return self.grads

    def forward(self, x, is_training=False, seed=None):
        """Run the layers in order; ``is_training`` and ``seed`` go to the layers that take them (dropout)."""
        for layer in self.layers:
            x = layer.forward(x, is_training, seed)
        return x

    def backward(self, dout, compute_dx=True):
        """Run the layers' backward passes in reverse order; return ``d loss / d input``.

        ``compute_dx=False`` (used in training) skips the work that only the
        input gradient needs: the layers before the first layer with
        parameters, and that layer's ``dx`` (one GEMM); returns None.
        """
        layers = self.layers
        stop = 0
        if not compute_dx:
            stop = next((i for i, layer in enumerate(layers) if layer.params), len(layers))
        for i in range(len(layers) - 1, stop - 1, -1):
            layer = layers[i]
            dout = layer.backward(dout, compute_dx=compute_dx or i != stop)
        return dout if compute_dx else None

    # -- access by name -------------------------------------------------------

    def _holder(self, name, kind):
        for layer in self.layers:
            if name in getattr(layer, kind):
                return layer
        raise UnknownParameterError(
            f"unknown parameter name {name!r}; this network has {list(self.params)}"
        )

    def assign(self, name, value):
        """Set parameter ``name`` to ``value`` (stored as given, not copied; the shape must match)."""
        layer = self._holder(name, "params")
        value = np.asarray(value)
        current = layer.params[name]
        if current is not None and np.shape(current) != value.shape:
            raise ValueError(f"assign: parameter {name!r} has shape {np.shape(current)}, "
                             f"the value has shape {value.shape}")
        layer.params[name] = value

    def assign_grads(self, name, value):
        """Set the gradient of parameter ``name``."""
        self._holder(name, "params").grads[name] = np.asarray(value)

    def get_params(self, name):
        """The array of parameter ``name``."""
        return self._holder(name, "params").params[name]

    def get_grads(self, name):
        """The gradient of parameter ``name`` (None before the first backward pass)."""
        return self._holder(name, "params").grads.get(name)

    # -- saving and loading ---------------------------------------------------

    def load(self, params, strict=True, verbose=True):
        """Load parameters from a dict name -> array or from an ``.npz`` file written by :meth:`save`.

        Every array is checked before anything changes; values are copied and
        converted to the dtype of the parameter they replace.  ``strict``
        requires the names to match the network's exactly (otherwise unknown
        names are an error and missing ones stay unchanged).  Prints each
        loaded name and shape when ``verbose``.
        """
        source = "the given dict"
        if isinstance(params, (str, os.PathLike)):
            source = str(params)
            with np.load(params, allow_pickle=False) as archive:
                params = {key: archive[key] for key in archive.files}
        if not isinstance(params, Mapping):
            raise TypeError(f"load: expected a dict name -> array or a path to an .npz file, "
                            f"got {type(params).__name__}")
        own = self.params
        unknown = [name for name in params if name not in own]
        if unknown:
            raise ValueError(f"load: {source} holds parameters {unknown} that this network does not have; "
                             f"its parameters are {list(own)}")
        missing = [name for name in own if name not in params]
        if strict and missing:
            raise ValueError(f"load: {source} lacks parameters {missing}; pass strict=False to load only "
                             f"the ones it holds")
        for name, value in params.items():
            if np.shape(value) != np.shape(own[name]):
                raise ValueError(f"load: shape mismatch for {name!r}: the network has {np.shape(own[name])}, "
                                 f"{source} has {np.shape(value)}; build the same architecture before loading")
        for layer in self.layers:
            for name in list(layer.params):
                if name in params:
                    current = layer.params[name]
                    dtype = current.dtype if isinstance(current, np.ndarray) else None
                    layer.params[name] = np.array(params[name], dtype=dtype)
                    if verbose:
                        print(f"Loading Params: {name} Shape: {layer.params[name].shape}")

    def save(self, path):
        """Write the parameters to ``path`` (``.npz`` appended if missing) atomically, without pickles.

        Returns the path written; :meth:`load` reads it back.
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        arrays = {name: np.asarray(value) for name, value in self.params.items()}
        bad = [name for name, value in arrays.items() if value.dtype.hasobject]
        if bad:
            raise TypeError(f"save: parameters {bad} are object arrays; only numeric arrays can be saved")
        with atomic_open(path) as f:
            np.savez(f, **arrays)
        return path

    def __repr__(self):
        inner = "\n".join(f"  {layer!r}" for layer in self.layers)
        return f"sequential(\n{inner}\n)"
