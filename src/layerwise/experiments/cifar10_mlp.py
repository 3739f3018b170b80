"""Fully connected networks on CIFAR-10: the course baseline, tuned two-layer and deeper nets.

    layerwise experiment cifar10_mlp [--runs course,two_layer,fc,fc_bn_dropout] [--out DIR] [--quick]

Each run trains on the standard 49,000 / 1,000 / 1,000 split from
``$LAYERWISE_DATA`` and prints validation and test accuracy, the
hyperparameters and the wall time; loss/accuracy curves are written as PNG.
"""

from __future__ import annotations

import json
import time

import numpy as np

from ..classifiers import FullyConnectedNet, TwoLayerNet
from ..data import standard_augment
from ..solver import Solver
from ..vis import plot_history
from . import _helpers as h

# Each run: the model to build and the Solver's arguments.  "augment" names
# on-the-fly augmentation of training batches (flip, or crop + flip);
# "standardize" divides the mean-subtracted pixels by their standard deviation,
# which 'he' initialization assumes (the course nets use tiny weights instead).
RUNS = {
    "course": dict(
        title="TwoLayerNet, course defaults",
        model=lambda: TwoLayerNet(hidden_dim=50, weight_scale=1e-3, dtype=np.float32),
        solver=dict(update_rule="sgd", optim_config={"learning_rate": 1e-4}, lr_decay=0.95, num_epochs=5,
                    batch_size=200),
        target="val >= 0.36"),
    "two_layer": dict(
        title="TwoLayerNet, tuned",
        model=lambda: TwoLayerNet(hidden_dim=1024, weight_scale=1e-3, reg=1e-2, dtype=np.float32),
        solver=dict(update_rule="adam", optim_config={"learning_rate": 2e-4}, lr_decay=0.93, num_epochs=25,
                    batch_size=256),
        augment="flip", target="val >= 0.52 and test >= 0.52"),
    "fc": dict(
        title="FullyConnectedNet, tuned",
        model=lambda: FullyConnectedNet([1024, 1024], weight_scale="he", reg=1e-2),
        solver=dict(update_rule="adam", optim_config={"learning_rate": 2e-4}, lr_decay=0.92, num_epochs=25,
                    batch_size=256),
        augment="flip", standardize=True, target="val >= 0.55"),
    "fc_bn_dropout": dict(
        title="FullyConnectedNet + batchnorm + dropout",
        model=lambda: FullyConnectedNet([2048, 1024], normalization="batchnorm", dropout_keep_ratio=0.7,
                                        weight_scale="he", reg=5e-4),
        solver=dict(update_rule="adam", optim_config={"learning_rate": 1e-3}, lr_schedule="cosine", num_epochs=30,
                    batch_size=256),
        augment="flip", standardize=True, target="test >= 0.60"),
}

AUGMENTATIONS = {"flip": lambda: standard_augment(pad=0, flip=True), "crop_flip": lambda: standard_augment(pad=4)}


def describe(run: dict) -> str:
    return json.dumps({**run["solver"], "augment": run.get("augment"), "standardize": run.get("standardize", False)},
                      default=str)


def train_one(name: str, args) -> dict:
    run = RUNS[name]
    sizes = dict(num_training=500, num_validation=100, num_test=100) if args.quick else {}
    data = h.load_data(args, standardize=run.get("standardize", False), **sizes)
    np.random.seed(args.seed)
    model = run["model"]()
    kwargs = dict(run["solver"])
    if args.quick:
        kwargs["num_epochs"] = 1
    augment = run.get("augment")
    solver = Solver(model, data, augment=AUGMENTATIONS[augment]() if augment else None, seed=args.seed,
                    verbose=True, print_every=10 ** 9, num_val_samples=None, **kwargs)
    start = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - start
    result = {"run": name, "title": run["title"], "val_acc": solver.best_val_acc, "test_acc": solver.test_acc,
              "epochs": solver.epoch, "seconds": round(seconds, 1), "target": run["target"],
              "hyperparameters": describe(run),
              "model": {k: list(v.shape) for k, v in model.params.items() if k.startswith("W")}}
    plot_history(solver, args.out / f"{name}_history.png")
    return result


def main(argv=None) -> int:
    args = h.experiment_parser("cifar10_mlp", __doc__, datasets=("cifar10",), runs=RUNS).parse_args(argv)
    results = []
    for name in args.runs:
        print(f"\n== {RUNS[name]['title']} ({name}) ==\n   {describe(RUNS[name])}")
        result = train_one(name, args)
        results.append(result)
        print(f"   val {result['val_acc']:.4f}  test {result['test_acc']:.4f}  "
              f"{result['epochs']} epochs in {result['seconds']:.0f} s   (target: {result['target']})")
        h.record_run(args.out, name, result)

    print("\nrun            val     test    time     target")
    for r in results:
        print(f"{r['run']:14s} {r['val_acc']:.4f}  {r['test_acc']:.4f}  {r['seconds']:6.0f} s  {r['target']}")
    return 0
