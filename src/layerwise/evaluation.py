"""Batched prediction and accuracy: the one place labels are computed from scores."""

from __future__ import annotations

import numpy as np

from .checks import integer

__all__ = ["predict_labels", "accuracy", "test_time_augmented", "test_time_scores"]

#: The levels of :func:`test_time_augmented`.
TTA_LEVELS = {0: "none", 1: "mirror", 2: "mirror + translate"}


def predict_labels(scores, X, batch_size=500, labels=False):
    """``argmax`` of ``scores(X_batch): (n, C)`` over ``X: (N, ...)``, ``batch_size`` rows at a time: ``(N,)``.

    ``scores`` is a function from a batch to class scores, e.g. a model's
    ``loss`` (called with ``y=None``: test mode) or a module model's
    ``lambda X: model.forward(X, is_training=False)``.  Memory stays bounded by
    one batch, whatever N is.  With ``labels``, ``scores`` already returns labels ``(n,)``.
    """
    batch_size = integer(batch_size, "batch_size", 1, where="predict_labels")
    n = len(X)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if labels:
        return np.concatenate([scores(X[i:i + batch_size]) for i in range(0, n, batch_size)])
    return np.concatenate([np.argmax(scores(X[i:i + batch_size]), axis=1) for i in range(0, n, batch_size)])


def accuracy(scores, X, y, batch_size=500, where="accuracy") -> float:
    """Fraction of ``X: (N, ...)`` whose predicted label (see :func:`predict_labels`) equals ``y: (N,)``."""
    y = np.asarray(y)
    if len(X) == 0 or y.shape != (len(X),):
        raise ValueError(f"{where}: expected X (N, ...) with N >= 1 and labels y (N,), got X of {len(X)} "
                         f"examples and y of shape {y.shape}")
    return float(np.count_nonzero(predict_labels(scores, X, batch_size) == y)) / len(X)


def _translations(X, pad):
    """X: (n, C, H, W) shifted by ``pad`` pixels up-left and down-right, padded by reflection."""
    if X.ndim != 4:
        raise ValueError(f"test-time translation needs images (n, C, H, W), got shape {X.shape}")
    H, W = X.shape[2:]
    padded = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="reflect")
    return padded[:, :, :H, :W], padded[:, :, 2 * pad:, 2 * pad:]


def _levels(scores, X, pad, top):
    """The scores of every level up to ``top`` for one batch, each pass made once."""
    plain = scores(X)
    if top == 0:
        return [plain]
    mirror = 0.5 * (plain + scores(X[..., ::-1]))
    if top == 1:
        return [plain, mirror]
    shifted = [0.5 * (scores(T) + scores(T[..., ::-1])) for T in _translations(X, pad)]
    return [plain, mirror, 0.5 * mirror + 0.25 * (shifted[0] + shifted[1])]


def _tta_args(level, pad, where):
    if level not in TTA_LEVELS:
        raise ValueError(f"{where}: test-time augmentation level must be 0 (none), 1 (mirror) or 2 "
                         f"(mirror + translate), got {level!r}")
    return integer(pad, "pad", 1, where=where)


def test_time_augmented(scores, level=1, pad=1):
    """``scores`` averaged over augmented copies of each batch ``X: (n, C, H, W)``.

    level 0: ``scores(X)``; 1: the mean of X and its mirror image,
    ``m(X) = (scores(X) + scores(X[..., ::-1])) / 2``; 2: also the image
    translated by ``pad`` pixels up-left and down-right (padding by
    reflection), ``(m(X) + (m(T+X) + m(T-X)) / 2) / 2`` (six passes).  Returns
    a function of a batch, for :func:`predict_labels` and :func:`accuracy`.
    """
    pad = _tta_args(level, pad, "test_time_augmented")
    return lambda X: _levels(scores, X, pad, level)[level]


def test_time_scores(scores, X, level=2, pad=1, batch_size=500):
    """The scores of ``X: (N, C, H, W)`` at every level ``0..level`` of :func:`test_time_augmented`,
    from one pass per view (six for level 2): a list of ``(N, classes)`` arrays."""
    pad = _tta_args(level, pad, "test_time_scores")
    batch_size = integer(batch_size, "batch_size", 1, where="test_time_scores")
    batches = [_levels(scores, X[i:i + batch_size], pad, level) for i in range(0, len(X), batch_size)]
    return [np.concatenate(per_level) for per_level in zip(*batches)]
