"""The UCLA course's ``utils`` package (``utils.data_utils``, ``utils.solver``, ...) over layerwise."""

__all__ = []
