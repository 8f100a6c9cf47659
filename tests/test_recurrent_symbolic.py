"""The BPTT recursion and the derivative of the unrolled loss are the same expression (SymPy)."""

import numpy as np
import pytest
import sympy as sp

from fbnn.recurrent import ElmanRNN
from fbnn.recurrent.symbolic_check import bptt_symbolic_check


@pytest.mark.parametrize("n_units, T", [(1, 3), (2, 2)])
def test_bptt_equals_unrolled_derivative(n_units, T):
    res = bptt_symbolic_check(n_units, T)
    assert res.agree
    assert set(res.unrolled) == {"Wxh", "Whh", "bh", "Why", "by"}


def test_a_wrong_recursion_would_be_caught():
    res = bptt_symbolic_check(1, 3)
    # the same comparison flags a recursion that forgets tanh' = 1 - h^2 at the last step
    tanh3 = [a for a in res.bptt["Whh"][0].atoms(sp.tanh) if a.has(res.inputs[2])][0]
    wrong = res.bptt["Whh"][0].subs(1 - tanh3**2, 1)
    assert wrong != res.bptt["Whh"][0]
    assert sp.expand(res.unrolled["Whh"][0] - wrong) != 0


def test_symbolic_gradient_equals_elman_rnn_numbers():
    res = bptt_symbolic_check(1, 3)
    rng = np.random.default_rng(0)
    net = ElmanRNN(1, 1, 1, seed=0)
    for v in net.params.values():
        v += rng.standard_normal(v.shape)
    x, d = rng.standard_normal(3), rng.standard_normal(3)
    names = [res.symbols[k] for k in res.symbols]
    symbols = [sym for m in names for sym in m] + res.inputs + res.targets
    values = [float(net.params[k].ravel()[0]) for k in res.symbols] + list(x) + list(d)
    loss, grads = net.loss_and_grads(x.reshape(1, 3, 1), d.reshape(1, 3, 1), loss="mse")
    assert loss == pytest.approx(float(sp.lambdify(symbols, res.loss)(*values)), rel=1e-12)
    for k, expr in res.unrolled.items():
        assert grads[k].ravel()[0] == pytest.approx(float(sp.lambdify(symbols, expr[0])(*values)), rel=1e-10)


def test_too_large():
    with pytest.raises(ValueError, match="tiny"):
        bptt_symbolic_check(3, 3)
