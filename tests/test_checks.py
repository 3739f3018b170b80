"""The shared argument check: what passes, and the one-line message of what does not."""

import numpy as np
import pytest

from layerwise.checks import integer, is_integer


@pytest.mark.parametrize("value", [0, 7, np.int64(3), np.int32(-2)])
def test_integers_pass(value):
    assert is_integer(value) and integer(value, "n") == int(value) and type(integer(value, "n")) is int


@pytest.mark.parametrize("value", [True, np.bool_(False), 2.0, 1.5, "3", None])
def test_bools_floats_and_strings_are_not_integers(value):
    assert not is_integer(value)


@pytest.mark.parametrize("kwargs, value, message", [
    (dict(minimum=1), 0, "n must be an integer >= 1, got 0"),
    (dict(minimum=1), True, "n must be an integer >= 1, got True"),
    (dict(minimum=0, maximum=9), 10, r"n must be an integer in \[0, 9\], got 10"),
    (dict(maximum=9), 10, "n must be an integer <= 9, got 10"),
    (dict(minimum=1, none_ok=True), -1, "n must be an integer >= 1 or None, got -1"),
    (dict(minimum=1), 4.0, r"n must be an integer >= 1 \(an int, not float\), got 4.0"),
    (dict(minimum=1, where="conv_forward"), 0, "conv_forward: n must be an integer >= 1, got 0"),
])
def test_refusals_name_the_range_and_the_value(kwargs, value, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        integer(value, "n", **kwargs)


def test_none_passes_only_when_allowed():
    assert integer(None, "n", none_ok=True) is None
    with pytest.raises(ValueError, match="n must be an integer, got None"):
        integer(None, "n")
