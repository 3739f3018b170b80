"""Small deterministic data sets for tests and demos.

- :func:`make_blobs`: Gaussian clusters in ``D`` dimensions, one per class.
- :func:`make_images`: images whose class is a fixed random prototype plus noise.
- :func:`make_classification_data`: the Solver's ``X_train, y_train, X_val, ...`` dict.
- :func:`write_fake_cifar10`, :func:`write_fake_cifar100`: tiny files in the exact
  formats of the CIFAR releases, for testing loaders and tools offline.

Everything is a function of ``seed`` alone (``np.random.default_rng(seed)``).
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from ..fileio import atomic_write_bytes
from .splits import DataSplits

__all__ = [
    "make_blobs",
    "make_images",
    "make_classification_data",
    "write_fake_cifar10",
    "write_fake_cifar100",
]


def _balanced_labels(rng, n, num_classes):
    """``n`` labels with every class ``n // num_classes`` or one more times, shuffled."""
    return rng.permutation(np.arange(n) % num_classes).astype(np.int64)


def make_blobs(num_samples=300, num_classes=3, dim=2, spread=0.5, seed=0, dtype=np.float64):
    """``X: (N, dim)`` drawn around ``num_classes`` centers (standard normal * 3) with
    standard deviation ``spread``; ``y: (N,)`` int64, balanced classes."""
    rng = np.random.default_rng(seed)
    centers = 3.0 * rng.standard_normal((num_classes, dim))
    y = _balanced_labels(rng, num_samples, num_classes)
    X = centers[y] + spread * rng.standard_normal((num_samples, dim))
    return X.astype(dtype), y


def make_images(num_samples=100, num_classes=10, shape=(3, 8, 8), noise=0.5, seed=0, dtype=np.float32):
    """``X: (N, *shape)`` = class prototype (standard normal) + ``noise`` * standard normal;
    ``y: (N,)`` int64, balanced.  Learnable, yet not trivially separable for large ``noise``."""
    rng = np.random.default_rng(seed)
    prototypes = rng.standard_normal((num_classes, *shape))
    y = _balanced_labels(rng, num_samples, num_classes)
    X = prototypes[y] + noise * rng.standard_normal((num_samples, *shape))
    return X.astype(dtype), y


def make_classification_data(
    num_train=200, num_val=50, num_test=50, num_classes=10, shape=(3, 8, 8), noise=0.5, seed=0, dtype=np.float32
):
    """A Solver-ready :class:`DataSplits` ``X_train, y_train, X_val, y_val, X_test, y_test``
    from one :func:`make_images` draw (so the three splits share the prototypes)."""
    X, y = make_images(num_train + num_val + num_test, num_classes, shape, noise, seed, dtype)
    a, b = num_train, num_train + num_val
    return DataSplits({
        "X_train": X[:a], "y_train": y[:a],
        "X_val": X[a:b], "y_val": y[a:b],
        "X_test": X[b:], "y_test": y[b:],
    }, class_names=tuple(f"class_{i}" for i in range(num_classes)))  # fmt: skip


# --------------------------------------------------------------------------- fake CIFAR files


def _write_release(root: Path, folder: str, files: dict, archive_name) -> Path:
    """Write ``files`` ({name: bytes}) as ``root/folder/``, or as ``root/archive_name``
    holding ``folder/`` when ``archive_name`` is given."""
    root.mkdir(parents=True, exist_ok=True)
    if not archive_name:
        (root / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            atomic_write_bytes(root / folder / name, data, fsync=False)
        return root / folder
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    path = root / archive_name
    atomic_write_bytes(path, buf.getvalue(), fsync=False)
    return path


def _pickle2(obj) -> bytes:
    return pickle.dumps(obj, protocol=2)  # like the official files


def write_fake_cifar10(root, num_per_batch=20, seed=0, archive=True) -> dict:
    """Write a miniature CIFAR-10 "python version" release under ``root``.

    Six batches (``data_batch_1..5``, ``test_batch``) of ``num_per_batch`` random
    images each, plus ``batches.meta`` (with ``num_cases_per_batch = num_per_batch``),
    as protocol-2 pickles with ``bytes`` keys like the official files; in
    ``root/cifar-10-python.tar.gz`` (``archive=True``) or ``root/cifar-10-batches-py/``.

    Returns ``{'path', 'x_train', 'y_train', 'x_test', 'y_test'}`` with the image rows
    ``(N, 3072)`` uint8 and labels int64 that were written.
    """
    rng = np.random.default_rng(seed)
    n = num_per_batch
    files = {
        "batches.meta": _pickle2({
            b"num_cases_per_batch": n,
            b"label_names": [c.encode() for c in (
                "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")],
            b"num_vis": 3072,
        })
    }  # fmt: skip
    xs, ys = [], []
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        x = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, n)
        xs.append(x)
        ys.append(y)
        files[name] = _pickle2({
            b"batch_label": f"fake batch {i + 1} of 6".encode(),
            b"labels": [int(v) for v in y],
            b"data": x,
            b"filenames": [f"fake_{i}_{j}.png".encode() for j in range(n)],
        })  # fmt: skip
    path = _write_release(Path(root), "cifar-10-batches-py", files, archive and "cifar-10-python.tar.gz")
    return {
        "path": path,
        "x_train": np.concatenate(xs[:5]),
        "y_train": np.concatenate(ys[:5]).astype(np.int64),
        "x_test": xs[5],
        "y_test": ys[5].astype(np.int64),
    }


