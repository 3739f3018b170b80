"""Pieces shared by the classic experiments: options, data, one Solver run, tables, plots, results.

Each experiment builds models from :mod:`layerwise.classifiers` and trains
them with :class:`~layerwise.solver.Solver`; nothing here is a training loop.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..data import load_splits
from ..fileio import atomic_write_json
from ..solver import Solver

DATASETS = ("digits", "cifar10")


class ExperimentParser(argparse.ArgumentParser):
    """An argument parser whose ``parse_args`` also makes ``args.out`` a created folder (a ``Path``).

    Every experiment draws its figures with :mod:`layerwise.vis`, so parsing
    refuses, before any training, a Python without matplotlib.
    """

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        if importlib.util.find_spec("matplotlib") is None:
            self.error("experiments draw their figures with matplotlib, which is not installed: "
                       "pip install 'layerwise[tools]'")
        parsed.out = Path(parsed.out)
        parsed.out.mkdir(parents=True, exist_ok=True)
        return parsed


def experiment_parser(name: str, doc: str, datasets=DATASETS, default_dataset: str | None = None,
                      runs=None) -> ExperimentParser:
    """The options every experiment takes: --dataset, --data-root, --out, --seed, --quick.

    ``datasets`` are the data sets the experiment runs on (the first is the
    default unless ``default_dataset`` says otherwise); ``runs`` (names), when
    given, adds ``--runs a,b`` selecting a subset of them (all by default),
    parsed into a list.  Experiments add their own options to the parser.
    """
    default_dataset = default_dataset or datasets[0]
    parser = ExperimentParser(prog=f"layerwise experiment {name}", description=doc,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=datasets, default=default_dataset,
                        help=f"one of {', '.join(datasets)} (CIFAR from $LAYERWISE_DATA); default {default_dataset}")
    parser.add_argument("--data-root", default=None, help="data folder (default: $LAYERWISE_DATA)")
    parser.add_argument("--out", default=f"results/{name}", help="folder for the PNG plots and results.json")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the minibatches")
    parser.add_argument("--quick", action="store_true", help="a smoke test: little data, few settings and epochs")
    if runs is not None:
        runs = list(runs)

        def run_list(text):
            names = [n.strip() for n in text.split(",") if n.strip()]
            unknown = [n for n in names if n not in runs]
            if unknown or not names:
                raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {', '.join(runs)}, "
                                                 f"got {text!r}")
            return names
        parser.add_argument("--runs", type=run_list, default=runs, metavar=",".join(runs),
                            help=f"comma-separated subset of {', '.join(runs)} (default: all)")
    return parser


def number_list(text: str, option: str, what: str, low: float, high: float, low_open: bool = False,
                example: str = "0,0.5,1") -> list:
    """The comma-separated numbers of ``text``, each in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or not all((low < v if low_open else low <= v) and v <= high for v in values):
        bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]"
        raise ValueError(f"{option} expects comma-separated {what} in {bounds}, e.g. {example}; got {text!r}")
    return values


def load_data(args, num_training=None, dataset=None, **options) -> dict:
    """:func:`layerwise.data.load_splits` of ``args.dataset`` (or ``dataset``) from ``args.data_root``, shuffled
    with ``args.seed`` where the data set is shuffled; ``options`` are ``load_splits``'s (split sizes,
    ``standardize``, ``layout``, ...)."""
    return load_splits(dataset or args.dataset, args.data_root, num_training, seed=args.seed, **options)


def peak_memory_gib() -> float:
    """Peak resident memory of this process so far (data included), or NaN where the OS does not say."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 2**20 if sys.platform != "darwin" else kib / 2**30  # KiB on Linux, bytes on macOS


def dims(data: dict) -> dict:
    """``input_dim`` and ``num_classes`` of a data dict, as keyword arguments of the models."""
    return {"input_dim": int(np.prod(data["X_train"].shape[1:])), "num_classes": data.num_classes}


def build(model_class, seed: int, *args, **kwargs):
    """``model_class(*args, **kwargs)`` with its weights drawn after ``np.random.seed(seed)``."""
    np.random.seed(seed)
    return model_class(*args, **kwargs)


def train(model, data: dict, seed: int = 0, **solver_kwargs):
    """Train ``model`` with a quiet :class:`Solver`; returns ``(solver, seconds, diverged)``.

    A run whose loss becomes NaN/inf stops there (``diverged=True``); its
    histories up to that point stay on the solver.  Sweeps over weight scales
    and learning rates hit such runs on purpose.
    """
    solver = Solver(model, data, seed=seed, verbose=False, **solver_kwargs)
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"), contextlib.redirect_stderr(io.StringIO()):
        solver.train()   # a diverging run overflows before the loss check, and says so: the table says it here
    return solver, time.perf_counter() - start, solver.diverged is not None


def timed(fn, *args, **kwargs):
    """``(fn(*args, **kwargs), seconds)``."""
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def print_table(headers, rows) -> None:
    """Print ``rows`` (lists of values) under ``headers``: text left-aligned, numbers right-aligned (4 decimals)."""
    def cell(v):
        if isinstance(v, float):
            return "nan" if v != v else f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3g}"
        return str(v)
    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    for row, values in zip(text, rows):
        print("  ".join(t.ljust(w) if isinstance(v, str) else t.rjust(w) for t, v, w in zip(row, values, widths)))


def write_results(out: Path, results: dict) -> Path:
    """``out/results.json`` (atomically): every number the experiment printed."""
    return atomic_write_json(Path(out) / "results.json", results)


def record_run(out: Path, name: str, result: dict) -> Path:
    """Put one run's ``result`` under ``runs[name]`` of ``out/results.json``, keeping the other runs there.

    Experiments whose runs are chosen with ``--runs`` call this after each run,
    so runs made by separate commands accumulate in one file and a run made
    again replaces its old entry.  The file is rewritten atomically.
    """
    path = Path(out) / "results.json"
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = {}
    runs = previous.get("runs") if isinstance(previous, dict) and isinstance(previous.get("runs"), dict) else {}
    runs[name] = result
    return write_results(out, {"runs": runs})
