"""cs231n ``features``: HOG and hue-histogram image features, from :mod:`layerwise.features`."""

from layerwise.features import color_histogram_hsv, extract_features, hog_feature, rgb2gray

__all__ = ["extract_features", "rgb2gray", "hog_feature", "color_histogram_hsv"]
