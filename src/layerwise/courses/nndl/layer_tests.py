"""UCLA ``nndl.layer_tests``: the course's self-checks of the HW3 layers, run against layerwise.

The optimization notebook calls ``affine_forward_test()``, ...,
``fc_net_test()`` after ``from nndl.layer_tests import *``.  Each check builds
its inputs, runs the library's layer (or model), compares it with a reference
value or a numerical gradient, and prints the errors in the course's wording;
it returns None, as the course's do.  They compute nothing themselves: the
layers, the gradient checker and ``rel_error`` are the library's.  Like the
course's module, a star import also brings ``nndl.layers``.
"""

import numpy as np

from layerwise.classifiers.fc_net import FullyConnectedNet
from layerwise.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from layerwise.layer_utils import affine_relu_backward, affine_relu_forward

from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers_all
from .layers import affine_backward, affine_forward, relu_backward, relu_forward

__all__ = _layers_all + [
    "rel_error", "eval_numerical_gradient", "eval_numerical_gradient_array",
    "affine_relu_forward", "affine_relu_backward", "FullyConnectedNet",
    "affine_forward_test", "affine_backward_test", "relu_forward_test", "relu_backward_test",
    "affine_relu_test", "fc_net_test",
]


def _print_errors(header, numeric, analytic, names):
    print(header)
    for name, num, ana in zip(names, numeric, analytic):
        print(f"{name} error: {rel_error(num, ana)}")


def _gradient_errors(forward, backward, inputs, dout):
    """Numerical vs analytic gradients of ``forward(*inputs)[0]`` for every input, with upstream ``dout``."""
    numeric = []
    for i, value in enumerate(inputs):
        def f(v, i=i):
            args = list(inputs)
            args[i] = v
            return forward(*args)[0]
        numeric.append(eval_numerical_gradient_array(f, value, dout))
    _, cache = forward(*inputs)
    analytic = backward(dout, cache)
    return numeric, analytic if isinstance(analytic, tuple) else (analytic,)


def affine_forward_test():
    """affine_forward on x: (2, 4, 5, 6), w: (120, 3), b: (3,) against the course's reference output."""
    input_shape, num_inputs, output_dim = (4, 5, 6), 2, 3
    D = int(np.prod(input_shape))
    x = np.linspace(-0.1, 0.5, num=num_inputs * D).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=output_dim * D).reshape(D, output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)
    reference = np.array([[1.49834967, 1.70660132, 1.91485297],
                          [3.25553199, 3.5141327, 3.77273342]])
    print("If affine_forward function is working, difference should be less than 1e-9:")
    print(f"difference: {rel_error(out, reference)}")


def affine_backward_test():
    """affine_backward on random x: (10, 2, 3), w: (6, 5), b: (5,) against numerical gradients."""
    x = np.random.randn(10, 2, 3)
    w = np.random.randn(6, 5)
    b = np.random.randn(5)
    dout = np.random.randn(10, 5)
    numeric, analytic = _gradient_errors(affine_forward, affine_backward, (x, w, b), dout)
    _print_errors("If affine_backward is working, error should be less than 1e-9::", numeric, analytic,
                  ("dx", "dw", "db"))


def relu_forward_test():
    """relu_forward on a (3, 4) ramp against the course's reference output."""
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    reference = np.array([[0., 0., 0., 0.],
                          [0., 0., 0.04545455, 0.13636364],
                          [0.22727273, 0.31818182, 0.40909091, 0.5]])
    print("If relu_forward function is working, difference should be around 1e-8:")
    print(f"difference: {rel_error(out, reference)}")


def relu_backward_test():
    """relu_backward on random x: (10, 10) against the numerical gradient."""
    x = np.random.randn(10, 10)
    dout = np.random.randn(*x.shape)
    numeric, analytic = _gradient_errors(relu_forward, relu_backward, (x,), dout)
    _print_errors("If relu_backward function is working, error should be less than 1e-9:", numeric, analytic,
                  ("dx",))


def affine_relu_test():
    """affine_relu_forward / _backward on random x: (2, 3, 4), w: (12, 10), b: (10,)."""
    x = np.random.randn(2, 3, 4)
    w = np.random.randn(12, 10)
    b = np.random.randn(10)
    dout = np.random.randn(2, 10)
    numeric, analytic = _gradient_errors(affine_relu_forward, affine_relu_backward, (x, w, b), dout)
    _print_errors("If affine_relu_forward and affine_relu_backward are working, error should be less than 1e-9::",
                  numeric, analytic, ("dx", "dw", "db"))


def fc_net_test():
    """Initial loss and gradient check of a 15-20-30-10 FullyConnectedNet, with reg 0 and 3.14."""
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for reg in [0, 3.14]:
        print(f"Running check with reg = {reg}")
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                                  dtype=np.float64)
        loss, grads = model.loss(X, y)
        print(f"Initial loss: {loss}")
        for name in sorted(grads):
            numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False,
                                              h=1e-5)
            print(f"{name} relative error: {rel_error(numeric, grads[name])}")
