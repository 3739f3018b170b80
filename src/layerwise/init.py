"""Weight initializations beyond random draws: identity (Dirac) filters and patch whitening.

- :func:`dirac_`: convolution filters that pass their first input channels through unchanged.
- :func:`whitening_filters`: a ``k x k`` 'valid' convolution that whitens the
  training images' patches, from the eigendecomposition of their covariance.

Filter banks are ``(F, C, k, k)``, as everywhere in the library.
"""

from __future__ import annotations

import numpy as np

from .checks import integer

__all__ = ["dirac_", "patch_covariance", "whitening_filters"]


def dirac_(w):
    """Set filters ``0 .. min(F, C) - 1`` of ``w: (F, C, kh, kw)`` to identities, in place; returns ``w``.

    Filter ``f`` becomes 1 at the centre of its input channel ``f``
    (``w[f, f, kh // 2, kw // 2] = 1``) and 0 elsewhere, so a 'same'
    convolution copies channel f to output f; filters from ``C`` on are left
    as they are (PyTorch's ``dirac_`` applied to ``w[:C]``).
    """
    if np.ndim(w) != 4:
        raise ValueError(f"dirac_: expected filters (F, C, kh, kw), got shape {np.shape(w)}")
    F, C, kh, kw = w.shape
    n = min(F, C)
    w[:n] = 0
    w[np.arange(n), np.arange(n), kh // 2, kw // 2] = 1
    return w


def patch_covariance(X, size, batch=512):
    """The uncentred covariance ``P.T @ P / M`` of all ``size x size`` patches of ``X: (N, C, H, W)``.

    P holds the ``M = N (H - size + 1) (W - size + 1)`` patches as rows of
    ``C * size * size`` values in (c, i, j) order; accumulated in float64,
    ``batch`` images at a time.  Returns ``(C size^2, C size^2)``.
    """
    if np.ndim(X) != 4:
        raise ValueError(f"patch_covariance: expected images (N, C, H, W), got shape {np.shape(X)}")
    size = integer(size, "size", 1, where="patch_covariance")
    N, C, H, W = X.shape
    if size > min(H, W) or N == 0:
        raise ValueError(f"patch_covariance: needs at least one image at least {size}x{size}, got shape {X.shape}")
    Ho, Wo = H - size + 1, W - size + 1
    D = C * size * size
    total = np.zeros((D, D))
    for start in range(0, N, batch):
        x = np.asarray(X[start:start + batch], dtype=np.float64)
        windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))  # (n, C, Ho, Wo, k, k)
        patches = windows.transpose(0, 2, 3, 1, 4, 5).reshape(-1, D)
        total += patches.T @ patches
    return total / (N * Ho * Wo)


def whitening_filters(X, size=2, eps=5e-4, dtype=np.float32):
    """Filters of a ``size x size`` 'valid' convolution that whiten the patches of ``X: (N, C, H, W)``.

    With ``Sigma = V diag(lambda) V.T`` the patches' (uncentred) covariance
    (:func:`patch_covariance`), eigenvalues in decreasing order, filter ``d``
    is eigenvector ``v_d / sqrt(lambda_d + eps)``: its outputs over the
    patches have unit variance and are uncorrelated.  The bank holds each
    filter and its negative (after a GELU or ReLU both signs survive), the
    airbench speedrun's whitening layer.  Returns ``(2 D, C, size, size)``
    with ``D = C size^2``.
    """
    sigma = patch_covariance(X, size)
    eigenvalues, eigenvectors = np.linalg.eigh(sigma)            # increasing order
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, eigenvectors = np.clip(eigenvalues[order], 0, None), eigenvectors[:, order]
    C = np.shape(X)[1]
    filters = (eigenvectors / np.sqrt(eigenvalues + eps)).T.reshape(-1, C, size, size)
    return np.concatenate([filters, -filters]).astype(dtype)
