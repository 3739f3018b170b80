"""Hyperparameter sweeps over TrainConfig keys: random, grid or TPE search with Optuna, resumable.

    layerwise sweep --config SWEEP_FILE [--workers N] [--trials N] [--storage URL] [--ray-address ADDR]

A sweep file (YAML, TOML or JSON) names the runs to try::

    name: digits-adam          # study name and folder (default: the file's name without suffix)
    out_dir: sweeps            # the sweep writes OUT_DIR/NAME/ (default: sweeps)
    method: tpe                # random | grid | tpe (Optuna's samplers)
    trials: 20                 # trials to finish in all (grid: default and maximum, the grid's size)
    metric: best_val_acc       # what the search maximizes
    seed: 0                    # seed of the sampler
    base:                      # TrainConfig keys every trial shares
      dataset: digits
      num_epochs: 5
    search:                    # TrainConfig keys to search, one distribution each
      learning_rate: {type: loguniform, low: 1.0e-4, high: 1.0e-2}
      dropout_keep_ratio: {type: uniform, low: 0.5, high: 1.0}
      batch_size: {type: int, low: 32, high: 256, step: 32}
      hidden_dims: {type: choice, values: [[64], [128, 64]]}

``uniform`` and ``loguniform`` take ``low < high`` (``num: K`` gives a grid
search K points from low to high, evenly spaced or log-spaced); ``int`` takes
``low <= high`` and optionally ``step`` or ``log: true``; ``choice`` takes a
list of ``values`` (numbers, strings, null or lists).

Every trial is an ordinary training run (:func:`~layerwise.app.runs.train_run`)
whose run directory is ``OUT_DIR/NAME/trial-NNNN``; a trial whose loss
diverges scores 0.  Trials are recorded in an Optuna study stored in
``OUT_DIR/NAME/study.db`` (SQLite; ``--storage`` names another database), so
running the same command again after a stop continues the sweep until
``trials`` trials have finished; a trial the stop interrupted is shown as
``interrupted`` and runs again with the same values, resuming its run
directory from its last checkpoint.  ``--workers N`` runs N processes on this
machine, each asking the shared study for its next trial (their BLAS
libraries limited to one thread each); ``--ray-address`` runs the trials as
tasks on a Ray cluster, which must be able to reach the storage (a shared
file system for SQLite, or a database server URL).  Each finished trial is
one line ending with the sweep's progress (``[4/20 done, 2 running, best
0.9300 (trial 1), ETA 1:05]``; a bar too, on a terminal).  At the end the
sweep prints a table of the trials and the best configuration, written to
``OUT_DIR/NAME/best_config.json`` for ``layerwise train --config``, and
writes ``OUT_DIR/NAME/report.html`` (Optuna's optimization history and
parameter importances, and the trials); ``optuna-dashboard STORAGE_URL``
browses the study, live while it runs.

Needs Optuna (``pip install 'layerwise[sweep]'``) and, for ``--ray-address``,
Ray (``pip install 'layerwise[ray]'``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import io
import json
import math
import os
import re
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..checks import is_integer
from .config import ConfigError, TrainConfig, config_from_dict, read_mapping
from .sweep_report import SweepMonitor, report, retried_trials, stable_enough

__all__ = ["SweepError", "Dimension", "SweepSpec", "load_sweep", "sweep_from_dict", "run_sweep",
           "add_parser", "run", "main"]

METHODS = ("random", "grid", "tpe")
METRICS = ("best_val_acc",)              # all maximized
_TYPE_KEYS = {"loguniform": {"low", "high", "num"}, "uniform": {"low", "high", "num"},
              "int": {"low", "high", "step", "log"}, "choice": {"values"}}
_TOP_KEYS = ("name", "out_dir", "method", "trials", "metric", "seed", "base", "search")
_RESERVED = ("out_dir", "name")          # set by the sweep for every trial
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                     "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
_SPEC_ATTR = "layerwise_sweep"           # study user attribute: what the study searches


class SweepError(ConfigError):
    """A sweep file or sweep option is invalid, or the study does not match the sweep file."""


# --------------------------------------------------------------------------- the sweep file

def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_scalar(v) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


@dataclass(frozen=True)
class Dimension:
    """One searched TrainConfig key and its distribution."""

    key: str
    type: str
    low: float | None = None
    high: float | None = None
    step: int | None = None
    log: bool = False
    num: int | None = None
    values: tuple = ()

    @property
    def encoded(self) -> bool:
        """Optuna's categorical values are scalars: lists (e.g. hidden_dims) are passed as JSON text."""
        return self.type == "choice" and not all(_is_scalar(v) for v in self.values)

    def _encode(self, value):
        return json.dumps(value) if self.encoded else value

    def decode(self, value):
        """The TrainConfig value of an Optuna parameter value."""
        return json.loads(value) if self.encoded else value

    def suggest(self, trial):
        """Ask an Optuna trial for this key's value (decoded)."""
        if self.type in ("uniform", "loguniform"):
            return trial.suggest_float(self.key, self.low, self.high, log=self.type == "loguniform")
        if self.type == "int":
            return trial.suggest_int(self.key, self.low, self.high, step=self.step or 1, log=self.log)
        return self.decode(trial.suggest_categorical(self.key, [self._encode(v) for v in self.values]))

    def grid(self) -> list:
        """The values a grid search tries (as Optuna sees them)."""
        if self.type == "choice":
            return [self._encode(v) for v in self.values]
        if self.type == "int":
            return list(range(self.low, self.high + 1, self.step or 1))
        if self.num is None:
            raise SweepError(f"search: {self.key}: grid search needs a finite set of values: add 'num: K' "
                             f"(K points from low to high) or use type 'choice' with 'values'")
        if self.num == 1:
            return [float(self.low)]
        if self.type == "loguniform":
            ratio = (self.high / self.low) ** (1 / (self.num - 1))
            points = [self.low * ratio ** i for i in range(self.num)]
        else:
            points = [self.low + (self.high - self.low) * i / (self.num - 1) for i in range(self.num)]
        points[-1] = self.high               # exactly, whatever the rounding
        return [float(p) for p in points]

    def candidates(self) -> list:
        """Values whose TrainConfig types are checked when the sweep file is read."""
        if self.type == "choice":
            return list(self.values)
        return [self.low, self.high]


