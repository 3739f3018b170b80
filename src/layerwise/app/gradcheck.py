"""Numerical gradient checks of every layer and model, as a table (``layerwise gradcheck``)."""

from __future__ import annotations

import numpy as np

from .. import layers as L
from ..gradient_check import check_layer, eval_numerical_gradient, rel_error

LAYER_BOUND = 1e-7
NORM_BOUND = 1e-6
MODEL_BOUND = 1e-6


def _layer_checks(rng):
    x = rng.standard_normal((4, 6))
    x[np.abs(x) < 1e-3] = 0.5
    g, b = rng.standard_normal(6), rng.standard_normal(6)
    img = rng.standard_normal((2, 3, 6, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    conv = {"stride": 1, "pad": 1}
    pool = {"pool_height": 2, "pool_width": 2, "stride": 2}
    bn = lambda mode: {"mode": mode, "running_mean": np.zeros(6), "running_var": np.ones(6)}  # noqa: E731
    y = rng.integers(6, size=4)
    xn = 5 * rng.standard_normal((4, 6)) + 12
    yield "affine", LAYER_BOUND, (L.affine_forward, L.affine_backward, [x, rng.standard_normal((6, 5)), g[:5]])
    for name in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu"):
        yield name, LAYER_BOUND, (getattr(L, f"{name}_forward"), getattr(L, f"{name}_backward"), [x])
    yield "batchnorm", NORM_BOUND, (lambda x, g, b: L.batchnorm_forward(x, g, b, bn("train")),
                                    L.batchnorm_backward, [xn, g, b])
    yield "batchnorm_alt", NORM_BOUND, (lambda x, g, b: L.batchnorm_forward(x, g, b, bn("train")),
                                        L.batchnorm_backward_alt, [xn, g, b])
    yield "layernorm", NORM_BOUND, (lambda x, g, b: L.layernorm_forward(x, g, b, {}), L.layernorm_backward,
                                    [x, g, b])
    yield "dropout", LAYER_BOUND, (lambda x: L.dropout_forward(x, {"mode": "train", "p": 0.6, "seed": 1}),
                                   L.dropout_backward, [x])
    yield "softmax_loss", LAYER_BOUND, (lambda x: L.softmax_loss(x, y), None, [x])
    yield "svm_loss", LAYER_BOUND, (lambda x: L.svm_loss(x, y), None, [x])
    yield "conv", LAYER_BOUND, (lambda x, w, b: L.conv_forward(x, w, b, conv), L.conv_backward, [img, w, b[:4]])
    yield "max_pool", LAYER_BOUND, (lambda x: L.max_pool_forward(x, pool), L.max_pool_backward, [img])
    yield "avg_pool", LAYER_BOUND, (lambda x: L.avg_pool_forward(x, pool), L.avg_pool_backward, [img])
    sg, sb = rng.standard_normal(3), rng.standard_normal(3)
    yield "spatial_batchnorm", NORM_BOUND, (
        lambda x, g, b: L.spatial_batchnorm_forward(x, g, b, {"mode": "train"}), L.spatial_batchnorm_backward,
        [img, sg, sb])
    gg, gb = rng.standard_normal((1, 6, 1, 1)), rng.standard_normal((1, 6, 1, 1))
    img6 = rng.standard_normal((2, 6, 4, 4))
    yield "spatial_groupnorm", NORM_BOUND, (
        lambda x, g, b: L.spatial_groupnorm_forward(x, g, b, 2, {}), L.spatial_groupnorm_backward, [img6, gg, gb])


def _loss_check(loss_fn, x):
    _, dx = loss_fn(x)
    return rel_error(dx, eval_numerical_gradient(lambda v: loss_fn(v)[0], x, verbose=False))


def _model_check(model, X, y):
    _, grads = model.loss(X, y)
    return max(rel_error(grads[name], eval_numerical_gradient(lambda _: model.loss(X, y)[0], p, verbose=False),
                         floor=1e-3)
               for name, p in model.params.items())


def _models():
    from .. import classifiers as C
    np.random.seed(0)
    X = np.random.randn(3, 12)
    y = np.array([0, 2, 1])
    yield "TwoLayerNet", C.TwoLayerNet(input_dim=12, hidden_dim=8, num_classes=3, weight_scale=0.3, reg=0.1), X, y
    yield "FullyConnectedNet+batchnorm+dropout", C.FullyConnectedNet(
        [8, 7], input_dim=12, num_classes=3, normalization="batchnorm", dropout_keep_ratio=0.7, reg=0.1,
        weight_scale="he", dtype=np.float64, seed=1), X, y
    Ximg = np.random.randn(2, 3, 8, 8)
    yield "ThreeLayerConvNet", C.ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=3, filter_size=3,
                                                   hidden_dim=7, num_classes=3, weight_scale=0.3,
                                                   dtype=np.float64), Ximg, y[:2]


def run_gradchecks(seed: int = 0) -> list[tuple[str, float, float]]:
    """``[(name, max relative error, bound)]`` for every layer and model."""
    rng = np.random.default_rng(seed)
    results = []
    for name, bound, (forward, backward, inputs) in _layer_checks(rng):
        if backward is None:
            results.append((name, _loss_check(forward, inputs[0]), bound))
        else:
            results.append((name, max(check_layer(forward, backward, inputs).values()), bound))
    for name, model, X, y in _models():
        results.append((name, _model_check(model, X, y), MODEL_BOUND))
    return results


def print_gradcheck_table(seed: int = 0) -> int:
    """Print one row per layer and model (max relative error, bound, ok/FAILED); 0 if all pass, else 1."""
    results = run_gradchecks(seed)
    width = max(len(name) for name, _, _ in results)
    print(f"{'layer / model':{width}s}  {'max rel. error':>14s}  bound")
    failed = 0
    for name, error, bound in results:
        ok = error < bound
        failed += not ok
        print(f"{name:{width}s}  {error:14.2e}  {bound:.0e} {'ok' if ok else 'FAILED'}")
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
