"""Pickle-free, atomic, integrity-checked checkpoints.

A checkpoint is a tree of dicts and lists whose leaves are numbers, strings,
``None``, NumPy scalars or numeric NumPy arrays.  It is stored as two files::

    NAME.json                    the tree, arrays replaced by references, its own
                                 SHA-256, the format version and the SHA-256 of ...
    NAME.arrays-<hex12>.npz      ... the arrays (uncompressed, no pickles)

The JSON file is human-readable and is the commit point: the arrays file is
written under a fresh name first (temporary file, fsync, ``os.replace``), then
the JSON file is replaced atomically, then older arrays files of the same
checkpoint are removed.  A crash at any moment therefore leaves either the old
or the new checkpoint complete.  Loading verifies the checksum and reads the
arrays with ``allow_pickle=False``; a corrupt, truncated or mismatched pair
raises :class:`CheckpointError` (a ``ValueError``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import zipfile
from pathlib import Path

import numpy as np

from .fileio import atomic_open, atomic_write_bytes, atomic_write_json, json_ready

__all__ = ["CheckpointError", "checkpoint_path", "checkpoint_files", "save_checkpoint", "load_checkpoint",
           "FORMAT", "VERSION", "save_bundle", "load_bundle", "save_verified_json", "load_verified_json",
           "MODEL_STATE", "model_state", "restore_model_state", "load_params", "copy_into"]

FORMAT = "layerwise-checkpoint"
VERSION = 2  # 2: the JSON state is checksummed too

_ARRAY = "__ndarray__"
_SCALAR = "__npscalar__"


class CheckpointError(ValueError):
    """A checkpoint is corrupt, truncated, of an unknown format, or does not
    match the model it is loaded into."""


def checkpoint_path(name) -> Path:
    """The JSON file of checkpoint ``name`` (``'run/ckpt'`` or ``'run/ckpt.json'``)."""
    path = Path(name)
    return path if path.suffix == ".json" else path.with_name(path.name + ".json")


def checkpoint_files(name) -> list[Path]:
    """The two files of checkpoint ``name``: its JSON document and the arrays file it names."""
    json_path = checkpoint_path(name)
    try:
        arrays = json.loads(json_path.read_bytes().decode("utf-8"))["arrays"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{json_path} is not a readable checkpoint ({exc})") from None
    return [json_path, json_path.parent / Path(arrays).name]


def save_checkpoint(name, state: dict, fsync: bool = True) -> Path:
    """Write ``state`` atomically as checkpoint ``name``; return the JSON path."""
    json_path = checkpoint_path(name)
    folder = json_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    stem = json_path.name[: -len(".json")]

    arrays: dict[str, np.ndarray] = {}
    tree = _encode(state, "", arrays)

    npz_name = f"{stem}.arrays-{secrets.token_hex(6)}.npz"
    digest = _write_and_hash(folder / npz_name, lambda f: _write_npz(f, arrays), fsync)
    doc = {"format": FORMAT, "version": VERSION, "arrays": npz_name, "sha256": digest,
           "state_sha256": _tree_digest(tree), "state": tree}
    text = json.dumps(doc, indent=1).encode("utf-8")
    atomic_write_bytes(json_path, text, fsync=fsync)
    if fsync:
        _fsync_dir(folder)

    # Only now is the new pair committed: remove superseded arrays and leftovers.
    arrays_file = rf"{re.escape(stem)}\.arrays-[0-9a-f]{{12}}\.npz"
    stale = re.compile(rf"{arrays_file}|\.({arrays_file}|{re.escape(stem)}\.json)\.[A-Za-z0-9_]+\.tmp")
    for entry in os.scandir(folder):
        if entry.name != npz_name and stale.fullmatch(entry.name):
            try:
                os.unlink(entry.path)
            except OSError:
                pass
    return json_path


def load_checkpoint(name) -> dict:
    """Read and verify checkpoint ``name``; return the state tree."""
    json_path = checkpoint_path(name)
    if not json_path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {json_path}; pass the path of a checkpoint's .json file "
            "(or its name without the suffix)"
        )
    try:
        doc = json.loads(json_path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(
            f"checkpoint {json_path} is corrupt or truncated (not valid JSON: {err}); "
            "resume from another checkpoint or start the run again"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"{json_path} is not a layerwise checkpoint (expected format {FORMAT!r})")
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise CheckpointError(
            f"checkpoint {json_path} has format version {doc.get('version')!r}; this version of "
            f"layerwise reads versions up to {VERSION}: upgrade layerwise"
        )
    npz_name = doc.get("arrays")
    if not isinstance(npz_name, str) or Path(npz_name).name != npz_name or "state" not in doc:
        raise CheckpointError(f"checkpoint {json_path} is malformed (bad 'arrays' or missing 'state' entry)")
    if doc["version"] >= 2 and doc.get("state_sha256") != _tree_digest(doc["state"]):
        raise CheckpointError(
            f"checkpoint {json_path} has been modified or is corrupt: its state does not match the SHA-256 "
            "recorded in it; resume from another checkpoint or start the run again"
        )
    npz_path = json_path.parent / npz_name
    try:
        data = npz_path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(
            f"{npz_path} is missing (checkpoint {json_path} refers to it); "
            "keep the .json and .npz files of a checkpoint together"
        ) from None
    if hashlib.sha256(data).hexdigest() != doc.get("sha256"):
        raise CheckpointError(
            f"checkpoint arrays {npz_path} do not match the SHA-256 recorded in {json_path.name}: "
            "the file is corrupt or truncated; resume from another checkpoint or start again"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"cannot read checkpoint arrays {npz_path}: {err}") from None
    return _decode(doc["state"], arrays, json_path)


# --------------------------------------------------------------------------- one-file bundles

BUNDLE_FORMAT = "layerwise-bundle"
_META = "__layerwise__"


def save_bundle(path, state: dict, fsync: bool = True) -> Path:
    """Write ``state`` as ONE pickle-free ``.npz``: its arrays plus a JSON member holding the tree and a
    SHA-256 over the tree and every array, written atomically.  For files a user keeps (saved models)."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(state, "", arrays)
    meta = {"format": BUNDLE_FORMAT, "version": 1, "sha256": _bundle_digest(tree, arrays), "state": tree}
    members = {**arrays, _META: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
    with atomic_open(path, "wb", fsync=fsync) as f:
        _write_npz(f, members)
    return Path(path)


def load_bundle(path) -> dict:
    """Read and verify a file written by :func:`save_bundle`; a damaged or altered one raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":       # NumPy would take any other file for a pickle
            raise CheckpointError(f"{path} is not a layerwise file or is corrupt or truncated (it is not an .npz "
                                  "archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as err:
        if "allow_pickle" in str(err):        # an object array; NumPy's advice (allow pickles) is what not to do
            raise CheckpointError(f"{path} holds pickled Python objects, which layerwise never loads (unpickling "
                                  "can run code); it was not written by layerwise") from None
        raise CheckpointError(f"{path} is not a layerwise file or is corrupt or truncated ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != BUNDLE_FORMAT or "state" not in meta:
        raise CheckpointError(f"{path} is not a layerwise file (expected format {BUNDLE_FORMAT!r})")
    if meta.get("sha256") != _bundle_digest(meta["state"], arrays):
        raise CheckpointError(f"{path} has been modified or is corrupt: its contents do not match the SHA-256 "
                              "recorded in it")
    return _decode(meta["state"], arrays, path)


def _bundle_digest(tree, arrays) -> str:
    digest = hashlib.sha256(_tree_digest(tree).encode())
    for key in sorted(arrays):
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- checksummed JSON

_SHA_KEY = "sha256"


def save_verified_json(path, doc: dict, fsync: bool = True) -> Path:
    """Write the JSON object ``doc`` atomically with one more key, ``"sha256"``, the digest of the rest
    (a person can still read it; :func:`load_verified_json` notices any change)."""
    doc = json_ready(doc)
    if _SHA_KEY in doc:
        raise ValueError(f"a verified JSON document cannot have its own {_SHA_KEY!r} key")
    return atomic_write_json(path, {**doc, _SHA_KEY: _tree_digest(doc)}, fsync=fsync)


def load_verified_json(path) -> dict:
    """The object :func:`save_verified_json` wrote at ``path`` (without its ``"sha256"``), after checking it;
    a missing file raises FileNotFoundError, a damaged or edited one :class:`CheckpointError`, naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path} is damaged (not valid JSON: {err}); restore it from a copy") from None
    recorded = doc.pop(_SHA_KEY, None) if isinstance(doc, dict) else None
    if recorded is None:
        raise CheckpointError(f"{path} is damaged or was not written by layerwise (no {_SHA_KEY!r} checksum); "
                              "restore it from a copy")
    if recorded != _tree_digest(doc):
        raise CheckpointError(f"{path} has been modified or is corrupt: its contents do not match the SHA-256 "
                              "recorded in it; restore it from a copy")
    return doc


