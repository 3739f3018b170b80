"""Image features: hand-computed HOG and hue histograms, references, batched == per-image, errors."""

import math

import numpy as np
import pytest

from layerwise.features import (
    color_histogram_hsv,
    color_histograms_hsv,
    extract_features,
    hog_feature,
    hog_features,
    rgb2gray,
    rgb_to_hsv,
)


@pytest.fixture
def rng():
    return np.random.default_rng(231)


def _tie_heavy_images(rng, n):
    """Images whose channels take 4 levels: many ties between channels, greys and exact bin edges."""
    return rng.integers(0, 4, (n, 32, 32, 3)) * 85.0


# --------------------------------------------------------------------------- colour conversions

def test_rgb2gray_uses_standard_luma_weights():
    im = np.zeros((1, 3, 3))
    im[0, 0] = [255, 0, 0]
    im[0, 1] = [0, 255, 0]
    im[0, 2] = [0, 0, 255]
    assert np.allclose(rgb2gray(im), [[0.299 * 255, 0.587 * 255, 0.114 * 255]], rtol=0, atol=1e-12)


@pytest.mark.parametrize("rgb, hsv", [
    ((1, 0, 0), (0, 1, 1)),
    ((0, 1, 0), (1 / 3, 1, 1)),
    ((0, 0, 1), (2 / 3, 1, 1)),
    ((1, 1, 0), (1 / 6, 1, 1)),
    ((0, 1, 1), (1 / 2, 1, 1)),
    ((1, 0, 1), (5 / 6, 1, 1)),
    ((0.5, 0.5, 0.5), (0, 0, 0.5)),
    ((0, 0, 0), (0, 0, 0)),
    ((1, 0.5, 0), (1 / 12, 1, 1)),
    ((1, 0, 0.5), (11 / 12, 1, 1)),
])
def test_rgb_to_hsv_hand_values(rgb, hsv):
    assert np.allclose(rgb_to_hsv(np.array(rgb, float)), hsv, rtol=0, atol=1e-15)


def test_rgb_to_hsv_matches_matplotlib_bit_for_bit(rng):
    colors = pytest.importorskip("matplotlib.colors")
    x = np.concatenate([rng.random((500, 3)), _tie_heavy_images(rng, 1).reshape(-1, 3) / 255])
    assert np.array_equal(rgb_to_hsv(x), colors.rgb_to_hsv(x))


# --------------------------------------------------------------------------- HOG: hand-computed

