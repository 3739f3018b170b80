"""UCLA ``nndl.optim``: the update rules, from :mod:`layerwise.optim`, which read the course's config keys.

RMSProp's cache may be passed as ``a``, and Adam's moments as ``v`` (first)
and ``a`` (second); the state then comes back under those keys.
"""

from layerwise.optim import adam, rmsprop, sgd, sgd_momentum, sgd_nesterov_momentum

__all__ = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]
