"""``SpeedrunNet``: the CIFAR-10 speedrun network (the airbench94 architecture), on the fast kernels.

::

    whitening conv 2x2 (valid, frozen filters from the data) - GELU
    3 blocks of width w:  conv3x3 - maxpool2 - batchnorm - GELU - conv3x3 - batchnorm - GELU
    maxpool3 - linear (no bias) - times output_scale - softmax with label smoothing

Inputs are ``(N, C, H, W)``; inside, activations stay in the ``(C, H, W, N)``
layout of the ``*_chwn`` kernels, as in :class:`~layerwise.classifiers.cnn.ConvNet`.
"""

from __future__ import annotations

import numpy as np

from ..checks import floating_dtype, integer
from ..init import dirac_, whitening_filters
from ..layers import convolution as cl
from ..layers import gelu_backward, gelu_forward, softmax_loss
from .base import Classifier

__all__ = ["SpeedrunNet"]

_SAME, _VALID = {"stride": 1, "pad": 1}, {"stride": 1, "pad": 0}
_POOL2 = {"pool_height": 2, "pool_width": 2, "stride": 2, "floor": True}   # 31 -> 15 -> 7 -> 3, as PyTorch
_POOL3 = {"pool_height": 3, "pool_width": 3, "stride": 3, "floor": True}


