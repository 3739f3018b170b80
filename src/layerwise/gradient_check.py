"""Numerical gradient checking.

Centered differences ``(f(x + h) - f(x - h)) / 2h`` approximate a derivative
with error O(h^2); in float64 with ``h = 1e-5`` a correct analytic gradient
agrees to a relative error of about 1e-8 or better.  Every backward pass in
layerwise is verified this way.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

__all__ = [
    "rel_error",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "eval_numerical_gradient_blobs",
    "grad_check_sparse",
    "check_layer",
]


def rel_error(x, y, floor: float = 1e-8) -> float:
    """Maximum relative error ``max(|x - y| / max(floor, |x| + |y|))``.

    Centered differences of a loss of size ``f`` carry rounding noise of about
    ``eps * |f| / h`` (2e-11 for f ~ 1 and h = 1e-5 in float64), so entries of a
    gradient smaller than ~1e-5 cannot be checked to 1e-6 *relative* accuracy.
    Whole-model checks pass ``floor=1e-3``: entries above it are compared
    relatively, the tiny ones absolutely (``|x - y| / floor``).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: shapes differ, {x.shape} vs {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(floor, np.abs(x) + np.abs(y))))


def _perturbed(f, x, ix, h):
    """Evaluate f at x[ix] + h and x[ix] - h, restoring x[ix] afterwards."""
    old = x[ix]
    x[ix] = old + h
    plus = f(x)
    plus = plus.copy() if isinstance(plus, np.ndarray) else plus
    x[ix] = old - h
    minus = f(x)
    minus = minus.copy() if isinstance(minus, np.ndarray) else minus
    x[ix] = old
    return plus, minus


def eval_numerical_gradient(f: Callable, x: np.ndarray, verbose: bool = True, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of a scalar function ``f`` at ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored.
    Returns an array shaped like ``x``.
    """
    _require_float64(x, "eval_numerical_gradient")
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        plus, minus = _perturbed(f, x, ix, h)
        grad[ix] = (plus - minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f: Callable, x: np.ndarray, df: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of ``sum(f(x) * df)`` for an array-valued ``f``.

    This is the gradient a backward pass receiving upstream gradient ``df``
    must return.
    """
    _require_float64(x, "eval_numerical_gradient_array")
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        plus, minus = _perturbed(f, x, ix, h)
        grad[ix] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def eval_numerical_gradient_blobs(f: Callable, inputs: Sequence[np.ndarray], output_shape_df: np.ndarray, h: float = 1e-5):
    """Numerical gradients of ``sum(f(*inputs) * df)`` w.r.t. each input."""
    inputs = list(inputs)
    grads = []
    for i, x in enumerate(inputs):
        def f_i(xi, i=i):
            args = inputs[:i] + [xi] + inputs[i + 1:]
            return f(*args)
        grads.append(eval_numerical_gradient_array(f_i, x, output_shape_df, h))
    return grads


def grad_check_sparse(f: Callable, x: np.ndarray, analytic_grad: np.ndarray, num_checks: int = 10,
                      h: float = 1e-5, seed: int | None = None, verbose: bool = True) -> list[float]:
    """Compare ``analytic_grad`` with centered differences at ``num_checks`` random entries.

    Returns the relative errors (one per checked entry) and prints them when ``verbose``.
    """
    if analytic_grad.shape != x.shape:
        raise ValueError(f"grad_check_sparse: analytic gradient has shape {analytic_grad.shape}, "
                         f"expected the shape of x {x.shape}")
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        plus, minus = _perturbed(f, x, ix, h)
        numeric = (plus - minus) / (2 * h)
        analytic = analytic_grad[ix]
        err = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
        errors.append(float(err))
        if verbose:
            print(f"numerical: {numeric:f} analytic: {analytic:f}, relative error: {err:e}")
    return errors


def check_layer(forward: Callable, backward: Callable, inputs: Sequence, param_names: Sequence[str] | None = None,
                wrt: Sequence[int] | None = None, seed: int = 0, h: float = 1e-5) -> dict[str, float]:
    """Gradient-check a forward/backward pair on the given inputs in one call.

    ``forward(*inputs) -> (out, cache)`` and ``backward(dout, cache)`` returns
    one gradient (a single array) or a tuple of gradients, one per array input
    that is checked.  ``wrt`` lists the positions of the inputs the backward
    pass returns gradients for, in order (default: every ndarray input, in
    order).  Non-array inputs (parameter dicts, ints) are passed through
    unchanged.  Array inputs are converted to float64.

    Returns ``{name: relative error}`` with names from ``param_names`` (default
    ``x0, x1, ...``).

    Example::

        errs = check_layer(affine_forward, affine_backward, [x, w, b])
        assert max(errs.values()) < 1e-7
    """
    inputs = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in inputs]
    if wrt is None:
        wrt = [i for i, a in enumerate(inputs) if isinstance(a, np.ndarray)]
    names = list(param_names) if param_names is not None else [f"x{i}" for i in wrt]
    if len(names) != len(wrt):
        raise ValueError(f"check_layer: {len(names)} names given for {len(wrt)} checked inputs")

    out, cache = forward(*inputs)
    dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    analytic = backward(dout, cache)
    if not isinstance(analytic, tuple):
        analytic = (analytic,)
    if len(analytic) < len(wrt):
        raise ValueError(f"check_layer: backward returned {len(analytic)} gradients, expected {len(wrt)}")

    def output(*args):
        return forward(*args)[0]

    errors = {}
    for name, pos, grad in zip(names, wrt, analytic):
        def f(xi, pos=pos):
            args = list(inputs)
            args[pos] = xi
            return output(*args)
        numeric = eval_numerical_gradient_array(f, inputs[pos], dout, h)
        errors[name] = rel_error(grad, numeric)
    return errors


def _require_float64(x, where):
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"{where}: x must be a float64 ndarray (got {type(x).__name__} "
                        f"{getattr(x, 'dtype', '')}); finite differences with h=1e-5 are meaningless "
                        f"in lower precision -- call x.astype(np.float64) first")
