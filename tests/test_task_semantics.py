"""Predictions and metrics follow the task (fbnn.metrics), for the MLP and the recurrent nets alike; and the
MLP's backward pass is the layer function the book shows."""

import numpy as np
import pytest

import fbnn.network
from fbnn import MLP
from fbnn.activations import sigmoid
from fbnn.layers import dense_backward
from fbnn.optim import Adam
from fbnn.recurrent import ElmanRNN, JordanRNN


def test_softmax_over_one_output_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="output='sigmoid'"):
        MLP([3, 1])
    with pytest.raises(ValueError, match="loss='binary_cross_entropy'"):
        ElmanRNN(2, 3, 1, loss="cross_entropy")


def test_regressor_predicts_values_and_reports_regression_metrics():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    Y = X @ rng.normal(size=(3, 2))
    m = MLP([3, 2], output="identity", seed=0)
    assert m.task == "regression"
    pred = m.predict(X)
    np.testing.assert_array_equal(pred, m.forward(X))  # values, not 0/1 labels
    scores = m.evaluate(X, Y)
    mse = np.mean((pred - Y) ** 2)  # over samples and outputs
    assert set(scores) == {"loss", "mse", "rmse"}
    assert scores["mse"] == pytest.approx(mse) and scores["rmse"] == pytest.approx(np.sqrt(mse))
    assert scores["loss"] == pytest.approx(mse * 2 / 2)  # loss = 1/2 sum over outputs = mse * n_out / 2
    with pytest.raises(ValueError, match="predict_proba needs a classifier"):
        m.predict_proba(X)
    h = m.fit(X, Y, epochs=3, validation=(X, Y))
    assert h.accuracy == [] and len(h.mse) == len(h.val_rmse) == 3


def test_multilabel_accuracy_is_per_label():
    m = MLP([2, 3], output="sigmoid", seed=0)
    X = np.random.default_rng(1).normal(size=(4, 2))
    out = m.forward(X)
    Y = (out > 0.5).astype(float)
    Y[0, 0] = 1 - Y[0, 0]  # one wrong decision of 12: argmax-based accuracy would not see it this way
    assert m.task == "multilabel"
    assert m.evaluate(X, Y)["accuracy"] == pytest.approx(11 / 12)
    np.testing.assert_array_equal(m.predict(X), out > 0.5)


def test_binary_sigmoid_predicts_labels():
    m = MLP([2, 1], output="sigmoid", seed=0)
    X = np.random.default_rng(1).normal(size=(6, 2))
    np.testing.assert_array_equal(m.predict(X), (m.forward(X)[:, 0] > 0.5).astype(int))


def test_recurrent_binary_cross_entropy_with_one_output():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 6, 1))
    Y = (np.cumsum(X[..., 0], axis=1) > 0).astype(float)[..., None]  # one yes/no per step
    rnn = ElmanRNN(1, 8, 1, loss="binary_cross_entropy", seed=0)
    assert rnn.task == "binary"
    rnn.fit(X, Y, epochs=40, batch_size=16, optimizer=Adam(0.03))
    proba = rnn.predict_proba(X)
    np.testing.assert_allclose(proba, sigmoid(rnn.forward(X)))  # not the softmax of one logit (== 1)
    pred = rnn.predict(X)
    assert pred.shape == (64, 6) and set(np.unique(pred)) == {0, 1}
    acc = rnn.evaluate(X, Y)["accuracy"]
    assert acc == pytest.approx(np.mean(pred == Y[..., 0])) and acc > 0.9


def test_recurrent_regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5, 2))
    Y = rng.standard_normal((8, 5, 3))
    rnn = JordanRNN(2, 4, 3, loss="mse", seed=0)
    np.testing.assert_array_equal(rnn.predict(X), rnn.forward(X))
    scores = rnn.evaluate(X, Y)
    assert set(scores) == {"loss", "mse", "rmse"}
    assert scores["mse"] == pytest.approx(np.mean((rnn.forward(X) - Y) ** 2))
    with pytest.raises(ValueError, match="predict_proba"):
        rnn.predict_proba(X)


def test_dense_backward_against_finite_differences():
    rng = np.random.default_rng(0)
    X, W, G = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=(5, 4))
    b = rng.normal(size=4)

    def L(X, W, b):  # L = sum(G * Z) has dL/dZ = G
        return float(np.sum(G * (X @ W.T + b)))

    dX, dW, db = dense_backward(X, W, G)
    h = 1e-6
    for arr, grad in ((X, dX), (W, dW), (b, db)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + h
            up = L(X, W, b)
            arr[idx] = old - h
            down = L(X, W, b)
            arr[idx] = old
            num[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-7, atol=1e-8)
    dW2, db2 = np.empty_like(dW), np.empty_like(db)
    none, dW_out, db_out = dense_backward(X, W, G, need_dX=False, out=(dW2, db2))
    assert none is None and dW_out is dW2 and db_out is db2
    np.testing.assert_allclose(dW2, dW)


def test_mlp_backward_is_built_from_dense_backward(monkeypatch):
    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs.get("need_dX", True))
        return dense_backward(*args, **kwargs)

    monkeypatch.setattr(fbnn.network, "dense_backward", counting)
    m = MLP([3, 4, 5, 2], hidden="tanh", seed=0)
    X = np.random.default_rng(0).normal(size=(6, 3))
    m.loss_and_grads(X, np.array([0, 1, 1, 0, 1, 0]))
    assert calls == [True, True, False]  # one call per layer, no dX for the first
