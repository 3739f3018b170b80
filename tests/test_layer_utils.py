"""Sandwich layers: each equals its parts chained, and its gradients match numerical ones."""

import numpy as np
import pytest

from layerwise import layer_utils as U
from layerwise import layers as L
from layerwise.gradient_check import eval_numerical_gradient_array, rel_error

CONV = {"stride": 1, "pad": 1}
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


@pytest.fixture
def conv_bn_inputs():
    rng = np.random.default_rng(5)
    return (rng.standard_normal((3, 2, 4, 4)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4),
            rng.standard_normal(4), rng.standard_normal(4))


def test_conv_bn_relu_equals_its_three_layers_chained(conv_bn_inputs):
    x, w, b, gamma, beta = conv_bn_inputs
    a, conv_cache = L.conv_forward(x, w, b, CONV)
    an, bn_cache = L.spatial_batchnorm_forward(a, gamma, beta, {"mode": "train"})
    expected, relu_cache = L.relu_forward(an)
    dout = np.random.default_rng(6).standard_normal(expected.shape)
    dan, dgamma, dbeta = L.spatial_batchnorm_backward(L.relu_backward(dout, relu_cache), bn_cache)
    expected_grads = L.conv_backward(dan, conv_cache) + (dgamma, dbeta)

    out, cache = U.conv_bn_relu_forward(x, w, b, gamma, beta, CONV, {"mode": "train"})
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    for mine, theirs in zip(U.conv_bn_relu_backward(dout, cache), expected_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-13)


def test_conv_bn_relu_pool_gradients_match_numerical_ones(conv_bn_inputs):
    x, w, b, gamma, beta = conv_bn_inputs

    def run(x=x, w=w, b=b, gamma=gamma, beta=beta):
        return U.conv_bn_relu_pool_forward(x, w, b, gamma, beta, CONV, {"mode": "train"}, POOL)

    out, cache = run()
    dout = np.random.default_rng(7).standard_normal(out.shape)
    grads = U.conv_bn_relu_pool_backward(dout, cache)
    values = {"x": x, "w": w, "b": b, "gamma": gamma, "beta": beta}
    for (name, value), grad in zip(values.items(), grads):
        num = eval_numerical_gradient_array(lambda v: run(**{name: v})[0], value.copy(), dout)
        assert rel_error(grad, num, floor=1e-2) < 1e-7, name


def test_conv_relu_pool_equals_its_three_layers_chained(conv_bn_inputs):
    x, w, b, _, _ = conv_bn_inputs
    a, conv_cache = L.conv_forward(x, w, b, CONV)
    r, relu_cache = L.relu_forward(a)
    expected, pool_cache = L.max_pool_forward(r, POOL)
    dout = np.random.default_rng(8).standard_normal(expected.shape)
    expected_grads = L.conv_backward(L.relu_backward(L.max_pool_backward(dout, pool_cache), relu_cache), conv_cache)

    out, cache = U.conv_relu_pool_forward(x, w, b, CONV, POOL)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    for mine, theirs in zip(U.conv_relu_pool_backward(dout, cache), expected_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-13)


def test_conv_relu_pool_gradients_match_numerical_ones(conv_bn_inputs):
    x, w, b, _, _ = conv_bn_inputs

    def run(x=x, w=w, b=b):
        return U.conv_relu_pool_forward(x, w, b, CONV, POOL)

    out, cache = run()
    dout = np.random.default_rng(9).standard_normal(out.shape)
    grads = U.conv_relu_pool_backward(dout, cache)
    for (name, value), grad in zip({"x": x, "w": w, "b": b}.items(), grads):
        num = eval_numerical_gradient_array(lambda v: run(**{name: v})[0], value.copy(), dout)
        assert rel_error(grad, num, floor=1e-2) < 1e-7, name
