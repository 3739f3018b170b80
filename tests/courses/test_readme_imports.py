"""Every import line the README's course table shows works, and brings what the course's module brings."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_course_import_of_the_readme_works():
    lines = re.findall(r"`(from layerwise\.courses[^`]*)`", README.read_text())
    assert len(lines) >= 15
    namespace = {}
    for line in lines:
        exec(line, namespace)  # noqa: S102 - the README's own import lines
    for name in ("affine_forward", "affine_relu_forward", "conv_forward_fast", "get_CIFAR10_data", "Solver",
                 "rmsprop", "LinearSVM", "CIFAR100_data", "train_net", "SGD", "Adam", "visualize_grid"):
        assert name in namespace, name
