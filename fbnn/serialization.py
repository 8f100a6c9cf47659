"""Saving and loading networks as ``.npz`` files, without pickle.

The file holds one array per parameter (``W1``, ``b1``, ...) and a JSON header in a 0-d string
array ``__fbnn__`` that records the format version, layer sizes, activations, loss and dtype.
Loading uses ``allow_pickle=False``, so a file can carry no executable payload, and checks the
header before trusting anything else.

Writes are atomic: the data go to a temporary file in the target directory, which is flushed and
then renamed over the target (``os.replace`` is atomic on POSIX and Windows). An interrupted save
leaves the previous file intact.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from fbnn.network import MLP

__all__ = ["FORMAT", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT = "fbnn.MLP"
"""The ``format`` field of a saved model's header: a file without it is not a saved fbnn model."""
FORMAT_VERSION = 1
"""Version of the file layout; :func:`load_model` refuses versions it does not know."""
_HEADER = "__fbnn__"


def _atomic_write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # a file object: np.savez adds no ".npz" suffix
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def save_model(model: MLP, path: str | PathLike) -> None:
    """Write ``model`` to ``path`` (used as given; ``.npz`` is the customary suffix), atomically."""
    from fbnn.network import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"model must be an fbnn MLP, got {type(model).__name__}")
    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory; give a file name such as 'model.npz'")
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "sizes": list(model.sizes),
        "hidden": model.hidden if isinstance(model.hidden, str) else list(model.hidden),
        "output": model.output,
        "loss": model.loss_name,
        "dtype": model.dtype.name,
        "params": list(model.params),
    }
    arrays = {_HEADER: np.array(json.dumps(header))}
    arrays.update({k: np.ascontiguousarray(v) for k, v in model.params.items()})
    _atomic_write(path, arrays)


def _not_a_model(path: Path, why: str) -> ValueError:
    return ValueError(f"{str(path)!r} is not a saved fbnn model: {why}")


def load_model(path: str | PathLike) -> MLP:
    """Read a network written by :func:`save_model` (or :meth:`~fbnn.network.MLP.save`).

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError`` if the file is not a
    saved fbnn model (not an ``.npz``, no or wrong header, missing or misshapen parameters).
    """
    from fbnn.network import MLP

    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {str(path)!r}")
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise _not_a_model(path, f"it cannot be read as an .npz archive ({exc})") from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise _not_a_model(path, "it holds a single .npy array, not an .npz archive")
    with npz:
        if _HEADER not in npz.files:
            raise _not_a_model(path, f"it has no {_HEADER!r} header (arrays found: {npz.files})")
        try:
            header = json.loads(str(npz[_HEADER][()]))
        except (ValueError, TypeError) as exc:
            raise _not_a_model(path, f"its header is not valid JSON ({exc})") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise _not_a_model(path, f"its header does not name the format {FORMAT!r}")
        if header.get("version") != FORMAT_VERSION:
            raise _not_a_model(
                path, f"format version {header.get('version')!r} is not supported (want {FORMAT_VERSION})"
            )
        try:
            model = MLP(
                header["sizes"],
                hidden=header["hidden"] if isinstance(header["hidden"], str) else tuple(header["hidden"]),
                output=header["output"],
                loss=header["loss"],
                dtype=header["dtype"],
                seed=0,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _not_a_model(path, f"its header describes no valid network ({exc})") from exc
        missing = [k for k in model.params if k not in npz.files]
        if missing:
            raise _not_a_model(path, f"parameters {missing} are missing")
        params = {}
        for k, v in model.params.items():
            arr = npz[k]
            if arr.shape != v.shape or arr.dtype != v.dtype:
                raise _not_a_model(
                    path,
                    f"parameter {k!r} has shape {arr.shape} and dtype {arr.dtype}, "
                    f"expected {v.shape} {v.dtype}",
                )
            params[k] = arr
    model.set_params(params)
    return model