@pytest.mark.parametrize("left, right", [(0.0, 100.0), (100.0, 0.0)])
def test_hog_vertical_edge_lands_in_bin_0(left, right):
    # Step between columns 7 and 8: the forward difference is +-100 in column 7 of every row;
    # the gradient is horizontal (0 or 180 degrees, both orientation 0 mod 180).
    im = np.full((16, 16), left)
    im[:, 8:] = right
    feat = hog_feature(im)
    assert feat.shape == (2 * 2 * 9,)
    expected = np.zeros(36)
    expected[[_cell_index(2, 0, 0, 0), _cell_index(2, 1, 0, 0)]] = 8 * 100 / 64  # 8 edge pixels per cell
    assert np.allclose(feat, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("top, bottom", [(0.0, 100.0), (100.0, 0.0)])
def test_hog_horizontal_edge_lands_in_bin_4(top, bottom):
    im = np.full((16, 16), top)
    im[8:, :] = bottom  # gradient of 90 (or -90) degrees in row 7: bin 4 = [80, 100)
    feat = hog_feature(im)
    expected = np.zeros(36)
    expected[[_cell_index(2, 0, 0, 4), _cell_index(2, 0, 1, 4)]] = 8 * 100 / 64
    assert np.allclose(feat, expected, rtol=0, atol=1e-12)


def _cell_index(ncols, r, c, b):
    return (r * ncols + c) * 9 + b


@pytest.mark.parametrize("sign, diagonal_bin", [(1, 2), (-1, 6)])
def test_hog_diagonal_ramp(sign, diagonal_bin):
    # I = c + sign * r on one 8x8 cell: interior pixels have gradient (1, sign) at 45 or -45 = 135
    # degrees (bins 2 and 6); the last row has only gx = 1 (bin 0), the last column only
    # gy = sign (90 degrees, bin 4), the corner nothing.
    r, c = np.mgrid[0:8, 0:8].astype(float)
    feat = hog_feature(c + sign * r)
    expected = np.zeros(9)
    expected[diagonal_bin] = 49 * math.sqrt(2) / 64
    expected[0] = 7 / 64
    expected[4] = 7 / 64
    assert np.allclose(feat, expected, rtol=0, atol=1e-12)


def test_hog_of_rgb_image_uses_the_gray_image():
    im = np.zeros((8, 8, 3))
    im[:, 4:, 0] = 255.0  # a red step: gray step of 0.299 * 255
    feat = hog_feature(im)
    expected = np.zeros(9)
    expected[0] = 8 * 0.299 * 255 / 64
    assert np.allclose(feat, expected, rtol=0, atol=1e-12)
    assert np.array_equal(hog_feature(im), hog_feature(rgb2gray(im)))
    assert np.array_equal(hog_feature(im), hog_feature(rgb2gray(im)[..., None]))


def test_hog_ignores_pixels_outside_the_cell_grid():
    im = np.zeros((12, 13))
    im[:, 9:] = 50.0  # the edge lies in columns 8..12, outside the single 8x8 cell
    im[10:, :] = 70.0
    assert hog_feature(im).shape == (9,)
    assert np.array_equal(hog_feature(im), np.zeros(9))
    assert hog_feature(np.zeros((40, 36, 3))).shape == (5 * 4 * 9,)
    assert hog_feature(np.zeros((32, 32, 3))).shape == (144,)


def test_hog_is_unchanged_by_a_brightness_offset(rng):
    im = rng.random((32, 32)) * 200
    assert np.allclose(hog_feature(im + 37.0), hog_feature(im), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- HOG: references

def _hog_loop_reference(gray):
    """The definition, one pixel at a time, with math.atan2 and an explicit degree bin."""
    H, W = gray.shape
    ncr, ncc = H // 8, W // 8
    hist = np.zeros((ncr, ncc, 9))
    for r in range(ncr * 8):
        for c in range(ncc * 8):
            gx = gray[r, c + 1] - gray[r, c] if c + 1 < W else 0.0
            gy = gray[r + 1, c] - gray[r, c] if r + 1 < H else 0.0
            angle = math.degrees(math.atan2(gy, gx)) % 180.0
            hist[r // 8, c // 8, min(int(angle // 20), 8)] += math.hypot(gx, gy)
    return (hist / 64).ravel()


def test_hog_matches_a_per_pixel_loop_reference(rng):
    imgs = rng.random((3, 24, 17, 3)) * 255
    batched = hog_features(imgs)
    for im, feat in zip(imgs, batched):
        assert np.allclose(feat, _hog_loop_reference(rgb2gray(im)), rtol=1e-12, atol=1e-12)


def test_hog_batched_equals_per_image_exactly(rng):
    imgs = np.concatenate([rng.integers(0, 256, (70, 32, 32, 3)).astype(np.float64),
                           _tie_heavy_images(rng, 5)])  # > one internal chunk
    batched = hog_features(imgs)
    assert batched.shape == (75, 144)
    assert np.array_equal(batched, np.stack([hog_feature(im) for im in imgs]))
    assert np.array_equal(hog_feature(imgs), batched)  # the per-image function accepts a batch too
    assert np.array_equal(hog_features(imgs.astype(np.uint8)), batched)


def test_hog_matches_skimage_on_separable_images(rng):
    """Compare with ``skimage.feature.hog`` where the two definitions coincide.

    Both use 9 unsigned-orientation bins of 20 degrees starting at 0 and the per-cell
    average of the gradient magnitudes.  They differ in two ways: skimage takes central
    differences ``J[r+1] - J[r-1]`` (zero on all four borders) where hog_feature takes
    forward differences ``I[r+1] - I[r]`` (zero on the last row / column), and skimage
    always block-normalizes.  For a separable image ``I = f(c) + g(r)`` with
    ``f(1) = f(0)`` and ``g(1) = g(0)``, the image ``J = F(c) + G(r)`` with
    ``F(c+1) = F(c-1) + f(c+1) - f(c)`` has central differences equal to the forward
    differences of ``I`` at every pixel, so ``hog(J)`` with one-cell blocks and L1
    normalization (``h / (sum(h) + 1e-5)``) must equal ``hog_feature(I)`` normalized
    the same way.  skimage sums each cell in single precision, hence rtol=1e-6 (one
    pixel in the wrong bin would change a value by about 1e-2).
    """
    skfeature = pytest.importorskip("skimage.feature")

    def forward_and_central(n):
        f = np.cumsum(rng.standard_normal(n) * 20)
        f[1] = f[0]
        d = np.diff(f)
        F = np.zeros(n)
        for c in range(1, n - 1):
            F[c + 1] = F[c - 1] + d[c]
        return f, F

    for H, W in [(32, 32), (24, 40)]:
        g, G = forward_and_central(H)
        f, F = forward_and_central(W)
        ours = hog_feature(g[:, None] + f[None, :]).reshape(-1, 9)
        ours = ours / (ours.sum(axis=1, keepdims=True) + 1e-5)
        theirs = skfeature.hog(G[:, None] + F[None, :], orientations=9, pixels_per_cell=(8, 8),
                               cells_per_block=(1, 1), block_norm="L1", feature_vector=True)
        assert theirs.shape == (ours.size,)
        assert np.allclose(ours.ravel(), theirs, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- hue histogram

@pytest.mark.parametrize("rgb, hue_bin", [
    ((255, 0, 0), 0),      # hue 0
    ((255, 255, 0), 1),    # 1/6 * 255 = 42.5 in [25.5, 51)
    ((0, 255, 0), 3),      # 85 in [76.5, 102)
    ((0, 255, 255), 5),    # 127.5: exactly the left edge of bin 5
    ((0, 0, 255), 6),      # 170 in [153, 178.5)
    ((255, 0, 255), 8),    # 212.5 in [204, 229.5)
    ((128, 128, 128), 0),  # grey: hue 0 by convention
])
def test_solid_colour_lands_in_its_hue_bin(rgb, hue_bin):
    im = np.broadcast_to(np.array(rgb, float), (32, 32, 3))
    expected = np.zeros(10)
    expected[hue_bin] = 1.0
    assert np.array_equal(color_histogram_hsv(im), expected)
    expected[hue_bin] = 32 * 32
    assert np.array_equal(color_histogram_hsv(im, normalized=False), expected)


def test_two_colour_image_histogram():
    im = np.zeros((8, 8, 3))
    im[:, :2] = [255, 0, 0]   # 16 red pixels
    im[:, 2:] = [0, 0, 255]   # 48 blue pixels
    hist = color_histogram_hsv(im, nbin=3)  # bins of 85: hue 0 -> 0, hue 170 -> 2 (170 = edge of bin 2)
    assert np.allclose(hist, [0.25, 0.0, 0.75], rtol=0, atol=1e-15)
    assert np.array_equal(color_histogram_hsv(im, nbin=3, normalized=False), [16.0, 0.0, 48.0])


def test_hue_outside_the_range_is_not_counted():
    im = np.zeros((4, 4, 3))
    im[:2] = [255, 0, 0]   # hue 0 < xmin
    im[2:] = [255, 0, 255]  # hue 212.5, in [177.5, 255]
    assert np.array_equal(color_histogram_hsv(im, nbin=2, xmin=100, normalized=False), [0.0, 8.0])
    assert np.array_equal(color_histogram_hsv(im, nbin=2, xmin=100), [0.0, 1.0])
    assert np.array_equal(color_histogram_hsv(im[:2], nbin=2, xmin=100), [0.0, 0.0])  # nothing in range


@pytest.mark.parametrize("nbin, xmin, xmax", [(10, 0, 255), (7, 0, 255), (13, 30, 255), (10, 0, 300)])
def test_hue_histogram_matches_the_course_definition(rng, nbin, xmin, xmax):
    """The course: ``np.histogram(rgb_to_hsv(im / xmax)[..., 0] * xmax, bins=np.linspace(xmin, xmax, nbin + 1))``."""
    colors = pytest.importorskip("matplotlib.colors")
    imgs = np.concatenate([rng.integers(0, 256, (6, 32, 32, 3)).astype(np.float64), _tie_heavy_images(rng, 4)])
    bins = np.linspace(xmin, xmax, nbin + 1)
    for im in imgs:
        hue = (colors.rgb_to_hsv(im / xmax) * xmax)[..., 0]
        counts, _ = np.histogram(hue, bins=bins)
        density, _ = np.histogram(hue, bins=bins, density=True)
        assert np.array_equal(color_histogram_hsv(im, nbin, xmin, xmax, normalized=False), counts)
        assert np.allclose(color_histogram_hsv(im, nbin, xmin, xmax), density * np.diff(bins), rtol=1e-14, atol=0)


def test_hue_histogram_batched_equals_per_image_exactly(rng):
    imgs = np.concatenate([rng.integers(0, 256, (70, 32, 32, 3)), _tie_heavy_images(rng, 5).astype(np.uint8)])
    batched = color_histograms_hsv(imgs, nbin=12)
    assert batched.shape == (75, 12)
    assert np.array_equal(batched, np.stack([color_histogram_hsv(im, nbin=12) for im in imgs]))
    assert np.array_equal(color_histogram_hsv(imgs, nbin=12), batched)
    assert np.allclose(batched.sum(axis=1), 1.0, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- extract_features

def test_extract_features_course_usage(rng):
    imgs = rng.integers(0, 256, (23, 32, 32, 3)).astype(np.float64)
    fns = [hog_feature, lambda img: color_histogram_hsv(img, nbin=10)]
    feats = extract_features(imgs, fns, batch_size=5)
    expected = np.stack([np.concatenate([hog_feature(im), color_histogram_hsv(im, nbin=10)]) for im in imgs])
    assert feats.shape == (23, 144 + 10)
    assert feats.dtype == np.float64
    assert np.array_equal(feats, expected)


def test_extract_features_applies_batch_capable_functions_per_chunk(rng):
    imgs = rng.random((10, 16, 16, 3))
    shapes = []

    def spy(img):
        shapes.append(np.shape(img))
        return hog_feature(img)

    feats = extract_features(imgs, [spy], batch_size=4)
    assert np.array_equal(feats, hog_features(imgs))
    batch_calls = [s for s in shapes if len(s) == 4]
    assert [s[0] for s in batch_calls] == [2, 4, 4, 2]  # the two-image probe, then the chunks
    assert len(shapes) == 2 + len(batch_calls)           # plus the two per-image probe calls


def test_extract_features_falls_back_to_per_image_functions(rng):
    imgs = rng.random((7, 8, 8, 3))

    def mean_color(img):  # on a batch it silently returns the wrong shape
        return img.mean(axis=(0, 1))

    def strict(img):
        if img.ndim != 3:
            raise TypeError("one image at a time")
        return np.array([img.max()])

    feats = extract_features(imgs, [mean_color, strict], batch_size=3)
    assert np.allclose(feats[:, :3], imgs.mean(axis=(1, 2)), rtol=1e-13, atol=0)
    assert np.array_equal(feats[:, 3], imgs.max(axis=(1, 2, 3)))


def test_extract_features_verbose_shows_progress(rng, capsys):
    extract_features(rng.random((5, 8, 8, 3)), [hog_feature], verbose=True, batch_size=2)
    captured = capsys.readouterr()
    assert "5" in captured.err + captured.out


def test_extract_features_empty_batch():
    assert extract_features(np.zeros((0, 32, 32, 3)), [hog_feature]).shape == (0, 0)


# --------------------------------------------------------------------------- errors

def test_feature_errors(rng):
    with pytest.raises(ValueError, match=r"at least 8x8 pixels.*got 7x9"):
        hog_feature(np.zeros((7, 9, 3)))
    with pytest.raises(ValueError, match=r"C = 1 or C >= 3, got shape \(1, 8, 8, 2\)"):
        hog_feature(np.zeros((8, 8, 2)))
    with pytest.raises(ValueError, match=r"expected an image \(H, W, C\) or \(H, W\).*got shape \(64,\)"):
        hog_feature(np.zeros(64))
    with pytest.raises(TypeError, match="must hold numbers, got dtype"):
        hog_features(np.full((1, 8, 8, 3), "a"))
    with pytest.raises(ValueError, match=r"expected an RGB image \(H, W, 3\).*got shape \(8, 8\)"):
        color_histogram_hsv(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"color_histograms_hsv: nbin must be an integer >= 1, got 0"):
        color_histogram_hsv(np.zeros((8, 8, 3)), nbin=0)
    with pytest.raises(ValueError, match="need finite xmin < xmax.*xmin=10, xmax=10"):
        color_histogram_hsv(np.zeros((8, 8, 3)), xmin=10, xmax=10)
    with pytest.raises(ValueError, match="feature_fns is empty"):
        extract_features(np.zeros((2, 8, 8, 3)), [])
    with pytest.raises(ValueError, match=r"expected a batch of images \(N, H, W, C\), got shape \(8, 8\)"):
        extract_features(np.zeros((8, 8)), [hog_feature])
    with pytest.raises(ValueError, match=r"'flat' must return a 1-D vector, got shape \(8, 3\)"):
        def flat(img):
            return img[0]
        extract_features(rng.random((3, 8, 8, 3)), [flat])
