"""ElmanRNN / JordanRNN: public API shapes, training, clipping and clear errors for bad input."""

import numpy as np
import pytest

from fbnn.optim import SGD, Adam, Momentum, clip_grad_norm_
from fbnn.recurrent import ElmanRNN, JordanRNN


def test_parameter_shapes_match_the_issue():
    rnn = ElmanRNN(n_in=8, n_hidden=32, n_out=8, seed=0)
    assert {k: v.shape for k, v in rnn.params.items()} == {
        "Wxh": (32, 8), "Whh": (32, 32), "bh": (32,), "Why": (8, 32), "by": (8,)}
    jordan = JordanRNN(n_in=8, n_hidden=32, n_out=5, seed=0)
    assert {k: v.shape for k, v in jordan.params.items()} == {
        "Wxh": (32, 8), "Wyh": (32, 5), "bh": (32,), "Why": (5, 32), "by": (5,)}
    # orthogonal recurrent init: all singular values equal the gain
    np.testing.assert_allclose(np.linalg.svd(ElmanRNN(2, 6, 2, recurrent_scale=0.7).params["Whh"])[1], 0.7)


def test_forward_follows_the_recurrence():
    rng = np.random.default_rng(0)
    rnn = ElmanRNN(3, 4, 2, seed=1)
    p = rnn.params
    X = rng.standard_normal((2, 5, 3))
    h = np.zeros((2, 4))
    out = rnn.forward(X)
    hs = rnn.hidden_states(X)
    for t in range(5):
        h = np.tanh(X[:, t] @ p["Wxh"].T + h @ p["Whh"].T + p["bh"])
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-13)
        np.testing.assert_allclose(out[:, t], h @ p["Why"].T + p["by"], rtol=1e-13)
    proba = rnn.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0)
    assert rnn.predict(X).shape == (2, 5)


def test_seeded_and_reproducible():
    a, b = ElmanRNN(2, 3, 2, seed=5), ElmanRNN(2, 3, 2, seed=5)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    X = np.random.default_rng(0).standard_normal((6, 4, 2))
    Y = np.random.default_rng(1).integers(0, 2, size=(6, 4))
    ha = a.fit(X, Y, epochs=3, batch_size=2, seed=9)
    hb = b.fit(X, Y, epochs=3, batch_size=2, seed=9)
    assert ha == hb


@pytest.mark.parametrize("make_opt", [lambda: SGD(lr=0.1), lambda: Momentum(lr=0.05), lambda: Adam(lr=0.02)])
def test_fit_lowers_the_loss_with_each_optimizer(make_opt):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 6, 2))
    Y = (np.cumsum(X[..., 0], axis=1) > 0).astype(int)  # needs memory of earlier inputs
    rnn = JordanRNN(2, 8, 2, seed=0)
    before = rnn.loss(X, Y)
    hist = rnn.fit(X, Y, epochs=15, batch_size=8, optimizer=make_opt(), seed=0, validation=(X[:4], Y[:4]))
    assert rnn.loss(X, Y) < 0.8 * before
    assert len(hist["loss"]) == len(hist["val_loss"]) == len(hist["grad_norm"]) == 15


def test_clip_grad_norm_():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0, 4.0]])}  # joint norm 5
    assert clip_grad_norm_(g, 10.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(g["a"], [3.0, 0.0])
    assert clip_grad_norm_(g, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(g["a"], [0.6, 0.0])
    np.testing.assert_allclose(g["b"], [[0.0, 0.8]])
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(g, 0.0)


def test_fit_with_clipping_keeps_updates_bounded():
    rng = np.random.default_rng(0)
    X = 3 * rng.standard_normal((8, 20, 2))
    Y = rng.standard_normal((8, 20, 2))
    rnn = ElmanRNN(2, 6, 2, loss="mse", seed=0, recurrent_scale=2.0)
    before = {k: v.copy() for k, v in rnn.params.items()}
    rnn.fit(X, Y, epochs=1, batch_size=8, optimizer=SGD(lr=1.0), clip_norm=0.01)
    step = np.sqrt(sum(np.sum((rnn.params[k] - before[k]) ** 2) for k in before))
    assert step <= 0.01 + 1e-12  # one SGD step of a clipped gradient


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((4, 3)), "3-D array of sequences"),
        (np.zeros((2, 3, 5)), "n_in=2"),
        (np.zeros((2, 0, 2)), "T=0"),
        (np.zeros((0, 3, 2)), "no sequences"),
        (np.full((1, 3, 2), np.nan), "NaN"),
    ],
)
def test_bad_sequences(X, match):
    rnn = ElmanRNN(2, 3, 2)
    with pytest.raises(ValueError, match=match):
        rnn.forward(X)


def test_bad_loss_arguments():
    rnn = ElmanRNN(2, 3, 4)
    X = np.zeros((5, 3, 2))
    Y = np.zeros((5, 3), dtype=int)
    with pytest.raises(ValueError, match="truncate must be an integer >= 1"):
        rnn.loss_and_grads(X, Y, truncate=0)
    with pytest.raises(TypeError, match="truncate"):
        rnn.loss_and_grads(X, Y, truncate=2.5)
    with pytest.raises(ValueError, match="loss"):
        rnn.loss_and_grads(X, Y, loss="hinge")
    with pytest.raises(ValueError, match="steps must be one of"):
        rnn.loss_and_grads(X, Y, steps="first")
    with pytest.raises(ValueError, match="Y must match X"):
        rnn.loss_and_grads(X, np.zeros((5, 4), dtype=int))
    with pytest.raises(ValueError, match=r"Y has shape \(5, 3\).*4 outputs"):
        rnn.loss_and_grads(X, Y, steps="last")  # with steps="last" Y loses its T axis
    with pytest.raises(ValueError, match="class indices"):
        rnn.loss_and_grads(X, np.full((5, 3), 7))
    # the article's kind of labels: random integers in a (n, n_out) array per step
    with pytest.raises(ValueError, match="probability"):
        rnn.loss_and_grads(X, np.random.default_rng(0).integers(0, 10, size=(5, 3, 4)))
    with pytest.raises(ValueError, match="outputs"):
        rnn.loss_and_grads(X, np.zeros((5, 3, 3)), loss="mse")
    with pytest.raises(ValueError, match="epochs"):
        rnn.fit(X, Y, epochs=0)
    with pytest.raises(ValueError, match="clip_norm"):
        rnn.fit(X, Y, clip_norm=-1.0)
    with pytest.raises(ValueError, match="sequences"):
        rnn.fit(X, Y[:3])


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="n_hidden"):
        ElmanRNN(2, 0, 2)
    with pytest.raises(ValueError, match="dtype"):
        JordanRNN(2, 3, 2, dtype="int32")
    with pytest.raises(ValueError, match="recurrent_scale"):
        ElmanRNN(2, 3, 2, recurrent_scale=-1.0)
    with pytest.raises(ValueError, match="state must have shape"):
        ElmanRNN(2, 3, 2).step(np.zeros((1, 2)), np.zeros((1, 2)))
