"""What every neural-network classifier of the library offers besides ``params`` and ``loss``."""

from __future__ import annotations

import numpy as np

from .._version import __version__
from ..checkpoint import load_params, model_state, save_bundle
from ..evaluation import predict_labels

__all__ = ["Classifier", "MODEL_CLASSES"]

#: Saved class name (``'fc_net.FullyConnectedNet'``, ...) -> class, filled in as the classes are defined.
MODEL_CLASSES: dict = {}


class Classifier:
    """Mixin: batched ``predict(X)``, ``save(path)``, a readable ``repr``.

    The constructor call that built a model (its arguments as the user gave
    them) is recorded, so that a saved model can be rebuilt exactly.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        MODEL_CLASSES[cls.saved_name()] = cls

    @classmethod
    def saved_name(cls) -> str:
        return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        self._init_args = (args, kwargs)
        return self

    def _set_mode(self, mode):
        """Write ``'train'`` or ``'test'`` into the state dicts the layers read (batchnorm, dropout)."""
        for bn_param in getattr(self, "bn_params", ()):
            bn_param["mode"] = mode
        if getattr(self, "dropout_param", None):
            self.dropout_param["mode"] = mode

    def _check_images(self, X):
        """``X`` as an ``(N, *self.input_dim)`` array of ``self.dtype``; any other shape is one clear error."""
        X = np.asarray(X)
        if X.ndim != 4 or X.shape[1:] != self.input_dim:
            raise ValueError(f"{type(self).__name__}.loss: X must have shape (N, {', '.join(map(str, self.input_dim))})"
                             f" (N, C, H, W), got {X.shape}")
        return X.astype(self.dtype, copy=False)

    def scores(self, X):
        """Class scores ``(N, C)`` of a batch in test mode (the models' ``loss(X)``)."""
        return self.loss(X)

    def predict(self, X, batch_size=500):
        """Predicted labels ``(N,)`` of ``X: (N, ...)``, ``batch_size`` examples at a time (bounded memory)."""
        return predict_labels(self.scores, X, batch_size)

    def _load_arrays(self, arrays, source):
        """Put the arrays a file holds back into the model (:meth:`save` stores ``self.params``)."""
        load_params(self, arrays, source)

    def save(self, path, preprocessing=None):
        """Write the model to ``path``: one pickle-free, checksummed ``.npz`` that
        :func:`layerwise.load_model` turns back into the same model (architecture, hyperparameters,
        parameters, batchnorm statistics).  ``preprocessing`` (a dict of arrays or numbers, e.g.
        ``{'mean_image': ...}``) is what inputs need before ``predict``; it is kept with the model."""
        args, kwargs = self._init_args
        state = {"class": self.saved_name(), "args": _plain(list(args)),
                 "kwargs": {k: _plain(v) for k, v in kwargs.items()}, "params": dict(self.params),
                 "model_state": model_state(self), "preprocessing": dict(preprocessing or {}),
                 "layerwise_version": __version__}
        return save_bundle(path, state)

    def __repr__(self):
        args, kwargs = self._init_args
        shown = [repr(a) for a in args] + [f"{k}={_shown(v)}" for k, v in kwargs.items()]
        count = sum(int(np.size(v)) for v in self.params.values())
        return f"{type(self).__name__}({', '.join(shown)})  # {count:,} parameters"


def _plain(value):
    """A constructor argument as a file value: dtypes by name, tuples as lists."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (type, np.dtype)):
        return {"dtype": np.dtype(value).name}
    return value


def from_file(value):
    """The inverse of :func:`_plain`: dtypes back from their names (lists stay lists)."""
    if isinstance(value, dict) and set(value) == {"dtype"}:
        return np.dtype(value["dtype"]).type
    if isinstance(value, list):
        return [from_file(v) for v in value]
    return value


def _shown(value):
    return f"np.{np.dtype(value).name}" if isinstance(value, (type, np.dtype)) else repr(value)
