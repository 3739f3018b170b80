"""HOG + colour-histogram features on CIFAR-10, with a linear SVM and a two-layer net.

    layerwise experiment features [--data-root DIR] [--out DIR] [--seed S] [--quick]

The course's image-features exercise: the standard 49,000 / 1,000 / 1,000
split of ``$LAYERWISE_DATA``; for every image a HOG descriptor (144 numbers)
and a 10-bin hue histogram; features standardized with the training mean and
standard deviation and a bias column appended; a ``LinearSVM`` tuned over a
grid of learning rates and regularization strengths on the validation set,
then a ``TwoLayerNet`` tuned the same way.  Prints every figure with its wall
time and writes misclassified-example grids, the net's confusion matrix and
training curves as PNG files, and ``results.json``.  Targets: SVM test
accuracy >= 0.45, two-layer net >= 0.58.  ``--quick`` runs a small smoke test.
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from ..classifiers.fc_net import TwoLayerNet
from ..classifiers.linear import LinearSVM
from ..data import CIFAR10_CLASSES
from ..features import color_histogram_hsv, extract_features, hog_feature
from ..solver import Solver
from ..vis import plot_confusion_matrix, plot_history, plot_misclassified
from . import _helpers as h

SVM_LEARNING_RATES = (1e-3, 3e-3, 1e-2)
SVM_REGS = (1e-4, 1e-3, 1e-2, 1e-1)
SVM_ITERS = 1500
NET_HIDDEN = (500, 1000)
NET_LEARNING_RATES = (0.1, 0.3)
NET_REGS = (1e-3, 3e-3)
NET_EPOCHS = 15
NUM_COLOR_BINS = 10
TARGETS = {"svm_test_acc": 0.45, "net_test_acc": 0.58}


def feature_functions():
    """The course's feature list: HOG, then the hue histogram."""
    return [hog_feature, lambda img: color_histogram_hsv(img, nbin=NUM_COLOR_BINS)]


