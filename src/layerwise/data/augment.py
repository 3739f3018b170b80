"""On-the-fly data augmentation for training batches.

Every transform is a callable ``t(X_batch, rng) -> X_batch`` (the Solver's
augmentation hook): it returns a new array of the same shape and dtype and never
modifies ``X_batch``.  ``rng`` is a ``np.random.Generator`` (or a seed, or a legacy
``RandomState``); the same generator state gives the same output.  Batches are
``(N, C, H, W)`` (``layout='NCHW'``, the functional API) or ``(N, H, W, C)``
(``layout='NHWC'``, the module API).  All work is vectorized over the batch.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..checks import integer

__all__ = [
    "random_crop",
    "random_flip",
    "alternating_flip",
    "RandomCrop",
    "AlternatingFlip",
    "RandomFlip",
    "Compose",
    "compose",
    "standard_augment",
]

_LAYOUTS = ("NCHW", "NHWC")


def _generator(rng):
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    raise TypeError(f"rng should be a np.random.Generator, RandomState, int seed or None, got {type(rng).__name__}")


def _integers(rng, high, size):
    return rng.integers(0, high, size) if hasattr(rng, "integers") else rng.randint(0, high, size)


def _batch(X, layout):
    if layout not in _LAYOUTS:
        raise ValueError(f"layout should be 'NCHW' or 'NHWC', got {layout!r}")
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(
            f"augmentation expects a batch of images of shape {'(N, C, H, W)' if layout == 'NCHW' else '(N, H, W, C)'} "
            f"(layout={layout!r}), got shape {X.shape}"
        )
    return X


_PAD_MODES = ("constant", "reflect")


def random_crop(X, pad=4, rng=None, layout="NCHW", mode="constant"):
    """Random translation: pad by ``pad`` pixels on every side, crop back to ``H x W``.

    For image ``n`` with offsets ``dy, dx`` drawn uniformly from ``{0, ..., 2 * pad}``:
    ``out[n, :, i, j] = Xpad[n, :, i + dy, j + dx]``, i.e. the image shifted by
    ``(pad - dy, pad - dx)``, with zeros shifted in (``mode='constant'``) or the
    image mirrored at its edges (``mode='reflect'``, as ``np.pad``; needs
    ``pad < H, W``).  ``X: (N, C, H, W)`` or ``(N, H, W, C)`` with
    ``layout='NHWC'``; same shape and dtype out.
    """
    X = _batch(X, layout)
    pad = integer(pad, "pad", 0)
    if mode not in _PAD_MODES:
        raise ValueError(f"random_crop: mode must be 'constant' (zeros) or 'reflect', got {mode!r}")
    if pad == 0:
        return X.copy()
    rng = _generator(rng)
    hw = (2, 3) if layout == "NCHW" else (1, 2)
    H, W = X.shape[hw[0]], X.shape[hw[1]]
    if mode == "reflect" and pad >= min(H, W):
        raise ValueError(f"random_crop: reflect padding needs pad < the image's height and width, got pad={pad} "
                         f"for {H}x{W} images")
    widths = [(0, 0)] * 4
    widths[hw[0]] = widths[hw[1]] = (pad, pad)
    padded = np.pad(X, widths, mode=mode)
    n = len(X)
    dy = _integers(rng, 2 * pad + 1, n)
    dx = _integers(rng, 2 * pad + 1, n)
    # Every H x W window of every padded image, as a view: (N, C, 2p+1, 2p+1, H, W) for NCHW,
    # (N, 2p+1, 2p+1, C, H, W) for NHWC.  One fancy index gathers each image's window.
    windows = sliding_window_view(padded, (H, W), axis=hw)
    if layout == "NCHW":
        return windows[np.arange(n), :, dy, dx]
    return np.ascontiguousarray(windows[np.arange(n), dy, dx].transpose(0, 2, 3, 1))


def random_flip(X, rng=None, layout="NCHW", p=0.5):
    """Mirror each image left-right with probability ``p`` (independently per image).

    ``X: (N, C, H, W)`` or ``(N, H, W, C)`` with ``layout='NHWC'``; same shape and dtype out.
    """
    X = _batch(X, layout)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p should be a probability in [0, 1], got {p!r}")
    flip = _generator(rng).random(len(X)) < p
    mirrored = X[..., ::-1] if layout == "NCHW" else X[:, :, ::-1, :]
    return np.where(flip[:, None, None, None], mirrored, X)


def alternating_flip(X, indices, epoch, seed=0, layout="NCHW"):
    """Mirror images by a fixed random choice per example that inverts every other epoch.

    Example ``i`` (its index in the training set, ``indices: (N,)``) is
    mirrored in epoch ``e`` when ``b_i XOR (e odd)``, with ``b_i`` one fair coin
    per example drawn from ``seed``.  Over any two consecutive epochs every
    image is seen once each way round, which random flipping only gives on
    average (the airbench speedrun's augmentation).  ``X: (N, C, H, W)`` or
    ``(N, H, W, C)``; same shape and dtype out.
    """
    X = _batch(X, layout)
    indices = np.asarray(indices)
    if indices.shape != (len(X),) or not np.issubdtype(indices.dtype, np.integer) or \
            (indices.size and indices.min() < 0):
        raise ValueError(f"alternating_flip: indices must be the {len(X)} examples' non-negative integer "
                         f"positions in the training set, got {indices.dtype} array of shape {indices.shape}")
    epoch = integer(epoch, "epoch", 0, where="alternating_flip")
    n = int(indices.max()) + 1 if indices.size else 0
    # The coins of examples 0..n-1 are a prefix of one stream, so they do not depend on n.
    coins = np.random.default_rng(seed).random(n) < 0.5
    flip = coins[indices] ^ bool(epoch % 2)
    mirrored = X[..., ::-1] if layout == "NCHW" else X[:, :, ::-1, :]
    return np.where(flip[:, None, None, None], mirrored, X)


class RandomCrop:
    """``random_crop`` as a ``t(X, rng)`` transform."""

    def __init__(self, pad=4, layout="NCHW", mode="constant"):
        if mode not in _PAD_MODES:
            raise ValueError(f"RandomCrop: mode must be 'constant' (zeros) or 'reflect', got {mode!r}")
        self.pad, self.layout, self.mode = pad, layout, mode

    def __call__(self, X, rng=None):
        return random_crop(X, self.pad, rng, self.layout, self.mode)

    def __repr__(self):
        return f"RandomCrop(pad={self.pad}, layout={self.layout!r}, mode={self.mode!r})"


class AlternatingFlip:
    """``alternating_flip`` as a transform.  It needs to know which examples a
    batch holds and the epoch, so it is called ``t(X, rng, indices=..., epoch=...)``:
    the Solver passes both to transforms whose ``per_example`` is True."""

    per_example = True

    def __init__(self, seed=0, layout="NCHW"):
        self.seed, self.layout = seed, layout

    def __call__(self, X, rng=None, indices=None, epoch=None):
        if indices is None or epoch is None:
            raise ValueError("AlternatingFlip needs the batch's example indices and the epoch: call "
                             "t(X, rng, indices=..., epoch=...) (the Solver does, with shuffle=True)")
        return alternating_flip(X, indices, epoch, self.seed, self.layout)

    def __repr__(self):
        return f"AlternatingFlip(seed={self.seed}, layout={self.layout!r})"


class RandomFlip:
    """``random_flip`` as a ``t(X, rng)`` transform."""

    def __init__(self, p=0.5, layout="NCHW"):
        self.p, self.layout = p, layout

    def __call__(self, X, rng=None):
        return random_flip(X, rng, self.layout, self.p)

    def __repr__(self):
        return f"RandomFlip(p={self.p}, layout={self.layout!r})"


class Compose:
    """Apply transforms in order, all drawing from one generator: ``t_k(...t_1(X, rng)..., rng)``.

    ``per_example`` transforms (see :class:`AlternatingFlip`) also get the
    batch's ``indices`` and the ``epoch``."""

    def __init__(self, *transforms):
        for t in transforms:
            if not callable(t):
                raise TypeError(f"every transform must be callable as t(X, rng), got {t!r}")
        self.transforms = transforms
        self.per_example = any(getattr(t, "per_example", False) for t in transforms)

    def __call__(self, X, rng=None, indices=None, epoch=None):
        rng = _generator(rng)
        out = np.array(X) if not self.transforms else X  # even the empty pipeline returns a copy
        for t in self.transforms:
            out = t(out, rng, indices=indices, epoch=epoch) if getattr(t, "per_example", False) else t(out, rng)
        return out

    def __repr__(self):
        return f"Compose({', '.join(map(repr, self.transforms))})"


def compose(*transforms) -> Compose:
    """Chain ``t(X, rng)`` transforms into one."""
    return Compose(*transforms)


def standard_augment(pad=4, flip=True, layout="NCHW") -> Compose:
    """The usual CIFAR augmentation: random crop with ``pad`` zero padding (skipped when
    ``pad=0``), then a random horizontal flip (when ``flip``)."""
    steps = []
    if pad:
        steps.append(RandomCrop(pad, layout))
    if flip:
        steps.append(RandomFlip(0.5, layout))
    return Compose(*steps)
