"""The CIFAR-10 speedrun: the airbench94 recipe, in NumPy, on the CPU.

    layerwise experiment cifar10_speedrun [--seeds 0,1] [--epochs 9.9] [--batch-size 1024] [--out DIR] [--quick]

Trains :class:`~layerwise.classifiers.SpeedrunNet` on all 50,000 CIFAR-10
training images and tests it on all 10,000 test images, with the recipe of
K. Jordan's airbench94 (2024), each ingredient a library feature:

- inputs: mean image subtracted, scaled to unit pixel variance; a 2x2 whitening
  convolution set from the first 5,000 training images' patch covariance
  (``SpeedrunNet.init_whitening``), its filters frozen, its bias trained for
  the first ``--whiten-bias-epochs`` epochs;
- 3x3 convolutions initialized as identities on their first channels
  (``init.dirac_``), batchnorm without scale (momentum 0.6), GELU;
- softmax with label smoothing 0.2 on scores scaled by 1/9;
- SGD with Nesterov momentum 0.85, decoupled weight decay, the batchnorm biases
  at 64x the learning rate (``Optimizer`` parameter groups); a triangular
  learning-rate schedule (``optim.Triangular``); Lookahead every 5 steps with
  a decay that grows as ``0.95^5 (t / T)^3``, batchnorm statistics included
  (``optimizer.Lookahead``);
- augmentation: alternating flips (``data.AlternatingFlip``) and random
  translations by 2 pixels with reflect padding (``data.RandomCrop``);
- test-time augmentation: mirror and mirror + translate
  (``evaluation.test_time_augmented``).

Per epoch it prints the loss and accuracies on 1,000 training images and on
1,000 test images: progress only, nothing is chosen by them (the final weights
are the ones tested).  At the end: test accuracy on all 10,000 images without,
with mirror and with mirror + translate augmentation, wall time and peak
memory per seed, and their mean and spread; it writes the curves and the
confusion matrix.  ``--quick`` trains a narrow network on a small slice for CI.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from ..classifiers import SpeedrunNet
from ..data import CIFAR10_CLASSES, AlternatingFlip, RandomCrop, compose
from ..evaluation import test_time_scores
from ..optim import Triangular
from ..optimizer import Lookahead, Optimizer
from ..solver import Solver
from ..vis import plot_confusion_matrix, plot_history
from . import _helpers as h

#: The recipe.  ``lr`` and ``weight_decay`` are airbench's, per 1,024 examples and for a summed loss:
#: :func:`optimizer_for` turns them into the rates of our batch-averaged loss.
RECIPE = dict(epochs=9.9, batch_size=1024, lr=11.5, momentum=0.85, weight_decay=0.0153, bias_lr_mult=64.0,
              label_smoothing=0.2, whiten_bias_epochs=3, whiten_images=5000, translate=2, bn_momentum=0.6,
              output_scale=1 / 9, widths=(64, 256, 256), lookahead_every=5, schedule=(0.2, 0.23, 0.07))
QUICK = dict(epochs=2, batch_size=100, widths=(16, 32, 32), whiten_images=500, whiten_bias_epochs=1)
QUICK_SIZES = dict(num_training=1000, num_test=200)
PROGRESS_SAMPLES = 1000


def optimizer_for(model, recipe, total_steps):
    """SGD + Nesterov with decoupled weight decay and parameter groups, wrapped in Lookahead.

    airbench divides its rates by ``1024 (1 + 1 / (1 - momentum))`` and sums
    the loss over the batch; our loss is the batch mean, so the base rate is
    ``lr / (1 + 1 / (1 - momentum))``.  Its weight decay goes through the
    momentum (amplified ``1 / (1 - momentum)`` times); ours is decoupled,
    ``w <- w (1 - lr_t * weight_decay)``, set to shrink the weights as much per step.
    """
    mu = recipe["momentum"]
    lr = recipe["lr"] / (1 + 1 / (1 - mu))
    shrink = recipe["weight_decay"] / (1024 * (1 + 1 / (1 - mu))) * 1024 / (1 - mu)   # per step, at lr_t = lr
    weight_decay = shrink / lr
    biases = {"params": lambda name: name.startswith("norm"), "lr_mult": recipe["bias_lr_mult"],
              "weight_decay": weight_decay / recipe["bias_lr_mult"]}
    inner = Optimizer(model.params, "sgd_nesterov_momentum", {"learning_rate": lr, "momentum": mu},
                      groups=[biases], weight_decay=weight_decay, decoupled=True)
    return Lookahead(inner, every=recipe["lookahead_every"],
                     alpha=lambda steps: 1 - 0.95 ** 5 * (steps / total_steps) ** 3, buffers=model.running_stats)


def train_speedrun(data, recipe, seed, verbose=True):
    """Train one ``SpeedrunNet`` on ``data`` (``X_train``, ``X_test``, ...); returns ``(model, solver)``."""
    model = SpeedrunNet(widths=recipe["widths"], bn_momentum=recipe["bn_momentum"],
                        output_scale=recipe["output_scale"], label_smoothing=recipe["label_smoothing"], seed=seed)
    model.init_whitening(data["X_train"][:recipe["whiten_images"]])
    steps_per_epoch = len(data["X_train"]) // recipe["batch_size"]
    total_steps = math.ceil(steps_per_epoch * recipe["epochs"])
    optimizer = optimizer_for(model, recipe, total_steps)

    def freeze_whitening_bias(solver):
        if solver.epoch >= recipe["whiten_bias_epochs"]:
            model.frozen.add("whiten.b")

    start, peak, end = recipe["schedule"]
    # The per-epoch "val" accuracy is measured on test images: progress only, keep_best=False.
    splits = {"X_train": data["X_train"], "y_train": data["y_train"], "X_val": data["X_test"],
              "y_val": data["y_test"]}
    solver = Solver(model, splits, update_rule=optimizer, batch_size=recipe["batch_size"],
                    num_iterations=total_steps, shuffle=True, seed=seed,
                    lr_schedule=Triangular(start=start, peak_fraction=peak, end=end),
                    augment=compose(RandomCrop(recipe["translate"], mode="reflect"), AlternatingFlip(seed)),
                    keep_best=False, num_train_samples=PROGRESS_SAMPLES, num_val_samples=PROGRESS_SAMPLES,
                    on_epoch_end=freeze_whitening_bias, print_every=10, verbose=verbose)
    solver.train()
    optimizer.sync(alpha=0.0)    # end on the averaged weights
    return model, solver


def run_seed(args, data, recipe, seed) -> dict:
    print(f"\n== SpeedrunNet, seed {seed}: widths {recipe['widths']}, batch {recipe['batch_size']}, "
          f"{recipe['epochs']} epochs on {len(data['X_train'])} images ==", flush=True)
    start = time.perf_counter()
    model, solver = train_speedrun(data, recipe, seed)
    trained = time.perf_counter() - start
    X_test, y_test = data["X_test"], data["y_test"]
    result = {"seed": seed, "train_seconds": round(trained, 1), "epochs": recipe["epochs"],
              "iterations": solver.iteration}
    levels = test_time_scores(model.loss, X_test, level=2)          # none, mirror, mirror + translate
    for key, scores in zip(("test_acc", "test_acc_mirror", "test_acc_tta"), levels):
        result[key] = float(np.mean(np.argmax(scores, axis=1) == y_test))
    result["seconds"] = round(time.perf_counter() - start + data.load_seconds, 1)
    result["peak_memory_gib"] = round(h.peak_memory_gib(), 2)
    y_pred = np.argmax(levels[2], axis=1)
    plot_confusion_matrix(y_test, y_pred, CIFAR10_CLASSES, args.out / f"confusion_seed{seed}.png",
                          title=f"SpeedrunNet, seed {seed}, with test-time augmentation")
    plot_history(solver, args.out / f"history_seed{seed}.png", title=f"SpeedrunNet, seed {seed}")
    print(f"   seed {seed}: test {result['test_acc']:.4f}, mirror {result['test_acc_mirror']:.4f}, "
          f"mirror + translate {result['test_acc_tta']:.4f}; {result['seconds']:.0f} s in all "
          f"(training {trained:.0f} s); peak memory {result['peak_memory_gib']:.2f} GiB", flush=True)
    return result


def _seeds(text):
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        seeds = []
    if not seeds:
        raise ValueError(f"--seeds expects comma-separated integers, e.g. 0,1; got {text!r}")
    return seeds


def main(argv=None) -> int:
    parser = h.experiment_parser("cifar10_speedrun", __doc__, datasets=("cifar10",))
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, one run each (default 0)")
    parser.add_argument("--epochs", type=float, default=None, help=f"training epochs (default {RECIPE['epochs']})")
    parser.add_argument("--batch-size", type=int, default=None, help=f"default {RECIPE['batch_size']}")
    args = parser.parse_args(argv)
    try:
        seeds = _seeds(args.seeds)
    except ValueError as exc:
        parser.error(str(exc))
    recipe = dict(RECIPE, **(QUICK if args.quick else {}))
    if args.epochs is not None:
        recipe["epochs"] = args.epochs
    if args.batch_size is not None:
        recipe["batch_size"] = args.batch_size
    if not (recipe["epochs"] > 0 and recipe["batch_size"] >= 1):
        parser.error(f"--epochs must be positive and --batch-size at least 1, got {recipe['epochs']} and "
                     f"{recipe['batch_size']}")

    start = time.perf_counter()
    sizes = QUICK_SIZES if args.quick else dict(num_training=50000, num_test=10000)
    data = h.load_data(args, num_validation=0, standardize=True, **sizes)
    data.load_seconds = time.perf_counter() - start
    print(f"CIFAR-10: {len(data['X_train'])} training and {len(data['X_test'])} test images, "
          f"loaded in {data.load_seconds:.1f} s")
    results = [run_seed(args, data, recipe, seed) for seed in seeds]
    summary = {"recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in recipe.items()},
               "runs": results, "target": "test_acc_tta >= 0.93 within 5400 s"}
    for key in ("test_acc", "test_acc_mirror", "test_acc_tta", "seconds"):
        values = [r[key] for r in results]
        summary[f"mean_{key}"] = statistics.fmean(values)
        summary[f"std_{key}"] = statistics.stdev(values) if len(values) > 1 else 0.0
    if len(results) > 1:
        print(f"\n{len(results)} seeds: test with mirror + translate {summary['mean_test_acc_tta']:.4f} "
              f"+- {summary['std_test_acc_tta']:.4f} (mean +- std), {summary['mean_seconds']:.0f} s per run")
    h.write_results(args.out, summary)
    return 0
