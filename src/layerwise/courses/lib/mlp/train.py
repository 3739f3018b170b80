"""The course's ``lib/mlp/train.py``: ``train_net`` and ``compute_acc`` (and, like the course's, the layers and optimizers)."""

from layerwise.nn.train import compute_acc, train_net

from .. import optim
from ..optim import *  # noqa: F403 - the course's module star-imports the optimizers
from . import layer_utils
from .layer_utils import *  # noqa: F403 - and its layers

__all__ = layer_utils.__all__ + [name for name in optim.__all__ if name != "np"] + ["compute_acc", "train_net"]
