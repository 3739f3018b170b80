"""Convolution, pooling and spatial normalization layers.

Public functions use the course layout ``x: (N, C, H, W)`` and follow the
``X_forward(...) -> (out, cache)`` / ``X_backward(dout, cache) -> grads``
convention.  Three families live here:

* ``*_naive``: loop-based references, written to be read and used as test
  oracles.
* ``*_chwn``: the fast kernels.  They keep activations channel-first with the
  batch axis innermost, ``(C, H, W, N)``: one GEMM per convolution covers the
  whole batch, its output already is the next layer's input, and the stride-2
  slices that pooling takes are runs of ``N`` contiguous numbers.  The
  ``ConvNet`` model keeps this layout end to end.
* the unsuffixed fast functions (``conv_forward``, ``max_pool_forward``, ...):
  the NCHW API.  Each is a transpose into the CHWN kernel and back.  The
  transposes are views, not copies: an NCHW result of one fast layer is a
  CHWN array underneath, so the next fast layer reads it without moving any
  data, and a chain of fast layers costs one layout copy at its input.

Output sizes follow ``1 + (H + 2 * pad - HH) // stride``; a geometry whose
windows do not tile the (padded) input exactly raises ``ValueError``, unless a
pooling layer is asked to drop the remainder (``pool_param['floor'] = True``,
PyTorch's behaviour).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..checks import integer
from .normalization import batchnorm_backward_alt, batchnorm_forward, standardize, standardize_backward

__all__ = [
    # NCHW API (exported by layerwise.layers)
    "conv_forward", "conv_backward", "conv_forward_naive", "conv_backward_naive",
    "max_pool_forward", "max_pool_backward", "max_pool_forward_naive", "max_pool_backward_naive",
    "relu_max_pool_forward",
    "avg_pool_forward", "avg_pool_backward", "avg_pool_forward_naive", "avg_pool_backward_naive",
    "spatial_batchnorm_forward", "spatial_batchnorm_backward",
    "spatial_groupnorm_forward", "spatial_groupnorm_backward",
    "im2col", "col2im",
    # (C, H, W, N) kernels
    "conv_forward_chwn", "conv_backward_chwn",
    "max_pool_forward_chwn", "max_pool_backward_chwn",
    "avg_pool_forward_chwn", "avg_pool_backward_chwn",
    "spatial_batchnorm_forward_chwn", "spatial_batchnorm_backward_chwn",
    "im2col_chwn", "col2im_chwn",
    "conv_output_size", "Workspace",
]


class Workspace:
    """Named scratch arrays that a layer reuses from one call to the next.

    A large ``np.empty`` is fresh memory from the operating system: each of
    its pages is faulted in and zeroed on first touch, which costs as much
    as the arithmetic of a small convolution.  A model that runs the same
    layer step after step hands each layer a ``Workspace``; its kernels then
    write their outputs, im2col matrices and masks into the same memory every
    step.  An array obtained from a workspace stays valid until the same name
    is requested again (the next call of that layer), so a layer's outputs
    must be consumed before the layer runs again -- true of any forward then
    backward pass (and the reason one model must not run in two threads at
    once).  Buffers grow to the largest size requested and are reused for
    smaller ones.

    ``shared``: another workspace that receives the *transient* requests --
    scratch that is dead when the kernel returns (the padded input once
    unfolded, the column gradient before folding, pooling masks).  Layers
    that run one after the other can share it, so a deep network holds one
    such buffer instead of one per layer.
    """

    def __init__(self, shared=None):
        self._buffers = {}
        self.shared = shared

    def empty(self, name, shape, dtype, transient=False):
        """An uninitialized array of ``shape`` and ``dtype`` backed by the buffer ``name``."""
        if transient and self.shared is not None:
            return self.shared.empty(name, shape, dtype)
        dtype = np.dtype(dtype)
        size = int(np.prod(shape))
        buf = self._buffers.get(name)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = self._buffers[name] = np.empty(size, dtype=dtype)
        return buf[:size].reshape(shape)

    @property
    def nbytes(self):
        """Total size of the buffers held."""
        return sum(b.nbytes for b in self._buffers.values())


def _empty(ws, name, shape, dtype, transient=False):
    return np.empty(shape, dtype=dtype) if ws is None else ws.empty(name, shape, dtype, transient)


# ----------------------------------------------------------------------------
# Geometry and argument checks
# ----------------------------------------------------------------------------

def conv_output_size(size, field, stride, pad, where="conv", axis="height"):
    """Output length ``1 + (size + 2 * pad - field) // stride`` of a sliding window.

    Raises ValueError when the windows do not tile the padded input exactly
    (or do not fit at all), saying which sizes would work.
    """
    span = size + 2 * pad - field
    if span < 0:
        raise ValueError(f"{where}: a window of {axis} {field} does not fit in an input of {axis} {size} with "
                         f"pad {pad}; use a larger input, more padding or a smaller window")
    if span % stride:
        raise ValueError(f"{where}: windows of {axis} {field} with stride {stride} do not tile an input of {axis} "
                         f"{size} with pad {pad}: ({axis} + 2*pad - window) = {span} is not a multiple of "
                         f"{stride}; change the pad, stride or input size so that it is")
    return 1 + span // stride


def _conv_geometry(x_shape, w, b, conv_param, where, layout):
    """Validate a convolution and return ``(stride, pad, Ho, Wo)``.

    ``x_shape`` is ``(C, H, W)`` (the batch axis already removed) whatever the layout.
    """
    if w.ndim != 4:
        raise ValueError(f"{where}: w must have shape (F, C, HH, WW), got {w.shape}")
    F, Cw, HH, WW = w.shape
    C, H, W = x_shape
    if Cw != C:
        raise ValueError(f"{where}: x has {C} channels (layout {layout}) but w {w.shape} expects {Cw}; "
                         f"w must have shape (F, C, HH, WW) with C the number of input channels")
    if np.shape(b) != (F,):
        raise ValueError(f"{where}: b must have shape ({F},) to match the {F} filters of w, got {np.shape(b)}")
    stride = integer(conv_param.get("stride", 1), "conv_param['stride']", 1, where=where)
    pad = integer(conv_param.get("pad", 0), "conv_param['pad']", 0, where=where)
    Ho = conv_output_size(H, HH, stride, pad, where, "height")
    Wo = conv_output_size(W, WW, stride, pad, where, "width")
    return stride, pad, Ho, Wo


def _pool_geometry(H, W, pool_param, where):
    """Validate a pooling window and return ``(ph, pw, stride, Ho, Wo)``.

    ``pool_param['floor']`` (False): when True, windows that do not tile the
    input drop its last rows and columns, ``Ho = 1 + (H - ph) // stride``
    (PyTorch's pooling); otherwise such a geometry raises ValueError.
    """
    ph = integer(pool_param.get("pool_height", 2), "pool_param['pool_height']", 1, where=where)
    pw = integer(pool_param.get("pool_width", 2), "pool_param['pool_width']", 1, where=where)
    stride = integer(pool_param.get("stride", 2), "pool_param['stride']", 1, where=where)
    floor = pool_param.get("floor", False)
    if not isinstance(floor, (bool, np.bool_)):
        raise ValueError(f"{where}: pool_param['floor'] must be True or False, got {floor!r}")
    if floor:
        H, W = H - (H - ph) % stride if H >= ph else H, W - (W - pw) % stride if W >= pw else W
    Ho = conv_output_size(H, ph, stride, 0, where, "height")
    Wo = conv_output_size(W, pw, stride, 0, where, "width")
    return ph, pw, stride, Ho, Wo


def _check_ndim4(x, where, layout):
    if np.ndim(x) != 4:
        raise ValueError(f"{where}: x must be a 4-D array {layout}, got shape {np.shape(x)}")


def _to_chwn(x):
    """(N, C, H, W) -> (C, H, W, N) view."""
    return x.transpose(1, 2, 3, 0)


def _to_nchw(x):
    """(C, H, W, N) -> (N, C, H, W) view."""
    return x.transpose(3, 0, 1, 2)


def _window(x, a, b, stride, Ho, Wo):
    """The (C, Ho, Wo, N) view of a CHWN array at window offset (a, b): ``x[:, a + stride*i, b + stride*j, :]``."""
    return x[:, a:a + stride * (Ho - 1) + 1:stride, b:b + stride * (Wo - 1) + 1:stride, :]


# ----------------------------------------------------------------------------
# Naive references (NCHW)
# ----------------------------------------------------------------------------

def conv_forward_naive(x, w, b, conv_param):
    """Convolution (cross-correlation) with loops, the readable reference.

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,); conv_param: ``stride``, ``pad``.
    ``out[n, f, i, j] = sum_{c, u, v} xpad[n, c, i*stride + u, j*stride + v] * w[f, c, u, v] + b[f]``
    with ``xpad`` the input zero-padded by ``pad`` on each side.
    Returns out: (N, F, Ho, Wo) and cache (x, w, b, conv_param).
    """
    _check_ndim4(x, "conv_forward_naive", "(N, C, H, W)")
    N = x.shape[0]
    F, _, HH, WW = w.shape
    s, pad, Ho, Wo = _conv_geometry(x.shape[1:], w, b, conv_param, "conv_forward_naive", "(N, C, H, W)")
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * s:i * s + HH, j * s:j * s + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """Backward pass of ``conv_forward_naive``, with loops.

    dout: (N, F, Ho, Wo).  Returns dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,):
    each output element sends ``dout * w[f]`` back to its input window and
    ``dout * window`` to ``w[f]``.
    """
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, pad, Ho, Wo = _conv_geometry(x.shape[1:], w, b, conv_param, "conv_backward_naive", "(N, C, H, W)")
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp, dtype=np.result_type(dout, w))
    dw = np.zeros_like(w, dtype=np.result_type(dout, x))
    db = np.zeros(F, dtype=dout.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    g = dout[n, f, i, j]
                    db[f] += g
                    dw[f] += g * xp[n, :, i * s:i * s + HH, j * s:j * s + WW]
                    dxp[n, :, i * s:i * s + HH, j * s:j * s + WW] += g * w[f]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db


def max_pool_forward_naive(x, pool_param):
    """Max pooling with loops.

    x: (N, C, H, W); pool_param: ``pool_height``, ``pool_width``, ``stride``,
    optional ``floor`` (drop the rows and columns that no window covers).
    ``out[n, c, i, j] = max of x[n, c, i*stride : i*stride + ph, j*stride : j*stride + pw]``.
    Returns out: (N, C, Ho, Wo) and cache (x, pool_param).
    """
    _check_ndim4(x, "max_pool_forward_naive", "(N, C, H, W)")
    N, C, H, W = x.shape
    ph, pw, s, Ho, Wo = _pool_geometry(H, W, pool_param, "max_pool_forward_naive")
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = np.max(x[n, c, i * s:i * s + ph, j * s:j * s + pw])
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """Backward pass of ``max_pool_forward_naive``.

    Each window's gradient goes to its maximum; when several entries tie, to
    the first in row-major order (as PyTorch does).  Returns dx: (N, C, H, W).
    """
    x, pool_param = cache
    N, C, H, W = x.shape
    ph, pw, s, Ho, Wo = _pool_geometry(H, W, pool_param, "max_pool_backward_naive")
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * s + u, j * s + v] += dout[n, c, i, j]
    return dx


def avg_pool_forward_naive(x, pool_param):
    """Average pooling with loops: ``out[n, c, i, j] = mean of the window``.

    x: (N, C, H, W).  Returns out: (N, C, Ho, Wo) and cache (x, pool_param).
    """
    _check_ndim4(x, "avg_pool_forward_naive", "(N, C, H, W)")
    N, C, H, W = x.shape
    ph, pw, s, Ho, Wo = _pool_geometry(H, W, pool_param, "avg_pool_forward_naive")
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = np.mean(x[n, c, i * s:i * s + ph, j * s:j * s + pw])
    return out, (x, pool_param)


def avg_pool_backward_naive(dout, cache):
    """Backward pass of ``avg_pool_forward_naive``: each window entry gets ``dout / (ph * pw)``."""
    x, pool_param = cache
    N, C, H, W = x.shape
    ph, pw, s, Ho, Wo = _pool_geometry(H, W, pool_param, "avg_pool_backward_naive")
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += dout[n, c, i, j] / (ph * pw)
    return dx


# ----------------------------------------------------------------------------
# im2col / col2im in the (C, H, W, N) layout
# ----------------------------------------------------------------------------

def _pad_chwn(x, pad, dtype, ws=None):
    """Copy x: (C, H, W, N) into a zero-border buffer (C, H + 2 pad, W + 2 pad, N) of ``dtype``.

    Zeroing only the border and copying the interior once is cheaper than
    ``np.pad``, and the copy also performs any pending layout change of a
    transposed view.
    """
    C, H, W, N = x.shape
    xp = _empty(ws, "xpad", (C, H + 2 * pad, W + 2 * pad, N), dtype)
    if pad:
        xp[:, :pad] = 0
        xp[:, H + pad:] = 0
        xp[:, pad:H + pad, :pad] = 0
        xp[:, pad:H + pad, W + pad:] = 0
    xp[:, pad:H + pad, pad:W + pad] = x
    return xp


def im2col_chwn(xp, HH, WW, stride, Ho, Wo, ws=None, ones_row=False):
    """Unfold a padded xp: (C, Hp, Wp, N) into cols: (C * HH * WW, Ho * Wo * N).

    ``cols[(c, u, v), (i, j, n)] = xp[c, i*stride + u, j*stride + v, n]``, so
    ``w.reshape(F, -1) @ cols`` is the convolution, already in (F, Ho, Wo, N)
    order.  One strided view, one contiguous copy.  ``ones_row=True`` appends
    a row of ones (cols is then (C * HH * WW + 1, Ho * Wo * N)), the input
    that a bias multiplies.
    """
    C, Hp, Wp, N = xp.shape
    K, M = C * HH * WW, Ho * Wo * N
    sc, sh, sw, sn = xp.strides
    windows = as_strided(xp, (C, HH, WW, Ho, Wo, N), (sc, sh, sw, stride * sh, stride * sw, sn), writeable=False)
    cols = _empty(ws, "cols", (K + ones_row, M), xp.dtype, transient=True)
    np.copyto(cols[:K].reshape(C, HH, WW, Ho, Wo, N), windows)
    if ones_row:
        cols[K] = 1
    return cols


def col2im_chwn(cols, xp_shape, HH, WW, stride, Ho, Wo, ws=None):
    """Fold cols: (C * HH * WW, Ho * Wo * N) back into dxp: (C, Hp, Wp, N), summing overlaps.

    The adjoint of ``im2col_chwn``: for each of the HH * WW kernel offsets
    (u, v) the slab ``cols[(c, u, v), :]`` is added to the strided slice
    ``dxp[:, u::stride, v::stride, :]`` -- HH * WW vectorized additions
    instead of a scatter over every element.
    """
    dxp = _empty(ws, "dxpad", xp_shape, cols.dtype)
    dxp.fill(0)
    _fold_into(dxp, cols, HH, WW, stride, Ho, Wo)
    return dxp


def _fold_into(dxp, cols, HH, WW, stride, Ho, Wo):
    """``dxp += col2im(cols)`` for the Ho output rows that start at dxp's first row."""
    d6 = cols.reshape(dxp.shape[0], HH, WW, Ho, Wo, dxp.shape[3])
    for u in range(HH):
        for v in range(WW):
            _window(dxp, u, v, stride, Ho, Wo)[...] += d6[:, u, v]


