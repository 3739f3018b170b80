"""Softmax (multinomial logistic regression) loss: a loop-based reference and the vectorized version.

Shapes: ``W: (D, C)``, ``X: (N, D)``, ``y: (N,)`` integer labels in ``[0, C)``.
Scores ``s = X W``; the loss is the mean cross-entropy plus the course's
linear-classifier penalty (assignment 1)

    L = -(1/N) sum_i log( exp(s_iy_i) / sum_j exp(s_ij) )  +  reg * sum(W**2)

with gradient ``dW = X^T (softmax(s) - onehot(y)) / N + 2 * reg * W``.  (The
neural-network models use ``0.5 * reg * sum(W**2)`` instead.)  Scores are
shifted by their row maximum, so large scores neither overflow nor warn.
"""

from __future__ import annotations

import numpy as np

from ..layers import softmax_loss
from .linear_svm import add_l2, check_linear_inputs, linear_loss

__all__ = ["softmax_loss_naive", "softmax_loss_vectorized"]


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss with explicit loops over examples and classes (teaching reference).

    Returns ``(loss, dW)`` with ``dW`` shaped like ``W``.
    """
    W, X, y = check_linear_inputs("softmax_loss_naive", W, X, y)
    N, C = X.shape[0], W.shape[1]
    dW = np.zeros_like(W)
    loss = 0.0
    for i in range(N):
        scores = X[i] @ W
        scores = scores - np.max(scores)  # exp of the shifted scores cannot overflow
        exp = np.exp(scores)
        total = np.sum(exp)
        loss += np.log(total) - scores[y[i]]
        for j in range(C):
            p = exp[j] / total
            dW[:, j] += (p - (j == y[i])) * X[i]
    return add_l2(loss / N, dW / N, W, reg)


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss without loops: ``layers.softmax_loss`` on the scores ``X W``, chained through ``X``.

    Returns ``(loss, dW)``; equals :func:`softmax_loss_naive` to rounding.
    """
    return linear_loss(softmax_loss, "softmax_loss_vectorized", W, X, y, reg)