# --------------------------------------------------------------------------- encoding


def _tree_digest(tree) -> str:
    """SHA-256 of the state tree in one canonical JSON spelling (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(tree, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _encode(obj, path, arrays):
    """Replace arrays in ``obj`` by references into ``arrays`` (keyed by tree path)."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"checkpoint keys must be strings; got {key!r} under {path or 'the root'!r}")
            out[key] = _encode(value, f"{path}/{key}" if path else key, arrays)
        return out
    if isinstance(obj, (list, tuple)):
        return [_encode(value, f"{path}/{i}", arrays) for i, value in enumerate(obj)]
    if isinstance(obj, (np.ndarray, np.generic)):
        array = np.asarray(obj)
        if array.dtype.hasobject:
            raise TypeError(f"cannot store the object array at {path!r} in a pickle-free checkpoint")
        key, n = path, 1
        while key in arrays:
            key, n = f"{path}#{n}", n + 1
        arrays[key] = array
        return {_ARRAY if isinstance(obj, np.ndarray) else _SCALAR: key}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(
        f"cannot store a {type(obj).__name__} at {path!r} in a checkpoint: only dicts, lists, "
        "numbers, strings, None and numeric arrays are supported"
    )


def _decode(obj, arrays, json_path):
    if isinstance(obj, dict):
        if len(obj) == 1 and (_ARRAY in obj or _SCALAR in obj):
            key = obj.get(_ARRAY, obj.get(_SCALAR))
            if key not in arrays:
                raise CheckpointError(f"checkpoint {json_path} refers to an array {key!r} its .npz lacks")
            return arrays[key] if _ARRAY in obj else arrays[key][()]
        return {key: _decode(value, arrays, json_path) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_decode(value, arrays, json_path) for value in obj]
    return obj


