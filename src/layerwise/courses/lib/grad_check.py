"""The course's ``lib/grad_check.py``: the numerical gradient checks of :mod:`layerwise.gradient_check`."""

import numpy as np

from layerwise.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)

__all__ = ["np", "rel_error", "eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check_sparse"]
