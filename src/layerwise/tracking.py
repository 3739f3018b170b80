"""Experiment tracking: a training run logged to MLflow.

``Solver(..., tracker=MLflowTracker())``, ``train_net(..., tracker=...)`` and
``layerwise train --track mlflow`` log a run's parameters, its metrics after
every epoch (``loss``, ``train_acc``, ``val_acc``, ``lr``, stepped by
iteration) and its artifacts (checkpoint, model, report).  MLflow is an
optional extra (``pip install 'layerwise[mlflow]'``); by default it writes to a
local SQLite database, so no server is needed::

    tracker = MLflowTracker(experiment="cifar10", tracking_uri="sqlite:///runs/mlflow.db")
    Solver(model, data, tracker=tracker).train()
    # then: mlflow ui --backend-store-uri sqlite:///runs/mlflow.db

A tracker is any object with the five methods below, so another tool can stand
in for MLflow.  Whoever calls :meth:`start` first owns the run: the Solver
starts and ends it unless the caller already did (``with tracker:``), which
lets the command line add its files after training.
"""

from __future__ import annotations

import math
import numbers
import os
import time
from pathlib import Path

__all__ = ["MLflowTracker", "default_tracking_uri", "flatten_params"]

#: MLflow refuses longer parameter values.
MAX_PARAM_LENGTH = 6000
#: The folder beside a SQLite store that holds the tracked runs' artifacts (copies of run directories).
ARTIFACTS_FOLDER = "mlartifacts"


def default_tracking_uri(folder="runs") -> str:
    """``$MLFLOW_TRACKING_URI`` if set, else a SQLite database ``folder/mlflow.db``."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(Path(folder) / 'mlflow.db').resolve()}"


def flatten_params(params: dict, prefix: str = "") -> dict:
    """``{'optim_config': {'learning_rate': 1e-3}}`` -> ``{'optim_config.learning_rate': '0.001'}``;
    None values are left out, everything else becomes a string no longer than MLflow accepts."""
    flat = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_params(value, f"{name}."))
        elif value is not None:
            flat[name] = str(value)[:MAX_PARAM_LENGTH]
    return flat


class MLflowTracker:
    """Log one run to MLflow through its client (no global active run is touched).

    Args:
        experiment: MLflow experiment name, created on first use.
        tracking_uri: where MLflow stores runs (default :func:`default_tracking_uri`);
            artifacts of a new experiment go to ``mlartifacts/`` beside a SQLite database.
        run_name: the run's name in the MLflow UI (default: MLflow's).
        run_id: continue this existing run instead of creating one (a resumed training run).
        tags: extra tags of the run.
    """

    def __init__(self, experiment="layerwise", tracking_uri=None, run_name=None, run_id=None, tags=None):
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise ImportError("tracking needs MLflow: pip install 'layerwise[mlflow]'") from None
        self.experiment, self.run_name, self.tags = experiment, run_name, dict(tags or {})
        self.tracking_uri = tracking_uri or default_tracking_uri()
        self.client = MlflowClient(self.tracking_uri)
        self.run_id = run_id
        self._open = False

    # The tracker protocol: start, log_params, log_metrics, log_artifact, end.

    def start(self) -> bool:
        """Open the run (create it, or reopen ``run_id``); False if it is already open."""
        if self._open:
            return False
        if self.run_id is None:
            run = self.client.create_run(self._experiment_id(), run_name=self.run_name, tags=self.tags)
            self.run_id = run.info.run_id
        else:
            self.client.update_run(self.run_id, status="RUNNING")
        self._open = True
        return True

    def log_params(self, params: dict) -> None:
        """Log ``params`` (nested dicts flattened with dots) once; a value never changes after that."""
        from mlflow.entities import Param

        logged = self.client.get_run(self.run_id).data.params
        fresh = [Param(k, v) for k, v in flatten_params(params).items() if k not in logged]
        for i in range(0, len(fresh), 100):  # MLflow takes at most 100 parameters per batch
            self.client.log_batch(self.run_id, params=fresh[i:i + 100])

    def log_metrics(self, metrics: dict, step: int) -> None:
        """Log the finite numbers of ``metrics`` at ``step``."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        values = [Metric(k, float(v), now, int(step)) for k, v in metrics.items()
                  if isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)]
        if values:
            self.client.log_batch(self.run_id, metrics=values)

    def log_artifact(self, path, artifact_path=None) -> None:
        """Copy the file or folder ``path`` into the run's artifacts."""
        path = Path(path)
        if path.is_dir():
            self.client.log_artifacts(self.run_id, str(path), artifact_path)
        else:
            self.client.log_artifact(self.run_id, str(path), artifact_path)

    def end(self, status="FINISHED") -> None:
        """Close the run as ``'FINISHED'``, ``'FAILED'`` or ``'KILLED'`` (interrupted)."""
        if self._open:
            self.client.set_terminated(self.run_id, status=status)
            self._open = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, kind, exc, traceback):
        self.end(end_status(exc))
        return False

    def _experiment_id(self) -> str:
        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        location = None
        if self.tracking_uri.startswith("sqlite:///"):  # artifacts beside the database, not in the cwd
            location = (Path(self.tracking_uri[len("sqlite:///"):]).parent / ARTIFACTS_FOLDER).resolve().as_uri()
        return self.client.create_experiment(self.experiment, artifact_location=location)

    def __repr__(self):
        return f"MLflowTracker(experiment={self.experiment!r}, tracking_uri={self.tracking_uri!r}, run_id={self.run_id!r})"


def end_status(exc) -> str:
    """The status a run ends with after ``exc`` (None: it finished)."""
    if exc is None:
        return "FINISHED"
    return "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
