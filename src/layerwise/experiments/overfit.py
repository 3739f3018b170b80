"""Overfit 50 examples to 100% training accuracy: the course's sanity check of a model and its training.

    layerwise experiment overfit [--dataset digits|cifar10] [--num-examples 50] [--epochs 20] [--out DIR]

A net that is implemented and initialized correctly, trained with plain SGD
on a handful of images, should memorize them: the training loss goes to
about zero and training accuracy to 1.0 within a few epochs, while the
validation accuracy stays low (nothing general was learned).  The check is
run for the course's 3-layer and 5-layer ``FullyConnectedNet`` (hidden layers
of 100 units) with weight scales and learning rates that work for them (see
``layerwise experiment init_depth`` for how narrow that choice is for the
deeper net).  Prints the final training loss and accuracy, the epoch at which
100% was first reached and the wall time; exits with status 1 if a net fails
the check.  Writes ``overfit.png`` (loss and accuracies) and ``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers import FullyConnectedNet
from ..vis import plot_panels
from . import _helpers as h

# Per data set and net: hidden layers, weight scale, SGD learning rate.
NETS = {
    "digits": {"3-layer": ([100, 100], 3e-1, 1e-1), "5-layer": ([100] * 4, 3e-1, 3e-2)},
    "cifar10": {"3-layer": ([100, 100], 1e-2, 1e-2), "5-layer": ([100] * 4, 5e-2, 5e-3)},
}
BATCH_SIZE = 25


def run(data: dict, nets: dict, num_epochs: int, seed: int = 0) -> dict:
    """``{net: {solver, seconds, diverged}}``; accuracies are measured on all the training examples."""
    runs = {}
    for name, (hidden_dims, weight_scale, learning_rate) in nets.items():
        model = h.build(FullyConnectedNet, seed, hidden_dims, weight_scale=weight_scale, **h.dims(data))
        solver, seconds, diverged = h.train(model, data, seed=seed, update_rule="sgd",
                                            optim_config={"learning_rate": learning_rate}, num_epochs=num_epochs,
                                            batch_size=min(BATCH_SIZE, len(data["y_train"])), keep_best=False,
                                            num_train_samples=None)
        runs[name] = {"solver": solver, "seconds": seconds, "diverged": diverged}
    return runs


def main(argv=None) -> int:
    parser = h.experiment_parser("overfit", __doc__)
    parser.add_argument("--num-examples", type=int, default=50, help="training images to memorize (default 50)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs of SGD (default 20; --quick uses 15)")
    args = parser.parse_args(argv)
    if args.num_examples < 1 or args.epochs < 1:
        parser.error(f"--num-examples and --epochs must be positive, got {args.num_examples} and {args.epochs}")
    num_epochs = min(args.epochs, 15) if args.quick else args.epochs
    data = h.load_data(args, args.num_examples)
    nets = NETS[args.dataset]
    print(f"overfitting {len(data['y_train'])} images of {args.dataset}: SGD, {num_epochs} epochs, "
          f"batch {min(BATCH_SIZE, len(data['y_train']))}")

    runs = run(data, nets, num_epochs, seed=args.seed)
    results, rows, failed = {}, [], []
    for name, r in runs.items():
        s = r["solver"]
        hidden_dims, weight_scale, learning_rate = nets[name]
        train_acc = s.train_acc_history[-1]
        # train_acc_history[0] is measured after the first iteration, entry e >= 1 after epoch e.
        reached = next((e for e, acc in enumerate(s.train_acc_history) if acc == 1.0), None)
        if train_acc < 1.0 or r["diverged"]:
            failed.append(name)
        results[name] = {"hidden_dims": hidden_dims, "weight_scale": weight_scale, "learning_rate": learning_rate,
                         "final_loss": s.loss_history[-1], "train_acc": train_acc, "val_acc": s.val_acc_history[-1],
                         "epoch_reached_100": reached, "seconds": r["seconds"], "diverged": r["diverged"],
                         "loss_history": s.loss_history, "train_acc_history": s.train_acc_history,
                         "val_acc_history": s.val_acc_history}
        rows.append([f"{name} {hidden_dims}", f"{weight_scale:.0e}", f"{learning_rate:.0e}", s.loss_history[-1],
                     train_acc, s.val_acc_history[-1], "never" if reached is None else str(reached),
                     f"{r['seconds']:.2f} s" + (" (diverged)" if r["diverged"] else "")])
    h.print_table(["net", "scale", "lr", "final loss", "train acc", "val acc", "100% at epoch", "time"], rows)

    def lines(key):
        return {name: (np.arange(len(r[key])), r[key]) for name, r in results.items()}
    path = args.out / "overfit.png"
    plot_panels({"training loss": lines("loss_history"), "training accuracy": lines("train_acc_history"),
                 "validation accuracy": lines("val_acc_history")},
               path, logx=False,
               xlabel={"training loss": "iteration", "training accuracy": "epoch",
                       "validation accuracy": "epoch"},
               title=f"Overfitting {len(data['y_train'])} images of {args.dataset}")
    h.write_results(args.out, {"dataset": args.dataset, "num_examples": len(data["y_train"]),
                               "num_epochs": num_epochs, "runs": results})
    print(f"wrote {path}")
    if failed:
        print(f"sanity check FAILED: {', '.join(failed)} did not reach 100% training accuracy; "
              "check the model's gradients (layerwise gradcheck) or tune its weight scale and learning rate")
        return 1
    print("sanity check passed: every net memorized its training images")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
