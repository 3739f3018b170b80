"""cs231n ``classifiers.softmax``: the softmax loss of a linear classifier, naive and vectorized."""

from layerwise.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized

__all__ = ["softmax_loss_naive", "softmax_loss_vectorized"]