# ----------------------------------------------------------------------------
# Fast convolution
# ----------------------------------------------------------------------------

# Bytes of one block of the im2col matrix.  The convolutions unfold and
# multiply a band of output rows at a time, so the block is written, read by
# the GEMM and dropped while it is still in cache -- never the whole matrix,
# which is (C * HH * WW) times the input.
_COLS_BLOCK_BYTES = 4 << 20


def _row_bands(K, Ho, Wo, N, itemsize):
    """``(i0, rows)`` bands of output rows whose im2col block of K rows stays near ``_COLS_BLOCK_BYTES``."""
    rows = max(1, min(Ho, _COLS_BLOCK_BYTES // max(1, K * Wo * N * itemsize)))
    return [(i0, min(rows, Ho - i0)) for i0 in range(0, Ho, rows)]


def _band_cols(xp, HH, WW, stride, i0, rows, Wo, ws):
    """The im2col block ``[cols; 1]`` of output rows ``i0 .. i0 + rows - 1``: (C * HH * WW + 1, rows * Wo * N)."""
    return im2col_chwn(xp[:, i0 * stride:], HH, WW, stride, rows, Wo, ws, ones_row=True)


def conv_forward_chwn(x, w, b, conv_param, ws=None):
    """Convolution on x: (C, H, W, N) as GEMMs over the whole batch, a band of output rows at a time.

    w: (F, C, HH, WW); b: (F,).  ``out = w.reshape(F, -1) @ im2col(xpad) + b``,
    computed as ``[w | b] @ [im2col(xpad); 1]``: the bias rides in the GEMM
    instead of costing a pass over the output, and the backward GEMM for dw
    yields db as well.  The im2col matrix is built one cache-sized band of
    output rows at a time and never kept: the backward pass unfolds the
    padded input again, which costs less than storing and re-reading nine
    times the input.
    Returns out: (F, Ho, Wo, N) (C-contiguous) and a cache.  x may be any
    strided view (a transposed NCHW array, another dtype): it is copied once
    into the padded buffer.  ``ws``: an optional ``Workspace`` for the
    padded input, the im2col blocks and the output, also used by the
    backward pass.
    """
    _check_ndim4(x, "conv_forward_chwn", "(C, H, W, N)")
    C, H, W, N = x.shape
    stride, pad, Ho, Wo = _conv_geometry(x.shape[:3], w, b, conv_param, "conv_forward", "(C, H, W, N)")
    F, _, HH, WW = w.shape
    dtype = np.result_type(x, w)
    xp = _pad_chwn(x, pad, dtype, ws) if pad or x.dtype != dtype or not x.flags.c_contiguous else x
    wb = np.concatenate([w.reshape(F, -1), b.reshape(F, 1)], axis=1).astype(dtype, copy=False)
    out = _empty(ws, "out", (F, Ho * Wo * N), dtype)
    band = Wo * N
    for i0, rows in _row_bands(wb.shape[1], Ho, Wo, N, dtype.itemsize):
        cols = _band_cols(xp, HH, WW, stride, i0, rows, Wo, ws)
        np.matmul(wb, cols, out=out[:, i0 * band:(i0 + rows) * band])
    return out.reshape(F, Ho, Wo, N), (xp, w, (C, H, W, N), stride, pad, Ho, Wo, ws)


def conv_backward_chwn(dout, cache, compute_dx=True):
    """Backward pass of ``conv_forward_chwn``.

    dout: (F, Ho, Wo, N).  With ``D = dout.reshape(F, -1)``:
    ``[dw | db] = D @ [cols; 1].T`` and ``dx = col2im(w.reshape(F, -1).T @ D)``,
    band by band of output rows as in the forward pass (each band's im2col
    block unfolded again from the padded input, each band's column gradient
    folded into dx while it is in cache).
    Returns dx: (C, H, W, N) (None when ``compute_dx`` is False: the first
    layer of a network never needs it), dw: (F, C, HH, WW), db: (F,).
    """
    xp, w, x_shape, stride, pad, Ho, Wo, ws = cache
    F, C, HH, WW = w.shape
    _, H, W, N = x_shape
    if dout.shape != (F, Ho, Wo, N):
        raise ValueError(f"conv_backward: dout must have the shape of the forward output {(F, Ho, Wo, N)} "
                         f"(layout (F, Ho, Wo, N)), got {dout.shape}")
    d2 = dout.reshape(F, Ho * Wo * N)
    K = C * HH * WW
    dtype = np.result_type(xp, dout)     # xp already has the dtype of x and w together
    w2t = w.reshape(F, K).T.astype(dtype, copy=False)
    dwb = np.zeros((K + 1, F), dtype)
    if compute_dx:
        dxp = _empty(ws, "dxpad", xp.shape, dtype)
        dxp.fill(0)
    band = Wo * N
    for i0, rows in _row_bands(K + 1, Ho, Wo, N, dtype.itemsize):
        cols = _band_cols(xp, HH, WW, stride, i0, rows, Wo, ws)
        d_band = d2[:, i0 * band:(i0 + rows) * band]
        dwb += cols @ d_band.T        # (K + 1, F); this operand order runs faster in OpenBLAS than d @ cols.T
        if compute_dx:
            dcols = np.matmul(w2t, d_band, out=_empty(ws, "dcols", (K, rows * band), dtype, transient=True))
            _fold_into(dxp[:, i0 * stride:], dcols, HH, WW, stride, rows, Wo)
    dw = dwb[:K].T.reshape(w.shape)
    db = dwb[K].copy()
    if not compute_dx:
        return None, dw, db
    return dxp[:, pad:pad + H, pad:pad + W], dw, db


def conv_forward(x, w, b, conv_param):
    """Fast convolution (cross-correlation), the same math as ``conv_forward_naive``.

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,); conv_param: ``stride`` (1), ``pad`` (0).
    ``out[n, f, i, j] = sum_{c, u, v} xpad[n, c, i*stride + u, j*stride + v] * w[f, c, u, v] + b[f]``.
    Returns out: (N, F, Ho, Wo) and a cache.  ``out`` is stored batch-innermost
    (it is a transposed view of a (F, Ho, Wo, N) array), which is what the
    next fast layer reads without a copy.
    """
    _check_ndim4(x, "conv_forward", "(N, C, H, W)")
    out, cache = conv_forward_chwn(_to_chwn(x), w, b, conv_param)
    return _to_nchw(out), cache


def conv_backward(dout, cache, compute_dx=True):
    """Backward pass of ``conv_forward``.

    dout: (N, F, Ho, Wo).  Returns dx: (N, C, H, W) (None when ``compute_dx``
    is False), dw: (F, C, HH, WW), db: (F,).
    """
    _check_ndim4(dout, "conv_backward", "(N, F, Ho, Wo)")
    dx, dw, db = conv_backward_chwn(_to_chwn(dout), cache, compute_dx)
    return (None if dx is None else _to_nchw(dx)), dw, db


def im2col(x, HH, WW, stride=1, pad=0):
    """Unfold x: (N, C, H, W) into cols: (C * HH * WW, Ho * Wo * N).

    Row ``(c, u, v)``, column ``(i, j, n)`` holds ``xpad[n, c, i*stride + u, j*stride + v]``,
    so a convolution is ``w.reshape(F, -1) @ cols`` reshaped to (F, Ho, Wo, N).
    """
    _check_ndim4(x, "im2col", "(N, C, H, W)")
    N, C, H, W = x.shape
    Ho = conv_output_size(H, HH, stride, pad, "im2col", "height")
    Wo = conv_output_size(W, WW, stride, pad, "im2col", "width")
    return im2col_chwn(_pad_chwn(_to_chwn(x), pad, x.dtype), HH, WW, stride, Ho, Wo)


def col2im(cols, x_shape, HH, WW, stride=1, pad=0):
    """Adjoint of ``im2col``: fold cols: (C * HH * WW, Ho * Wo * N) into dx of shape x_shape = (N, C, H, W)."""
    N, C, H, W = x_shape
    Ho = conv_output_size(H, HH, stride, pad, "col2im", "height")
    Wo = conv_output_size(W, WW, stride, pad, "col2im", "width")
    if cols.shape != (C * HH * WW, Ho * Wo * N):
        raise ValueError(f"col2im: cols must have shape {(C * HH * WW, Ho * Wo * N)} for x_shape {tuple(x_shape)}, "
                         f"got {cols.shape}")
    dxp = col2im_chwn(cols, (C, H + 2 * pad, W + 2 * pad, N), HH, WW, stride, Ho, Wo)
    return _to_nchw(dxp[:, pad:pad + H, pad:pad + W])


# ----------------------------------------------------------------------------
# Fast pooling
# ----------------------------------------------------------------------------

def _windows(x, ph, pw, stride, Ho, Wo):
    """The ph * pw strided (C, Ho, Wo, N) views of x, one per window offset, in row-major offset order."""
    return [_window(x, a, b, stride, Ho, Wo) for a in range(ph) for b in range(pw)]


def max_pool_forward_chwn(x, pool_param, relu=False, ws=None):
    """Max pooling on x: (C, H, W, N) as elementwise maxima of the ph * pw strided window views.

    ``relu=True`` fuses a ReLU in front: ``max(relu(x)) = relu(max(x))``, so
    the ReLU runs on the pooled (smaller) array.  ``ws``: an optional
    ``Workspace`` for the outputs and the backward pass.  Returns out:
    (C, Ho, Wo, N) and a cache.
    """
    _check_ndim4(x, "max_pool_forward_chwn", "(C, H, W, N)")
    C, H, W, N = x.shape
    ph, pw, s, Ho, Wo = _pool_geometry(H, W, pool_param, "max_pool_forward")
    views = _windows(x, ph, pw, s, Ho, Wo)
    m = _empty(ws, "max", (C, Ho, Wo, N), x.dtype)
    if len(views) == 1:
        np.copyto(m, views[0])
    else:
        np.maximum(views[0], views[1], out=m)
        for v in views[2:]:
            np.maximum(m, v, out=m)
    out = np.maximum(m, 0, out=_empty(ws, "out", m.shape, m.dtype)) if relu else m
    return out, (x, m, (ph, pw, s, Ho, Wo), relu, ws)


def max_pool_backward_chwn(dout, cache):
    """Backward pass of ``max_pool_forward_chwn``.

    dout: (C, Ho, Wo, N).  Each window's gradient goes to its maximum (the
    first one in row-major order when entries tie, as after a ReLU); with
    the fused ReLU only windows whose maximum is positive pass gradient.
    Non-overlapping windows (stride = window) take one broadcast equality
    mask over a 6-D view of x, cleared of its later hits where a window ties,
    and one broadcast product.  Overlapping windows take one mask per window
    offset, cleared the same way, and accumulate offset by offset.
    Returns dx: (C, H, W, N).
    """
    x, m, (ph, pw, s, Ho, Wo), relu, ws = cache
    C, H, W, N = x.shape
    if dout.shape != m.shape:
        raise ValueError(f"max_pool_backward: dout must have the shape of the pooled output {m.shape}, "
                         f"got {dout.shape}")
    dtype = np.result_type(dout, x)
    g = np.multiply(dout, m > 0, out=_empty(ws, "g", m.shape, dtype, transient=True)) if relu else dout
    offsets = [(a, b) for a in range(ph) for b in range(pw)]     # row-major: the first hit wins a tie
    if ph == pw == s:
        # Non-overlapping windows: offset (a, b) of every window is its own strided slice of dx,
        # written once, so dx needs no accumulation, and zeros only in the strips no window reaches
        # (the last rows and columns a floor geometry drops).
        dx = _empty(ws, "dx", x.shape, dtype)
        dx[:, Ho * ph:] = 0
        dx[:, :Ho * ph, Wo * pw:] = 0
        dx6 = dx[:, :Ho * ph, :Wo * pw].reshape(C, Ho, ph, Wo, pw, N)   # a view: it only splits axes
        shape6 = dx6.shape
        mask = np.equal(x[:, :Ho * ph, :Wo * pw].reshape(shape6), m[:, :, None, :, None, :],
                        out=_empty(ws, "mask", shape6, bool, transient=True))
        # Every window holds its maximum at least once; more hits than windows means ties (as
        # after a ReLU), and only the first hit of each window may stay in the mask.
        if np.count_nonzero(mask) != m.size:
            _keep_first_hits([mask[:, :, a, :, b, :] for a, b in offsets], ws)
        np.multiply(mask, g[:, :, None, :, None, :], out=dx6)
        return dx
    dx = np.zeros(x.shape, dtype=dtype)
    hits = [np.equal(_window(x, a, b, s, Ho, Wo), m) for a, b in offsets]
    _keep_first_hits(hits, ws)
    for (a, b), hit in zip(offsets, hits):
        _window(dx, a, b, s, Ho, Wo)[...] += hit * g
    return dx


def _keep_first_hits(hits, ws):
    """Clear, in place, every hit that an earlier mask of ``hits`` (same-shape bool arrays) already has."""
    taken = _empty(ws, "taken", hits[0].shape, bool, transient=True)
    np.copyto(taken, hits[0])
    for k, hit in enumerate(hits[1:], 1):
        np.greater(hit, taken, out=hit)              # hit and not taken
        if k + 1 < len(hits):
            np.logical_or(taken, hit, out=taken)


def avg_pool_forward_chwn(x, pool_param):
    """Average pooling on x: (C, H, W, N): the sum of the ph * pw window views over ph * pw.

    Returns out: (C, Ho, Wo, N) and a cache.
    """
    _check_ndim4(x, "avg_pool_forward_chwn", "(C, H, W, N)")
    C, H, W, N = x.shape
    ph, pw, s, Ho, Wo = _pool_geometry(H, W, pool_param, "avg_pool_forward")
    views = _windows(x, ph, pw, s, Ho, Wo)
    out = np.array(views[0], dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
    for v in views[1:]:
        out += v
    out *= 1.0 / (ph * pw)
    return out, (x.shape, (ph, pw, s, Ho, Wo))


def avg_pool_backward_chwn(dout, cache):
    """Backward pass of ``avg_pool_forward_chwn``: every window entry receives ``dout / (ph * pw)``.

    dout: (C, Ho, Wo, N).  Returns dx: (C, H, W, N).
    """
    x_shape, (ph, pw, s, Ho, Wo) = cache
    C, H, W, N = x_shape
    if dout.shape != (C, Ho, Wo, N):
        raise ValueError(f"avg_pool_backward: dout must have the shape of the pooled output {(C, Ho, Wo, N)}, "
                         f"got {dout.shape}")
    g = dout / (ph * pw)
    if ph == pw == s and (H, W) == (Ho * ph, Wo * pw):
        dx = np.empty((C, Ho, ph, Wo, pw, N), dtype=g.dtype)
        dx[...] = g[:, :, None, :, None, :]
        return dx.reshape(x_shape)
    dx = np.zeros(x_shape, dtype=g.dtype)
    for a in range(ph):
        for b in range(pw):
            _window(dx, a, b, s, Ho, Wo)[...] += g
    return dx


def max_pool_forward(x, pool_param):
    """Fast max pooling, the same math as ``max_pool_forward_naive``.

    x: (N, C, H, W); pool_param: ``pool_height``, ``pool_width``, ``stride`` (2, 2, 2),
    ``floor`` (False: a geometry that does not tile x raises; True: the last
    rows and columns that no window covers are dropped, as PyTorch does).
    Returns out: (N, C, Ho, Wo) (a transposed view of a batch-innermost array) and a cache.
    """
    _check_ndim4(x, "max_pool_forward", "(N, C, H, W)")
    out, cache = max_pool_forward_chwn(_to_chwn(x), pool_param)
    return _to_nchw(out), cache


def relu_max_pool_forward(x, pool_param):
    """ReLU then max pooling in one pass: ``out = max over each window of max(x, 0)``.

    x: (N, C, H, W); pool_param as for ``max_pool_forward``.  Computed as
    ``relu(max(x))``, which is the same number, so the ReLU runs on the pooled
    array (a quarter of x for 2x2 windows) and its backward pass needs no
    mask of x's size.  Its backward pass is ``max_pool_backward`` (the cache
    records the ReLU): the gradient that ``relu_forward`` then
    ``max_pool_forward`` and their backward passes give, without a ReLU pass
    over x.  Returns out: (N, C, Ho, Wo) and a cache.
    """
    _check_ndim4(x, "relu_max_pool_forward", "(N, C, H, W)")
    out, cache = max_pool_forward_chwn(_to_chwn(x), pool_param, relu=True)
    return _to_nchw(out), cache


def max_pool_backward(dout, cache):
    """Backward pass of ``max_pool_forward`` (and of ``relu_max_pool_forward``).

    dout: (N, C, Ho, Wo); returns dx: (N, C, H, W).
    """
    _check_ndim4(dout, "max_pool_backward", "(N, C, Ho, Wo)")
    return _to_nchw(max_pool_backward_chwn(_to_chwn(dout), cache))


def avg_pool_forward(x, pool_param):
    """Fast average pooling.  x: (N, C, H, W); returns out: (N, C, Ho, Wo) and a cache."""
    _check_ndim4(x, "avg_pool_forward", "(N, C, H, W)")
    out, cache = avg_pool_forward_chwn(_to_chwn(x), pool_param)
    return _to_nchw(out), cache


def avg_pool_backward(dout, cache):
    """Backward pass of ``avg_pool_forward``.  dout: (N, C, Ho, Wo); returns dx: (N, C, H, W)."""
    _check_ndim4(dout, "avg_pool_backward", "(N, C, Ho, Wo)")
    return _to_nchw(avg_pool_backward_chwn(_to_chwn(dout), cache))


# ----------------------------------------------------------------------------
# Spatial normalization
# ----------------------------------------------------------------------------

def spatial_batchnorm_forward_chwn(x, gamma, beta, bn_param):
    """Batch normalization of each channel over the batch and both spatial axes.

    x: (C, H, W, N); gamma (None: no scale), beta: (C,).  The (C, H*W*N) matrix is handed,
    transposed, to ``batchnorm_forward`` as N*H*W examples of C
    features.  Returns out: (C, H, W, N) and a cache.
    """
    _check_ndim4(x, "spatial_batchnorm_forward_chwn", "(C, H, W, N)")
    C = x.shape[0]
    out, cache = batchnorm_forward(x.reshape(C, -1).T, gamma, beta, bn_param)
    return out.T.reshape(x.shape), cache


def spatial_batchnorm_backward_chwn(dout, cache):
    """Backward pass of ``spatial_batchnorm_forward_chwn`` through ``batchnorm_backward_alt``.

    dout: (C, H, W, N).  Returns dx: (C, H, W, N), dgamma: (C,), dbeta: (C,).
    """
    C = dout.shape[0]
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.reshape(C, -1).T, cache)
    return dx.T.reshape(dout.shape), dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Spatial batch normalization: per-channel statistics over (N, H, W).

    x: (N, C, H, W); gamma (None: no scale), beta: (C,); bn_param as for ``batchnorm_forward``
    (``mode`` required; ``eps``, ``momentum``, running statistics).
    ``out = gamma[c] * (x - mean_c) / sqrt(var_c + eps) + beta[c]``.
    Returns out: (N, C, H, W) and a cache.
    """
    _check_ndim4(x, "spatial_batchnorm_forward", "(N, C, H, W)")
    out, cache = spatial_batchnorm_forward_chwn(_to_chwn(x), gamma, beta, bn_param)
    return _to_nchw(out), cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of ``spatial_batchnorm_forward``; returns dx: (N, C, H, W), dgamma: (C,), dbeta: (C,)."""
    _check_ndim4(dout, "spatial_batchnorm_backward", "(N, C, H, W)")
    dx, dgamma, dbeta = spatial_batchnorm_backward_chwn(_to_chwn(dout), cache)
    return _to_nchw(dx), dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization: standardize each example over groups of C // G channels and all pixels.

    x: (N, C, H, W); gamma, beta: (1, C, 1, 1) (any shape with C entries);
    G: number of groups, dividing C; gn_param may hold ``eps`` (1e-5).
    ``x_hat[n, g] = (x[n, g] - mean) / sqrt(var + eps)`` over the group's
    (C // G, H, W) entries; ``out = gamma[c] * x_hat + beta[c]``.  The same in
    train and test.  Returns out: (N, C, H, W) and a cache.
    """
    _check_ndim4(x, "spatial_groupnorm_forward", "(N, C, H, W)")
    N, C, H, W = x.shape
    G = integer(G, "G (the number of groups)", 1, where="spatial_groupnorm_forward")
    if C % G:
        raise ValueError(f"spatial_groupnorm_forward: the number of groups G={G} must divide the {C} channels")
    if np.size(gamma) != C or np.size(beta) != C:
        raise ValueError(f"spatial_groupnorm_forward: gamma and beta must hold one value per channel, shape "
                         f"(1, {C}, 1, 1); got {np.shape(gamma)} and {np.shape(beta)}")
    eps = gn_param.get("eps", 1e-5)
    x_hat, _, _, inv_std = standardize(x.reshape(N, G, -1), 2, eps)
    x_hat = x_hat.reshape(x.shape)
    g4 = np.reshape(gamma, (1, C, 1, 1))
    out = x_hat * g4 + np.reshape(beta, (1, C, 1, 1))
    return out, (x_hat, inv_std, gamma, beta, G)


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of ``spatial_groupnorm_forward``.

    dout: (N, C, H, W).  ``dgamma = sum_{n,h,w} dout * x_hat``,
    ``dbeta = sum_{n,h,w} dout``; dx through the shared standardization
    gradient on each group.  Returns dx: (N, C, H, W), dgamma, dbeta (shaped like gamma, beta).
    """
    x_hat, inv_std, gamma, beta, G = cache
    N, C, H, W = x_hat.shape
    if dout.shape != x_hat.shape:
        raise ValueError(f"spatial_groupnorm_backward: dout must have shape {x_hat.shape}, got {dout.shape}")
    dbeta = dout.sum(axis=(0, 2, 3)).reshape(np.shape(beta))
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3)).reshape(np.shape(gamma))
    dxhat = dout * np.reshape(gamma, (1, C, 1, 1))
    dx = standardize_backward(dxhat.reshape(N, G, -1), x_hat.reshape(N, G, -1), inv_std, 2)
    return dx.reshape(x_hat.shape), dgamma, dbeta
