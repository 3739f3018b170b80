"""Batched prediction and accuracy: the one place labels are computed from scores."""

from __future__ import annotations

import numpy as np

from .checks import integer

__all__ = ["predict_labels", "accuracy"]


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
