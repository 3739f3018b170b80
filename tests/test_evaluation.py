"""Batched prediction and accuracy, and every model's predict()."""

import numpy as np
import pytest

from layerwise import evaluation
from layerwise.classifiers import ConvNet, FullyConnectedNet, TwoLayerNet
from layerwise.classifiers.neural_net import TwoLayerNet as ClassicTwoLayerNet
from layerwise.evaluation import accuracy, predict_labels


def test_batches_give_the_labels_of_one_pass_and_stay_bounded():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 4))
    X = rng.standard_normal((23, 6))
    sizes = []

    def scores(batch):
        sizes.append(len(batch))
        return batch @ W
    labels = predict_labels(scores, X, batch_size=5)
    assert np.array_equal(labels, np.argmax(X @ W, axis=1)) and max(sizes) == 5 and sum(sizes) == 23
    assert accuracy(scores, X, labels) == 1.0
    assert accuracy(scores, X, (labels + 1) % 4) == 0.0
    assert predict_labels(scores, X[:0]).shape == (0,)


def test_errors_name_the_caller():
    with pytest.raises(ValueError, match=r"compute_acc: expected X \(N, \.\.\.\) with N >= 1 and labels y \(N,\)"):
        accuracy(lambda b: b, np.zeros((3, 2)), np.zeros(2, int), where="compute_acc")
    with pytest.raises(ValueError, match="predict_labels: batch_size must be an integer >= 1, got 0"):
        predict_labels(lambda b: b, np.zeros((3, 2)), batch_size=0)


@pytest.mark.parametrize("make, shape", [
    (lambda: FullyConnectedNet([7], input_dim=12, num_classes=3, dtype=np.float64), (12,)),
    (lambda: TwoLayerNet(input_dim=12, hidden_dim=5, num_classes=3, weight_scale=1e-1), (12,)),
    (lambda: ConvNet(input_dim=(1, 4, 4), blocks=(2, "pool"), num_classes=3, dtype=np.float64), (1, 4, 4)),
    (lambda: ClassicTwoLayerNet(12, 5, 3, std=1e-1), (12,)),
])
def test_every_model_predicts_in_batches(make, shape):
    np.random.seed(1)
    model = make()
    X = np.random.randn(11, *shape)
    assert np.array_equal(model.predict(X, batch_size=4), np.argmax(model.loss(X), axis=1))


# --------------------------------------------------------------------------- test-time augmentation
# (used through the module: a bare ``test_time_*`` name imported here would be collected by pytest)


def _linear_scores(shape=(2, 5, 6), classes=4, seed=0):
    """A fixed random linear map of the flattened image: mirroring and translating change its value."""
    W = np.random.default_rng(seed).standard_normal((int(np.prod(shape)), classes))
    return lambda X: X.reshape(len(X), -1) @ W


def _reflect(k, n):
    """Index k in [-n + 1, 2n - 2] of a length-n axis mirrored at its ends (np.pad's 'reflect')."""
    return -k if k < 0 else 2 * (n - 1) - k if k >= n else k


def _shift(X, s):
    """out[..., i, j] = X[..., i + s, j + s], out-of-range indices reflected."""
    H, W = X.shape[2:]
    rows = [_reflect(i + s, H) for i in range(H)]
    cols = [_reflect(j + s, W) for j in range(W)]
    return X[:, :, rows][:, :, :, cols]


def _reference_levels(scores, X, pad):
    def m(Z):
        return 0.5 * (scores(Z) + scores(Z[..., ::-1]))
    return [scores(X), m(X), 0.5 * m(X) + 0.25 * (m(_shift(X, -pad)) + m(_shift(X, pad)))]


def test_shift_helper_agrees_with_np_pad_reflect():
    X = np.random.default_rng(2).standard_normal((3, 2, 5, 6))
    padded = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2)), mode="reflect")
    np.testing.assert_array_equal(_shift(X, -2), padded[:, :, :5, :6])
    np.testing.assert_array_equal(_shift(X, 2), padded[:, :, 4:, 4:])


