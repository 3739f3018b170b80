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

import sys
import time
from pathlib import Path

import numpy as np

from ..classifiers.cnn import CIFAR10_CONVNET, ConvNet
from ..data import CIFAR10_CLASSES, get_CIFAR10_data, standard_augment
from ..evaluation import predict_labels
from ..solver import Solver
from . import _helpers as h


def _cifar10(root, quick):
    """CIFAR-10 split, standardized (mean image subtracted, divided by the pixel standard deviation)."""
    sizes = dict(num_training=500, num_validation=100, num_test=100) if quick else {}
    data = get_CIFAR10_data(root=root, **sizes)
    scale = h.unit_std_scale(data["X_train"])
    for split in ("X_train", "X_val", "X_test"):
        data[split] *= scale          # in place: the loader hands out fresh arrays, and a copy costs 600 MB
    return data


def _superclasses(root):
    from ..data import CIFAR100_data
    try:
        return CIFAR100_data(root)
    except FileNotFoundError:
        return None


def run_small(args, out: Path) -> dict:
    from ..nn import Adam, SmallConvolutionalNetwork, compute_acc, cross_entropy, reset_seed, train_net

    c100 = None if args.quick else _superclasses(args.data_root)
    if c100 is not None:
        dataset, num_classes, target = "cifar100-superclasses", 20, 0.48
        splits = {s: (c100[f"data_{s}"], c100[f"labels_{s}"]) for s in ("train", "val", "test")}
    else:
        dataset, num_classes, target = "cifar10", 10, 0.65
        d = _cifar10(args.data_root, args.quick)
        # NHWC copies for the module API; pop drops each NCHW original as soon as it is copied
        splits = {s: (np.ascontiguousarray(d.pop(f"X_{s}").transpose(0, 2, 3, 1)), d[f"y_{s}"])
                  for s in ("train", "val", "test")}
    reset_seed(args.seed)
    model = SmallConvolutionalNetwork(num_classes=num_classes)
    optimizer = Adam(model.net, lr=1e-3)
    epochs = 1 if args.quick else args.epochs_small
    iters_per_epoch = len(splits["train"][0]) // 64
    print(f"\n== SmallConvolutionalNetwork on {dataset}: Adam lr 1e-3 (x0.5 every 4 epochs), batch 64, "
          f"{epochs} epochs, crops + flips ==")
    start = time.perf_counter()
    _, loss_hist, train_acc, val_acc = train_net(
        {f"data_{s}": splits[s] for s in ("train", "val")}, model, cross_entropy(), optimizer, batch_size=64,
        max_epochs=epochs, lr_decay=0.5, lr_decay_every=4 * iters_per_epoch, verbose=True,
        augment=standard_augment(layout="NHWC"), num_train_samples=1000)  # not a pass over all 49,000 per epoch
    seconds = time.perf_counter() - start
    result = {"run": "small", "dataset": dataset, "val_acc": max(val_acc),
              "test_acc": compute_acc(model, *splits["test"], batch_size=500), "epochs": epochs,
              "seconds": round(seconds, 1), "target": f"val >= {target}"}
    try:
        from ..vis import plot_comparison
        plot_comparison({"train": train_acc, "val": val_acc}, out / "small_accuracy.png", ylabel="accuracy")
    except ImportError:
        pass
    return result


def run_best(args, out: Path) -> dict:
    data = _cifar10(args.data_root, args.quick)
    np.random.seed(args.seed)
    model = ConvNet(**CIFAR10_CONVNET)
    epochs = 1 if args.quick else args.epochs_best
    print(f"\n== ConvNet(**CIFAR10_CONVNET) on CIFAR-10: {CIFAR10_CONVNET}\n   Adam lr 2e-3 cosine, batch 128, "
          f"{epochs} epochs, crops + flips ==")
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 2e-3}, lr_schedule="cosine",
                    batch_size=128, num_epochs=epochs, augment=standard_augment(), shuffle=True, seed=args.seed,
                    num_val_samples=None, print_every=10 ** 9, verbose=True,
                    checkpoint_name=str(out / "best_convnet"))
    start = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - start
    y_pred = predict_labels(model.loss, data["X_test"])
    result = {"run": "best", "dataset": "cifar10", "val_acc": solver.best_val_acc, "test_acc": solver.test_acc,
              "epochs": solver.epoch, "seconds": round(seconds, 1), "target": "test >= 0.78 within 3600 s"}
    try:
        from ..vis import plot_confusion_matrix, plot_first_layer_weights, plot_history
        plot_first_layer_weights(model.params["W1"], out / "best_filters.png")
        plot_confusion_matrix(data["y_test"], y_pred, CIFAR10_CLASSES, out / "best_confusion.png")
        plot_history(solver, out / "best_history.png")
    except ImportError:
        pass
    return result


RUNS = {"small": run_small, "best": run_best}


def _peak_memory_gib() -> float:
    """Peak resident memory of this process (data included), or NaN where the OS does not say."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 2**20 if sys.platform != "darwin" else kib / 2**30  # KiB on Linux, bytes on macOS


def main(argv=None) -> int:
    parser = h.experiment_parser("cifar10_cnn", __doc__, datasets=("cifar10",), runs=RUNS)
    parser.add_argument("--epochs-small", type=int, default=12)
    parser.add_argument("--epochs-best", type=int, default=12)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.runs:
        result = RUNS[name](args, out)
        result["peak_memory_gib"] = round(_peak_memory_gib(), 2)
        print(f"   {name}: val {result['val_acc']:.4f}  test {result['test_acc']:.4f}  "
              f"{result['epochs']} epochs in {result['seconds']:.0f} s  (target: {result['target']}); "
              f"peak memory of the process so far {result['peak_memory_gib']:.2f} GiB")
        h.record_run(out, name, result)
    return 0
