"""Multiclass linear SVM loss: a loop-based reference and the vectorized version.

Shapes: ``W: (D, C)``, ``X: (N, D)``, ``y: (N,)`` integer labels in ``[0, C)``.
Scores ``s = X W``; with margin 1 the loss is

    L = (1/N) sum_i sum_{j != y_i} max(0, s_ij - s_iy_i + 1)  +  reg * sum(W**2)

Regularization follows the linear-classifier convention of the course
(assignment 1): ``reg * sum(W**2)`` with gradient ``2 * reg * W``.  This is
twice the ``0.5 * reg * sum(W**2)`` used by the neural-network models, so the
same ``reg`` value regularizes a linear classifier twice as strongly.
"""

from __future__ import annotations

import numpy as np

from ..layers import svm_loss

__all__ = ["svm_loss_naive", "svm_loss_vectorized"]


def svm_loss_naive(W, X, y, reg):
    """Linear SVM loss with explicit loops over examples and classes (teaching reference).

    Returns ``(loss, dW)`` with ``dW`` shaped like ``W``.
    """
    W, X, y = check_linear_inputs("svm_loss_naive", W, X, y)
    N, C = X.shape[0], W.shape[1]
    dW = np.zeros_like(W)
    loss = 0.0
    for i in range(N):
        scores = X[i] @ W
        correct = scores[y[i]]
        for j in range(C):
            if j == y[i]:
                continue
            margin = scores[j] - correct + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return add_l2(loss / N, dW / N, W, reg)


def svm_loss_vectorized(W, X, y, reg):
    """Linear SVM loss without loops: ``layers.svm_loss`` on the scores ``X W``, chained through ``X``.

    Returns ``(loss, dW)``; equals :func:`svm_loss_naive` to rounding.
    """
    return linear_loss(svm_loss, "svm_loss_vectorized", W, X, y, reg)


def add_l2(loss, dW, W, reg):
    """The course's linear-classifier penalty: ``loss + reg * sum(W**2)``, gradient ``dW + 2 * reg * W``."""
    return float(loss + reg * np.sum(W * W)), dW + 2 * reg * W


def linear_loss(score_loss, where, W, X, y, reg):
    """``score_loss(X @ W, y)`` (a loss of ``layerwise.layers``) chained through the linear map, plus the penalty.

    W: (D, C), X: (N, D), y: (N,).  Returns ``(loss, dW)`` with ``dW = X^T dscores + 2 reg W``.
    """
    W, X, y = check_linear_inputs(where, W, X, y)
    loss, dscores = score_loss(X @ W, y)
    return add_l2(loss, X.T @ dscores, W, reg)


def check_linear_inputs(where, W, X, y):
    """Validate ``W: (D, C)``, ``X: (N, D)`` and labels ``y: (N,)`` in ``[0, C)``; return them as arrays."""
    W = np.asarray(W)
    X = np.asarray(X)
    y = np.asarray(y)
    if W.ndim != 2:
        raise ValueError(f"{where}: W must have shape (D, C), got {W.shape}")
    if X.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"{where}: X must have shape (N, {W.shape[0]}) to match W {W.shape}, got {X.shape}; "
                         f"flatten images with X.reshape(len(X), -1)")
    if X.shape[0] == 0:
        raise ValueError(f"{where}: X is empty (0 examples); pass at least one example")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{where}: y must have shape ({X.shape[0]},), one label per row of X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{where}: labels must be integers, got dtype {y.dtype}; use y.astype(int)")
    if y.min() < 0 or y.max() >= W.shape[1]:
        raise ValueError(f"{where}: labels must lie in [0, {W.shape[1] - 1}] for W with {W.shape[1]} classes, "
                         f"got values from {y.min()} to {y.max()}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: X contains NaN or infinity; clean or impute the data first")
    return W, X, y
