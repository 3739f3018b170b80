"""Convolution, pooling and spatial normalization: fast == naive, gradient checks, PyTorch parity, errors."""

import numpy as np
import pytest

from layerwise.layers import convolution as CL
from layerwise import layers as L
from layerwise.gradient_check import check_layer, rel_error


@pytest.fixture
def rng():
    return np.random.default_rng(231)


def distinct(rng, shape, gap=0.01):
    """Random values at least ``gap`` apart: no ties in a max, and no max flips under a 1e-5 step."""
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) - size / 2) * gap


def close32(a, b):
    """Largest absolute difference relative to the largest magnitude: float32 sums of many terms
    agree to about 1e-7 of their scale, while an elementwise relative error of entries that cancel
    to nearly zero measures only rounding."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


# (N, C, H, W, F, HH, WW, stride, pad): odd sizes, rectangular filters, strides 1-3, pads 0-2.
CONV_CASES = [
    (2, 3, 7, 7, 4, 3, 3, 1, 1),
    (3, 2, 9, 7, 5, 3, 3, 2, 0),
    (2, 3, 8, 8, 2, 5, 5, 1, 2),
    (1, 1, 5, 5, 1, 1, 1, 1, 0),
    (2, 2, 6, 6, 3, 2, 2, 2, 0),
    (2, 3, 5, 9, 2, 3, 1, 1, 1),
    (2, 4, 11, 8, 3, 5, 2, 3, 0),
    (1, 2, 4, 4, 3, 4, 4, 1, 1),
]


# --------------------------------------------------------------------------- convolution

def test_conv_naive_hand_worked_example():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)          # [[1,2,3],[4,5,6],[7,8,9]]
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])            # x[i, j] - x[i+1, j+1]
    out, _ = CL.conv_forward_naive(x, w, np.array([0.5]), {"stride": 1, "pad": 0})
    assert np.array_equal(out, np.full((1, 1, 2, 2), -3.5))
    # pad 1: a 4x4 output; corner (0, 0) sees 0 - x[0, 0], corner (3, 3) sees x[2, 2] - 0.
    out, _ = CL.conv_forward_naive(x, w, np.array([0.0]), {"stride": 1, "pad": 1})
    assert out.shape == (1, 1, 4, 4)
    assert out[0, 0, 0, 0] == -1 and out[0, 0, 3, 3] == 9 and out[0, 0, 1, 1] == -4 and out[0, 0, 0, 3] == 0
    # stride 2 on a 4x4 input: windows at rows/columns 0 and 2; w picks x[i, j] + 2 x[i+1, j+1].
    x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 0.0], [0.0, 2.0]]]])
    out, _ = CL.conv_forward_naive(x, w, np.array([0.0]), {"stride": 2, "pad": 0})
    assert np.array_equal(out[0, 0], [[1 + 2 * 6, 3 + 2 * 8], [9 + 2 * 14, 11 + 2 * 16]])


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_fast_matches_naive(case, rng):
    N, C, H, W, F, HH, WW, stride, pad = case
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    conv_param = {"stride": stride, "pad": pad}
    out_naive, cache_naive = CL.conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = CL.conv_forward(x, w, b, conv_param)
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    assert out_fast.shape == out_naive.shape == (N, F, Ho, Wo)
    assert rel_error(out_fast, out_naive) < 1e-10
    dout = rng.standard_normal(out_naive.shape)
    for fast, naive in zip(CL.conv_backward(dout, cache_fast), CL.conv_backward_naive(dout, cache_naive)):
        assert fast.shape == naive.shape
        assert rel_error(fast, naive) < 1e-10


@pytest.mark.parametrize("forward, backward", [(CL.conv_forward_naive, CL.conv_backward_naive),
                                               (CL.conv_forward, CL.conv_backward)])
@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 0), (2, 2)])
def test_conv_gradcheck(forward, backward, stride, pad, rng):
    x = rng.standard_normal((2, 3, 6, 6))
    w = rng.standard_normal((3, 3, 2 + stride % 2, 2 + stride % 2))
    b = rng.standard_normal(3)
    errors = check_layer(forward, backward, [x, w, b, {"stride": stride, "pad": pad}], ["x", "w", "b"])
    assert max(errors.values()) < 1e-8, errors


def test_conv_backward_can_skip_dx(rng):
    x, w, b = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    out, cache = CL.conv_forward(x, w, b, {"stride": 1, "pad": 1})
    dout = rng.standard_normal(out.shape)
    dx, dw, db = CL.conv_backward(dout, cache)
    none, dw2, db2 = CL.conv_backward(dout, cache, compute_dx=False)
    assert none is None and np.array_equal(dw, dw2) and np.array_equal(db, db2)


def test_conv_float32_stays_float32(rng):
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    out, cache = CL.conv_forward(x, w, np.zeros(4, np.float32), {"stride": 1, "pad": 1})
    grads = CL.conv_backward(np.ones(out.shape, np.float32), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_conv_output_feeds_the_next_fast_layer_without_a_layout_copy(rng):
    x = rng.standard_normal((4, 3, 8, 8))
    out, _ = CL.conv_forward(x, rng.standard_normal((5, 3, 3, 3)), np.zeros(5), {"stride": 1, "pad": 1})
    # The NCHW result is a view of a batch-innermost array: transposing back to (C, H, W, N) is contiguous.
    assert out.transpose(1, 2, 3, 0).flags.c_contiguous
    pooled, _ = CL.max_pool_forward(out, {"pool_height": 2, "pool_width": 2, "stride": 2})
    reference, _ = CL.max_pool_forward_naive(np.ascontiguousarray(out), {"pool_height": 2, "pool_width": 2,
                                                                         "stride": 2})
    assert np.array_equal(pooled, reference)


@pytest.mark.parametrize("x_shape, w_shape, conv_param, message", [
    ((2, 3, 7, 7), (4, 3, 3, 3), {"stride": 3, "pad": 0}, r"do not tile an input of height 7 with pad 0: "
                                                          r"\(height \+ 2\*pad - window\) = 4 is not a multiple of 3"),
    ((2, 3, 7, 8), (4, 3, 3, 3), {"stride": 2, "pad": 1}, "do not tile an input of width 8"),
    ((2, 3, 2, 2), (4, 3, 5, 5), {"stride": 1, "pad": 1}, "does not fit in an input of height 2 with pad 1"),
    ((2, 3, 7, 7), (4, 2, 3, 3), {"stride": 1, "pad": 1}, r"x has 3 channels .* expects 2"),
    ((3, 7, 7), (4, 3, 3, 3), {"stride": 1, "pad": 1}, r"x must be a 4-D array \(N, C, H, W\)"),
    ((2, 3, 7, 7), (4, 3, 3, 3), {"stride": 0, "pad": 1}, r"conv_param\['stride'\] must be an integer >= 1"),
    ((2, 3, 7, 7), (4, 3, 3, 3), {"stride": 1, "pad": -1}, r"conv_param\['pad'\] must be an integer >= 0"),
])
@pytest.mark.parametrize("forward", [CL.conv_forward, CL.conv_forward_naive])
def test_conv_shape_errors(forward, x_shape, w_shape, conv_param, message):
    with pytest.raises(ValueError, match=message):
        forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(w_shape[0]), conv_param)


def test_conv_bias_shape_error():
    with pytest.raises(ValueError, match=r"b must have shape \(4,\)"):
        CL.conv_forward(np.zeros((1, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(3), {"stride": 1, "pad": 1})


def test_conv_backward_rejects_wrong_dout_shape(rng):
    out, cache = CL.conv_forward(rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)),
                                 np.zeros(4), {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match="dout must have the shape of the forward output"):
        CL.conv_backward(np.zeros((2, 4, 4, 4)), cache)


def test_im2col_and_col2im_are_adjoint(rng):
    N, C, H, W, HH, WW, stride, pad = 2, 3, 7, 5, 3, 3, 2, 1
    x = rng.standard_normal((N, C, H, W))
    cols = CL.im2col(x, HH, WW, stride, pad)
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    assert cols.shape == (C * HH * WW, Ho * Wo * N)
    # A convolution is one matrix product with the unfolded input.
    w = rng.standard_normal((4, C, HH, WW))
    conv = (w.reshape(4, -1) @ cols).reshape(4, Ho, Wo, N).transpose(3, 0, 1, 2)
    assert rel_error(conv, CL.conv_forward_naive(x, w, np.zeros(4), {"stride": stride, "pad": pad})[0]) < 1e-12
    # <im2col(x), c> == <x, col2im(c)>
    c = rng.standard_normal(cols.shape)
    lhs = np.vdot(cols, c)
    rhs = np.vdot(x, CL.col2im(c, x.shape, HH, WW, stride, pad))
    assert abs(lhs - rhs) < 1e-10 * abs(lhs)
    with pytest.raises(ValueError, match="cols must have shape"):
        CL.col2im(c[:, :-1], x.shape, HH, WW, stride, pad)


# --------------------------------------------------------------------------- pooling

# (N, C, H, W, pool_height, pool_width, stride): the 2x2 fast path, larger tiles, overlapping and rectangular windows.
POOL_CASES = [
    (2, 3, 8, 8, 2, 2, 2),
    (2, 3, 4, 6, 2, 2, 2),
    (2, 2, 9, 9, 3, 3, 3),
    (2, 3, 7, 7, 3, 3, 2),
    (2, 2, 6, 8, 2, 3, 1),
    (3, 2, 5, 5, 1, 1, 1),
    (1, 2, 7, 5, 3, 1, 2),
]


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool_fast_matches_naive(case, rng):
    N, C, H, W, ph, pw, s = case
    x = rng.standard_normal((N, C, H, W))
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": s}
    out_naive, cache_naive = CL.max_pool_forward_naive(x, pool_param)
    out_fast, cache_fast = CL.max_pool_forward(x, pool_param)
    assert out_fast.shape == out_naive.shape == (N, C, 1 + (H - ph) // s, 1 + (W - pw) // s)
    assert rel_error(out_fast, out_naive) < 1e-10
    dout = rng.standard_normal(out_naive.shape)
    assert rel_error(CL.max_pool_backward(dout, cache_fast), CL.max_pool_backward_naive(dout, cache_naive)) < 1e-10


@pytest.mark.parametrize("case", POOL_CASES)
def test_avg_pool_fast_matches_naive(case, rng):
    N, C, H, W, ph, pw, s = case
    x = rng.standard_normal((N, C, H, W))
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": s}
    out_naive, cache_naive = CL.avg_pool_forward_naive(x, pool_param)
    out_fast, cache_fast = CL.avg_pool_forward(x, pool_param)
    assert out_fast.shape == out_naive.shape
    assert rel_error(out_fast, out_naive) < 1e-10
    dout = rng.standard_normal(out_naive.shape)
    assert rel_error(CL.avg_pool_backward(dout, cache_fast), CL.avg_pool_backward_naive(dout, cache_naive)) < 1e-10


def test_max_pool_hand_worked_example():
    x = np.array([[1.0, 5.0, 2.0, 0.0],
                  [3.0, 4.0, 8.0, 7.0],
                  [0.0, 0.0, -1.0, -2.0],
                  [0.0, 9.0, -3.0, -4.0]]).reshape(1, 1, 4, 4)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    for forward, backward in [(CL.max_pool_forward_naive, CL.max_pool_backward_naive),
                              (CL.max_pool_forward, CL.max_pool_backward)]:
        out, cache = forward(x, pool_param)
        assert np.array_equal(out[0, 0], [[5, 8], [9, -1]])
        dx = backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), cache)
        expected = np.zeros((4, 4))
        expected[0, 1], expected[1, 2], expected[3, 1], expected[2, 2] = 10, 20, 30, 40
        assert np.array_equal(dx[0, 0], expected)


@pytest.mark.parametrize("case", [(2, 3, 6, 6, 2, 2, 2), (2, 2, 7, 7, 3, 3, 2), (1, 2, 6, 6, 3, 3, 3),
                                  (2, 3, 7, 9, 2, 2, 2, True), (1, 2, 8, 8, 3, 3, 3, True)])
def test_max_pool_ties_send_the_gradient_to_the_first_maximum(case, rng):
    N, C, H, W, ph, pw, s, *floor = case
    x = rng.integers(0, 3, size=(N, C, H, W)).astype(np.float64)   # many ties, many windows all equal
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": s, "floor": bool(floor)}
    _, cache_naive = CL.max_pool_forward_naive(x, pool_param)
    batch_innermost = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)  # as a layer's output
    for x_layout in (x, batch_innermost):
        out, cache = CL.max_pool_forward(x_layout, pool_param)
        dout = rng.standard_normal(out.shape)
        dx = CL.max_pool_backward(dout, cache)
        assert np.array_equal(dx, CL.max_pool_backward_naive(dout, cache_naive))
        assert abs(dx.sum() - dout.sum()) < 1e-10     # each window passes its gradient on exactly once


@pytest.mark.parametrize("case", POOL_CASES + [(2, 3, 7, 9, 2, 2, 2, True)])
@pytest.mark.parametrize("values", ["continuous", "ties"])
def test_relu_max_pool_equals_relu_then_max_pool(case, values, rng):
    N, C, H, W, ph, pw, s, *floor = case
    shape = (N, C, H, W)
    # ties: small integers around zero, so many windows tie at a positive maximum or are all <= 0
    x = rng.standard_normal(shape) if values == "continuous" else rng.integers(-2, 3, size=shape).astype(np.float64)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": s, "floor": bool(floor)}
    r, relu_cache = L.relu_forward(x)
    expected, pool_cache = L.max_pool_forward(r, pool_param)
    out, cache = L.relu_max_pool_forward(x, pool_param)
    assert np.array_equal(out, expected)
    dout = rng.standard_normal(out.shape)
    expected_dx = L.relu_backward(L.max_pool_backward(dout, pool_cache), relu_cache)
    assert np.array_equal(L.max_pool_backward(dout, cache), expected_dx)


def test_relu_max_pool_gradient_check(rng):
    x = distinct(rng, (2, 3, 6, 6))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    errors = check_layer(L.relu_max_pool_forward, L.max_pool_backward, [x, pool_param])
    assert errors["x0"] < 1e-9


def test_avg_pool_hand_worked_example():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = CL.avg_pool_forward(x, pool_param)
    assert np.array_equal(out[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    dx = CL.avg_pool_backward(np.full((1, 1, 2, 2), 4.0), cache)
    assert np.array_equal(dx, np.ones_like(x))


@pytest.mark.parametrize("forward, backward", [(CL.max_pool_forward_naive, CL.max_pool_backward_naive),
                                               (CL.max_pool_forward, CL.max_pool_backward),
                                               (CL.avg_pool_forward_naive, CL.avg_pool_backward_naive),
                                               (CL.avg_pool_forward, CL.avg_pool_backward)])
@pytest.mark.parametrize("ph, pw, s", [(2, 2, 2), (3, 3, 2), (2, 3, 1)])
def test_pool_gradcheck(forward, backward, ph, pw, s, rng):
    H = W = 7 if s == 2 and ph == 3 else 6
    x = distinct(rng, (2, 3, H, W))
    errors = check_layer(forward, backward, [x, {"pool_height": ph, "pool_width": pw, "stride": s}])
    assert errors["x0"] < 1e-7, errors


@pytest.mark.parametrize("shape, pool_param, message", [
    ((2, 3, 7, 7), {"pool_height": 2, "pool_width": 2, "stride": 2}, "do not tile an input of height 7"),
    ((2, 3, 8, 5), {"pool_height": 2, "pool_width": 2, "stride": 2}, "do not tile an input of width 5"),
    ((2, 3, 2, 8), {"pool_height": 3, "pool_width": 2, "stride": 2}, "does not fit in an input of height 2"),
    ((2, 3, 8, 8), {"pool_height": 2, "pool_width": 2, "stride": 0}, r"pool_param\['stride'\] must be an integer"),
    ((3, 8, 8), {"pool_height": 2, "pool_width": 2, "stride": 2}, r"\(N, C, H, W\)"),
])
@pytest.mark.parametrize("forward", [CL.max_pool_forward, CL.max_pool_forward_naive,
                                     CL.avg_pool_forward, CL.avg_pool_forward_naive])
def test_pool_shape_errors(forward, shape, pool_param, message):
    with pytest.raises(ValueError, match=message):
        forward(np.zeros(shape), pool_param)


# --------------------------------------------------------------------------- (C, H, W, N) kernels

def test_chwn_conv_matches_naive_on_transposed_layout(rng):
    x = rng.standard_normal((3, 2, 7, 6))
    w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    conv_param = {"stride": 1, "pad": 1}
    out_naive, cache_naive = CL.conv_forward_naive(x, w, b, conv_param)
    x_chwn = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
    out, cache = CL.conv_forward_chwn(x_chwn, w, b, conv_param, CL.Workspace())
    assert out.shape == (4, 7, 6, 3) and out.flags.c_contiguous
    assert rel_error(out.transpose(3, 0, 1, 2), out_naive) < 1e-12
    dout = rng.standard_normal(out_naive.shape)
    dx, dw, db = CL.conv_backward_chwn(np.ascontiguousarray(dout.transpose(1, 2, 3, 0)), cache)
    dx_n, dw_n, db_n = CL.conv_backward_naive(dout, cache_naive)
    assert rel_error(dx.transpose(3, 0, 1, 2), dx_n) < 1e-12
    assert rel_error(dw, dw_n) < 1e-12 and rel_error(db, db_n) < 1e-12


@pytest.mark.parametrize("ph, s", [(2, 2), (3, 2)])
def test_chwn_max_pool_with_fused_relu_equals_relu_then_pool(ph, s, rng):
    x = distinct(rng, (2, 3, 7 if ph == 3 else 6, 6 if ph == 2 else 7))
    pool_param = {"pool_height": ph, "pool_width": ph, "stride": s}
    relu_out, relu_cache = L.relu_forward(x)
    expected, pool_cache = CL.max_pool_forward_naive(relu_out, pool_param)
    out, cache = CL.max_pool_forward_chwn(x.transpose(1, 2, 3, 0), pool_param, relu=True, ws=CL.Workspace())
    assert rel_error(out.transpose(3, 0, 1, 2), expected) < 1e-12
    dout = rng.standard_normal(expected.shape)
    dx_expected = L.relu_backward(CL.max_pool_backward_naive(dout, pool_cache), relu_cache)
    dx = CL.max_pool_backward_chwn(np.ascontiguousarray(dout.transpose(1, 2, 3, 0)), cache)
    assert rel_error(dx.transpose(3, 0, 1, 2), dx_expected) < 1e-12


def test_workspace_reuses_memory_and_grows(rng):
    ws = CL.Workspace()
    a = ws.empty("buf", (4, 5), np.float32)
    b = ws.empty("buf", (2, 5), np.float32)
    assert np.shares_memory(a, b)                      # smaller requests reuse the buffer
    c = ws.empty("buf", (10, 10), np.float32)
    assert c.shape == (10, 10) and not np.shares_memory(a, c)
    assert ws.empty("buf", (3, 3), np.float64).dtype == np.float64
    assert ws.nbytes == 9 * 8


def test_workspace_kernels_give_the_same_results_call_after_call(rng):
    ws_conv, ws_pool = CL.Workspace(), CL.Workspace()
    w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    results = []
    for x in (rng.standard_normal((2, 6, 6, 3)), rng.standard_normal((2, 6, 6, 3))):
        out, conv_cache = CL.conv_forward_chwn(x, w, b, {"stride": 1, "pad": 1}, ws_conv)
        pooled, pool_cache = CL.max_pool_forward_chwn(out, pool_param, relu=True, ws=ws_pool)
        dx, dw, db = CL.conv_backward_chwn(CL.max_pool_backward_chwn(np.ones_like(pooled), pool_cache), conv_cache)
        expected_out = CL.conv_forward_naive(x.transpose(3, 0, 1, 2), w, b, {"stride": 1, "pad": 1})[0]
        expected_pooled = CL.max_pool_forward_naive(np.maximum(expected_out, 0), pool_param)[0]
        assert rel_error(pooled.transpose(3, 0, 1, 2), expected_pooled) < 1e-12
        results.append((dw.copy(), dw))
    assert not np.shares_memory(results[0][1], results[1][1])   # gradients are never workspace memory
    assert np.array_equal(results[0][0], results[0][1])


def test_floor_max_pool_backward_zeroes_the_dropped_strips_of_a_reused_buffer(rng):
    ws = CL.Workspace()
    param = {"pool_height": 2, "pool_width": 2, "stride": 2, "floor": True}
    ws.empty("dx", (3, 7, 9, 2), np.float64)[...] = np.nan     # what an earlier step may have left there
    x = rng.standard_normal((3, 7, 9, 2))
    out, cache = CL.max_pool_forward_chwn(x, param, ws=ws)
    dx = CL.max_pool_backward_chwn(np.ones_like(out), cache)
    assert np.shares_memory(dx, ws.empty("dx", (1,), np.float64))   # the workspace's buffer, reused
    assert not dx[:, 6:].any() and not dx[:, :, 8:].any()
    _, naive_cache = CL.max_pool_forward_naive(x.transpose(3, 0, 1, 2), param)
    np.testing.assert_array_equal(dx.transpose(3, 0, 1, 2), CL.max_pool_backward_naive(np.ones((2, 3, 3, 4)), naive_cache))


# --------------------------------------------------------------------------- spatial batchnorm

def test_spatial_batchnorm_normalizes_each_channel(rng):
    x = 4 + 3 * rng.standard_normal((6, 3, 5, 4))
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    out, _ = CL.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    expected = gamma.reshape(1, 3, 1, 1) * (x - mean) / np.sqrt(var + 1e-5) + beta.reshape(1, 3, 1, 1)
    assert out.shape == x.shape
    assert rel_error(out, expected) < 1e-10


def test_spatial_batchnorm_running_stats_and_test_mode(rng):
    x = 2 + rng.standard_normal((4, 3, 3, 3))
    bn_param = {"mode": "train", "momentum": 0.5}
    CL.spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    assert np.allclose(bn_param["running_mean"], 0.5 * x.mean(axis=(0, 2, 3)))
    assert np.allclose(bn_param["running_var"], 0.5 * x.var(axis=(0, 2, 3)))
    bn_param["mode"] = "test"
    out, _ = CL.spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    expected = (x - bn_param["running_mean"].reshape(1, 3, 1, 1)) / np.sqrt(
        bn_param["running_var"].reshape(1, 3, 1, 1) + 1e-5)
    assert rel_error(out, expected) < 1e-10


@pytest.mark.parametrize("mode", ["train", "test"])
def test_spatial_batchnorm_gradcheck(mode, rng):
    x = 3 * rng.standard_normal((3, 2, 4, 5)) + 1
    gamma, beta = rng.standard_normal(2), rng.standard_normal(2)
    bn_param = {"mode": mode, "running_mean": rng.standard_normal(2), "running_var": rng.random(2) + 0.5}
    errors = check_layer(CL.spatial_batchnorm_forward, CL.spatial_batchnorm_backward,
                         [x, gamma, beta, bn_param], ["x", "gamma", "beta"])
    assert max(errors.values()) < 1e-7, errors


def test_chwn_spatial_batchnorm_matches_nchw(rng):
    x = rng.standard_normal((3, 4, 5, 2))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    out, cache = CL.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    out_c, cache_c = CL.spatial_batchnorm_forward_chwn(np.ascontiguousarray(x.transpose(1, 2, 3, 0)), gamma, beta,
                                                        {"mode": "train"})
    assert rel_error(out_c.transpose(3, 0, 1, 2), out) < 1e-12
    dout = rng.standard_normal(x.shape)
    dx, dg, db = CL.spatial_batchnorm_backward(dout, cache)
    dx_c, dg_c, db_c = CL.spatial_batchnorm_backward_chwn(np.ascontiguousarray(dout.transpose(1, 2, 3, 0)), cache_c)
    assert rel_error(dx_c.transpose(3, 0, 1, 2), dx) < 1e-12
    assert rel_error(dg_c, dg) < 1e-12 and rel_error(db_c, db) < 1e-12


# --------------------------------------------------------------------------- spatial group norm

def test_spatial_groupnorm_forward_values(rng):
    N, C, H, W, G = 2, 6, 3, 4, 3
    x = 5 * rng.standard_normal((N, C, H, W)) - 2
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    out, _ = CL.spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    expected = np.empty_like(x)
    for n in range(N):
        for g in range(G):
            chunk = x[n, 2 * g:2 * g + 2]
            expected[n, 2 * g:2 * g + 2] = (chunk - chunk.mean()) / np.sqrt(chunk.var() + 1e-5)
    expected = expected * gamma + beta
    assert rel_error(out, expected) < 1e-10


@pytest.mark.parametrize("G", [1, 2, 4])
def test_spatial_groupnorm_gradcheck(G, rng):
    x = 2 * rng.standard_normal((2, 4, 3, 3)) + 0.5
    gamma, beta = rng.standard_normal((1, 4, 1, 1)), rng.standard_normal((1, 4, 1, 1))
    errors = check_layer(CL.spatial_groupnorm_forward, CL.spatial_groupnorm_backward,
                         [x, gamma, beta, G, {}], ["x", "gamma", "beta"])
    assert max(errors.values()) < 1e-7, errors


def test_spatial_groupnorm_errors():
    x = np.zeros((2, 6, 3, 3))
    with pytest.raises(ValueError, match="G=4 must divide the 6 channels"):
        CL.spatial_groupnorm_forward(x, np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), 4, {})
    with pytest.raises(ValueError, match=r"one value per channel, shape \(1, 6, 1, 1\)"):
        CL.spatial_groupnorm_forward(x, np.ones((1, 3, 1, 1)), np.zeros((1, 6, 1, 1)), 3, {})


# --------------------------------------------------------------------------- PyTorch parity (float32)

@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _t(a, torch):
    return torch.tensor(np.asarray(a), requires_grad=True)


@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 0), (2, 2)])
def test_conv_matches_torch(torch, stride, pad, rng):
    x = rng.standard_normal((4, 3, 9, 9)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    out, cache = CL.conv_forward(x, w, b, {"stride": stride, "pad": pad})
    xt, wt, bt = _t(x, torch), _t(w, torch), _t(b, torch)
    ref = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    ref.backward(torch.from_numpy(dout))
    assert close32(out, ref.detach().numpy()) < 1e-5
    dx, dw, db = CL.conv_backward(dout, cache)
    assert close32(dx, xt.grad.numpy()) < 1e-5
    assert close32(dw, wt.grad.numpy()) < 1e-5
    assert close32(db, bt.grad.numpy()) < 1e-5


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("k, s", [(2, 2), (3, 2), (3, 1)])
def test_pool_matches_torch(torch, kind, k, s, rng):
    x = rng.standard_normal((3, 4, 9 if k == 3 else 8, 9 if k == 3 else 8)).astype(np.float32)
    pool_param = {"pool_height": k, "pool_width": k, "stride": s}
    forward, backward = {"max": (CL.max_pool_forward, CL.max_pool_backward),
                         "avg": (CL.avg_pool_forward, CL.avg_pool_backward)}[kind]
    torch_pool = {"max": torch.nn.functional.max_pool2d, "avg": torch.nn.functional.avg_pool2d}[kind]
    out, cache = forward(x, pool_param)
    xt = _t(x, torch)
    ref = torch_pool(xt, k, s)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    ref.backward(torch.from_numpy(dout))
    assert close32(out, ref.detach().numpy()) < 1e-6
    assert close32(backward(dout, cache), xt.grad.numpy()) < 1e-5


def test_max_pool_ties_match_torch(torch, rng):
    x = rng.integers(0, 2, size=(2, 3, 6, 6)).astype(np.float32)
    out, cache = CL.max_pool_forward(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    xt = _t(x, torch)
    ref = torch.nn.functional.max_pool2d(xt, 2, 2)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    ref.backward(torch.from_numpy(dout))
    assert np.array_equal(CL.max_pool_backward(dout, cache), xt.grad.numpy())


def test_spatial_batchnorm_matches_torch(torch, rng):
    x = (3 * rng.standard_normal((8, 4, 5, 5)) + 1).astype(np.float32)
    gamma = rng.standard_normal(4).astype(np.float32)
    beta = rng.standard_normal(4).astype(np.float32)
    bn_param = {"mode": "train", "eps": 1e-5, "momentum": 0.9}
    out, cache = CL.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    xt, gt, bt = _t(x, torch), _t(gamma, torch), _t(beta, torch)
    running_mean = torch.zeros(4)
    ref = torch.nn.functional.batch_norm(xt, running_mean, torch.ones(4), gt, bt, training=True,
                                         momentum=0.1, eps=1e-5)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    ref.backward(torch.from_numpy(dout))
    assert close32(out, ref.detach().numpy()) < 1e-5
    for mine, theirs in zip(CL.spatial_batchnorm_backward(dout, cache), (xt.grad, gt.grad, bt.grad)):
        assert close32(mine, theirs.numpy()) < 1e-5
    # torch's momentum is our 1 - momentum; the mean update (biased and unbiased alike) agrees.
    assert close32(bn_param["running_mean"], running_mean.numpy()) < 1e-5


def test_spatial_groupnorm_matches_torch(torch, rng):
    x = (2 * rng.standard_normal((3, 6, 4, 5)) - 1).astype(np.float32)
    gamma = rng.standard_normal((1, 6, 1, 1)).astype(np.float32)
    beta = rng.standard_normal((1, 6, 1, 1)).astype(np.float32)
    out, cache = CL.spatial_groupnorm_forward(x, gamma, beta, 3, {"eps": 1e-5})
    xt, gt, bt = _t(x, torch), _t(gamma.ravel(), torch), _t(beta.ravel(), torch)
    ref = torch.nn.functional.group_norm(xt, 3, gt, bt, eps=1e-5)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    ref.backward(torch.from_numpy(dout))
    assert close32(out, ref.detach().numpy()) < 1e-5
    dx, dgamma, dbeta = CL.spatial_groupnorm_backward(dout, cache)
    assert dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    assert close32(dx, xt.grad.numpy()) < 1e-5
    assert close32(dgamma.ravel(), gt.grad.numpy()) < 1e-5
    assert close32(dbeta.ravel(), bt.grad.numpy()) < 1e-5


def test_layers_module_reexports_the_conv_family():
    for name in ("conv_forward", "conv_backward_naive", "max_pool_forward", "avg_pool_backward",
                 "spatial_batchnorm_forward", "spatial_groupnorm_backward"):
        assert getattr(L, name) is getattr(CL, name)


# --------------------------------------------------------------------------- pooling that drops the remainder

FLOOR_CASES = [((2, 3, 7, 7), 2, 2, 2), ((2, 3, 31, 30), 2, 2, 2), ((1, 2, 8, 10), 3, 3, 3), ((2, 2, 9, 7), 3, 2, 2)]


@pytest.mark.parametrize("shape, ph, pw, stride", FLOOR_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_floor_pooling_matches_the_naive_loops_and_its_gradient_checks(rng, shape, ph, pw, stride, kind):
    from layerwise.gradient_check import eval_numerical_gradient_array

    fast_f, fast_b = getattr(L, f"{kind}_pool_forward"), getattr(L, f"{kind}_pool_backward")
    naive_f, naive_b = getattr(CL, f"{kind}_pool_forward_naive"), getattr(CL, f"{kind}_pool_backward_naive")
    param = {"pool_height": ph, "pool_width": pw, "stride": stride, "floor": True}
    x = rng.standard_normal(shape)
    out, cache = fast_f(x, param)
    ref, ref_cache = naive_f(x, param)
    N, C, H, W = shape
    assert out.shape == (N, C, 1 + (H - ph) // stride, 1 + (W - pw) // stride)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-15)    # exact for max; summation order for avg
    dout = rng.standard_normal(out.shape)
    dx = fast_b(dout, cache)
    np.testing.assert_allclose(dx, naive_b(dout, ref_cache), rtol=0, atol=1e-15)
    num = eval_numerical_gradient_array(lambda v: fast_f(v, param)[0], x, dout)
    assert rel_error(dx, num) < 1e-9
    rows_used, cols_used = (out.shape[2] - 1) * stride + ph, (out.shape[3] - 1) * stride + pw
    assert not dx[:, :, rows_used:].any() and not dx[:, :, :, cols_used:].any()


def test_floor_pooling_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4, 31, 29))
    out, cache = L.max_pool_forward(x, {"pool_height": 2, "pool_width": 2, "stride": 2, "floor": True})
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, 2)
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, tout.detach().numpy())
    np.testing.assert_array_equal(L.max_pool_backward(dout, cache), tx.grad.numpy())


def test_floor_must_be_a_boolean():
    with pytest.raises(ValueError, match=r"^max_pool_forward: pool_param\['floor'\] must be True or False, got 'yes'$"):
        L.max_pool_forward(np.zeros((1, 1, 4, 4)), {"floor": "yes"})


# --------------------------------------------------------------------------- banded im2col

@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_in_bands_of_one_output_row_matches_naive(case, rng, monkeypatch):
    """The im2col matrix built one output row at a time gives the loops' results in float64."""
    monkeypatch.setattr(CL, "_COLS_BLOCK_BYTES", 1)
    N, C, H, W, F, HH, WW, stride, pad = case
    x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, HH, WW)), rng.standard_normal(F)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = CL.conv_forward(x, w, b, conv_param)
    ref, ref_cache = CL.conv_forward_naive(x, w, b, conv_param)
    assert len(CL._row_bands(C * HH * WW + 1, out.shape[2], out.shape[3], N, 8)) == out.shape[2]
    assert rel_error(out, ref) < 1e-10
    dout = rng.standard_normal(out.shape)
    for fast, naive in zip(CL.conv_backward(dout, cache), CL.conv_backward_naive(dout, ref_cache)):
        assert rel_error(fast, naive) < 1e-10