def _uniform(rng, shape, fan_in, dtype):
    """PyTorch's default draw for convolutions and linear layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(dtype)


class SpeedrunNet(Classifier):
    """The airbench94 network: whitening conv, three conv-pool-norm blocks, a scaled linear head.

    Args:
        input_dim: ``(C, H, W)`` of the images.
        widths: the channels of the three blocks.
        whiten_size: the whitening convolution's kernel size; it has
            ``2 C whiten_size^2`` filters (each whitening direction and its negative).
        bn_momentum, bn_eps: of every batchnorm (``running = momentum * running
            + (1 - momentum) * batch``); the batchnorms have no scale, only a bias.
        output_scale: the scores are ``features @ W * output_scale``.
        label_smoothing: of the softmax loss (see :func:`~layerwise.layers.softmax_loss`).
        seed: of the initial weights (PyTorch's uniform draws; every 3x3 conv's
            first ``C_in`` filters are identities, :func:`~layerwise.init.dirac_`).

    Parameters: ``whiten.W``, ``whiten.b``, ``conv1.W`` .. ``conv6.W``,
    ``norm1.beta`` .. ``norm6.beta`` and ``fc.W``.  Names in ``self.frozen``
    (``{'whiten.W'}`` at first) get gradient None, which the optimizer skips;
    :meth:`init_whitening` sets the whitening filters from training images.
    """

    score_batch_size = 256

    def __init__(self, input_dim=(3, 32, 32), widths=(64, 256, 256), whiten_size=2, num_classes=10,
                 bn_momentum=0.6, bn_eps=1e-12, output_scale=1 / 9, label_smoothing=0.2, dtype=np.float32,
                 seed=None):
        if len(input_dim) != 3:
            raise ValueError(f"SpeedrunNet: input_dim must be (C, H, W), got {input_dim!r}")
        if len(widths) != 3:
            raise ValueError(f"SpeedrunNet: widths are the channels of its three blocks, got {widths!r}")
        self.input_dim = tuple(integer(d, "input_dim", 1, where="SpeedrunNet") for d in input_dim)
        self.widths = tuple(integer(w, "widths", 1, where="SpeedrunNet") for w in widths)
        self.whiten_size = integer(whiten_size, "whiten_size", 1, where="SpeedrunNet")
        self.num_classes = integer(num_classes, "num_classes", 1, where="SpeedrunNet")
        self.output_scale = float(output_scale)
        self.label_smoothing = float(label_smoothing)
        self.dtype = floating_dtype(dtype, where="SpeedrunNet")
        rng = np.random.default_rng(seed)

        C, H, W = self.input_dim
        k = self.whiten_size
        side = min(H, W) - k + 1
        for _ in range(3):
            side //= 2
        if side < 3:
            raise ValueError(f"SpeedrunNet: {H}x{W} inputs are too small: after the whitening conv and three "
                             f"2x2 poolings the 3x3 pooling needs at least 3x3, got {side}x{side}")
        whiten_width = 2 * C * k * k
        p = self.params = {}
        p["whiten.W"] = _uniform(rng, (whiten_width, C, k, k), C * k * k, self.dtype)
        p["whiten.b"] = np.zeros(whiten_width, self.dtype)
        channels = [whiten_width]
        for width in self.widths:
            channels += [width, width]
        for j in range(1, 7):
            c_in, c_out = channels[j - 1], channels[j]
            p[f"conv{j}.W"] = dirac_(_uniform(rng, (c_out, c_in, 3, 3), c_in * 9, self.dtype))
            p[f"norm{j}.beta"] = np.zeros(c_out, self.dtype)
        p["fc.W"] = _uniform(rng, (channels[-1], self.num_classes), channels[-1], self.dtype)
        self._zero_bias = {j: np.zeros(channels[j], self.dtype) for j in range(1, 7)}   # convs without bias
        # Running variances start at one (PyTorch's start): with eps 1e-12, zeros would blow up test-mode
        # scores of nearly constant channels until the average has caught up.
        self.bn_params = [{"mode": "train", "momentum": float(bn_momentum), "eps": float(bn_eps),
                           "running_mean": np.zeros(channels[j], self.dtype),
                           "running_var": np.ones(channels[j], self.dtype)} for j in range(1, 7)]
        self.frozen = {"whiten.W"}
        shared = cl.Workspace()
        self._ws = {name: cl.Workspace(shared) for name in
                    ["whiten"] + [f"conv{j}" for j in range(1, 7)] + [f"pool{b}" for b in range(4)]}

    def init_whitening(self, X, eps=5e-4):
        """Set ``whiten.W`` to :func:`~layerwise.init.whitening_filters` of images ``X: (N, C, H, W)``."""
        X = self._check_images(X)
        self.params["whiten.W"][...] = whitening_filters(X, self.whiten_size, eps, self.dtype)

    def running_stats(self):
        """The batchnorms' running statistics, ``{'norm1.running_mean': array, 'norm1.running_var': ...}``
        (the arrays themselves: writing into them changes the model)."""
        return {f"norm{j}.{key}": bn[key] for j, bn in enumerate(self.bn_params, 1)
                for key in ("running_mean", "running_var")}

    def loss(self, X, y=None):
        """Scores (N, num_classes) when ``y`` is None (test mode); else ``(loss, grads)`` (train mode).

        X: (N, C, H, W); y: (N,) integer labels.  Frozen parameters get gradient None.
        """
        X = self._check_images(X)
        if y is None and X.shape[0] > self.score_batch_size:
            step = self.score_batch_size
            return np.concatenate([self.loss(X[i:i + step]) for i in range(0, X.shape[0], step)])
        self._set_mode("test" if y is None else "train")
        p, ws, N = self.params, self._ws, X.shape[0]
        tape = []

        h, cache = cl.conv_forward_chwn(X.transpose(1, 2, 3, 0), p["whiten.W"], p["whiten.b"], _VALID, ws["whiten"])
        tape.append(("conv", "whiten", cache))
        h, cache = gelu_forward(h)
        tape.append(("gelu", None, cache))
        for j in range(1, 7):
            h, cache = cl.conv_forward_chwn(h, p[f"conv{j}.W"], self._zero_bias[j], _SAME, ws[f"conv{j}"])
            tape.append(("conv", f"conv{j}", cache))
            if j % 2:                                  # the first conv of each block is pooled
                h, cache = cl.max_pool_forward_chwn(h, _POOL2, ws=ws[f"pool{j // 2}"])
                tape.append(("pool", None, cache))
            h, cache = cl.spatial_batchnorm_forward_chwn(h, None, p[f"norm{j}.beta"], self.bn_params[j - 1])
            tape.append(("norm", f"norm{j}", cache))
            h, cache = gelu_forward(h)
            tape.append(("gelu", None, cache))
        h, pooled = cl.max_pool_forward_chwn(h, _POOL3, ws=ws["pool3"])
        C, Ho, Wo, _ = h.shape
        features = h.reshape(C * Ho * Wo, N).T                                 # (N, D), D in (C, H, W) order
        scores = features @ p["fc.W"]
        scores *= self.output_scale
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y, self.label_smoothing)
        dscores *= self.output_scale
        grads = {"fc.W": features.T @ dscores}
        d = np.ascontiguousarray((dscores @ p["fc.W"].T).T).reshape(C, Ho, Wo, N)
        d = cl.max_pool_backward_chwn(d, pooled)
        whitening_trains = not {"whiten.W", "whiten.b"} <= self.frozen
        for kind, name, cache in reversed(tape):
            if d is None:
                break
            if kind == "gelu":
                d = gelu_backward(d, cache)
            elif kind == "norm":
                d, _, grads[f"{name}.beta"] = cl.spatial_batchnorm_backward_chwn(d, cache)
            elif kind == "pool":
                d = cl.max_pool_backward_chwn(d, cache)
            elif name == "whiten":
                _, grads["whiten.W"], grads["whiten.b"] = cl.conv_backward_chwn(d, cache, compute_dx=False)
                d = None
            else:   # conv1's input gradient only feeds the whitening layer
                d, grads[f"{name}.W"], _ = cl.conv_backward_chwn(d, cache, compute_dx=name != "conv1" or
                                                                 whitening_trains)
        for name in self.frozen:
            grads[name] = None
        return loss, grads