def _dimension(key: str, spec, where: str) -> Dimension:
    if not isinstance(spec, dict):
        raise SweepError(f"{where}: {key}: expected a mapping such as {{type: loguniform, low: 1.0e-4, high: 1.0e-2}}, "
                         f"got {spec!r}")
    kind = spec.get("type")
    if kind not in _TYPE_KEYS:
        raise SweepError(f"{where}: {key}: type must be one of {', '.join(_TYPE_KEYS)}; got {kind!r}")
    unknown = sorted(set(spec) - _TYPE_KEYS[kind] - {"type"})
    if unknown:
        raise SweepError(f"{where}: {key}: unknown option(s) {', '.join(map(repr, unknown))} for type {kind}; "
                         f"it takes {', '.join(sorted(_TYPE_KEYS[kind]))}")
    if kind == "choice":
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise SweepError(f"{where}: {key}: choice needs a non-empty list 'values', got {values!r}")
        return Dimension(key, kind, values=tuple(values))

    missing = [k for k in ("low", "high") if k not in spec]
    if missing:
        raise SweepError(f"{where}: {key}: type {kind} needs {' and '.join(missing)}")
    low, high = spec["low"], spec["high"]
    for name, value in (("low", low), ("high", high)):
        if not _is_number(value):
            hint = " (write numbers without quotes)" if isinstance(value, str) else ""
            raise SweepError(f"{where}: {key}: {name} must be a number, got {value!r}{hint}")
    if kind == "int":
        step, log = spec.get("step"), spec.get("log", False)
        if not (is_integer(low) and is_integer(high)) or low > high:
            raise SweepError(f"{where}: {key}: type int needs integers low <= high, got low={low!r}, high={high!r}")
        if step is not None and not (is_integer(step) and step >= 1):
            raise SweepError(f"{where}: {key}: step must be a positive integer, got {step!r}")
        if not isinstance(log, bool) or (log and (low < 1 or (step or 1) != 1)):
            raise SweepError(f"{where}: {key}: log must be true or false, and log: true needs low >= 1 and no step; "
                             f"got log={log!r}, low={low!r}, step={step!r}")
        return Dimension(key, kind, low=low, high=high, step=step, log=log)
    if not low < high:
        raise SweepError(f"{where}: {key}: {kind} needs low < high, got low={low!r}, high={high!r}")
    if kind == "loguniform" and low <= 0:
        raise SweepError(f"{where}: {key}: loguniform needs low > 0, got {low!r}")
    num = spec.get("num")
    if num is not None and not (is_integer(num) and num >= 1):
        raise SweepError(f"{where}: {key}: num (grid points) must be a positive integer, got {num!r}")
    return Dimension(key, kind, low=float(low), high=float(high), num=num)


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file; see the module docstring for its keys."""

    name: str
    out_dir: str = "sweeps"
    method: str = "tpe"
    trials: int | None = None
    metric: str = "best_val_acc"
    seed: int = 0
    base: dict = dataclasses.field(default_factory=dict)
    search: tuple = ()

    @property
    def directory(self) -> Path:
        return Path(self.out_dir) / self.name

    @property
    def default_storage(self) -> str:
        return f"sqlite:///{(self.directory / 'study.db').resolve()}"

    def grid_size(self) -> int:
        return math.prod(len(d.grid()) for d in self.search)

    def fingerprint(self) -> str:
        """What defines the study's trials (not how many, nor the sampler's seed): stored with the study."""
        return json.dumps({"base": self.base, "search": [dataclasses.asdict(d) for d in self.search],
                           "method": self.method, "metric": self.metric}, sort_keys=True, default=list)

    def trial_config(self, params: dict, **extra) -> TrainConfig:
        """The TrainConfig of a trial: ``base``, then the searched ``params`` (decoded), then ``extra``."""
        return config_from_dict({**self.base, **params, **extra})


def sweep_from_dict(values, default_name: str = "sweep", where: str = "sweep file") -> SweepSpec:
    """Validate a sweep mapping; every problem is a one-line :class:`SweepError` naming the key."""
    if not isinstance(values, dict):
        raise SweepError(f"{where} must hold a mapping (name, method, trials, base, search, ...), "
                         f"got {type(values).__name__}")
    unknown = [k for k in values if k not in _TOP_KEYS]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), _TOP_KEYS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SweepError(f"{where}: unknown key {unknown[0]!r}{hint}; known keys: {', '.join(_TOP_KEYS)}")

    name = values.get("name", default_name)
    if not isinstance(name, str) or not _NAME.match(name):
        raise SweepError(f"{where}: name must be letters, digits, '.', '_' or '-' (it names a folder), got {name!r}")
    out_dir = values.get("out_dir", "sweeps")
    if not isinstance(out_dir, str) or not out_dir:
        raise SweepError(f"{where}: out_dir must be a folder path, got {out_dir!r}")
    method = values.get("method", "tpe")
    if method not in METHODS:
        raise SweepError(f"{where}: method must be one of {', '.join(METHODS)}; got {method!r}")
    metric = values.get("metric", "best_val_acc")
    if metric not in METRICS:
        raise SweepError(f"{where}: metric must be one of {', '.join(METRICS)} (maximized); got {metric!r}")
    seed = values.get("seed", 0)
    if not (is_integer(seed) and seed >= 0):
        raise SweepError(f"{where}: seed must be a non-negative integer, got {seed!r}")
    trials = values.get("trials")
    if trials is not None and not (is_integer(trials) and trials >= 1):
        raise SweepError(f"{where}: trials must be a positive integer, got {trials!r}")
    if trials is None and method != "grid":
        raise SweepError(f"{where}: trials is required for method {method} (how many trials to run in all)")

    base = values.get("base") or {}
    if not isinstance(base, dict):
        raise SweepError(f"{where}: base must be a mapping of TrainConfig keys, got {base!r}")
    search = values.get("search")
    if not isinstance(search, dict) or not search:
        raise SweepError(f"{where}: search must be a non-empty mapping of TrainConfig keys to distributions, "
                         f"e.g. learning_rate: {{type: loguniform, low: 1.0e-4, high: 1.0e-2}}")
    for section, keys in (("base", base), ("search", search)):
        reserved = [k for k in keys if k in _RESERVED]
        if reserved:
            raise SweepError(f"{where}: {section}: {reserved[0]!r} is set by the sweep (trials are "
                             f"OUT_DIR/NAME/trial-NNNN); set out_dir and name at the top level of the sweep file")
    try:
        base_config = config_from_dict(base)
    except ConfigError as exc:
        raise SweepError(f"{where}: base: {exc}") from None
    dimensions = tuple(_dimension(str(key), spec, f"{where}: search") for key, spec in search.items())
    for d in dimensions:                   # every value the search may produce must fit the TrainConfig field
        for value in d.candidates():
            try:
                config_from_dict({d.key: value}, base=base_config)
            except ConfigError as exc:
                raise SweepError(f"{where}: search: {d.key}: {exc}") from None

    spec = SweepSpec(name=name, out_dir=out_dir, method=method, trials=trials, metric=metric, seed=seed,
                     base=dict(base), search=dimensions)
    if method == "grid":
        try:
            spec.grid_size()
        except SweepError as exc:
            raise SweepError(f"{where}: {exc}") from None
    return spec


def load_sweep(path) -> SweepSpec:
    """Read and validate a sweep file (its name defaults to the file's stem)."""
    path = Path(path)
    return sweep_from_dict(read_mapping(path, "sweep file"), default_name=path.stem, where=f"sweep file {path}")


# --------------------------------------------------------------------------- running trials

def _import_optuna():
    try:
        import optuna
    except ImportError:
        raise ImportError("layerwise sweep needs Optuna: pip install 'layerwise[sweep]' "
                          "(or pip install optuna)") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)   # the sweep prints its own lines
    return optuna