# Float32 tolerance of the fast convolution, stated: every output and gradient is within
# 2e-6 of the float64 result, relative to the largest magnitude of that array.
FLOAT32_TOLERANCE = 2e-6


@pytest.mark.parametrize("C, F, size, pad", [(3, 32, 16, 1), (64, 64, 8, 1), (256, 32, 6, 1), (24, 16, 9, 0)])
def test_conv_float32_error_against_float64_is_within_the_stated_tolerance(C, F, size, pad, rng):
    x, w = rng.standard_normal((8, C, size, size)), rng.standard_normal((F, C, 3, 3)) / np.sqrt(9 * C)
    b, conv_param = rng.standard_normal(F), {"stride": 1, "pad": pad}
    out64, cache64 = CL.conv_forward(x, w, b, conv_param)
    out32, cache32 = CL.conv_forward(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), conv_param)
    dout = rng.standard_normal(out64.shape)
    grads64 = CL.conv_backward(dout, cache64)
    grads32 = CL.conv_backward(dout.astype(np.float32), cache32)
    for a32, a64 in zip((out32, *grads32), (out64, *grads64)):
        assert a32.dtype == np.float32
        assert np.max(np.abs(a32 - a64)) / np.max(np.abs(a64)) < FLOAT32_TOLERANCE
