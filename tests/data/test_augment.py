"""Augmentation: crops are zero-filled shifts, flips mirror, everything is seeded and non-mutating."""

import numpy as np
import pytest

from layerwise.data import (
    AlternatingFlip,
    Compose,
    RandomCrop,
    RandomFlip,
    alternating_flip,
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
    expected = "Compose(RandomCrop(pad=4, layout='NCHW', mode='constant'), RandomFlip(p=0.5, layout='NCHW'))"
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


# --------------------------------------------------------------------------- reflect crops, alternating flips


def reflect_crops(X, pad, seed, layout="NCHW"):
    """Naive reference: re-draw the offsets as random_crop does (dy for every image, then dx) from a
    generator seeded alike, and cut each image's window out of np.pad(..., mode='reflect')."""
    rng = np.random.default_rng(seed)
    n = len(X)
    dy = rng.integers(0, 2 * pad + 1, n)
    dx = rng.integers(0, 2 * pad + 1, n)
    out = np.empty_like(X)
    for k in range(n):
        if layout == "NCHW":
            H, W = X.shape[2:]
            padded = np.pad(X[k], ((0, 0), (pad, pad), (pad, pad)), mode="reflect")
            out[k] = padded[:, dy[k]:dy[k] + H, dx[k]:dx[k] + W]
        else:
            H, W = X.shape[1:3]
            padded = np.pad(X[k], ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
            out[k] = padded[dy[k]:dy[k] + H, dx[k]:dx[k] + W, :]
    return out, dy, dx


@pytest.mark.parametrize("pad", [1, 3])
def test_reflect_crop_is_a_window_of_the_reflect_padded_image(pad):
    X = images(n=30, c=2, h=5, w=7, dtype=np.float64)
    before = X.copy()
    out = random_crop(X, pad=pad, rng=np.random.default_rng(11), mode="reflect")
    expected, dy, dx = reflect_crops(X, pad, 11)
    assert out.shape == X.shape and out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(X, before)
    assert len(set(zip(dy.tolist(), dx.tolist()))) > 5  # the offsets really vary


def test_reflect_crop_nhwc_equals_its_reference_and_the_nchw_crop():
    X = images(n=20, c=3, h=6, w=5, dtype=np.float64)
    Xh = X.transpose(0, 2, 3, 1).copy()
    out = random_crop(Xh, pad=2, rng=np.random.default_rng(4), layout="NHWC", mode="reflect")
    assert out.shape == (20, 6, 5, 3) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, reflect_crops(Xh, 2, 4, layout="NHWC")[0])
    nchw = random_crop(X, pad=2, rng=np.random.default_rng(4), mode="reflect")
    np.testing.assert_array_equal(out, nchw.transpose(0, 2, 3, 1))


def test_reflect_crop_takes_every_value_from_its_own_image():
    X = images(n=50, c=1, h=4, w=4, dtype=np.float64)  # values in [1, 2): a zero could only be padding
    out = random_crop(X, pad=3, rng=np.random.default_rng(0), mode="reflect")  # the largest pad allowed
    assert np.all(out != 0)
    for x, o in zip(X, out):
        assert set(o.ravel().tolist()) <= set(x.ravel().tolist())
    # whereas zero padding of the same size shifts zeros in
    assert np.any(random_crop(X, pad=3, rng=np.random.default_rng(0)) == 0)


def test_reflect_crop_accepts_a_legacy_random_state():
    # Every output is one of the 25 windows of the reflect-padded image.
    X = images(n=10, c=1, h=5, w=5, dtype=np.float64)
    out = random_crop(X, pad=2, rng=np.random.RandomState(3), mode="reflect")
    for x, o in zip(X, out):
        padded = np.pad(x, ((0, 0), (2, 2), (2, 2)), mode="reflect")
        windows = [padded[:, i:i + 5, j:j + 5] for i in range(5) for j in range(5)]
        assert any(np.array_equal(w, o) for w in windows)


def test_random_crop_class_passes_its_mode_on():
    X = images(n=12, h=6, w=6, dtype=np.float64)
    t = RandomCrop(2, mode="reflect")
    np.testing.assert_array_equal(t(X, np.random.default_rng(8)), reflect_crops(X, 2, 8)[0])
    th = RandomCrop(2, layout="NHWC", mode="reflect")
    Xh = X.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(th(Xh, np.random.default_rng(8)), reflect_crops(Xh, 2, 8, "NHWC")[0])
    assert repr(t) == "RandomCrop(pad=2, layout='NCHW', mode='reflect')"
    # the default is still zero padding
    np.testing.assert_array_equal(RandomCrop(2)(X, 5), random_crop(X, 2, 5, mode="constant"))


def test_reflect_crop_with_zero_pad_is_a_copy():
    X = images(h=3, w=3)
    out = random_crop(X, pad=0, rng=0, mode="reflect")
    np.testing.assert_array_equal(out, X)
    assert not np.shares_memory(out, X)


def test_bad_crop_modes_and_reflect_pads_are_refused():
    X = images(h=4, w=6)
    with pytest.raises(ValueError, match=r"random_crop: mode must be 'constant' \(zeros\) or 'reflect', got 'wrap'"):
        random_crop(X, pad=1, rng=0, mode="wrap")
    with pytest.raises(ValueError, match=r"RandomCrop: mode must be 'constant' \(zeros\) or 'reflect', got 'edge'"):
        RandomCrop(1, mode="edge")
    with pytest.raises(ValueError, match=r"reflect padding needs pad < the image's height and width, got pad=4 "
                                         r"for 4x6 images"):
        random_crop(X, pad=4, rng=0, mode="reflect")  # pad == H
    with pytest.raises(ValueError, match="reflect padding needs pad <"):
        random_crop(X.transpose(0, 2, 3, 1), pad=5, rng=0, layout="NHWC", mode="reflect")
    with pytest.raises(ValueError, match="reflect padding needs pad <"):
        random_crop(images(h=6, w=3), pad=3, rng=0, mode="reflect")  # pad == W < H
    assert random_crop(X, pad=3, rng=0, mode="reflect").shape == X.shape  # pad = H - 1 is fine
    assert random_crop(X, pad=4, rng=0).shape == X.shape  # zero padding has no such limit


def flipped_mask(X, out, layout="NCHW"):
    """Which images of ``out`` are the mirror of X's (asserting each is one or the other)."""
    mirrored = X[..., ::-1] if layout == "NCHW" else X[:, :, ::-1, :]
    same = np.all(out == X, axis=(1, 2, 3))
    flipped = np.all(out == mirrored, axis=(1, 2, 3))
    assert np.all(same ^ flipped)  # the images have no mirror symmetry, so exactly one holds
    return flipped


def test_alternating_flip_inverts_every_decision_from_one_epoch_to_the_next():
    X = images(n=200, c=1, h=2, w=3, dtype=np.float64)
    idx = np.arange(200)
    masks = [flipped_mask(X, alternating_flip(X, idx, epoch, seed=1)) for epoch in range(5)]
    for e in range(4):
        np.testing.assert_array_equal(masks[e + 1], ~masks[e])
    np.testing.assert_array_equal(masks[0], masks[2])
    np.testing.assert_array_equal(masks[1], masks[3])
    assert 0 < masks[0].sum() < 200


def test_alternating_flip_decides_per_example_whatever_the_batch():
    X = images(n=300, c=2, h=3, w=4, dtype=np.float64)
    full = flipped_mask(X, alternating_flip(X, np.arange(300), 3, seed=7))
    order = np.random.default_rng(0).permutation(300)[:57]  # a shuffled subset, as a minibatch
    part = flipped_mask(X[order], alternating_flip(X[order], order, 3, seed=7))
    np.testing.assert_array_equal(part, full[order])
    # one example alone, and next to an example of a much larger index, is decided the same way
    for i in (0, 5, 299):
        alone = flipped_mask(X[[i]], alternating_flip(X[[i]], np.array([i]), 3, seed=7))
        pair = alternating_flip(X[[i, 0]], np.array([i, 100_000]), 3, seed=7)
        assert alone[0] == full[i] == flipped_mask(X[[i]], pair[:1])[0]
    # repeated indices (sampling with replacement) get the same decision
    dup = np.array([4, 4, 9, 4])
    np.testing.assert_array_equal(flipped_mask(X[dup], alternating_flip(X[dup], dup, 0, seed=7)),
                                  flipped_mask(X, alternating_flip(X, np.arange(300), 0, seed=7))[dup])


def test_alternating_flip_flips_about_half_and_depends_on_the_seed():
    X = images(n=2000, c=1, h=1, w=2, dtype=np.float64)
    idx = np.arange(2000)
    a = flipped_mask(X, alternating_flip(X, idx, 0, seed=0))
    b = flipped_mask(X, alternating_flip(X, idx, 0, seed=1))
    assert 900 < a.sum() < 1100  # Binomial(2000, 0.5): sd ~22
    assert 900 < b.sum() < 1100
    assert 700 < np.count_nonzero(a != b) < 1300  # independent coins disagree about half the time
    np.testing.assert_array_equal(a, flipped_mask(X, alternating_flip(X, idx, 0, seed=0)))  # deterministic


def test_alternating_flip_layouts_dtype_and_no_mutation():
    X = images(n=40, c=3, h=4, w=5, dtype=np.float32)
    before = X.copy()
    idx = np.arange(100, 140)
    out = alternating_flip(X, idx, 1, seed=2)
    assert out.dtype == np.float32 and out.shape == X.shape
    np.testing.assert_array_equal(X, before)
    Xh = X.transpose(0, 2, 3, 1).copy()
    outh = alternating_flip(Xh, idx, 1, seed=2, layout="NHWC")
    np.testing.assert_array_equal(outh, out.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(flipped_mask(Xh, outh, "NHWC"), flipped_mask(X, out))


@pytest.mark.parametrize("indices", [
    np.arange(5),                 # one too few
    np.arange(6).reshape(2, 3),   # wrong shape
    np.array([0, 1, 2, -1, 4, 5]),  # negative
    np.arange(6, dtype=float),    # floats
    np.ones(6, dtype=bool),       # booleans are not positions
])
def test_alternating_flip_refuses_bad_indices(indices):
    with pytest.raises(ValueError, match=r"alternating_flip: indices must be the 6 examples' non-negative integer "
                                         r"positions"):
        alternating_flip(images(n=6), indices, 0)


def test_alternating_flip_refuses_a_bad_epoch():
    with pytest.raises(ValueError, match=r"alternating_flip: epoch must be an integer >= 0, got -1"):
        alternating_flip(images(n=2), np.arange(2), -1)
    with pytest.raises(ValueError, match="epoch must be an integer"):
        alternating_flip(images(n=2), np.arange(2), 1.5)


def test_alternating_flip_transform_needs_indices_and_epoch():
    t = AlternatingFlip(seed=3)
    assert t.per_example is True
    X = images(n=10)
    with pytest.raises(ValueError, match=r"AlternatingFlip needs the batch's example indices and the epoch"):
        t(X, np.random.default_rng(0))
    with pytest.raises(ValueError, match="AlternatingFlip needs"):
        t(X, None, indices=np.arange(10))
    with pytest.raises(ValueError, match="AlternatingFlip needs"):
        t(X, None, epoch=0)
    idx = np.arange(10)[::-1].copy()
    np.testing.assert_array_equal(t(X, None, indices=idx, epoch=4), alternating_flip(X, idx, 4, seed=3))
    th = AlternatingFlip(seed=3, layout="NHWC")
    Xh = X.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(th(Xh, None, indices=idx, epoch=4),
                                  alternating_flip(X, idx, 4, seed=3).transpose(0, 2, 3, 1))
    assert repr(th) == "AlternatingFlip(seed=3, layout='NHWC')"


def test_compose_forwards_indices_and_epoch_to_per_example_transforms_only():
    seen = []

    def plain(X, rng):  # would fail if it were given keyword arguments
        seen.append("plain")
        return X + 0.0

    class PerExample:
        per_example = True

        def __call__(self, X, rng, indices=None, epoch=None):
            seen.append((indices.tolist(), epoch))
            return X

    pipeline = Compose(plain, PerExample(), plain)
    assert pipeline.per_example is True
    assert Compose(RandomCrop(1), RandomFlip()).per_example is False
    assert Compose().per_example is False
    X = images(n=3)
    np.testing.assert_array_equal(pipeline(X, 0, indices=np.array([7, 8, 9]), epoch=2), X)
    assert seen == ["plain", ([7, 8, 9], 2), "plain"]


def test_compose_of_reflect_crop_and_alternating_flip_is_crop_then_flip():
    X = images(n=16, h=6, w=6, dtype=np.float64)
    idx = np.random.default_rng(1).permutation(50)[:16]
    pipeline = compose(RandomCrop(2, mode="reflect"), AlternatingFlip(seed=5))
    assert pipeline.per_example
    out = pipeline(X, np.random.default_rng(9), indices=idx, epoch=1)
    expected = alternating_flip(reflect_crops(X, 2, 9)[0], idx, 1, seed=5)
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(ValueError, match="AlternatingFlip needs"):
        pipeline(X, 0)  # called like a plain transform: the flip cannot decide
