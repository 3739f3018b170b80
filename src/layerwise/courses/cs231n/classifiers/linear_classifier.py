"""cs231n ``classifiers.linear_classifier``: ``LinearSVM`` and ``Softmax``, plus the losses its star imports bring."""

from layerwise.classifiers.linear import LinearClassifier, LinearSVM, Softmax

from .linear_svm import *  # noqa: F401,F403
from .linear_svm import __all__ as _svm_all
from .softmax import *  # noqa: F401,F403
from .softmax import __all__ as _softmax_all

__all__ = ["LinearClassifier", "LinearSVM", "Softmax"] + _svm_all + _softmax_all
