"""Weight decay vs L2 (SGD and Adam) and L1 vs L2 with the module API, after a TinyNet baseline.

    layerwise experiment regularization [--dataset cifar10|cifar100] [--data-root DIR] [--out DIR] [--quick]

Reproduces the regularization runs of the course that assembles networks
from layer objects: a TinyNet-style MLP (``flatten - fc1 - gelu - fc2``)
trained with ``train_net``; then

- weight decay ``theta <- theta - lr*grad - wd*theta`` vs an L2 penalty
  ``lam * sum(theta**2)`` with ``lam = wd / (2*lr)``: the same updates for SGD
  (the curves coincide), different ones for Adam (its step divides the
  penalty's gradient by ``sqrt(v)``);
- L1 (``lam * sum|theta|``) vs L2 vs no penalty, with the distribution of the
  first layer's weights (L1 drives many of them to zero).

The data set is CIFAR-100 with its 20 superclasses when its archive is in
the data root, else CIFAR-10.  Each figure is written as a PNG under ``--out``
and printed with the wall time of the runs behind it; ``results.json`` holds
every run's accuracies.  Targets for the baseline: >= 50% validation accuracy
on CIFAR-10, >= 35% on the CIFAR-100 superclasses.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import nn
from ..data import cifar100_available
from ..vis import plot_comparison, plot_weight_histograms
from . import _helpers as h

TARGETS = {"cifar10": 0.50, "cifar100": 0.35}


def _train(data, num_classes, make_optimizer, epochs, batch_size, hidden_dim, seed, **train_kwargs):
    """Build a TinyNet, train it with ``train_net``; return its histories, model and wall time."""
    nn.reset_seed(seed)  # same initial weights and the same minibatches in every run
    model = nn.TinyNet(input_dim=int(np.prod(data["X_train"].shape[1:])), hidden_dim=hidden_dim,
                       num_classes=num_classes)
    start = time.perf_counter()
    _, loss_hist, train_acc, val_acc = nn.train_net(data, model, nn.cross_entropy(), make_optimizer(model),
                                                    batch_size, epochs, num_train_samples=1000, **train_kwargs)
    return {"loss": loss_hist, "train_acc": train_acc, "val_acc": val_acc, "model": model,
            "seconds": time.perf_counter() - start}


def run_experiment(data, num_classes, out, epochs=10, baseline_epochs=20, batch_size=128, hidden_dim=512,
                   seed=0, dataset="cifar10", log=print):
    """All runs and figures; returns the summary written to ``out/results.json``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    iters_per_epoch = max(len(data["y_train"]) // batch_size, 1)
    decay = dict(lr_decay=0.9, lr_decay_every=iters_per_epoch)  # x0.9 per epoch
    summary = {"dataset": dataset, "num_train": len(data["y_train"]), "runs": {}, "figures": {}}

    def record(name, run):
        summary["runs"][name] = {"best_val_acc": max(run["val_acc"]), "final_val_acc": run["val_acc"][-1],
                                 "final_train_acc": run["train_acc"][-1], "seconds": round(run["seconds"], 1)}
        log(f"  {name:24s} best val {max(run['val_acc']):.4f}  final train {run['train_acc'][-1]:.4f}  "
            f"({run['seconds']:.1f} s)")

    def figure(name, runs, what, ylabel, xlabel, smooth=1):
        """Plot history ``what`` of each run; print the figure with the wall time of its runs."""
        if what == "both":  # one run: its training and validation accuracy
            (key, run), = runs.items()
            histories = {f"{key} train": run["train_acc"], f"{key} val": run["val_acc"]}
        else:
            histories = {k: r[what] for k, r in runs.items()}
        path = out / f"{name}.png"
        plot_comparison(histories, path, ylabel, xlabel=xlabel, smooth=smooth)
        seconds = sum(r["seconds"] for r in runs.values())
        summary["figures"][name] = {"path": str(path), "seconds": round(seconds, 1)}
        log(f"figure {path}  ({len(runs)} run(s), {seconds:.1f} s of training)")

    # 1. The baseline: TinyNet with Adam.
    log(f"== TinyNet baseline ({dataset}, {num_classes} classes, {baseline_epochs} epochs) ==")
    base = _train(data, num_classes, lambda m: nn.Adam(m.net, lr=1e-3), baseline_epochs, batch_size, hidden_dim,
                  seed, **decay)
    record("baseline_adam", base)
    target = TARGETS.get(dataset)
    if target is not None:
        summary["baseline_target"] = target
        log(f"  target: val >= {target:.2f} -> {'reached' if max(base['val_acc']) >= target else 'NOT reached'}")
    figure("baseline_accuracy", {"TinyNet": base}, "both", "accuracy", "epoch")

    # 2. Weight decay vs L2, with lam = wd / (2 lr) so that SGD's updates coincide.
    for opt_name, cls, lr, wd in (("sgd", nn.SGD, 1e-2, 1e-4), ("adam", nn.Adam, 1e-3, 1e-4)):
        lam = wd / (2 * lr)
        log(f"== weight decay {wd:g} vs L2 lambda {lam:g} with {opt_name} (lr {lr:g}) ==")
        runs = {
            f"{opt_name} weight_decay={wd:g}": _train(data, num_classes,
                                                      lambda m: cls(m.net, lr=lr, weight_decay=wd),
                                                      epochs, batch_size, hidden_dim, seed, **decay),
            f"{opt_name} L2 lambda={lam:g}": _train(data, num_classes, lambda m: cls(m.net, lr=lr), epochs,
                                                    batch_size, hidden_dim, seed, regularization="l2",
                                                    reg_lambda=lam, **decay),
        }
        for name, run in runs.items():
            record(name, run)
        a, b = (r["model"].params["fc1_w"] for r in runs.values())
        gap = float(np.abs(a - b).max())
        summary[f"{opt_name}_max_weight_difference"] = gap
        log(f"  largest difference between the two runs' fc1 weights: {gap:.3g}")
        figure(f"weight_decay_vs_l2_{opt_name}_val_acc", runs, "val_acc", "validation accuracy", "epoch")
        figure(f"weight_decay_vs_l2_{opt_name}_train_acc", runs, "train_acc", "training accuracy", "epoch")

    # 3. L1 vs L2 vs none (Adam).
    log("== L1 vs L2 (adam) ==")
    settings = {"none": ("none", 0.0), "L1 lambda=1e-4": ("l1", 1e-4), "L2 lambda=1e-3": ("l2", 1e-3)}
    runs = {name: _train(data, num_classes, lambda m: nn.Adam(m.net, lr=1e-3), epochs, batch_size, hidden_dim,
                         seed, regularization=reg, reg_lambda=lam, **decay)
            for name, (reg, lam) in settings.items()}
    for name, run in runs.items():
        record(name, run)
        w = run["model"].params["fc1_w"]
        small = float(np.mean(np.abs(w) < 1e-3))
        summary["runs"][name]["fc1_fraction_below_1e-3"] = small
        log(f"  {name:24s} fc1 weights with |w| < 1e-3: {100 * small:.1f}%")
    figure("l1_vs_l2_val_acc", runs, "val_acc", "validation accuracy", "epoch")
    figure("l1_vs_l2_loss", runs, "loss", "training loss (with penalty)", "iteration",
           smooth=max(1, min(50, iters_per_epoch)))
    path = out / "l1_vs_l2_fc1_weights.png"
    plot_weight_histograms({k: r["model"].params["fc1_w"] for k, r in runs.items()},
                           path, xlabel="fc1 weight")
    summary["figures"]["l1_vs_l2_fc1_weights"] = {"path": str(path),
                                                  "seconds": round(sum(r["seconds"] for r in runs.values()), 1)}
    log(f"figure {path}  (fc1 weights of the {len(runs)} runs above)")

    h.write_results(out, summary)
    return summary


def main(argv=None) -> int:
    # --dataset auto: cifar100 if its archive is in the data root, else cifar10.
    # --quick: 2,000 training, 500 validation and 500 test images, 2 epochs per run.
    args = h.experiment_parser("regularization", __doc__, datasets=("auto", "cifar10", "cifar100")).parse_args(argv)
    dataset = args.dataset
    if dataset == "auto":
        dataset = "cifar100" if cifar100_available(args.data_root) else "cifar10"
    sizes = dict(num_training=2000, num_validation=500, num_test=500) if args.quick else {}
    # channels last for the module API; CIFAR-100 comes standardized, CIFAR-10 is standardized here
    data = h.load_data(args, dataset=dataset, standardize=True, layout="NHWC", **sizes)
    epochs = dict(epochs=2, baseline_epochs=2) if args.quick else {}
    start = time.perf_counter()
    summary = run_experiment(data, data.num_classes, args.out, seed=args.seed, dataset=dataset, **epochs)
    print(f"\nbaseline best val {summary['runs']['baseline_adam']['best_val_acc']:.4f} on {dataset}; "
          f"all runs and figures in {time.perf_counter() - start:.0f} s; summary in {args.out / 'results.json'}")
    return 0
