"""||dh_T/dh_t|| against the lag, checked against finite differences of an independent forward pass."""

import numpy as np
import pytest

from fbnn.recurrent import ElmanRNN, JordanRNN
from fbnn.recurrent.gradients import hidden_gradient_norms


def run_from(kind, p, x_seq, t, h_t):
    """h_T when the hidden state at step t (1-based) is replaced by h_t and the net runs on."""
    h = h_t
    for s in range(t, len(x_seq)):
        if kind == "elman":
            ctx = p["Whh"] @ h
        else:
            ctx = p["Wyh"] @ (p["Why"] @ h + p["by"])
        h = np.tanh(p["Wxh"] @ x_seq[s] + ctx + p["bh"])
    return h


def hidden_states(kind, p, x_seq):
    n_hidden = p["bh"].shape[0]
    hs = [np.zeros(n_hidden)]
    y = np.zeros(p["by"].shape[0])
    for x in x_seq:
        ctx = p["Whh"] @ hs[-1] if kind == "elman" else p["Wyh"] @ y
        hs.append(np.tanh(p["Wxh"] @ x + ctx + p["bh"]))
        y = p["Why"] @ hs[-1] + p["by"]
    return hs


@pytest.mark.parametrize("kind, cls", [("elman", ElmanRNN), ("jordan", JordanRNN)])
def test_jacobian_products_match_finite_differences(kind, cls):
    rng = np.random.default_rng(0)
    net = cls(2, 4, 3, seed=0, recurrent_scale=1.3)
    net.params["by"] += 0.2
    X = rng.standard_normal((2, 6, 2))
    res = hidden_gradient_norms(net, X, norm="frobenius")
    spec = hidden_gradient_norms(net, X, norm="spectral")
    assert res.lags.tolist() == list(range(-6, 1))
    eps = 1e-6
    for n in range(2):
        hs = hidden_states(kind, net.params, X[n])
        if kind == "jordan":  # the first step reads the fixed context y_0 = 0, not h_0
            assert res.per_sequence[n, 0] == 0.0
        for t in range(0 if kind == "elman" else 1, 7):
            J = np.empty((4, 4))
            for j in range(4):
                e = np.zeros(4)
                e[j] = eps
                J[:, j] = (run_from(kind, net.params, X[n], t, hs[t] + e)
                           - run_from(kind, net.params, X[n], t, hs[t] - e)) / (2 * eps)
            assert res.per_sequence[n, t] == pytest.approx(np.linalg.norm(J), rel=1e-6, abs=1e-9)
            assert spec.per_sequence[n, t] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6, abs=1e-9)


def test_small_recurrent_weights_vanish_large_explode():
    # small inputs keep tanh out of saturation, where a large recurrent gain would blow gradients up
    X = 0.1 * np.random.default_rng(1).standard_normal((3, 25, 2))
    small = hidden_gradient_norms(ElmanRNN(2, 8, 2, seed=0, recurrent_scale=0.5), X)
    large = hidden_gradient_norms(ElmanRNN(2, 8, 2, seed=0, recurrent_scale=2.0), X)
    # ||diag(tanh') W|| <= ||W|| = 0.5 at every step, so the product is at most 0.5^(T - t)
    assert np.all(small.per_sequence <= 0.5 ** (-small.lags) + 1e-12)
    assert small.geometric_mean[0] < 1e-6
    assert large.geometric_mean[0] > 1e2  # grows with the lag (tanh saturation limits how far)
    assert small.mean[-1] == pytest.approx(1.0) and large.mean[-1] == pytest.approx(1.0)


def test_bad_norm():
    with pytest.raises(ValueError, match="norm must be one of"):
        hidden_gradient_norms(ElmanRNN(1, 2, 1), np.zeros((1, 3, 1)), norm="max")
