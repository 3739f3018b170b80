"""The training engine: :class:`Solver`.

A Solver trains a model by minibatch stochastic gradient descent::

    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, batch_size=100, num_epochs=10, seed=0)
    solver.train()
    solver.best_val_acc, solver.test_acc, solver.loss_history

Model protocol
    ``model.params``: dict name -> array; ``model.loss(X, y=None)`` returns class
    scores ``(N, C)`` when ``y`` is None and ``(loss, grads)`` otherwise, with
    ``grads`` keyed like ``params``.  Optional state dictionaries
    ``model.bn_params`` (list of dicts) and ``model.dropout_param`` (dict), such
    as batchnorm running statistics, are saved in checkpoints.

Data
    dict with ``X_train, y_train, X_val, y_val`` (and optionally ``X_test,
    y_test``, evaluated once at the end into ``solver.test_acc``).  Arrays are
    used as given: the solver never copies or converts them; each iteration
    gathers one minibatch.

Updater protocol (the one place parameters change)
    ``update_rule`` is the name of a rule in :mod:`layerwise.optim`, a
    functional rule ``rule(w, dw, config) -> (next_w, config)``, or an updater
    object with ``step(params, grads) -> None`` (updating in place), a
    ``learning_rate`` property (read and assigned by learning-rate decay and
    schedules) and optionally ``state_dict()`` / ``load_state_dict(state)``
    (saved in checkpoints).  Functional rules are wrapped in
    :class:`RuleUpdater`, which keeps one config per parameter (a copy of
    ``optim_config``), exposed as ``solver.optim_configs``.

Learning rate
    ``lr_decay`` multiplies it after every epoch, or every ``lr_decay_every``
    iterations if given; alternatively ``lr_schedule`` (a schedule of
    :mod:`layerwise.optim`, its name, or a callable ``(iteration, epoch,
    base_lr) -> lr``) sets it before every iteration.

Reproducibility and checkpoints
    Minibatches, accuracy subsamples and augmentation draw from
    ``solver.rng``, a ``np.random.Generator`` seeded by ``seed`` (or, when
    ``seed`` is None, by one draw from NumPy's global generator so that
    ``np.random.seed`` still makes runs repeatable).  With
    ``checkpoint_name`` the solver writes a checkpoint (see
    :mod:`layerwise.checkpoint`) every ``checkpoint_every`` epochs and at the
    end: parameters, optimizer state, model state dicts, histories, counters,
    the solver's and NumPy's global RNG states (dropout draws from the latter)
    and the run's configuration.  ``Solver.resume(path, model, data)`` rebuilds
    the solver from it; training then continues exactly as if it had never
    stopped (bit-identical parameters).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import sys
import numbers
import os
import time

import numpy as np

from .checks import integer
from . import optim
from .checkpoint import CheckpointError, checkpoint_path, load_checkpoint, save_checkpoint

__all__ = ["Solver", "RuleUpdater", "DivergenceError"]


class DivergenceError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite."""


class RuleUpdater:
    """Applies a functional update rule to every parameter, keeping one config
    dict per parameter (each a copy of ``optim_config``).

    This is the default updater of :class:`Solver`; see the module docstring
    for the protocol it implements.
    """

    def __init__(self, rule, optim_config=None, param_names=()):
        self.rule = optim.get_update_rule(rule)
        self.optim_config = dict(optim_config or {})
        self.configs = {name: dict(self.optim_config) for name in param_names}

    @property
    def learning_rate(self):
        for config in self.configs.values():
            if "learning_rate" in config:
                return config["learning_rate"]
            break
        defaults = getattr(self.rule, "defaults", {})
        return self.optim_config.get("learning_rate", defaults.get("learning_rate"))

    @learning_rate.setter
    def learning_rate(self, value):
        self.optim_config["learning_rate"] = value
        for config in self.configs.values():
            config["learning_rate"] = value

    def step(self, params: dict, grads: dict) -> None:
        """Update every ``params[name]`` from ``grads[name]``."""
        rule, configs = self.rule, self.configs
        for name, w in params.items():
            dw = grads.get(name)
            if dw is None:
                raise ValueError(
                    f"model.loss returned no gradient for parameter {name!r} "
                    f"(grads has {sorted(grads)}); grads must be keyed like model.params"
                )
            config = configs.get(name)
            if config is None:
                config = configs[name] = dict(self.optim_config)
            params[name], configs[name] = rule(w, dw, config)

    def state_dict(self) -> dict:
        """Per-parameter configs without scratch buffers (keys starting with ``_``)."""
        return {
            "optim_config": {k: v for k, v in self.optim_config.items() if not k.startswith("_")},
            "configs": {
                name: {k: v for k, v in config.items() if not k.startswith("_")}
                for name, config in self.configs.items()
            },
        }

    def load_state_dict(self, state: dict) -> None:
        self.optim_config = dict(state["optim_config"])
        self.configs = {name: dict(config) for name, config in state["configs"].items()}


