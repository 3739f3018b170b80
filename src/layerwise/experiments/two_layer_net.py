"""The classic two-layer net: the course's sub-optimal hyperparameters against tuned ones, and their weights.

    layerwise experiment two_layer_net [--dataset digits|cifar10] [--out DIR] [--quick]

The standalone ``neural_net.TwoLayerNet`` (50 hidden units, ``W1: (H, D)``) is
trained twice with its own ``train`` method, as in the course: once with the
first settings the course tries (learning rate 1e-4, decay 0.95 per epoch),
which leave it under-trained (0.260 validation / 0.278 test accuracy measured on
CIFAR-10), and once with tuned ones (a 16x larger learning rate, decay 0.93:
0.457 / 0.451).
Both use L2 strength 0.25, batch 200 and 1,000 iterations.  On the digits
(pixels in [0, 1], so gradients 255x smaller) the same contrast needs larger
rates and a weaker penalty: 0.1 stays at chance, 1.0 reaches about 93%.  Prints both nets'
validation and test accuracies and writes ``two_layer_net_weights.png`` (the
first-layer weights of both nets side by side: the tuned net's units look like
templates of the classes, the sub-optimal net's are mostly noise),
``two_layer_net_curves.png`` (their loss and accuracy curves) and ``results.json``.
"""

from __future__ import annotations

import numpy as np

from ..classifiers.neural_net import TwoLayerNet
from ..vis import plot_first_layer_weights, plot_training_comparison
from . import _helpers as h

HIDDEN_SIZE = 50
# Per data set, net name: (learning rate, decay per epoch, L2 strength).
SETTINGS = {
    "cifar10": {"sub-optimal": (1e-4, 0.95, 0.25), "tuned": (1.6e-3, 0.93, 0.25)},
    "digits": {"sub-optimal": (1e-1, 0.95, 1e-3), "tuned": (1.0, 0.95, 1e-3)},
}
BATCH_SIZE = 200
NUM_ITERS = {False: 1000, True: 100}  # by --quick


def run(data: dict, settings: dict, num_iters: int, seed: int = 0) -> dict:
    """``{name: (net, stats)}`` for each of ``settings``; ``stats`` is what ``train`` returns."""
    X_train, X_val = data["X_train"].reshape(len(data["X_train"]), -1), data["X_val"].reshape(len(data["X_val"]), -1)
    nets = {}
    for name, (learning_rate, decay, reg) in settings.items():
        net = h.build(TwoLayerNet, seed, X_train.shape[1], HIDDEN_SIZE, data.num_classes)
        stats = net.train(X_train, data["y_train"], X_val, data["y_val"], learning_rate=learning_rate,
                          learning_rate_decay=decay, reg=reg, num_iters=num_iters, batch_size=BATCH_SIZE)
        nets[name] = (net, stats)
    return nets


def main(argv=None) -> int:
    args = h.experiment_parser("two_layer_net", __doc__).parse_args(argv)
    data = h.load_data(args)
    num_iters = NUM_ITERS[args.quick]
    print(f"classic TwoLayerNet, {HIDDEN_SIZE} hidden units, {len(data['y_train'])} training images of "
          f"{args.dataset}, {num_iters} iterations of batch {BATCH_SIZE}")
    settings = SETTINGS[args.dataset]
    nets = run(data, settings, num_iters, seed=args.seed)

    rows, results = [], {"dataset": args.dataset, "num_iters": num_iters, "runs": {}}
    for name, (net, stats) in nets.items():
        learning_rate, decay, reg = settings[name]
        val_acc = float(np.mean(net.predict(data["X_val"].reshape(len(data["X_val"]), -1)) == data["y_val"]))
        test_acc = float(np.mean(net.predict(data["X_test"].reshape(len(data["X_test"]), -1)) == data["y_test"]))
        rows.append([name, f"{learning_rate:g}", f"{decay:g}", f"{reg:g}", stats["loss_history"][-1], val_acc,
                     test_acc])
        results["runs"][name] = {"learning_rate": learning_rate, "learning_rate_decay": decay, "reg": reg,
                                 "val_acc": val_acc, "test_acc": test_acc, **stats}
    h.print_table(["net", "learning rate", "decay", "reg", "last loss", "val acc", "test acc"], rows)

    out = args.out
    image_shape = data["X_train"].shape[1:]
    plot_first_layer_weights({name: net.params["W1"].T for name, (net, _) in nets.items()},
                             out / "two_layer_net_weights.png", image_shape=image_shape,
                             title=f"First-layer weights of the classic two-layer net ({args.dataset})")
    plot_training_comparison({name: stats for name, (_, stats) in nets.items()}, out / "two_layer_net_curves.png")
    print("wrote", out / "two_layer_net_weights.png", "and", out / "two_layer_net_curves.png")
    h.write_results(out, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
