"""Feedback alignment and direct feedback alignment: update rules against independent computations."""

import math

import numpy as np
import pytest

from fbnn import MLP
from fbnn.alignment import AlignmentTrainer, angle_between, feedback_matrices
from fbnn.datasets import load_digits
from fbnn.optim import SGD


def small_problem(sizes=(5, 4, 3, 2), hidden="tanh", n=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    return MLP(list(sizes), hidden=hidden, output="softmax", seed=seed), X, y


def f_prime(name, a):
    return {"tanh": 1 - a * a, "relu": (a > 0) * 1.0}[name]


def reference_directions(net, X, y, method, B):
    """The three rules written sample by sample with explicit vectors (column convention z = W x + b)."""
    p = net.params
    L = net.n_layers
    out = {k: np.zeros_like(v) for k, v in p.items()}
    for x, label in zip(X, y, strict=True):
        a = [x]
        for i in range(1, L + 1):
            z = p[f"W{i}"] @ a[-1] + p[f"b{i}"]
            if i < L:
                a.append(np.tanh(z) if net.activations[i - 1] == "tanh" else np.maximum(z, 0))
            else:
                e = np.exp(z - z.max())
                probs = e / e.sum()
        err = probs - np.eye(len(probs))[label]  # softmax + cross-entropy: dL/dz_L for one sample
        delta = {L: err}
        for i in range(L - 1, 0, -1):
            if method == "bp":
                back = p[f"W{i + 1}"].T @ delta[i + 1]
            elif method == "fa":
                back = B[f"B{i + 1}"] @ delta[i + 1]
            else:
                back = B[f"B{i}"] @ err
            delta[i] = back * f_prime(net.activations[i - 1], a[i])
        for i in range(1, L + 1):
            out[f"W{i}"] += np.outer(delta[i], a[i - 1]) / len(X)
            out[f"b{i}"] += delta[i] / len(X)
    return out


@pytest.mark.parametrize("method", ["bp", "fa", "dfa"])
@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_directions_match_a_per_sample_reference(method, hidden):
    net, X, y = small_problem(hidden=hidden)
    trainer = AlignmentTrainer(net, method, seed=3)
    _, d = trainer.directions(X, y)
    ref = reference_directions(net, X, y, method, trainer.feedback)
    assert set(d) == set(net.params)
    for k in ref:
        np.testing.assert_allclose(d[k], ref[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_backprop_directions_equal_finite_differences():
    net, X, y = small_problem()
    trainer = AlignmentTrainer(net, "bp")
    loss, d = trainer.directions(X, y)
    assert loss == pytest.approx(net.loss(X, y), rel=1e-12)
    h = 1e-6
    for k, W in net.params.items():
        for idx in [(0,) * W.ndim, tuple(s - 1 for s in W.shape)]:
            old = W[idx]
            W[idx] = old + h
            up = net.loss(X, y)
            W[idx] = old - h
            down = net.loss(X, y)
            W[idx] = old
            assert d[k][idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9), (k, idx)


def test_fa_with_transposed_forward_weights_is_backprop():
    net, X, y = small_problem()
    B = {f"B{i}": net.params[f"W{i}"].T.copy() for i in (2, 3)}
    _, d = AlignmentTrainer(net, "fa", feedback=B).directions(X, y)
    _, g = net.loss_and_grads(X, y)
    for k in g:
        np.testing.assert_allclose(d[k], g[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_output_layer_always_gets_the_true_gradient_and_hidden_layers_do_not():
    net, X, y = small_problem()
    _, g = net.loss_and_grads(X, y)
    for method in ("fa", "dfa"):
        _, d = AlignmentTrainer(net, method, seed=5).directions(X, y)
        np.testing.assert_allclose(d["W3"], g["W3"], rtol=1e-12)
        np.testing.assert_allclose(d["b3"], g["b3"], rtol=1e-12)
        assert not np.allclose(d["W1"], g["W1"])


def test_dfa_and_fa_coincide_with_one_hidden_layer():
    net, X, y = small_problem(sizes=(5, 6, 3))
    B = feedback_matrices([5, 6, 3], "fa", seed=2)
    _, d_fa = AlignmentTrainer(net, "fa", feedback=B).directions(X, y)
    _, d_dfa = AlignmentTrainer(net, "dfa", feedback={"B1": B["B2"]}).directions(X, y)
    for k in d_fa:
        np.testing.assert_array_equal(d_fa[k], d_dfa[k])


def test_angle_between_by_hand():
    assert angle_between([1, 0], [3, 0]) == pytest.approx(0.0, abs=1e-6)
    assert angle_between([1, 0], [0, 2]) == pytest.approx(90.0)
    assert angle_between([1, 0], [1, 1]) == pytest.approx(45.0)
    assert angle_between([[1, 0], [0, 0]], [[-2, 0], [0, 0]]) == pytest.approx(180.0)
    assert angle_between([1, 2, 3], [3, 2, 1]) == pytest.approx(math.degrees(math.acos(10 / 14)))
    with pytest.raises(ValueError, match="u is zero"):
        angle_between([0, 0], [1, 0])
    with pytest.raises(ValueError, match="same shape"):
        angle_between([1, 0], [1, 0, 0])


def test_feedback_matrices_shapes_scale_and_seed():
    fa = feedback_matrices([64, 32, 16, 10], "fa", seed=0)
    assert {k: v.shape for k, v in fa.items()} == {"B2": (32, 16), "B3": (16, 10)}
    dfa = feedback_matrices([64, 32, 16, 10], "dfa", seed=0)
    assert {k: v.shape for k, v in dfa.items()} == {"B1": (32, 10), "B2": (16, 10)}
    assert feedback_matrices([64, 32, 10], "bp") == {}
    again = feedback_matrices([64, 32, 16, 10], "fa", seed=0)
    assert all(np.array_equal(fa[k], again[k]) for k in fa)
    assert not np.array_equal(fa["B2"], feedback_matrices([64, 32, 16, 10], "fa", seed=1)["B2"])
    assert np.abs(fa["B2"]).max() <= math.sqrt(6 / 48)


def test_training_leaves_feedback_fixed_and_is_deterministic():
    Xtr, _, ytr, _ = load_digits(seed=0)
    runs = []
    for _ in range(2):
        net = MLP([64, 16, 10], hidden="tanh", seed=0)
        trainer = AlignmentTrainer(net, "fa", seed=1, optimizer=SGD(lr=0.1))
        before = {k: v.copy() for k, v in trainer.feedback.items()}
        hist = trainer.fit(Xtr[:200], ytr[:200], epochs=2, batch_size=50, seed=4, record_every=2)
        assert all(np.array_equal(before[k], trainer.feedback[k]) for k in before)
        runs.append((hist, net.params["W1"].copy()))
    (h1, w1), (h2, w2) = runs
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(h1.angles, h2.angles)
    assert h1.steps.tolist() == [0, 2, 4, 6, 8]
    assert h1.angles.shape == (5, 1) and h1.feedback_angles.shape == (5, 1)


def test_backprop_angles_are_zero_and_zero_top_layer_gives_nan():
    net, X, y = small_problem()
    assert np.all(AlignmentTrainer(net, "bp").angles(X, y) < 1e-5)
    net.params["W3"][...] = 0.0
    trainer = AlignmentTrainer(net, "fa", seed=0)
    assert np.isnan(trainer.feedback_angles()[1]) and np.isnan(trainer.angles(X, y)).all()


def test_feedback_alignment_learns_digits_and_aligns():
    """Acceptance: >= 90% test accuracy on the digits, and the update turns from ~90 degrees to well below."""
    Xtr, Xte, ytr, yte = load_digits(seed=0)
    net = MLP([64, 32, 10], hidden="tanh", output="softmax", seed=0)
    trainer = AlignmentTrainer(net, "fa", seed=1, optimizer=SGD(lr=0.1))
    hist = trainer.fit(Xtr, ytr, epochs=10, batch_size=32, seed=0, validation=(Xte, yte))
    assert hist.val_accuracy[-1] >= 0.90
    assert hist.angles[0, 0] > 80 and hist.angles[-1, 0] < 65
    assert hist.feedback_angles[0, 0] > 80 and hist.feedback_angles[-1, 0] < 65


def test_direct_feedback_alignment_learns_digits_with_two_hidden_layers():
    Xtr, Xte, ytr, yte = load_digits(seed=0)
    net = MLP([64, 32, 32, 10], hidden="tanh", output="softmax", seed=0)
    trainer = AlignmentTrainer(net, "dfa", seed=1, optimizer=SGD(lr=0.1))
    hist = trainer.fit(Xtr, ytr, epochs=10, batch_size=32, seed=0, validation=(Xte, yte))
    assert hist.val_accuracy[-1] >= 0.90
    assert np.all(hist.angles[0] > 80) and np.all(hist.angles[-1] < 75)


def test_bad_input_names_the_argument():
    net, X, y = small_problem()
    with pytest.raises(ValueError, match="method"):
        AlignmentTrainer(net, "target_prop")
    with pytest.raises(TypeError, match="model"):
        AlignmentTrainer("not a model", "fa")
    with pytest.raises(ValueError, match="no hidden layer"):
        AlignmentTrainer(MLP([5, 2]), "fa")
    with pytest.raises(ValueError, match="keys"):
        AlignmentTrainer(net, "fa", feedback={"B2": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=r"feedback\['B3'\] has shape"):
        AlignmentTrainer(net, "fa", feedback={"B2": np.zeros((4, 3)), "B3": np.zeros((2, 3))})
    with pytest.raises(TypeError, match="optimizer"):
        AlignmentTrainer(net, "fa", optimizer=0.1)
    trainer = AlignmentTrainer(net, "fa")
    with pytest.raises(ValueError, match="X has shape"):
        trainer.directions(X[:, :3], y)
    with pytest.raises(ValueError, match="epochs"):
        trainer.fit(X, y, epochs=0)
    with pytest.raises(ValueError, match="record_every"):
        trainer.fit(X, y, record_every=0)
    with pytest.raises(ValueError, match="sizes"):
        feedback_matrices([5], "fa")


def test_regression_network_trains_and_records_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = X @ rng.normal(size=(3, 2))
    net = MLP([3, 8, 2], hidden="tanh", output="identity", loss="mse", seed=0)
    hist = AlignmentTrainer(net, "fa", seed=1, optimizer=SGD(lr=0.05)).fit(
        X, Y, epochs=5, batch_size=8, validation=(X, Y)
    )
    assert hist.loss[-1] < hist.loss[0]
    assert np.isnan(hist.accuracy).all() and np.isnan(hist.val_accuracy).all()
