"""The UCLA course's ``nn1`` package (its HW3 name for ``nndl``: ``nn1.fc_net``, ``nn1.optim``, ...) over layerwise."""

__all__ = []
