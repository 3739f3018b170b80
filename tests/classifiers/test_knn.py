"""k-nearest neighbours: the three distance computations, the vote and its tie rule,
cross-validation of k, and errors."""

import numpy as np
import pytest

from layerwise.classifiers.k_nearest_neighbor import KNearestNeighbor, best_k, cross_validate_k


@pytest.fixture
def rng():
    return np.random.default_rng(231)


@pytest.fixture
def fitted(rng):
    X_train = rng.integers(0, 256, (120, 3, 4, 4)).astype(np.float32)  # image-like, flattened by train
    y_train = rng.integers(0, 10, 120)
    X_test = rng.integers(0, 256, (25, 3, 4, 4)).astype(np.float32)
    return KNearestNeighbor().train(X_train, y_train), X_test


# --------------------------------------------------------------------------- distances

def test_distances_hand_worked():
    knn = KNearestNeighbor().train(np.array([[0.0, 0.0], [3.0, 4.0], [-1.0, 1.0]]), np.array([0, 1, 2]))
    X = np.array([[0.0, 0.0], [6.0, 8.0]])
    expected = np.array([[0.0, 5.0, np.sqrt(2)], [10.0, 5.0, np.sqrt(49 + 49)]])
    for method in (knn.compute_distances_two_loops, knn.compute_distances_one_loop, knn.compute_distances_no_loops):
        assert np.allclose(method(X), expected, rtol=1e-12, atol=1e-12)


def test_three_distance_methods_agree(fitted):
    knn, X = fitted
    two = knn.compute_distances_two_loops(X)
    one = knn.compute_distances_one_loop(X)
    none = knn.compute_distances_no_loops(X)
    assert two.shape == (25, 120) and two.dtype == np.float64
    assert np.array_equal(one, two)
    assert np.max(np.abs(none - two) / two) < 1e-9


def test_distances_match_scipy(fitted):
    distance = pytest.importorskip("scipy.spatial.distance")
    knn, X = fitted
    ref = distance.cdist(X.reshape(25, -1).astype(np.float64), knn.X_train)
    assert np.max(np.abs(knn.compute_distances_no_loops(X) - ref) / ref) < 1e-9


def test_no_loop_distance_of_identical_rows_is_zero_not_nan(rng):
    # |a|^2 - 2ab + |b|^2 cancels catastrophically for a == b with large entries; the
    # tiny negative results must be clipped before the square root.
    X = 1e4 + rng.random((30, 50))
    knn = KNearestNeighbor().train(X, np.zeros(30, dtype=int))
    with np.errstate(invalid="raise"):
        d = knn.compute_distances_no_loops(X)
    assert np.all(np.isfinite(d))
    assert np.all(np.diag(d) <= 1e-2 * np.min(d[~np.eye(30, dtype=bool)]))


# --------------------------------------------------------------------------- voting

def test_majority_vote_and_tie_rule():
    # Training points on a line at 0, 1, 2, 3, 10 with labels 2, 2, 1, 1, 0.
    knn = KNearestNeighbor().train(np.array([[0.0], [1.0], [2.0], [3.0], [10.0]]), np.array([2, 2, 1, 1, 0]))
    X = np.array([[0.1], [2.9], [1.5], [10.0]])
    assert np.array_equal(knn.predict(X, k=1), [2, 1, 2, 0])  # 1.5: equidistant from 1 and 2 -> first row
    assert np.array_equal(knn.predict(X, k=3), [2, 1, 2, 1])
    # k=4 around 1.5: labels {2, 2, 1, 1} -> a tie, won by the smaller label 1; at 0.1 the
    # nearest four are also 2, 2, 1, 1.
    assert np.array_equal(knn.predict(X, k=4), [1, 1, 1, 1])
    # k=5: 2, 2, 1, 1, 0 -> tie between 1 and 2 -> 1.
    assert np.array_equal(knn.predict(X, k=5), [1, 1, 1, 1])


def test_predict_labels_from_given_distances():
    knn = KNearestNeighbor().train(np.zeros((4, 1)), np.array([3, 0, 3, 0]))
    dists = np.array([[0.0, 1.0, 2.0, 3.0],
                      [5.0, 4.0, 0.5, 9.0],
                      [1.0, 1.0, 1.0, 1.0]])
    assert np.array_equal(knn.predict_labels(dists, k=1), [3, 3, 3])
    assert np.array_equal(knn.predict_labels(dists, k=2), [0, 0, 0])  # 1-1 ties -> label 0
    assert np.array_equal(knn.predict_labels(dists, k=3), [3, 3, 3])


