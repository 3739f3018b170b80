"""Optimizer objects of the module API, built on the functional rules of :mod:`layerwise.optim`.

An optimizer takes a network (a ``sequential``, or a model holding one in
``.net``) and, at every :meth:`Optimizer.step`, walks ``net.layers`` and
updates each ``layer.params[name]`` from ``layer.grads[name]`` with its rule.
The per-parameter state of the rule (velocity, cache, Adam's moments) is
exposed as dicts keyed by parameter name; :meth:`Optimizer.state_dict` and
:meth:`Optimizer.load_state_dict` save and restore it with the hyperparameters.

Weight decay follows the course convention ::

    theta <- theta - lr * grad - weight_decay * theta

(the decay is NOT multiplied by the learning rate) and acts on the weights
(``*_w``), not the biases.  Every rule here moves ``theta`` by a step that does
not depend on ``theta`` itself, so the decay is applied as
``theta *= 1 - weight_decay`` before the rule's step: the same update, in place.
"""

from __future__ import annotations

import numpy as np

from .. import optim as rules
from .modules import is_weight

__all__ = ["Optimizer", "SGD", "SGDMomentum", "RMSProp", "Adam"]


def _net_of(model):
    net = getattr(model, "net", model)
    if not hasattr(net, "layers"):
        raise TypeError(f"optimizers take a sequential network or a model with .net; got {type(model).__name__}")
    return net


