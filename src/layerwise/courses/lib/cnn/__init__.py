"""The course's ``lib.cnn`` package: NHWC convolution and max-pooling layers and the CNN models."""
