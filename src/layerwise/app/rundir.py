"""A training run's folder, and the only code that names the files in it.

    RUN_DIR/config.json        resolved config, data fingerprint, library versions (checksummed)
    RUN_DIR/metrics.jsonl      one JSON line per evaluation (a log for people and tools; never read back)
    RUN_DIR/checkpoint.json    resumable Solver checkpoint, with its checkpoint.arrays-*.npz
    RUN_DIR/model.npz          the best model (``layerwise.load_model``), checksummed
    RUN_DIR/summary.json       final accuracies and wall time (checksummed)
    RUN_DIR/report.html        one self-contained page; its plots also as RUN_DIR/*.png
    RUN_DIR/tracking.json      where the run is tracked (MLflow's store and run id), if it is

Every path is built from the folder the object was given, never from a path
stored in a file, so a run directory can be moved or copied and resumed,
evaluated or predicted with from anywhere.  Every file is written atomically,
and every file read back is verified first (a SHA-256 inside it): a damaged
or edited file is a one-line error naming it, never silently used.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path

from ..checkpoint import checkpoint_path, load_verified_json, save_verified_json
from ..fileio import atomic_write_bytes, json_ready
from ..saving import MODEL_FILE, load_model

__all__ = ["RunDirectory"]


class RunDirectory:
    """The folder ``path`` of one run; see the module docstring for its files."""

    CONFIG, METRICS, SUMMARY, REPORT, MODEL = "config.json", "metrics.jsonl", "summary.json", "report.html", MODEL_FILE
    TRACKING = "tracking.json"

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDirectory({str(self.path)!r})"

    def __str__(self) -> str:
        return str(self.path)

    def __fspath__(self) -> str:
        return str(self.path)

    # ---------------------------------------------------------------- making and finding runs

    @classmethod
    def unused(cls, out_dir, name: str) -> "RunDirectory":
        """``OUT_DIR/NAME``, or ``NAME-2``, ``NAME-3``... if that is taken; not created yet (see :meth:`create`)."""
        path, suffix = Path(out_dir) / name, 1
        while path.exists():
            suffix += 1
            path = Path(out_dir) / f"{name}-{suffix}"
        return cls(path)

    def create(self, config: dict) -> None:
        """Make the folder (it must not exist) with ``config.json`` in it, atomically: a process killed
        meanwhile leaves no folder at all, never one that is not a run directory."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):   # left by a killed process
            shutil.rmtree(stale, ignore_errors=True)
        staging = self.path.parent / f".{self.path.name}.{secrets.token_hex(4)}.tmp"
        staging.mkdir()
        try:
            save_verified_json(staging / self.CONFIG, config)
            if self.path.exists():
                raise FileExistsError(f"{self.path} exists already; choose another run name")
            os.rename(staging, self.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    @classmethod
    def open(cls, path) -> "RunDirectory":
        """The existing run directory ``path``; a folder without ``config.json`` is refused."""
        run = cls(path)
        if not run.file(cls.CONFIG).is_file():
            raise FileNotFoundError(f"{run.path} is not a run directory: {run.file(cls.CONFIG)} is missing")
        return run

    def file(self, name: str) -> Path:
        """The path of ``name`` in this run directory (plots and other files without an accessor of their own)."""
        return self.path / name

    # ---------------------------------------------------------------- the files

    def read_config(self) -> dict:
        """``config.json``, verified."""
        return load_verified_json(self.file(self.CONFIG))

    @property
    def checkpoint(self) -> Path:
        """The checkpoint's name (``RUN_DIR/checkpoint``), as :class:`~layerwise.solver.Solver` takes it."""
        return self.path / "checkpoint"

    def has_checkpoint(self) -> bool:
        return checkpoint_path(self.checkpoint).is_file()

    def write_metrics(self, history: list) -> None:
        """All of ``history`` (the Solver's one dict per evaluation) as ``metrics.jsonl``, atomically."""
        lines = "".join(json.dumps(json_ready(entry)) + "\n" for entry in history)
        atomic_write_bytes(self.file(self.METRICS), lines.encode())

    def save_model(self, model, preprocessing: dict) -> None:
        model.save(self.file(self.MODEL), preprocessing=preprocessing)

    def load_model(self):
        """The run's best model, verified; a run that has not finished says how to finish it."""
        if not self.file(self.MODEL).is_file():
            raise FileNotFoundError(f"{self.file(self.MODEL)} is missing: the run has not finished "
                                    f"(`layerwise resume {self.path}` finishes it)")
        return load_model(self.file(self.MODEL))

    def write_summary(self, summary: dict) -> None:
        save_verified_json(self.file(self.SUMMARY), summary)

    def read_summary(self) -> dict:
        """``summary.json``, verified."""
        return load_verified_json(self.file(self.SUMMARY))

    def finished(self) -> bool:
        return self.file(self.SUMMARY).is_file() and self.file(self.MODEL).is_file()

    def write_tracking(self, tracking: dict) -> None:
        """``tracking.json``: where the run is tracked (``{'tracker', 'tracking_uri', 'run_id'}``)."""
        save_verified_json(self.file(self.TRACKING), tracking)

    def read_tracking(self):
        """``tracking.json``, verified, or None for a run that is not tracked."""
        return load_verified_json(self.file(self.TRACKING)) if self.file(self.TRACKING).is_file() else None

    def write_report(self, page: str) -> Path:
        return atomic_write_bytes(self.file(self.REPORT), page.encode())

    def remove_temporaries(self) -> list:
        """Delete the half-written temporary files a killed process left (each write is atomic, so they
        are never needed); return their names."""
        stray = sorted(self.path.glob(".*.tmp"))
        for path in stray:
            path.unlink()
        return [p.name for p in stray]

    @staticmethod
    def default_name(dataset: str, model: str) -> str:
        return time.strftime(f"{dataset}-{model}-%Y%m%d-%H%M%S")
