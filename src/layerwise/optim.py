"""First-order update rules and learning-rate schedules.

Every update rule has the signature ::

    next_w, config = rule(w, dw, config=None)

``w`` is a parameter array, ``dw`` its gradient (same shape) and ``config`` a
dict of hyperparameters and optimizer state.  Missing hyperparameters are
filled in with ``config.setdefault``; state (``velocity``, ``cache``, ``m``,
``v``, ``t``) is created on the first call and kept in ``config``, so the same
dict must be passed again at the next step.

The rules compute the textbook formulas below operation by operation (so the
results are bit-identical to the plain NumPy expressions; adam and adamw fold
the bias corrections into two scalars, as ``torch.optim.Adam`` does, so their
moments are bit-identical and their weights equal to rounding, and adamw applies
its decay as the factor ``1 - lr*wd``), but without temporaries: moments and weights
are updated in place (``out=``), a cache-sized block at a time
(:mod:`layerwise.elementwise`) -- about twice as fast as the
out-of-place expressions on large weight matrices.  ``next_w`` is therefore the
very array ``w`` that was passed in, now holding the updated values, and
``config['velocity']`` etc. are updated in place too.  When ``w`` cannot be
written (not a writeable floating-point ndarray) the rule returns a new array
instead.  Keys starting with ``_`` are scratch space, not state.

Config keys are checked: a key that is neither a hyperparameter nor a state
entry of the rule (nor scratch, ``_...``) raises a ``ValueError`` naming the
known keys, so a misspelt ``learning_rte`` cannot be silently ignored.

Course spellings.  The UCLA course (ECE C147/247) keeps RMSProp's cache under
``a``, and Adam's first moment under ``v`` and its second under ``a``, where
cs231n writes ``cache`` and ``m``/``v``.  A config holding ``a`` is read in the
UCLA spelling: its keys are renamed to the canonical ones before the step and
back after it (a rename of dict entries, the arrays are not copied), so each
course's cells print that course's numbers and read their state back under
their own keys.  Any other config, including an empty one, uses the cs231n
spelling.

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
``adamw``                  ``adam``'s step ``- lr*wd*w`` (decoupled decay of the old ``w``)
=========================  ==============================================================

Learning-rate schedules map ``(iteration, epoch, base_lr) -> lr`` (iteration
and epoch count from 0): :class:`StepDecay`, :class:`IterationStepDecay`,
:class:`CosineDecay` (with optional warm-up) and :class:`LinearWarmup`.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import asdict, dataclass, fields
from typing import Callable, Optional

import numpy as np

from .checks import integer
from .elementwise import map_blocks

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
    "check_hyperparameters",
    "StepDecay",
    "IterationStepDecay",
    "Triangular",
    "CosineDecay",
    "LinearWarmup",
    "SCHEDULES",
    "get_schedule",
]


# --------------------------------------------------------------------------- helpers

def _update_rule(state=(), course_spelling=None, **defaults):
    """Decorate a rule body ``f(w, dw, config) -> next_w``: create ``config``
    if None, check its keys, ``setdefault`` the hyperparameters, return
    ``(next_w, config)``, and expose the defaults as ``rule.defaults`` and
    every accepted key as ``rule.known_keys``.

    state: the config keys holding the rule's state arrays.
    course_spelling: ``{course_key: canonical_key}`` for the UCLA course's
        spelling of the state keys; a config holding ``'a'`` uses it.
    """
    known = tuple(defaults) + tuple(k for k in state if k not in defaults)
    aliases = dict(course_spelling or {})

    def decorate(body):
        name = body.__name__
        accepted = frozenset(known) | frozenset(aliases)

        @functools.wraps(body)
        def rule(w, dw, config=None):
            if config is None:
                config = {}
            for key in config:
                if key not in accepted and not (isinstance(key, str) and key.startswith("_")):
                    _unknown_key(name, key, known, aliases)
            if not (aliases and _COURSE_MARKER in config):
                for key, value in defaults.items():
                    config.setdefault(key, value)
                return body(w, dw, config), config
            _rename(config, aliases, name)
            try:
                for key, value in defaults.items():
                    config.setdefault(key, value)
                next_w = body(w, dw, config)
            finally:  # the caller reads its state back under its own keys
                _rename(config, {canonical: alias for alias, canonical in aliases.items()}, name)
            return next_w, config

        rule.defaults = dict(defaults)
        rule.known_keys = known + tuple(k for k in aliases if k not in known)
        return rule

    return decorate


# The key that marks a config written in the UCLA course's spelling: only that
# course uses it (RMSProp's cache, Adam's second moment).
_COURSE_MARKER = "a"
# Adam's moments in the UCLA spelling: 'v' is the first moment (cs231n 'm'), 'a' the second (cs231n 'v').
_ADAM_UCLA = {"v": "m", "a": "v"}


def _rename(config, mapping, name):
    """Move ``config[old]`` to ``config[new]`` for every ``old -> new`` in ``mapping``, all at once."""
    clash = [new for old, new in mapping.items() if new in config and new not in mapping]
    if clash:
        raise ValueError(
            f"{name}: config mixes the UCLA spelling ('a') with the cs231n key(s) {', '.join(map(repr, clash))}; "
            f"use one spelling: {', '.join(f'{old!r} for {new!r}' for old, new in mapping.items())}"
        )
    moved = {new: config.pop(old) for old, new in mapping.items() if old in config}
    config.update(moved)


def _unknown_key(name, key, known, aliases):
    """Raise the one-line ValueError for a config key that rule ``name`` does not know."""
    close = difflib.get_close_matches(str(key), known + tuple(aliases), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    course = f"; UCLA spelling: {', '.join(f'{a} for {c}' for a, c in aliases.items())}" if aliases else ""
    raise ValueError(
        f"{name}: unknown config key {key!r}{hint}; known keys: {', '.join(known)}{course} "
        f"(keys starting with '_' are scratch space)"
    )


def _run(kernel, w, dw, config, state_keys, n_scratch, *scalars):
    """Update ``w`` in place with the elementwise ``kernel``; return ``w``.

    ``kernel(dw, w, *states, *scratch, *scalars)`` receives same-shape arrays:
    ``states`` are ``config[key]`` for ``key in state_keys`` (created as zeros
    like ``w`` on first use and updated in place), ``scratch`` are
    ``n_scratch`` work buffers.  The arrays are processed in cache-sized
    blocks (:func:`layerwise.elementwise.map_blocks`).
    A ``w`` that cannot be written in place (not a writeable floating-point
    ndarray) is replaced by an updated copy.
    """
    dw = np.asarray(dw)
    if not (isinstance(w, np.ndarray) and w.flags.writeable and w.dtype.kind == "f"):
        w = np.asarray(w)
        dtype = np.result_type(w, dw)
        w = np.array(w, dtype=dtype if dtype.kind == "f" else np.float64)
    if dw.shape != w.shape:
        raise ValueError(
            f"gradient shape {dw.shape} does not match parameter shape {w.shape}; "
            "dw must have the shape of w"
        )
    updated = [w]
    for key in state_keys:
        state = config.get(key)
        if state is None:
            state = config[key] = np.zeros_like(w)
        updated.append(state)
    # Scratch of the textbook expression's temporaries' dtype.
    map_blocks(kernel, (dw,), updated, scratch=n_scratch, args=scalars, dtype=np.result_type(w, dw))
    return w


# --------------------------------------------------------------------------- rules
# Each kernel spells out its rule's textbook expression one operation at a time
# (same operations, same order, hence the same rounding) without temporaries.


@_update_rule(learning_rate=1e-2)
def sgd(w, dw, config):
    """Vanilla stochastic gradient descent: ``w - lr*dw``.

    config: ``learning_rate`` (1e-2).
    """
    return _run(_sgd_kernel, w, dw, config, (), 1, config["learning_rate"])


def _sgd_kernel(dw, w, a, lr):
    np.multiply(dw, lr, out=a)
    np.subtract(w, a, out=w)


@_update_rule(state=("velocity",), learning_rate=1e-2, momentum=0.9)
def sgd_momentum(w, dw, config):
    """SGD with momentum: ``v = mu*v - lr*dw; w + v``.

    config: ``learning_rate`` (1e-2), ``momentum`` mu (0.9), ``velocity``
    (zeros like ``w``, kept between steps).
    """
    return _run(
        _momentum_kernel, w, dw, config, ("velocity",), 1, config["momentum"], config["learning_rate"]
    )


def _momentum_kernel(dw, w, v, a, mu, lr):
    np.multiply(v, mu, out=v)
    np.multiply(dw, lr, out=a)
    np.subtract(v, a, out=v)
    np.add(w, v, out=w)


@_update_rule(state=("velocity",), learning_rate=1e-2, momentum=0.9)
def sgd_nesterov_momentum(w, dw, config):
    """Nesterov momentum (in the form that stores the current weights)::

        v_new = mu*v - lr*dw
        w + v_new + mu*(v_new - v)

    config: as :func:`sgd_momentum`.
    """
    return _run(
        _nesterov_kernel, w, dw, config, ("velocity",), 2, config["momentum"], config["learning_rate"]
    )


def _nesterov_kernel(dw, w, v, a, b, mu, lr):
    np.multiply(v, mu, out=b)
    np.multiply(dw, lr, out=a)
    np.subtract(b, a, out=b)  # b = v_new
    np.subtract(b, v, out=a)
    np.multiply(a, mu, out=a)  # a = mu*(v_new - v)
    np.add(w, b, out=w)
    np.add(w, a, out=w)
    np.copyto(v, b)


@_update_rule(state=("cache",), learning_rate=1e-2, epsilon=1e-8)
def adagrad(w, dw, config):
    """Adagrad: ``cache += dw**2; w - lr*dw / (sqrt(cache) + eps)``.

    config: ``learning_rate`` (1e-2), ``epsilon`` (1e-8), ``cache`` (zeros).
    """
    return _run(
        _adagrad_kernel, w, dw, config, ("cache",), 2, config["learning_rate"], config["epsilon"]
    )


def _adagrad_kernel(dw, w, cache, a, b, lr, eps):
    np.square(dw, out=a)
    np.add(cache, a, out=cache)
    _scaled_step(w, dw, cache, a, b, lr, eps)


@_update_rule(state=("cache",), course_spelling={"a": "cache"},
              learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
def rmsprop(w, dw, config):
    """RMSProp: ``cache = d*cache + (1-d)*dw**2; w - lr*dw / (sqrt(cache) + eps)``.

    config: ``learning_rate`` (1e-2), ``decay_rate`` d (0.99), ``epsilon``
    (1e-8), ``cache`` (zeros).  The UCLA course's ``a`` is accepted for
    ``cache`` (and the state is then returned under ``a``).
    """
    return _run(
        _rmsprop_kernel, w, dw, config, ("cache",), 2,
        config["decay_rate"], config["learning_rate"], config["epsilon"],
    )


def _rmsprop_kernel(dw, w, cache, a, b, d, lr, eps):
    np.multiply(cache, d, out=cache)
    np.square(dw, out=a)
    np.multiply(a, 1 - d, out=a)
    np.add(cache, a, out=cache)
    _scaled_step(w, dw, cache, a, b, lr, eps)


def _scaled_step(w, dw, cache, a, b, lr, eps):
    """``w -= lr*dw / (sqrt(cache) + eps)``."""
    np.sqrt(cache, out=a)
    np.add(a, eps, out=a)
    np.multiply(dw, lr, out=b)
    np.divide(b, a, out=b)
    np.subtract(w, b, out=w)


@_update_rule(state=("m", "v"), course_spelling=_ADAM_UCLA,
              learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0)
def adam(w, dw, config):
    """Adam with bias correction (Kingma & Ba, 2015)::

        t += 1
        m = beta1*m + (1-beta1)*dw
        v = beta2*v + (1-beta2)*dw**2
        w - lr * (m / (1-beta1**t)) / (sqrt(v / (1-beta2**t)) + epsilon)

    config: ``learning_rate`` (1e-3), ``beta1`` (0.9), ``beta2`` (0.999),
    ``epsilon`` (1e-8), ``m``, ``v`` (zeros), ``t`` (0; incremented before use,
    so the first step uses ``t = 1``).

    UCLA spelling: a config holding ``a`` names the first moment ``v`` and the
    second ``a`` (cs231n: ``m`` and ``v``); the state is returned under the
    same keys.  Without ``a`` the cs231n spelling applies, so a config holding
    only ``v`` is read as the second moment.
    """
    return _adam(w, dw, config, None)


@_update_rule(state=("m", "v"), course_spelling=_ADAM_UCLA,
              learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0, weight_decay=1e-2)
def adamw(w, dw, config):
    """Adam with decoupled weight decay (AdamW, Loshchilov & Hutter, 2019)::

        w_next = w - lr * m_hat / (sqrt(v_hat) + eps) - lr * weight_decay * w

    The moments see the gradient alone; the decay is not part of it.  It acts
    on the weights *before* the step, as in the paper and ``torch.optim.AdamW``,
    computed as ``w *= 1 - lr*weight_decay`` followed by :func:`adam`'s step.

    config: :func:`adam`'s keys plus ``weight_decay`` (1e-2, PyTorch's
    default).  With ``weight_decay=0`` it is :func:`adam`.
    """
    return _adam(w, dw, config, 1 - config["learning_rate"] * config["weight_decay"])


def _adam(w, dw, config, keep):
    config["t"] = t = config["t"] + 1
    b1, b2 = config["beta1"], config["beta2"]
    # lr * m_hat / (sqrt(v_hat) + eps) == step * m / (sqrt(v) + eps * sqrt(c2)) with
    # c1, c2 = 1 - beta**t and step = lr * sqrt(c2) / c1: the bias corrections
    # become two scalars, saving two passes over every parameter (as torch.optim.Adam).
    c1, sqrt_c2 = 1 - b1**t, math.sqrt(1 - b2**t)
    return _run(
        _adam_kernel, w, dw, config, ("m", "v"), 1,
        b1, b2, config["learning_rate"] * sqrt_c2 / c1, config["epsilon"] * sqrt_c2, keep,
    )


def _adam_kernel(dw, w, m, v, a, b1, b2, step, eps, keep):
    np.multiply(m, b1, out=m)
    np.multiply(dw, 1 - b1, out=a)
    np.add(m, a, out=m)  # m = b1*m + (1-b1)*dw
    np.multiply(v, b2, out=v)
    np.square(dw, out=a)
    np.multiply(a, 1 - b2, out=a)
    np.add(v, a, out=v)  # v = b2*v + (1-b2)*dw**2
    np.sqrt(v, out=a)
    np.add(a, eps, out=a)
    np.divide(m, a, out=a)
    np.multiply(a, step, out=a)  # a = step * m / (sqrt(v) + eps)
    if keep is not None:
        np.multiply(w, keep, out=w)  # decoupled weight decay (adamw)
    np.subtract(w, a, out=w)


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


# The hyperparameters' valid values.  The rules trust their config (they run at every step of every
# parameter); an Optimizer checks its config once, with check_hyperparameters.
_UNIT = ("a number in [0, 1)", lambda v: 0 <= v < 1)
_HYPERPARAMETER_RANGES = {
    "learning_rate": ("a finite number >= 0", lambda v: v >= 0),
    "weight_decay": ("a finite number >= 0", lambda v: v >= 0),
    "epsilon": ("a finite number > 0", lambda v: v > 0),
    "momentum": _UNIT, "beta1": _UNIT, "beta2": _UNIT, "decay_rate": _UNIT,
}


def check_hyperparameters(rule, config) -> None:
    """Refuse, with one line, a ``config`` key that ``rule`` does not know (for the rules of this module)
    or a hyperparameter outside its range, e.g. ``adam: beta1 must be a number in [0, 1), got 1.5``."""
    name = getattr(rule, "__name__", "update rule")
    known = getattr(rule, "known_keys", None)
    if known is not None:
        for key in config:
            if key not in known and not (isinstance(key, str) and key.startswith("_")):
                _unknown_key(name, key, tuple(rule.defaults) or known, ())
    for key, (expected, valid) in _HYPERPARAMETER_RANGES.items():
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value) or not valid(value):
            raise ValueError(f"{name}: {key} must be {expected}, got {value!r}")


# --------------------------------------------------------------------------- schedules


class _Schedule:
    """Base of the learning-rate schedules: ``schedule(iteration, epoch, base_lr) -> lr``."""

    name = ""

    def __call__(self, iteration: int, epoch: int, base_lr: float) -> float:  # pragma: no cover
        raise NotImplementedError

    def to_config(self) -> dict:
        """A JSON-friendly description; ``get_schedule(s.to_config())`` rebuilds it."""
        return {"name": self.name, **asdict(self)}


# base_lr * rate * rate * ... by (base_lr, rate): the products of a course's ``lr *= lr_decay`` loop.
_DECAYED: dict = {}


def _decayed(base_lr, rate, k):
    """``base_lr`` multiplied by ``rate`` ``k`` times, in order: bit-identical to decaying the learning
    rate in place once per epoch (or every few iterations), as the courses' solvers do."""
    products = _DECAYED.setdefault((base_lr, rate), [base_lr])
    while len(products) <= k:
        products.append(products[-1] * rate)
    return products[k]


