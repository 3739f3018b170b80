"""Pictures of data, weights and training runs: matplotlib figures, shown inline in notebooks and written as PNG.

Every ``plot_*`` function draws on its own matplotlib ``Figure`` (never
through ``pyplot``, so it neither changes nor needs an interactive backend and
leaves no figure open) and returns it; a notebook cell ending in the call shows
it.  Given a ``path``, it also writes the PNG there atomically (a temporary
file in the same folder, then ``os.replace``; parent folders are created).
matplotlib is imported only when a plot is drawn; ``visualize_grid`` and
``confusion_matrix`` need NumPy alone.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Mapping

import numpy as np

from .checks import integer
from .fileio import atomic_open

__all__ = [
    "visualize_grid",
    "vis_grid",
    "vis_nn",
    "confusion_matrix",
    "plot_history",
    "plot_first_layer_weights",
    "plot_confusion_matrix",
    "plot_misclassified",
    "plot_comparison",
    "plot_training_comparison",
    "plot_panels",
    "plot_heatmaps",
    "plot_weight_histograms",
    "plot_cross_validation",
]


# ----------------------------------------------------------------------------
# Arrays
# ----------------------------------------------------------------------------

def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile images into one square grid image.

    Xs: ``(N, H, W, C)`` (or ``(N, H, W)``).  Each image is rescaled on its own
    to ``[0, ubound]`` (its minimum to 0, its maximum to ``ubound``; a constant
    image becomes 0) and placed row by row in a ``G x G`` grid,
    ``G = ceil(sqrt(N))``, with ``padding`` zero pixels between neighbours.
    Returns ``(G*H + (G-1)*padding, G*W + (G-1)*padding, C)`` float64 (2-D for
    3-D input).
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    squeeze = Xs.ndim == 3
    if squeeze:
        Xs = Xs[..., None]
    if Xs.ndim != 4 or len(Xs) == 0:
        raise ValueError(f"visualize_grid: expected a non-empty batch of images (N, H, W, C) or (N, H, W), "
                         f"got shape {np.shape(Xs)}")
    padding = integer(padding, "padding", 0, where="visualize_grid")
    N, H, W, C = Xs.shape
    G = math.ceil(math.sqrt(N))
    low = Xs.min(axis=(1, 2, 3), keepdims=True)
    span = Xs.max(axis=(1, 2, 3), keepdims=True) - low
    scaled = np.zeros_like(Xs)
    np.divide(ubound * (Xs - low), span, out=scaled, where=span > 0)
    cells = np.zeros((G * G, H + padding, W + padding, C))
    cells[:N, :H, :W] = scaled
    grid = cells.reshape(G, G, H + padding, W + padding, C).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(G * (H + padding), G * (W + padding), C)[:G * (H + padding) - padding,
                                                                  :G * (W + padding) - padding]
    return grid[..., 0] if squeeze else grid


def vis_grid(Xs):
    """Tile images into a square grid rescaled as a whole to ``[0, 1]``.

    Xs: ``(N, H, W, C)``.  Unlike :func:`visualize_grid`, the images keep their
    relative brightness: one minimum and one maximum over all of them map to 0
    and 1.  The grid has ``G = ceil(sqrt(N))`` cells a side, each followed by a
    one-pixel border; borders and empty cells take the overall minimum.
    Returns ``(G*(H+1), G*(W+1), C)`` float64.
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    if Xs.ndim != 4 or len(Xs) == 0:
        raise ValueError(f"vis_grid: expected a non-empty batch of images (N, H, W, C), got shape {Xs.shape}")
    G = math.ceil(math.sqrt(len(Xs)))
    return _tile_jointly(list(Xs), G, G)


