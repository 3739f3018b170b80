"""CIFAR-10 and CIFAR-100 loaders.

Both read the canonical "python version" releases, either extracted
(``cifar-10-batches-py/``, ``cifar-100-python/``) or straight from the ``.tar.gz``
without extracting; CIFAR-100 also reads the MATLAB release (``cifar-100-matlab/``
or its archive, via SciPy).  Pickles go through
:class:`~layerwise.data.safe_pickle.RestrictedUnpickler`, so loading never runs
code from a data file.  Every file is validated (image array ``(n, 3072)`` uint8,
one label per image, labels in range) and a damaged one raises
:class:`~layerwise.data.paths.DataFileError`.

An image row holds 1024 red, then 1024 green, then 1024 blue values, each a 32x32
image in row-major order, so ``row.reshape(3, 32, 32)`` is ``(C, H, W)``.  The decoded
uint8 arrays are cached in-process (keyed on path, size and modification time of the
files), so repeated calls such as ``get_CIFAR10_data()`` in a notebook skip the ~2 s
decode; :func:`clear_cache` frees them.  Checksums are not verified when loading
(``download_cifar10``/``download_cifar100`` verify what they fetch).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np

from ..checks import integer
from .paths import DataFileError, DatasetLocation, locate_dataset
from .preprocessing import channel_mean_std, mean_image, standardize
from .safe_pickle import UnsafePickleError, restricted_loads
from .splits import DataSplits

__all__ = [
    "CIFAR10_CLASSES",
    "load_CIFAR10",
    "get_CIFAR10_data",
    "load_CIFAR100",
    "CIFAR100_label_names",
    "CIFAR100_data",
    "clear_cache",
]

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip

_IMAGE_SIZE = 3 * 32 * 32
_C10_META = "batches.meta"
_C10_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_C10_TEST = "test_batch"
_C10_FILES = (_C10_META,) + _C10_TRAIN + (_C10_TEST,)
_C10_FIX = (
    "Fix: set LAYERWISE_DATA to the folder holding cifar-10-python.tar.gz, pass root=..., "
    "or call layerwise.data.download_cifar10(root) to fetch it (163 MB)."
)

_C100_PY = ("train", "test", "meta")
_C100_MAT = ("train.mat", "test.mat", "meta.mat")
_C100_FIX = (
    "Fix: set LAYERWISE_DATA to the folder holding cifar-100-python.tar.gz (or cifar-100-python/, "
    "cifar-100-matlab/), pass root=..., or call layerwise.data.download_cifar100(root) to fetch it (161 MB)."
)
_C100_CLASSES = {"fine": 100, "coarse": 20}


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class _Raw:
    """A decoded data set: uint8 image rows ``(N, 3072)`` and int64 labels, all read-only."""

    x_train: np.ndarray
    x_test: np.ndarray
    labels_train: dict  # label kind -> (N,) int64
    labels_test: dict
    names: dict  # label kind -> tuple of class names


def _text(s):
    return s.decode("latin-1") if isinstance(s, bytes) else str(s)


def _source(loc: DatasetLocation, name: str) -> str:
    return str(loc.path / name) if loc.kind == "dir" else f"{name} in {loc.path}"


def _unpickle(blob: bytes, source: str) -> dict:
    try:
        obj = restricted_loads(blob, source=source)
    except UnsafePickleError:
        raise
    except Exception as exc:  # a damaged pickle can fail in many ways; report them all alike
        raise DataFileError(
            f"{source} is corrupt or truncated and cannot be unpickled ({type(exc).__name__}: {exc}). "
            "Delete it and download the data set again."
        ) from exc
    if not isinstance(obj, dict):
        raise DataFileError(f"{source} should hold a dict, got {type(obj).__name__}: not a CIFAR file")
    return {_text(k): v for k, v in obj.items()}


def _loadmat(blob: bytes, source: str) -> dict:
    try:
        from scipy.io import loadmat
    except ImportError as exc:
        raise ImportError(
            "Reading the MATLAB release of CIFAR-100 needs SciPy: pip install scipy "
            "(or use the python release, cifar-100-python.tar.gz, which needs nothing extra)."
        ) from exc
    try:
        mat = loadmat(io.BytesIO(blob))
    except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
        raise DataFileError(f"{source} is a MATLAB v7.3 (HDF5) file; save it with -v7 or earlier") from exc
    except Exception as exc:
        raise DataFileError(
            f"{source} is corrupt or truncated and cannot be read as a .mat file "
            f"({type(exc).__name__}: {exc}). Delete it and download the data set again."
        ) from exc
    return {k: v for k, v in mat.items() if not k.startswith("__")}


def _get(d: dict, key: str, source: str):
    if key not in d:
        raise DataFileError(f"{source} has no '{key}' entry (it has {sorted(d)}); it is not a CIFAR file")
    return d[key]


def _images(d: dict, source: str, rows=None) -> np.ndarray:
    x = _get(d, "data", source)
    if not (
        isinstance(x, np.ndarray)
        and x.dtype == np.uint8
        and x.ndim == 2
        and x.shape[1] == _IMAGE_SIZE
        and (rows is None or x.shape[0] == rows)
    ):
        got = f"a {x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray) else type(x).__name__
        raise DataFileError(
            f"{source}: 'data' should be a uint8 array of shape ({rows or 'n'}, {_IMAGE_SIZE}), got {got}. "
            "The file is truncated or not a CIFAR file; download the data set again."
        )
    return x


def _labels(d: dict, key: str, n: int, num_classes: int, source: str) -> np.ndarray:
    y = np.asarray(_get(d, key, source))
    if y.ndim == 2 and y.shape[1] == 1:  # MATLAB column vector
        y = y[:, 0]
    if y.size == 0:
        y = y.astype(np.int64)
    if y.ndim != 1 or len(y) != n or not np.issubdtype(y.dtype, np.integer):
        raise DataFileError(
            f"{source}: '{key}' should hold {n} integer labels (one per image), "
            f"got a {y.dtype} array of shape {y.shape}"
        )
    if n and (y.min() < 0 or y.max() >= num_classes):
        raise DataFileError(
            f"{source}: '{key}' has labels in [{y.min()}, {y.max()}], expected 0..{num_classes - 1}"
        )
    return y.astype(np.int64)


def _names(value, key: str, count: int, source: str) -> tuple:
    """Class names from a pickled list of bytes, a MATLAB cell array or a MATLAB char matrix."""
    if isinstance(value, np.ndarray) and value.dtype == object:  # cell array: each cell a 1-element array
        names = [_text(np.asarray(v).ravel()[0]) if np.size(v) else "" for v in value.ravel()]
    elif isinstance(value, np.ndarray) and value.dtype.kind in "US":  # char matrix rows, space padded
        names = [_text(v) for v in value.ravel()]
    elif isinstance(value, (list, tuple)):
        names = [_text(v) for v in value]
    else:
        raise DataFileError(f"{source}: '{key}' should list {count} names, got {type(value).__name__}")
    names = tuple(n.rstrip() for n in names)
    if len(names) != count:
        raise DataFileError(f"{source}: '{key}' should list {count} names, got {len(names)}")
    return names


def _freeze(*arrays):
    for a in arrays:
        a.flags.writeable = False  # cached and shared: callers get copies, never these


def _c100_files(loc: DatasetLocation) -> tuple:
    if loc.kind == "dir":  # decide the release by its files, so only one is read
        mat = (loc.path / "train.mat").is_file() and not (loc.path / "train").is_file()
        return _C100_MAT if mat else _C100_PY
    return _C100_PY + _C100_MAT


def _read_cifar10(loc: DatasetLocation) -> _Raw:
    files = {name: _unpickle(blob, _source(loc, name)) for name, blob in loc.iter_files(_C10_FILES)}
    loc.check_complete(files, _C10_FILES)

    src = _source(loc, _C10_META)
    meta = files.pop(_C10_META)
    names = tuple(_text(s) for s in _get(meta, "label_names", src))
    if names != CIFAR10_CLASSES:
        raise DataFileError(f"{src}: label_names {names} are not the CIFAR-10 classes {CIFAR10_CLASSES}")
    rows = meta.get("num_cases_per_batch", 10000)
    if not isinstance(rows, int) or rows < 1 or meta.get("num_vis", _IMAGE_SIZE) != _IMAGE_SIZE:
        raise DataFileError(
            f"{src}: expected num_cases_per_batch a positive int and num_vis {_IMAGE_SIZE}, "
            f"got {rows!r} and {meta.get('num_vis')!r}"
        )

    def batch(name):
        src = _source(loc, name)
        x = _images(files[name], src, rows)
        return x, _labels(files.pop(name), "labels", rows, 10, src)

    parts = [batch(name) for name in _C10_TRAIN]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts])
    del parts
    x_test, y_test = batch(_C10_TEST)
    _freeze(x_train, y_train, x_test, y_test)
    return _Raw(x_train, x_test, {"label": y_train}, {"label": y_test}, {"label": CIFAR10_CLASSES})


def _read_cifar100(loc: DatasetLocation) -> _Raw:
    files = {}
    for name, blob in loc.iter_files(_c100_files(loc)):
        src = _source(loc, name)
        files[name] = _loadmat(blob, src) if name.endswith(".mat") else _unpickle(blob, src)
    if all(n in files for n in _C100_PY):
        train, test, meta = _C100_PY
    else:
        loc.check_complete(files, _C100_MAT if any(n in files for n in _C100_MAT) else _C100_PY)
        train, test, meta = _C100_MAT

    src = _source(loc, meta)
    names = {}
    for kind, count in _C100_CLASSES.items():
        key = f"{kind}_label_names"
        names[kind] = _names(_get(files[meta], key, src), key, count, src)

    def split(name):
        src = _source(loc, name)
        x = _images(files[name], src)
        labels = {k: _labels(files[name], f"{k}_labels", len(x), c, src) for k, c in _C100_CLASSES.items()}
        _freeze(x, *labels.values())
        return x, labels

    x_train, y_train = split(train)
    x_test, y_test = split(test)
    return _Raw(x_train, x_test, y_train, y_test, names)


# The cache key holds the size and mtime of every file read, so a replaced file is re-read.
@functools.lru_cache(maxsize=2)
def _cached10(loc: DatasetLocation, signature) -> _Raw:
    return _read_cifar10(loc)


@functools.lru_cache(maxsize=2)
def _cached100(loc: DatasetLocation, signature) -> _Raw:
    return _read_cifar100(loc)


def _load10(loc: DatasetLocation) -> _Raw:
    return _cached10(loc, loc.signature(_C10_FILES))


def _load100(loc: DatasetLocation) -> _Raw:
    return _cached100(loc, loc.signature(_c100_files(loc)))


def clear_cache() -> None:
    """Free the decoded CIFAR arrays kept in memory by the loaders."""
    _cached10.cache_clear()
    _cached100.cache_clear()


def _locate_cifar10(root) -> DatasetLocation:
    return locate_dataset(
        root,
        title="CIFAR-10",
        dir_names=("cifar-10-batches-py",),
        archive_names=("cifar-10-python.tar.gz",),
        markers=tuple((name,) for name in _C10_FILES),  # any one file: an incomplete folder is reported as such
        fix=_C10_FIX,
    )


def _locate_cifar100(root) -> DatasetLocation:
    return locate_dataset(
        root,
        title="CIFAR-100",
        dir_names=("cifar-100-python", "cifar-100-matlab"),
        archive_names=("cifar-100-python.tar.gz", "cifar-100-matlab.tar.gz"),
        markers=(_C100_PY, _C100_MAT),
        fix=_C100_FIX,
    )


def cifar100_available(root=None) -> bool:
    """Whether CIFAR-100 (either release, a folder or its archive) is under ``root`` (default ``$LAYERWISE_DATA``)."""
    try:
        _locate_cifar100(root)
    except FileNotFoundError:
        return False
    return True


def _nhwc(rows: np.ndarray, dtype) -> np.ndarray:
    """Image rows ``(N, 3072)`` -> new C-contiguous ``(N, 32, 32, 3)`` array of ``dtype``."""
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(dtype, order="C")


# --------------------------------------------------------------------------- CIFAR-10


def load_CIFAR10(root=None, dtype=np.float64):
    """Load all of CIFAR-10.

    Args:
        root: the folder holding ``cifar-10-batches-py/`` or ``cifar-10-python.tar.gz``,
            that folder itself, or the archive; default ``$LAYERWISE_DATA``, else
            ``~/.cache/layerwise``.
        dtype: image dtype (float64 like the course; float32 halves the memory).

    Returns:
        ``Xtr: (50000, 32, 32, 3)``, ``Ytr: (50000,)`` int64, ``Xte: (10000, 32, 32, 3)``,
        ``Yte: (10000,)`` int64; pixel values 0..255 (not scaled), RGB.
    """
    raw = _load10(_locate_cifar10(root))
    return (
        _nhwc(raw.x_train, dtype),
        raw.labels_train["label"].copy(),
        _nhwc(raw.x_test, dtype),
        raw.labels_test["label"].copy(),
    )


def get_CIFAR10_data(
    num_training=49000,
    num_validation=1000,
    num_test=1000,
    subtract_mean=True,
    root=None,
    dtype=np.float32,
):
    """CIFAR-10 split and preprocessed the course way, ready for the Solver.

    ``X_train`` is the first ``num_training`` training images, ``X_val`` the next
    ``num_validation``, ``X_test`` the first ``num_test`` test images; all
    ``(N, 3, 32, 32)`` in ``dtype``.  With ``subtract_mean`` the mean image of
    ``X_train`` (``mean_image``, ``(3, 32, 32)``, accumulated in float64) is
    subtracted from all three.

    Returns a :class:`DataSplits`: a dict of exactly ``X_train, y_train, X_val,
    y_val, X_test, y_test``, with the 10 class names as ``.class_names`` and the
    mean image as ``.mean_image``.
    """
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"dtype should be a float type such as np.float32, got {np.dtype(dtype)}")
    raw = _load10(_locate_cifar10(root))
    n_train, n_test = len(raw.x_train), len(raw.x_test)
    num_training = integer(num_training, "num_training", 1, n_train)
    num_validation = integer(num_validation, "num_validation", 0, n_train - num_training)
    num_test = integer(num_test, "num_test", 0, n_test)

    x = raw.x_train.reshape(-1, 3, 32, 32)  # rows are already (C, H, W): no transpose needed
    stop = num_training + num_validation
    data = DataSplits({
        "X_train": x[:num_training].astype(dtype),
        "y_train": raw.labels_train["label"][:num_training].copy(),
        "X_val": x[num_training:stop].astype(dtype),
        "y_val": raw.labels_train["label"][num_training:stop].copy(),
        "X_test": raw.x_test[:num_test].reshape(-1, 3, 32, 32).astype(dtype),
        "y_test": raw.labels_test["label"][:num_test].copy(),
    }, class_names=CIFAR10_CLASSES)
    data.mean_image = mean_image(x[:num_training], dtype=dtype)
    if subtract_mean:
        for key in ("X_train", "X_val", "X_test"):
            data[key] -= data.mean_image
    return data


# --------------------------------------------------------------------------- CIFAR-100


def _label_mode(label_mode: str) -> str:
    if label_mode not in _C100_CLASSES:
        raise ValueError(
            f"label_mode should be 'coarse' (20 superclasses) or 'fine' (100 classes), got {label_mode!r}"
        )
    return label_mode


def load_CIFAR100(root=None, label_mode="coarse", dtype=np.float64, return_names=False):
    """Load all of CIFAR-100 (python release, its archive, or the MATLAB release).

    Args:
        root: the folder holding ``cifar-100-python/``, ``cifar-100-python.tar.gz``,
            ``cifar-100-matlab/`` or ``cifar-100-matlab.tar.gz``, such a folder
            itself, or an archive; default ``$LAYERWISE_DATA``, else ``~/.cache/layerwise``.
        label_mode: ``'coarse'`` (20 superclasses) or ``'fine'`` (100 classes).
        dtype: image dtype.
        return_names: also return the tuple of class names for ``label_mode``.

    Returns:
        ``Xtr: (50000, 32, 32, 3)``, ``Ytr: (50000,)`` int64, ``Xte: (10000, 32, 32, 3)``,
        ``Yte: (10000,)`` (pixel values 0..255), plus ``names`` if ``return_names``.
    """
    label_mode = _label_mode(label_mode)
    raw = _load100(_locate_cifar100(root))
    out = (
        _nhwc(raw.x_train, dtype),
        raw.labels_train[label_mode].copy(),
        _nhwc(raw.x_test, dtype),
        raw.labels_test[label_mode].copy(),
    )
    return out + (raw.names[label_mode],) if return_names else out


def CIFAR100_label_names(root=None, label_mode="coarse") -> tuple:
    """The 20 superclass names (``'coarse'``) or the 100 class names (``'fine'``), in label order."""
    label_mode = _label_mode(label_mode)
    return _load100(_locate_cifar100(root)).names[label_mode]


def CIFAR100_data(root=None, *, label_mode="coarse", num_validation=10000, dtype=np.float32):
    """CIFAR-100 prepared as in the course that trains on the 20 superclasses.

    The training set is split into its first ``50000 - num_validation`` images
    (``data_train``, 40000 by default) and the rest (``data_val``); ``data_test`` is
    the test set.  Images ``(N, 32, 32, 3)`` are scaled to [0, 1] and standardized
    per channel with the statistics of ``data_train``:
    ``x = (pixels / 255 - mean_image) / std_image`` with ``mean_image``, ``std_image``
    of shape ``(1, 1, 1, 3)`` (population std).

    Returns a dict with ``data_train, labels_train, data_val, labels_val, data_test,
    labels_test, label_names, mean_image, std_image``; images and statistics in ``dtype``.
    """
    label_mode = _label_mode(label_mode)
    raw = _load100(_locate_cifar100(root))
    n = len(raw.x_train)
    num_validation = integer(num_validation, "num_validation", 0, n - 1)
    n_train = n - num_validation

    x = raw.x_train.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (N, H, W, C) view of uint8
    x_test = raw.x_test.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    mean, std = channel_mean_std(x[:n_train], channel_axis=-1)  # pixel units, float64
    mean, std = mean / 255.0, std / 255.0

    def prep(images):
        return standardize(images, mean, std, scale=1.0 / 255.0, dtype=dtype)

    y, y_test = raw.labels_train[label_mode], raw.labels_test[label_mode]
    return {
        "data_train": prep(x[:n_train]),
        "labels_train": y[:n_train].copy(),
        "data_val": prep(x[n_train:]),
        "labels_val": y[n_train:].copy(),
        "data_test": prep(x_test),
        "labels_test": y_test.copy(),
        "label_names": list(raw.names[label_mode]),  # a list, as the course prints it
        "mean_image": mean.astype(dtype),
        "std_image": std.astype(dtype),
    }
