"""Saving and loading every model of ``fbnn`` (MLP, Elman, Jordan, Hopfield) as ``.npz`` files, without
pickle.

One format and one loader. The file is an uncompressed ``.npz`` (zip) archive: one ``.npy`` member per array
of the model's ``state_dict()`` and a JSON header in a 0-d string array ``__fbnn__``::

    {"format": "fbnn", "version": 2, "model": "MLP", "config": {...constructor arguments...}}

A model class takes part by registering itself (:func:`register`) and providing ``get_config()``,
``state_dict()``, the class methods ``array_specs(config)`` (name -> (shape, dtype) of every array, from the
config alone) and ``from_config(config, arrays)``.

Loading trusts nothing before it has checked it, and never allocates more than the file holds: the archive's
directory is read first (every member must be stored uncompressed and lie within the file), then the small
header, then the shape and dtype each array's own ``.npy`` header declares are compared with what the config
implies; only then are the arrays read (``allow_pickle`` is never on) and the model built. Every way a file
can be wrong (not a zip archive, a flipped byte, a pickled or missing array, a wrong shape, NaN weights) is a
``ValueError`` that names the file.

Writes are atomic: the data go to a temporary file in the target directory, which is flushed and then renamed
over the target (``os.replace`` is atomic on POSIX and Windows), so an existing file survives any failure.
Non-finite parameters are refused before anything is written; errors name the target, never the temporary
file; the new file gets the permissions the user's umask gives (``0o666 & ~umask``).
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "FORMAT_VERSION", "load_model", "register", "save_model"]

FORMAT = "fbnn"
"""The ``format`` field of a saved model's header: a file without it is not a saved fbnn model."""
FORMAT_VERSION = 2
"""Version of the file layout; :func:`load_model` refuses versions it does not know (version 1 held MLPs only,
with ``"format": "fbnn.MLP"``, and is still read)."""
_HEADER = "__fbnn__"
_MAX_HEADER_BYTES = 1 << 16  # a header is a few hundred bytes; refuse to read a "header" of gigabytes
_MODELS: dict[str, type] = {}
# Where the built-in models live: a file can be loaded before its model's module was imported. The modules
# import this one (to register), never the other way round, so there is no import cycle.
_BUILTIN = {
    "MLP": "fbnn.network",
    "ElmanRNN": "fbnn.recurrent.rnn",
    "JordanRNN": "fbnn.recurrent.rnn",
    "Hopfield": "fbnn.recurrent.hopfield",
}


def register(kind: str) -> Callable[[type], type]:
    """Class decorator: make a model class savable and loadable under the name ``kind``."""

    def deco(cls: type) -> type:
        _MODELS[kind] = cls
        cls._fbnn_kind = kind  # type: ignore[attr-defined]
        return cls

    return deco


def _check_path(path: object) -> Path:
    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return Path(path)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    directory = path.parent
    if not directory.is_dir():
        raise FileNotFoundError(
            f"cannot save to {str(path)!r}: the directory {str(directory)!r} does not exist"
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot save to {str(path)!r}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # a file object: np.savez adds no ".npz" suffix
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a saved model is an ordinary file
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise type(exc)(exc.errno, f"cannot save to {str(path)!r}: {exc.strerror or exc}") from exc
        raise


def save_model(model: Any, path: str | PathLike) -> None:
    """Write ``model`` (any registered model: MLP, ElmanRNN, JordanRNN, Hopfield) to ``path`` atomically.

    ``path`` is used as given (``.npz`` is the customary suffix). Refuses non-finite parameters before the
    target is touched, so a diverged network never overwrites a good checkpoint.
    """
    kind = getattr(type(model), "_fbnn_kind", None)
    if kind is None or _MODELS.get(kind) is not type(model):
        raise TypeError(
            f"model must be a savable fbnn model ({', '.join(_MODELS)}), got {type(model).__name__}"
        )
    path = _check_path(path)
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory; give a file name such as 'model.npz'")
    arrays = model.state_dict()
    bad = [k for k, v in arrays.items() if v.dtype.kind == "f" and not np.isfinite(v).all()]
    if bad:
        raise ValueError(
            f"refusing to save to {str(path)!r}: the parameters {bad} hold NaN or inf "
            "(did training diverge?); the file was not touched"
        )
    header = {"format": FORMAT, "version": FORMAT_VERSION, "model": kind, "config": model.get_config()}
    out = {_HEADER: np.array(json.dumps(header))}
    out.update({k: np.ascontiguousarray(v) for k, v in arrays.items()})
    _atomic_write(path, out)


def _not_a_model(path: Path, why: str) -> ValueError:
    return ValueError(f"{str(path)!r} is not a valid saved fbnn model: {why}")


def _read_npy_header(f: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f, max_header_size=_MAX_HEADER_BYTES)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f, max_header_size=_MAX_HEADER_BYTES)
    raise ValueError(f".npy format version {version} is not supported")