def _storage(optuna, url: str, heartbeat: bool = True):
    """Optuna's RDB storage; heartbeats let a later run mark trials of a killed process (on any machine) as
    failed, and each such trial is queued again, to resume its run directory (:func:`_retry`).  A storage
    that only reads (the progress monitor's) needs none."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with stable_enough(optuna):
            # SQLite: wait for another worker's write lock instead of failing after 5 s
            engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None
            beats = dict(heartbeat_interval=30, grace_period=90, heartbeat_stale_trial_callback=_retry(optuna))
            return optuna.storages.RDBStorage(url, engine_kwargs=engine, **(beats if heartbeat else {}))
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SweepError(f"cannot open the study storage {url}: {first}") from None


def _retry(optuna):
    """The callback that queues an interrupted trial again with its parameters (at most twice)."""
    with stable_enough(optuna):
        return optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=2)


def _resumed_trial(optuna, trial):
    """The number of the interrupted trial the running ``trial`` runs again, or None."""
    frozen = trial.study._storage.get_trial(trial._trial_id)
    with stable_enough(optuna):
        return optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:        # another user's process
        return True
    return True


def _requeue_interrupted(optuna, study) -> None:
    """Queue again, once, each trial that was interrupted: stopped by Ctrl-C, or still 'running' although its
    process on this machine is gone (killed), which is failed first -- at once rather than after the
    heartbeat's grace period, which covers trials of other machines."""
    host, states = socket.gethostname(), optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    retried = retried_trials(optuna, trials)
    for trial in trials:
        pid = trial.user_attrs.get("pid")
        killed = (trial.state == states.RUNNING and trial.user_attrs.get("host") == host and isinstance(pid, int)
                  and not _alive(pid))
        if killed:
            try:
                study._storage.set_trial_state_values(trial._trial_id, state=states.FAIL)
            except optuna.exceptions.UpdateFinishedTrialError:
                continue                                   # another process got there first
        elif not (trial.state == states.FAIL and trial.user_attrs.get("interrupted")) or trial.number in retried:
            continue
        _retry(optuna)(study, study._storage.get_trial(trial._trial_id))


