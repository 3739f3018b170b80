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
    y_test``, evaluated once at the end into ``solver.test_acc``), or any other
    course's data dict (see :func:`layerwise.data.as_splits`), checked by
    :func:`layerwise.data.check_splits`.  Arrays are used as given: the solver
    never copies or converts them; each iteration gathers one minibatch.

The keyword arguments, their defaults and meaning are the fields of
:class:`SolverConfig`.  Parameters change in one place, the
:class:`~layerwise.optimizer.Optimizer` (``solver.optimizer``), and the
learning rate in one line of :meth:`Solver.train`, from a schedule.

Reproducibility and checkpoints
    Minibatches, accuracy subsamples and augmentation draw from ``solver.rng``,
    seeded by ``seed`` (or, when ``seed`` is None, by one draw from NumPy's
    global generator so that ``np.random.seed`` still makes runs repeatable).
    With ``checkpoint_name`` the solver writes a checkpoint (see
    :mod:`layerwise.checkpoint`) every ``checkpoint_every`` epochs and at the
    end; ``Solver.resume(path, model, data)`` rebuilds the solver from it and
    training continues exactly as if it had never stopped (bit-identical).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import sys
import time

import numpy as np

from . import optim
from .checkpoint import (
    CheckpointError,
    checkpoint_files,
    checkpoint_path,
    copy_into,
    load_checkpoint,
    load_params,
    model_state,
    restore_model_state,
    save_checkpoint,
)
from .data.splits import as_splits, check_labels, check_splits
from .evaluation import accuracy
from .optimizer import Optimizer
from .progress import Progress
from .solver_config import SolverConfig
from .tracking import end_status

__all__ = ["Solver", "SolverConfig", "DivergenceError"]


