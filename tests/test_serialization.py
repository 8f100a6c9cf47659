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
    with pytest.raises(ValueError, match="not a valid saved fbnn model"):
        MLP.load(text)
    other = tmp_path / "other.npz"
    np.savez(other, W1=np.ones((2, 2)))
    with pytest.raises(ValueError, match="no '__fbnn__' header"):
        MLP.load(other)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(ValueError, match="not a valid saved fbnn model"):
        MLP.load(single)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __fbnn__=np.array([{"format": "fbnn.MLP"}], dtype=object))
    with pytest.raises(ValueError, match="not a valid saved fbnn model"):
        MLP.load(pickled)


def test_truncated_or_tampered_file(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 3], seed=0).save(path)
    data = dict(np.load(path))
    data["W1"] = np.ones((4, 4))
    np.savez(tmp_path / "bad.npz", **data)
    with pytest.raises(ValueError, match="array 'W1' has shape"):
        MLP.load(tmp_path / "bad.npz")
    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a valid saved fbnn model"):
        MLP.load(tmp_path / "cut.npz")


# ---------------------------------------------------------------- every model, one format, no silent failure
def _models():
    from fbnn.recurrent import ElmanRNN, Hopfield, JordanRNN

    rng = np.random.default_rng(0)
    hop = Hopfield(12, rule="storkey", thresholds=rng.normal(size=12))
    hop.store(rng.choice([-1, 1], size=(3, 12)))
    return [
        MLP([3, 4, 2], hidden="tanh", seed=1),
        ElmanRNN(2, 5, 3, seed=1, dtype="float32", recurrent_scale=0.5),
        JordanRNN(2, 4, 1, loss="binary_cross_entropy", seed=2),
        JordanRNN(3, 4, 2, loss="mse", seed=3),
        hop,
    ]


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_every_model_round_trips(tmp_path, model):
    from fbnn.serialization import load_model

    path = tmp_path / "m.npz"
    model.save(path)
    back = type(model).load(path)
    assert type(back) is type(model) and back.get_config() == model.get_config()
    a, b = model.state_dict(), back.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k])
    assert type(load_model(path)) is type(model)  # the one loader knows every kind


def test_loading_another_kind_of_model_is_refused(tmp_path):
    from fbnn.recurrent import ElmanRNN

    ElmanRNN(2, 3, 2).save(tmp_path / "rnn.npz")
    with pytest.raises(ValueError, match="holds a ElmanRNN, not a MLP"):
        MLP.load(tmp_path / "rnn.npz")


def test_save_refuses_non_finite_weights_and_keeps_the_good_file(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 3], seed=0).save(path)
    before = path.read_bytes()
    bad = MLP([2, 3], seed=1)
    bad.params["W1"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"refusing to save.*\['W1'\].*NaN"):
        bad.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]


def test_a_file_with_nan_weights_is_refused_naming_it(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 3], seed=0).save(path)
    data = dict(np.load(path))
    data["b1"] = np.array([0.0, np.nan, 0.0])
    np.savez(tmp_path / "nan.npz", **data)
    with pytest.raises(ValueError, match=r"nan\.npz.*'b1' holds NaN"):
        MLP.load(tmp_path / "nan.npz")


def test_a_flipped_byte_gives_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 3], seed=0).save(path)
    raw = path.read_bytes()
    bad, refused, tried = tmp_path / "flipped.npz", 0, range(0, len(raw), 5)
    for where in tried:  # each a value error naming the file, or (a timestamp...) a good load
        flipped = bytearray(raw)
        flipped[where] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        try:
            MLP.load(bad)
        except ValueError as exc:
            assert "flipped.npz" in str(exc) and ".tmp" not in str(exc)
            refused += 1
    assert refused > len(tried) // 2


def test_pickled_and_missing_arrays_name_the_file(tmp_path):
    path = tmp_path / "m.npz"
    MLP([2, 3], seed=0).save(path)
    data = dict(np.load(path))
    np.savez(tmp_path / "pickled.npz", **{**data, "W1": np.array([{"a": 1}, None], dtype=object)})
    with pytest.raises(ValueError, match=r"pickled\.npz.*'W1'.*(pickle|shape)"):
        MLP.load(tmp_path / "pickled.npz")
    del data["b1"]
    np.savez(tmp_path / "missing.npz", **data)
    with pytest.raises(ValueError, match=r"missing\.npz.*\['b1'\] are missing"):
        MLP.load(tmp_path / "missing.npz")


def test_a_crafted_header_cannot_make_load_allocate(tmp_path):
    import json
    import tracemalloc

    header = {
        "format": "fbnn",
        "version": 2,
        "model": "MLP",
        "config": {
            "sizes": [10**6, 10**6],
            "hidden": "relu",
            "output": "sigmoid",
            "loss": "binary_cross_entropy",
            "dtype": "float64",
        },
    }
    path = tmp_path / "huge.npz"
    # The arrays' own .npy headers agree with the config; only their data are missing.
    np.savez(path, __fbnn__=np.array(json.dumps(header)), W1=np.zeros((1, 1)), b1=np.zeros(1))
    assert path.stat().st_size < 2000
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"huge\.npz.*(bytes|shape)"):
        MLP.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10**6  # no (10^6, 10^6) array, not even a network of that size


def test_errors_name_the_target_never_a_temporary_file(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "m.npz"
    with pytest.raises(FileNotFoundError, match="m.npz") as err:
        MLP([2, 2]).save(target)
    assert ".tmp" not in str(err.value)


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        MLP([2, 2]).save(tmp_path / "m.npz")
        assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        MLP([2, 2]).save(tmp_path / "p.npz")
        assert (tmp_path / "p.npz").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
