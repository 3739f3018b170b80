"""Preprocessing: hand-worked statistics, whitening checked against its definition and scikit-learn."""

import numpy as np
import pytest

from layerwise.data import (
    PCAWhitening,
    channel_mean_std,
    flatten,
    mean_image,
    split_indices,
    standardize,
    train_val_split,
)


def test_mean_image_hand_example():
    X = np.array([[[0, 2], [4, 6]], [[2, 2], [0, 255]]], dtype=np.uint8)  # (2, 2, 2)
    m = mean_image(X)
    np.testing.assert_array_equal(m, [[1, 2], [2, 130.5]])
    assert m.dtype == np.float32  # integer input -> float32
    assert mean_image(X.astype(np.float64)).dtype == np.float64
    assert mean_image(X, dtype=np.float64).dtype == np.float64


def test_mean_image_accumulates_in_float64():
    X = np.full((200000, 2), 0.1, dtype=np.float32)
    X[::2] = 1e4
    expected = (1e4 + np.float64(np.float32(0.1))) / 2
    # Summing rows in float32 would be off by about 6 here.
    np.testing.assert_allclose(mean_image(X), [expected, expected], rtol=1e-7)


def test_channel_mean_std_hand_example():
    # Two 1x2 images with 2 channels, NHWC: channel 0 holds 0, 2, 4, 6; channel 1 holds 1, 1, 1, 5.
    X = np.array([[[[0, 1], [2, 1]]], [[[4, 1], [6, 5]]]], dtype=np.uint8)
    mean, std = channel_mean_std(X)
    assert mean.shape == (1, 1, 1, 2) and std.shape == (1, 1, 1, 2)
    np.testing.assert_allclose(mean.ravel(), [3.0, 2.0])
    np.testing.assert_allclose(std.ravel(), [np.sqrt(5.0), np.sqrt(3.0)])  # population std
    mean_c, std_c = channel_mean_std(X.transpose(0, 3, 1, 2), channel_axis=1)
    assert mean_c.shape == (1, 2, 1, 1)
    np.testing.assert_allclose(std_c.ravel(), std.ravel())


