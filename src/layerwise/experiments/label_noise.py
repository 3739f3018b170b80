"""Label-noise robustness: accuracy vs the fraction of training labels replaced by random ones.

    layerwise experiment label_noise [--dataset digits|cifar10] [--fractions 0,0.2,...] [--out DIR] [--quick]

For each fraction ``f``, ``round(f * N)`` training images (chosen with the
seed) get a label drawn uniformly from all classes -- the true one with
probability ``1/C`` -- and the same ``FullyConnectedNet`` is trained from the
same weights with Adam.  Validation and test labels stay clean.  A net with
enough capacity fits the noisy labels more and more as training goes on
(memorization), which costs clean accuracy; at ``f = 1`` nothing about the
images is left to learn and test accuracy falls to chance.  Prints, for every
fraction, the accuracy on the noisy training labels, on the true training
labels, and on the clean validation and test sets (final parameters), with
the wall time; writes ``label_noise.png`` and ``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import FullyConnectedNet
from ..evaluation import accuracy
from ..vis import plot_panels
from . import _helpers as h

HIDDEN_DIMS = [256, 256]
# Per data set: training images (None: all), epochs (full, --quick), batch size, Adam's learning rate.
SETTINGS = {
    "digits": dict(num_training=None, epochs=(30, 5), batch_size=64, learning_rate=1e-3),
    "cifar10": dict(num_training=10000, epochs=(20, 2), batch_size=200, learning_rate=1e-3),
}


def randomize_labels(y, fraction: float, num_classes: int, seed: int = 0):
    """A copy of ``y`` (N,) whose ``round(fraction * N)`` entries, chosen at random, hold uniform random labels."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction of randomized labels must be in [0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    noisy = np.array(y, copy=True)
    chosen = rng.choice(len(y), size=int(round(fraction * len(y))), replace=False)
    noisy[chosen] = rng.integers(num_classes, size=len(chosen))
    return noisy


def run(data: dict, fractions, num_epochs: int, batch_size: int, learning_rate: float, seed: int = 0) -> dict:
    """``{fraction: metrics}``: accuracies on noisy/true training labels, clean val/test, histories."""
    num_classes = data.num_classes
    results = {}
    for fraction in fractions:
        y_noisy = randomize_labels(data["y_train"], fraction, num_classes, seed=seed)
        noisy = data.copy()
        noisy["y_train"] = y_noisy
        model = h.build(FullyConnectedNet, seed, HIDDEN_DIMS, weight_scale="he", **h.dims(data))
        solver, seconds, diverged = h.train(model, noisy, seed=seed, update_rule="adam",
                                            optim_config={"learning_rate": learning_rate}, num_epochs=num_epochs,
                                            batch_size=batch_size, keep_best=False)
        results[fraction] = {
            "labels_changed": float(np.mean(y_noisy != data["y_train"])),
            "train_acc_noisy": accuracy(model.loss, data["X_train"], y_noisy),
            "train_acc_true": accuracy(model.loss, data["X_train"], data["y_train"]),
            "val_acc": accuracy(model.loss, data["X_val"], data["y_val"]),
            "test_acc": accuracy(model.loss, data["X_test"], data["y_test"]),
            "best_val_acc": solver.best_val_acc, "val_acc_history": solver.val_acc_history,
            "seconds": seconds, "diverged": diverged}
    return results


def main(argv=None) -> int:
    parser = h.experiment_parser("label_noise", __doc__)
    parser.add_argument("--fractions", default=None,
                        help="comma-separated fractions of randomized training labels "
                             "(default 0,0.2,0.4,0.6,0.8,1; --quick: 0,0.5,1)")
    args = parser.parse_args(argv)
    try:
        fractions = h.number_list(args.fractions or ("0,0.5,1" if args.quick else "0,0.2,0.4,0.6,0.8,1"),
                                  "--fractions", "numbers", 0, 1)
    except ValueError as exc:
        parser.error(str(exc))
    settings = SETTINGS[args.dataset]
    num_epochs = settings["epochs"][args.quick]
    data = h.load_data(args, settings["num_training"])
    print(f"3-layer net {HIDDEN_DIMS}, Adam {settings['learning_rate']:.0e}, {len(data['y_train'])} training images "
          f"of {args.dataset}, {num_epochs} epochs, batch {settings['batch_size']}; chance is "
          f"{1 / data.num_classes:.2f}")

    results = run(data, fractions, num_epochs, settings["batch_size"], settings["learning_rate"], seed=args.seed)
    h.print_table(["fraction", "labels wrong", "train acc (noisy)", "train acc (true)", "val acc", "test acc", "time"],
                  [[f"{f:g}", r["labels_changed"], r["train_acc_noisy"], r["train_acc_true"], r["val_acc"],
                    r["test_acc"], f"{r['seconds']:.2f} s" + (" (diverged)" if r["diverged"] else "")]
                   for f, r in results.items()])

    xs = list(results)
    curves = {"test (clean labels)": "test_acc", "train, true labels": "train_acc_true",
              "train, noisy labels": "train_acc_noisy"}
    path = args.out / "label_noise.png"
    plot_panels(
        {"final accuracy": {name: (xs, [r[key] for r in results.values()]) for name, key in curves.items()},
         "validation accuracy": {f"f={f:g}": (np.arange(len(r["val_acc_history"])), r["val_acc_history"])
                                 for f, r in results.items()}},
        path, logx=False,
        xlabel={"final accuracy": "fraction of randomized training labels", "validation accuracy": "epoch"},
        title=f"Label noise on {args.dataset}")
    h.write_results(args.out, {"dataset": args.dataset, "num_epochs": num_epochs, **settings,
                               "hidden_dims": HIDDEN_DIMS, "runs": {f"{f:g}": r for f, r in results.items()}})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
