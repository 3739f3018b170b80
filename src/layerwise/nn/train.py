"""Training for the module API: ``train_net``, ``compute_acc``, ``reset_seed``.

``train_net`` is an adapter onto :class:`layerwise.solver.Solver`, the
library's one training engine: a module network plus a loss object become a
model with ``params`` and ``loss(X, y=None)``, and the optimizer object
becomes the solver's updater.  Minibatches, learning-rate decay, accuracy
tracking, best-parameter selection and divergence checks are the solver's.
"""

from __future__ import annotations

import inspect
import random

import numpy as np

from ..solver import Solver
from .modules import is_weight
from .optim import _net_of

__all__ = ["train_net", "compute_acc", "reset_seed", "regularize"]

_REGULARIZATIONS = ("none", "l1", "l2")


def reset_seed(seed):
    """Seed NumPy's global generator and Python's ``random``."""
    np.random.seed(seed)
    random.seed(seed)


def compute_acc(model, X, y, batch_size=100):
    """Fraction of ``X`` classified as ``y`` by ``model.forward(X, is_training=False)``, ``batch_size`` at a time."""
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] == 0 or y.shape != (X.shape[0],):
        raise ValueError(f"compute_acc: expected X (N, ...) with N >= 1 and labels y (N,), "
                         f"got X {X.shape} and y {y.shape}")
    correct = 0
    for start in range(0, X.shape[0], batch_size):
        scores = model.forward(X[start:start + batch_size], is_training=False)
        correct += int(np.count_nonzero(np.argmax(scores, axis=1) == y[start:start + batch_size]))
    return correct / X.shape[0]


def regularize(net, regularization, reg_lambda):
    """Add a penalty's gradient to the weight gradients (``*_w``) of ``net``; return the penalty.

    ``'l1'``: penalty ``reg_lambda * sum |theta|``, gradient ``reg_lambda * sign(theta)``;
    ``'l2'``: penalty ``reg_lambda * sum theta**2``, gradient ``2 * reg_lambda * theta``;
    ``'none'``: nothing.  Call it after the backward pass.
    """
    if regularization not in _REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {_REGULARIZATIONS}, got {regularization!r}")
    if regularization == "none" or not reg_lambda:
        return 0.0
    penalty = 0.0
    for layer in net.layers:
        for name, theta in layer.params.items():
            if not is_weight(name):
                continue
            grad = layer.grads[name]
            if regularization == "l1":
                penalty += reg_lambda * float(np.abs(theta).sum())
                grad += reg_lambda * np.sign(theta)
            else:
                penalty += reg_lambda * float(np.vdot(theta, theta))
                grad += (2 * reg_lambda) * theta
    return penalty


class _NetModel:
    """A module model seen through the Solver's model protocol."""

    def __init__(self, model, loss_func, regularization, reg_lambda):
        self.model, self.loss_func = model, loss_func
        self.net = _net_of(model)
        self.regularization, self.reg_lambda = regularization, reg_lambda
        try:  # ready-made models and sequential can skip the input gradient
            self._skip_input_grad = "input_grad" in inspect.signature(model.backward).parameters
        except (TypeError, ValueError):
            self._skip_input_grad = False

    @property
    def params(self):
        return self.net.params

    def loss(self, X, y=None):
        if y is None:
            return self.model.forward(X, is_training=False)
        scores = self.model.forward(X, is_training=True)
        loss = self.loss_func.forward(scores, y)
        dout = self.loss_func.backward()
        if self._skip_input_grad:
            self.model.backward(dout, input_grad=False)
        else:
            self.model.backward(dout)
        loss += regularize(self.net, self.regularization, self.reg_lambda)
        return loss, self.net.grads


class _OptimizerUpdater:
    """An optimizer object seen through the Solver's updater protocol."""

    def __init__(self, optimizer):
        if not callable(getattr(optimizer, "step", None)) or not hasattr(optimizer, "lr"):
            raise TypeError(f"train_net needs an optimizer with step() and lr (e.g. layerwise.nn.SGD); "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer

    @property
    def learning_rate(self):
        return self.optimizer.lr

    @learning_rate.setter
    def learning_rate(self, value):
        self.optimizer.lr = value

    def step(self, params, grads):
        self.optimizer.step()  # it reads the layers' grads and writes their params itself


def train_net(data_dict, model, loss_func, optimizer, batch_size, max_epochs, lr_decay=1.0, lr_decay_every=1000,
              show_every=10, verbose=False, regularization="none", reg_lambda=0.0, augment=None):
    """Train a module network with minibatch gradient descent.

    Args:
        data_dict: ``{'data_train': (X, y), 'data_val': (X, y)}`` (a ``'data_test'`` entry is ignored).
        model: a ready-made model or any object with ``forward(x, is_training, seed)``,
            ``backward(dout)`` and ``.net`` (or a ``sequential`` itself).
        loss_func: e.g. ``cross_entropy()``: ``forward(scores, y) -> loss``, ``backward() -> dscores``.
        optimizer: e.g. ``SGD(model.net, lr)``: ``step()`` and ``lr``.
        batch_size, max_epochs: an epoch is ``N_train // batch_size`` minibatches, each epoch a
            fresh permutation of the training set.
        lr_decay, lr_decay_every: multiply ``optimizer.lr`` by ``lr_decay`` every
            ``lr_decay_every`` iterations.
        show_every, verbose: print (or show in a progress bar) the loss every ``show_every`` iterations.
        regularization, reg_lambda: ``'none'``, ``'l1'`` or ``'l2'`` penalty on the weights, see :func:`regularize`.
        augment: optional ``augment(X_batch, rng) -> X_batch`` applied to training batches, e.g.
            ``layerwise.data.standard_augment(layout="NHWC")`` (random crops and flips).

    Returns:
        ``(opt_params, loss_hist, train_acc_hist, val_acc_hist)``: the parameters with the
        best validation accuracy (also loaded into the model at the end), the loss of every
        iteration, and the training (on 1000 random training examples) and validation
        accuracy after every epoch.
    """
    if regularization not in _REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {_REGULARIZATIONS}, got {regularization!r}")
    if not (np.isscalar(reg_lambda) and reg_lambda >= 0):
        raise ValueError(f"reg_lambda must be a non-negative number, got {reg_lambda!r}")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
        raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
    data = {}
    for split in ("train", "val"):
        pair = data_dict.get(f"data_{split}") if isinstance(data_dict, dict) else None
        if pair is None or len(pair) != 2:
            raise ValueError(f"data_dict needs 'data_{split}': (X, y); got keys "
                             f"{sorted(data_dict) if isinstance(data_dict, dict) else type(data_dict).__name__}")
        data[f"X_{split}"], data[f"y_{split}"] = np.asarray(pair[0]), np.asarray(pair[1])

    solver = Solver(
        _NetModel(model, loss_func, regularization, reg_lambda), data,
        update_rule=_OptimizerUpdater(optimizer),
        batch_size=batch_size, num_epochs=int(max_epochs), shuffle=True,
        lr_decay=lr_decay, lr_decay_every=lr_decay_every,
        print_every=show_every, verbose=verbose, augment=augment,
    )
    solver.train()
    per_epoch = [h for h in solver.history if h["iteration"] % solver.iterations_per_epoch == 0]
    return (
        solver.best_params,
        list(solver.loss_history),
        [h["train_acc"] for h in per_epoch],
        [h["val_acc"] for h in per_epoch],
    )
