"""cs231n ``classifiers.fc_net``: ``TwoLayerNet`` and ``FullyConnectedNet``, plus the layers its star imports bring."""

from layerwise.classifiers.fc_net import FullyConnectedNet, TwoLayerNet

# The course's fc_net.py star-imports layers and layer_utils; notebooks rely on
# ``from cs231n.classifiers.fc_net import *`` for affine_forward, softmax_loss, ...
from ..layer_utils import *  # noqa: F401,F403
from ..layer_utils import __all__ as _layer_utils_all

__all__ = _layer_utils_all + ["TwoLayerNet", "FullyConnectedNet"]
