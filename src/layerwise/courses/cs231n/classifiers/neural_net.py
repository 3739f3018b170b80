"""cs231n ``classifiers.neural_net``: the standalone ``TwoLayerNet`` of the older assignment 1 (``W1`` is (H, D))."""

from layerwise.classifiers.neural_net import TwoLayerNet

__all__ = ["TwoLayerNet"]
