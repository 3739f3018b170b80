"""Training for the module API: ``train_net``, ``compute_acc``, ``reset_seed``.

``train_net`` is an adapter onto :class:`layerwise.solver.Solver`, the
library's one training engine: a module network plus a loss object become a
model with ``params`` and ``loss(X, y=None)``, and the optimizer object
becomes the solver's updater.  Minibatches, learning-rate decay, accuracy
tracking and divergence checks are the solver's; ``train_net`` only picks the
best of the end-of-epoch parameters, as the course does.
"""

from __future__ import annotations

import inspect
import numbers
import random

import numpy as np

from ..checks import integer
from ..data.splits import as_splits
from ..evaluation import accuracy
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
    return accuracy(lambda batch: model.forward(batch, is_training=False), np.asarray(X), y, batch_size,
                    where="compute_acc")


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


def _regularization_args(regularization, reg_lambda):
    """``(kind, strength)`` from train_net's arguments: a bare number ``lam`` means ``('l2', lam)``."""
    if isinstance(regularization, numbers.Real) and not isinstance(regularization, (bool, np.bool_)):
        if reg_lambda and reg_lambda != regularization:
            raise ValueError(f"regularization={regularization!r} (a number: the L2 strength) conflicts with "
                             f"reg_lambda={reg_lambda!r}; pass regularization='l2', reg_lambda=... instead")
        return "l2", regularization
    return regularization, reg_lambda


class _NetModel:
    """A module model seen through the Solver's model protocol."""

    def __init__(self, model, loss_func, regularization, reg_lambda):
        self.model, self.loss_func = model, loss_func
        self.net = _net_of(model)
        self.regularization, self.reg_lambda = regularization, reg_lambda
        try:  # ready-made models and sequential can skip the input gradient
            self._skip_dx = "compute_dx" in inspect.signature(model.backward).parameters
        except (TypeError, ValueError):
            self._skip_dx = False

    @property
    def params(self):
        return self.net.params

    def tracked_params(self) -> dict:
        """What a tracker records of the model beyond the Solver's arguments."""
        return {"model": type(self.model).__name__, "loss_func": type(self.loss_func).__name__,
                "regularization": self.regularization, "reg_lambda": self.reg_lambda}

    def loss(self, X, y=None):
        if y is None:
            return self.model.forward(X, is_training=False)
        scores = self.model.forward(X, is_training=True)
        loss = self.loss_func.forward(scores, y)
        dout = self.loss_func.backward()
        if self._skip_dx:
            self.model.backward(dout, compute_dx=False)
        else:
            self.model.backward(dout)
        loss += regularize(self.net, self.regularization, self.reg_lambda)
        return loss, self.net.grads


class _EpochBest:
    """``on_epoch_end`` callback keeping the parameters of the epoch with the best validation accuracy.

    The course chooses among the end-of-epoch evaluations it reports; the
    Solver's own best also considers its evaluation after the first iteration.
    """

    def __init__(self):
        self.val_acc = -np.inf
        self.params = {}

    def __call__(self, solver):
        val_acc = solver.history[-1]["val_acc"]
        if val_acc > self.val_acc:
            self.val_acc = val_acc
            self.params = {name: np.array(value, copy=True) for name, value in solver.model.params.items()}


