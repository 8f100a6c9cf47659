"""Training: solves XOR and digits, is reproducible, and its history/early stopping behave."""

import numpy as np
import pytest

from fbnn import MLP
from fbnn.datasets import load_digits, two_moons, xor
from fbnn.optim import SGD, Adam, Momentum
from fbnn.training import EarlyStopping


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def test_solves_xor():
    X, y = xor()
    m = MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=0)
    h = m.fit(X, y, epochs=500, batch_size=4, optimizer=Adam(0.05), seed=0)
    assert np.array_equal(m.predict(X), [0, 1, 1, 0])
    assert h.loss[-1] < 0.01 < h.loss[0]
    # A network without hidden layer cannot: XOR is not linearly separable.
    lin = MLP([2, 1], output="sigmoid", seed=0)
    lin.fit(X, y, epochs=500, batch_size=4, optimizer=Adam(0.05), seed=0)
    assert lin.evaluate(X, y)["accuracy"] <= 0.75


def test_digits_reaches_97_percent(digits):
    m = MLP([64, 128, 10], hidden="relu", output="softmax", seed=0)
    h = m.fit(
        digits.X_train,
        digits.y_train,
        epochs=30,
        batch_size=32,
        optimizer=Adam(2e-3),
        seed=0,
        validation=(digits.X_test, digits.y_test),
    )
    acc = m.evaluate(digits.X_test, digits.y_test)["accuracy"]
    assert acc >= 0.97
    assert h.val_accuracy[-1] == acc
    assert h.accuracy[-1] > 0.99


def test_digits_float32(digits):
    m = MLP([64, 32, 10], hidden="relu", output="softmax", seed=0, dtype="float32")
    m.fit(digits.X_train, digits.y_train, epochs=8, batch_size=64, optimizer=Adam(3e-3), seed=0)
    assert all(p.dtype == np.float32 for p in m.params.values())
    assert m.evaluate(digits.X_test, digits.y_test)["accuracy"] > 0.9


def test_bit_for_bit_reproducible():
    X, y = two_moons(120, noise=0.2, seed=1)

    def run(seed):
        m = MLP([2, 8, 2], hidden="tanh", output="softmax", seed=3)
        h = m.fit(X, y, epochs=5, batch_size=16, optimizer=Momentum(0.1, nesterov=True), seed=seed)
        return m, h

    (a, ha), (b, hb), (c, _) = run(0), run(0), run(1)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert ha.loss == hb.loss
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_fit_equals_a_hand_written_minibatch_loop():
    X, y = two_moons(50, noise=0.2, seed=2)
    m = MLP([2, 6, 2], hidden="relu", output="softmax", seed=4)
    ref = m.copy()
    h = m.fit(X, y, epochs=3, batch_size=8, optimizer=Adam(0.01), seed=5)
    rng = np.random.default_rng(5)
    opt = Adam(0.01)
    for _ in range(3):
        perm = rng.permutation(50)
        total, correct = 0.0, 0
        for s in range(0, 50, 8):
            xb, yb = X[perm[s : s + 8]], y[perm[s : s + 8]]
            correct += int(np.sum(ref.predict(xb) == yb))
            value, g = ref.loss_and_grads(xb, yb)
            total += value * len(yb)
            opt.step(ref.params, g)
    for k in m.params:
        assert np.allclose(m.params[k], ref.params[k], rtol=1e-12, atol=1e-14)
    # the last epoch's history entries are the sample-weighted means over its minibatches
    assert np.isclose(h.loss[-1], total / 50, rtol=1e-12)
    assert h.accuracy[-1] == correct / 50


def test_history_records_whole_set_metrics_after_each_epoch():
    X, y = two_moons(60, noise=0.2, seed=3)
    Xv, yv = two_moons(30, noise=0.2, seed=4)
    m = MLP([2, 5, 2], hidden="tanh", output="softmax", seed=0)
    h = m.fit(X, y, epochs=4, batch_size=10, optimizer=SGD(0.1), validation=(Xv, yv))
    assert h.epochs == 4 and len(h.val_loss) == 4 and len(h["accuracy"]) == 4
    assert h.val_accuracy[-1] == m.evaluate(Xv, yv)["accuracy"]
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(0)
    # Pure-noise labels: the validation loss soon rises as the network memorises the training set.
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 2, 40)
    Xv, yv = rng.normal(size=(40, 5)), rng.integers(0, 2, 40)
    m = MLP([5, 64, 2], hidden="relu", output="softmax", seed=0)
    stop = EarlyStopping(5)
    h = m.fit(X, y, epochs=300, batch_size=8, optimizer=Adam(0.01), validation=(Xv, yv), callbacks=[stop])
    assert h.stopped_early and h.epochs < 300
    assert h.epochs == h.best_epoch + 5 == stop.best_epoch + 5
    assert np.isclose(m.evaluate(Xv, yv)["loss"], min(h.val_loss), rtol=1e-12)


def test_progress_is_off_by_default(capsys):
    X, y = xor()
    MLP([2, 2, 1], hidden="tanh", output="sigmoid").fit(X, y, epochs=2, batch_size=4)
    assert capsys.readouterr() == ("", "")
    MLP([2, 2, 1], hidden="tanh", output="sigmoid").fit(X, y, epochs=2, batch_size=4, progress=True)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "loss=" in err


def test_optimizer_state_carries_over_between_fits():
    X, y = xor()
    m = MLP([2, 3, 1], hidden="tanh", output="sigmoid")
    opt = Adam(0.01)
    m.fit(X, y, epochs=2, batch_size=2, optimizer=opt)
    m.fit(X, y, epochs=1, batch_size=2, optimizer=opt)
    assert opt.t == 6


def test_fit_after_replacing_a_parameter_array():
    X, y = xor()
    m = MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    m.params["W1"] = np.full((3, 2), 0.5)  # breaks the shared buffer; fit must notice
    before = m.params["b1"].copy()
    m.fit(X, y, epochs=1, batch_size=4, optimizer=SGD(0.5))
    assert not np.array_equal(m.params["W1"], np.full((3, 2), 0.5))
    assert not np.array_equal(m.params["b1"], before)
