"""The one optimizer: a functional update rule applied to a mapping of named parameters.

:class:`Optimizer` keeps one config dict per parameter (the rule's
hyperparameters and state: velocity, cache, Adam's moments, ...) and at every
:meth:`Optimizer.step` updates each ``params[name]`` from ``grads[name]`` with
its rule from :mod:`layerwise.optim`, where all the update math lives.  The
Solver drives it, ``train_net`` drives it, and the module API's ``SGD``,
``SGDMomentum``, ``RMSProp`` and ``Adam`` are thin subclasses keeping the
course's spellings.

Parameter groups give some parameters their own learning-rate multiplier and
weight decay::

    Optimizer(model.params, "sgd_nesterov_momentum", {"learning_rate": 0.1},
              groups=[{"params": lambda name: name.startswith("beta"), "lr_mult": 64},
                      {"params": ["W1", "W2"], "weight_decay": 5e-4}])

A gradient of ``None`` (as a model returns for a frozen parameter) skips that
parameter entirely; a missing gradient is an error.

Weight decay multiplies a parameter by ``1 - weight_decay`` before the rule's
step (``theta <- theta - weight_decay * theta - step``: the course's
convention, not multiplied by the learning rate); with ``decoupled=True`` the
factor is ``1 - learning_rate * weight_decay`` (AdamW's and the speedrun's),
so the decay follows the learning-rate schedule.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

import numpy as np

from . import optim
from .checks import integer

__all__ = ["Optimizer", "Lookahead"]


class Optimizer:
    """``rule`` applied to every parameter of ``params``, one config (state) per parameter.

    Args:
        params: mapping name -> array, read at every step (so a live view such
            as a module network's merged ``params`` works); updated in place
            (``params[name] = next_w``).
        rule: name of a rule in :mod:`layerwise.optim` or a function
            ``rule(w, dw, config) -> (next_w, config)``.
        config: the rule's hyperparameters (e.g. ``{'learning_rate': 1e-3}``),
            copied for every parameter; the rule fills in its defaults.
        groups: list of dicts ``{'params': names or predicate(name),
            'lr_mult': 1.0, 'weight_decay': 0.0}``; the first group that holds a
            name applies to it, the others get ``lr_mult=1`` and ``weight_decay``.
        weight_decay: decay of the parameters no group names.
        decoupled: scale the decay by the learning rate (see the module docstring).
        grads: mapping (or callable returning one) that ``step()`` without
            arguments reads, e.g. a module network's merged ``grads``.
    """

    def __init__(self, params, rule="sgd", config=None, groups=(), weight_decay=0.0, decoupled=False, grads=None):
        if not isinstance(params, Mapping):
            raise TypeError(f"Optimizer needs a mapping of named parameters, got {type(params).__name__}")
        self.params = params
        self.rule = optim.get_update_rule(rule)
        self.config = dict(config or {})
        optim.check_hyperparameters(self.rule, self.config)
        self.groups = [self._group(g) for g in groups]
        self.weight_decay = _decay(weight_decay, "weight_decay")
        self.decoupled = bool(decoupled)
        self._grads = grads
        self.configs = {}  # name -> the rule's config for that parameter (the course's optim_configs)
        self._options_of = {}  # name -> (lr_mult, weight_decay): its group's, looked up once

    @staticmethod
    def _group(group):
        unknown = set(group) - {"params", "lr_mult", "weight_decay"}
        if unknown or "params" not in group:
            raise ValueError(f"a parameter group is a dict with 'params' (names or a predicate) and optionally "
                             f"'lr_mult' and 'weight_decay'; got keys {sorted(group)}")
        members = group["params"]
        member = members if callable(members) else frozenset(members).__contains__
        lr_mult = group.get("lr_mult", 1.0)
        if not (np.isscalar(lr_mult) and lr_mult >= 0):
            raise ValueError(f"a parameter group's lr_mult must be a non-negative number, got {lr_mult!r}")
        return member, float(lr_mult), _decay(group.get("weight_decay", 0.0), "a parameter group's weight_decay")

    def _options(self, name):
        """``(lr_mult, weight_decay)`` of parameter ``name``: its first group's, else the defaults."""
        options = self._options_of.get(name)
        if options is None:
            options = next(((lr_mult, wd) for member, lr_mult, wd in self.groups if member(name)),
                           (1.0, self.weight_decay))
            self._options_of[name] = options
        return options

    # ------------------------------------------------------------------ learning rate

    @property
    def learning_rate(self):
        """The base learning rate (a group's parameters use it times their ``lr_mult``)."""
        return self.config.get("learning_rate", getattr(self.rule, "defaults", {}).get("learning_rate"))

    @learning_rate.setter
    def learning_rate(self, value):
        self.config["learning_rate"] = value
        for name, config in self.configs.items():
            config["learning_rate"] = value * self._options(name)[0]

    # ------------------------------------------------------------------ update

    def _config_of(self, name):
        config = self.configs.get(name)
        if config is None:
            config = self.configs[name] = dict(self.config)
            lr_mult = self._options(name)[0]
            if lr_mult != 1 and "learning_rate" in config:
                config["learning_rate"] *= lr_mult
        return config

    def step(self, grads=None):
        """Update every ``params[name]`` from ``grads[name]`` (default: the ``grads`` given at construction)."""
        if grads is None:
            grads = self._grads() if callable(self._grads) else self._grads
            if grads is None:
                raise TypeError("step() needs the gradients: step(grads), or Optimizer(..., grads=...)")
        params, rule = self.params, self.rule
        for name, w in params.items():
            dw = grads.get(name, _MISSING)
            if dw is None:              # the model froze it: no gradient, no step (momentum included)
                continue
            if dw is _MISSING:
                raise ValueError(f"{type(self).__name__}.step: no gradient for parameter {name!r} (gradients "
                                 f"for {sorted(k for k, v in grads.items() if v is not None)}); run the backward "
                                 f"pass first, with gradients keyed like the parameters")
            config = self._config_of(name)
            weight_decay = self._options(name)[1]
            if weight_decay:
                factor = 1 - weight_decay * (config.get("learning_rate", 0) if self.decoupled else 1)
                w = _scale(w, factor)
            params[name], _ = rule(w, dw, config)

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict:
        """The hyperparameters and every parameter's config, without scratch buffers (keys starting with ``_``)."""
        def saved(config):
            return {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in config.items()
                    if not k.startswith("_")}
        return {"rule": getattr(self.rule, "__name__", None), "optim_config": saved(self.config),
                "configs": {name: saved(config) for name, config in self.configs.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned; the next step continues exactly."""
        where = f"{type(self).__name__}.load_state_dict"
        if not (isinstance(state, Mapping) and {"optim_config", "configs"} <= set(state)):
            got = sorted(state) if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"{where}: expected the dict of state_dict() with 'optim_config' and 'configs', "
                             f"got {got}")
        rule = getattr(self.rule, "__name__", None)
        if state.get("rule") not in (None, rule):  # older checkpoints do not name the rule
            raise ValueError(f"{where}: the state was saved by an optimizer with rule {state['rule']!r}; this one "
                             f"uses {rule!r}: build the same optimizer before loading its state")
        self.config = dict(state["optim_config"])
        self.configs = {name: {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in config.items()}
                        for name, config in state["configs"].items()}

    def state(self, key) -> "StateView":
        """A live ``{parameter name: config[key]}`` mapping of the rule's state ``key`` (e.g. Adam's ``'m'``)."""
        return StateView(self, key)

    def __repr__(self):
        rule = getattr(self.rule, "__name__", repr(self.rule))
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.config.items() if not k.startswith("_") and np.isscalar(v))
        return f"{type(self).__name__}(rule={rule}, {hyper}, {len(self.params)} parameters)"


class Lookahead:
    """Lookahead around an optimizer: slow weights that the fast ones are pulled back to.

    Every ``every`` steps of ``optimizer``, each parameter's slow copy moves
    toward it and the parameter restarts from there (Zhang et al., 2019)::

        slow <- slow + alpha * (w - slow);   w <- slow

    i.e. ``slow`` is an exponential moving average of the weights taken every
    ``every`` steps, with decay ``1 - alpha``, that replaces them.  ``alpha`` is
    a number or a function of the number of steps taken so far (the speedrun
    ramps the average's decay up as the run ends).  The slow weights start as
    copies of the parameters when the wrapper is made.  ``buffers``, a function
    returning a mapping name -> array (e.g. a model's batchnorm running
    statistics, :meth:`~layerwise.classifiers.SpeedrunNet.running_stats`), is
    averaged and reset the same way, so the statistics match the averaged
    weights; its arrays are written in place.  It behaves as an
    optimizer object (``step``, ``learning_rate``, ``state_dict``), so the
    Solver takes it as ``update_rule``.  :meth:`sync` applies the pull at
    once, e.g. ``sync(alpha=0)`` at the end of training to keep the average.
    """

    def __init__(self, optimizer, every=5, alpha=0.5, buffers=None):
        if not (callable(getattr(optimizer, "step", None)) and hasattr(optimizer, "params")):
            raise TypeError(f"Lookahead wraps an optimizer with params and step(), got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.every = integer(every, "every", 1, where="Lookahead")
        if not callable(alpha):
            _fraction(alpha, "Lookahead: alpha")
        if buffers is not None and not callable(buffers):
            raise TypeError(f"Lookahead: buffers must be a function returning a mapping name -> array, "
                            f"got {type(buffers).__name__}")
        self.alpha = alpha
        self.buffers = buffers
        self.steps = 0
        self.slow = {name: np.array(w, copy=True) for name, w in optimizer.params.items()}
        self.slow_buffers = {name: np.array(b, copy=True) for name, b in (buffers() if buffers else {}).items()}

    @property
    def params(self):
        return self.optimizer.params

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.optimizer.learning_rate = value

    def step(self, grads=None):
        """One step of the wrapped optimizer; every ``every`` steps, the pull toward the slow weights."""
        self.optimizer.step(grads)
        self.steps += 1
        if self.steps % self.every == 0:
            self.sync()

    def sync(self, alpha=None):
        """``slow += alpha * (w - slow); w = slow`` for every parameter (alpha: the schedule's, by default)."""
        if alpha is None:
            alpha = self.alpha(self.steps) if callable(self.alpha) else self.alpha
        alpha = _fraction(alpha, "Lookahead: alpha")
        _pull(self.params, self.slow, alpha)
        if self.buffers is not None:
            _pull(self.buffers(), self.slow_buffers, alpha)

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(), "steps": self.steps,
                "slow": {name: np.array(w) for name, w in self.slow.items()},
                "slow_buffers": {name: np.array(b) for name, b in self.slow_buffers.items()}}

    def load_state_dict(self, state: dict) -> None:
        if not (isinstance(state, Mapping) and {"optimizer", "steps", "slow"} <= set(state)):
            raise ValueError("Lookahead.load_state_dict: expected the dict of state_dict() with 'optimizer', "
                             f"'steps' and 'slow', got {sorted(state) if isinstance(state, Mapping) else state!r}")
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps = int(state["steps"])
        self.slow = {name: np.array(w, copy=True) for name, w in state["slow"].items()}
        self.slow_buffers = {name: np.array(b, copy=True) for name, b in state.get("slow_buffers", {}).items()}

    def __repr__(self):
        return f"Lookahead({self.optimizer!r}, every={self.every}, alpha={self.alpha!r})"


def _pull(current, slow, alpha):
    """``slow[k] += alpha * (current[k] - slow[k]); current[k] = slow[k]`` for every name of ``current``."""
    for name, w in current.items():
        average = slow[name]
        if alpha:
            average += alpha * (w - average)
        if isinstance(w, np.ndarray) and w.flags.writeable and w.shape == average.shape:
            np.copyto(w, average, casting="same_kind")
        else:
            current[name] = average.astype(np.result_type(w), copy=True)


def _fraction(value, what):
    if isinstance(value, bool) or not (np.isscalar(value) and 0 <= value <= 1):
        raise ValueError(f"{what} must be a number in [0, 1], got {value!r}")
    return float(value)


class StateView(MutableMapping):
    """``{parameter name: the rule's state array}`` for one state key, read and written in the configs."""

    def __init__(self, optimizer, key):
        self._optimizer, self._key = optimizer, key

    def __getitem__(self, name):
        config = self._optimizer.configs.get(name)
        if config is None or config.get(self._key) is None:
            raise KeyError(name)
        return config[self._key]

    def __setitem__(self, name, value):
        self._optimizer._config_of(name)[self._key] = value

    def __delitem__(self, name):
        self._optimizer.configs.get(name, {}).pop(self._key, None)

    def __iter__(self):
        return (n for n, c in self._optimizer.configs.items() if c.get(self._key) is not None)

    def __len__(self):
        return sum(1 for _ in self)


_MISSING = object()


def _decay(value, what):
    if not (np.isscalar(value) and 0 <= value < 1):
        raise ValueError(f"{what} must be in [0, 1) (it multiplies the parameters by 1 - weight_decay), "
                         f"got {value!r}")
    return float(value)


def _scale(w, factor):
    """``w * factor``, in place when ``w`` is a writeable float array (the rules update in place too)."""
    if isinstance(w, np.ndarray) and w.flags.writeable and w.dtype.kind == "f":
        w *= factor
        return w
    return np.asarray(w, dtype=np.result_type(w, np.float32)) * factor
