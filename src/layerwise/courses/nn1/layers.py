"""UCLA ``nn1.layers``: affine, ReLU, batchnorm, dropout and the two losses, from :mod:`layerwise.layers`."""

from layerwise.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    svm_loss,
)

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
    "dropout_forward", "dropout_backward",
    "svm_loss", "softmax_loss",
]
