"""Training runs as directories a person can read.

``train_run(config)`` builds the data set and model a :class:`TrainConfig`
names, trains them with the :class:`~layerwise.solver.Solver` and writes a
:class:`~layerwise.app.rundir.RunDirectory` (config, metrics, checkpoint, the
best model, a summary and a self-contained ``report.html``); ``resume_run``
and ``evaluate_run`` read one back, wherever it has been moved.
"""

from __future__ import annotations

import dataclasses
import html
import os
import time
from pathlib import Path

import numpy as np

from .._version import __version__
from ..data.paths import resolve_data_root
from ..evaluation import predict_labels
from ..vis import confusion_matrix
from ..solver import DivergenceError, Solver
from ..tracking import MLflowTracker, default_tracking_uri
from . import pages
from .config import ConfigError, TrainConfig, config_from_dict
from .rundir import RunDirectory

__all__ = ["load_dataset", "parameter_count", "build_model", "train_run", "resume_run", "evaluate_run", "write_report"]


# --------------------------------------------------------------------------- data and models

def load_dataset(config: TrainConfig) -> dict:
    """:class:`~layerwise.data.DataSplits` ``X_train, y_train, X_val, y_val, X_test, y_test`` (NCHW float32)."""
    from ..data import load_splits

    return load_splits(config.dataset, config.data_root, num_training=config.num_training or None, seed=config.seed)


def parameter_count(config: TrainConfig, input_shape, num_classes) -> int:
    """How many weights and biases the model a config names has (normalization parameters aside),
    computed from the sizes without allocating anything."""
    channels, height, width = input_shape if len(input_shape) == 3 else (int(np.prod(input_shape)), 1, 1)
    count = 0
    if config.model in ("three_layer_cnn", "cnn"):
        blocks = (config.blocks[0], "pool") if config.model == "three_layer_cnn" else config.blocks
        filter_size = 7 if config.model == "three_layer_cnn" else 3
        for block in blocks:
            if block in ("pool", "M"):
                height, width = height // 2, width // 2
            else:
                count += int(block) * (channels * filter_size ** 2 + 1)
                channels = int(block)
    widths = [channels * height * width, *config.hidden_dims, num_classes]
    return count + sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def _check_fits_in_memory(config: TrainConfig, input_shape, num_classes) -> None:
    """Refuse sizes that cannot fit in this machine's memory before anything is allocated."""
    count = parameter_count(config, input_shape, num_classes)
    needed = 4 * 4 * count      # float32 parameters, gradients and two optimizer moments
    available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if needed > available:
        sizes = f"hidden_dims={config.hidden_dims}" + (f", blocks={config.blocks}" if config.blocks else "")
        raise ConfigError(f"the {config.model} model with {sizes} has {count:,} parameters, about "
                          f"{needed / 2 ** 30:,.0f} GiB to train, "
                          f"but this machine has {available / 2 ** 30:,.0f} GiB of memory; ask for smaller sizes")


def build_model(config: TrainConfig, input_shape, num_classes):
    """The model a config names, initialized from ``np.random`` seeded with ``config.seed``."""
    from .. import classifiers

    _check_fits_in_memory(config, input_shape, num_classes)
    np.random.seed(config.seed)
    common = dict(num_classes=num_classes, reg=config.reg, weight_scale=config.weight_scale)
    if config.model == "fc":
        return classifiers.FullyConnectedNet(config.hidden_dims, input_dim=int(np.prod(input_shape)),
                                             normalization=config.normalization,
                                             dropout_keep_ratio=config.dropout_keep_ratio, dtype=np.float32,
                                             seed=None, **common)
    if config.model == "two_layer":
        return classifiers.TwoLayerNet(input_dim=int(np.prod(input_shape)), hidden_dim=config.hidden_dims[0],
                                       dtype=np.float32, **common)
    if config.model == "three_layer_cnn":
        return classifiers.ThreeLayerConvNet(input_dim=tuple(input_shape), num_filters=config.blocks[0],
                                             hidden_dim=config.hidden_dims[0], num_classes=num_classes,
                                             weight_scale=config.weight_scale, reg=config.reg)
    return classifiers.ConvNet(input_dim=tuple(input_shape), blocks=config.blocks, hidden_dims=config.hidden_dims,
                               normalization=config.normalization, dropout_keep_ratio=config.dropout_keep_ratio,
                               dtype=np.float32, **common)