def test_channel_mean_std_over_many_chunks_matches_numpy():
    X = np.random.default_rng(0).integers(0, 256, (9000, 2, 2, 3), dtype=np.uint8)  # > 2 chunks
    mean, std = channel_mean_std(X)
    Xf = X.astype(np.float64)
    np.testing.assert_allclose(mean, Xf.mean(axis=(0, 1, 2), keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(std, Xf.std(axis=(0, 1, 2), keepdims=True), rtol=1e-12)
    with pytest.raises(ValueError, match="axis 0 is the batch axis"):
        channel_mean_std(X, channel_axis=0)
    mean_all, std_all = channel_mean_std(X, channel_axis=None)  # every entry pooled
    assert mean_all.shape == std_all.shape == (1, 1, 1, 1)
    np.testing.assert_allclose(mean_all.item(), Xf.mean(), rtol=1e-12)
    np.testing.assert_allclose(std_all.item(), Xf.std(), rtol=1e-12)


def test_standardize_hand_example():
    X = np.array([[[[0, 255]]], [[[51, 102]]]], dtype=np.uint8)  # (2, 1, 1, 2) NHWC
    out = standardize(X, mean=np.array([0.5, 0.5]), std=np.array([0.25, 0.5]), scale=1 / 255)
    np.testing.assert_allclose(out.reshape(2, 2), [[-2.0, 1.0], [-1.2, -0.2]], rtol=1e-6)
    assert out.dtype == np.float32
    T = np.arange(24, dtype=np.float64).reshape(2, 3, 4).transpose(0, 2, 1)  # non-contiguous input
    out = standardize(T, 1.0, 2.0)
    assert out.flags.c_contiguous and out.dtype == np.float64
    np.testing.assert_allclose(out, (T - 1.0) / 2.0)


def test_standardize_rejects_bad_std_and_dtype():
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="std must be finite and positive"):
        standardize(X, 0.0, np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="std must be finite and positive"):
        standardize(X, 0.0, np.nan)
    with pytest.raises(ValueError, match="float dtype"):
        standardize(X, 0.0, 1.0, dtype=np.int32)


def test_flatten():
    X = np.arange(24).reshape(2, 3, 4)
    F = flatten(X)
    assert F.shape == (2, 12) and np.shares_memory(F, X)
    np.testing.assert_array_equal(F[1], np.arange(12, 24))
    with pytest.raises(ValueError, match="batch"):
        flatten(np.float64(3.0))


def correlated(n=2000, d=5, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    return rng.standard_normal((n, d)) @ A + rng.standard_normal(d) * 3


def test_pca_whitening_gives_identity_covariance_on_train():
    X = correlated()
    w = PCAWhitening(eps=0.0).fit(X)
    Z = w.transform(X)
    assert Z.shape == (2000, 5) and Z.dtype == np.float64
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.eye(5), atol=1e-10)
    assert np.all(np.diff(w.explained_variance_) <= 0)  # leading components first


def test_pca_whitening_matches_scikit_learn_up_to_sign():
    decomposition = pytest.importorskip("sklearn.decomposition")
    X, X_test = correlated(seed=1), correlated(n=50, seed=2)
    ours = PCAWhitening(num_components=3, eps=0.0).fit(X).transform(X_test)
    ref = decomposition.PCA(n_components=3, whiten=True, svd_solver="full").fit(X).transform(X_test)
    n = len(X)
    ref = ref * np.sqrt(n / (n - 1))  # scikit-learn divides by sqrt of the ddof=1 variance
    signs = np.sign(np.sum(ours * ref, axis=0))
    np.testing.assert_allclose(ours, ref * signs, rtol=1e-6, atol=1e-9)


def test_zca_whitening_keeps_the_shape_and_is_symmetric():
    X = correlated(d=12).reshape(-1, 3, 2, 2)
    w = PCAWhitening(zca=True, eps=1e-12)
    Z = w.fit_transform(X, dtype=np.float32)
    assert Z.shape == X.shape and Z.dtype == np.float32
    F = Z.reshape(len(Z), -1).astype(np.float64)
    np.testing.assert_allclose(F.T @ F / len(F), np.eye(12), atol=1e-5)
    np.testing.assert_allclose(w.matrix_, w.matrix_.T, atol=1e-10)


def test_whitening_errors():
    with pytest.raises(RuntimeError, match="before fit"):
        PCAWhitening().transform(np.ones((3, 2)))
    w = PCAWhitening().fit(correlated(d=4))
    with pytest.raises(ValueError, match=r"sample shape \(5,\) but the whitening was fitted on \(4,\)"):
        w.transform(np.ones((2, 5)))
    with pytest.raises(ValueError, match="num_components=7 exceeds the input dimension 4"):
        PCAWhitening(num_components=7).fit(correlated(d=4))
    with pytest.raises(ValueError, match="positive int"):
        PCAWhitening(num_components=0)


def test_split_indices():
    a, b, c = split_indices(10, [5, 3, 2], seed=4)
    assert sorted(np.concatenate([a, b, c]).tolist()) == list(range(10))
    assert (len(a), len(b), len(c)) == (5, 3, 2)
    for x, y in zip((a, b, c), split_indices(10, [5, 3, 2], seed=4)):
        np.testing.assert_array_equal(x, y)
    assert not all(np.array_equal(x, y) for x, y in zip((a, b, c), split_indices(10, [5, 3, 2], seed=5)))
    first, second = split_indices(10, [6, 2], shuffle=False)  # the course's consecutive split
    assert first.tolist() == list(range(6)) and second.tolist() == [6, 7]
    with pytest.raises(ValueError, match="need 11 samples but only 10"):
        split_indices(10, [6, 5])


def test_train_val_split_keeps_pairs_together():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20) * 10
    Xtr, ytr, Xva, yva = train_val_split(X, y, num_validation=5, seed=1)
    assert Xtr.shape == (15, 2) and Xva.shape == (5, 2)
    np.testing.assert_array_equal(Xtr[:, 0] * 5, ytr)  # row i of X is (2i, 2i+1), label 10i
    np.testing.assert_array_equal(Xva[:, 0] * 5, yva)
    assert set(ytr).isdisjoint(yva)
    with pytest.raises(ValueError, match="X has 20 samples but y has 3 labels"):
        train_val_split(X, y[:3], 5)
    with pytest.raises(ValueError, match=r"num_validation should be in \[0, 20\], got 21"):
        train_val_split(X, y, 21)
