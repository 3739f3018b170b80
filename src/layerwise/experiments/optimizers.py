"""Update rules compared: SGD, SGD+momentum, Nesterov, RMSProp and Adam on the same 5-layer net.

    layerwise experiment optimizers [--dataset digits|cifar10] [--rules sgd,adam,...] [--out DIR] [--quick]

The course experiment: one ``FullyConnectedNet`` with four hidden layers of
100 units (weights ``weight_scale * randn``, the same draw for every rule)
trained by each update rule with the course's learning rate (SGD and the
momentum variants 1e-2, RMSProp 1e-4, Adam 1e-3).  With a small weight scale
plain SGD barely moves at first, momentum gets going, and the adaptive rules
(RMSProp, Adam) fit fastest.  Prints the final loss and accuracies and the
wall time of every rule; writes ``optimizers_loss.png`` (training loss per
iteration), ``optimizers_train_acc.png``, ``optimizers_val_acc.png`` (per
epoch) and ``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import FullyConnectedNet
from ..vis import plot_comparison
from . import _helpers as h

LEARNING_RATES = {"sgd": 1e-2, "sgd_momentum": 1e-2, "sgd_nesterov_momentum": 1e-2, "rmsprop": 1e-4, "adam": 1e-3}
HIDDEN_DIMS = [100] * 4
# Per data set: weight scale, training images (None: all), epochs (full, --quick), batch size.
SETTINGS = {
    "digits": dict(weight_scale=1e-1, num_training=None, epochs=(20, 3), batch_size=100),
    "cifar10": dict(weight_scale=5e-2, num_training=4000, epochs=(5, 1), batch_size=100),
}


def run(data: dict, rules, weight_scale: float, num_epochs: int, batch_size: int, seed: int = 0) -> dict:
    """Train the same net with each rule; ``{rule: {solver, seconds, diverged}}``."""
    runs = {}
    for rule in rules:
        model = h.build(FullyConnectedNet, seed, HIDDEN_DIMS, weight_scale=weight_scale, **h.dims(data))
        solver, seconds, diverged = h.train(model, data, seed=seed, update_rule=rule,
                                            optim_config={"learning_rate": LEARNING_RATES[rule]},
                                            num_epochs=num_epochs, batch_size=batch_size, keep_best=False)
        runs[rule] = {"solver": solver, "seconds": seconds, "diverged": diverged}
    return runs


def main(argv=None) -> int:
    parser = h.experiment_parser("optimizers", __doc__)
    parser.add_argument("--rules", default=",".join(LEARNING_RATES),
                        help=f"comma-separated subset of {', '.join(LEARNING_RATES)}")
    args = parser.parse_args(argv)
    rules = [r.strip() for r in args.rules.split(",") if r.strip()]
    unknown = [r for r in rules if r not in LEARNING_RATES]
    if unknown or not rules:
        parser.error(f"unknown update rules {unknown}; choose from {', '.join(LEARNING_RATES)}")
    settings = SETTINGS[args.dataset]
    num_epochs = settings["epochs"][args.quick]
    data = h.load_data(args, settings["num_training"])
    out = args.out
    print(f"5-layer net {HIDDEN_DIMS}, weight scale {settings['weight_scale']}, {len(data['y_train'])} training "
          f"images of {args.dataset}, {num_epochs} epochs, batch {settings['batch_size']}")

    runs = run(data, rules, settings["weight_scale"], num_epochs, settings["batch_size"], seed=args.seed)
    results, rows = {}, []
    for rule, r in runs.items():
        s = r["solver"]
        last_epoch = s.loss_history[-s.iterations_per_epoch:]
        results[rule] = {"learning_rate": LEARNING_RATES[rule], "final_loss": float(np.mean(last_epoch)),
                         "train_acc": s.train_acc_history[-1], "val_acc": s.val_acc_history[-1],
                         "best_val_acc": s.best_val_acc, "seconds": r["seconds"], "diverged": r["diverged"],
                         "loss_history": s.loss_history, "train_acc_history": s.train_acc_history,
                         "val_acc_history": s.val_acc_history}
        rows.append([rule, f"{LEARNING_RATES[rule]:.0e}", results[rule]["final_loss"], s.train_acc_history[-1],
                     s.val_acc_history[-1], f"{r['seconds']:.2f} s" + (" (diverged)" if r["diverged"] else "")])
    h.print_table(["rule", "lr", "final loss", "train acc", "val acc", "time"], rows)

    smooth = max(1, min(20, len(next(iter(runs.values()))["solver"].loss_history) // 10))
    paths = [out / f"optimizers_{name}.png" for name in ("loss", "train_acc", "val_acc")]
    plot_comparison({k: v["solver"].loss_history for k, v in runs.items()}, paths[0], "training loss",
                    smooth=smooth, title=f"Training loss ({smooth}-iteration average)")
    plot_comparison({k: v["solver"].train_acc_history for k, v in runs.items()}, paths[1], "training accuracy",
                    xlabel="epoch", title="Training accuracy by update rule")
    plot_comparison({k: v["solver"].val_acc_history for k, v in runs.items()}, paths[2], "validation accuracy",
                    xlabel="epoch", title="Validation accuracy by update rule")
    h.write_results(out, {"dataset": args.dataset, "num_epochs": num_epochs, **settings, "runs": results})
    print("wrote " + ", ".join(map(str, paths)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
