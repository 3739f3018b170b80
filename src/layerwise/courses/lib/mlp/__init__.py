"""The course's ``lib.mlp`` package: layer objects, fully connected models and ``train_net``."""
