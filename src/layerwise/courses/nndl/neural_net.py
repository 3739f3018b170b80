"""UCLA ``nndl.neural_net``: the standalone ``TwoLayerNet`` (``W1: (H, D)``, its own ``train``/``predict``)."""

from layerwise.classifiers.neural_net import TwoLayerNet

__all__ = ["TwoLayerNet"]
