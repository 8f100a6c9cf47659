"""Elman's temporal XOR and next-character prediction on the shipped text."""

import math

import numpy as np
import pytest

from fbnn.optim import Adam
from fbnn.recurrent import ElmanRNN, JordanRNN
from fbnn.recurrent.tasks import (
    char_dataset,
    encode,
    load_text,
    normalise_text,
    sample_text,
    temporal_xor,
    xor_phase_errors,
    xor_stream,
    xor_target_phase,
)


def test_xor_stream_is_triples_of_a_b_a_xor_b():
    s = xor_stream(50, seed=0).reshape(-1, 3)
    assert set(np.unique(s)) <= {0, 1}
    np.testing.assert_array_equal(s[:, 2], (s[:, 0] + s[:, 1]) % 2)
    np.testing.assert_array_equal(xor_stream(50, seed=0), xor_stream(50, seed=0))


def test_temporal_xor_layout():
    X, Y = temporal_xor(5, 3, seed=1)
    assert X.shape == (5, 8, 1) and Y.shape == (5, 8)
    np.testing.assert_array_equal(X[:, 1:, 0], Y[:, :-1])  # the target is the next input
    phase = xor_target_phase(8)
    assert phase.tolist() == [1, 2, 0, 1, 2, 0, 1, 2]
    # inputs at steps t-1 and t are a and b when the target at t is the XOR bit
    for t in np.flatnonzero(phase == 2):
        np.testing.assert_array_equal(Y[:, t], (X[:, t - 1, 0] + X[:, t, 0]) % 2)


@pytest.mark.parametrize("cls", [ElmanRNN, JordanRNN])
def test_temporal_xor_only_every_third_bit_is_learned(cls):
    X, Y = temporal_xor(64, 4, seed=0)
    net = cls(n_in=1, n_hidden=8, n_out=2, seed=0)
    net.fit(X, Y, epochs=60, batch_size=16, optimizer=Adam(lr=0.03), seed=0)
    Xt, Yt = temporal_xor(300, 4, seed=1)  # fresh streams
    err = xor_phase_errors(net, Xt, Yt)
    assert err[2] < 0.15  # the XOR bit is predicted
    assert 0.4 < err[0] < 0.6 and 0.4 < err[1] < 0.6  # the random bits stay at chance


def test_char_data_from_the_shipped_text():
    text = normalise_text(load_text())
    assert len(text) > 3000 and "  " not in text and text == text.lower()
    data = char_dataset(seq_len=20)
    V = len(data.alphabet)
    assert data.X.shape == ((len(text) - 1) // 20, 20, V)
    assert data.decode(data.Y[0]) == text[1:21]
    assert data.decode(np.argmax(data.X[0], axis=1)) == text[:20]
    assert data.baseline == pytest.approx(math.log(V))


def test_char_model_loss_falls_well_below_uniform():
    data = char_dataset(seq_len=25)
    V = len(data.alphabet)
    net = ElmanRNN(V, 48, V, seed=0)
    hist = net.fit(data.X, data.Y, epochs=12, batch_size=16, optimizer=Adam(lr=0.01), clip_norm=5.0, seed=0)
    final = net.loss(data.X, data.Y)
    assert hist["loss"][0] > hist["loss"][-1]
    assert final < 0.65 * data.baseline, (final, data.baseline)
    a = sample_text(net, data.alphabet, "the ", 40, temperature=0.7, seed=3)
    assert a == sample_text(net, data.alphabet, "the ", 40, temperature=0.7, seed=3)
    assert a.startswith("the ") and len(a) == 44 and set(a) <= set(data.alphabet)


def test_step_by_step_equals_forward():
    data = char_dataset(seq_len=10)
    V = len(data.alphabet)
    for cls in (ElmanRNN, JordanRNN):
        net = cls(V, 6, V, seed=1)
        full = net.forward(data.X[:3])
        state = net.initial_state(3)
        for t in range(10):
            y, state = net.step(data.X[:3, t], state)
            np.testing.assert_allclose(y, full[:, t], rtol=1e-12, atol=1e-14)


def test_bad_task_input():
    with pytest.raises(ValueError, match="outside the alphabet"):
        encode("xyz", "xy")
    with pytest.raises(ValueError, match="too short"):
        char_dataset("abc", seq_len=5)
    with pytest.raises(ValueError, match="n_triples"):
        temporal_xor(3, 0)
    with pytest.raises(ValueError, match="n_out=2"):
        xor_phase_errors(ElmanRNN(1, 2, 1), np.zeros((1, 2, 1)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="prefix"):
        sample_text(ElmanRNN(2, 2, 2), "ab", "", 3)