def standardize(train, *others):
    """Subtract the training mean, divide by the training std (1 where constant), append a bias column."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1.0
    return [np.hstack([(a - mean) / std, np.ones((len(a), 1))]) for a in (train, *others)]


def main(argv=None) -> int:
    # --quick: 2,000 training images, a 2x2 grid per model, short training.
    args = h.experiment_parser("features", __doc__, datasets=("cifar10",)).parse_args(argv)
    out = args.out
    num_train, num_val, num_test = (2000, 500, 500) if args.quick else (49000, 1000, 1000)
    svm_grid = list(itertools.product(SVM_LEARNING_RATES[-2:] if args.quick else SVM_LEARNING_RATES,
                                      SVM_REGS[:2] if args.quick else SVM_REGS))
    net_grid = list(itertools.product(NET_HIDDEN[:1], NET_LEARNING_RATES, NET_REGS[:1]) if args.quick
                    else itertools.product(NET_HIDDEN, NET_LEARNING_RATES, NET_REGS))
    svm_iters = 300 if args.quick else SVM_ITERS
    net_epochs = 2 if args.quick else NET_EPOCHS

    # ---- data: the course split
    start = time.perf_counter()
    data = h.load_data(args, num_train, num_validation=num_val, num_test=num_test, subtract_mean=False,
                       layout="NHWC")      # the pixels themselves, (N, 32, 32, 3), as the features read them
    X_train, y_train, X_val, y_val, X_test, y_test = (data[k] for k in ("X_train", "y_train", "X_val", "y_val",
                                                                      "X_test", "y_test"))
    print(f"CIFAR-10 loaded: train {X_train.shape}, val {X_val.shape}, test {X_test.shape} "
          f"({time.perf_counter() - start:.1f} s)")

    # ---- features
    images = np.concatenate([X_train, X_val, X_test])
    start = time.perf_counter()
    feats = extract_features(images, feature_functions(), verbose=True)
    seconds = time.perf_counter() - start
    print(f"features: {len(images)} images -> {feats.shape[1]} features (HOG {feats.shape[1] - NUM_COLOR_BINS} "
          f"+ hue {NUM_COLOR_BINS}) in {seconds:.2f} s ({len(images) / seconds:,.0f} images/s)")
    F_train, F_val, F_test = standardize(feats[:num_train], feats[num_train:num_train + num_val],
                                         feats[num_train + num_val:])

    # ---- linear SVM
    print(f"\n== LinearSVM on features: {len(svm_grid)} settings, {svm_iters} iterations, batch 200 ==")
    best_svm, best_svm_val, best_svm_setting = None, -1.0, None
    for lr, reg in svm_grid:
        start = time.perf_counter()
        svm = LinearSVM(seed=args.seed)
        svm.train(F_train, y_train, learning_rate=lr, reg=reg, num_iters=svm_iters, batch_size=200)
        train_acc = float(np.mean(svm.predict(F_train) == y_train))
        val_acc = float(np.mean(svm.predict(F_val) == y_val))
        print(f"   lr {lr:.0e}  reg {reg:.0e}   train {train_acc:.4f}  val {val_acc:.4f}  "
              f"({time.perf_counter() - start:.2f} s)")
        if val_acc > best_svm_val:
            best_svm, best_svm_val, best_svm_setting = svm, val_acc, {"learning_rate": lr, "reg": reg}
    svm_pred = best_svm.predict(F_test)
    svm_test = float(np.mean(svm_pred == y_test))
    print(f"   best {best_svm_setting}: val {best_svm_val:.4f}  test {svm_test:.4f}   "
          f"({_verdict(svm_test, TARGETS['svm_test_acc'], args.quick)})")
    _figure("misclassified (SVM)", plot_misclassified, X_test, y_test, svm_pred, CIFAR10_CLASSES,
            path=out / "svm_misclassified.png", title="LinearSVM on HOG + hue features: misclassified test images")

    # ---- two-layer net
    print(f"\n== TwoLayerNet on features: {len(net_grid)} settings, sgd, {net_epochs} epochs, batch 200, "
          f"lr decay 0.95 ==")
    data = {"X_train": F_train.astype(np.float32), "y_train": y_train, "X_val": F_val.astype(np.float32),
            "y_val": y_val}
    best_net, best_net_val, best_net_setting, best_solver = None, -1.0, None, None
    for hidden, lr, reg in net_grid:
        start = time.perf_counter()
        np.random.seed(args.seed)
        net = TwoLayerNet(input_dim=F_train.shape[1], hidden_dim=hidden, num_classes=10, weight_scale=1e-2,
                          reg=reg, dtype=np.float32)
        solver = Solver(net, data, update_rule="sgd", optim_config={"learning_rate": lr}, lr_decay=0.95,
                        num_epochs=net_epochs, batch_size=200, verbose=False, seed=args.seed)
        solver.train()
        print(f"   hidden {hidden:4d}  lr {lr:g}  reg {reg:.0e}   train {solver.train_acc_history[-1]:.4f}  "
              f"val {solver.best_val_acc:.4f}  ({time.perf_counter() - start:.1f} s)")
        if solver.best_val_acc > best_net_val:
            best_net, best_net_val, best_solver = net, solver.best_val_acc, solver
            best_net_setting = {"hidden_dim": hidden, "learning_rate": lr, "reg": reg}
    net_pred = best_net.predict(F_test.astype(np.float32))
    net_test = float(np.mean(net_pred == y_test))
    print(f"   best {best_net_setting}: val {best_net_val:.4f}  test {net_test:.4f}   "
          f"({_verdict(net_test, TARGETS['net_test_acc'], args.quick)})")
    _figure("training curves (net)", plot_history, best_solver, path=out / "net_history.png",
            title=f"TwoLayerNet on features {best_net_setting}")
    _figure("confusion matrix (net)", plot_confusion_matrix, y_test, net_pred, CIFAR10_CLASSES,
            path=out / "net_confusion.png")
    _figure("misclassified (net)", plot_misclassified, X_test, y_test, net_pred, CIFAR10_CLASSES,
            path=out / "net_misclassified.png", title="TwoLayerNet on HOG + hue features: misclassified test images")

    result = {"experiment": "features", "quick": args.quick, "seed": args.seed,
              "split": [num_train, num_val, num_test], "feature_dim": int(feats.shape[1]),
              "feature_seconds": round(seconds, 2),
              "svm": {**best_svm_setting, "val_acc": best_svm_val, "test_acc": svm_test},
              "net": {**best_net_setting, "val_acc": best_net_val, "test_acc": net_test}}
    h.write_results(out, result)
    print(f"\nSVM test {svm_test:.4f}, TwoLayerNet test {net_test:.4f}; plots and results.json in {out}")
    return 0


def _verdict(value, target, quick):
    if quick:
        return f"target >= {target} applies to the full run"
    return f"target >= {target}: " + ("met" if value >= target else "NOT met")


def _figure(what, plot, *args, path, **kwargs):
    _, seconds = h.timed(plot, *args, path=path, **kwargs)
    print(f"   wrote {path} ({what}, {seconds:.1f} s)")


if __name__ == "__main__":
    raise SystemExit(main())