class DivergenceError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite."""


class Solver:
    """Train ``model`` on ``data`` with minibatch gradient descent; keyword arguments: :class:`SolverConfig`.

    After :meth:`train`: ``loss_history`` (per iteration), ``train_acc_history``
    / ``val_acc_history`` (after the first iteration and every epoch),
    ``history`` (one dict per evaluation: epoch, iteration, loss, train_acc,
    val_acc, lr, seconds), ``best_val_acc``, ``best_params`` (copied into
    ``model.params`` unless ``keep_best=False``), ``best_model_state`` (copies
    of the model's state dicts taken with ``best_params``), ``test_acc`` (None
    without test data), ``stopped_early`` and ``diverged`` (None, or the message of the NaN/inf
    loss that ended training).  ``optim_configs`` is the
    optimizer's per-parameter configs (the course's name), ``optimizer`` the optimizer.
    """

    def __init__(self, model, data, **kwargs):
        self.config = config = SolverConfig.from_kwargs(kwargs)
        if not (hasattr(model, "params") and callable(getattr(model, "loss", None))):
            raise TypeError(f"Solver needs a model with a 'params' dict and a loss(X, y=None) method; "
                            f"got {type(model).__name__}")
        data = as_splits(data)
        check_splits(data)
        # The labels must name classes the model scores: one test-mode forward pass of one example tells.
        check_labels(data, np.shape(model.loss(data["X_val"][:1]))[-1])
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.X_test, self.y_test = data.get("X_test"), data.get("y_test")
        for name in ("batch_size", "num_train_samples", "num_val_samples", "checkpoint_every", "patience",
                     "print_every", "verbose", "augment", "on_epoch_end", "checkpoint_name", "keep_best", "shuffle"):
            setattr(self, name, getattr(config, name))

        self.iterations_per_epoch = max(self.X_train.shape[0] // self.batch_size, 1)
        if config.num_iterations is None:
            self.num_epochs = config.num_epochs
            self.num_iterations = self.num_epochs * self.iterations_per_epoch
        else:
            self.num_iterations = config.num_iterations
            self.num_epochs = -(-self.num_iterations // self.iterations_per_epoch)  # the last may be partial

        rule, self.optim_config = config.update_rule, dict(config.optim_config or {})
        if hasattr(rule, "step") and hasattr(rule, "learning_rate"):
            if self.optim_config:
                raise ValueError("optim_config configures functional update rules; this update_rule is an "
                                 "optimizer object, so set its hyperparameters on the object instead")
            self.optimizer = rule
        else:
            self.optimizer = Optimizer(model.params, rule, self.optim_config)
        self.update_rule = rule if self.optimizer is rule else self.optimizer.rule
        self.optim_configs = self.optimizer.configs if isinstance(self.optimizer, Optimizer) else None

        self.lr_schedule = self._schedule()
        self.base_lr = self.optimizer.learning_rate
        if self.base_lr is None and self.lr_schedule is not None:
            raise ValueError("learning-rate decay and schedules need a learning rate: pass "
                             "optim_config={'learning_rate': ...}")
        self.seed = int(np.random.randint(2**31 - 1)) if config.seed is None else config.seed
        self.rng = np.random.default_rng(self.seed)
        self._reset()

    def _schedule(self):
        """The one learning-rate mechanism: a schedule; ``lr_decay`` is the course's spelling of a step decay."""
        config = self.config
        if config.lr_schedule is not None:
            schedule = optim.get_schedule(config.lr_schedule)
            if dataclasses.is_dataclass(schedule) and getattr(schedule, "total_iterations", 0) is None:
                schedule = dataclasses.replace(schedule, total_iterations=self.num_iterations)  # "the whole run"
            return schedule
        if config.lr_decay == 1:
            return None
        if config.lr_decay_every is not None:
            return optim.IterationStepDecay(config.lr_decay, config.lr_decay_every)
        return optim.StepDecay(config.lr_decay, 1)

    def _reset(self):
        """Reset the bookkeeping (histories, counters, best parameters)."""
        self.epoch = self.iteration = 0
        self.best_val_acc = 0.0
        self.best_params, self.best_model_state = {}, {}
        self.loss_history, self.train_acc_history, self.val_acc_history, self.history = [], [], [], []
        self.test_acc = None
        self.stopped_early = False
        self.diverged = None  # the message, when training stopped at a NaN/inf loss
        self._epochs_without_improvement = 0
        self._order = None  # this epoch's permutation when shuffle=True

    def __repr__(self):
        rule = getattr(self.update_rule, "__name__", type(self.update_rule).__name__)
        return (f"Solver({type(self.model).__name__}, {self.X_train.shape[0]} training examples, update_rule={rule}, "
                f"learning_rate={self.learning_rate}, batch_size={self.batch_size}, num_epochs={self.num_epochs}; "
                f"iteration {self.iteration} of {self.num_iterations}, best_val_acc={self.best_val_acc:.4f})")

    @property
    def learning_rate(self):
        """The optimizer's current (base) learning rate."""
        return self.optimizer.learning_rate

    # ------------------------------------------------------------------ training

    def _step(self):
        """One minibatch: gather, augment, loss and gradients, update."""
        t = self.iteration
        if self.shuffle:
            i = t % self.iterations_per_epoch
            if i == 0 or self._order is None:
                self._order = self.rng.permutation(self.X_train.shape[0])
            idx = self._order[i * self.batch_size: (i + 1) * self.batch_size]
        else:
            idx = self.rng.integers(self.X_train.shape[0], size=self.batch_size)
        X_batch, y_batch = self.X_train[idx], self.y_train[idx]
        if self.augment is not None:
            if getattr(self.augment, "per_example", False):   # e.g. AlternatingFlip: which images, which epoch
                X_batch = self.augment(X_batch, self.rng, indices=idx, epoch=t // self.iterations_per_epoch)
            else:
                X_batch = self.augment(X_batch, self.rng)

        # A diverging loss overflows on its way to inf/NaN: the check below says so in one message,
        # instead of a cascade of NumPy warnings from the layers first.
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads = self.model.loss(X_batch, y_batch)
        loss = float(loss)
        factor = self.config.divergence_factor
        grew = factor is not None and self.loss_history and loss > factor * self.loss_history[0]
        if not math.isfinite(loss) or grew:
            what = f"{loss:.4g}, over {factor:g}x its first value {self.loss_history[0]:.4g}," if grew else loss
            raise DivergenceError(
                f"the training loss became {what} at iteration {t + 1} of {self.num_iterations} "
                f"(epoch {self.epoch + 1} of {self.num_epochs}) with learning rate {self.learning_rate}: "
                "training diverged. Lower the learning rate (try 10x smaller) or the weight scale, and "
                "check the inputs for NaN/inf.")
        self.loss_history.append(loss)
        self.optimizer.step(grads)

    def train(self):
        """Run the optimization (continuing from the current iteration after a resume)."""
        tracker = self.config.tracker
        owns_run = tracker is not None and tracker.start()  # else the caller opened the run and ends it
        if owns_run:
            tracker.log_params(self.tracked_params())
        progress = Progress(self.num_iterations, self.iteration, self.verbose, self.config.progress_bar,
                            self.print_every)
        self._clock = time.perf_counter()
        self._schedule_learning_rate()
        try:
            for t in range(self.iteration, self.num_iterations):
                if self.stopped_early:
                    break
                try:
                    self._step()
                except DivergenceError as exc:
                    if self.config.on_divergence == "raise":
                        raise
                    self.diverged = str(exc)
                    if self.verbose:
                        print(f"Stopped: {exc}", file=sys.stderr)
                    break
                self.iteration = t + 1
                self._schedule_learning_rate()
                progress.iteration(t, self.loss_history, self._accuracies())
                epoch_end = (t + 1) % self.iterations_per_epoch == 0
                self.epoch += epoch_end
                last = t + 1 == self.num_iterations
                if t == 0 or epoch_end or last:
                    self._evaluate(epoch_end, last, progress)
        except BaseException as exc:
            if owns_run:
                tracker.end(end_status(exc))
            raise
        finally:
            progress.close()
        self._finish()
        if owns_run:
            if self.checkpoint_name and self.iteration:
                for file in checkpoint_files(self.checkpoint_name):
                    tracker.log_artifact(file, "checkpoint")
            tracker.end("FAILED" if self.diverged else "FINISHED")

    def tracked_params(self) -> dict:
        """What a tracker records of this run: the Solver's arguments, the model and the data sizes."""
        params = {k: v for k, v in self.config.to_json(self.lr_schedule).items()
                  if k not in ("requires", "checkpoint_name", "verbose", "progress_bar", "print_every")}
        if params["update_rule"] is None:  # an optimizer object
            params["update_rule"] = type(self.update_rule).__name__
            params["optim_config"] = {"learning_rate": self.base_lr}
        params.update(model=type(self.model).__name__, seed=self.seed,
                      num_parameters=sum(int(np.size(v)) for v in self.model.params.values()),
                      num_train=self.X_train.shape[0], num_val=self.X_val.shape[0])
        if callable(getattr(self.model, "tracked_params", None)):  # a model may describe itself further
            params.update(self.model.tracked_params())
        return params

    def _schedule_learning_rate(self):
        """The learning rate of the next iteration (so after an epoch's last one, the decayed rate is seen)."""
        if self.lr_schedule is not None:
            t = self.iteration
            self.optimizer.learning_rate = self.lr_schedule(t, t // self.iterations_per_epoch, self.base_lr)

    def _accuracies(self):
        return (self.train_acc_history[-1], self.val_acc_history[-1]) if self.train_acc_history else None

    def _evaluate(self, epoch_end, last, progress):
        """Measure accuracies, track the best parameters, checkpoint, call back."""
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        improved = val_acc > self.best_val_acc
        if improved:
            self.best_val_acc = val_acc
            self.best_params = {k: np.array(v, copy=True) for k, v in self.model.params.items()}
            self.best_model_state = copy.deepcopy(model_state(self.model))  # batchnorm running statistics

        since = self.history[-1]["iteration"] if self.history else 0
        recent = self.loss_history[since:] or self.loss_history[-1:]
        now, lr = time.perf_counter(), self.learning_rate
        self.history.append({"epoch": self.epoch, "iteration": self.iteration, "loss": sum(recent) / len(recent),
                             "train_acc": train_acc, "val_acc": val_acc,
                             "lr": float(lr) if lr is not None else None, "seconds": now - self._clock})
        self._clock = now
        if self.config.tracker is not None:
            self.config.tracker.log_metrics(self.history[-1], step=self.iteration)
        progress.status(self.history[-1]["loss"], self._accuracies())
        progress.write(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")

        if self.patience is not None and epoch_end:
            self._epochs_without_improvement = 0 if improved else self._epochs_without_improvement + 1
            if self._epochs_without_improvement >= self.patience:
                self.stopped_early = True
                progress.write(f"Stopping early: no better validation accuracy for {self.patience} epoch(s); "
                               f"best {self.best_val_acc:f}")
        due = epoch_end and (self.epoch % self.checkpoint_every == 0 or self.stopped_early)
        if self.checkpoint_name and (due or last):
            self.save_checkpoint()
        if self.on_epoch_end is not None and epoch_end:
            self.on_epoch_end(self)

    def _finish(self):
        """Swap the best parameters into the model and evaluate on the test set."""
        if self.keep_best:
            for name, best in self.best_params.items():
                copy_into(self.model.params, name, best)
            restore_model_state(self.model, copy.deepcopy(self.best_model_state), "the best model state")
        if self.X_test is not None:
            self.test_acc = self.check_accuracy(self.X_test, self.y_test)
            if self.verbose:
                print(f"test acc: {self.test_acc:f}")
        if self.config.tracker is not None:
            self.config.tracker.log_metrics({"best_val_acc": self.best_val_acc, "test_acc": self.test_acc},
                                            step=self.iteration)

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
        return accuracy(self.model.loss, X, y, batch_size, where="check_accuracy")

    # ------------------------------------------------------------------ checkpoints

    # The bookkeeping a checkpoint stores as it is (loss_history goes as one float64 array).
    _COUNTERS = ("epoch", "iteration", "best_val_acc", "best_params", "best_model_state", "train_acc_history",
                 "val_acc_history", "history", "stopped_early", "_epochs_without_improvement", "_order")

    def state_dict(self) -> dict:
        """Everything needed to continue this run exactly (see :meth:`load_state_dict`)."""
        config = self.config.to_json(self.lr_schedule if self.config.lr_schedule is not None else None)
        config["seed"] = self.seed
        has_state = callable(getattr(self.optimizer, "state_dict", None))
        return {
            "config": config, "num_train": int(self.X_train.shape[0]),
            "base_lr": self.base_lr, "learning_rate": self.learning_rate,
            "params": dict(self.model.params), "model_state": model_state(self.model),
            "optimizer": self.optimizer.state_dict() if has_state else None,
            "loss_history": np.asarray(self.loss_history, dtype=np.float64),
            **{key.lstrip("_"): getattr(self, key) for key in self._COUNTERS},
            "rng": self.rng.bit_generator.state, "global_rng": np.random.get_state(legacy=False),
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
            raise CheckpointError(f"{source} was written for {state['num_train']} training examples but data has "
                                  f"{self.X_train.shape[0]}; resume with the same data")
        load_params(self.model, state["params"], source)
        restore_model_state(self.model, state["model_state"], source)
        if state["optimizer"] is not None:
            if not callable(getattr(self.optimizer, "load_state_dict", None)):
                raise CheckpointError(f"{source} holds optimizer state but the update_rule object has no "
                                      "load_state_dict()")
            self.optimizer.load_state_dict(state["optimizer"])
        if state["learning_rate"] is not None:
            self.optimizer.learning_rate = state["learning_rate"]
        self.base_lr = state["base_lr"]
        for key in self._COUNTERS:
            setattr(self, key, state.get(key.lstrip("_"), {}))  # best_model_state is absent from older checkpoints
        self.loss_history = state["loss_history"].tolist()
        if state["rng"]["bit_generator"] != type(self.rng.bit_generator).__name__:
            raise CheckpointError(f"{source} holds a {state['rng']['bit_generator']} generator state")
        self.rng.bit_generator.state = state["rng"]
        np.random.set_state(state["global_rng"])
        if self.optim_configs is not None:
            self.optim_configs = self.optimizer.configs

    @classmethod
    def resume(cls, path, model, data, **kwargs):
        """Rebuild the solver of checkpoint ``path`` around ``model`` and ``data``.

        The solver's configuration is read from the checkpoint; ``kwargs``
        override it (e.g. ``num_epochs`` to train longer, ``verbose``).  Later
        checkpoints replace ``path`` itself (checkpoints store no path, so a moved
        or copied run continues in its new place) unless ``checkpoint_name`` is
        given.  Code
        the original run was given (a callable ``update_rule``, ``augment``, a
        custom ``lr_schedule``) is not stored and must be passed again; so must
        ``on_epoch_end`` if it is still wanted.  Parameters, optimizer and model
        state, histories and RNG states are restored, so ``train()`` ends exactly
        as the uninterrupted run would have.
        """
        state, source = load_checkpoint(path), str(checkpoint_path(path))
        # Later checkpoints go where this one was read from, unless the caller says otherwise.
        kwargs.setdefault("checkpoint_name", str(checkpoint_path(path))[: -len(".json")])
        config = SolverConfig.for_resume(state["config"], kwargs, source)
        solver = cls(model, data, **config)
        solver.load_state_dict(state, source=source)
        return solver
