"""Visualization: grid and confusion-matrix numbers, PNG files written atomically, errors."""

import math
import os
from types import SimpleNamespace

import numpy as np
import pytest

from layerwise import vis

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAMES = ["plane", "car", "bird", "cat"]


@pytest.fixture
def rng():
    return np.random.default_rng(231)


def _drawn(figure, path):
    """``path``, after checking that the plot returned its figure (the one it wrote there)."""
    assert type(figure).__name__ == "NotebookFigure" and figure.get_axes()
    return path


def _assert_png(path, min_bytes=5_000):
    path = str(path)
    assert os.path.isfile(path)
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > min_bytes
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")  # IHDR
    assert 200 <= width <= 4000 and 200 <= height <= 4000
    leftovers = [n for n in os.listdir(os.path.dirname(path)) if n.endswith(".tmp")]
    assert leftovers == []
    return width, height


# --------------------------------------------------------------------------- visualize_grid

def _grid_loop_reference(Xs, ubound, padding):
    """The course's loop, written out."""
    N, H, W, C = Xs.shape
    G = int(math.ceil(math.sqrt(N)))
    grid = np.zeros((H * G + padding * (G - 1), W * G + padding * (G - 1), C))
    for n in range(N):
        y0, x0 = (n // G) * (H + padding), (n % G) * (W + padding)
        img = Xs[n]
        grid[y0:y0 + H, x0:x0 + W] = ubound * (img - img.min()) / (img.max() - img.min())
    return grid


def test_visualize_grid_hand_worked():
    Xs = np.array([[[0.0, 1.0], [2.0, 3.0]], [[10.0, 10.0], [10.0, 30.0]]])[..., None]  # (2, 2, 2, 1)
    grid = vis.visualize_grid(Xs, ubound=3.0, padding=1)
    expected = np.zeros((5, 5, 1))
    expected[0:2, 0:2, 0] = [[0, 1], [2, 3]]
    expected[0:2, 3:5, 0] = [[0, 0], [0, 3]]
    assert np.allclose(grid, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("N, padding", [(1, 1), (7, 2), (9, 0), (10, 3)])
def test_visualize_grid_matches_the_course_loop(rng, N, padding):
    Xs = rng.standard_normal((N, 5, 4, 3))
    grid = vis.visualize_grid(Xs, ubound=255.0, padding=padding)
    assert np.allclose(grid, _grid_loop_reference(Xs, 255.0, padding), rtol=1e-13, atol=1e-12)
    G = math.ceil(math.sqrt(N))
    assert grid.shape == (5 * G + padding * (G - 1), 4 * G + padding * (G - 1), 3)


def test_visualize_grid_constant_and_grayscale_images():
    grid = vis.visualize_grid(np.full((2, 3, 3), 7.0))
    assert grid.shape == (7, 7)
    assert np.all(grid == 0)



# --------------------------------------------------------------------------- vis_grid, vis_nn

def test_vis_grid_hand_worked():
    # Two 1x1 single-channel images, values 2 and 6: a 2x2 grid of 2x2 cells (image + border).
    Xs = np.array([2.0, 6.0]).reshape(2, 1, 1, 1)
    grid = vis.vis_grid(Xs)
    assert grid.shape == (4, 4, 1)
    expected = np.zeros((4, 4))
    expected[0, 2] = 1.0  # the second image is the maximum; the first and the borders the minimum
    assert np.array_equal(grid[..., 0], expected)


def test_vis_grid_keeps_relative_brightness(rng):
    Xs = rng.uniform(0, 255, size=(5, 4, 3, 3))
    Xs[1] *= 0.5
    grid = vis.vis_grid(Xs)
    assert grid.shape == (3 * 5, 3 * 4, 3) and grid.min() == 0 and grid.max() == 1
    low, span = Xs.min(), Xs.max() - Xs.min()
    # Cell (0, 1) holds image 1, rescaled with the global minimum and maximum.
    assert np.allclose(grid[0:4, 4:7], (Xs[1] - low) / span)
    with pytest.raises(ValueError, match="vis_grid"):
        vis.vis_grid(np.zeros((3, 4, 4)))


def test_vis_nn_rows_of_neighbours(rng):
    rows = [[rng.uniform(size=(2, 3, 3)) for _ in range(4)] for _ in range(3)]
    grid = vis.vis_nn(rows)
    assert grid.shape == (3 * 3, 4 * 4, 3)
    everything = np.array(rows)
    low, span = everything.min(), everything.max() - everything.min()
    assert np.allclose(grid[3:5, 8:11], (rows[1][2] - low) / span)
    assert np.all(grid[2, :, :] == 0)  # the border below the first row
    with pytest.raises(ValueError, match="same number"):
        vis.vis_nn([[rows[0][0]], []])
    assert np.all(vis.vis_nn([[np.ones((2, 2, 1))]]) == 0)

# --------------------------------------------------------------------------- confusion matrix

def test_confusion_matrix_hand_worked():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    M = vis.confusion_matrix(y_true, y_pred, 4)
    expected = np.zeros((4, 4), dtype=np.int64)
    expected[0, 0] = 1
    expected[0, 1] = 1
    expected[1, 1] = 1
    expected[2, 2] = 2
    expected[2, 0] = 1
    assert M.dtype == np.int64
    assert np.array_equal(M, expected)


def test_confusion_matrix_totals(rng):
    y_true = rng.integers(0, 10, 500)
    y_pred = rng.integers(0, 10, 500)
    M = vis.confusion_matrix(y_true, y_pred, 10)
    assert M.sum() == 500
    assert np.trace(M) == np.sum(y_true == y_pred)
    assert np.array_equal(M.sum(axis=1), np.bincount(y_true, minlength=10))
    assert np.array_equal(M.sum(axis=0), np.bincount(y_pred, minlength=10))


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"y_pred must lie in \[0, 2\] for 3 classes, got values from 0 to 3"):
        vis.confusion_matrix([0, 1], [0, 3], 3)
    with pytest.raises(ValueError, match="1-D and of equal length"):
        vis.confusion_matrix([0, 1], [0], 3)
    with pytest.raises(ValueError, match="y_true must hold integer labels"):
        vis.confusion_matrix([0.0, 1.0], [0, 1], 3)


# --------------------------------------------------------------------------- plots

def test_plot_history_from_solver_and_dict(tmp_path, rng):
    solver = SimpleNamespace(loss_history=list(2 - rng.random(200)), train_acc_history=[0.1, 0.3, 0.5],
                             val_acc_history=[0.1, 0.25, 0.4])
    path = _drawn(vis.plot_history(solver, tmp_path / "runs" / "history.png"), tmp_path / "runs" / "history.png")
    width, _ = _assert_png(path)                                          # the parent folder was created
    only_loss = _drawn(vis.plot_history({"loss_history": [3.0, 2.0, 1.5]}, tmp_path / "loss.png"), tmp_path / "loss.png")
    assert _assert_png(only_loss, min_bytes=2_000)[0] < width  # one panel instead of two
    with pytest.raises(ValueError, match="expected a Solver or a dict with 'loss_history'"):
        vis.plot_history({"val_acc_history": [0.1]}, tmp_path / "bad.png")


@pytest.mark.parametrize("W, kwargs", [
    (np.ones((3072, 10)), {}),
    (np.ones((3072, 10)), {"channels_last": True}),
    (np.ones((64, 12)), {}),                          # 8x8 grey digits
    (np.ones((8, 3, 5, 5)), {}),                      # conv filters
    (np.ones((48, 5)), {"image_shape": (3, 4, 4)}),
])
def test_plot_first_layer_weights(tmp_path, rng, W, kwargs):
    W = W * rng.standard_normal(W.shape)
    _assert_png(_drawn(vis.plot_first_layer_weights(W, tmp_path / "w.png", **kwargs), tmp_path / "w.png"), min_bytes=2_000)


def test_plot_first_layer_weights_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot guess the image shape of D = 50 inputs"):
        vis.plot_first_layer_weights(np.ones((50, 3)), tmp_path / "w.png")
    with pytest.raises(ValueError, match=r"image_shape \(3, 4, 4\) \(C, H, W\) must hold the D = 50 inputs"):
        vis.plot_first_layer_weights(np.ones((50, 3)), tmp_path / "w.png", image_shape=(3, 4, 4))
    with pytest.raises(ValueError, match="can show 1 or 3 input channels, got 16"):
        vis.plot_first_layer_weights(np.ones((8, 16, 3, 3)), tmp_path / "w.png")
    assert not (tmp_path / "w.png").exists()


def _png_size(path):
    with open(path, "rb") as f:
        data = f.read(24)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_first_layer_weights_of_several_nets_side_by_side(tmp_path, rng):
    W = rng.standard_normal((3072, 10))
    one = _drawn(vis.plot_first_layer_weights(W, tmp_path / "one.png"), tmp_path / "one.png")
    two = _drawn(vis.plot_first_layer_weights({"sub-optimal": W, "tuned": 2 * W}, tmp_path / "two.png"),
                 tmp_path / "two.png")
    _assert_png(two)
    (w1, h1), (w2, h2) = _png_size(one), _png_size(two)
    assert h1 == h2 and w2 == 2 * w1
    with pytest.raises(ValueError, match="empty dict"):
        vis.plot_first_layer_weights({}, tmp_path / "none.png")


def test_plot_training_comparison(tmp_path, rng):
    base = {"loss_history": list(2 - rng.random(50)), "train_acc_history": [0.1, 0.3], "val_acc_history": [0.1, 0.2]}
    bn = SimpleNamespace(loss_history=list(1 - rng.random(50)), train_acc_history=[0.2, 0.5],
                         val_acc_history=[0.2, 0.3])
    path = _drawn(vis.plot_training_comparison({"baseline": base, "batchnorm": bn}, tmp_path / "curves.png"),
                  tmp_path / "curves.png")
    _assert_png(path)
    width, height = _png_size(path)
    assert height > width  # three panels stacked
    with pytest.raises(ValueError, match="run 'x' has no train_acc_history"):
        vis.plot_training_comparison({"x": {"loss_history": [1.0]}}, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="non-empty dict"):
        vis.plot_training_comparison({}, tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_plot_panels_heatmaps_and_weight_histograms(tmp_path, rng):
    scales = np.logspace(-4, 0, 5)
    lines = {"baseline": (scales, rng.random(5)), "batchnorm": (scales, rng.random(5))}
    path = _drawn(vis.plot_panels({"val acc": lines, "loss": lines}, tmp_path / "panels.png", xlabel="weight scale",
                                  logy=("loss",)), tmp_path / "panels.png")
    _assert_png(path)
    assert _png_size(path)[0] > _png_size(path)[1]  # two panels side by side
    _assert_png(_drawn(vis.plot_heatmaps({"3-layer": rng.random((3, 4)), "5-layer": np.full((3, 4), np.nan)},
                                         tmp_path / "heat.png", xs=[1e-3, 1e-2, 1e-1, 1], ys=[1e-3, 1e-2, 1e-1],
                                         xlabel="learning rate", ylabel="weight scale"), tmp_path / "heat.png"))
    with pytest.raises(ValueError, match=r"grid 'x' must have shape \(3, 4\) \(len\(ys\), len\(xs\)\), got \(4, 3\)"):
        vis.plot_heatmaps({"x": np.zeros((4, 3))}, tmp_path / "bad.png", xs=range(4), ys=range(3),
                          xlabel="a", ylabel="b")
    _assert_png(_drawn(vis.plot_weight_histograms({"L1": rng.laplace(size=500), "L2": rng.normal(size=500)},
                                           tmp_path / "hist.png", xlabel="fc1 weight"), tmp_path / "hist.png"))
    for plot, args in ((vis.plot_panels, ("x",)), (vis.plot_weight_histograms, ())):
        with pytest.raises(ValueError, match="must be a non-empty dict"):
            plot({}, tmp_path / "bad.png", *args)
    assert not (tmp_path / "bad.png").exists()


def test_plot_confusion_matrix(tmp_path, rng):
    y = rng.integers(0, 4, 200)
    pred = np.where(rng.random(200) < 0.6, y, rng.integers(0, 4, 200))
    _assert_png(_drawn(vis.plot_confusion_matrix(y, pred, NAMES, tmp_path / "cm.png"), tmp_path / "cm.png"))
    with pytest.raises(ValueError, match=r"y_true must lie in \[0, 3\]"):
        vis.plot_confusion_matrix(y + 1, pred, NAMES, tmp_path / "cm2.png")


@pytest.mark.parametrize("layout", ["NHWC", "NCHW", "NHW"])
def test_plot_misclassified(tmp_path, rng, layout):
    X = rng.integers(0, 256, (120, 16, 16, 3)).astype(np.float64)
    if layout == "NCHW":
        X = X.transpose(0, 3, 1, 2)
    elif layout == "NHW":
        X = X[..., 0] - 128  # not in [0, 255]: rescaled per image
    y = rng.integers(0, 4, 120)
    pred = rng.integers(0, 4, 120)
    _assert_png(_drawn(vis.plot_misclassified(X, y, pred, NAMES, tmp_path / "mis.png", per_class=5), tmp_path / "mis.png"))


def test_plot_samples_of_every_prediction(tmp_path, rng):
    X = rng.random((40, 8, 8, 3))
    y = rng.integers(0, 4, 40)
    errors = _drawn(vis.plot_misclassified(X, y, y, NAMES, tmp_path / "none.png"), tmp_path / "none.png")  # empty rows
    samples = _drawn(vis.plot_misclassified(X, y, y, NAMES, tmp_path / "all.png", errors_only=False),
                     tmp_path / "all.png")
    assert os.path.getsize(samples) > os.path.getsize(errors) + 1000


def test_plot_misclassified_errors(tmp_path, rng):
    X = rng.random((10, 8, 8, 3))
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        vis.plot_misclassified(X, np.zeros(9, int), np.zeros(9, int), NAMES, tmp_path / "m.png")
    with pytest.raises(ValueError, match=r"plot_misclassified: per_class must be an integer >= 1, got 0"):
        vis.plot_misclassified(X, np.zeros(10, int), np.zeros(10, int), NAMES, tmp_path / "m.png", per_class=0)


def test_plot_comparison_and_cross_validation(tmp_path, rng):
    runs = {"sgd": 2 - np.cumsum(rng.random(300)) / 300, "adam": 2 - np.cumsum(rng.random(300)) / 200}
    _assert_png(_drawn(vis.plot_comparison(runs, tmp_path / "cmp.png", "loss", smooth=20, logy=True), tmp_path / "cmp.png"))
    _assert_png(_drawn(vis.plot_comparison({"a": [0.1, 0.2], "b": [0.2, 0.1]}, tmp_path / "acc.png", "val accuracy",
                                    xlabel="epoch"), tmp_path / "acc.png"))
    with pytest.raises(ValueError, match="histories must be a non-empty dict"):
        vis.plot_comparison({}, tmp_path / "x.png", "loss")
    _assert_png(_drawn(vis.plot_cross_validation({1: [0.2, 0.25], 3: [0.26, 0.27], 5: [0.28, 0.3]}, tmp_path / "cv.png"), tmp_path / "cv.png"))


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    matplotlib_figure = pytest.importorskip("matplotlib.figure")
    path = tmp_path / "cmp.png"
    path.write_bytes(b"old")

    def broken_savefig(self, f, **kwargs):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(matplotlib_figure.Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        vis.plot_comparison({"a": [1.0, 2.0]}, path, "loss")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["cmp.png"]


def test_plots_return_their_figure_for_notebooks_and_write_only_when_given_a_path(tmp_path, rng, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figures = [
        vis.plot_history({"loss_history": [3.0, 2.0], "train_acc_history": [0.1], "val_acc_history": [0.2]}),
        vis.plot_comparison({"a": [1.0, 0.5]}),
        vis.plot_panels({"acc": {"run": ([1, 2], [0.1, 0.2])}}),
        vis.plot_heatmaps({"grid": rng.random((2, 3))}),                      # rows and columns by index
        vis.plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["a", "b"]),
        vis.plot_cross_validation({1: [0.2, 0.3]}),
    ]
    assert os.listdir(tmp_path) == []                                        # nothing written without a path
    for figure in figures:
        png = figure._repr_png_()                                            # what Jupyter shows inline
        assert png[:8] == PNG_SIGNATURE and len(png) > 2_000
    heat = figures[3].get_axes()[0]
    assert [t.get_text() for t in heat.get_xticklabels()] == ["0", "1", "2"]
