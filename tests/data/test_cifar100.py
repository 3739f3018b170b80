"""CIFAR-100 loading: python and MATLAB releases, folders and archives, the course's data dict."""

import os
import pickle
import sys

import numpy as np
import pytest

from layerwise.data import (
    CIFAR100_data,
    CIFAR100_label_names,
    DataFileError,
    load_CIFAR100,
    write_fake_cifar100,
)

# The published label names of CIFAR-100, in label order.
COARSE = (
    "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
    "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
    "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
    "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
    "vehicles_1", "vehicles_2",
)  # fmt: skip
FINE = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
    "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
    "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
    "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
    "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
    "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
    "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
    "squirrel", "streetcar", "sunflower", "sweet_pepper", "table",
    "tank", "telephone", "television", "tiger", "tractor",
    "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
)  # fmt: skip

RELEASES = [("python", False), ("python", True), ("matlab", False), ("matlab", True)]


def test_name_lists_are_complete():
    assert len(COARSE) == 20 and len(set(COARSE)) == 20
    assert len(FINE) == 100 and len(set(FINE)) == 100 and list(FINE) == sorted(FINE)


def write(root, fmt="python", archive=False, **kw):
    return write_fake_cifar100(root, fmt=fmt, archive=archive, fine_names=FINE, coarse_names=COARSE, **kw)


@pytest.fixture(params=RELEASES, ids=[f"{f}-{'tar' if a else 'dir'}" for f, a in RELEASES])
def fake(request, tmp_path):
    fmt, archive = request.param
    if fmt == "matlab":
        pytest.importorskip("scipy")
    return write(tmp_path, fmt, archive, num_train=200, num_test=100, seed=3)


