"""Augmentation: crops are zero-filled shifts, flips mirror, everything is seeded and non-mutating."""

import numpy as np
import pytest

from layerwise.data import (
    Compose,
    RandomCrop,
    RandomFlip,
    compose,
    random_crop,
    random_flip,
    standard_augment,
)


def images(n=6, c=3, h=8, w=8, seed=0, dtype=np.float32):
    """Strictly positive values, so a zero always means 'padding'."""
    return np.random.default_rng(seed).uniform(1.0, 2.0, (n, c, h, w)).astype(dtype)


def shifted(img, sy, sx):
    """Naive reference: out[:, i, j] = img[:, i - sy, j - sx], zero where that is outside."""
    C, H, W = img.shape
    out = np.zeros_like(img)
    for i in range(H):
        for j in range(W):
            if 0 <= i - sy < H and 0 <= j - sx < W:
                out[:, i, j] = img[:, i - sy, j - sx]
    return out


def find_shifts(X, out, pad):
    """For each image, the (sy, sx) with out == shifted(X, sy, sx); asserts it is unique."""
    found = []
    for x, o in zip(X, out):
        offsets = [(sy, sx) for sy in range(-pad, pad + 1) for sx in range(-pad, pad + 1)]
        hits = [s for s in offsets if np.array_equal(shifted(x, *s), o)]
        assert len(hits) == 1, hits
        found.append(hits[0])
    return found


def test_crop_is_a_zero_filled_shift_of_at_most_pad():
    X = images(n=40, h=7, w=9)
    before = X.copy()
    out = random_crop(X, pad=2, rng=np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == X.dtype
    np.testing.assert_array_equal(X, before)  # input untouched
    shifts = find_shifts(X, out, pad=2)
    assert len(set(shifts)) > 5  # offsets differ per image


def test_crop_draws_every_offset():
    X = images(n=500, c=1, h=6, w=6)
    shifts = find_shifts(X, random_crop(X, pad=2, rng=np.random.default_rng(2)), pad=2)
    assert set(shifts) == {(sy, sx) for sy in range(-2, 3) for sx in range(-2, 3)}


def test_crop_nhwc_matches_nchw():
    X = images(n=10)
    a = random_crop(X, pad=3, rng=np.random.default_rng(5))
    b = random_crop(X.transpose(0, 2, 3, 1), pad=3, rng=np.random.default_rng(5), layout="NHWC")
    assert b.shape == (10, 8, 8, 3) and b.flags.c_contiguous
    np.testing.assert_array_equal(b, a.transpose(0, 2, 3, 1))


def test_crop_is_deterministic_given_the_seed():
    X = images(n=20)
    def crop(seed):
        return random_crop(X, 4, np.random.default_rng(seed))

    np.testing.assert_array_equal(crop(9), crop(9))
    np.testing.assert_array_equal(random_crop(X, 4, 9), random_crop(X, 4, 9))  # int seeds too
    assert not np.array_equal(crop(9), crop(10))


def test_crop_with_zero_pad_is_a_copy():
    X = images()
    out = random_crop(X, pad=0, rng=0)
    np.testing.assert_array_equal(out, X)
    assert not np.shares_memory(out, X)


def test_crop_accepts_legacy_random_state():
    X = images(n=30)
    out = random_crop(X, pad=1, rng=np.random.RandomState(0))
    find_shifts(X, out, pad=1)


def test_flip_mirrors_left_right():
    X = images(n=5)
    np.testing.assert_array_equal(random_flip(X, rng=0, p=1.0), X[:, :, :, ::-1])
    np.testing.assert_array_equal(random_flip(X, rng=0, p=0.0), X)
    Xh = X.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(random_flip(Xh, rng=0, p=1.0, layout="NHWC"), Xh[:, :, ::-1, :])


def test_flip_twice_with_the_same_seed_is_the_identity():
    X = images(n=50)
    once = random_flip(X, np.random.default_rng(4))
    twice = random_flip(once, np.random.default_rng(4))
    np.testing.assert_array_equal(twice, X)
    assert not np.array_equal(once, X)


def test_flip_touches_about_half_and_keeps_the_rest():
    X = images(n=1000, c=1, h=2, w=3)
    out = random_flip(X, np.random.default_rng(0))
    same = np.all(out == X, axis=(1, 2, 3))
    mirrored = np.all(out == X[..., ::-1], axis=(1, 2, 3))
    assert np.all(same | mirrored)
    assert 420 < mirrored.sum() < 580  # Binomial(1000, 0.5): sd ~16


def test_flip_nhwc_matches_nchw_and_preserves_dtype():
    X = images(n=30, dtype=np.float64)
    a = random_flip(X, np.random.default_rng(3))
    b = random_flip(X.transpose(0, 2, 3, 1), np.random.default_rng(3), layout="NHWC")
    np.testing.assert_array_equal(b, a.transpose(0, 2, 3, 1))
    assert a.dtype == np.float64


def test_standard_augment_is_the_solver_hook():
    aug = standard_augment(pad=2, flip=True)
    X = images(n=64)
    before = X.copy()
    out = aug(X, np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(out, aug(X, np.random.default_rng(0)))
    # Every output image is a shift of the input or of its mirror image.
    for x, o in zip(X, out):
        candidates = [shifted(v, sy, sx) for v in (x, x[:, :, ::-1]) for sy in range(-2, 3) for sx in range(-2, 3)]
        assert any(np.array_equal(c, o) for c in candidates)
    # One generator feeds both steps: equal to crop then flip with the same generator.
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(out, random_flip(random_crop(X, 2, rng), rng))


def test_standard_augment_nhwc_and_options():
    X = images(n=16).transpose(0, 2, 3, 1).copy()
    out = standard_augment(pad=4, layout="NHWC")(X, 3)
    assert out.shape == X.shape
    no_op = standard_augment(pad=0, flip=False)
    np.testing.assert_array_equal(no_op(images(), 0), images())
    assert not np.shares_memory(no_op(X, 0), X)
    expected = "Compose(RandomCrop(pad=4, layout='NCHW'), RandomFlip(p=0.5, layout='NCHW'))"
    assert repr(standard_augment(pad=4)) == expected


def test_compose_runs_custom_transforms_in_order():
    calls = []

    def add_one(X, rng):
        calls.append("add")
        return X + 1

    def double(X, rng):
        calls.append("double")
        return X * 2

    X = images(n=2)
    np.testing.assert_array_equal(compose(add_one, double)(X, 0), (X + 1) * 2)
    assert calls == ["add", "double"]
    assert isinstance(compose(RandomCrop(1), RandomFlip()), Compose)


def test_bad_arguments_are_explained():
    X = images()
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*got shape \(8, 8, 3\)"):
        random_crop(X[0].transpose(1, 2, 0), pad=2, rng=0)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        random_flip(X[0], rng=0, layout="NHWC")
    with pytest.raises(ValueError, match=r"layout should be 'NCHW' or 'NHWC', got 'CHW'"):
        random_flip(X, rng=0, layout="CHW")
    with pytest.raises(ValueError, match=r"pad must be an integer >= 0, got -1"):
        random_crop(X, pad=-1, rng=0)
    with pytest.raises(ValueError, match=r"p should be a probability"):
        random_flip(X, rng=0, p=1.5)
    with pytest.raises(TypeError, match=r"rng should be a np\.random\.Generator"):
        random_crop(X, pad=1, rng="seed")
    with pytest.raises(TypeError, match="callable"):
        compose(RandomCrop(1), "flip")
