"""Batch normalization vs weight initialization scale: a deep net with and without batchnorm.

    layerwise experiment batchnorm_init [--dataset digits|cifar10] [--out DIR] [--quick]

First the course's direct comparison: a 6-layer net (five hidden layers of 100
units) at the fixed weight scale 2e-2, trained alike with and without batchnorm,
their training loss and accuracies drawn together (``batchnorm_curves.png``).

Then the sweep: an 8-layer ``FullyConnectedNet`` (seven hidden layers
of 50 units) trained with Adam (learning rate 1e-3) from weights drawn with
standard deviations ``weight_scale`` from 1e-4 to 1, once plain and once with
batch normalization.  Without batchnorm only a narrow band of scales trains
at all (too small: the signal vanishes through the layers; too large: it
explodes); with batchnorm the net trains across almost the whole range.
Prints, for every scale, the best training and validation accuracies and the
final training loss of both nets with the wall time; writes
``batchnorm_init.png`` (the three against the weight scale) and ``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import FullyConnectedNet
from ..vis import plot_panels, plot_training_comparison
from . import _helpers as h

CURVES_HIDDEN_DIMS = [100] * 5
CURVES_WEIGHT_SCALE = 2e-2
HIDDEN_DIMS = [50] * 7
NORMALIZATIONS = {"baseline": None, "batchnorm": "batchnorm"}
# Per data set: training images (None: all), number of scales and epochs (full, --quick), batch size.
SETTINGS = {
    "digits": dict(num_training=None, num_scales=(20, 5), epochs=(10, 2), batch_size=50),
    "cifar10": dict(num_training=1000, num_scales=(20, 5), epochs=(10, 1), batch_size=50),
}


def _train(data, hidden_dims, scale, normalization, num_epochs, batch_size, seed):
    model = h.build(FullyConnectedNet, seed, hidden_dims, weight_scale=float(scale),
                    normalization=normalization, **h.dims(data))
    return h.train(model, data, seed=seed, update_rule="adam", optim_config={"learning_rate": 1e-3},
                   num_epochs=num_epochs, batch_size=batch_size)


def curves(data: dict, num_epochs: int, batch_size: int, seed: int = 0) -> dict:
    """``{name: solver}`` of the plain and the batch-normalized 6-layer net at weight scale 2e-2."""
    return {name: _train(data, CURVES_HIDDEN_DIMS, CURVES_WEIGHT_SCALE, normalization, num_epochs, batch_size,
                         seed)[0]
            for name, normalization in NORMALIZATIONS.items()}


def run(data: dict, scales, num_epochs: int, batch_size: int, seed: int = 0) -> dict:
    """``{name: [metrics per scale]}`` for the plain and the batch-normalized net."""
    results = {name: [] for name in NORMALIZATIONS}
    for scale in scales:
        for name, normalization in NORMALIZATIONS.items():
            solver, seconds, diverged = _train(data, HIDDEN_DIMS, scale, normalization, num_epochs, batch_size,
                                               seed)
            last_epoch = solver.loss_history[-solver.iterations_per_epoch:]
            results[name].append({
                "weight_scale": float(scale), "best_train_acc": max(solver.train_acc_history),
                "best_val_acc": solver.best_val_acc,
                "final_loss": float("nan") if diverged else float(np.mean(last_epoch)),
                "diverged": diverged, "seconds": seconds})
    return results


def main(argv=None) -> int:
    args = h.experiment_parser("batchnorm_init", __doc__).parse_args(argv)
    settings = SETTINGS[args.dataset]
    num_epochs, num_scales = settings["epochs"][args.quick], settings["num_scales"][args.quick]
    scales = np.logspace(-4, 0, num_scales)
    data = h.load_data(args, settings["num_training"])
    out = args.out
    print(f"6-layer net {CURVES_HIDDEN_DIMS}, weight scale {CURVES_WEIGHT_SCALE}, Adam 1e-3, "
          f"{len(data['y_train'])} training images of {args.dataset}, {num_epochs} epochs")
    solvers = curves(data, num_epochs, settings["batch_size"], seed=args.seed)
    h.print_table(["net", "final train acc", "best val acc", "last loss"],
                  [[name, s.train_acc_history[-1], s.best_val_acc, s.loss_history[-1]] for name, s in solvers.items()])
    plot_training_comparison(solvers, out / "batchnorm_curves.png",
                             title=f"Baseline vs batchnorm, weight scale {CURVES_WEIGHT_SCALE}")
    print("wrote", out / "batchnorm_curves.png")

    print(f"8-layer net {HIDDEN_DIMS}, Adam 1e-3, {len(data['y_train'])} training images of {args.dataset}, "
          f"{num_epochs} epochs, {num_scales} weight scales from 1e-4 to 1")

    results = run(data, scales, num_epochs, settings["batch_size"], seed=args.seed)
    rows = []
    for base, bn in zip(results["baseline"], results["batchnorm"]):
        rows.append([f"{base['weight_scale']:.1e}", base["best_train_acc"], base["best_val_acc"], base["final_loss"],
                     bn["best_train_acc"], bn["best_val_acc"], bn["final_loss"]])
    h.print_table(["scale", "train acc", "val acc", "loss", "bn train acc", "bn val acc", "bn loss"], rows)
    for name, runs in results.items():
        print(f"{name:9s}: mean best val acc over scales {np.mean([r['best_val_acc'] for r in runs]):.4f}, "
              f"{sum(r['seconds'] for r in runs):.1f} s")

    def lines(key):
        return {name: (scales, [r[key] for r in runs]) for name, runs in results.items()}
    path = out / "batchnorm_init.png"
    plot_panels({"best training accuracy": lines("best_train_acc"),
                 "best validation accuracy": lines("best_val_acc"),
                 "final training loss": lines("final_loss")},
               path, xlabel="weight initialization scale",
               logy=("final training loss",),
               title=f"Batch normalization vs weight initialization ({args.dataset})")
    curve_results = {name: {"loss_history": s.loss_history, "train_acc_history": s.train_acc_history,
                            "val_acc_history": s.val_acc_history} for name, s in solvers.items()}
    h.write_results(args.out, {"dataset": args.dataset, "num_epochs": num_epochs, "hidden_dims": HIDDEN_DIMS,
                               "runs": results, "curves": curve_results})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
