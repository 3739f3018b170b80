"""UCLA ``nn1.optim``: the update rules, from :mod:`layerwise.optim` (course config keys accepted)."""

from layerwise.optim import adam, rmsprop, sgd, sgd_momentum, sgd_nesterov_momentum

__all__ = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]