# Keyword arguments of Solver and their defaults.
_DEFAULTS = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "lr_decay_every": None,
    "lr_schedule": None,
    "batch_size": 100,
    "num_epochs": 10,
    "num_iterations": None,
    "shuffle": False,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
    "checkpoint_every": 1,
    "print_every": 10,
    "verbose": True,
    "progress_bar": True,
    "patience": None,
    "augment": None,
    "seed": None,
    "on_epoch_end": None,
    "keep_best": True,
}
# Arguments that hold code: checkpoints do not store them, and Solver.resume
# needs those that change the results (all but on_epoch_end) passed again.
_CALLABLE_ARGS = ("update_rule", "lr_schedule", "augment", "on_epoch_end")
# Model attributes holding state dicts that checkpoints save (batchnorm running
# statistics, dropout settings).
_MODEL_STATE = ("bn_params", "dropout_param")


class Solver:
    """Train ``model`` on ``data`` with minibatch gradient descent.

    Keyword arguments (defaults in parentheses):

    - ``update_rule`` ('sgd'): rule name in :mod:`layerwise.optim`, functional
      rule, or updater object (see module docstring).
    - ``optim_config`` (None): hyperparameters of a functional rule, copied
      for every parameter, e.g. ``{'learning_rate': 1e-3}``.
    - ``lr_decay`` (1.0): factor applied to the learning rate after every
      epoch, or every ``lr_decay_every`` iterations when that is set (None).
    - ``lr_schedule`` (None): schedule setting the learning rate before every
      iteration (exclusive with ``lr_decay``); a ``CosineDecay`` without
      ``total_iterations`` spans the whole run.
    - ``batch_size`` (100), ``num_epochs`` (10): an epoch is
      ``max(N_train // batch_size, 1)`` iterations.  ``num_iterations``
      (None) instead sets the length of the run in iterations.
    - ``shuffle`` (False): minibatches are drawn with replacement (the course
      behaviour); True walks a fresh permutation each epoch instead.
    - ``num_train_samples`` (1000), ``num_val_samples`` (None): size of the
      random subsets on which accuracies are measured (None: all).
    - ``checkpoint_name`` (None), ``checkpoint_every`` (1 epoch).
    - ``print_every`` (10 iterations), ``verbose`` (True), ``progress_bar``
      (True: a tqdm bar with running loss and accuracies when tqdm is
      installed; otherwise, or if False, printed lines).
    - ``patience`` (None): stop after this many epochs without a new best
      validation accuracy.
    - ``augment`` (None): ``augment(X_batch, rng) -> X_batch`` applied to
      training minibatches only.
    - ``seed`` (None): seed of ``solver.rng``.
    - ``on_epoch_end`` (None): ``callback(solver)`` after every epoch
      (after the checkpoint is written).
    - ``keep_best`` (True): at the end, copy the parameters with the best
      validation accuracy, and the batchnorm running statistics of that
      moment, into the model (False: keep the final ones).

    After :meth:`train`: ``loss_history`` (per iteration),
    ``train_acc_history`` / ``val_acc_history`` (after the first iteration and
    every epoch), ``history`` (one dict per evaluation: epoch, iteration,
    loss, train_acc, val_acc, lr, seconds), ``best_val_acc``, ``best_params``
    (copied into ``model.params`` unless ``keep_best=False``),
    ``best_model_state`` (copies of ``model.bn_params`` / ``model.dropout_param``
    taken with ``best_params``), ``test_acc`` (None without test data) and
    ``stopped_early``.
    """

    def __init__(self, model, data, **kwargs):
        unknown = [k for k in kwargs if k not in _DEFAULTS]
        if unknown:
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(k, _DEFAULTS, n=1)
                hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ValueError(
                f"Unrecognized arguments {', '.join(hints)} for Solver; "
                f"accepted: {', '.join(_DEFAULTS)}"
            )
        args = {**_DEFAULTS, **kwargs}
        self._args = args

        if not (hasattr(model, "params") and callable(getattr(model, "loss", None))):
            raise TypeError(
                f"Solver needs a model with a 'params' dict and a loss(X, y=None) method; "
                f"got {type(model).__name__}"
            )
        self.model = model
        self._check_data(data)
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.X_test, self.y_test = data.get("X_test"), data.get("y_test")

        self.batch_size = integer(args["batch_size"], "batch_size", 1)
        self.num_epochs = integer(args["num_epochs"], "num_epochs", 0)
        num_iterations = integer(args["num_iterations"], "num_iterations", 0, none_ok=True)
        if num_iterations is not None and "num_epochs" in kwargs:
            raise ValueError("pass either num_epochs or num_iterations, not both")
        self.keep_best = bool(args["keep_best"])
        self.num_train_samples = integer(args["num_train_samples"], "num_train_samples", 1, none_ok=True)
        self.num_val_samples = integer(args["num_val_samples"], "num_val_samples", 1, none_ok=True)
        self.checkpoint_every = integer(args["checkpoint_every"], "checkpoint_every", 1)
        self.patience = integer(args["patience"], "patience", 1, none_ok=True)
        self.lr_decay_every = integer(args["lr_decay_every"], "lr_decay_every", 1, none_ok=True)
        self.print_every = args["print_every"]
        self.verbose = bool(args["verbose"])
        self.progress_bar = bool(args["progress_bar"])
        self.shuffle = bool(args["shuffle"])
        self.checkpoint_name = args["checkpoint_name"]
        if self.checkpoint_name is not None:
            self.checkpoint_name = os.fspath(self.checkpoint_name)
        self.lr_decay = args["lr_decay"]
        if isinstance(self.lr_decay, bool) or not (isinstance(self.lr_decay, numbers.Real) and self.lr_decay > 0):
            raise ValueError(f"lr_decay must be a positive number, got {self.lr_decay!r}")
        for name in ("augment", "on_epoch_end"):
            if args[name] is not None and not callable(args[name]):
                raise TypeError(f"{name} must be callable or None, got {type(args[name]).__name__}")
        self.augment = args["augment"]
        self.on_epoch_end = args["on_epoch_end"]

        self.iterations_per_epoch = max(self.X_train.shape[0] // self.batch_size, 1)
        if num_iterations is None:
            self.num_iterations = self.num_epochs * self.iterations_per_epoch
        else:
            self.num_iterations = num_iterations
            self.num_epochs = -(-num_iterations // self.iterations_per_epoch)  # the last may be partial

        # The updater: the only code that changes parameters.
        rule, self.optim_config = args["update_rule"], dict(args["optim_config"] or {})
        if hasattr(rule, "step") and hasattr(rule, "learning_rate"):
            if self.optim_config:
                raise ValueError(
                    "optim_config configures functional update rules; this update_rule is an "
                    "optimizer object, so set its hyperparameters on the object instead"
                )
            self.updater = rule
            self.update_rule = rule
            self.optim_configs = None
        else:
            self.updater = RuleUpdater(rule, self.optim_config, model.params)
            self.update_rule = self.updater.rule
            self.optim_configs = self.updater.configs  # the course's name for them

        self.lr_schedule = args["lr_schedule"]
        if self.lr_schedule is not None:
            if self.lr_decay != 1 or self.lr_decay_every is not None:
                raise ValueError("pass either lr_schedule or lr_decay/lr_decay_every, not both")
            self.lr_schedule = optim.get_schedule(self.lr_schedule)
            schedule = self.lr_schedule
            if dataclasses.is_dataclass(schedule) and getattr(schedule, "total_iterations", 0) is None:
                # "the whole run", known only now
                self.lr_schedule = dataclasses.replace(self.lr_schedule, total_iterations=self.num_iterations)
        self.base_lr = self.updater.learning_rate
        if self.base_lr is None and (self.lr_schedule is not None or self.lr_decay != 1):
            raise ValueError(
                "learning-rate decay and schedules need a learning rate: pass "
                "optim_config={'learning_rate': ...}"
            )

        seed = args["seed"]
        if seed is None:
            seed = int(np.random.randint(2**31 - 1))
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self._reset()

    # ------------------------------------------------------------------ setup

    @staticmethod
    def _check_data(data):
        missing = [k for k in ("X_train", "y_train", "X_val", "y_val") if k not in data]
        if missing:
            raise ValueError(
                f"data is missing {', '.join(missing)}; Solver needs a dict with X_train, "
                "y_train, X_val, y_val (and optionally X_test, y_test)"
            )
        for split in ("train", "val", "test"):
            X, y = data.get(f"X_{split}"), data.get(f"y_{split}")
            if X is None and y is None and split == "test":
                continue
            if X is None or y is None:
                raise ValueError(f"data has only one of X_{split} and y_{split}; give both or neither")
            if not hasattr(X, "shape") or not hasattr(y, "shape"):
                raise TypeError(f"X_{split} and y_{split} must be NumPy arrays")
            if y.ndim != 1 or X.shape[0] != y.shape[0]:
                raise ValueError(
                    f"X_{split} has {X.shape[0]} examples (shape {X.shape}) but y_{split} has shape "
                    f"{y.shape}; expected a 1-D label array with one label per example"
                )
            if y.dtype.kind not in "iu":
                raise ValueError(
                    f"y_{split} must hold integer class labels, got dtype {y.dtype}; "
                    f"convert with y_{split}.astype(np.int64)"
                )
            if X.shape[0] == 0:
                raise ValueError(f"X_{split} is empty; the solver needs at least one example")
            if y.min() < 0:
                raise ValueError(f"y_{split} holds negative labels (min {y.min()}); class labels must be 0..C-1")
            # One pass, no temporary array; the exact test runs only if the sum is not finite.
            if X.dtype.kind in "fc" and not np.isfinite(X.sum()):
                bad = ~np.isfinite(X.reshape(X.shape[0], -1)).all(axis=1)
                if bad.any():
                    raise ValueError(
                        f"X_{split} contains NaN or inf values ({int(bad.sum())} examples, the first at "
                        f"index {int(np.argmax(bad))}); remove or repair them before training"
                    )

    def _reset(self):
        """Reset the bookkeeping (histories, counters, best parameters)."""
        self.epoch = 0
        self.iteration = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.best_model_state = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.history = []
        self.test_acc = None
        self.stopped_early = False
        self._epochs_without_improvement = 0
        self._order = None  # this epoch's permutation when shuffle=True

    # ------------------------------------------------------------------ training

    @property
    def learning_rate(self):
        """The updater's current learning rate."""
        return self.updater.learning_rate

    def _step(self):
        """One minibatch: gather, augment, loss and gradients, update; returns the loss."""
        t = self.iteration
        if self.shuffle:
            i = t % self.iterations_per_epoch
            if i == 0 or self._order is None:
                self._order = self.rng.permutation(self.X_train.shape[0])
            idx = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        else:
            idx = self.rng.integers(self.X_train.shape[0], size=self.batch_size)
        X_batch, y_batch = self.X_train[idx], self.y_train[idx]
        if self.augment is not None:
            X_batch = self.augment(X_batch, self.rng)

        loss, grads = self.model.loss(X_batch, y_batch)
        loss = float(loss)
        if not math.isfinite(loss):
            raise DivergenceError(
                f"the training loss became {loss} at iteration {t + 1} of {self.num_iterations} "
                f"(epoch {self.epoch + 1} of {self.num_epochs}) with learning rate "
                f"{self.learning_rate}: training diverged. Lower the learning rate (try 10x "
                "smaller) or the weight scale, and check the inputs for NaN/inf."
            )
        self.loss_history.append(loss)
        self.updater.step(self.model.params, grads)
        return loss

    def train(self):
        """Run the optimization (continuing from the current iteration after a resume)."""
        bar = self._progress_bar()
        self._clock = time.perf_counter()
        try:
            for t in range(self.iteration, self.num_iterations):
                if self.stopped_early:
                    break
                if self.lr_schedule is not None:
                    self.updater.learning_rate = self.lr_schedule(t, self.epoch, self.base_lr)
                loss = self._step()
                self.iteration = t + 1

                if self.print_every and t % self.print_every == 0:
                    if bar is not None:
                        recent = self.loss_history[-self.print_every :]
                        bar.set_postfix_str(self._postfix(sum(recent) / len(recent)), refresh=False)
                    elif self.verbose:
                        print(f"(Iteration {t + 1} / {self.num_iterations}) loss: {loss:f}")
                if bar is not None:
                    bar.update(1)

                epoch_end = (t + 1) % self.iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    if self.lr_decay != 1 and self.lr_decay_every is None:
                        self.updater.learning_rate = self.updater.learning_rate * self.lr_decay
                if self.lr_decay_every is not None and (t + 1) % self.lr_decay_every == 0:
                    self.updater.learning_rate = self.updater.learning_rate * self.lr_decay
                last = t + 1 == self.num_iterations
                if t == 0 or epoch_end or last:
                    self._evaluate(epoch_end, last, bar)
        finally:
            if bar is not None:
                bar.close()
        self._finish()

    def _evaluate(self, epoch_end, last, bar):
        """Measure accuracies, track the best parameters, checkpoint, call back."""
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        improved = val_acc > self.best_val_acc
        if improved:
            self.best_val_acc = val_acc
            self.best_params = {k: np.array(v, copy=True) for k, v in self.model.params.items()}
            self.best_model_state = copy.deepcopy(_model_state(self.model))  # batchnorm running statistics

        since = self.history[-1]["iteration"] if self.history else 0
        recent = self.loss_history[since:] or self.loss_history[-1:]
        now = time.perf_counter()
        lr = self.learning_rate
        self.history.append(
            {
                "epoch": self.epoch,
                "iteration": self.iteration,
                "loss": sum(recent) / len(recent),
                "train_acc": train_acc,
                "val_acc": val_acc,
                "lr": float(lr) if lr is not None else None,
                "seconds": now - self._clock,
            }
        )
        self._clock = now
        if bar is not None:
            bar.set_postfix_str(self._postfix(self.history[-1]["loss"]), refresh=False)
        self._log(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}", bar)

        if self.patience is not None and epoch_end:
            self._epochs_without_improvement = 0 if improved else self._epochs_without_improvement + 1
            if self._epochs_without_improvement >= self.patience:
                self.stopped_early = True
                self._log(
                    f"Stopping early: no better validation accuracy for {self.patience} epoch(s); "
                    f"best {self.best_val_acc:f}",
                    bar,
                )
        due = epoch_end and (self.epoch % self.checkpoint_every == 0 or self.stopped_early)
        if self.checkpoint_name and (due or last):
            self.save_checkpoint()
        if self.on_epoch_end is not None and epoch_end:
            self.on_epoch_end(self)

    def _finish(self):
        """Swap the best parameters into the model and evaluate on the test set."""
        params = self.model.params
        for name, best in self.best_params.items() if self.keep_best else ():
            current = params.get(name)
            if isinstance(current, np.ndarray) and current.shape == best.shape and current.flags.writeable:
                np.copyto(current, best)
            else:
                params[name] = best.copy()
        for attr, value in self.best_model_state.items() if self.keep_best else ():
            _restore_into(self.model, attr, copy.deepcopy(value), "the best model state")
        if self.X_test is not None:
            self.test_acc = self.check_accuracy(self.X_test, self.y_test)
            self._log(f"test acc: {self.test_acc:f}", None)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of ``X`` (``(N, ...)``) classified as ``y`` (``(N,)``).

        With ``num_samples`` smaller than N, a random subset of that size
        (without replacement, from ``self.rng``) is used.  Scores are
        computed ``batch_size`` examples at a time.
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self.rng.choice(N, num_samples, replace=False)
            X, y, N = X[mask], y[mask], num_samples
        if N == 0:
            raise ValueError("check_accuracy needs at least one example; X is empty")
        correct = 0
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start : start + batch_size])
            correct += int(np.count_nonzero(np.argmax(scores, axis=1) == y[start : start + batch_size]))
        return correct / N

    # ------------------------------------------------------------------ output

    def _progress_bar(self):
        if not (self.verbose and self.progress_bar) or self.iteration >= self.num_iterations:
            return None
        try:
            from tqdm import tqdm
        except ImportError:  # optional dependency: fall back to printed lines
            return None
        # Redrawn often on a terminal, rarely when written to a log file.
        interactive = getattr(sys.stderr, "isatty", lambda: False)()
        return tqdm(total=self.num_iterations, initial=self.iteration, unit="it", dynamic_ncols=True,
                    mininterval=0.1 if interactive else 30)

    def _postfix(self, loss):
        text = f"loss={loss:.4f}"
        if self.train_acc_history:
            text += f" train_acc={self.train_acc_history[-1]:.3f} val_acc={self.val_acc_history[-1]:.3f}"
        return text

    def _log(self, message, bar):
        if not self.verbose:
            return
        if bar is not None:
            bar.write(message)
        else:
            print(message)

    # ------------------------------------------------------------------ checkpoints

    def _config(self) -> dict:
        """The constructor arguments, JSON-friendly; code is recorded as None."""
        config = {}
        for key in _DEFAULTS:
            value = self._args[key]
            if key == "update_rule" and (isinstance(value, str) or _rule_name(value)):
                config[key] = value if isinstance(value, str) else _rule_name(value)
            elif key == "lr_schedule" and hasattr(self.lr_schedule, "to_config"):
                config[key] = self.lr_schedule.to_config()
            elif key in _CALLABLE_ARGS:
                config[key] = None
            elif key == "checkpoint_name":
                config[key] = self.checkpoint_name
            elif key == "optim_config":
                config[key] = {k: v for k, v in self.optim_config.items() if _is_scalar(v)}
            else:
                config[key] = value
        config["seed"] = self.seed
        # Code that must be passed again to Solver.resume.
        config["requires"] = [
            k for k in _CALLABLE_ARGS
            if k != "on_epoch_end" and self._args[k] is not None and config.get(k) is None
        ]
        return config

    def state_dict(self) -> dict:
        """Everything needed to continue this run exactly (see :meth:`load_state_dict`)."""
        has_state = callable(getattr(self.updater, "state_dict", None))
        return {
            "config": self._config(),
            "num_train": int(self.X_train.shape[0]),
            "epoch": self.epoch,
            "iteration": self.iteration,
            "base_lr": self.base_lr,
            "learning_rate": self.learning_rate,
            "params": dict(self.model.params),
            "model_state": _model_state(self.model),
            "optimizer": self.updater.state_dict() if has_state else None,
            "best_val_acc": self.best_val_acc,
            "best_params": self.best_params,
            "best_model_state": self.best_model_state,
            "loss_history": np.asarray(self.loss_history, dtype=np.float64),
            "train_acc_history": list(self.train_acc_history),
            "val_acc_history": list(self.val_acc_history),
            "history": list(self.history),
            "stopped_early": self.stopped_early,
            "epochs_without_improvement": self._epochs_without_improvement,
            "order": self._order,
            "rng": self.rng.bit_generator.state,
            "global_rng": np.random.get_state(legacy=False),
        }

    def save_checkpoint(self, name=None):
        """Write a checkpoint to ``name`` (default ``checkpoint_name``); returns its .json path."""
        name = name or self.checkpoint_name
        if not name:
            raise ValueError("no checkpoint name: pass save_checkpoint(name) or Solver(checkpoint_name=...)")
        return save_checkpoint(name, self.state_dict())

    def load_checkpoint(self, path):
        """Restore this solver, its model and NumPy's global RNG from checkpoint ``path``."""
        self.load_state_dict(load_checkpoint(path), source=str(checkpoint_path(path)))
        return self

    def load_state_dict(self, state, source="the checkpoint"):
        """Restore the state written by :meth:`state_dict` (model and optimizer included)."""
        if state["num_train"] != self.X_train.shape[0]:
            raise CheckpointError(
                f"{source} was written for {state['num_train']} training examples but data has "
                f"{self.X_train.shape[0]}; resume with the same data"
            )
        params = self.model.params
        saved = state["params"]
        if set(saved) != set(params):
            raise CheckpointError(
                f"{source} holds parameters {sorted(saved)} but the model has {sorted(params)}; "
                "build the same model architecture before resuming"
            )
        for name, value in saved.items():
            current = params[name]
            if current.shape != value.shape or current.dtype != value.dtype:
                raise CheckpointError(
                    f"parameter {name!r} is {value.dtype}{list(value.shape)} in {source} but "
                    f"{current.dtype}{list(current.shape)} in the model; build the same model "
                    "(same sizes and dtype) before resuming"
                )
        for name, value in saved.items():
            np.copyto(params[name], value)
        for attr, value in state["model_state"].items():
            _restore_into(self.model, attr, value, source)

        if state["optimizer"] is not None:
            if not callable(getattr(self.updater, "load_state_dict", None)):
                raise CheckpointError(
                    f"{source} holds optimizer state but the update_rule object has no load_state_dict()"
                )
            self.updater.load_state_dict(state["optimizer"])
        if state["learning_rate"] is not None:
            self.updater.learning_rate = state["learning_rate"]
        self.base_lr = state["base_lr"]

        self.epoch = state["epoch"]
        self.iteration = state["iteration"]
        self.best_val_acc = state["best_val_acc"]
        self.best_params = dict(state["best_params"])
        self.best_model_state = dict(state.get("best_model_state", {}))  # absent from older checkpoints
        self.loss_history = state["loss_history"].tolist()
        self.train_acc_history = list(state["train_acc_history"])
        self.val_acc_history = list(state["val_acc_history"])
        self.history = list(state["history"])
        self.stopped_early = state["stopped_early"]
        self._epochs_without_improvement = state["epochs_without_improvement"]
        self._order = state["order"]
        if state["rng"]["bit_generator"] != type(self.rng.bit_generator).__name__:
            raise CheckpointError(f"{source} holds a {state['rng']['bit_generator']} generator state")
        self.rng.bit_generator.state = state["rng"]
        np.random.set_state(state["global_rng"])
        if self.optim_configs is not None:
            self.optim_configs = self.updater.configs

    @classmethod
    def resume(cls, path, model, data, **kwargs):
        """Rebuild the solver of checkpoint ``path`` around ``model`` and ``data``.

        The solver's configuration is read from the checkpoint; ``kwargs``
        override it (e.g. ``num_epochs`` to train longer, ``verbose``).
        Code the original run was given (a callable ``update_rule``,
        ``augment``, a custom ``lr_schedule``) is not stored and must be
        passed again; so must ``on_epoch_end`` if it is still wanted.  Parameters, optimizer and model
        state, histories and RNG states are restored, so ``train()`` ends
        exactly as the uninterrupted run would have.
        """
        state = load_checkpoint(path)
        config = dict(state["config"])
        missing = [k for k in config.pop("requires", []) if k not in kwargs]
        if missing:
            raise ValueError(
                f"the run that wrote {checkpoint_path(path)} used a custom {', '.join(missing)}, which "
                f"checkpoints do not store; pass it again: Solver.resume(path, model, data, "
                + ", ".join(f"{k}=..." for k in missing)
                + ")"
            )
        config = {k: v for k, v in config.items() if k in _DEFAULTS and not (k in _CALLABLE_ARGS and v is None)}
        config.update(kwargs)
        if "num_epochs" in kwargs and "num_iterations" not in kwargs:
            config.pop("num_iterations", None)  # the caller sets the length in epochs
        elif config.get("num_iterations") is not None:
            config.pop("num_epochs", None)
        solver = cls(model, data, **config)
        solver.load_state_dict(state, source=str(checkpoint_path(path)))
        return solver


# --------------------------------------------------------------------------- helpers


def _rule_name(rule):
    """The name of ``rule`` if it is one of optim's rules, else None."""
    return next((name for name, r in optim.UPDATE_RULES.items() if r is rule), None)


def _is_scalar(value):
    return value is None or isinstance(value, (bool, int, float, str, np.generic))


def _model_state(model) -> dict:
    """The model's state dicts named in ``_MODEL_STATE`` (references, not copies)."""
    return {a: getattr(model, a) for a in _MODEL_STATE if getattr(model, a, None) is not None}


def _restore_into(owner, attr, saved, source):
    """Restore a state dict or list of dicts ``saved`` into ``owner.attr`` in place,
    so that objects holding a reference to it (the model's layers) see it."""
    current = getattr(owner, attr, None)
    if isinstance(current, list) and isinstance(saved, list):
        if len(current) != len(saved):
            raise CheckpointError(
                f"{source} has {len(saved)} entries in model.{attr} but the model has {len(current)}; "
                "build the same model before resuming"
            )
        for target, values in zip(current, saved):
            target.update(values)
    elif isinstance(current, dict) and isinstance(saved, dict):
        current.update(saved)
    else:
        setattr(owner, attr, saved)
