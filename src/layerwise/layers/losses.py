"""Classification losses on scores ``x: (N, C)`` and labels ``y: (N,)``, averaged over the batch."""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "softmax_loss", "svm_loss"]


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


def softmax_loss(x, y, label_smoothing=0.0):
    """Softmax cross-entropy averaged over the batch, optionally against smoothed labels.

    x: (N, C) scores; y: (N,) integer labels in [0, C).
    With ``label_smoothing`` = e in [0, 1) the target of example n is
    ``q_n = (1 - e) * onehot(y_n) + e / C`` (PyTorch's ``label_smoothing``):
    ``loss = -mean_n sum_c q_nc log softmax(x_n)_c``; ``dx = (softmax(x) - q) / N``.
    Scores are shifted by their row maximum, so huge scores neither overflow nor warn.
    """
    y = _check_scores_labels("softmax_loss", x, y)
    if isinstance(label_smoothing, (bool, str)) or not (np.isscalar(label_smoothing) and 0 <= label_smoothing < 1):
        raise ValueError(f"softmax_loss: label_smoothing must be a number in [0, 1), got {label_smoothing!r}")
    N, C = x.shape
    shifted = x - x.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1, keepdims=True)
    rows = np.arange(N)
    log_sum_exp = np.log(sum_exp[:, 0])
    loss = np.mean(log_sum_exp - shifted[rows, y])
    if label_smoothing:   # -sum_c q_c log p_c = (1 - e) * nll + e * mean_c (log_sum_exp - shifted_c)
        uniform = np.mean(log_sum_exp - shifted.mean(axis=1))
        loss = (1 - label_smoothing) * loss + label_smoothing * uniform
    dx = exp
    dx /= sum_exp
    if label_smoothing:
        dx -= label_smoothing / C
    dx[rows, y] -= 1 - label_smoothing
    dx /= N
    return float(loss), dx


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
