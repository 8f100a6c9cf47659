"""Bad input gets a clear error naming the argument, the expectation and what was given."""

import numpy as np
import pytest

from fbnn import MLP, names
from fbnn.activations import ACTIVATIONS
from fbnn.datasets import article_listing_data
from fbnn.losses import LOSSES
from fbnn.optim import Adam
from fbnn.training import EarlyStopping


@pytest.fixture
def model():
    return MLP([4, 3, 2], hidden="relu", output="softmax", seed=0)


def test_shared_name_lists():
    assert set(names.HIDDEN_ACTIVATIONS) < set(ACTIVATIONS) == set(names.OUTPUT_ACTIVATIONS)
    assert set(LOSSES) == set(names.LOSSES)


def test_constructor_errors():
    with pytest.raises(ValueError, match="unknown hidden activation 'gelu'"):
        MLP([2, 2, 2], hidden="gelu")
    with pytest.raises(ValueError, match="unknown hidden activation 'softmax'"):
        MLP([2, 2, 2], hidden="softmax")
    with pytest.raises(ValueError, match="unknown output activation 'elu'"):
        MLP([2, 2], output="elu")
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        MLP([2, 2], loss="l1")
    with pytest.raises(ValueError, match="needs probabilities"):
        MLP([2, 2], output="identity", loss="cross_entropy")
    with pytest.raises(ValueError, match="at least an input and an output"):
        MLP([3])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be a positive integer, got 0"):
        MLP([3, 0, 2])
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        MLP([2, 2], dtype="float16")
    with pytest.raises(ValueError, match="lists 1 activations but sizes"):
        MLP([2, 3, 3, 2], hidden=["relu"])


def test_input_shape_errors(model):
    with pytest.raises(ValueError, match=r"X has shape \(5, 3\): 3 features, but the network expects 4"):
        model.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="X must be 2-D, got an array of shape"):
        model.forward(np.zeros(4))
    with pytest.raises(ValueError, match="Y has 4 rows but X has 5 samples"):
        model.loss_and_grads(np.zeros((5, 4)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"Y has shape \(5, 3\).*\(n, 2\)"):
        model.loss_and_grads(np.zeros((5, 4)), np.full((5, 3), 1 / 3))
    with pytest.raises(TypeError, match="X must be an array of real numbers"):
        model.forward(np.array([["a"] * 4]))


def test_nan_and_inf(model):
    X = np.zeros((3, 4))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
        model.forward(X)
    with pytest.raises(ValueError, match="Y contains 1 NaN or infinite"):
        MLP([4, 1], output="identity").fit(np.zeros((2, 4)), np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match=r"validation\[0\] contains"):
        model.fit(np.zeros((3, 4)), [0, 1, 0], validation=(X, [0, 1, 0]))


def test_article_labels_rejected(model):
    x, y = article_listing_data(seed=0)
    m = MLP([100, 100, 50, 10], hidden="sigmoid", output="softmax", seed=0)
    with pytest.raises(ValueError, match="not a valid cross-entropy target.*probability vectors"):
        m.fit(x, y, epochs=10, batch_size=10, optimizer=Adam())
    with pytest.raises(ValueError, match="each row must sum to 1"):
        m.evaluate(x, y)


def test_fit_argument_errors(model):
    X, y = np.zeros((4, 4)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        model.fit(X, y, epochs=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got -32"):
        model.fit(X, y, batch_size=-32)
    with pytest.raises(TypeError, match="batch_size must be a positive integer, got 2.5"):
        model.fit(X, y, batch_size=2.5)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0"):
        model.fit(X, y, optimizer=Adam(lr=0))
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        model.fit(X, y, optimizer="adagrad")
    with pytest.raises(TypeError, match="optimizer must be"):
        model.fit(X, y, optimizer=0.1)
    with pytest.raises(ValueError, match="EarlyStopping monitors 'val_loss', which needs validation"):
        model.fit(X, y, callbacks=[EarlyStopping(3)])
    with pytest.raises(TypeError, match="validation must be a pair"):
        model.fit(X, y, validation=X)
    with pytest.raises(ValueError, match="unknown loss 'nll'"):
        model.loss_and_grads(X, y, loss="nll")
