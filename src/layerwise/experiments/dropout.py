"""Dropout as a regularizer: train/val accuracy with and without dropout on a small training subset.

    layerwise experiment dropout [--dataset digits|cifar10] [--keep 1,0.5,0.25] [--out DIR] [--quick]

The course experiment: a two-layer ``FullyConnectedNet`` (500 hidden units)
trained with Adam on a few training images, so that it overfits -- its
training accuracy climbs towards 1 while validation accuracy stalls well
below.  The same net with (inverted) dropout, keeping each hidden unit with
probability ``p``, fits the training set more slowly and ends with a smaller
gap between training and validation accuracy.  Run it with ``--dataset
cifar10`` (500 images, the course setting) to see the cure: there the gap is
large, and dropout narrows it and raises validation accuracy.  The embedded
digits (the offline default, 100 images) are easy enough that every net
generalizes about equally well, so the differences there are small.
Prints final training and validation accuracy, the gap and the wall time for
every keep probability; writes ``dropout.png`` (accuracies per epoch) and
``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import FullyConnectedNet
from ..vis import plot_panels
from . import _helpers as h

HIDDEN_DIMS = [500]
# Per data set: training images, epochs (full, --quick), batch size, Adam's learning rate, weight scale.
SETTINGS = {
    "digits": dict(num_training=100, epochs=(100, 15), batch_size=50, learning_rate=1e-3, weight_scale="he"),
    "cifar10": dict(num_training=500, epochs=(25, 5), batch_size=100, learning_rate=5e-4, weight_scale=1e-2),
}


def run(data: dict, keep_ratios, num_epochs: int, batch_size: int, learning_rate: float, weight_scale,
        seed: int = 0) -> dict:
    """``{keep ratio: {solver, seconds, diverged}}``; every net starts from the same weights."""
    runs = {}
    for keep in keep_ratios:
        model = h.build(FullyConnectedNet, seed, HIDDEN_DIMS, weight_scale=weight_scale, dropout_keep_ratio=keep,
                        **h.dims(data))
        solver, seconds, diverged = h.train(model, data, seed=seed, update_rule="adam",
                                            optim_config={"learning_rate": learning_rate}, num_epochs=num_epochs,
                                            batch_size=batch_size, keep_best=False)
        runs[keep] = {"solver": solver, "seconds": seconds, "diverged": diverged}
    return runs


def main(argv=None) -> int:
    parser = h.experiment_parser("dropout", __doc__)
    parser.add_argument("--keep", default="1,0.5,0.25",
                        help="comma-separated keep probabilities p (1: no dropout); default 1,0.5,0.25")
    args = parser.parse_args(argv)
    try:
        keep_ratios = h.number_list(args.keep, "--keep", "keep probabilities", 0, 1, low_open=True,
                                    example="1,0.5,0.25")
    except ValueError as exc:
        parser.error(str(exc))
    settings = SETTINGS[args.dataset]
    num_epochs = settings["epochs"][args.quick]
    data = h.load_data(args, settings["num_training"])
    print(f"2-layer net {HIDDEN_DIMS}, Adam {settings['learning_rate']:.0e}, {len(data['y_train'])} training images "
          f"of {args.dataset}, {num_epochs} epochs, batch {settings['batch_size']}")

    runs = run(data, keep_ratios, num_epochs, settings["batch_size"], settings["learning_rate"],
               settings["weight_scale"], seed=args.seed)
    results, rows = {}, []
    for keep, r in runs.items():
        s = r["solver"]
        name = "no dropout" if keep == 1 else f"dropout p={keep:g}"
        train_acc, val_acc = s.train_acc_history[-1], s.val_acc_history[-1]
        results[name] = {"keep_ratio": keep, "train_acc": train_acc, "val_acc": val_acc, "gap": train_acc - val_acc,
                         "best_val_acc": s.best_val_acc, "seconds": r["seconds"], "diverged": r["diverged"],
                         "train_acc_history": s.train_acc_history, "val_acc_history": s.val_acc_history}
        rows.append([name, train_acc, val_acc, train_acc - val_acc, s.best_val_acc, f"{r['seconds']:.2f} s"])
    h.print_table(["net", "train acc", "val acc", "gap", "best val acc", "time"], rows)

    def lines(key):
        return {name: (np.arange(len(r[key])), r[key]) for name, r in results.items()}
    path = args.out / "dropout.png"
    plot_panels({"training accuracy": lines("train_acc_history"),
                 "validation accuracy": lines("val_acc_history")},
               path, xlabel="epoch", logx=False,
               title=f"Dropout on {len(data['y_train'])} training images of {args.dataset}")
    h.write_results(args.out, {"dataset": args.dataset, "num_epochs": num_epochs, **settings,
                               "hidden_dims": HIDDEN_DIMS, "runs": results})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
