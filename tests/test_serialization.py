"""Save/load: exact round trips, no pickle, atomic writes, clear errors for files that are not models."""

import os

import numpy as np
import pytest

from fbnn import MLP
from fbnn.serialization import load_model


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_exact(tmp_path, dtype):
    rng = np.random.default_rng(0)
    m = MLP([3, 5, 4, 2], hidden=["tanh", "relu"], output="sigmoid", loss="mse", seed=1, dtype=dtype)
    for v in m.params.values():
        v[...] = rng.normal(size=v.shape)
    path = tmp_path / "model.npz"
    m.save(path)
    back = MLP.load(path)
    assert (back.sizes, back.hidden, back.output, back.loss_name, back.dtype) == (
        m.sizes,
        m.hidden,
        m.output,
        m.loss_name,
        m.dtype,
    )
    for k in m.params:
        assert back.params[k].dtype == m.params[k].dtype
        assert np.array_equal(back.params[k], m.params[k])
    X = rng.normal(size=(4, 3))
    assert np.array_equal(back.forward(X), m.forward(X))
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left


def test_file_is_loadable_without_pickle(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 2], seed=0).save(path)
    with np.load(path, allow_pickle=False) as f:
        assert {"__fbnn__", "W1", "b1"} <= set(f.files)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    good = MLP([2, 3], seed=0)
    good.save(path)
    before = path.read_bytes()

    def exploding_savez(f, **arrays):
        f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", exploding_savez)
    with pytest.raises(KeyboardInterrupt):
        MLP([2, 3], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model"):
        load_model(tmp_path / "missing.npz")
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a saved fbnn model"):
        MLP.load(text)
    other = tmp_path / "other.npz"
    np.savez(other, W1=np.ones((2, 2)))
    with pytest.raises(ValueError, match="no '__fbnn__' header"):
        MLP.load(other)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(ValueError, match="not a saved fbnn model"):
        MLP.load(single)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __fbnn__=np.array([{"format": "fbnn.MLP"}], dtype=object))
    with pytest.raises(ValueError, match="not a saved fbnn model"):
        MLP.load(pickled)


def test_truncated_or_tampered_file(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 3], seed=0).save(path)
    data = dict(np.load(path))
    data["W1"] = np.ones((4, 4))
    np.savez(tmp_path / "bad.npz", **data)
    with pytest.raises(ValueError, match="parameter 'W1' has shape"):
        MLP.load(tmp_path / "bad.npz")
    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a saved fbnn model"):
        MLP.load(tmp_path / "cut.npz")
