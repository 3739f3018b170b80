"""The classic standalone two-layer network of the oldest course version.

Its weights are stored transposed compared with the rest of the library
(``W1: (H, D)``, ``W2: (C, H)``) and it trains itself with ``train``.  The
math comes from the functional kernels and the library's one L2 helper; the
parameter updates of ``train`` go through the library's one optimizer
(:class:`~layerwise.optimizer.Optimizer` with :func:`layerwise.optim.sgd`).
``train`` keeps that course's own loop, not the Solver's, because the course's
printed numbers depend on it: minibatches come from ``np.random.choice`` on
NumPy's global generator, and accuracies and learning-rate decay happen when
``it % (N / batch_size) == 0`` (from the first iteration on).
"""

from __future__ import annotations

import numpy as np

from ..layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss
from ..optimizer import Optimizer
from .base import Classifier
from .fc_net import add_l2_penalty

__all__ = ["TwoLayerNet"]


class TwoLayerNet(Classifier):
    """input - fully connected (W1, b1) - ReLU - fully connected (W2, b2) - softmax.

    ``W1: (H, D)``, ``b1: (H,)``, ``W2: (C, H)``, ``b2: (C,)``, drawn
    ``std * randn`` (W1 first, then W2) with zero biases.  The loss adds the
    library's L2 penalty ``0.5 * reg * (sum(W1**2) + sum(W2**2))`` (gradient
    ``reg * W``), as the course's notebook asks.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {
            "W1": std * np.random.randn(hidden_size, input_size),
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(output_size, hidden_size),
            "b2": np.zeros(output_size),
        }

    def loss(self, X, y=None, reg=0.0):
        """Scores (N, C) for X: (N, D) when ``y`` is None, else ``(loss, grads)`` with grads keyed like params."""
        p = self.params
        # The kernels take (D, M) weights; the transposes are views, not copies.
        hidden, cache1 = affine_forward(X, p["W1"].T, p["b1"])
        hidden, relu_cache = relu_forward(hidden)
        scores, cache2 = affine_forward(hidden, p["W2"].T, p["b2"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        dhidden, dW2, db2 = affine_backward(dscores, cache2)
        _, dW1, db1 = affine_backward(relu_backward(dhidden, relu_cache), cache1, compute_dx=False)
        grads = {"W1": dW1.T, "b1": db1, "W2": dW2.T, "b2": db2}
        if reg:
            loss = add_l2_penalty(loss, grads, p, reg, ("W1", "W2"))
        return loss, grads

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        """Minibatch SGD for ``num_iters`` iterations, the course's loop.

        X: (N, D), y: (N,), X_val: (N_val, D), y_val: (N_val,).  Each iteration
        draws ``batch_size`` examples with ``np.random.choice(N, batch_size)``
        (with replacement, from the global generator, so ``np.random.seed``
        reproduces the course's numbers) and takes one SGD step.  Whenever
        ``it % max(N / batch_size, 1) == 0`` (an "epoch", the first iteration
        included) it records the accuracy on that minibatch and on the
        validation set and multiplies the learning rate by
        ``learning_rate_decay``.  ``verbose`` prints the loss every 100 iterations.

        Returns ``{'loss_history', 'train_acc_history', 'val_acc_history'}``.
        """
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train / batch_size, 1)  # true division, as in the course
        optimizer = Optimizer(self.params, "sgd", {"learning_rate": learning_rate})
        loss_history, train_acc_history, val_acc_history = [], [], []
        for it in range(num_iters):
            batch = np.random.choice(num_train, batch_size)
            X_batch, y_batch = X[batch], y[batch]
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)
            optimizer.step(grads)
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss}")
            if it % iterations_per_epoch == 0:
                train_acc_history.append(float(np.mean(self.predict(X_batch) == y_batch)))
                val_acc_history.append(float(np.mean(self.predict(X_val) == y_val)))
                optimizer.learning_rate = optimizer.learning_rate * learning_rate_decay
        return {"loss_history": loss_history, "train_acc_history": train_acc_history,
                "val_acc_history": val_acc_history}

