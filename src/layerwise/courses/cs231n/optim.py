"""cs231n ``optim``: the update rules ``rule(w, dw, config) -> (next_w, config)``, from :mod:`layerwise.optim`."""

from layerwise.optim import adam, rmsprop, sgd, sgd_momentum

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam"]