def vis_nn(rows):
    """Tile a list of rows of equally sized ``(H, W, C)`` images, rescaled as a whole to ``[0, 1]``.

    For example the query images and their nearest neighbours, one query per
    row.  Every cell is followed by a one-pixel border with the overall minimum.
    Returns ``(R*(H+1), K*(W+1), C)`` float64 for ``R`` rows of ``K`` images.
    """
    rows = [list(row) for row in rows]
    if not rows or not rows[0] or any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("vis_nn: expected a non-empty list of rows holding the same number of images, got "
                         f"row lengths {[len(row) for row in rows]}")
    images = [np.asarray(im, dtype=np.float64) for row in rows for im in row]
    if images[0].ndim != 3:
        raise ValueError(f"vis_nn: expected images of shape (H, W, C), got shape {images[0].shape}")
    return _tile_jointly(images, len(rows), len(rows[0]))


def _tile_jointly(images, n_rows, n_cols):
    """Place ``images`` row by row in an ``n_rows x n_cols`` grid; rescale the whole grid to [0, 1]."""
    H, W, C = images[0].shape
    shapes = {im.shape for im in images}
    if len(shapes) != 1:
        raise ValueError(f"all images must have the same shape, got {sorted(shapes)}")
    low = min(im.min() for im in images)
    high = max(im.max() for im in images)
    grid = np.full((n_rows * (H + 1), n_cols * (W + 1), C), low)
    for k, im in enumerate(images):
        r, c = divmod(k, n_cols)
        grid[r * (H + 1):r * (H + 1) + H, c * (W + 1):c * (W + 1) + W] = im
    if high == low:  # a constant picture: all zeros rather than a division by zero
        return np.zeros_like(grid)
    return (grid - low) / (high - low)


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts ``M[i, j]`` of examples of true class ``i`` predicted as ``j``: ``(C, C)`` int64."""
    y_true, y_pred = _labels("confusion_matrix", y_true, y_pred, num_classes)
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


# ----------------------------------------------------------------------------
# Plots
# ----------------------------------------------------------------------------

def plot_history(solver_or_histories, path=None, title=None):
    """Training loss per iteration and train/val accuracy per epoch.

    solver_or_histories: a ``Solver`` (or any object with ``loss_history``,
    ``train_acc_history``, ``val_acc_history`` attributes) or a mapping with
    those keys (e.g. what the classic ``TwoLayerNet.train`` returns).  Missing
    accuracy histories leave only the loss panel.
    """
    loss = _history(solver_or_histories, "loss_history")
    if loss is None:
        raise ValueError("plot_history: expected a Solver or a dict with 'loss_history' (and optionally "
                         f"'train_acc_history', 'val_acc_history'), got {type(solver_or_histories).__name__}")
    train_acc = _history(solver_or_histories, "train_acc_history")
    val_acc = _history(solver_or_histories, "val_acc_history")
    has_acc = bool(train_acc) or bool(val_acc)
    fig = _figure((11 if has_acc else 6, 4))
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    axes[0].plot(np.arange(len(loss)), loss, "o", markersize=2, alpha=0.5)
    axes[0].set(xlabel="iteration", ylabel="loss", title="Training loss")
    if has_acc:
        for name, hist in (("train", train_acc), ("val", val_acc)):
            if hist:
                axes[1].plot(np.arange(len(hist)), hist, "-o", markersize=3, label=name)
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="Classification accuracy")
        axes[1].legend()
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def plot_first_layer_weights(W, path=None, image_shape=None, channels_last=False, padding=2, title=None):
    """First-layer weights as images, tiled with :func:`visualize_grid`.

    W: affine weights ``(D, H)`` (one image per hidden unit) or conv filters
    ``(F, C, k, k)``; or a dict ``{name: W}`` of several nets' weights, drawn side
    by side with their names as captions (e.g. a sub-optimal and a tuned net).
    For affine weights ``image_shape`` is ``(C, H, W)`` (default: ``(3, 32, 32)``
    for D = 3072, else a square grey or RGB image when ``D`` allows);
    ``channels_last`` says the inputs were flattened from ``(H, W, C)`` images
    (``load_CIFAR10`` arrays) rather than ``(C, H, W)`` ones (``get_CIFAR10_data``).
    """
    panels = W if isinstance(W, Mapping) else {None: W}
    if not panels:
        raise ValueError("plot_first_layer_weights: got an empty dict; expected {name: weights}")
    grids = {name: _weight_grid(w, image_shape, channels_last, padding) for name, w in panels.items()}
    fig = _figure((6 * len(grids), 6))
    for ax, (name, (grid, count, kind)) in zip(fig.subplots(1, len(grids), squeeze=False)[0], grids.items()):
        _show(ax, grid)
        ax.set_title(f"{name} ({count} {kind})" if name is not None else f"First-layer weights ({count} {kind})")
    if title or len(grids) > 1:
        fig.suptitle(title or "First-layer weights")
    return _finish(fig, path)


def _weight_grid(W, image_shape, channels_last, padding):
    """``(grid image, number of images, 'filters' | 'units')`` of one layer's weights."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim == 4:
        images = W.transpose(0, 2, 3, 1)
    elif W.ndim == 2:
        C, Hh, Ww = _image_shape(W.shape[0], image_shape)
        images = W.T.reshape(-1, Hh, Ww, C) if channels_last else W.T.reshape(-1, C, Hh, Ww).transpose(0, 2, 3, 1)
    else:
        raise ValueError(f"plot_first_layer_weights: expected affine weights (D, H) or conv filters (F, C, k, k), "
                         f"got shape {W.shape}")
    if images.shape[-1] not in (1, 3):
        raise ValueError(f"plot_first_layer_weights: can show 1 or 3 input channels, got {images.shape[-1]}")
    return visualize_grid(images, ubound=1.0, padding=padding), len(images), "filters" if W.ndim == 4 else "units"


