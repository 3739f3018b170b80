"""The course's optimizer classes: thin subclasses of :class:`layerwise.optimizer.Optimizer`.

Each takes a network (a ``sequential``, or a model holding one in ``.net``)
and at every ``step()`` updates each layer's ``params[name]`` from its
``grads[name]`` with a rule of :mod:`layerwise.optim`, through the network's
live merged views (a layer whose ``params`` dict is replaced is seen at once).
The course's spellings are kept: ``lr``, ``eps``, ``weight_decay``, Adam's
moment dicts ``mt`` / ``vt`` and step counter ``t`` (readable and assignable).

Weight decay follows the course convention ::

    theta <- theta - lr * grad - weight_decay * theta

(the decay is NOT multiplied by the learning rate) and acts on the weights
(``*_w``), not the biases.
"""

from __future__ import annotations

from ..optimizer import Optimizer
from .modules import is_weight

__all__ = ["SGD", "SGDMomentum", "RMSProp", "Adam"]


def _net_of(model):
    net = getattr(model, "net", model)
    if not hasattr(net, "layers"):
        raise TypeError(f"optimizers take a sequential network or a model with .net; got {type(model).__name__}")
    return net


def _hyperparameter(key):
    """An attribute read from and written to the rule's hyperparameter ``key`` of every parameter."""
    def get(self):
        return self.config.get(key)

    def set_(self, value):
        self.config[key] = value
        for config in self.configs.values():
            config[key] = value
    return property(get, set_)


def _computed(net):
    """The gradients a backward pass has filled in.  A layer's None means "not computed yet" here, so it is
    left out (and step() asks for the backward pass) rather than read as the optimizer's "frozen"."""
    return {name: g for name, g in net.grads.items() if g is not None}


class _CourseOptimizer(Optimizer):
    rule_name = "sgd"

    def __init__(self, model, lr, weight_decay=0.0, **hyperparameters):
        net = _net_of(model)
        if not (isinstance(lr, (int, float)) and lr >= 0):
            raise ValueError(f"{type(self).__name__}: lr must be a non-negative number, got {lr!r}")
        super().__init__(net.params, self.rule_name, {"learning_rate": lr, **hyperparameters},
                         groups=[{"params": is_weight, "weight_decay": weight_decay}], grads=lambda: _computed(net))
        self.net = net

    lr = property(lambda self: self.learning_rate, lambda self, value: setattr(self, "learning_rate", value))

    def zero_grad(self):
        """Forget the stored gradients (a later ``step()`` without a backward pass then raises)."""
        for layer in self.net.layers:
            for name in layer.grads:
                layer.grads[name] = None


class SGD(_CourseOptimizer):
    """``theta <- theta - lr * grad - weight_decay * theta`` (rule: :func:`layerwise.optim.sgd`)."""

    def __init__(self, model, lr=1e-4, weight_decay=0.0):
        super().__init__(model, lr, weight_decay)


class SGDMomentum(_CourseOptimizer):
    """``v = momentum * v - lr * grad; theta <- theta + v - weight_decay * theta``
    (rule: :func:`layerwise.optim.sgd_momentum`); ``velocity`` maps names to arrays."""

    rule_name = "sgd_momentum"
    momentum = _hyperparameter("momentum")

    def __init__(self, model, lr=1e-4, momentum=0.9, weight_decay=0.0):
        super().__init__(model, lr, weight_decay, momentum=momentum)

    @property
    def velocity(self):
        return self.state("velocity")


class RMSProp(_CourseOptimizer):
    """``cache = decay_rate * cache + (1 - decay_rate) * grad**2;
    theta <- theta - lr * grad / (sqrt(cache) + eps) - weight_decay * theta``
    (rule: :func:`layerwise.optim.rmsprop`); ``cache`` maps names to arrays."""

    rule_name = "rmsprop"
    decay_rate = _hyperparameter("decay_rate")
    eps = _hyperparameter("epsilon")

    def __init__(self, model, lr=1e-2, decay_rate=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(model, lr, weight_decay, decay_rate=decay_rate, epsilon=eps)

    @property
    def cache(self):
        return self.state("cache")


def _moments(key):
    """Adam's ``mt`` / ``vt``: a live name -> array mapping; assigning a dict replaces them all."""
    def get(self):
        return self.state(key)

    def set_(self, arrays):
        view = self.state(key)
        view.clear()
        view.update(arrays)
    return property(get, set_)


class Adam(_CourseOptimizer):
    """Adam with bias correction (rule: :func:`layerwise.optim.adam`)::

        t += 1   (once per step, shared by all parameters)
        mt = beta1 * mt + (1 - beta1) * grad
        vt = beta2 * vt + (1 - beta2) * grad**2
        theta <- theta - lr * (mt / (1 - beta1**t)) / (sqrt(vt / (1 - beta2**t)) + eps) - weight_decay * theta

    ``mt`` and ``vt`` map parameter names to arrays and ``t`` counts the steps;
    all three may be read and assigned between steps.  The decay is the
    course's (not AdamW's ``lr * weight_decay``): it is not fed through the
    moments, so it differs from adding an L2 penalty to the loss.
    """

    rule_name = "adam"
    beta1 = _hyperparameter("beta1")
    beta2 = _hyperparameter("beta2")
    eps = _hyperparameter("epsilon")
    mt = _moments("m")
    vt = _moments("v")

    def __init__(self, model, lr=1e-3, beta1=0.9, beta2=0.999, t=0, eps=1e-8, weight_decay=0.0):
        super().__init__(model, lr, weight_decay, beta1=beta1, beta2=beta2, epsilon=eps, t=t)

    @property
    def t(self):
        """Steps taken: the rule counts them in every parameter's config, all alike."""
        return next((c["t"] for c in self.configs.values() if "t" in c), self.config["t"])

    @t.setter
    def t(self, value):
        self.config["t"] = value
        for config in self.configs.values():
            config["t"] = value
