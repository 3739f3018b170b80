"""Module API: networks assembled from layer objects, as in the courses that build them this way.

::

    from layerwise.nn import sequential, flatten, fc, gelu, cross_entropy, Adam, train_net

    net = sequential(flatten("flatten"), fc(3072, 512, name="fc1"), gelu("gelu1"), fc(512, 10, name="fc2"))
    loss_func = cross_entropy()
    scores = net.forward(X, is_training=True)
    loss = loss_func.forward(scores, y)
    net.backward(loss_func.backward())
    Adam(net, lr=1e-3).step()

Images are ``(N, H, W, C)``.  Every layer calls the functional kernels of
:mod:`layerwise.layers`; ``train_net`` runs on :class:`layerwise.solver.Solver`.
"""

from .models import (
    DropoutNet,
    FullyConnectedNetwork,
    Module,
    SmallConvolutionalNetwork,
    SmallFullyConnectedNetwork,
    TestCNN,
    TestFCGeLU,
    TinyNet,
)
from .modules import (
    ConvLayer2D,
    Layer,
    MaxPoolingLayer,
    UnknownParameterError,
    cross_entropy,
    dropout,
    fc,
    flatten,
    gelu,
    is_weight,
    leaky_relu,
    relu,
    sequential,
    softmax,
)
from ..optimizer import Optimizer
from .optim import SGD, Adam, RMSProp, SGDMomentum
from .train import compute_acc, regularize, reset_seed, train_net

__all__ = [
    "Layer", "flatten", "fc", "relu", "leaky_relu", "gelu", "dropout", "ConvLayer2D", "MaxPoolingLayer",
    "softmax", "cross_entropy", "sequential", "UnknownParameterError", "is_weight",
    "Module", "TestFCGeLU", "SmallFullyConnectedNetwork", "DropoutNet", "TinyNet", "FullyConnectedNetwork",
    "TestCNN", "SmallConvolutionalNetwork",
    "Optimizer", "SGD", "SGDMomentum", "RMSProp", "Adam",
    "train_net", "compute_acc", "reset_seed", "regularize",
]
