"""The ``layerwise`` command line.

    layerwise train [--config FILE] [--dataset D] [--model M] [--set key=value ...]
    layerwise evaluate RUN_DIR [--split test]
    layerwise predict RUN_DIR FILE... [--top 3]
    layerwise resume RUN_DIR
    layerwise runs [DIR]
    layerwise compare RUN_DIR... [--out comparison.html]
    layerwise gradcheck
    layerwise sweep --config SWEEP_FILE [--workers N] [--trials N]
    layerwise experiment NAME [options of that experiment]
    layerwise experiment --list

With no arguments, ``layerwise train`` trains a small batch-normalized network
on the embedded 8x8 digits, offline, in seconds.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import pickle
import pkgutil
import sys

from ._version import __version__
from .app.config import DATASETS, MODELS

EXPERIMENTS_PACKAGE = "layerwise.experiments"


def _experiments() -> list[str]:
    package = importlib.import_module(EXPERIMENTS_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def _cmd_train(args) -> int:
    from .app.config import TrainConfig, apply_overrides, load_config
    from .app.runs import train_run

    config = load_config(args.config) if args.config else TrainConfig()
    overrides = list(args.set)
    for key in ("dataset", "model", "out_dir", "name", "data_root"):
        value = getattr(args, key)
        if value is not None:
            overrides.append(f"{key}={value}")
    config = apply_overrides(config, overrides)
    train_run(config, verbose=not args.quiet, track=args.track, tracking_uri=args.tracking_uri)
    return 0


def _cmd_resume(args) -> int:
    from .app.runs import resume_run
    resume_run(args.run_dir, verbose=not args.quiet)
    return 0


def _cmd_evaluate(args) -> int:
    from pathlib import Path

    from .app.runs import evaluate_run
    png = Path(args.run_dir) / f"confusion_{args.split}.png"
    try:
        import matplotlib  # noqa: F401  (the picture is optional)
    except ImportError:
        png = None
    result = evaluate_run(args.run_dir, args.split, confusion_png=png)
    width = max(len(name) for name in result["per_class"])
    for name, accuracy in result["per_class"].items():
        print(f"  {name:{width}s}  {accuracy:.4f}")
    if png is not None:
        print(f"confusion matrix: {png}")
    print(f"{args.split} accuracy: {result['accuracy']:.4f}")
    return 0


def _cmd_predict(args) -> int:
    from .app.predict import predict_files
    for name, top in predict_files(args.run_dir, args.files, top=args.top):
        print(f"{name}: " + ", ".join(f"{label} {p:.3f}" for label, p in top))
    return 0


def _cmd_runs(args) -> int:
    from .app.compare import describe_run, find_runs, format_runs
    print(format_runs([describe_run(run, root=args.dir) for run in find_runs(args.dir)]))
    return 0


def _cmd_compare(args) -> int:
    from .app.compare import compare_runs
    print(f"comparison of {len(args.run_dirs)} runs: {compare_runs(args.run_dirs, args.out)}")
    return 0


def _cmd_gradcheck(args) -> int:
    from .app.gradcheck import print_gradcheck_table
    return print_gradcheck_table()


def _cmd_experiment(args) -> int:
    names = _experiments()
    if args.list or not args.name:
        for name in names:
            module = importlib.import_module(f"{EXPERIMENTS_PACKAGE}.{name}")
            summary = (module.__doc__ or "").strip().splitlines()[:1]
            print(f"{name:20s} {summary[0] if summary else ''}")
        return 0
    if args.name not in names:
        raise SystemExit(f"layerwise experiment: unknown experiment {args.name!r}; available: {', '.join(names)}")
    module = importlib.import_module(f"{EXPERIMENTS_PACKAGE}.{args.name}")
    return int(module.main(args.rest) or 0)


def _config_keys() -> str:
    """The table of config keys (default and meaning) that ``train --help`` ends with."""
    import dataclasses

    from .app.config import TrainConfig

    defaults = TrainConfig()
    rows = [(f.name, repr(getattr(defaults, f.name)), f.metadata["help"]) for f in dataclasses.fields(TrainConfig)
            if f.metadata.get("help")]
    width = max(len(name) + len(default) for name, default, _ in rows) + 3
    lines = [f"  {name}={default}".ljust(width + 2) + f"  {meaning}" for name, default, meaning in rows]
    return "config keys (--set KEY=VALUE, or a YAML / TOML / JSON file of them), with their defaults:\n" + \
        "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layerwise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"layerwise {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command")

    train = sub.add_parser("train", help="train a model and write a run directory", epilog=_config_keys(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--config", help="YAML, TOML or JSON file of TrainConfig keys")
    train.add_argument("--dataset", choices=DATASETS)
    train.add_argument("--model", choices=MODELS)
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override one config key (repeatable), e.g. --set learning_rate=3e-4")
    train.add_argument("--out-dir", dest="out_dir", help="parent folder of run directories (default: runs)")
    train.add_argument("--name", help="run directory name (default: dataset-model-timestamp)")
    train.add_argument("--data-root", dest="data_root", help="data folder (default: $LAYERWISE_DATA)")
    train.add_argument("--quiet", action="store_true")
    train.add_argument("--track", choices=("mlflow",),
                       help="also log the run to MLflow (pip install 'layerwise[mlflow]'); `layerwise resume` "
                            "goes on logging into the same MLflow run")
    train.add_argument("--tracking-uri", dest="tracking_uri", metavar="URI",
                       help="MLflow's store (default: $MLFLOW_TRACKING_URI, else sqlite:///OUT_DIR/mlflow.db; "
                            "browse it with `mlflow ui --backend-store-uri URI`)")
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser("evaluate", help="accuracy of a run's best parameters")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--split", default="test", choices=("train", "val", "test"))
    evaluate.set_defaults(func=_cmd_evaluate)

    predict = sub.add_parser("predict", help="classify images (PNG/JPEG) or .npy/.npz batches with a run's model")
    predict.add_argument("run_dir")
    predict.add_argument("files", nargs="+", metavar="FILE")
    predict.add_argument("--top", type=int, default=3, help="how many classes to print per image (default 3)")
    predict.set_defaults(func=_cmd_predict)

    resume = sub.add_parser("resume", help="continue an interrupted run from its checkpoint")
    resume.add_argument("run_dir")
    resume.add_argument("--quiet", action="store_true")
    resume.set_defaults(func=_cmd_resume)

    runs = sub.add_parser("runs", help="list the runs below a folder: model, data, results, wall time, status")
    runs.add_argument("dir", nargs="?", default="runs", help="folder holding run directories (default: runs)")
    runs.set_defaults(func=_cmd_runs)

    compare = sub.add_parser("compare", help="one HTML page overlaying the curves and configs of several runs")
    compare.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    compare.add_argument("--out", default="comparison.html", help="the page to write (default: comparison.html)")
    compare.set_defaults(func=_cmd_compare)

    gradcheck = sub.add_parser("gradcheck", help="numerical gradient checks of every layer and model")
    gradcheck.set_defaults(func=_cmd_gradcheck)

    experiment = sub.add_parser("experiment", help="reproduce a classic experiment (see --list)")
    experiment.add_argument("name", nargs="?")
    experiment.add_argument("--list", action="store_true", help="list the experiments")
    experiment.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the experiment")
    experiment.set_defaults(func=_cmd_experiment)

    from .app.sweep import add_parser as add_sweep_parser
    add_sweep_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["train", *(argv or [])])
    try:
        return args.func(args)
    except KeyboardInterrupt as exc:
        run_dir = getattr(exc, "run_dir", None)
        hint = f"`layerwise resume {run_dir}` continues from the last checkpoint" if run_dir else "nothing was saved"
        print(f"interrupted; {hint}", file=sys.stderr)
        return 130
    except Exception as exc:
        message = _anticipated(exc)
        if message is None or args.debug:
            raise
        print(f"layerwise {args.command}: error: {message}", file=sys.stderr)
        return 2


def _anticipated(exc):
    """The one line for a failure a user can fix (bad input, a damaged or missing file, a full disk, a
    size too large for memory), or None for a bug, which keeps its traceback."""
    if isinstance(exc, MemoryError):
        return ("out of memory: the requested sizes (hidden_dims, batch_size, data) do not fit in this "
                "machine's memory; ask for smaller ones")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return (f"no space left on the device{f' writing {exc.filename}' if exc.filename else ''}; files "
                "already written are intact: free some space and run the command again (or resume the run)")
    if isinstance(exc, ImportError) and "pip install" in str(exc):   # an optional dependency, named with its extra
        return str(exc)
    if isinstance(exc, (ValueError, FileNotFoundError, PermissionError, pickle.UnpicklingError)):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


if __name__ == "__main__":
    sys.exit(main())