# --------------------------------------------------------------------------- files


def _write_npz(f, arrays):
    """An uncompressed .npz (what ``np.savez`` writes), refusing pickles."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, array in arrays.items():
            with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def _write_and_hash(path: Path, write, fsync: bool) -> str:
    """Write ``path`` atomically with ``write(f)``; return the SHA-256 of the bytes written."""
    with atomic_open(path, "w+b", fsync=fsync) as f:
        write(f)
        f.seek(0)
        sha = hashlib.sha256()
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (best effort; not every platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- models in checkpoints

#: Model attributes holding state dicts that checkpoints save (batchnorm running statistics, dropout settings).
MODEL_STATE = ("bn_params", "dropout_param")


def model_state(model) -> dict:
    """The model's state dicts named in :data:`MODEL_STATE` (references, not copies)."""
    return {a: getattr(model, a) for a in MODEL_STATE if getattr(model, a, None) is not None}


def restore_model_state(model, saved: dict, source="the checkpoint") -> None:
    """Put the state dicts ``saved`` (as :func:`model_state` gives them) back into ``model``.

    Dicts and lists of dicts are updated in place, so the model's layers,
    which hold references to them, see the restored values.
    """
    for attr, value in saved.items():
        current = getattr(model, attr, None)
        if isinstance(current, list) and isinstance(value, list):
            if len(current) != len(value):
                raise CheckpointError(f"{source} has {len(value)} entries in model.{attr} but the model has "
                                      f"{len(current)}; build the same model before resuming")
            for target, values in zip(current, value):
                target.update(values)
        elif isinstance(current, dict) and isinstance(value, dict):
            current.update(value)
        else:
            setattr(model, attr, value)


def load_params(model, saved: dict, source="the checkpoint") -> None:
    """Copy the arrays ``saved`` into ``model.params`` in place, after checking names, shapes and dtypes."""
    params = model.params
    if set(saved) != set(params):
        raise CheckpointError(f"{source} holds parameters {sorted(saved)} but the model has {sorted(params)}; "
                              "build the same model architecture before resuming")
    for name, value in saved.items():
        current = params[name]
        if current.shape != value.shape or current.dtype != value.dtype:
            raise CheckpointError(f"parameter {name!r} is {value.dtype}{list(value.shape)} in {source} but "
                                  f"{current.dtype}{list(current.shape)} in the model; build the same model "
                                  "(same sizes and dtype) before resuming")
    for name, value in saved.items():
        copy_into(params, name, value)


def copy_into(params, name, value) -> None:
    """``params[name] = value``, written into the existing array when it can hold it (views stay valid)."""
    current = params.get(name)
    if isinstance(current, np.ndarray) and current.shape == value.shape and current.flags.writeable:
        np.copyto(current, value)
    else:
        params[name] = np.array(value, copy=True)
