"""``layerwise predict RUN_DIR FILE...``: a run's best model on new images (PNG/JPEG, or .npy/.npz batches)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..layers import softmax
from ..saving import load_model

__all__ = ["read_images", "predict_files"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def read_images(path, image_shape) -> list:
    """``[(name, pixels)]`` from one file, each ``pixels: (C, H, W)`` float64 in 8-bit units (0..255).

    Image files are converted to grey (C = 1) or RGB (C = 3) as ``image_shape``
    asks; arrays may be one image ``(C, H, W)``, ``(H, W, C)`` or ``(H, W)`` (grey),
    or a batch of them, and are expected in 8-bit units too.
    """
    path = Path(path)
    C, H, W = image_shape
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        try:
            from PIL import Image
        except ImportError:
            raise ImportError("reading image files needs Pillow: pip install 'layerwise[tools]'") from None
        with Image.open(path) as image:
            arrays = {path.name: np.asarray(image.convert("L" if C == 1 else "RGB"), dtype=np.float64)}
    elif path.suffix == ".npy":
        arrays = {path.name: np.load(path, allow_pickle=False)}
    elif path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            arrays = {f"{path.name}:{key}": npz[key] for key in npz.files}
    else:
        raise ValueError(f"{path}: expected an image ({', '.join(IMAGE_SUFFIXES)}) or an .npy/.npz array file")
    images = []
    for name, array in arrays.items():
        batch = _as_batch(np.asarray(array, dtype=np.float64), (C, H, W), name)
        images += [(name if len(batch) == 1 else f"{name}[{i}]", image) for i, image in enumerate(batch)]
    return images


def _as_batch(array, shape, name):
    """``(N, C, H, W)`` from one image or a batch, channels first or last (or no channel axis for grey)."""
    C, H, W = shape
    if C == 1 and array.shape[-2:] == (H, W) and array.ndim in (2, 3):
        array = array.reshape(-1, 1, H, W)                      # grey image(s) without a channel axis
    elif array.ndim == 3:
        array = array[None]
    if array.ndim == 4 and array.shape[1:] != (C, H, W) and array.shape[1:] == (H, W, C):
        array = array.transpose(0, 3, 1, 2)
    if array.ndim != 4 or array.shape[1:] != (C, H, W):
        raise ValueError(f"{name}: expected images of {C}x{H}x{W} (channels, height, width; or channels last), "
                         f"got an array of shape {array.shape}; resize the images to {H}x{W} first")
    return array


def predict_files(run_dir, paths, top=3) -> list:
    """``[(name, [(class name, probability), ...])]``: the ``top`` classes of every image in ``paths``."""
    model = load_model(run_dir)
    prep = model.preprocessing
    if "image_shape" not in prep:
        raise ValueError(f"{run_dir}: its model was saved without its preprocessing; train it again")
    results = []
    for path in paths:
        for name, pixels in read_images(path, prep["image_shape"]):
            x = pixels[None] * prep["pixel_scale"] - prep.get("mean_image", 0.0)
            if "pixel_std" in prep:
                x = x / prep["pixel_std"]
            probs = softmax(np.asarray(model.loss(x.astype(model.params["W1"].dtype)), dtype=np.float64))[0]
            names = prep.get("class_names") or [str(c) for c in range(len(probs))]
            order = np.argsort(probs)[::-1][:top]
            results.append((name, [(names[c], float(probs[c])) for c in order]))
    return results
