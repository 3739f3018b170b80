"""cs231n ``gradient_check``: numerical gradients, from :mod:`layerwise.gradient_check`."""

from layerwise.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    eval_numerical_gradient_blobs,
    grad_check_sparse,
)

__all__ = [
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "eval_numerical_gradient_blobs",
    "grad_check_sparse",
]