def _read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple, dtype: np.dtype, name: str, path: Path
) -> np.ndarray:
    """Read one ``.npy`` member after checking that its header declares ``shape`` and ``dtype``."""
    with zf.open(info) as f:
        try:
            got_shape, fortran, got_dtype = _read_npy_header(f)
        except ValueError as exc:
            raise _not_a_model(path, f"array {name!r} is not a readable .npy array ({exc})") from exc
        if got_dtype.hasobject:
            raise _not_a_model(
                path, f"array {name!r} holds Python objects (a pickle), which are never loaded"
            )
        if tuple(got_shape) != tuple(shape) or got_dtype != dtype:
            raise _not_a_model(
                path,
                f"array {name!r} has shape {tuple(got_shape)} and dtype {got_dtype}, expected {tuple(shape)} "
                f"{dtype}",
            )
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if f.tell() + nbytes != info.file_size:
            raise _not_a_model(
                path, f"array {name!r} should take {nbytes} bytes but its member has a different size"
            )
        data = f.read(nbytes)
        f.read()  # reach the end of the member, so that zipfile checks its CRC
    if len(data) != nbytes:
        raise _not_a_model(path, f"array {name!r} is truncated")
    arr = np.frombuffer(data, dtype=dtype)
    return arr.reshape(shape, order="F" if fortran else "C").copy()


def load_model(path: str | PathLike, expect: type | None = None) -> Any:
    """Read a model written by :func:`save_model` (or a model's ``save``); ``expect`` (a model class)
    refuses files that hold another kind of model.

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError`` naming the file if it is not a
    valid saved model.
    """
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {str(path)!r}")
    try:
        with zipfile.ZipFile(path) as zf:
            return _load(zf, path, expect)
    except ValueError as exc:
        if str(path) in str(exc):
            raise
        raise _not_a_model(path, str(exc)) from exc
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError):
            raise
        raise _not_a_model(
            path, f"it cannot be read as an .npz archive ({type(exc).__name__}: {exc})"
        ) from exc


def _load(zf: zipfile.ZipFile, path: Path, expect: type | None) -> Any:
    members = {}
    file_size = path.stat().st_size
    for info in zf.infolist():
        if not info.filename.endswith(".npy"):
            raise _not_a_model(path, f"the archive holds {info.filename!r}, which is not an .npy array")
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > file_size:
            raise _not_a_model(
                path, f"member {info.filename!r} is compressed or claims more bytes than the file has"
            )
        members[info.filename[:-4]] = info
    if _HEADER not in members:
        raise _not_a_model(path, f"it has no {_HEADER!r} header (arrays found: {sorted(members)})")
    if sum(i.file_size for i in members.values()) > file_size:
        raise _not_a_model(path, "its members claim more bytes than the file has")
    hinfo = members.pop(_HEADER)
    try:
        with zf.open(hinfo) as f:
            shape, _, dtype = _read_npy_header(f)
    except ValueError as exc:
        raise _not_a_model(path, f"its header is not a readable .npy array ({exc})") from exc
    if shape != () or dtype.kind != "U" or dtype.itemsize > _MAX_HEADER_BYTES:
        raise _not_a_model(
            path, f"its header must be a short 0-d string, got shape {shape} and dtype {dtype}"
        )
    text = _read_member(zf, hinfo, (), dtype, _HEADER, path)[()]
    try:
        header = json.loads(str(text))
    except ValueError as exc:
        raise _not_a_model(path, f"its header is not valid JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise _not_a_model(path, "its header is not a JSON object")
    if header.get("format") == "fbnn.MLP" and header.get("version") == 1:  # the first layout: MLPs only
        kind = "MLP"
        config = {k: header.get(k) for k in ("sizes", "hidden", "output", "loss", "dtype")}
    elif header.get("format") == FORMAT:
        if header.get("version") != FORMAT_VERSION:
            raise _not_a_model(
                path, f"format version {header.get('version')!r} is not supported (want {FORMAT_VERSION})"
            )
        kind, config = header.get("model"), header.get("config")
    else:
        raise _not_a_model(path, f"its header does not name the format {FORMAT!r}")
    if isinstance(kind, str) and kind not in _MODELS and kind in _BUILTIN:
        importlib.import_module(_BUILTIN[kind])
    cls = _MODELS.get(kind) if isinstance(kind, str) else None
    if cls is None or not isinstance(config, dict):
        raise _not_a_model(path, f"its header names no known model ({kind!r}; known: {sorted(_MODELS)})")
    if expect is not None and cls is not expect:
        raise _not_a_model(
            path,
            f"it holds a {kind}, not a {expect.__name__}; use {kind}.load or fbnn.serialization.load_model",
        )
    try:
        specs = cls.array_specs(config)
    except (KeyError, TypeError, ValueError) as exc:
        raise _not_a_model(path, f"its header describes no valid {kind} ({exc})") from exc
    missing = sorted(set(specs) - set(members))
    if missing:
        raise _not_a_model(path, f"arrays {missing} are missing")
    needed = sum(int(np.prod(s, dtype=np.int64)) * np.dtype(d).itemsize for s, d in specs.values())
    if needed > file_size:
        raise _not_a_model(
            path, f"its header describes {needed} bytes of arrays but the file has {file_size}"
        )
    arrays = {}
    for name, (shape, dtype) in specs.items():
        arrays[name] = arr = _read_member(zf, members[name], shape, np.dtype(dtype), name, path)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise _not_a_model(path, f"array {name!r} holds NaN or inf")
    try:
        return cls.from_config(config, arrays)
    except (KeyError, TypeError, ValueError) as exc:
        raise _not_a_model(path, f"its contents describe no valid {kind} ({exc})") from exc