#: A run whose training loss exceeds this multiple of its first loss has diverged.
DIVERGENCE_FACTOR = 100.0


def _solver_kwargs(config: TrainConfig, run: RunDirectory, verbose: bool, tracker=None) -> dict:
    from ..data import standard_augment

    length = {"num_iterations": config.num_iterations} if config.num_iterations else {"num_epochs": config.num_epochs}
    policy = {"lr_schedule": config.lr_schedule} if config.lr_schedule else {"lr_decay": config.lr_decay}
    return dict(update_rule=config.update_rule, optim_config={"learning_rate": config.learning_rate},
                batch_size=config.batch_size, patience=config.patience, seed=config.seed, verbose=verbose,
                augment=standard_augment() if config.augment else None,
                checkpoint_name=str(run.checkpoint), on_epoch_end=lambda solver: run.write_metrics(solver.history),
                divergence_factor=DIVERGENCE_FACTOR, tracker=tracker, **length, **policy)


#: The tracking tools ``train --track`` knows.
TRACKERS = ("mlflow",)


def _tracker(track, tracking_uri, config: TrainConfig, run_name: str, run_id=None):
    """The tracker ``--track`` names, or None; MLflow's store defaults to ``OUT_DIR/mlflow.db``."""
    if track is None:
        return None
    if track not in TRACKERS:
        raise ValueError(f"--track must be one of {', '.join(TRACKERS)}, got {track!r}")
    return MLflowTracker(experiment="layerwise", run_name=run_name, run_id=run_id,
                         tracking_uri=tracking_uri or default_tracking_uri(config.out_dir),
                         tags={"dataset": config.dataset, "model": config.model})


def _recorded_tracker(run: RunDirectory, config: TrainConfig):
    """The tracker a run was trained with, to go on logging into the same tracked run; None if untracked."""
    recorded = run.read_tracking()
    if recorded is None:
        return None
    return _tracker(recorded["tracker"], recorded["tracking_uri"], config, run.path.name, recorded["run_id"])


# --------------------------------------------------------------------------- train / resume / evaluate

def train_run(config: TrainConfig, verbose: bool = True, track=None, tracking_uri=None) -> Path:
    """Train the run ``config`` describes; returns the run directory.

    Everything is checked (config, data, model sizes, Solver arguments) before
    the run directory is made, so a refused run leaves nothing behind.  With
    ``track='mlflow'`` the run is also logged to MLflow (``tracking_uri``,
    default ``OUT_DIR/mlflow.db``): the config, the metrics of every epoch and
    the run directory's files.
    """
    config = config.resolved()
    if config.dataset != "digits":  # the folder it was read from, so that resume and evaluate need no environment
        config = dataclasses.replace(config, data_root=str(resolve_data_root(config.data_root).resolve()))
    data = load_dataset(config)
    model = build_model(config, data["X_train"].shape[1:], data.num_classes)
    run = RunDirectory.unused(config.out_dir, config.name or RunDirectory.default_name(config.dataset, config.model))
    tracker = _tracker(track, tracking_uri, config, run.path.name)
    solver = Solver(model, data, **_solver_kwargs(config, run, verbose, tracker))
    recorded = {"config": config.to_dict(), "data_fingerprint": data.fingerprint(),
                "layerwise_version": __version__, "numpy_version": np.__version__}
    run.create(recorded)
    if verbose:
        print(f"run directory: {run}")
    if tracker is not None:
        tracker.start()
        run.write_tracking({"tracker": track, "tracking_uri": tracker.tracking_uri, "run_id": tracker.run_id})
        tracker.log_params({**recorded["config"], "data_fingerprint": recorded["data_fingerprint"],
                            "layerwise_version": __version__, "run_dir": str(run.path.resolve())})
        if verbose:
            print(f"tracked in MLflow: run {tracker.run_id} in {tracker.tracking_uri}")
    return _finish(solver, config, data, run)


def _open_run(run_dir) -> tuple[RunDirectory, TrainConfig, str]:
    """The run directory, its config and the fingerprint of the data it was trained on."""
    run = RunDirectory.open(run_dir)
    recorded = run.read_config()
    try:
        return run, config_from_dict(recorded["config"]), recorded["data_fingerprint"]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{run.file(run.CONFIG)} lacks its {exc} entry; train the run again") from None


