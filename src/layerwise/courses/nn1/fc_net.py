"""UCLA ``nn1.fc_net``: ``TwoLayerNet`` and ``FullyConnectedNet``, plus the layers its star imports bring."""

from layerwise.classifiers.fc_net import FullyConnectedNet, TwoLayerNet

# The course's fc_net.py star-imports layers and layer_utils; its notebook relies on
# ``from nn1.fc_net import *`` for affine_forward, relu_forward, svm_loss, ...
from .layer_utils import *  # noqa: F401,F403
from .layer_utils import __all__ as _layer_utils_all

__all__ = _layer_utils_all + ["TwoLayerNet", "FullyConnectedNet"]