def write_fake_cifar100(
    root, num_train=200, num_test=100, fmt="python", archive=False, fine_names=None, coarse_names=None, seed=0
) -> dict:
    """Write a miniature CIFAR-100 release under ``root``.

    ``fmt='python'``: ``cifar-100-python/{train,test,meta}`` protocol-2 pickles with
    ``bytes`` keys; ``fmt='matlab'``: ``cifar-100-matlab/{train,test,meta}.mat``
    (needs SciPy; labels as column vectors, names as cell arrays), each in a folder
    or, with ``archive``, a ``.tar.gz``.  Fine labels are balanced; every coarse class
    groups 5 fine classes.  ``fine_names`` (100) and ``coarse_names`` (20) default to
    placeholders.

    Returns ``{'path', 'x_train', 'fine_train', 'coarse_train', 'x_test', 'fine_test',
    'coarse_test', 'fine_names', 'coarse_names', 'coarse_of_fine'}``.
    """
    if fmt not in ("python", "matlab"):
        raise ValueError(f"fmt should be 'python' or 'matlab', got {fmt!r}")
    fine_names = list(fine_names or (f"class_{i}" for i in range(100)))
    coarse_names = list(coarse_names or (f"superclass_{i}" for i in range(20)))
    rng = np.random.default_rng(seed)
    coarse_of_fine = rng.permutation(100) // 5
    out = {"fine_names": tuple(fine_names), "coarse_names": tuple(coarse_names), "coarse_of_fine": coarse_of_fine}
    splits = {}
    for split, n in (("train", num_train), ("test", num_test)):
        x = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        fine = _balanced_labels(rng, n, 100)
        coarse = coarse_of_fine[fine]
        out.update({f"x_{split}": x, f"fine_{split}": fine, f"coarse_{split}": coarse.astype(np.int64)})
        splits[split] = (x, fine, coarse)

    files = {}
    if fmt == "python":
        for split, (x, fine, coarse) in splits.items():
            files[split] = _pickle2({
                b"filenames": [f"{split}_{j}.png".encode() for j in range(len(x))],
                b"batch_label": f"{split}ing batch 1 of 1".encode(),
                b"fine_labels": [int(v) for v in fine],
                b"coarse_labels": [int(v) for v in coarse],
                b"data": x,
            })  # fmt: skip
        files["meta"] = _pickle2({
            b"fine_label_names": [s.encode() for s in fine_names],
            b"coarse_label_names": [s.encode() for s in coarse_names],
        })  # fmt: skip
        folder = "cifar-100-python"
    else:
        try:
            from scipy.io import savemat
        except ImportError as exc:
            raise ImportError("writing .mat files needs SciPy: pip install scipy") from exc

        def mat(d):
            buf = io.BytesIO()
            savemat(buf, d)
            return buf.getvalue()

        def cell(names):
            return np.array(names, dtype=object).reshape(-1, 1)

        for split, (x, fine, coarse) in splits.items():
            files[f"{split}.mat"] = mat({
                "data": x,
                "fine_labels": fine.astype(np.uint8).reshape(-1, 1),
                "coarse_labels": coarse.astype(np.uint8).reshape(-1, 1),
                "batch_label": f"{split}ing batch 1 of 1",
                "filenames": cell([f"{split}_{j}.png" for j in range(len(x))]),
            })  # fmt: skip
        files["meta.mat"] = mat({"fine_label_names": cell(fine_names), "coarse_label_names": cell(coarse_names)})
        folder = "cifar-100-matlab"
    out["path"] = _write_release(Path(root), folder, files, archive and f"{folder}.tar.gz")
    return out
