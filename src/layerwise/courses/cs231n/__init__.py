"""Stanford cs231n's module layout (``cs231n.layers``, ``cs231n.classifiers.fc_net``, ...) over layerwise."""

__all__ = []
