"""The UCLA ECE C147/247 course's ``nndl`` package (``nndl.layers``, ``nndl.fc_net``, ``nndl.optim``, ...) over layerwise."""

__all__ = []