def train_net(data_dict, model, loss_func, optimizer, batch_size=100, max_epochs=None, lr_decay=1.0,
              lr_decay_every=1000, show_every=10, verbose=False, regularization="none", reg_lambda=0.0, augment=None,
              num_train_samples=None, tracker=None):
    """Train a module network with minibatch gradient descent.

    Args:
        data_dict: ``{'data_train': (X, y), 'data_val': (X, y)}`` (a ``'data_test'`` entry is ignored).
        model: a ready-made model or any object with ``forward(x, is_training, seed)``,
            ``backward(dout)`` and ``.net`` (or a ``sequential`` itself).
        loss_func: e.g. ``cross_entropy()``: ``forward(scores, y) -> loss``, ``backward() -> dscores``.
        optimizer: e.g. ``SGD(model.net, lr)``: ``step()`` and ``lr``.
        batch_size: examples per minibatch (default 100, the course's: 20000 examples and
            ``max_epochs=50`` make its 10000 iterations).
        max_epochs: number of epochs (required); an epoch is ``max(N_train // batch_size, 1)``
            minibatches, each epoch a fresh permutation of the training set.
        lr_decay, lr_decay_every: multiply ``optimizer.lr`` by ``lr_decay`` every
            ``lr_decay_every`` iterations.
        show_every, verbose: print (or show in a progress bar) the loss every ``show_every`` iterations.
        regularization, reg_lambda: ``'none'``, ``'l1'`` or ``'l2'`` penalty on the weights with
            strength ``reg_lambda``, see :func:`regularize`.  A bare number ``lam`` as
            ``regularization`` means L2 with ``reg_lambda=lam`` (the course's
            ``regularization=l2_lambda``).  The L2 penalty is ``lam * sum(theta**2)``, gradient
            ``2 * lam * theta``, so with ``SGD(lr)`` it moves the weights exactly as
            ``weight_decay = 2 * lr * lam`` does.
        augment: optional ``augment(X_batch, rng) -> X_batch`` applied to training batches, e.g.
            ``layerwise.data.standard_augment(layout="NHWC")`` (random crops and flips).
        num_train_samples: measure the training accuracy on this many random training
            examples instead of all of them (None, the course's way; a forward pass over
            the whole training set every epoch).
        tracker: log the run's parameters and per-epoch metrics, e.g. to
            :class:`layerwise.tracking.MLflowTracker` (see the Solver's ``tracker``).

    Returns:
        ``(opt_params, loss_hist, train_acc_hist, val_acc_hist)``: the parameters at the end of
        the epoch with the best validation accuracy (also loaded into the model), the loss of every
        iteration, and the accuracy on the training set (see ``num_train_samples``) and on the
        validation set after every epoch.
    """
    if max_epochs is None:
        raise TypeError("train_net() missing required argument 'max_epochs' (the number of epochs to train)")
    regularization, reg_lambda = _regularization_args(regularization, reg_lambda)
    if regularization not in _REGULARIZATIONS:
        raise ValueError(f"regularization must be one of {_REGULARIZATIONS} or a number (L2 strength), "
                         f"got {regularization!r}")
    if not (np.isscalar(reg_lambda) and reg_lambda >= 0):
        raise ValueError(f"reg_lambda must be a non-negative number, got {reg_lambda!r}")
    max_epochs = integer(max_epochs, "max_epochs", 1, where="train_net")
    if not (isinstance(data_dict, dict) and {"data_train", "data_val"} <= set(data_dict)) \
            and not (isinstance(data_dict, dict) and {"X_train", "X_val"} <= set(data_dict)):
        raise ValueError(f"data_dict needs 'data_train': (X, y) and 'data_val': (X, y) (or X_train, y_train, X_val, "
                         f"y_val); got {sorted(data_dict) if isinstance(data_dict, dict) else type(data_dict).__name__}")
    splits = as_splits(data_dict)
    data = {key: np.asarray(splits[key]) for key in ("X_train", "y_train", "X_val", "y_val")}  # no test pass

    if not (callable(getattr(optimizer, "step", None)) and hasattr(optimizer, "learning_rate")):
        raise TypeError(f"train_net needs an optimizer with step() and lr (e.g. layerwise.nn.SGD); "
                        f"got {type(optimizer).__name__}")
    net_model = _NetModel(model, loss_func, regularization, reg_lambda)
    best = _EpochBest()
    solver = Solver(
        net_model, data,
        update_rule=optimizer,
        batch_size=batch_size, num_epochs=int(max_epochs), shuffle=True, num_train_samples=num_train_samples,
        lr_decay=lr_decay, lr_decay_every=lr_decay_every,
        print_every=show_every, verbose=verbose, augment=augment,
        on_epoch_end=best, keep_best=False, tracker=tracker,
    )
    solver.train()
    for name, value in best.params.items():
        net_model.net.params[name] = value.copy()
    per_epoch = [h for h in solver.history if h["iteration"] % solver.iterations_per_epoch == 0]
    return (
        best.params,
        list(solver.loss_history),
        [h["train_acc"] for h in per_epoch],
        [h["val_acc"] for h in per_epoch],
    )