def _sampler(optuna, spec: SweepSpec, seed: int):
    if spec.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if spec.method == "grid":
        return optuna.samplers.GridSampler({d.key: d.grid() for d in spec.search}, seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _worker_seed(spec: SweepSpec, worker: int, started: int) -> int:
    """Distinct sampler seeds for parallel workers and for each resumption of the sweep (``started``: the
    trials in the study so far, finished or not, so that a sweep stopped mid-trial does not repeat its draws)."""
    import numpy as np
    return int(np.random.SeedSequence([spec.seed, worker, started]).generate_state(1)[0])


def _objective(optuna, spec: SweepSpec):
    from ..solver import DivergenceError
    from .rundir import RunDirectory
    from .runs import resume_run, train_run

    def objective(trial):
        params = {d.key: d.suggest(trial) for d in spec.search}
        resumed = _resumed_trial(optuna, trial)
        name = f"trial-{trial.number if resumed is None else resumed:04d}"
        config = spec.trial_config(params, out_dir=str(spec.directory), name=name)
        trial.set_user_attr("pid", os.getpid())           # so that a later sweep can tell it was killed
        trial.set_user_attr("host", socket.gethostname())
        trial.set_user_attr("interrupted", False)
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(io.StringIO()):   # the sweep prints one line per trial instead
                if resumed is not None and (spec.directory / name / RunDirectory.CONFIG).is_file():
                    run_dir = resume_run(spec.directory / name, verbose=False)
                else:
                    run_dir = train_run(config, verbose=False)
            value = float(RunDirectory.open(run_dir).read_summary()[spec.metric])
        except DivergenceError as exc:
            run_dir, value = spec.directory / name, 0.0
            trial.set_user_attr("diverged", str(exc).splitlines()[0])
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)     # the next sweep resumes it
            raise
        trial.set_user_attr("run_dir", str(run_dir))
        trial.set_user_attr("seconds", time.perf_counter() - start)
        return value            # the sweep's monitor reports the trial, wherever it ran
    return objective


