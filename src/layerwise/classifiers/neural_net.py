"""The classic standalone two-layer network of the oldest course version.

Its weights are stored transposed compared with the rest of the library
(``W1: (H, D)``, ``W2: (C, H)``) and it trains itself with ``train``; the
math still comes from the functional kernels, and training runs on the
library's one training engine, the :class:`~layerwise.solver.Solver`.
"""

from __future__ import annotations

import numpy as np

from ..layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss

__all__ = ["TwoLayerNet"]


class TwoLayerNet:
    """input - fully connected (W1, b1) - ReLU - fully connected (W2, b2) - softmax.

    ``W1: (H, D)``, ``b1: (H,)``, ``W2: (C, H)``, ``b2: (C,)``, drawn
    ``std * randn`` (W1 first, then W2) with zero biases.  The loss adds
    ``reg * (sum(W1**2) + sum(W2**2))``, the convention of that course version.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {
            "W1": std * np.random.randn(hidden_size, input_size),
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(output_size, hidden_size),
            "b2": np.zeros(output_size),
        }

    def loss(self, X, y=None, reg=0.0):
        """Scores (N, C) when ``y`` is None, else ``(loss, grads)`` with grads keyed like params."""
        p = self.params
        # The kernels take (D, M) weights; the transposes are views, not copies.
        hidden, cache1 = affine_forward(X, p["W1"].T, p["b1"])
        hidden, relu_cache = relu_forward(hidden)
        scores, cache2 = affine_forward(hidden, p["W2"].T, p["b2"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
        dhidden, dW2, db2 = affine_backward(dscores, cache2)
        _, dW1, db1 = affine_backward(relu_backward(dhidden, relu_cache), cache1, compute_dx=False)
        grads = {"W1": dW1.T + 2 * reg * p["W1"], "b1": db1, "W2": dW2.T + 2 * reg * p["W2"], "b2": db2}
        return loss, grads

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95, reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        """Minibatch SGD for ``num_iters`` iterations, decaying the learning rate once per epoch.

        Returns ``{'loss_history', 'train_acc_history', 'val_acc_history'}``; the
        accuracies are measured once per epoch (train accuracy on that
        iteration's minibatch, as in the course).
        """
        from ..solver import Solver

        solver = Solver(_Regularized(self, reg), {"X_train": X, "y_train": y, "X_val": X_val, "y_val": y_val},
                        update_rule="sgd", optim_config={"learning_rate": learning_rate},
                        lr_decay=learning_rate_decay, batch_size=batch_size, num_iterations=num_iters,
                        num_train_samples=batch_size, verbose=verbose, keep_best=False)
        solver.train()
        return {"loss_history": solver.loss_history, "train_acc_history": solver.train_acc_history,
                "val_acc_history": solver.val_acc_history}

    def predict(self, X):
        """Predicted labels (N,) from the highest score."""
        return np.argmax(self.loss(X), axis=1)


class _Regularized:
    """Adapter giving the classic net the model protocol of the Solver (``params``, ``loss(X, y)``)."""

    def __init__(self, net, reg):
        self.net, self.reg = net, reg
        self.params = net.params

    def loss(self, X, y=None):
        return self.net.loss(X, y, reg=self.reg)