@pytest.mark.parametrize("pad", [1, 2])
def test_test_time_augmented_levels_match_a_hand_computed_combination(pad):
    X = np.random.default_rng(1).standard_normal((7, 2, 5, 6))
    before = X.copy()
    scores = _linear_scores()
    expected = _reference_levels(scores, X, pad)
    for level in (0, 1, 2):
        got = evaluation.test_time_augmented(scores, level=level, pad=pad)(X)
        assert got.shape == (7, 4)
        np.testing.assert_allclose(got, expected[level], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(evaluation.test_time_augmented(scores, level=0)(X), scores(X))
    np.testing.assert_array_equal(X, before)
    # the views matter: each level really differs from the one below for this scores function
    assert not np.allclose(expected[0], expected[1]) and not np.allclose(expected[1], expected[2])
    # default: level 1 (mirror)
    np.testing.assert_allclose(evaluation.test_time_augmented(scores)(X), expected[1], rtol=1e-12, atol=1e-12)


def test_level_two_counts_the_views_as_documented():
    """With scores that see a single pixel the combination can be written out in numbers."""
    X = np.arange(2 * 1 * 3 * 3, dtype=np.float64).reshape(2, 1, 3, 3)
    def corner(Z):  # the top-left pixel, as one score
        return Z[:, 0, 0, 0][:, None]
    got = evaluation.test_time_augmented(corner, level=2, pad=1)(X)
    # image 0 is [[0,1,2],[3,4,5],[6,7,8]]: plain 0, mirror 2; shifted down-right (reflect) the corner is 4,
    # mirrored then 4; shifted up-left it is 4 and 4 again (reflection about the first row/column).
    # level 2 = 0.5 * (0 + 2) / 2 + 0.25 * ((4 + 4) / 2 + (4 + 4) / 2) = 0.5 + 2 = 2.5
    np.testing.assert_allclose(got[:, 0], [2.5, 2.5 + 9], rtol=0, atol=1e-12)


def test_test_time_scores_gives_every_level_whatever_the_batch_size():
    X = np.random.default_rng(3).standard_normal((11, 2, 5, 6))
    scores = _linear_scores(seed=4)
    calls = []

    def counted(Z):
        calls.append(len(Z))
        return scores(Z)
    for pad in (1, 2):
        expected = [evaluation.test_time_augmented(scores, level=k, pad=pad)(X) for k in range(3)]
        for batch_size in (1, 4, 11, 500):
            calls.clear()
            levels = evaluation.test_time_scores(counted, X, level=2, pad=pad, batch_size=batch_size)
            assert len(levels) == 3 and max(calls) == min(batch_size, 11)
            assert sum(calls) == 6 * 11  # one pass per view: plain, mirror, two shifts and their mirrors
            for got, want in zip(levels, expected):
                assert got.shape == (11, 4)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    one = evaluation.test_time_scores(scores, X, level=1, batch_size=3)
    assert len(one) == 2
    np.testing.assert_allclose(one[1], expected[1], rtol=1e-12, atol=1e-12)
    zero = evaluation.test_time_scores(scores, X, level=0)
    assert len(zero) == 1
    np.testing.assert_array_equal(zero[0], scores(X))


def test_mirror_invariant_scores_gain_nothing_from_the_mirror():
    X = np.random.default_rng(5).standard_normal((6, 3, 4, 4))

    def symmetric(Z):  # unchanged by Z[..., ::-1]
        return np.stack([Z.sum(axis=(1, 2, 3)), (Z * Z[..., ::-1]).sum(axis=(1, 2, 3))], axis=1)
    plain = evaluation.test_time_augmented(symmetric, level=0)(X)
    np.testing.assert_allclose(evaluation.test_time_augmented(symmetric, level=1)(X), plain, rtol=1e-13)
    lv = evaluation.test_time_scores(symmetric, X, level=1)
    np.testing.assert_allclose(lv[1], lv[0], rtol=1e-13)


def test_test_time_augmentation_works_with_accuracy():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((20, 2, 5, 6))
    scores = _linear_scores()
    tta = evaluation.test_time_augmented(scores, level=2)
    labels = np.argmax(evaluation.test_time_scores(scores, X)[2], axis=1)
    assert accuracy(tta, X, labels, batch_size=7) == 1.0
    np.testing.assert_array_equal(predict_labels(tta, X, batch_size=3), labels)


def test_test_time_augmentation_refuses_bad_arguments():
    scores = _linear_scores()
    X = np.zeros((2, 2, 5, 6))
    for bad in (3, -1, "mirror", None):
        with pytest.raises(ValueError, match=r"test_time_augmented: test-time augmentation level must be 0 \(none\), "
                                             r"1 \(mirror\) or 2 \(mirror \+ translate\), got"):
            evaluation.test_time_augmented(scores, level=bad)
        with pytest.raises(ValueError, match=r"test_time_scores: test-time augmentation level must be 0 \(none\)"):
            evaluation.test_time_scores(scores, X, level=bad)
    with pytest.raises(ValueError, match="test_time_augmented: pad must be an integer >= 1, got 0"):
        evaluation.test_time_augmented(scores, level=2, pad=0)
    with pytest.raises(ValueError, match="test_time_scores: batch_size must be an integer >= 1, got 0"):
        evaluation.test_time_scores(scores, X, batch_size=0)
    with pytest.raises(ValueError, match=r"test-time translation needs images \(n, C, H, W\), got shape \(2, 60\)"):
        evaluation.test_time_augmented(lambda Z: Z, level=2)(np.zeros((2, 60)))
