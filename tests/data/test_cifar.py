"""CIFAR-10 loading from fake releases written by the tests: layout, splits, validation, caching."""

import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from layerwise.data import (
    CIFAR10_CLASSES,
    DataFileError,
    get_CIFAR10_data,
    load_CIFAR10,
)

OFFICIAL_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
BATCHES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]


def pixel(n, c, h, w):
    """The value the hand-made release stores for image n, channel c, row h, column w."""
    return (7 * n + 60 * c + 3 * h + 5 * w) % 256


def handmade_rows(first, count):
    """Image rows laid out as the CIFAR README says: 1024 red, 1024 green, 1024 blue, row-major."""
    rows = np.zeros((count, 3072), np.uint8)
    for i in range(count):
        for c in range(3):
            for h in range(32):
                for w in range(32):
                    rows[i, 1024 * c + 32 * h + w] = pixel(first + i, c, h, w)
    return rows


def write_handmade(folder, per_batch=3):
    """cifar-10-batches-py written with plain pickle (bytes keys, protocol 2)."""
    folder.mkdir(parents=True)
    meta = {b"num_cases_per_batch": per_batch, b"label_names": [c.encode() for c in OFFICIAL_CLASSES], b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    labels = {}
    for b, name in enumerate(BATCHES):
        y = [(b * per_batch + i) % 10 for i in range(per_batch)]
        labels[name] = y
        d = {b"batch_label": b"x", b"labels": y, b"data": handmade_rows(b * per_batch, per_batch), b"filenames": []}
        (folder / name).write_bytes(pickle.dumps(d, protocol=2))
    return labels


def rewrite_batch(folder, name, **changes):
    """Load a batch with plain pickle (we wrote it), change entries, write it back."""
    d = pickle.loads((folder / name).read_bytes())
    d.update({k.encode(): v for k, v in changes.items()})
    (folder / name).write_bytes(pickle.dumps(d, protocol=2))


def test_class_names_are_the_official_ones():
    assert CIFAR10_CLASSES == OFFICIAL_CLASSES


def test_handmade_layout_is_rgb_planes_to_nhwc(tmp_path):
    labels = write_handmade(tmp_path / "cifar-10-batches-py", per_batch=3)
    Xtr, Ytr, Xte, Yte = load_CIFAR10(tmp_path)
    assert Xtr.shape == (15, 32, 32, 3) and Xte.shape == (3, 32, 32, 3)
    assert Xtr.dtype == np.float64 and Xte.dtype == np.float64  # the course's dtype by default
    assert Ytr.dtype == np.int64 and Yte.dtype == np.int64
    assert Xtr.flags.c_contiguous
    for n, h, w, c in [(0, 0, 0, 0), (4, 31, 0, 2), (14, 5, 17, 1), (9, 31, 31, 2)]:
        assert Xtr[n, h, w, c] == pixel(n, c, h, w)
    assert Xte[2, 7, 30, 1] == pixel(17, 1, 7, 30)
    assert Ytr.tolist() == sum((labels[b] for b in BATCHES[:5]), [])
    assert Yte.tolist() == labels["test_batch"]


def test_dtype_option(tmp_path):
    write_handmade(tmp_path / "cifar-10-batches-py", per_batch=2)
    Xtr, _, Xte, _ = load_CIFAR10(tmp_path, dtype=np.float32)
    assert Xtr.dtype == np.float32 and Xte.dtype == np.float32
    assert Xtr[1, 2, 3, 1] == pixel(1, 1, 2, 3)


@pytest.mark.parametrize("which", ["fake10_tar", "fake10_dir"])
def test_archive_and_folder_match_what_was_written(which, request):
    fake = request.getfixturevalue(which)
    root = fake["path"].parent
    Xtr, Ytr, Xte, Yte = load_CIFAR10(root)
    assert Xtr.shape == (100, 32, 32, 3) and Xte.shape == (20, 32, 32, 3)
    expected = fake["x_train"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(Xtr, expected)
    np.testing.assert_array_equal(Xte, fake["x_test"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(Ytr, fake["y_train"])
    np.testing.assert_array_equal(Yte, fake["y_test"])


def test_root_may_be_the_archive_or_the_batches_folder(fake10_tar, fake10_dir):
    Xa, ya, _, _ = load_CIFAR10(fake10_tar["path"])  # .../cifar-10-python.tar.gz
    np.testing.assert_array_equal(ya, fake10_tar["y_train"])
    Xd, yd, _, _ = load_CIFAR10(fake10_dir["path"])  # .../cifar-10-batches-py
    np.testing.assert_array_equal(yd, fake10_dir["y_train"])
    assert not np.array_equal(Xa, Xd)  # two different fake sets (different seeds)


def test_environment_variable_and_default_home(fake10_tar, no_data_env, monkeypatch):
    monkeypatch.setenv("LAYERWISE_DATA", str(fake10_tar["path"].parent))
    np.testing.assert_array_equal(load_CIFAR10()[1], fake10_tar["y_train"])
    monkeypatch.delenv("LAYERWISE_DATA")
    cache = no_data_env / ".cache" / "layerwise"
    cache.mkdir(parents=True)
    os.replace(fake10_tar["path"], cache / "cifar-10-python.tar.gz")
    np.testing.assert_array_equal(load_CIFAR10()[3], fake10_tar["y_test"])


def test_folder_is_preferred_over_archive(tmp_path):
    from layerwise.data import write_fake_cifar10

    in_dir = write_fake_cifar10(tmp_path, num_per_batch=4, seed=5, archive=False)
    write_fake_cifar10(tmp_path, num_per_batch=4, seed=6, archive=True)
    np.testing.assert_array_equal(load_CIFAR10(tmp_path)[1], in_dir["y_train"])


def test_missing_data_set_says_where_and_how_to_fix(no_data_env, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar-10-python\.tar\.gz.*LAYERWISE_DATA.*download_cifar10"):
        load_CIFAR10(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"\$LAYERWISE_DATA is not set"):
        get_CIFAR10_data()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_CIFAR10(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match=r"not a \.tar\.gz archive"):
        load_CIFAR10(tmp_path / "notes.txt")


# --------------------------------------------------------------------------- get_CIFAR10_data


def test_get_data_split_and_mean_follow_the_course(fake10_tar):
    root = fake10_tar["path"]
    data = get_CIFAR10_data(num_training=70, num_validation=20, num_test=15, root=root)
    # The course's recipe, on the float64 NHWC arrays.
    Xtr, Ytr, Xte, Yte = load_CIFAR10(root)
    X_train, X_val, X_test = Xtr[:70], Xtr[70:90], Xte[:15]
    mean = X_train.mean(axis=0)
    expected = {
        "X_train": (X_train - mean).transpose(0, 3, 1, 2),
        "X_val": (X_val - mean).transpose(0, 3, 1, 2),
        "X_test": (X_test - mean).transpose(0, 3, 1, 2),
        "y_train": Ytr[:70], "y_val": Ytr[70:90], "y_test": Yte[:15],
    }  # fmt: skip
    for key, value in expected.items():
        assert data[key].shape == value.shape, key
        np.testing.assert_allclose(data[key], value, rtol=0, atol=2e-4, err_msg=key)
    for key in ("X_train", "X_val", "X_test"):
        assert data[key].dtype == np.float32 and data[key].flags.c_contiguous
    for key in ("y_train", "y_val", "y_test"):
        assert data[key].dtype == np.int64
    np.testing.assert_allclose(data.mean_image, mean.transpose(2, 0, 1), atol=1e-4)
    assert data.mean_image.shape == (3, 32, 32)
    assert data.class_names == OFFICIAL_CLASSES
    assert abs(data["X_train"].mean(axis=0)).max() < 1e-3  # centered on the training part


def test_get_data_dict_holds_only_the_six_split_arrays(fake10_tar):
    data = get_CIFAR10_data(num_training=30, num_validation=10, num_test=5, root=fake10_tar["path"])
    lines = [f"{k}: {v.shape}" for k, v in data.items()]  # the courses' first data cell
    assert lines == [
        "X_train: (30, 3, 32, 32)", "y_train: (30,)", "X_val: (10, 3, 32, 32)",
        "y_val: (10,)", "X_test: (5, 3, 32, 32)", "y_test: (5,)",
    ]  # fmt: skip
    copy = data.copy()
    copy["y_train"] = copy["y_train"][:3]
    assert copy.class_names == data.class_names and copy.mean_image is data.mean_image
    assert data["y_train"].shape == (30,) and data.num_classes == 10


def test_get_data_without_mean_subtraction_and_float64(fake10_dir):
    data = get_CIFAR10_data(10, 5, 5, subtract_mean=False, root=fake10_dir["path"], dtype=np.float64)
    rows = fake10_dir["x_train"]
    np.testing.assert_array_equal(data["X_train"], rows[:10].reshape(-1, 3, 32, 32))
    np.testing.assert_array_equal(data["X_val"], rows[10:15].reshape(-1, 3, 32, 32))
    assert data["X_train"].dtype == np.float64


def test_get_data_defaults_are_the_course_split(fake10_tar):
    with pytest.raises(ValueError, match=r"num_training must be an integer in \[1, 100\], got 49000"):
        get_CIFAR10_data(root=fake10_tar["path"])
    with pytest.raises(ValueError, match=r"num_validation must be an integer in \[0, 10\], got 11"):
        get_CIFAR10_data(90, 11, root=fake10_tar["path"])
    with pytest.raises(ValueError, match=r"num_test must be an integer in \[0, 20\], got 21"):
        get_CIFAR10_data(90, 10, 21, root=fake10_tar["path"])
    with pytest.raises(ValueError, match="float type"):
        get_CIFAR10_data(90, 10, 20, root=fake10_tar["path"], dtype=np.int32)


def test_results_are_independent_copies(fake10_tar):
    root = fake10_tar["path"]
    Xtr, Ytr, _, _ = load_CIFAR10(root)
    Xtr[:] = -1
    Ytr[:] = -1
    Xtr2, Ytr2, _, _ = load_CIFAR10(root)  # from the in-process cache, unharmed
    np.testing.assert_array_equal(Ytr2, fake10_tar["y_train"])
    assert Xtr2.min() >= 0


def test_replaced_archive_is_read_again(tmp_path):
    from layerwise.data import write_fake_cifar10

    first = write_fake_cifar10(tmp_path, num_per_batch=5, seed=10)
    np.testing.assert_array_equal(load_CIFAR10(tmp_path)[1], first["y_train"])
    second = write_fake_cifar10(tmp_path, num_per_batch=5, seed=11)
    np.testing.assert_array_equal(load_CIFAR10(tmp_path)[1], second["y_train"])


# --------------------------------------------------------------------------- validation


@pytest.fixture
def batches(fake10_dir):
    return fake10_dir["path"]


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"data": np.zeros((20, 3072), np.float32)},
            r"'data' should be a uint8 array of shape \(20, 3072\), got a float32",
        ),
        ({"data": np.zeros((19, 3072), np.uint8)}, r"shape \(20, 3072\), got a uint8 array of shape \(19, 3072\)"),
        ({"data": np.zeros((20, 1024), np.uint8)}, r"shape \(20, 3072\)"),
        ({"data": [1, 2, 3]}, r"'data' should be a uint8 array.*got list"),
        ({"labels": [0] * 19}, r"'labels' should hold 20 integer labels"),
        ({"labels": [0] * 19 + [10]}, r"labels in \[0, 10\], expected 0\.\.9"),
        ({"labels": [0] * 19 + [-1]}, r"labels in \[-1, 0\], expected 0\.\.9"),
        ({"labels": [0.5] * 20}, r"integer labels"),
    ],
)
def test_bad_batch_contents_are_reported(batches, changes, message):
    rewrite_batch(batches, "data_batch_3", **changes)
    with pytest.raises(DataFileError, match=message) as info:
        load_CIFAR10(batches)
    assert "data_batch_3" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_key_and_wrong_object(batches):
    d = pickle.loads((batches / "data_batch_2").read_bytes())
    del d[b"data"]
    (batches / "data_batch_2").write_bytes(pickle.dumps(d, protocol=2))
    with pytest.raises(DataFileError, match=r"data_batch_2 has no 'data' entry"):
        load_CIFAR10(batches)
    (batches / "data_batch_2").write_bytes(pickle.dumps([1, 2], protocol=2))
    with pytest.raises(DataFileError, match=r"data_batch_2 should hold a dict, got list"):
        load_CIFAR10(batches)


def test_wrong_meta_is_reported(batches):
    meta = {b"num_cases_per_batch": 20, b"label_names": [b"a"] * 10, b"num_vis": 3072}
    (batches / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    with pytest.raises(DataFileError, match="not the CIFAR-10 classes"):
        load_CIFAR10(batches)


def test_truncated_pickle_is_reported(batches):
    blob = (batches / "data_batch_4").read_bytes()
    (batches / "data_batch_4").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataFileError, match=r"data_batch_4 is corrupt or truncated"):
        load_CIFAR10(batches)


def test_missing_batch_file_is_reported(batches):
    (batches / "data_batch_1").unlink()
    (batches / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_1, .*test_batch missing.*incomplete"):
        load_CIFAR10(batches)  # the folder itself
    with pytest.raises(FileNotFoundError, match=r"test_batch missing"):
        load_CIFAR10(batches.parent)  # the folder holding it


def test_truncated_archive_is_reported(fake10_tar):
    path = fake10_tar["path"]
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataFileError, match=r"cifar-10-python\.tar\.gz is corrupt or truncated"):
        load_CIFAR10(path)
    path.write_bytes(b"\x1f\x8b" + os.urandom(200))  # gzip magic, garbage after
    with pytest.raises(DataFileError, match="corrupt or truncated"):
        load_CIFAR10(path)


def test_archive_missing_a_member_is_reported(tmp_path, fake10_dir):
    path = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name in ["batches.meta"] + BATCHES[:-1]:  # no test_batch
            tf.add(fake10_dir["path"] / name, arcname=f"cifar-10-batches-py/{name}")
    with pytest.raises(DataFileError, match=r"has no member named test_batch"):
        load_CIFAR10(path)


def test_malicious_batch_in_archive_is_refused(tmp_path, fake10_dir):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "cifar-10-python.tar.gz"
    evil = pickle.dumps({b"data": Evil()}, protocol=2)
    with tarfile.open(path, "w:gz") as tf:
        for name in ["batches.meta"] + BATCHES:
            data = evil if name == "data_batch_1" else (fake10_dir["path"] / name).read_bytes()
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    refused = r"refusing to load global '(posix|nt|os)\.system' from data_batch_1"
    with pytest.raises(pickle.UnpicklingError, match=refused):
        load_CIFAR10(path)
    assert not marker.exists()
