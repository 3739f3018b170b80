"""k-nearest-neighbour classifier with L2 distance, and k-fold cross-validation of k.

Training memorizes the data; prediction finds, for each test row, the ``k``
training rows nearest in Euclidean distance and takes a majority vote of
their labels.  Ties in the vote go to the smallest label (the course's
``np.argmax(np.bincount(...))`` rule); ties in distance go to the training row
that comes first (a stable sort), so predictions are deterministic.

Distances are computed in float64.  The three ``compute_distances_*``
methods are the course's progression from two explicit loops to none; the
loop-free one expands ``|a - b|^2 = |a|^2 - 2 a.b + |b|^2`` into one matrix
product, clipping the tiny negative values rounding can produce at 0.
"""

from __future__ import annotations

import numpy as np

from ..evaluation import predict_labels
from .base import Classifier

from ..checks import integer

__all__ = ["KNearestNeighbor", "cross_validate_k", "best_k"]


class KNearestNeighbor(Classifier):
    """k-NN with L2 distance.  ``train(X, y)`` then ``predict(X, k=1, num_loops=0)``."""

    def __init__(self):
        self.X_train = None
        self.y_train = None

    @property
    def params(self):
        """The memorized training set (what ``save`` stores), once trained."""
        return {} if self.X_train is None else {"X_train": self.X_train, "y_train": self.y_train}

    def _load_arrays(self, arrays, source):
        self.X_train, self.y_train = arrays.get("X_train"), arrays.get("y_train")

    def train(self, X, y):
        """Memorize ``X: (N, D)`` (or ``(N, d1, ..., dk)``, flattened) and labels ``y: (N,)`` >= 0."""
        X = _as_rows("KNearestNeighbor.train", X)
        y = np.asarray(y)
        if len(X) == 0:
            raise ValueError("KNearestNeighbor.train: X is empty; pass at least one training example")
        if y.shape != (len(X),):
            raise ValueError(f"KNearestNeighbor.train: y must have shape ({len(X)},), one label per example, "
                             f"got {y.shape}")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError(f"KNearestNeighbor.train: labels must be non-negative integers, got dtype {y.dtype} "
                             f"with minimum {y.min()}; use y.astype(int)")
        self.X_train = X
        self.y_train = y
        return self

    def predict(self, X, k=1, num_loops=0, batch_size=500):
        """Labels of the rows of ``X: (N, D)``: ``(N,)`` int.  ``num_loops`` picks the distance method (0, 1, 2).

        Distances are computed ``batch_size`` test rows at a time, so memory stays
        bounded by ``batch_size x N_train`` whatever N is.
        """
        methods = {0: self.compute_distances_no_loops, 1: self.compute_distances_one_loop,
                   2: self.compute_distances_two_loops}
        if num_loops not in methods:
            raise ValueError(f"KNearestNeighbor.predict: num_loops must be 0, 1 or 2, got {num_loops!r}")
        return predict_labels(lambda rows: self.predict_labels(methods[num_loops](rows), k=k), X, batch_size,
                              labels=True)

    def compute_distances_two_loops(self, X):
        """L2 distances ``(N_test, N_train)``, one pair at a time (teaching reference)."""
        X = self._check_test("compute_distances_two_loops", X)
        dists = np.empty((len(X), len(self.X_train)))
        for i in range(len(X)):
            for j in range(len(self.X_train)):
                diff = X[i] - self.X_train[j]
                dists[i, j] = np.sqrt(np.sum(diff * diff))
        return dists

    def compute_distances_one_loop(self, X):
        """L2 distances ``(N_test, N_train)``, one test row at a time against all training rows."""
        X = self._check_test("compute_distances_one_loop", X)
        dists = np.empty((len(X), len(self.X_train)))
        for i in range(len(X)):
            diff = self.X_train - X[i]
            dists[i] = np.sqrt(np.sum(diff * diff, axis=1))
        return dists

    def compute_distances_no_loops(self, X):
        """L2 distances ``(N_test, N_train)`` as ``sqrt(max(0, |a|^2 - 2 a.b + |b|^2))`` with one matrix product."""
        X = self._check_test("compute_distances_no_loops", X)
        d2 = X @ self.X_train.T
        d2 *= -2
        d2 += np.einsum("ij,ij->i", X, X)[:, None]
        d2 += np.einsum("ij,ij->i", self.X_train, self.X_train)[None, :]
        np.maximum(d2, 0, out=d2)
        return np.sqrt(d2, out=d2)

    def predict_labels(self, dists, k=1):
        """Majority vote among the ``k`` nearest training labels for each row of ``dists: (N_test, N_train)``."""
        if self.y_train is None:
            raise ValueError("KNearestNeighbor: not trained; call train(X, y) first")
        dists = np.asarray(dists)
        if dists.ndim != 2 or dists.shape[1] != len(self.y_train):
            raise ValueError(f"KNearestNeighbor.predict_labels: dists must have shape (N_test, {len(self.y_train)}), "
                             f"got {dists.shape}")
        k = _check_k(k, len(self.y_train))
        order = np.argsort(dists, axis=1, kind="stable")
        return _vote(self.y_train[order], k)

    def _check_test(self, where, X):
        if self.X_train is None:
            raise ValueError(f"KNearestNeighbor.{where}: not trained; call train(X, y) first")
        X = _as_rows(f"KNearestNeighbor.{where}", X)
        if X.shape[1] != self.X_train.shape[1]:
            raise ValueError(f"KNearestNeighbor.{where}: test rows have {X.shape[1]} features but the training "
                             f"rows have {self.X_train.shape[1]}; flatten both the same way")
        return X


