"""The course's ``lib/optim.py``: the optimizer classes of :mod:`layerwise.nn` (course weight decay, Adam's ``mt``/``vt``/``t``)."""

import numpy as np

from layerwise.nn.optim import SGD, Adam, Optimizer, RMSProp, SGDMomentum

__all__ = ["np", "Optimizer", "SGD", "Adam", "SGDMomentum", "RMSProp"]
