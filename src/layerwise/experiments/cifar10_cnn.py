"""Convolutional networks on CIFAR: the two-conv course network and the library's best ConvNet.

    layerwise experiment cifar10_cnn [--runs small,best] [--epochs-small 12] [--epochs-best 12] [--out DIR]

``small`` trains the module API's ``SmallConvolutionalNetwork`` (two conv and
two pooling layers) with ``train_net``: on the 20 CIFAR-100 superclasses when
``cifar-100-python`` is in ``$LAYERWISE_DATA`` (target >= 48% val), else on
CIFAR-10 (target >= 65% val).  ``best`` trains ``ConvNet(**CIFAR10_CONVNET)``
with the Solver on CIFAR-10 (target >= 78% test within 60 minutes).  Both use
random crops and flips.  Prints accuracies, epochs and wall time; writes the
first-layer filters, the confusion matrix and the training curves as PNG.
"""

from __future__ import annotations

import time

import numpy as np

from ..classifiers.cnn import CIFAR10_CONVNET, ConvNet
from ..data import CIFAR10_CLASSES, cifar100_available, standard_augment
from ..evaluation import predict_labels
from ..nn import Adam, SmallConvolutionalNetwork, compute_acc, cross_entropy, reset_seed, train_net
from ..solver import Solver
from ..vis import plot_comparison, plot_confusion_matrix, plot_first_layer_weights, plot_history
from . import _helpers as h

QUICK_SIZES = dict(num_training=500, num_validation=100, num_test=100)


def run_small(args) -> dict:
    if not args.quick and cifar100_available(args.data_root):
        dataset, target = "cifar100", 0.48
    else:
        dataset, target = "cifar10", 0.65
    # channels last for the module API; CIFAR-100 comes standardized, CIFAR-10 is standardized here
    data = h.load_data(args, dataset=dataset, standardize=True, layout="NHWC", **(QUICK_SIZES if args.quick else {}))
    reset_seed(args.seed)
    model = SmallConvolutionalNetwork(num_classes=data.num_classes)
    optimizer = Adam(model.net, lr=1e-3)
    epochs = 1 if args.quick else args.epochs_small
    iters_per_epoch = len(data["y_train"]) // 64
    print(f"\n== SmallConvolutionalNetwork on {dataset} ({data.num_classes} classes): Adam lr 1e-3 "
          f"(x0.5 every 4 epochs), batch 64, {epochs} epochs, crops + flips ==")
    start = time.perf_counter()
    _, loss_hist, train_acc, val_acc = train_net(
        data, model, cross_entropy(), optimizer, batch_size=64,
        max_epochs=epochs, lr_decay=0.5, lr_decay_every=4 * iters_per_epoch, verbose=True,
        augment=standard_augment(layout="NHWC"), num_train_samples=1000)  # not a pass over all 49,000 per epoch
    seconds = time.perf_counter() - start
    result = {"run": "small", "dataset": dataset, "val_acc": max(val_acc),
              "test_acc": compute_acc(model, data["X_test"], data["y_test"], batch_size=500), "epochs": epochs,
              "seconds": round(seconds, 1), "target": f"val >= {target}"}
    plot_comparison({"train": train_acc, "val": val_acc}, args.out / "small_accuracy.png", ylabel="accuracy",
                    xlabel="epoch")
    return result


def run_best(args) -> dict:
    data = h.load_data(args, standardize=True, **(QUICK_SIZES if args.quick else {}))
    np.random.seed(args.seed)
    model = ConvNet(**CIFAR10_CONVNET)
    epochs = 1 if args.quick else args.epochs_best
    print(f"\n== ConvNet(**CIFAR10_CONVNET) on CIFAR-10: {CIFAR10_CONVNET}\n   Adam lr 2e-3 cosine, batch 128, "
          f"{epochs} epochs, crops + flips ==")
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 2e-3}, lr_schedule="cosine",
                    batch_size=128, num_epochs=epochs, augment=standard_augment(), shuffle=True, seed=args.seed,
                    num_val_samples=None, print_every=10 ** 9, verbose=True,
                    checkpoint_name=str(args.out / "best_convnet"))
    start = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - start
    y_pred = predict_labels(model.loss, data["X_test"])
    result = {"run": "best", "dataset": "cifar10", "val_acc": solver.best_val_acc, "test_acc": solver.test_acc,
              "epochs": solver.epoch, "seconds": round(seconds, 1), "target": "test >= 0.78 within 3600 s"}
    plot_first_layer_weights(model.params["W1"], args.out / "best_filters.png")
    plot_confusion_matrix(data["y_test"], y_pred, CIFAR10_CLASSES, args.out / "best_confusion.png")
    plot_history(solver, args.out / "best_history.png")
    return result


RUNS = {"small": run_small, "best": run_best}


def main(argv=None) -> int:
    parser = h.experiment_parser("cifar10_cnn", __doc__, datasets=("cifar10",), runs=RUNS)
    parser.add_argument("--epochs-small", type=int, default=12)
    parser.add_argument("--epochs-best", type=int, default=12)
    args = parser.parse_args(argv)
    for name in args.runs:
        result = RUNS[name](args)
        result["peak_memory_gib"] = round(h.peak_memory_gib(), 2)
        print(f"   {name}: val {result['val_acc']:.4f}  test {result['test_acc']:.4f}  "
              f"{result['epochs']} epochs in {result['seconds']:.0f} s  (target: {result['target']}); "
              f"peak memory of the process so far {result['peak_memory_gib']:.2f} GiB")
        h.record_run(args.out, name, result)
    return 0
