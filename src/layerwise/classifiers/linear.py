"""Linear classifiers trained by minibatch SGD: ``LinearSVM`` and ``Softmax``.

``W: (D, C)`` maps a row ``x: (D,)`` to class scores ``x W``; append a column
of ones to ``X`` to learn a bias.  Losses (see :mod:`.linear_svm` and
:mod:`.softmax`) use the course's ``reg * sum(W**2)`` penalty.

Randomness (initialization ``W = 0.001 * randn(D, C)`` and minibatch
sampling with replacement) comes from NumPy's global generator, as in the
course notebooks, unless a ``seed`` is given to the constructor: then the
classifier draws from its own ``np.random.default_rng(seed)`` and training is
reproducible regardless of other code.
"""

from __future__ import annotations

import numpy as np

from ..checks import integer
from .base import Classifier
from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized

__all__ = ["LinearClassifier", "LinearSVM", "Softmax"]


class LinearClassifier(Classifier):
    """Base class: subclasses define ``loss(X_batch, y_batch, reg) -> (loss, dW)``."""

    @property
    def params(self):
        """``{'W': (D, C)}`` once trained (what ``save`` stores), else empty."""
        return {} if self.W is None else {"W": self.W}

    def _load_arrays(self, arrays, source):
        self.W = arrays.get("W")

    def __init__(self, seed=None):
        self.W = None
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        """Minibatch SGD on ``X: (N, D)``, ``y: (N,)`` labels in ``[0, C)``.

        Each of ``num_iters`` steps samples ``batch_size`` rows with replacement
        and updates ``W -= learning_rate * dW``.  ``W`` is created on the first
        call with ``C = max(y) + 1`` classes (in ``X``'s floating dtype, else
        float64) and kept across calls.  Returns the list of minibatch losses.
        """
        X = np.asarray(X)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"{type(self).__name__}.train: X must have shape (N, D) with N >= 1, got {X.shape}; "
                             f"flatten images with X.reshape(len(X), -1)")
        if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError(f"{type(self).__name__}.train: y must hold {len(X)} non-negative integer labels, "
                             f"got shape {y.shape} dtype {y.dtype}")
        num_iters = integer(num_iters, "num_iters", 1, where=f"{type(self).__name__}.train")
        batch_size = integer(batch_size, "batch_size", 1, where=f"{type(self).__name__}.train")
        if not (np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(f"{type(self).__name__}.train: learning_rate must be a positive number, "
                             f"got {learning_rate!r}")
        if self.W is None:
            dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
            self.W = (0.001 * self._randn(X.shape[1], int(y.max()) + 1)).astype(dtype, copy=False)
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"{type(self).__name__}.train: X has {X.shape[1]} features but the current W expects "
                             f"{self.W.shape[0]}; set clf.W = None to start over")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{type(self).__name__}.train: X contains NaN or infinity; clean the data first")
        if y.max() >= self.W.shape[1]:
            raise ValueError(f"{type(self).__name__}.train: labels must lie in [0, {self.W.shape[1] - 1}] for the "
                             f"{self.W.shape[1]} classes of the current W, got a maximum of {y.max()}; "
                             f"set clf.W = None to start over")

        loss_history = []
        for it in range(num_iters):
            idx = self._choice(len(X), batch_size)
            loss, grad = self.loss(X[idx], y[idx], reg)
            if not np.isfinite(loss):
                raise FloatingPointError(f"{type(self).__name__}.train: loss became {loss} at iteration {it}; "
                                         f"lower the learning rate (now {learning_rate}) or the regularization "
                                         f"(now {reg})")
            loss_history.append(loss)
            self.W -= learning_rate * grad
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")
        return loss_history

    def predict(self, X):
        """Predicted labels ``argmax_c (X W)_c``: ``X: (N, D) -> (N,)`` int."""
        if self.W is None:
            raise ValueError(f"{type(self).__name__}.predict: the classifier is not trained; call train(X, y) first")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            raise ValueError(f"{type(self).__name__}.predict: X must have shape (N, {self.W.shape[0]}), got {X.shape}")
        return np.argmax(X @ self.W, axis=1)

    def loss(self, X_batch, y_batch, reg):
        """``(loss, dW)`` on a minibatch; defined by subclasses."""
        raise NotImplementedError("LinearClassifier is abstract: use LinearSVM or Softmax")

    def _randn(self, *shape):
        return np.random.randn(*shape) if self._rng is None else self._rng.standard_normal(shape)

    def _choice(self, n, size):
        return np.random.choice(n, size, replace=True) if self._rng is None else self._rng.integers(0, n, size)


class LinearSVM(LinearClassifier):
    """Linear classifier with the multiclass hinge loss (:func:`svm_loss_vectorized`)."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """Linear classifier with the softmax cross-entropy loss (:func:`softmax_loss_vectorized`)."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
