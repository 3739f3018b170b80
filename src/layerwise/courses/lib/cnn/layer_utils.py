"""The course's ``lib/cnn/layer_utils.py``: the NHWC ``ConvLayer2D`` and ``MaxPoolingLayer`` of :mod:`layerwise.nn`, and ``sequential``."""

import numpy as np

from layerwise.nn.modules import ConvLayer2D, MaxPoolingLayer, sequential

__all__ = ["np", "sequential", "ConvLayer2D", "MaxPoolingLayer"]
