"""First-order update rules and learning-rate schedules.

Every update rule has the signature ::

    next_w, config = rule(w, dw, config=None)

``w`` is a parameter array, ``dw`` its gradient (same shape) and ``config`` a
dict of hyperparameters and optimizer state.  Missing hyperparameters are
filled in with ``config.setdefault``; state (``velocity``, ``cache``, ``m``,
``v``, ``t``) is created on the first call and kept in ``config``, so the same
dict must be passed again at the next step.

The rules compute exactly the textbook formulas below, operation by operation,
but without temporaries: moments and weights are updated in place (``out=``)
using scratch buffers kept in ``config['_scratch']``.  ``next_w`` is therefore
the very array ``w`` that was passed in, now holding the updated values (and
``config['velocity']`` etc. are updated in place too).  When ``w`` cannot be
written (not a writeable floating-point ndarray) the rule falls back to
computing a new array.  Keys starting with ``_`` are scratch space, not state.

=========================  ==============================================================
rule                       update (``lr = learning_rate``)
=========================  ==============================================================
``sgd``                    ``w - lr*dw``
``sgd_momentum``           ``v = mu*v - lr*dw;  w + v``
``sgd_nesterov_momentum``  ``v_new = mu*v - lr*dw;  w + v_new + mu*(v_new - v)``
``adagrad``                ``cache += dw**2;  w - lr*dw / (sqrt(cache) + eps)``
``rmsprop``                ``cache = d*cache + (1-d)*dw**2;  w - lr*dw / (sqrt(cache) + eps)``
``adam``                   ``t += 1;  m = b1*m + (1-b1)*dw;  v = b2*v + (1-b2)*dw**2;``
                           ``w - lr * (m/(1-b1**t)) / (sqrt(v/(1-b2**t)) + eps)``
``adamw``                  ``adam``'s step plus decoupled weight decay ``- lr*wd*w``
=========================  ==============================================================

Learning-rate schedules map ``(iteration, epoch, base_lr) -> lr`` (iteration
and epoch count from 0): :class:`StepDecay`, :class:`IterationStepDecay`,
:class:`CosineDecay` (with optional warm-up) and :class:`LinearWarmup`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, fields
from typing import Callable, Optional

import numpy as np

__all__ = [
    "sgd",
    "sgd_momentum",
    "sgd_nesterov_momentum",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "UPDATE_RULES",
    "get_update_rule",
    "StepDecay",
    "IterationStepDecay",
    "CosineDecay",
    "LinearWarmup",
    "SCHEDULES",
    "get_schedule",
]


# --------------------------------------------------------------------------- helpers


def _update_rule(**defaults):
    """Decorate a rule body ``f(w, dw, config)``: create ``config`` if None,
    ``setdefault`` the hyperparameters, and expose them as ``rule.defaults``."""

    def decorate(body):
        @functools.wraps(body)
        def rule(w, dw, config=None):
            if config is None:
                config = {}
            for key, value in defaults.items():
                config.setdefault(key, value)
            return body(w, dw, config), config

        rule.defaults = dict(defaults)
        return rule

    return decorate


def _writable(w) -> bool:
    return (
        isinstance(w, np.ndarray)
        and w.flags.writeable
        and w.dtype.kind == "f"
    )


def _prepare(w, dw, config, n_scratch):
    """Return ``(w, dw, scratch)`` for an in-place update.

    ``w`` is the caller's array when it can be written, else a float copy;
    ``scratch`` is a list of ``n_scratch`` reusable buffers shaped like ``w``
    with the dtype of the textbook expression (``result_type(w, dw)``).
    """
    dw = np.asarray(dw)
    if not _writable(w):
        dtype = np.result_type(w, dw)
        w = np.array(w, dtype=dtype if dtype.kind == "f" else np.float64)
    if dw.shape != w.shape:
        raise ValueError(
            f"gradient shape {dw.shape} does not match parameter shape {w.shape}; "
            "pass dw with the same shape as w"
        )
    dtype = np.result_type(w, dw)
    scratch = config.get("_scratch")
    if (
        scratch is None
        or len(scratch) < n_scratch
        or scratch[0].shape != w.shape
        or scratch[0].dtype != dtype
    ):
        scratch = [np.empty(w.shape, dtype=dtype) for _ in range(n_scratch)]
        config["_scratch"] = scratch
    return w, dw, scratch


def _state(config, key, w):
    """The state array ``config[key]``, created as zeros like ``w`` on first use."""
    value = config.get(key)
    if value is None:
        value = config[key] = np.zeros_like(w)
    return value


# --------------------------------------------------------------------------- rules


@_update_rule(learning_rate=1e-2)
def sgd(w, dw, config):
    """Vanilla stochastic gradient descent: ``w - lr*dw``.

    config: ``learning_rate`` (1e-2).
    """
    w, dw, (a,) = _prepare(w, dw, config, 1)
    np.multiply(dw, config["learning_rate"], out=a)
    np.subtract(w, a, out=w)
    return w


@_update_rule(learning_rate=1e-2, momentum=0.9)
def sgd_momentum(w, dw, config):
    """SGD with momentum: ``v = mu*v - lr*dw; w + v``.

    config: ``learning_rate`` (1e-2), ``momentum`` mu (0.9), ``velocity``
    (zeros like ``w``, kept between steps).
    """
    w, dw, (a,) = _prepare(w, dw, config, 1)
    v = _state(config, "velocity", w)
    np.multiply(v, config["momentum"], out=v)
    np.multiply(dw, config["learning_rate"], out=a)
    np.subtract(v, a, out=v)
    np.add(w, v, out=w)
    return w


@_update_rule(learning_rate=1e-2, momentum=0.9)
def sgd_nesterov_momentum(w, dw, config):
    """Nesterov momentum (Sutskever's form on the current weights):
    ``v_new = mu*v - lr*dw; w + v_new + mu*(v_new - v)``.

    config: as :func:`sgd_momentum`.
    """
    w, dw, (a, b) = _prepare(w, dw, config, 2)
    v = _state(config, "velocity", w)
    mu = config["momentum"]
    np.multiply(dw, config["learning_rate"], out=a)
    np.multiply(v, mu, out=b)
    np.subtract(b, a, out=b)  # b = v_new
    np.subtract(b, v, out=a)
    np.multiply(a, mu, out=a)  # a = mu*(v_new - v)
    np.add(w, b, out=w)
    np.add(w, a, out=w)
    np.copyto(v, b)
    return w


@_update_rule(learning_rate=1e-2, epsilon=1e-8)
def adagrad(w, dw, config):
    """Adagrad: ``cache += dw**2; w - lr*dw / (sqrt(cache) + eps)``.

    config: ``learning_rate`` (1e-2), ``epsilon`` (1e-8), ``cache`` (zeros).
    """
    w, dw, (a, b) = _prepare(w, dw, config, 2)
    cache = _state(config, "cache", w)
    np.square(dw, out=a)
    np.add(cache, a, out=cache)
    _scaled_step(w, dw, cache, config["learning_rate"], config["epsilon"], a, b)
    return w


@_update_rule(learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
def rmsprop(w, dw, config):
    """RMSProp: ``cache = d*cache + (1-d)*dw**2; w - lr*dw / (sqrt(cache) + eps)``.

    config: ``learning_rate`` (1e-2), ``decay_rate`` d (0.99), ``epsilon``
    (1e-8), ``cache`` (zeros).
    """
    w, dw, (a, b) = _prepare(w, dw, config, 2)
    cache = _state(config, "cache", w)
    d = config["decay_rate"]
    np.multiply(cache, d, out=cache)
    np.square(dw, out=a)
    np.multiply(a, 1 - d, out=a)
    np.add(cache, a, out=cache)
    _scaled_step(w, dw, cache, config["learning_rate"], config["epsilon"], a, b)
    return w


def _scaled_step(w, dw, cache, lr, eps, a, b):
    """``w -= lr*dw / (sqrt(cache) + eps)`` using scratch ``a``, ``b``."""
    np.sqrt(cache, out=a)
    np.add(a, eps, out=a)
    np.multiply(dw, lr, out=b)
    np.divide(b, a, out=b)
    np.subtract(w, b, out=w)


def _adam_moments(w, dw, config, a):
    """``t += 1`` and the moment updates of Adam; returns ``(m, v, t)``."""
    m = _state(config, "m", w)
    v = _state(config, "v", w)
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] = t = config["t"] + 1
    np.multiply(m, b1, out=m)
    np.multiply(dw, 1 - b1, out=a)
    np.add(m, a, out=m)
    np.multiply(v, b2, out=v)
    np.square(dw, out=a)
    np.multiply(a, 1 - b2, out=a)
    np.add(v, a, out=v)
    return m, v, t


def _adam_step(w, m, v, t, config, a, b):
    """``w -= lr * (m/(1-b1**t)) / (sqrt(v/(1-b2**t)) + eps)``."""
    np.divide(v, 1 - config["beta2"] ** t, out=a)
    np.sqrt(a, out=a)
    np.add(a, config["epsilon"], out=a)
    np.divide(m, 1 - config["beta1"] ** t, out=b)
    np.multiply(b, config["learning_rate"], out=b)
    np.divide(b, a, out=b)
    np.subtract(w, b, out=w)


@_update_rule(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0)
def adam(w, dw, config):
    """Adam with bias correction (Kingma & Ba, 2015)::

        t += 1
        m = beta1*m + (1-beta1)*dw
        v = beta2*v + (1-beta2)*dw**2
        w - lr * (m / (1-beta1**t)) / (sqrt(v / (1-beta2**t)) + epsilon)

    config: ``learning_rate`` (1e-3), ``beta1`` (0.9), ``beta2`` (0.999),
    ``epsilon`` (1e-8), ``m``, ``v`` (zeros), ``t`` (0; incremented before use,
    so the first step uses ``t = 1``).
    """
    w, dw, (a, b) = _prepare(w, dw, config, 2)
    m, v, t = _adam_moments(w, dw, config, a)
    _adam_step(w, m, v, t, config, a, b)
    return w


@_update_rule(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0, weight_decay=1e-2)
def adamw(w, dw, config):
    """Adam with decoupled weight decay (AdamW, Loshchilov & Hutter, 2019)::

        w_next = w - lr * adam_direction - lr * weight_decay * w

    where ``adam_direction = m_hat / (sqrt(v_hat) + eps)`` is computed from the
    gradient alone (the decay never enters the moments).  The decay uses the
    weights *before* this step, as in the paper and ``torch.optim.AdamW``; it
    is applied first as ``w *= 1 - lr*weight_decay``, then the Adam step.

    config: :func:`adam`'s keys plus ``weight_decay`` (1e-2, as in PyTorch).
    With ``weight_decay=0`` it equals :func:`adam`.
    """
    w, dw, (a, b) = _prepare(w, dw, config, 2)
    m, v, t = _adam_moments(w, dw, config, a)
    np.multiply(w, 1 - config["learning_rate"] * config["weight_decay"], out=w)
    _adam_step(w, m, v, t, config, a, b)
    return w


UPDATE_RULES: dict[str, Callable] = {
    "sgd": sgd,
    "sgd_momentum": sgd_momentum,
    "sgd_nesterov_momentum": sgd_nesterov_momentum,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
}


def get_update_rule(rule) -> Callable:
    """The update rule named ``rule`` (or ``rule`` itself if it is callable)."""
    if callable(rule):
        return rule
    if isinstance(rule, str) and rule in UPDATE_RULES:
        return UPDATE_RULES[rule]
    raise ValueError(
        f"unknown update rule {rule!r}; expected one of {', '.join(UPDATE_RULES)} "
        "or a callable rule(w, dw, config) -> (next_w, config)"
    )


# --------------------------------------------------------------------------- schedules


class _Schedule:
    """Base of the learning-rate schedules: ``schedule(iteration, epoch, base_lr) -> lr``."""

    name = ""

    def __call__(self, iteration: int, epoch: int, base_lr: float) -> float:  # pragma: no cover
        raise NotImplementedError

    def to_config(self) -> dict:
        """A JSON-friendly description; ``get_schedule(s.to_config())`` rebuilds it."""
        return {"name": self.name, **asdict(self)}


@dataclass(frozen=True)
class StepDecay(_Schedule):
    """Multiply the learning rate by ``decay_rate`` every ``every_epochs`` epochs:
    ``lr = base_lr * decay_rate ** (epoch // every_epochs)``."""

    decay_rate: float = 0.95
    every_epochs: int = 1
    name = "step"

    def __post_init__(self):
        _check_positive_int(self.every_epochs, "every_epochs")

    def __call__(self, iteration, epoch, base_lr):
        return base_lr * self.decay_rate ** (epoch // self.every_epochs)


@dataclass(frozen=True)
class IterationStepDecay(_Schedule):
    """Multiply the learning rate by ``decay_rate`` every ``every_iterations``
    iterations: ``lr = base_lr * decay_rate ** (iteration // every_iterations)``."""

    decay_rate: float = 0.95
    every_iterations: int = 1000
    name = "step_iterations"

    def __post_init__(self):
        _check_positive_int(self.every_iterations, "every_iterations")

    def __call__(self, iteration, epoch, base_lr):
        return base_lr * self.decay_rate ** (iteration // self.every_iterations)


@dataclass(frozen=True)
class CosineDecay(_Schedule):
    """Cosine annealing from ``base_lr`` to ``min_lr`` over ``total_iterations``,
    after an optional linear warm-up of ``warmup_iterations``::

        i < W:   lr = base_lr * (i + 1) / W
        i >= W:  p = min(1, (i - W) / (T - W))
                 lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * p)) / 2

    ``total_iterations=None`` means "the whole run": the Solver fills it in.
    """

    total_iterations: Optional[int] = None
    warmup_iterations: int = 0
    min_lr: float = 0.0
    name = "cosine"

    def __call__(self, iteration, epoch, base_lr):
        if self.total_iterations is None:
            raise ValueError(
                "CosineDecay needs total_iterations (the Solver sets it to the run length); "
                "pass CosineDecay(total_iterations=...)"
            )
        warm = self.warmup_iterations
        if iteration < warm:
            return base_lr * (iteration + 1) / warm
        p = min(1.0, (iteration - warm) / max(1, self.total_iterations - warm))
        return self.min_lr + (base_lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * p))


@dataclass(frozen=True)
class LinearWarmup(_Schedule):
    """Linear warm-up: ``lr = base_lr * min(1, (iteration + 1) / warmup_iterations)``,
    constant afterwards."""

    warmup_iterations: int = 100
    name = "warmup"

    def __post_init__(self):
        _check_positive_int(self.warmup_iterations, "warmup_iterations")

    def __call__(self, iteration, epoch, base_lr):
        return base_lr * min(1.0, (iteration + 1) / self.warmup_iterations)


def _check_positive_int(value, name):
    if not (isinstance(value, (int, np.integer)) and value >= 1):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


SCHEDULES = {cls.name: cls for cls in (StepDecay, IterationStepDecay, CosineDecay, LinearWarmup)}


def get_schedule(spec, **kwargs) -> Callable:
    """Build a schedule from a name (``'step'``, ``'step_iterations'``,
    ``'cosine'``, ``'warmup'``) plus keyword arguments, or from a dict
    ``{'name': ..., **kwargs}`` as written by ``to_config()``.  A callable is
    returned unchanged."""
    if callable(spec) and not kwargs:
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name", None)
        return get_schedule(name, **spec, **kwargs)
    if spec not in SCHEDULES:
        raise ValueError(
            f"unknown learning-rate schedule {spec!r}; expected one of {', '.join(SCHEDULES)} "
            "or a callable (iteration, epoch, base_lr) -> lr"
        )
    cls = SCHEDULES[spec]
    allowed = {f.name for f in fields(cls)}
    unknown = set(kwargs) - allowed
    if unknown:
        raise ValueError(
            f"unknown argument(s) {', '.join(sorted(unknown))} for schedule {spec!r}; "
            f"it accepts {', '.join(sorted(allowed))}"
        )
    return cls(**kwargs)
