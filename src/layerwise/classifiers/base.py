"""What every neural-network classifier of the library offers besides ``params`` and ``loss``."""

from __future__ import annotations

from ..evaluation import predict_labels

__all__ = ["Classifier"]


class Classifier:
    """Mixin: ``predict(X)``, batched, from the model's test-mode ``loss(X)`` scores."""

    def _set_mode(self, mode):
        """Write ``'train'`` or ``'test'`` into the state dicts the layers read (batchnorm, dropout)."""
        for bn_param in getattr(self, "bn_params", ()):
            bn_param["mode"] = mode
        if getattr(self, "dropout_param", None):
            self.dropout_param["mode"] = mode

    def predict(self, X, batch_size=500):
        """Predicted labels ``(N,)`` of ``X: (N, ...)``, ``batch_size`` examples at a time (bounded memory)."""
        return predict_labels(self.loss, X, batch_size)
