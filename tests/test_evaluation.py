"""Batched prediction and accuracy, and every model's predict()."""

import numpy as np
import pytest

from layerwise.classifiers import ConvNet, FullyConnectedNet, TwoLayerNet
from layerwise.classifiers.neural_net import TwoLayerNet as ClassicTwoLayerNet
from layerwise.evaluation import accuracy, predict_labels


def test_batches_give_the_labels_of_one_pass_and_stay_bounded():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 4))
    X = rng.standard_normal((23, 6))
    sizes = []

    def scores(batch):
        sizes.append(len(batch))
        return batch @ W
    labels = predict_labels(scores, X, batch_size=5)
    assert np.array_equal(labels, np.argmax(X @ W, axis=1)) and max(sizes) == 5 and sum(sizes) == 23
    assert accuracy(scores, X, labels) == 1.0
    assert accuracy(scores, X, (labels + 1) % 4) == 0.0
    assert predict_labels(scores, X[:0]).shape == (0,)


def test_errors_name_the_caller():
    with pytest.raises(ValueError, match=r"compute_acc: expected X \(N, \.\.\.\) with N >= 1 and labels y \(N,\)"):
        accuracy(lambda b: b, np.zeros((3, 2)), np.zeros(2, int), where="compute_acc")
    with pytest.raises(ValueError, match="predict_labels: batch_size must be an integer >= 1, got 0"):
        predict_labels(lambda b: b, np.zeros((3, 2)), batch_size=0)


@pytest.mark.parametrize("make, shape", [
    (lambda: FullyConnectedNet([7], input_dim=12, num_classes=3, dtype=np.float64), (12,)),
    (lambda: TwoLayerNet(input_dim=12, hidden_dim=5, num_classes=3, weight_scale=1e-1), (12,)),
    (lambda: ConvNet(input_dim=(1, 4, 4), blocks=(2, "pool"), num_classes=3, dtype=np.float64), (1, 4, 4)),
    (lambda: ClassicTwoLayerNet(12, 5, 3, std=1e-1), (12,)),
])
def test_every_model_predicts_in_batches(make, shape):
    np.random.seed(1)
    model = make()
    X = np.random.randn(11, *shape)
    assert np.array_equal(model.predict(X, batch_size=4), np.argmax(model.loss(X), axis=1))