def _optimize(spec: SweepSpec, storage_url: str, n_trials: int, seed: int) -> int:
    """Run ``n_trials`` trials of the study in this process (a worker, a Ray task or the sweep itself)."""
    optuna = _import_optuna()
    optuna.logging.set_verbosity(optuna.logging.ERROR)   # the sweep's monitor prints a line per trial
    study = optuna.load_study(study_name=spec.name, storage=_storage(optuna, storage_url),
                              sampler=_sampler(optuna, spec, seed))
    study.optimize(_objective(optuna, spec), n_trials=n_trials)
    return n_trials


@contextlib.contextmanager
def _one_blas_thread():
    """Child processes started inside this block use one BLAS/OpenMP thread each (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in _BLAS_THREAD_VARS}
    os.environ.update({k: "1" for k in _BLAS_THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_processes(spec: SweepSpec, storage_url: str, remaining: int, workers: int, started: int) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    shares = [remaining // workers + (i < remaining % workers) for i in range(workers)]
    # spawn: fresh interpreters that read the thread limits before NumPy loads, and no
    # database connections inherited from this process.
    with _one_blas_thread(), ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(_optimize, spec, storage_url, n, _worker_seed(spec, i, started))
                   for i, n in enumerate(shares) if n]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()                 # re-raise a worker's error here


def _die_with_parent(parent_pid: int) -> None:
    """In a worker: exit as soon as the sweep that started it is gone (killed, even by SIGKILL), instead
    of finishing the remaining trials for nobody."""
    import threading

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _run_ray(spec: SweepSpec, storage_url: str, remaining: int, address: str, started: int) -> None:
    try:
        import ray
    except ImportError:
        raise ImportError("--ray-address needs Ray: pip install 'layerwise[ray]' (or pip install ray)") from None
    _connect_ray(ray, address)
    task = ray.remote(num_cpus=1)(_optimize)          # Ray limits each task to one thread (OMP_NUM_THREADS=1)
    ray.get([task.remote(spec, storage_url, 1, _worker_seed(spec, i, started)) for i in range(remaining)])


_RAY_CONNECT_ATTEMPTS = 3


def _connect_ray(ray, address: str) -> None:
    """``ray.init(address)``, tried again when a ``ray://`` client connection is refused.

    Ray's client proxy starts one server process per client; when that process
    fails to start, ``ray.init`` raises ConnectionError although the next
    attempt usually succeeds.
    """
    for attempt in range(1, _RAY_CONNECT_ATTEMPTS + 1):
        try:
            ray.init(address=address, ignore_reinit_error=True, logging_level="WARNING")  # the monitor reports trials
            return
        except ConnectionError as error:
            ray.shutdown()
            if attempt == _RAY_CONNECT_ATTEMPTS or not address.startswith("ray://"):
                raise SweepError(f"could not connect to Ray at {address} ({error}); check that the cluster is up "
                                 f"(ray status) and that the address is its client address") from error
            time.sleep(2.0 * attempt)


def _open_study(optuna, spec: SweepSpec, storage_url: str):
    """Create the study, or load it and check that it was created from the same sweep."""
    study = optuna.create_study(study_name=spec.name, storage=_storage(optuna, storage_url), direction="maximize",
                                load_if_exists=True)
    recorded = study.user_attrs.get(_SPEC_ATTR)
    if recorded is None:
        study.set_user_attr(_SPEC_ATTR, spec.fingerprint())
    elif recorded != spec.fingerprint():
        old, new = json.loads(recorded), json.loads(spec.fingerprint())
        changed = ", ".join(k for k in new if old.get(k) != new[k])
        raise SweepError(f"study {spec.name!r} in {storage_url} was created from a different sweep "
                         f"(changed: {changed}); give the sweep a new name, or delete {spec.directory} to start over")
    with stable_enough(optuna):
        optuna.storages.fail_stale_trials(study)      # trials of a killed sweep stay 'running' otherwise
    _requeue_interrupted(optuna, study)
    return study


def _completed(optuna, study) -> list:
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def run_sweep(spec: SweepSpec, workers: int = 1, trials: int | None = None, storage: str | None = None,
              ray_address: str | None = None, monitor_interval: float = 1.0):
    """Run (or continue) the sweep until ``trials`` (default ``spec.trials``) trials have finished.

    Returns the Optuna study.  Trials already finished in the study's storage
    count: a stopped sweep resumes where it was.  While trials run, the study
    is read every ``monitor_interval`` seconds to show the sweep's progress
    (:class:`~layerwise.app.sweep_report.SweepMonitor`); at the end its table
    of trials is printed and ``OUT_DIR/NAME/report.html`` written.
    """
    if not (is_integer(workers) and workers >= 1):
        raise SweepError(f"--workers must be a positive integer, got {workers!r}")
    if trials is not None and not (is_integer(trials) and trials >= 1):
        raise SweepError(f"--trials must be a positive integer, got {trials!r}")
    optuna = _import_optuna()
    storage_url = storage or spec.default_storage
    if storage is None:                      # the default SQLite file lives in the sweep's folder
        spec.directory.mkdir(parents=True, exist_ok=True)
    study = _open_study(optuna, spec, storage_url)
    spec.directory.mkdir(parents=True, exist_ok=True)   # made once the storage has opened

    target = trials or spec.trials
    if spec.method == "grid":
        target = min(target or spec.grid_size(), spec.grid_size())
    finished = len(_completed(optuna, study))
    remaining = max(target - finished, 0)
    where = f"on Ray at {ray_address}" if ray_address else f"in {min(workers, remaining) or 1} process(es)"
    print(f"sweep {spec.name!r} ({spec.method}, maximizing {spec.metric}): {finished} of {target} trials finished; "
          f"running {remaining} {where}\n  study: {storage_url}\n  runs:  {spec.directory}", flush=True)
    started = len(study.get_trials(deepcopy=False))
    if remaining:
        def open_study():
            return optuna.load_study(study_name=spec.name, storage=_storage(optuna, storage_url, heartbeat=False))
        with SweepMonitor(open_study, optuna, spec, target, interval=monitor_interval):
            if ray_address:       # tasks run elsewhere, in another working directory
                absolute = dataclasses.replace(spec, out_dir=str(Path(spec.out_dir).resolve()))
                _run_ray(absolute, storage_url, remaining, ray_address, started)
            elif workers == 1 or remaining == 1:
                _optimize(spec, storage_url, remaining, _worker_seed(spec, 0, started))
            else:
                _run_processes(spec, storage_url, remaining, min(workers, remaining), started)
    study = optuna.load_study(study_name=spec.name, storage=_storage(optuna, storage_url))
    report(optuna, study, spec, storage_url)
    return study


# --------------------------------------------------------------------------- command line

def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, metavar="SWEEP_FILE", help="YAML, TOML or JSON sweep file")
    parser.add_argument("--workers", type=int, default=1, help="parallel worker processes on this machine (default 1)")
    parser.add_argument("--trials", type=int, default=None, help="trials to finish in all (overrides the file)")
    parser.add_argument("--storage", default=None,
                        help="Optuna storage URL (default: sqlite:///OUT_DIR/NAME/study.db)")
    parser.add_argument("--ray-address", dest="ray_address", default=None,
                        help="run the trials on this Ray cluster (e.g. auto or ray://host:10001)")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` command to the ``layerwise`` command line's subparsers."""
    parser = subparsers.add_parser("sweep", help="hyperparameter search (random, grid or TPE), resumable",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def run(args) -> int:
    """Run the sweep ``args`` describe; bad input is one line on stderr and exit status 2."""
    try:
        spec = load_sweep(args.config)
        study = run_sweep(spec, workers=args.workers, trials=args.trials, storage=args.storage,
                          ray_address=args.ray_address)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        print(f"layerwise sweep: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to continue the sweep", file=sys.stderr)
        return 130
    complete = [t for t in study.get_trials(deepcopy=False) if t.value is not None]
    return 0 if complete else 1


def main(argv=None) -> int:
    """``python -m layerwise.app.sweep --config SWEEP_FILE ...`` (same as ``layerwise sweep``)."""
    parser = argparse.ArgumentParser(prog="layerwise sweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