def plot_confusion_matrix(y_true, y_pred, class_names, path=None, title=None):
    """Confusion matrix as a heat map (rows: true class, columns: predicted), with the counts written in.

    Colours are row-normalized (the fraction of each true class), so rare
    classes read as clearly as common ones.
    """
    class_names = list(class_names)
    C = len(class_names)
    M = confusion_matrix(y_true, y_pred, C)
    rows = M.sum(axis=1, keepdims=True)
    frac = np.divide(M, rows, out=np.zeros(M.shape), where=rows > 0)
    size = max(4.0, 0.55 * C + 2)
    fig = _figure((size + 1, size))
    ax = fig.subplots()
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    ax.set_xticks(range(C), class_names, rotation=45, ha="right")
    ax.set_yticks(range(C), class_names)
    ax.set(xlabel="predicted", ylabel="true")
    if C <= 30:
        for i in range(C):
            for j in range(C):
                ax.text(j, i, str(M[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if frac[i, j] > 0.5 else "black")
    accuracy = np.trace(M) / max(1, M.sum())
    ax.set_title(title or f"Confusion matrix (accuracy {accuracy:.3f})")
    return _finish(fig, path)


def plot_misclassified(X, y_true, y_pred, class_names, path=None, per_class=8, seed=0, title=None, errors_only=True):
    """Grid of misclassified examples: row ``c`` shows up to ``per_class`` images predicted as ``c``
    whose true class is another one, each captioned with its true class.  With ``errors_only=False``
    the rows sample every image predicted as ``c``, right or wrong (a sample of the predictions).

    X: images ``(N, H, W, C)``, ``(N, C, H, W)`` or ``(N, H, W)``.  Values in
    [0, 255] are shown as 8-bit pixels, values in [0, 1] as they are, anything
    else (e.g. mean-subtracted images) rescaled per image.  The examples of a
    row are drawn at random with ``np.random.default_rng(seed)`` (``seed=None``:
    the first ones, in order).
    """
    class_names = list(class_names)
    C = len(class_names)
    images = _displayable(X)
    y_true, y_pred = _labels("plot_misclassified", y_true, y_pred, C)
    if len(images) != len(y_true):
        raise ValueError(f"plot_misclassified: {len(images)} images but {len(y_true)} labels")
    per_class = integer(per_class, "per_class", 1, where="plot_misclassified")
    rng = None if seed is None else np.random.default_rng(seed)
    N, H, W, Ch = images.shape
    pad = 2
    canvas = np.ones((C * (H + pad) - pad, per_class * (W + pad) - pad, Ch))
    captions = []
    for c in range(C):
        idx = np.flatnonzero((y_pred == c) & ((y_true != c) | (not errors_only)))
        if rng is not None and len(idx) > per_class:
            idx = np.sort(rng.choice(idx, per_class, replace=False))
        for j, i in enumerate(idx[:per_class]):
            r0, c0 = c * (H + pad), j * (W + pad)
            canvas[r0:r0 + H, c0:c0 + W] = images[i]
            captions.append((c0 + W / 2, r0 + H, class_names[y_true[i]]))
    fig = _figure((1.0 * per_class + 1.5, 1.05 * C + 0.8))
    ax = fig.subplots()
    _show(ax, canvas, axis_off=False)
    for x, y, text in captions:
        ax.text(x, y, text, ha="center", va="bottom", fontsize=6, color="white",
                bbox=dict(boxstyle="square,pad=0.05", fc="black", ec="none", alpha=0.6))
    ax.set_yticks([c * (H + pad) + H / 2 for c in range(C)], class_names)
    ax.set_xticks([])
    ax.set_ylabel("predicted class")
    what = "Misclassified examples" if errors_only else "Sample predictions"
    ax.set_title(title or f"{what} (caption: true class); {int(np.sum(y_true != y_pred))} errors")
    return _finish(fig, path)


def plot_training_comparison(runs, path=None, title=None):
    """Training loss, training accuracy and validation accuracy of several runs, one panel each.

    runs: ``{name: Solver or histories dict}`` (anything :func:`plot_history`
    takes), e.g. ``{'baseline': solver, 'batchnorm': bn_solver}``: the course's
    comparison of a plain and a batch-normalized net trained alike.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError("plot_training_comparison: runs must be a non-empty dict {name: Solver or histories}")
    panels = (("loss_history", "Training loss", "iteration", "o"),
              ("train_acc_history", "Training accuracy", "epoch", "-o"),
              ("val_acc_history", "Validation accuracy", "epoch", "-o"))
    fig = _figure((8, 11))
    for ax, (key, name, xlabel, style) in zip(fig.subplots(3, 1), panels):
        for run, hist in runs.items():
            values = _history(hist, key)
            if values is None:
                raise ValueError(f"plot_training_comparison: run {run!r} has no {key}; "
                                 "expected a Solver or a dict of histories")
            ax.plot(np.arange(len(values)), values, style, markersize=3, label=str(run))
        ax.set(xlabel=xlabel, title=name)
        ax.legend(loc="best", ncol=4, fontsize=8)  # where it covers the fewest points
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def plot_comparison(histories, path=None, ylabel="value", xlabel="iteration", title=None, smooth=1, logy=False):
    """One line per run: ``histories`` maps a run's name to its values (loss or accuracy per step/epoch).

    ``smooth > 1`` plots a trailing moving average over that many points
    (useful for noisy per-iteration losses).
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("plot_comparison: histories must be a non-empty dict {run name: list of values}")
    smooth = integer(smooth, "smooth", 1, where="plot_comparison")
    fig = _figure((7, 4.5))
    ax = fig.subplots()
    for name, values in histories.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        if smooth > 1 and len(values) >= smooth:
            values = np.convolve(values, np.ones(smooth) / smooth, mode="valid")
            x = np.arange(smooth - 1, smooth - 1 + len(values))
        else:
            x = np.arange(len(values))
        ax.plot(x, values, label=str(name), marker="o" if len(values) <= 30 else None, markersize=3)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or f"{ylabel} by run")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig, path)


