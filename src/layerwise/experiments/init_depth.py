"""3-layer vs 5-layer nets: sensitivity to the weight initialization scale (overfitting 50 examples).

    layerwise experiment init_depth [--dataset digits|cifar10] [--out DIR] [--quick]

The course question: overfitting 50 training images with plain SGD, which
net is harder to get going -- three layers (two hidden layers of 100 units)
or five (four hidden layers)?  Both nets are trained for 20 epochs from every
pair of weight scale (the standard deviation of ``weight_scale * randn``) and
learning rate on a grid; a cell records the final training accuracy, "div"
marks a run whose loss became NaN/inf.  The deeper net fits the 50 images in
fewer cells of the grid: too small a scale and its signal vanishes through
the layers, too large and it explodes, so it is the more sensitive one.
Prints both grids, the number of cells reaching 100% training accuracy and
the wall time; writes ``init_depth.png`` (the grids as heat maps),
``init_depth_scales.png`` (best accuracy over learning rates vs weight scale)
and ``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import FullyConnectedNet
from ..vis import plot_heatmaps, plot_panels
from . import _helpers as h

NETS = {"3-layer": [100, 100], "5-layer": [100, 100, 100, 100]}
NUM_EXAMPLES, NUM_EPOCHS, BATCH_SIZE = 50, 20, 25
# Per data set: (low, high) exponents of the weight scales and learning rates, grid sizes (full, --quick).
SETTINGS = {
    "digits": dict(scales=(-3, 0), learning_rates=(-4, 0), num_scales=(13, 4), num_rates=(9, 3)),
    "cifar10": dict(scales=(-4, -1), learning_rates=(-5, -1), num_scales=(13, 4), num_rates=(9, 3)),
}


def run(data: dict, scales, learning_rates, seed: int = 0) -> dict:
    """``{net: {"train_acc": (len(learning_rates), len(scales)) array (NaN: diverged), "seconds": s}}``."""
    results = {}
    for name, hidden_dims in NETS.items():
        grid = np.full((len(learning_rates), len(scales)), np.nan)
        seconds = 0.0
        for (i, lr), (j, scale) in ((a, b) for a in enumerate(learning_rates) for b in enumerate(scales)):
            model = h.build(FullyConnectedNet, seed, hidden_dims, weight_scale=float(scale), **h.dims(data))
            solver, t, diverged = h.train(model, data, seed=seed, update_rule="sgd",
                                          optim_config={"learning_rate": float(lr)}, num_epochs=NUM_EPOCHS,
                                          batch_size=BATCH_SIZE, keep_best=False)
            seconds += t
            if not diverged:
                grid[i, j] = solver.train_acc_history[-1]
        results[name] = {"train_acc": grid, "seconds": seconds}
    return results


def main(argv=None) -> int:
    args = h.experiment_parser("init_depth", __doc__).parse_args(argv)
    settings = SETTINGS[args.dataset]
    scales = np.logspace(*settings["scales"], settings["num_scales"][args.quick])
    learning_rates = np.logspace(*settings["learning_rates"], settings["num_rates"][args.quick])
    data = h.load_data(args, NUM_EXAMPLES)
    print(f"overfitting {NUM_EXAMPLES} images of {args.dataset}: SGD, {NUM_EPOCHS} epochs, batch {BATCH_SIZE}; "
          f"{len(scales)} weight scales x {len(learning_rates)} learning rates")

    results = run(data, scales, learning_rates, seed=args.seed)
    summary = {}
    for name, r in results.items():
        grid = r["train_acc"]
        print(f"\n{name} net {NETS[name]}: final training accuracy (rows: learning rate, columns: weight scale)")
        h.print_table(["lr \\ scale"] + [f"{s:.0e}" for s in scales],
                      [[f"{lr:.0e}"] + [("div" if np.isnan(v) else float(v)) for v in row]
                       for lr, row in zip(learning_rates, grid)])
        fitted = int(np.sum(grid == 1.0))
        summary[name] = {"cells_at_100": fitted, "cells_diverged": int(np.isnan(grid).sum()), "cells": grid.size,
                         "seconds": r["seconds"]}
        print(f"{fitted} of {grid.size} settings reach 100% training accuracy, {int(np.isnan(grid).sum())} "
              f"diverge; {r['seconds']:.1f} s")
    counts = {name: s["cells_at_100"] for name, s in summary.items()}
    if len(set(counts.values())) > 1:
        fewer = min(counts, key=counts.get)
        print(f"\nmore sensitive to the initialization: the {fewer} net (fits the {NUM_EXAMPLES} images in "
              f"{counts[fewer]} settings, the other net in {max(counts.values())})")
    else:
        print(f"\nboth nets fit the {NUM_EXAMPLES} images in {min(counts.values())} settings")

    out = args.out
    paths = [out / "init_depth.png", out / "init_depth_scales.png"]
    plot_heatmaps({f"{name} net": r["train_acc"] for name, r in results.items()}, paths[0],
                  scales, learning_rates, xlabel="weight scale", ylabel="learning rate",
                  title=f"Final training accuracy on {NUM_EXAMPLES} images of {args.dataset}")
    plot_panels({"best training accuracy over learning rates":
                 {name: (scales, np.nan_to_num(r["train_acc"], nan=0.0).max(axis=0)) for name, r in results.items()}},
                paths[1], xlabel="weight initialization scale")
    h.write_results(out, {"dataset": args.dataset, "weight_scales": scales, "learning_rates": learning_rates,
                          "runs": {name: {"train_acc": r["train_acc"], **summary[name]}
                                   for name, r in results.items()}})
    print("wrote " + ", ".join(map(str, paths)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
