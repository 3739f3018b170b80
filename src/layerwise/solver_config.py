"""The Solver's configuration: one dataclass holding its keyword arguments' defaults, meaning,
validation and JSON form (what checkpoints record and ``Solver.resume`` reads back)."""

from __future__ import annotations

import dataclasses
import difflib
import numbers
import os
import typing
from dataclasses import dataclass

import numpy as np

from . import optim
from .checks import integer

__all__ = ["SolverConfig"]


@dataclass
class SolverConfig:
    """The Solver's keyword arguments: one field each, with its default."""

    #: Name of a rule in :mod:`layerwise.optim`, a functional rule ``rule(w, dw, config)``,
    #: or an optimizer object (``step(grads)`` and ``learning_rate``, e.g. an ``Optimizer``).
    update_rule: typing.Any = "sgd"
    #: Hyperparameters of a rule, copied for every parameter, e.g. ``{'learning_rate': 1e-3}``.
    optim_config: typing.Optional[dict] = None
    #: The course's decay: the learning rate times ``lr_decay`` after every epoch,
    #: or every ``lr_decay_every`` iterations when that is set.
    lr_decay: float = 1.0
    lr_decay_every: typing.Optional[int] = None
    #: A schedule of :mod:`layerwise.optim` (or its name, or ``(iteration, epoch, base_lr) -> lr``)
    #: setting the learning rate before every iteration; excludes ``lr_decay``.  A ``CosineDecay``
    #: or ``Triangular`` without ``total_iterations`` spans the whole run.
    lr_schedule: typing.Any = None
    #: An epoch is ``max(N_train // batch_size, 1)`` iterations; ``num_iterations`` instead sets
    #: the length of the run in iterations.
    batch_size: int = 100
    num_epochs: int = 10
    num_iterations: typing.Optional[int] = None
    #: False: minibatches drawn with replacement (the course's); True: a fresh permutation each epoch.
    shuffle: bool = False
    #: Sizes of the random subsets on which accuracies are measured (None: all).
    num_train_samples: typing.Optional[int] = 1000
    num_val_samples: typing.Optional[int] = None
    checkpoint_name: typing.Optional[str] = None
    checkpoint_every: int = 1
    #: The loss is shown every ``print_every`` iterations: in a tqdm bar with the running
    #: accuracies when ``progress_bar`` and tqdm is installed, else as printed lines.
    print_every: int = 10
    verbose: bool = True
    progress_bar: bool = True
    #: Stop after this many epochs without a new best validation accuracy.
    patience: typing.Optional[int] = None
    #: ``augment(X_batch, rng) -> X_batch``, applied to training minibatches only; one whose
    #: ``per_example`` is True is called ``augment(X_batch, rng, indices=..., epoch=...)``.
    augment: typing.Any = None
    #: Seed of ``solver.rng``.
    seed: typing.Optional[int] = None
    #: ``callback(solver)`` after every epoch (after the checkpoint is written).
    on_epoch_end: typing.Any = None
    #: At the end, copy the parameters with the best validation accuracy (and the batchnorm
    #: statistics of that moment) into the model; False keeps the final ones.
    keep_best: bool = True
    #: A NaN or infinite training loss: ``'stop'`` ends training there with one printed line
    #: (``solver.diverged`` holds it; the best parameters so far are kept, as after any run);
    #: ``'raise'`` raises :class:`~layerwise.solver.DivergenceError`.
    on_divergence: str = "stop"
    #: Also count as divergence a finite loss above ``divergence_factor`` times the first one
    #: (None: only NaN/inf; a learning rate 1000x too large gives losses in the millions).
    divergence_factor: typing.Optional[float] = None
    #: Log parameters, per-epoch metrics and the checkpoint to a tracker such as
    #: :class:`~layerwise.tracking.MLflowTracker` (never stored in checkpoints: pass it again to resume).
    tracker: typing.Any = None

    #: Fields that hold code: checkpoints do not store them, and ``Solver.resume`` needs those
    #: that change the results (all but ``on_epoch_end`` and ``tracker``) passed again.
    CODE: typing.ClassVar[tuple] = ("update_rule", "lr_schedule", "augment", "on_epoch_end", "tracker")

    @classmethod
    def from_kwargs(cls, kwargs) -> "SolverConfig":
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in kwargs if k not in names]
        if unknown:
            hints = [f"{k!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(k, names, n=1))
                                 else "") for k in unknown]
            raise ValueError(f"Unrecognized arguments {', '.join(hints)} for Solver; accepted: {', '.join(names)}")
        if kwargs.get("num_iterations") is not None and "num_epochs" in kwargs:
            raise ValueError("pass either num_epochs or num_iterations, not both")
        config = cls(**kwargs)
        config.validate()
        return config

    def validate(self) -> None:
        """Refuse bad values with one line each; normalize counts to ``int``."""
        for name, minimum, none_ok in (("batch_size", 1, False), ("num_epochs", 0, False),
                                       ("num_iterations", 0, True), ("num_train_samples", 1, True),
                                       ("num_val_samples", 1, True), ("checkpoint_every", 1, False),
                                       ("patience", 1, True), ("lr_decay_every", 1, True), ("print_every", 1, False)):
            setattr(self, name, integer(getattr(self, name), name, minimum, none_ok=none_ok))
        if isinstance(self.lr_decay, bool) or not (isinstance(self.lr_decay, numbers.Real) and self.lr_decay > 0):
            raise ValueError(f"lr_decay must be a positive number, got {self.lr_decay!r}")
        if self.lr_schedule is not None and (self.lr_decay != 1 or self.lr_decay_every is not None):
            raise ValueError("pass either lr_schedule or lr_decay/lr_decay_every, not both")
        if self.divergence_factor is not None and not (isinstance(self.divergence_factor, numbers.Real)
                                                       and self.divergence_factor > 1):
            raise ValueError(f"divergence_factor must be a number > 1 or None, got {self.divergence_factor!r}")
        if self.on_divergence not in ("stop", "raise"):
            raise ValueError(f"on_divergence must be 'stop' or 'raise', got {self.on_divergence!r}")
        for name in ("augment", "on_epoch_end"):
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable or None, got {type(getattr(self, name)).__name__}")
        missing = [m for m in TRACKER_METHODS if not callable(getattr(self.tracker, m, None))]
        if self.tracker is not None and missing:
            raise TypeError(f"tracker must have the methods {', '.join(TRACKER_METHODS)} (e.g. "
                            f"layerwise.tracking.MLflowTracker); {type(self.tracker).__name__} lacks {', '.join(missing)}")
        if self.checkpoint_name is not None:
            self.checkpoint_name = os.fspath(self.checkpoint_name)

    def to_json(self, lr_schedule=None) -> dict:
        """The arguments as JSON values; code is recorded as None and listed under ``requires``."""
        config = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        rule = self.update_rule if isinstance(self.update_rule, str) else _rule_name(self.update_rule)
        for key in self.CODE:
            config[key] = None
        config["update_rule"] = rule
        if hasattr(lr_schedule, "to_config"):
            config["lr_schedule"] = lr_schedule.to_config()
        config["optim_config"] = {k: v for k, v in (self.optim_config or {}).items() if _is_scalar(v)}
        # No path: a checkpoint continues where it is read from (a moved or copied run writes to itself).
        config["checkpoint_name"] = None
        config["requires"] = [k for k in self.CODE if k not in ("on_epoch_end", "tracker")
                              and getattr(self, k) is not None and config[k] is None]
        return config

    @classmethod
    def for_resume(cls, saved: dict, overrides: dict, source="the checkpoint") -> dict:
        """Keyword arguments rebuilding a checkpoint's solver: its recorded ``saved`` config, minus the
        code it could not store (which ``overrides`` must supply again), updated by ``overrides``."""
        missing = [k for k in saved.get("requires", []) if k not in overrides]
        if missing:
            raise ValueError(f"the run that wrote {source} used a custom {', '.join(missing)}, which checkpoints do "
                             "not store; pass it again: Solver.resume(path, model, data, "
                             + ", ".join(f"{k}=..." for k in missing) + ")")
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in saved.items() if k in names and not (k in cls.CODE and v is None)}
        kwargs["checkpoint_name"] = None  # written by older versions: never trusted (the run may have moved)
        kwargs.update(overrides)
        if "num_epochs" in overrides and "num_iterations" not in overrides:
            kwargs.pop("num_iterations", None)  # the caller sets the length in epochs
        elif kwargs.get("num_iterations") is not None:
            kwargs.pop("num_epochs", None)
        return kwargs


#: What the Solver calls on a tracker (see :mod:`layerwise.tracking`).
TRACKER_METHODS = ("start", "log_params", "log_metrics", "log_artifact", "end")


def _rule_name(rule):
    """The name of ``rule`` if it is one of optim's rules, else None."""
    return next((name for name, r in optim.UPDATE_RULES.items() if r is rule), None)


def _is_scalar(value):
    return value is None or isinstance(value, (bool, int, float, str, np.generic))