def plot_panels(panels, path=None, xlabel="", logx=True, logy=(), title=None):
    """Side-by-side panels ``{ylabel: {line name: (xs, ys)}}``, e.g. final accuracy against a weight scale.

    ``xlabel`` is one label for every panel or a dict ``{ylabel: xlabel}``;
    ``logy`` names the panels (their ylabels) drawn with a logarithmic y axis.
    """
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("plot_panels: panels must be a non-empty dict {ylabel: {line name: (xs, ys)}}")
    fig = _figure((4.5 * len(panels), 4))
    for ax, (ylabel, lines) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels.items()):
        for name, (xs, ys) in lines.items():
            ax.plot(xs, ys, "-o", markersize=4, label=str(name))
        if logx:
            ax.set_xscale("log")
        if ylabel in logy:
            ax.set_yscale("log")
        ax.set(xlabel=xlabel.get(ylabel, "") if isinstance(xlabel, Mapping) else xlabel, ylabel=ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def plot_heatmaps(grids, path=None, xs=None, ys=None, xlabel="", ylabel="", title=None):
    """One heat map per ``{name: values (len(ys), len(xs))}`` in [0, 1], cells annotated; NaN cells marked 'div'.

    ``xs``, ``ys``: the settings of the columns and rows (default: their indices).
    """
    if not isinstance(grids, Mapping) or not grids:
        raise ValueError("plot_heatmaps: grids must be a non-empty dict {name: 2-D values}")
    rows, cols = (np.shape(next(iter(grids.values()))) + (1, 1))[:2]
    xs = range(cols) if xs is None else xs
    ys = range(rows) if ys is None else ys
    fig = _figure((0.7 * len(xs) * len(grids) + 2, 0.55 * len(ys) + 1.8))
    axes = fig.subplots(1, len(grids), squeeze=False)[0]
    for ax, (name, grid) in zip(axes, grids.items()):
        grid = np.asarray(grid, dtype=np.float64)
        if grid.shape != (len(ys), len(xs)):
            raise ValueError(f"plot_heatmaps: grid {name!r} must have shape ({len(ys)}, {len(xs)}) "
                             f"(len(ys), len(xs)), got {grid.shape}")
        image = ax.imshow(np.nan_to_num(grid, nan=0.0), vmin=0, vmax=1, cmap="viridis", origin="lower", aspect="auto")
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, "div" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if np.isnan(v) or v < 0.6 else "black")
        ax.set_xticks(range(len(xs)), [_tick(x) for x in xs], rotation=45, fontsize=7)
        ax.set_yticks(range(len(ys)), [_tick(y) for y in ys], fontsize=7)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=str(name))
    fig.colorbar(image, ax=list(axes), shrink=0.8)
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def plot_weight_histograms(weights, path=None, xlabel="weight", bins=101):
    """Histograms (log counts, one shared range) of several runs' weights ``{name: array}``, side by side."""
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError("plot_weight_histograms: weights must be a non-empty dict {run name: array}")
    limit = max(float(np.abs(w).max()) for w in weights.values()) or 1.0
    fig = _figure((4 * len(weights), 3.5))
    for ax, (name, w) in zip(fig.subplots(1, len(weights), squeeze=False, sharex=True)[0], weights.items()):
        ax.hist(np.ravel(w), bins=bins, range=(-limit, limit), log=True)
        ax.set(title=str(name), xlabel=xlabel)
    return _finish(fig, path)


