"""cs231n ``classifiers.linear_svm``: the multiclass SVM loss of a linear classifier, naive and vectorized."""

from layerwise.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized

__all__ = ["svm_loss_naive", "svm_loss_vectorized"]