def test_images_labels_and_names_round_trip(fake, tmp_path):
    Xtr, Ytr, Xte, Yte, names = load_CIFAR100(tmp_path, label_mode="fine", return_names=True)
    assert Xtr.shape == (200, 32, 32, 3) and Xte.shape == (100, 32, 32, 3)
    assert Xtr.dtype == np.float64 and Ytr.dtype == np.int64 and Yte.dtype == np.int64
    rng = np.random.default_rng(0)
    picks = zip(rng.integers(0, 200, 50), rng.integers(0, 32, 50), rng.integers(0, 32, 50), rng.integers(0, 3, 50))
    for n, h, w, c in picks:
        assert Xtr[n, h, w, c] == fake["x_train"][n, 1024 * c + 32 * h + w]
    np.testing.assert_array_equal(Xte, fake["x_test"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(Ytr, fake["fine_train"])
    np.testing.assert_array_equal(Yte, fake["fine_test"])
    assert names == FINE

    _, Ctr, _, Cte = load_CIFAR100(tmp_path, "coarse", dtype=np.float32)
    np.testing.assert_array_equal(Ctr, fake["coarse_train"])
    np.testing.assert_array_equal(Cte, fake["coarse_test"])
    assert CIFAR100_label_names(tmp_path) == COARSE
    assert CIFAR100_label_names(tmp_path, "fine") == FINE
    # Root may also be the release itself (folder or archive).
    np.testing.assert_array_equal(load_CIFAR100(fake["path"], "coarse")[1], fake["coarse_train"])


def test_course_data_dict(fake, tmp_path):
    data = CIFAR100_data(tmp_path, num_validation=40)
    assert set(data) == {
        "data_train", "labels_train", "data_val", "labels_val", "data_test", "labels_test",
        "label_names", "mean_image", "std_image",
    }  # fmt: skip
    assert data["data_train"].shape == (160, 32, 32, 3)
    assert data["data_val"].shape == (40, 32, 32, 3)
    assert data["data_test"].shape == (100, 32, 32, 3)
    assert data["mean_image"].shape == (1, 1, 1, 3) and data["std_image"].shape == (1, 1, 1, 3)
    assert data["label_names"] == list(COARSE)
    for key in ("data_train", "data_val", "data_test", "mean_image", "std_image"):
        assert data[key].dtype == np.float32, key
    np.testing.assert_array_equal(data["labels_train"], fake["coarse_train"][:160])
    np.testing.assert_array_equal(data["labels_val"], fake["coarse_train"][160:])
    np.testing.assert_array_equal(data["labels_test"], fake["coarse_test"])

    # Independent float64 reference: scale to [0, 1], per-channel statistics of the training part.
    images = fake["x_train"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1) / 255.0
    test = fake["x_test"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1) / 255.0
    mean = images[:160].mean(axis=(0, 1, 2), keepdims=True)
    std = images[:160].std(axis=(0, 1, 2), keepdims=True)
    np.testing.assert_allclose(data["mean_image"], mean, rtol=1e-6)
    np.testing.assert_allclose(data["std_image"], std, rtol=1e-6)
    np.testing.assert_allclose(data["data_train"], (images[:160] - mean) / std, atol=1e-5)
    np.testing.assert_allclose(data["data_val"], (images[160:] - mean) / std, atol=1e-5)
    np.testing.assert_allclose(data["data_test"], (test - mean) / std, atol=1e-5)
    assert data["data_train"].flags.c_contiguous
    np.testing.assert_allclose(data["data_train"].mean(axis=(0, 1, 2), dtype=np.float64), 0, atol=1e-6)
    np.testing.assert_allclose(data["data_train"].std(axis=(0, 1, 2), dtype=np.float64), 1, atol=1e-6)


def test_course_data_dict_fine_labels(tmp_path):
    fake = write(tmp_path, num_train=120, num_test=10)
    data = CIFAR100_data(tmp_path, label_mode="fine", num_validation=20, dtype=np.float64)
    assert data["label_names"] == list(FINE) and data["data_train"].dtype == np.float64
    np.testing.assert_array_equal(data["labels_val"], fake["fine_train"][100:])


def test_default_split_needs_the_full_data_set(tmp_path):
    write(tmp_path, num_train=200, num_test=10)
    with pytest.raises(ValueError, match=r"num_validation must be an integer in \[0, 199\], got 10000"):
        CIFAR100_data(tmp_path)


def test_matlab_char_matrix_names_are_stripped(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    fake = write(tmp_path, "matlab", num_train=100, num_test=10)
    # savemat stores a list of strings as a space-padded char matrix rather than a cell array.
    scipy_io.savemat(fake["path"] / "meta.mat", {"fine_label_names": list(FINE), "coarse_label_names": list(COARSE)})
    assert CIFAR100_label_names(tmp_path, "fine") == FINE
    assert CIFAR100_label_names(tmp_path, "coarse") == COARSE


def test_matlab_release_without_scipy_says_what_to_install(tmp_path, monkeypatch):
    pytest.importorskip("scipy")
    write(tmp_path, "matlab", num_train=100, num_test=10)
    monkeypatch.setitem(sys.modules, "scipy.io", None)  # makes `from scipy.io import ...` fail
    with pytest.raises(ImportError, match=r"pip install scipy"):
        load_CIFAR100(tmp_path)


def test_corrupt_mat_file_is_reported(tmp_path):
    pytest.importorskip("scipy")
    fake = write(tmp_path, "matlab", num_train=100, num_test=10)
    blob = (fake["path"] / "train.mat").read_bytes()
    (fake["path"] / "train.mat").write_bytes(blob[: len(blob) // 3])
    with pytest.raises(DataFileError, match=r"train\.mat is corrupt or truncated"):
        load_CIFAR100(tmp_path)


def test_bad_labels_are_reported(tmp_path):
    fake = write(tmp_path, num_train=100, num_test=10)
    d = pickle.loads((fake["path"] / "train").read_bytes())
    d[b"fine_labels"][7] = 100
    (fake["path"] / "train").write_bytes(pickle.dumps(d, protocol=2))
    with pytest.raises(DataFileError, match=r"train: 'fine_labels' has labels in \[0, 100\], expected 0\.\.99"):
        load_CIFAR100(tmp_path)
    d[b"fine_labels"] = d[b"fine_labels"][:-1]
    (fake["path"] / "train").write_bytes(pickle.dumps(d, protocol=2))
    with pytest.raises(DataFileError, match=r"'fine_labels' should hold 100 integer labels"):
        load_CIFAR100(tmp_path)


def test_bad_names_are_reported(tmp_path):
    fake = write(tmp_path, num_train=100, num_test=10)
    meta = {b"fine_label_names": [b"x"] * 99, b"coarse_label_names": [s.encode() for s in COARSE]}
    (fake["path"] / "meta").write_bytes(pickle.dumps(meta, protocol=2))
    with pytest.raises(DataFileError, match=r"'fine_label_names' should list 100 names, got 99"):
        load_CIFAR100(tmp_path)


def test_missing_file_in_release_folder(tmp_path):
    fake = write(tmp_path, num_train=100, num_test=10)
    (fake["path"] / "test").unlink()
    with pytest.raises(FileNotFoundError, match=r"cifar-100-python/test missing"):
        load_CIFAR100(tmp_path)


def test_malicious_meta_is_refused(tmp_path):
    fake = write(tmp_path, num_train=100, num_test=10)
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (fake["path"] / "meta").write_bytes(pickle.dumps({b"fine_label_names": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load global .*system.*cifar-100-python/meta"):
        load_CIFAR100(tmp_path)
    assert not marker.exists()


def test_label_mode_and_missing_data_errors(tmp_path, no_data_env):
    with pytest.raises(ValueError, match=r"label_mode should be 'coarse' .* or 'fine' .*, got 'medium'"):
        load_CIFAR100(tmp_path, label_mode="medium")
    with pytest.raises(FileNotFoundError, match=r"CIFAR-100 not found.*cifar-100-python\.tar\.gz.*download_cifar100"):
        load_CIFAR100(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"LAYERWISE_DATA"):
        CIFAR100_data()


@pytest.mark.cifar
@pytest.mark.slow
def test_real_cifar100():
    """The real release from $LAYERWISE_DATA; skipped when it is not there."""
    root = os.environ.get("LAYERWISE_DATA")
    releases = ("cifar-100-python.tar.gz", "cifar-100-python", "cifar-100-matlab", "cifar-100-matlab.tar.gz")
    if not root or not any(os.path.exists(os.path.join(root, r)) for r in releases):
        pytest.skip(f"no CIFAR-100 release in $LAYERWISE_DATA={root!r}")
    Xtr, Ytr, Xte, Yte, names = load_CIFAR100(root, "fine", dtype=np.float32, return_names=True)
    assert Xtr.shape == (50000, 32, 32, 3) and Xte.shape == (10000, 32, 32, 3)
    assert names == FINE and CIFAR100_label_names(root, "coarse") == COARSE
    np.testing.assert_array_equal(np.bincount(Ytr, minlength=100), np.full(100, 500))
    np.testing.assert_array_equal(np.bincount(Yte, minlength=100), np.full(100, 100))
    _, Ctr, _, Cte = load_CIFAR100(root, "coarse", dtype=np.float32)
    np.testing.assert_array_equal(np.bincount(Ctr, minlength=20), np.full(20, 2500))
    np.testing.assert_array_equal(np.bincount(Cte, minlength=20), np.full(20, 500))
    # Every fine class belongs to exactly one superclass.
    pairs = set(zip(Ytr.tolist(), Ctr.tolist()))
    assert len(pairs) == 100