class Optimizer:
    """Base class: ``rule`` is a functional update rule, ``_state`` maps an
    attribute holding per-parameter state (dict name -> array) to the rule's
    config key."""

    rule = None
    _state: dict = {}
    _scalars = ("lr", "weight_decay")  # attributes saved by state_dict besides the state dicts

    def __init__(self, model, lr, weight_decay=0.0):
        self.net = _net_of(model)
        if not (np.isscalar(lr) and lr >= 0):
            raise ValueError(f"{type(self).__name__}: lr must be a non-negative number, got {lr!r}")
        if not (np.isscalar(weight_decay) and 0 <= weight_decay < 1):
            raise ValueError(f"{type(self).__name__}: weight_decay must be in [0, 1) (it multiplies the weights "
                             f"by 1 - weight_decay every step), got {weight_decay!r}")
        self.lr = lr
        self.weight_decay = weight_decay
        self._configs = {}  # name -> config dict of the rule (hyperparameters, state, scratch)
        for attr in self._state:
            setattr(self, attr, {})

    @property
    def learning_rate(self):
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value):
        self.lr = value

    def _hyperparameters(self) -> dict:
        return {"learning_rate": self.lr}

    def step(self):
        """Update every parameter of every layer from its gradient."""
        hyper = self._hyperparameters()
        decay = 1 - self.weight_decay
        for layer in self.net.layers:
            params, grads = layer.params, layer.grads
            for name, w in params.items():
                dw = grads.get(name)
                if dw is None:
                    raise ValueError(f"{type(self).__name__}.step: parameter {name!r} of layer {layer.name!r} has "
                                     f"no gradient; run the network's backward pass before step()")
                config = self._configs.setdefault(name, {})
                config.update(hyper)
                for attr, key in self._state.items():
                    config[key] = getattr(self, attr).get(name)
                if decay != 1 and is_weight(name):
                    w = _scale(w, decay)
                w, _ = self.rule(w, dw, config)
                params[name] = w
                for attr, key in self._state.items():
                    getattr(self, attr)[name] = config[key]
        self._after_step()

    def _after_step(self):
        pass

    def state_dict(self) -> dict:
        """Hyperparameters and a copy of the per-parameter state::

            {"scalars": {"lr": ..., "weight_decay": ..., ...},
             "state": {"velocity": {name: array}, ...}}
        """
        return {
            "scalars": {key: getattr(self, key) for key in self._scalars},
            "state": {attr: {name: np.array(a) for name, a in getattr(self, attr).items() if a is not None}
                      for attr in self._state},
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (from an optimizer of the same class)."""
        scalars, per_param = state.get("scalars", {}), state.get("state", {})
        if set(scalars) != set(self._scalars) or set(per_param) != set(self._state):
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected scalars {sorted(self._scalars)} and "
                             f"state {sorted(self._state)}, got {sorted(scalars)} and {sorted(per_param)}; "
                             f"was it saved by another optimizer class?")
        for key, value in scalars.items():
            setattr(self, key, value)
        for attr, arrays in per_param.items():
            setattr(self, attr, {name: np.array(a) for name, a in arrays.items()})

    def zero_grad(self):
        """Forget the stored gradients (a later ``step()`` without a backward pass then raises)."""
        for layer in self.net.layers:
            for name in layer.grads:
                layer.grads[name] = None


def _scale(w, factor):
    """``w * factor``, in place when ``w`` is a writeable float array (the rules update in place too)."""
    if isinstance(w, np.ndarray) and w.flags.writeable and w.dtype.kind == "f":
        w *= factor
        return w
    return np.asarray(w, dtype=np.result_type(w, np.float32)) * factor


class SGD(Optimizer):
    """``theta <- theta - lr * grad - weight_decay * theta`` (rule: :func:`layerwise.optim.sgd`)."""

    rule = staticmethod(rules.sgd)

    def __init__(self, model, lr=1e-4, weight_decay=0.0):
        super().__init__(model, lr, weight_decay)


class SGDMomentum(Optimizer):
    """``v = momentum * v - lr * grad; theta <- theta + v - weight_decay * theta``
    (rule: :func:`layerwise.optim.sgd_momentum`); ``velocity`` is a dict name -> array."""

    rule = staticmethod(rules.sgd_momentum)
    _state = {"velocity": "velocity"}
    _scalars = Optimizer._scalars + ("momentum",)

    def __init__(self, model, lr=1e-4, momentum=0.9, weight_decay=0.0):
        super().__init__(model, lr, weight_decay)
        self.momentum = momentum

    def _hyperparameters(self):
        return {"learning_rate": self.lr, "momentum": self.momentum}


class RMSProp(Optimizer):
    """``cache = decay_rate * cache + (1 - decay_rate) * grad**2;
    theta <- theta - lr * grad / (sqrt(cache) + eps) - weight_decay * theta``
    (rule: :func:`layerwise.optim.rmsprop`); ``cache`` is a dict name -> array."""

    rule = staticmethod(rules.rmsprop)
    _state = {"cache": "cache"}
    _scalars = Optimizer._scalars + ("decay_rate", "eps")

    def __init__(self, model, lr=1e-2, decay_rate=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(model, lr, weight_decay)
        self.decay_rate, self.eps = decay_rate, eps

    def _hyperparameters(self):
        return {"learning_rate": self.lr, "decay_rate": self.decay_rate, "epsilon": self.eps}


class Adam(Optimizer):
    """Adam with bias correction (rule: :func:`layerwise.optim.adam`)::

        t += 1   (once per step, shared by all parameters)
        mt = beta1 * mt + (1 - beta1) * grad
        vt = beta2 * vt + (1 - beta2) * grad**2
        theta <- theta - lr * (mt / (1 - beta1**t)) / (sqrt(vt / (1 - beta2**t)) + eps) - weight_decay * theta

    ``mt`` and ``vt`` are dicts name -> array and ``t`` the step counter; all
    three may be read and assigned between steps.  The decay here is the
    course's (not AdamW's ``lr * weight_decay``): it is not fed through the
    moments, so it differs from adding an L2 penalty to the loss.
    """

    rule = staticmethod(rules.adam)
    _state = {"mt": "m", "vt": "v"}
    _scalars = Optimizer._scalars + ("beta1", "beta2", "eps", "t")

    def __init__(self, model, lr=1e-3, beta1=0.9, beta2=0.999, t=0, eps=1e-8, weight_decay=0.0):
        super().__init__(model, lr, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = t

    def _hyperparameters(self):
        # The rule increments the t it is given; every parameter sees the same t + 1.
        return {"learning_rate": self.lr, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.eps,
                "t": self.t}

    def _after_step(self):
        self.t += 1