@dataclass(frozen=True)
class StepDecay(_Schedule):
    """Multiply the learning rate by ``decay_rate`` every ``every_epochs`` epochs:
    ``lr = base_lr * decay_rate ** (epoch // every_epochs)``."""

    decay_rate: float = 0.95
    every_epochs: int = 1
    name = "step"

    def __post_init__(self):
        integer(self.every_epochs, "every_epochs", 1, where=type(self).__name__)

    def __call__(self, iteration, epoch, base_lr):
        return _decayed(base_lr, self.decay_rate, epoch // self.every_epochs)


@dataclass(frozen=True)
class IterationStepDecay(_Schedule):
    """Multiply the learning rate by ``decay_rate`` every ``every_iterations``
    iterations: ``lr = base_lr * decay_rate ** (iteration // every_iterations)``."""

    decay_rate: float = 0.95
    every_iterations: int = 1000
    name = "step_iterations"

    def __post_init__(self):
        integer(self.every_iterations, "every_iterations", 1, where=type(self).__name__)

    def __call__(self, iteration, epoch, base_lr):
        return _decayed(base_lr, self.decay_rate, iteration // self.every_iterations)


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

    def __post_init__(self):
        if self.total_iterations is not None:
            integer(self.total_iterations, "total_iterations", 1, where=type(self).__name__)
        if self.warmup_iterations:
            integer(self.warmup_iterations, "warmup_iterations", 1, where=type(self).__name__)

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
        integer(self.warmup_iterations, "warmup_iterations", 1, where=type(self).__name__)

    def __call__(self, iteration, epoch, base_lr):
        return base_lr * min(1.0, (iteration + 1) / self.warmup_iterations)


@dataclass(frozen=True)
class Triangular(_Schedule):
    """Linear warm-up, then linear decay (the CIFAR-10 speedrun's schedule)::

        P = int(peak_fraction * T)
        i <= P:  lr = base_lr * (start + (1 - start) * i / P)
        i >  P:  lr = base_lr * (1 + (end - 1) * (i - P) / (T - P))

    so the rate runs from ``start * base_lr`` at iteration 0 to ``base_lr`` at
    P and to ``end * base_lr`` at ``T = total_iterations``.
    ``total_iterations=None`` means "the whole run": the Solver fills it in.
    """

    total_iterations: Optional[int] = None
    start: float = 0.2
    end: float = 0.07
    peak_fraction: float = 0.23
    name = "triangular"

    def __post_init__(self):
        where = type(self).__name__
        if self.total_iterations is not None:
            integer(self.total_iterations, "total_iterations", 1, where=where)
        for key in ("start", "end", "peak_fraction"):
            value = getattr(self, key)
            if not (np.isscalar(value) and np.isfinite(value) and value >= 0) or isinstance(value, bool):
                raise ValueError(f"{where}: {key} must be a non-negative number, got {value!r}")
        if self.peak_fraction > 1:
            raise ValueError(f"{where}: peak_fraction is a fraction of the run, in [0, 1]; got {self.peak_fraction!r}")

    def __call__(self, iteration, epoch, base_lr):
        if self.total_iterations is None:
            raise ValueError("Triangular needs total_iterations (the Solver sets it to the run length); "
                             "pass Triangular(total_iterations=...)")
        total = self.total_iterations
        peak = int(self.peak_fraction * total)
        i = min(iteration, total)
        if i <= peak:
            return base_lr * (self.start + (1 - self.start) * i / peak) if peak else base_lr
        return base_lr * (1 + (self.end - 1) * (i - peak) / (total - peak))


SCHEDULES = {cls.name: cls for cls in (StepDecay, IterationStepDecay, CosineDecay, LinearWarmup, Triangular)}


def get_schedule(spec, **kwargs) -> Callable:
    """Build a schedule from a name (``'step'``, ``'step_iterations'``,
    ``'cosine'``, ``'warmup'``, ``'triangular'``) plus keyword arguments, or from a dict
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