def plot_cross_validation(results, path=None, title=None, xlabel="k"):
    """Cross-validation accuracies ``{k: [fold accuracies]}``: every fold as a dot, mean +- std as error bars."""
    if not isinstance(results, Mapping) or not results:
        raise ValueError("plot_cross_validation: results must be a non-empty dict {k: list of accuracies}")
    ks = sorted(results)
    fig = _figure((7, 4.5))
    ax = fig.subplots()
    for k in ks:
        ax.scatter([k] * len(results[k]), results[k], s=12, color="tab:blue", alpha=0.6)
    means = [np.mean(results[k]) for k in ks]
    stds = [np.std(results[k]) for k in ks]
    ax.errorbar(ks, means, yerr=stds, color="tab:red", capsize=3, label="mean +- std")
    if ks[0] > 0 and ks[-1] / ks[0] >= 20:  # e.g. k from 1 to 100
        ax.set_xscale("log")
        ax.set_xticks(ks, [str(k) for k in ks])
    ax.set(xlabel=xlabel, ylabel="cross-validation accuracy", title=title or "Cross-validation")
    ax.legend()
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

DPI = 100


@functools.cache
def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("layerwise.vis needs matplotlib to draw plots: pip install matplotlib "
                          "(or pip install 'layerwise[tools]')") from exc

    class NotebookFigure(Figure):
        """A ``Figure`` that Jupyter shows as a PNG, with or without pyplot's inline backend."""

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=DPI)
            return buffer.getvalue()

    return NotebookFigure


