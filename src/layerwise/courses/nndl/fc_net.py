"""UCLA ``nndl.fc_net``: ``TwoLayerNet`` and ``FullyConnectedNet``, plus the layers its star imports bring.

Both accept the course's ``dropout=`` (keep probability, 0 meaning off) and
``FullyConnectedNet`` its ``use_batchnorm=``; L2 is ``0.5 * reg * sum(W**2)``.
"""

from layerwise.classifiers.fc_net import FullyConnectedNet, TwoLayerNet

# The course's fc_net.py star-imports layers and layer_utils; its notebooks rely on
# ``from nndl.fc_net import *`` for affine_forward, batchnorm_forward, softmax_loss, ...
from .layer_utils import *  # noqa: F401,F403
from .layer_utils import __all__ as _layer_utils_all

__all__ = _layer_utils_all + ["TwoLayerNet", "FullyConnectedNet"]
