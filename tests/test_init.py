"""Dirac filters and patch-whitening filters."""

import numpy as np
import pytest

from layerwise import layers as L
from layerwise.init import dirac_, patch_covariance, whitening_filters


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def test_dirac_filters_copy_their_channels_through_a_same_convolution(rng):
    x = rng.standard_normal((2, 3, 6, 6))
    w = dirac_(rng.standard_normal((5, 3, 3, 3)))
    out, _ = L.conv_forward(x, w, np.zeros(5), {"stride": 1, "pad": 1})
    np.testing.assert_array_equal(out[:, :3], x)        # the first C filters are identities
    assert np.abs(out[:, 3:]).max() > 0                 # the others keep their random values


def test_dirac_with_fewer_filters_than_channels_keeps_the_first_channels(rng):
    w = dirac_(rng.standard_normal((2, 4, 3, 3)))
    expected = np.zeros((2, 4, 3, 3))
    expected[0, 0, 1, 1] = expected[1, 1, 1, 1] = 1
    np.testing.assert_array_equal(w, expected)


def test_dirac_refuses_what_is_not_a_filter_bank():
    with pytest.raises(ValueError, match=r"expected filters \(F, C, kh, kw\), got shape \(3, 3\)"):
        dirac_(np.zeros((3, 3)))


def test_patch_covariance_equals_the_explicit_patch_matrix(rng):
    X = rng.standard_normal((7, 2, 5, 4))
    patches = np.array([X[n, :, i:i + 2, j:j + 2].ravel() for n in range(7) for i in range(4) for j in range(3)])
    expected = patches.T @ patches / len(patches)
    np.testing.assert_allclose(patch_covariance(X, 2, batch=3), expected, rtol=1e-12)


def test_whitening_filters_whiten_the_patches(rng):
    # correlated channels, so the whitening has work to do
    X = rng.standard_normal((40, 3, 9, 9))
    X[:, 1] += 0.8 * X[:, 0]
    X[:, :, :, 1:] += 0.5 * X[:, :, :, :-1]
    w = whitening_filters(X, size=2, eps=0.0, dtype=np.float64)
    assert w.shape == (24, 3, 2, 2)
    np.testing.assert_allclose(w[12:], -w[:12])
    out, _ = L.conv_forward(X, w[:12], np.zeros(12), {"stride": 1, "pad": 0})
    responses = out.transpose(1, 0, 2, 3).reshape(12, -1)
    np.testing.assert_allclose(responses @ responses.T / responses.shape[1], np.eye(12), atol=1e-9)


def test_whitening_filters_come_in_decreasing_eigenvalue_order(rng):
    X = rng.standard_normal((20, 1, 6, 6))
    X[:, :, :, 1:] += X[:, :, :, :-1]                   # horizontal neighbours correlate
    w = whitening_filters(X, size=2, eps=0.0, dtype=np.float64)[:4]
    eigenvalues = np.linalg.eigvalsh(patch_covariance(X, 2))[::-1]
    # filter d is v_d / sqrt(lambda_d): its squared norm is 1 / lambda_d, increasing
    np.testing.assert_allclose((w.reshape(4, -1) ** 2).sum(axis=1), 1 / eigenvalues, rtol=1e-9)


def test_whitening_needs_images_large_enough():
    with pytest.raises(ValueError, match="at least 3x3"):
        whitening_filters(np.zeros((2, 3, 2, 2)), size=3)
