"""k-nearest neighbours on raw CIFAR-10 pixels, with 5-fold cross-validation of k.

    layerwise experiment knn [--data-root DIR] [--out DIR] [--num-folds 5] [--skip-loops] [--quick]

The course's kNN exercise: the first 5,000 training and 500 test images of
``$LAYERWISE_DATA`` as rows of 3,072 pixel values; the three distance
computations (two loops, one loop, none) timed and checked against each
other; test accuracy for k = 1 and 5; cross-validation over
k in {1, 3, 5, 8, 10, 12, 15, 20, 50, 100}; the best k retrained on all 5,000
images and evaluated on the test images (the course reports about 0.27-0.29).
Prints every figure with its wall time and writes the cross-validation plot
and ``results.json``.  ``--skip-loops`` skips the slow loop-based
distance timings; ``--quick`` runs a small smoke test.
"""

from __future__ import annotations

import time

import numpy as np

from ..classifiers.k_nearest_neighbor import KNearestNeighbor, best_k, cross_validate_k
from ..vis import plot_cross_validation
from . import _helpers as h

K_CHOICES = (1, 3, 5, 8, 10, 12, 15, 20, 50, 100)


def main(argv=None) -> int:
    # --quick: 500 training and 50 test images.
    parser = h.experiment_parser("knn", __doc__, datasets=("cifar10",))
    parser.add_argument("--num-folds", type=int, default=5)
    parser.add_argument("--skip-loops", action="store_true", help="skip timing the loop-based distances")
    args = parser.parse_args(argv)
    out = args.out
    num_train, num_test = (500, 50) if args.quick else (5000, 500)
    k_choices = [k for k in K_CHOICES if k <= 20] if args.quick else list(K_CHOICES)

    start = time.perf_counter()
    data = h.load_data(args, num_train, num_validation=0, num_test=num_test, subtract_mean=False)
    # Rows of raw pixels in float64: the no-loop distance |x|^2 - 2 x.y + |y|^2 cancels terms near 10^8.
    X_train, y_train = data["X_train"].reshape(num_train, -1).astype(np.float64), data["y_train"]
    X_test, y_test = data["X_test"].reshape(num_test, -1).astype(np.float64), data["y_test"]
    print(f"CIFAR-10 subsample: train {X_train.shape}, test {X_test.shape} ({time.perf_counter() - start:.1f} s)")

    knn = KNearestNeighbor().train(X_train, y_train)
    dists, seconds = h.timed(knn.compute_distances_no_loops, X_test)
    print(f"distances, no loops:  {seconds:8.3f} s")
    timings = {"no_loops": seconds}
    if not args.skip_loops:
        for name, method in (("one_loop", knn.compute_distances_one_loop),
                             ("two_loops", knn.compute_distances_two_loops)):
            other, seconds = h.timed(method, X_test)
            timings[name] = seconds
            print(f"distances, {name.replace('_', ' ') + ':':11s} {seconds:8.3f} s   "
                  f"Frobenius difference to no loops: {np.linalg.norm(other - dists):.3e}")

    accuracies = {}
    for k in (1, 5):
        (pred, seconds) = h.timed(knn.predict_labels, dists, k=k)
        accuracies[k] = float(np.mean(pred == y_test))
        print(f"k = {k}: {int(np.sum(pred == y_test))} / {num_test} correct => accuracy {accuracies[k]:.4f} "
              f"({seconds:.3f} s)")

    print(f"\n== {args.num_folds}-fold cross-validation over k = {k_choices} ==")
    results, seconds = h.timed(cross_validate_k, X_train, y_train, k_choices, num_folds=args.num_folds)
    for k in k_choices:
        accs = results[k]
        print(f"   k = {k:3d}: " + "  ".join(f"{a:.4f}" for a in accs)
              + f"   mean {np.mean(accs):.4f} +- {np.std(accs):.4f}")
    print(f"   ({seconds:.1f} s)")
    path = out / "knn_cross_validation.png"
    _, plot_seconds = h.timed(plot_cross_validation, results, path,
                                title=f"Cross-validation on k ({args.num_folds} folds, {num_train} images)")
    print(f"   wrote {path} ({plot_seconds:.1f} s)")

    k = best_k(results)
    start = time.perf_counter()
    pred = KNearestNeighbor().train(X_train, y_train).predict(X_test, k=k)
    test_acc = float(np.mean(pred == y_test))
    print(f"\nbest k = {k}: {int(np.sum(pred == y_test))} / {num_test} correct => test accuracy {test_acc:.4f} "
          f"({time.perf_counter() - start:.2f} s; the course reports about 0.27-0.29)")

    result = {"experiment": "knn", "quick": args.quick, "num_train": num_train, "num_test": num_test,
              "distance_seconds": {n: round(s, 3) for n, s in timings.items()},
              "test_acc_k1": accuracies[1], "test_acc_k5": accuracies[5],
              "cross_validation": {str(k_): v for k_, v in results.items()}, "best_k": k, "test_acc": test_acc}
    h.write_results(out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