@pytest.mark.parametrize("k", [1, 3, 8])
def test_predict_is_the_same_for_every_distance_method(fitted, k):
    knn, X = fitted
    preds = [knn.predict(X, k=k, num_loops=n) for n in (0, 1, 2)]
    assert np.array_equal(preds[0], preds[1]) and np.array_equal(preds[1], preds[2])


def test_knn_classifies_separated_clusters(rng):
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    y = rng.integers(0, 3, 90)
    X = centers[y] + rng.standard_normal((90, 2))
    knn = KNearestNeighbor().train(X[:60], y[:60])
    assert np.mean(knn.predict(X[60:], k=5) == y[60:]) == 1.0


# --------------------------------------------------------------------------- cross-validation

def test_cross_validate_k_matches_fold_by_fold_prediction(rng):
    X = rng.standard_normal((53, 6))
    y = rng.integers(0, 4, 53)
    ks = [1, 3, 5, 8]
    results = cross_validate_k(X, y, ks, num_folds=4)
    assert sorted(results) == ks and all(len(results[k]) == 4 for k in ks)
    folds = np.array_split(np.arange(53), 4)
    for i, val in enumerate(folds):
        train = np.setdiff1d(np.arange(53), val)
        knn = KNearestNeighbor().train(X[train], y[train])
        for k in ks:
            assert results[k][i] == np.mean(knn.predict(X[val], k=k, num_loops=1) == y[val])


def test_cross_validate_k_on_separable_data(rng):
    centers = np.array([[0.0, 0.0], [20.0, 0.0]])
    y = rng.integers(0, 2, 100)
    X = centers[y] + rng.standard_normal((100, 2))
    results = cross_validate_k(X, y, [1, 5], num_folds=5)
    assert results == {1: [1.0] * 5, 5: [1.0] * 5}


def test_best_k_prefers_the_highest_mean_then_the_smallest_k():
    assert best_k({1: [0.25, 0.25], 5: [0.5, 0.5], 10: [0.75, 0.25]}) == 5
    assert best_k({10: [0.5], 3: [0.5], 7: [0.625]}) == 7
    assert best_k({10: [0.5], 3: [0.5], 7: [0.25]}) == 3


# --------------------------------------------------------------------------- errors

def test_knn_errors(fitted):
    knn, X = fitted
    with pytest.raises(ValueError, match="not trained; call train"):
        KNearestNeighbor().predict(X)
    with pytest.raises(ValueError, match="num_loops must be 0, 1 or 2, got 3"):
        knn.predict(X, num_loops=3)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 120\].*got 0"):
        knn.predict(X, k=0)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 120\].*got 121"):
        knn.predict(X, k=121)
    with pytest.raises(ValueError, match="test rows have 47 features but the training rows have 48"):
        knn.compute_distances_no_loops(X.reshape(25, -1)[:, :47])
    with pytest.raises(ValueError, match=r"dists must have shape \(N_test, 120\), got \(25, 7\)"):
        knn.predict_labels(np.zeros((25, 7)))
    with pytest.raises(ValueError, match=r"y must have shape \(3,\)"):
        KNearestNeighbor().train(np.zeros((3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="labels must be non-negative integers"):
        KNearestNeighbor().train(np.zeros((3, 2)), np.array([0, -1, 2]))
    with pytest.raises(ValueError, match="labels must be non-negative integers, got dtype float64"):
        KNearestNeighbor().train(np.zeros((3, 2)), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="NaN or infinity"):
        KNearestNeighbor().train(np.array([[0.0], [np.inf]]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"num_folds must be an integer in \[2, 10\], got 1"):
        cross_validate_k(np.zeros((10, 2)), np.zeros(10, dtype=int), [1], num_folds=1)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 8\].*got 9"):
        cross_validate_k(np.zeros((10, 2)), np.zeros(10, dtype=int), [1, 9], num_folds=5)
    with pytest.raises(ValueError, match="k_choices is empty"):
        cross_validate_k(np.zeros((10, 2)), np.zeros(10, dtype=int), [])


def test_predict_in_batches_gives_the_labels_of_one_pass():
    rng = np.random.default_rng(5)
    knn = KNearestNeighbor().train(rng.standard_normal((50, 4)), rng.integers(0, 3, 50))
    X = rng.standard_normal((23, 4))
    assert np.array_equal(knn.predict(X, k=3, batch_size=4), knn.predict(X, k=3, batch_size=1000))
