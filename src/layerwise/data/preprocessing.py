"""Preprocessing: mean image, per-channel standardization, flattening, PCA/ZCA
whitening and seeded splits.

Statistics are always accumulated in float64 (in chunks, so a uint8 data set is
never copied whole to float64) and fitted on the training part only, then applied
unchanged to validation and test data.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "mean_image",
    "channel_mean_std",
    "standardize",
    "flatten",
    "PCAWhitening",
    "split_indices",
    "train_val_split",
]

_CHUNK = 4096  # images per chunk when accumulating statistics


def _as_batch(X, name="X", min_ndim=2) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim < min_ndim or X.shape[0] == 0:
        raise ValueError(
            f"{name} should be a non-empty batch with at least {min_ndim} dimensions (N, ...), "
            f"got shape {X.shape}"
        )
    if not np.issubdtype(X.dtype, np.number):
        raise TypeError(f"{name} should hold numbers, got dtype {X.dtype}")
    return X


def _float_dtype(X, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    return X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float32)


def mean_image(X, dtype=None) -> np.ndarray:
    """Mean over the batch: ``X: (N, *S) -> (*S)``, accumulated in float64.

    Returned in ``dtype`` (default: ``X``'s float dtype, float32 for integer ``X``).
    """
    X = _as_batch(X, min_ndim=1)
    return X.mean(axis=0, dtype=np.float64).astype(_float_dtype(X, dtype), copy=False)


def channel_mean_std(X, channel_axis=-1):
    """Per-channel mean and standard deviation (population, ``ddof=0``) in float64.

    ``X: (N, H, W, C)`` with ``channel_axis=-1`` gives ``mean, std`` of shape
    ``(1, 1, 1, C)``; ``X: (N, C, H, W)`` with ``channel_axis=1`` gives ``(1, C, 1, 1)``;
    ``channel_axis=None`` pools every entry (shape ``(1, 1, 1, 1)``).
    Two passes (mean, then mean squared deviation) over chunks of images, so
    the memory needed beyond ``X`` is a chunk, not a copy of ``X``.
    """
    X = _as_batch(X)
    if channel_axis is None:
        axes = tuple(range(X.ndim))
        count = X.size
    else:
        ax = channel_axis % X.ndim
        if ax == 0:
            raise ValueError("channel_axis cannot be 0: axis 0 is the batch axis")
        axes = tuple(i for i in range(X.ndim) if i != ax)
        count = X.size // X.shape[ax]
    total = 0.0
    for s in range(0, len(X), _CHUNK):
        total = total + X[s : s + _CHUNK].sum(axis=axes, keepdims=True, dtype=np.float64)
    mean = total / count
    sq = 0.0
    for s in range(0, len(X), _CHUNK):
        d = X[s : s + _CHUNK] - mean
        sq = sq + (d * d).sum(axis=axes, keepdims=True)
    return mean, np.sqrt(sq / count)


def standardize(X, mean, std, *, scale=1.0, dtype=None) -> np.ndarray:
    """``(scale * X - mean) / std`` as a new array of ``dtype``.

    ``dtype`` defaults to ``X``'s float dtype (float32 for integer ``X``); ``mean`` and
    ``std`` broadcast against ``X`` (e.g. ``(1, 1, 1, C)``).  ``scale`` maps raw
    pixels to the units of ``mean``/``std`` (``1/255`` for [0, 1] statistics).
    Raises ValueError if ``std`` has a zero or non-finite entry.
    """
    X = _as_batch(X, min_ndim=1)
    std = np.asarray(std)
    if not np.all(np.isfinite(std)) or np.any(std <= 0):
        raise ValueError(f"std must be finite and positive everywhere, got {std.ravel()[:8]}")
    dt = _float_dtype(X, dtype)
    if not np.issubdtype(dt, np.floating):
        raise ValueError(f"standardize needs a float dtype such as np.float32, got {dt}")
    out = X.astype(dt, order="C")  # the one copy; the rest happens in place
    if scale != 1.0:
        out *= dt.type(scale)
    out -= np.asarray(mean, dtype=dt)
    out /= std.astype(dt)
    return out


def flatten(X) -> np.ndarray:
    """``(N, d1, ..., dk) -> (N, d1 * ... * dk)``; a view when ``X`` is contiguous."""
    X = np.asarray(X)
    if X.ndim < 1:
        raise ValueError(f"flatten expects a batch (N, ...), got a scalar of shape {X.shape}")
    return X.reshape(X.shape[0], -1)


class PCAWhitening:
    """PCA (or ZCA) whitening fitted on training data and applied to any split.

    With ``x`` a flattened sample, ``mu`` the training mean and ``Sigma = U diag(lam) U^T``
    the training covariance (eigenvalues descending):

    - PCA: ``z = (x - mu) @ U_k / sqrt(lam_k + eps)`` with the ``k = num_components``
      leading components: ``(N, ...) -> (N, k)``;
    - ZCA (``zca=True``): ``z = (x - mu) @ U_k diag(1/sqrt(lam_k + eps)) U_k^T``,
      reshaped back to the input's sample shape.

    ``eps`` is in the data's squared units (use ~0.1 for raw 0-255 pixels).
    """

    def __init__(self, num_components=None, eps=1e-5, zca=False):
        if num_components is not None and (int(num_components) != num_components or num_components < 1):
            raise ValueError(f"num_components should be a positive int or None, got {num_components!r}")
        if not eps >= 0:
            raise ValueError(f"eps should be >= 0, got {eps!r}")
        self.num_components = num_components
        self.eps = float(eps)
        self.zca = bool(zca)
        self.mean_ = None

    def fit(self, X) -> PCAWhitening:
        """Fit on ``X: (N, ...)`` (the training split)."""
        X = _as_batch(X, min_ndim=1)
        Xf = flatten(X).astype(np.float64)
        n, d = Xf.shape
        k = d if self.num_components is None else int(self.num_components)
        if k > d:
            raise ValueError(f"num_components={k} exceeds the input dimension {d}")
        self.mean_ = Xf.mean(axis=0)
        Xf -= self.mean_
        lam, U = np.linalg.eigh(Xf.T @ Xf / n)
        order = np.argsort(lam)[::-1][:k]
        self.explained_variance_ = np.maximum(lam[order], 0.0)
        self.components_ = U[:, order]  # (D, k)
        W = self.components_ / np.sqrt(self.explained_variance_ + self.eps)
        self.matrix_ = W @ self.components_.T if self.zca else W
        self.sample_shape_ = X.shape[1:]
        return self

    def transform(self, X, dtype=None) -> np.ndarray:
        """Whiten ``X: (N, *sample_shape)``; returned in ``dtype`` (default like :func:`mean_image`)."""
        if self.mean_ is None:
            raise RuntimeError("PCAWhitening.transform called before fit(X_train)")
        X = _as_batch(X, min_ndim=1)
        if X.shape[1:] != self.sample_shape_:
            raise ValueError(
                f"X has sample shape {X.shape[1:]} but the whitening was fitted on {self.sample_shape_}"
            )
        Z = (flatten(X) - self.mean_) @ self.matrix_
        if self.zca:
            Z = Z.reshape(X.shape)
        return Z.astype(_float_dtype(X, dtype), copy=False)

    def fit_transform(self, X, dtype=None) -> np.ndarray:
        return self.fit(X).transform(X, dtype=dtype)


def split_indices(n, sizes, seed=0, shuffle=True):
    """Disjoint index arrays of the given ``sizes`` drawn from ``range(n)``.

    With ``shuffle`` the indices come from ``np.random.default_rng(seed).permutation(n)``;
    without, they are consecutive (``0..sizes[0]-1``, then the next ``sizes[1]``, ...),
    which is the course's train/val split.  ``sum(sizes)`` may be less than ``n``.
    """
    sizes = [int(s) for s in sizes]
    if any(s < 0 for s in sizes) or sum(sizes) > n:
        raise ValueError(f"split sizes {sizes} need {sum(sizes)} samples but only {n} are available")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    bounds = np.cumsum([0] + sizes)
    return tuple(order[a:b] for a, b in zip(bounds[:-1], bounds[1:]))


def train_val_split(X, y, num_validation, seed=0, shuffle=True):
    """Split ``X: (N, ...)``, ``y: (N,)`` into ``X_train, y_train, X_val, y_val``.

    The validation part has ``num_validation`` samples; see :func:`split_indices`.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels; they must match")
    if not 0 <= int(num_validation) <= len(X):
        raise ValueError(f"num_validation should be in [0, {len(X)}], got {num_validation}")
    tr, va = split_indices(len(X), [len(X) - int(num_validation), num_validation], seed, shuffle)
    return X[tr], y[tr], X[va], y[va]