def _load_data(run: RunDirectory, config: TrainConfig, fingerprint: str):
    """The run's data, refused if they are not the data it was trained on."""
    data = load_dataset(config)
    found = data.fingerprint()
    if found != fingerprint:
        raise ValueError(f"the {config.dataset} data in {config.data_root or 'the embedded digits'} are not the data "
                         f"{run} was trained on (fingerprint {found}, recorded {fingerprint}); "
                         "point data_root at the original files")
    return data


def resume_run(run_dir, verbose: bool = True) -> Path:
    """Continue an interrupted run from its last checkpoint, in ``run_dir`` and nowhere else.

    A run killed before its first checkpoint starts again from the beginning
    (same seed: the same run); a finished run is left as it is.
    """
    run, config, fingerprint = _open_run(run_dir)
    run.remove_temporaries()
    if run.finished():
        run.read_summary()                  # verified: a damaged summary is reported, not trusted
        print(f"{run} has finished (see {run.file(run.SUMMARY)}); nothing to resume")
        return run.path
    data = _load_data(run, config, fingerprint)
    model = build_model(config, data["X_train"].shape[1:], data.num_classes)
    tracker = _recorded_tracker(run, config)
    if tracker is not None:
        tracker.start()
    kwargs = _solver_kwargs(config, run, verbose, tracker)
    if not run.has_checkpoint():
        print(f"{run} stopped before its first checkpoint: training it from the start")
        return _finish(Solver(model, data, **kwargs), config, data, run)
    length = {k: kwargs[k] for k in ("num_epochs", "num_iterations") if k in kwargs}
    solver = Solver.resume(run.checkpoint, model, data, augment=kwargs["augment"], tracker=tracker,
                           on_epoch_end=kwargs["on_epoch_end"], verbose=verbose, **length)
    print(f"resuming {run} at epoch {solver.epoch} of {solver.num_epochs} "
          f"(iteration {solver.iteration:,} of {solver.num_iterations:,})")
    return _finish(solver, config, data, run)


def _finish(solver, config, data, run: RunDirectory) -> Path:
    tracker = solver.config.tracker
    if tracker is None:
        return _train_and_write(solver, config, data, run)
    with tracker:                           # ends the tracked run FINISHED, FAILED or KILLED
        try:
            return _train_and_write(solver, config, data, run)
        finally:
            tracker.log_artifact(run.path)  # everything written so far, a stopped run's checkpoint included


def _train_and_write(solver, config, data, run: RunDirectory) -> Path:
    start = time.perf_counter()
    try:
        solver.train()
    except KeyboardInterrupt as exc:
        exc.run_dir = run.path  # the command line names it in its hint
        raise
    seconds = time.perf_counter() - start
    run.save_model(solver.model, data.preprocessing())
    summary = {"best_val_acc": solver.best_val_acc, "test_acc": solver.test_acc,
               "epochs": solver.epoch, "iterations": solver.iteration, "train_seconds": seconds}
    if solver.diverged:
        summary["diverged"] = solver.diverged
    run.write_summary(summary)
    write_report(run, solver, data, config, seconds)
    if solver.diverged:  # everything up to the last good evaluation is saved; the command still failed
        raise DivergenceError(f"{solver.diverged} The run directory {run} holds the best parameters before "
                              "that point (`layerwise evaluate` reads them).")
    test = solver.test_acc if solver.test_acc is None else round(solver.test_acc, 4)
    print(f"best val accuracy {solver.best_val_acc:.4f}, test accuracy {test}; report: {run.file(run.REPORT)}")
    return run.path


