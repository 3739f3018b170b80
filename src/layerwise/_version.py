"""The library version, recorded in every run, checkpoint and saved model."""

__version__ = "0.1.0"