def _tick(value) -> str:
    """A setting as a tick label: ``1e-03`` for a float (learning rates, scales), as is for anything else."""
    return f"{value:.0e}" if isinstance(value, (float, np.floating)) else str(value)


def _figure(figsize):
    return _figure_class()(figsize=figsize, layout="constrained")


def _finish(fig, path):
    """``fig``, written first as PNG to ``path`` (atomically) unless ``path`` is None."""
    if path is not None:
        with atomic_open(path, "wb") as f:
            fig.savefig(f, format="png", dpi=DPI)
    return fig


def _show(ax, image, axis_off=True):
    """imshow of an image with values in [0, 1] (grey when it has one channel)."""
    image = np.clip(image, 0, 1)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    if axis_off:
        ax.axis("off")


def _history(obj, name):
    value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    return None if value is None else [float(v) for v in value]


def _labels(where, y_true, y_pred, num_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(f"{where}: y_true and y_pred must be 1-D and of equal length, "
                         f"got shapes {y_true.shape} and {y_pred.shape}")
    num_classes = integer(num_classes, "num_classes", 1, where=where)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{where}: {name} must hold integer labels, got dtype {y.dtype}")
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"{where}: {name} must lie in [0, {num_classes - 1}] for {num_classes} classes, "
                             f"got values from {y.min()} to {y.max()}")
    return y_true.astype(np.intp), y_pred.astype(np.intp)


def _image_shape(D, image_shape):
    if image_shape is not None:
        if len(image_shape) != 3 or int(np.prod(image_shape)) != D:
            raise ValueError(f"plot_first_layer_weights: image_shape {tuple(image_shape)} (C, H, W) must hold "
                             f"the D = {D} inputs of each unit")
        return tuple(int(s) for s in image_shape)
    for C in (3, 1):
        side = math.isqrt(D // C)
        if D % C == 0 and side * side * C == D:
            return C, side, side
    raise ValueError(f"plot_first_layer_weights: cannot guess the image shape of D = {D} inputs; "
                     f"pass image_shape=(C, H, W)")


def _displayable(X):
    """Images as ``(N, H, W, C)`` floats in [0, 1] for display."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3:
        X = X[..., None]
    if X.ndim != 4:
        raise ValueError(f"expected images (N, H, W, C), (N, C, H, W) or (N, H, W), got shape {X.shape}")
    if X.shape[1] in (1, 3) and X.shape[-1] not in (1, 3):
        X = X.transpose(0, 2, 3, 1)
    if len(X) == 0:
        return X
    lo, hi = X.min(), X.max()
    if lo >= 0 and hi <= 1:
        return X
    if lo >= 0 and hi <= 255:
        return X / 255.0
    low = X.min(axis=(1, 2, 3), keepdims=True)
    span = X.max(axis=(1, 2, 3), keepdims=True) - low
    return np.divide(X - low, span, out=np.zeros_like(X), where=span > 0)