def cross_validate_k(X, y, k_choices, num_folds=5):
    """k-fold cross-validation of k-NN: ``{k: [accuracy on fold 1, ..., fold num_folds]}``.

    ``X`` is split in order into ``num_folds`` nearly equal folds (``np.array_split``,
    as in the course; shuffle beforehand if the data are ordered).  For each
    fold the others are the training set; distances are computed and sorted
    once per fold and reused for every ``k``.
    """
    X = _as_rows("cross_validate_k", X)
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"cross_validate_k: y must have shape ({len(X)},), got {y.shape}")
    num_folds = integer(num_folds, "num_folds", 2, len(X), where="cross_validate_k")
    k_choices = list(k_choices)
    if not k_choices:
        raise ValueError("cross_validate_k: k_choices is empty; pass e.g. [1, 3, 5, 10]")
    folds = np.array_split(np.arange(len(X)), num_folds)
    n_train = len(X) - max(len(f) for f in folds)
    for k in k_choices:
        _check_k(k, n_train)
    results = {k: [] for k in k_choices}
    knn = KNearestNeighbor()
    for i, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        knn.train(X[train], y[train])
        dists = knn.compute_distances_no_loops(X[val])
        nearest = knn.y_train[np.argsort(dists, axis=1, kind="stable")[:, :max(k_choices)]]
        for k in k_choices:
            results[k].append(float(np.mean(_vote(nearest, k) == y[val])))
    return results


def best_k(results):
    """The k with the highest mean cross-validation accuracy (the smallest such k on ties)."""
    if not results:
        raise ValueError("best_k: results is empty; pass the dict returned by cross_validate_k")
    return min(results, key=lambda k: (-np.mean(results[k]), k))


def _vote(nearest_labels, k):
    """Majority label among the first ``k`` columns of ``nearest_labels: (N, >= k)``; ties -> smallest label."""
    top = nearest_labels[:, :k]
    C = int(top.max()) + 1
    flat = top + (np.arange(len(top)) * C)[:, None]
    counts = np.bincount(flat.ravel(), minlength=len(top) * C).reshape(len(top), C)
    return np.argmax(counts, axis=1)  # argmax returns the first (smallest) label among equal counts


def _check_k(k, n_train):
    return integer(k, "k", 1, n_train)  # at most the number of training examples


def _as_rows(where, X):
    """``X`` as a float64 ``(N, D)`` array (flattening trailing axes), rejecting NaN/inf."""
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(f"{where}: expected examples as rows, shape (N, D) or (N, d1, ..., dk), got {X.shape}")
    X = X.reshape(len(X), -1).astype(np.float64, copy=False)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: X contains NaN or infinity; clean the data first")
    return X