def evaluate_run(run_dir, split: str = "test", confusion_png=None) -> dict:
    """The run's best model on ``split`` ('train', 'val' or 'test').

    Returns ``{'accuracy', 'per_class': {class name: accuracy}, 'confusion': (C, C) counts}``;
    with ``confusion_png`` the confusion matrix is also drawn there.
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    run, config, fingerprint = _open_run(run_dir)
    model = run.load_model()
    data = _load_data(run, config, fingerprint)
    y, y_pred = data[f"y_{split}"], predict_labels(model.loss, data[f"X_{split}"])
    counts = confusion_matrix(y, y_pred, data.num_classes)
    per_class = {name: float(counts[c, c] / max(counts[c].sum(), 1)) for c, name in enumerate(data.class_names)}
    if confusion_png is not None:
        from ..vis import plot_confusion_matrix
        plot_confusion_matrix(y, y_pred, data.class_names, confusion_png, title=f"Confusion matrix ({split} split)")
    return {"accuracy": float(np.mean(y_pred == y)), "per_class": per_class, "confusion": counts}


# --------------------------------------------------------------------------- report

def write_report(run: RunDirectory, solver, data, config: TrainConfig, seconds: float) -> Path:
    """One self-contained ``report.html`` (images embedded, so the page survives being copied alone),
    with its plots also written as PNG files beside it."""
    split = "test" if data.get("X_test") is not None else "val"
    X, y = data[f"X_{split}"], data[f"y_{split}"]
    y_pred = predict_labels(solver.model.loss, X)
    counts = confusion_matrix(y, y_pred, data.num_classes)
    images = []

    def draw(caption, name, plot, *args, **kwargs):
        plot(*args, path=run.file(name), **kwargs)
        images.append((caption, run.file(name)))
    try:
        from .. import vis
        draw("Loss and accuracy", "history.png", vis.plot_history, solver)
        draw(f"Confusion matrix ({split} split)", "confusion.png", vis.plot_confusion_matrix, y, y_pred,
             data.class_names, title=f"Confusion matrix ({split} split)")
        shown = X[:400] + (data.mean_image if data.mean_image is not None else 0)
        draw(f"Sample {split} images by predicted class (caption: true class)", "samples.png",
             vis.plot_misclassified, shown, y[:400], y_pred[:400], data.class_names, per_class=6, errors_only=False)
        draw(f"Misclassified {split} images by predicted class (caption: true class)", "misclassified.png",
             vis.plot_misclassified, shown, y[:400], y_pred[:400], data.class_names, per_class=6)
        first = solver.model.params.get("W1")
        if first is not None and (first.ndim == 4 or (first.ndim == 2 and first.shape[0] == 3 * 32 * 32)):
            draw("First-layer weights", "weights.png", vis.plot_first_layer_weights, first)
    except ImportError as exc:       # matplotlib is optional: the report still lists the numbers
        print(f"plots skipped: {exc}")
    esc = html.escape
    figures = "".join(pages.figure_tag(Path(p).read_bytes(), title) for title, p in images)
    rows = "".join(
        f"<tr><td>{e.get('epoch')}</td><td>{e.get('loss', float('nan')):.4f}</td><td>{e.get('train_acc'):.4f}</td>"
        f"<td>{e.get('val_acc'):.4f}</td><td>{e.get('lr') or 0:.2e}</td><td>{e.get('seconds', 0):.1f}</td></tr>"
        for e in solver.history)
    per_class = "".join(f"<tr><td>{esc(name)}</td><td>{counts[c].sum()}</td>"
                        f"<td>{counts[c, c] / max(counts[c].sum(), 1):.4f}</td></tr>"
                        for c, name in enumerate(data.class_names))
    config_rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(str(v))}</td></tr>"
                          for k, v in config.to_dict().items() if v is not None)
    source = "the 8x8 digits shipped with layerwise" if config.dataset == "digits" else \
        f"{config.dataset} from {config.data_root}"
    parameters = sum(int(np.size(v)) for v in solver.model.params.values())
    test = "n/a" if solver.test_acc is None else f"{solver.test_acc:.4f}"
    note = f"<p class='warn'>Training stopped early: {esc(solver.diverged)}</p>" if solver.diverged else ""
    body = f"""<h1>Run {esc(run.path.name)}</h1>
<p>{esc(type(solver.model).__name__)} ({parameters:,} parameters) on {esc(source)}
({len(data["y_train"]):,} training, {len(data["y_val"]):,} validation, {len(y) if split == "test" else 0:,} test
images): best validation accuracy <b>{solver.best_val_acc:.4f}</b>, test accuracy <b>{test}</b>.
Trained for {solver.epoch} epochs ({solver.iteration:,} iterations) in {seconds:.1f} s;
written {time.strftime("%Y-%m-%d %H:%M:%S")} by layerwise {__version__}.</p>{note}
{figures}
<h2>Accuracy per class ({split} split)</h2>
<table><tr><th>class</th><th>images</th><th>accuracy</th></tr>{per_class}</table>
<h2>Epochs</h2>
<table><tr><th>epoch</th><th>loss</th><th>train acc</th><th>val acc</th><th>lr</th><th>seconds</th></tr>{rows}</table>
<h2>Configuration</h2><table>{config_rows}</table>"""
    return run.write_report(pages.page(f"layerwise run {run.path.name}", body))
