"""The one training loop: every model, every optimizer name, no silent divergence, schedules, callbacks,
continued training, and the protocol that keeps fit free of any model's private members."""

import ast
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fbnn import MLP
from fbnn.datasets import two_moons, xor
from fbnn.optim import OPTIMIZER_NAMES, SGD, Adam, CosineLR, ExponentialLR, Momentum, StepLR
from fbnn.recurrent import ElmanRNN, JordanRNN
from fbnn.training import EarlyStopping, History, fit

PACKAGE = Path(__file__).resolve().parents[1] / "fbnn"


def _blobs(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _sequences(n=24, T=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, 2))
    return X, (np.cumsum(X[..., 0], axis=1) > 0).astype(int)


# ---------------------------------------------------------------- no silent failure
def test_divergence_raises_naming_epoch_and_batch():
    X, y = _blobs(200)
    m = MLP([4, 16, 2], seed=0)
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+ of 7.*smaller") as err:
        with np.errstate(all="ignore"):
            m.fit(X, y, epochs=6, optimizer=SGD(lr=1e6))
    assert "lr=1e+06" in str(err.value)


def test_divergence_can_stop_and_keep_the_last_finite_weights():
    X, y = _blobs(200)
    m = MLP([4, 16, 2], seed=0)
    with np.errstate(all="ignore"):
        h = m.fit(X, y, epochs=6, optimizer=SGD(lr=1e6), on_nonfinite="stop")
    assert h.stopped_nonfinite and h.epochs < 6
    assert all(np.isfinite(p).all() for p in m.params.values())
    assert np.isfinite(m.evaluate(X, y)["loss"])


def test_predict_and_evaluate_refuse_non_finite_outputs():
    X, y = _blobs()
    m = MLP([4, 16, 2], seed=0)
    m.params["W1"][0, 0] = np.nan
    for call in (lambda: m.predict(X), lambda: m.predict_proba(X), lambda: m.evaluate(X, y)):
        with pytest.raises(FloatingPointError, match="NaN or inf"):
            call()
    with pytest.raises(ValueError, match="hold NaN or inf before training"):
        m.fit(X, y, epochs=1)
    rnn = ElmanRNN(2, 3, 2)
    rnn.params["Why"][:] = np.inf
    with pytest.raises(FloatingPointError):
        rnn.predict(np.zeros((1, 2, 2)))


def test_recurrent_divergence_raises_too():
    X, y = _sequences()
    rnn = ElmanRNN(2, 8, 2, seed=0)
    with pytest.raises(FloatingPointError, match="epoch 1, batch"), np.errstate(all="ignore"):
        rnn.fit(X, y, epochs=3, batch_size=8, optimizer=SGD(lr=1e300))


# ---------------------------------------------------------------- optimizers
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_name_trains_every_model(name):
    X, y = two_moons(80, noise=0.1, seed=0)
    m = MLP([2, 8, 2], hidden="tanh", seed=0)
    before = m.loss(X, y)
    h = m.fit(X, y, epochs=20, batch_size=16, optimizer=name)
    assert m.loss(X, y) < before and isinstance(h, History)
    Xs, ys = _sequences()
    for cls in (ElmanRNN, JordanRNN):
        rnn = cls(2, 6, 2, seed=0)
        before = rnn.loss(Xs, ys)
        assert isinstance(rnn.fit(Xs, ys, epochs=10, batch_size=8, optimizer=name), History)
        assert rnn.loss(Xs, ys) < before


def test_optimizer_class_instead_of_instance_is_refused():
    X, y = xor()
    with pytest.raises(TypeError, match=r"got the class Adam; write Adam\(\)"):
        MLP([2, 2, 1], output="sigmoid").fit(X, y, optimizer=Adam)
    with pytest.raises(TypeError, match="class SGD"):
        ElmanRNN(2, 3, 2).fit(*_sequences(), optimizer=SGD)


# ---------------------------------------------------------------- one API for every model
def test_recurrent_fit_has_the_mlp_signature_and_history():
    X, y = _sequences()
    rnn = ElmanRNN(2, 6, 2, seed=0)
    with pytest.raises(TypeError):
        rnn.fit(X, y, 3)  # keyword-only, as MLP.fit
    h = rnn.fit(X, y, epochs=3, batch_size=8, optimizer="adam", seed=None, validation=(X[:4], y[:4]))
    assert isinstance(h, History) and h.epochs == 3 and len(h.val_accuracy) == 3
    assert h.val_accuracy[-1] == rnn.evaluate(X[:4], y[:4])["accuracy"]


@pytest.mark.parametrize("make", [lambda: MLP([4, 5, 2], seed=0), lambda: ElmanRNN(2, 4, 2, seed=0)])
def test_malformed_validation_is_refused_before_any_update(make):
    model = make()
    if isinstance(model, MLP):
        X, y = _blobs()
        bad = (X[:5], np.full(5, 7))
    else:
        X, y = _sequences()
        bad = (X[:5], np.zeros((5, 9), dtype=int))
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"validation\[1\]"):
        model.fit(X, y, epochs=2, validation=bad)
    assert all(np.array_equal(before[k], model.params[k]) for k in before)
    assert getattr(model, "training_state_", None) is None


class _LinearRegression:
    """A model written only against the public protocol: y = X w + b with the mse loss."""

    task, n_out = "regression", 1

    def __init__(self):
        self.w, self.b = np.zeros(3), np.zeros(1)

    def parameters(self):
        return {"w": self.w, "b": self.b}

    def check_data(self, X, Y, loss=None, names=("X", "Y")):
        return np.asarray(X, float), np.asarray(Y, float).reshape(-1, 1)

    def loss_and_grads(self, X, Y, loss=None, *, check_input=True, out=None, return_correct=False):
        r = X @ self.w + self.b - Y[:, 0]
        grads = {"w": X.T @ r / len(r), "b": np.array([r.mean()])}
        if out is not None:
            for k in grads:
                out[k][...] = grads[k]
        return (0.5 * float(r @ r) / len(r), out or grads, None)

    def evaluate(self, X, Y, loss=None, *, check_input=True):
        r = X @ self.w + self.b - Y[:, 0]
        return {"loss": 0.5 * float(r @ r) / len(r), "mse": float(r @ r) / len(r)}

    def state_dict(self):
        return {"w": self.w.copy(), "b": self.b.copy()}

    def load_state_dict(self, state):
        self.w[...], self.b[...] = state["w"], state["b"]


def test_fit_trains_any_model_with_the_public_protocol():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    Y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    model = _LinearRegression()
    h = fit(model, X, Y, epochs=60, batch_size=20, optimizer=SGD(lr=0.1), validation=(X, Y))
    np.testing.assert_allclose(model.w, [1.0, -2.0, 0.5], atol=1e-6)
    assert h.mse[-1] == pytest.approx(2 * h.loss[-1]) and h.val_mse[-1] < 1e-10 and h.accuracy == []
    with pytest.raises(TypeError, match="training protocol"):
        fit(object(), X, Y)


def _imports(path: Path) -> set[str]:
    """Every fbnn module a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fbnn"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("fbnn"))
    return found


def test_engine_modules_import_each_other_without_cycles():
    engine = {p: f"fbnn.{p.stem}" for p in PACKAGE.glob("*.py")}
    engine.update({p: f"fbnn.recurrent.{p.stem}" for p in (PACKAGE / "recurrent").glob("*.py")})
    names = set(engine.values())
    graph = {name: {m for m in _imports(p) if m in names and m != name} for p, name in engine.items()}
    graph = {k: {m for m in v if not m.endswith("__init__")} for k, v in graph.items()}
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError(f"import cycle: {' -> '.join([*stack, node, nxt])}")
            if nxt not in state:
                visit(nxt, [*stack, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    assert "fbnn.network" not in graph["fbnn.training"] and "fbnn.network" not in graph["fbnn.serialization"]


def test_training_loop_uses_no_private_member_of_a_model():
    tree = ast.parse((PACKAGE / "training.py").read_text())
    private = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "model"
        and node.attr.startswith("_")
    }
    assert private == set()
    code = "import sys, fbnn.training, fbnn.serialization; assert 'fbnn.network' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"seed": -1}, ValueError, "seed must be an int >= 0"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"seed": "0"}, TypeError, "seed must be an int"),
        ({"seed": True}, TypeError, "seed must be an int"),
        ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
        ({"shuffle": 1}, TypeError, "shuffle must be True or False"),
        ({"clip_norm": -1.0}, ValueError, "clip_norm"),
        ({"clip_norm": 0}, ValueError, "clip_norm"),
        ({"clip_norm": "big"}, TypeError, "clip_norm"),
        ({"clip_norm": math.nan}, ValueError, "clip_norm"),
        ({"on_nonfinite": "ignore"}, ValueError, "on_nonfinite"),
        ({"restart": "no"}, TypeError, "restart must be True or False"),
        ({"schedule": 0.5}, TypeError, "schedule must be"),
        ({"callbacks": [3]}, TypeError, r"callbacks\[0\]"),
    ],
)
def test_bad_fit_arguments_name_themselves(kwargs, error, match):
    X, y = _blobs(16)
    for model, data in ((MLP([4, 3, 2], seed=0), (X, y)), (ElmanRNN(2, 3, 2), _sequences(8))):
        with pytest.raises(error, match=match):
            model.fit(*data, epochs=1, **kwargs)


def test_bad_model_arguments_name_themselves():
    with pytest.raises(TypeError, match="recurrent_scale"):
        ElmanRNN(2, 3, 2, recurrent_scale="big")
    with pytest.raises(ValueError, match="recurrent_scale"):
        JordanRNN(2, 3, 2, recurrent_scale=math.inf)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        ElmanRNN(2, 3, 2, seed=-3)
    with pytest.raises(TypeError, match="seed must be an int"):
        MLP([2, 2], seed=0.5)
    assert ElmanRNN(2, 3, 2, seed=None).n_out == 2  # seed=None is allowed everywhere, as for the MLP


@pytest.mark.parametrize("labels", [np.array([0, 1e30]), np.array([0, 2**64 - 1], dtype=np.uint64)])
def test_labels_that_would_overflow_when_cast_are_refused(labels):
    m = MLP([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"Y holds class indices in \[0, 1(\.8\d*)?e\+\d+\]"):
        m.fit(np.zeros((2, 2)), labels, epochs=1)


def test_finite_check_comes_before_the_cast():
    m = MLP([2, 3, 2], seed=0, dtype="float32")
    X = np.array([[1e300, 0.0], [0.0, 1.0]])  # finite in float64, inf in float32
    with pytest.raises(ValueError, match="overflow float32"):
        m.predict(X)
    with pytest.raises(ValueError, match="contains 1 NaN"):
        m.predict(np.array([[np.nan, 0.0]]))


# ---------------------------------------------------------------- schedules, callbacks, continuing
def test_schedules_by_hand():
    assert [StepLR(2, 0.5)(e, 1.0) for e in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert ExponentialLR(0.9)(3, 2.0) == pytest.approx(2.0 * 0.9**3)
    cos = CosineLR(4, min_lr=0.1)
    assert [round(cos(e, 1.1), 12) for e in (0, 2, 4, 9)] == [1.1, 0.6, 0.1, 0.1]
    with pytest.raises(ValueError, match="gamma"):
        StepLR(2, gamma=0)


@pytest.mark.parametrize(
    "make_opt", [lambda: SGD(0.1), lambda: Momentum(0.1, nesterov=True), lambda: Adam(0.01)]
)
def test_schedule_sets_each_epochs_learning_rate_across_calls(make_opt):
    X, y = _blobs()
    m = MLP([4, 5, 2], seed=0)
    opt = make_opt()
    h1 = m.fit(X, y, epochs=3, optimizer=opt, schedule=StepLR(2, 0.1))
    h2 = m.fit(X, y, epochs=2, schedule=StepLR(2, 0.1))  # continues: epochs 3 and 4 of the run
    base = h1.lr[0]
    assert h1.lr + h2.lr == pytest.approx([base, base, base / 10, base / 10, base / 100])


def test_fit_twice_continues_exactly_where_it_stopped():
    X, y = two_moons(60, noise=0.2, seed=1)
    once, twice = MLP([2, 6, 2], seed=3), MLP([2, 6, 2], seed=3)
    h = once.fit(X, y, epochs=5, batch_size=8, optimizer=Adam(0.01), seed=4)
    a = twice.fit(X, y, epochs=2, batch_size=8, optimizer=Adam(0.01), seed=4)
    b = twice.fit(X, y, epochs=3, batch_size=8)  # optimizer state, shuffling and epoch count continue
    assert a.loss + b.loss == h.loss
    assert all(np.array_equal(once.params[k], twice.params[k]) for k in once.params)
    fresh = MLP([2, 6, 2], seed=3)
    twice.load_state_dict(fresh.state_dict())
    r = twice.fit(X, y, epochs=5, batch_size=8, optimizer=Adam(0.01), seed=4, restart=True)
    assert r.loss == h.loss


def test_continuing_recurrent_training_matches_one_run():
    X, y = _sequences()
    one, two = JordanRNN(2, 4, 2, seed=1), JordanRNN(2, 4, 2, seed=1)
    h = one.fit(X, y, epochs=4, batch_size=8, optimizer="momentum", seed=2)
    a = two.fit(X, y, epochs=1, batch_size=8, optimizer="momentum", seed=2)
    b = two.fit(X, y, epochs=3, batch_size=8)
    assert a.loss + b.loss == h.loss


def test_callbacks_stop_training_and_see_the_logs():
    X, y = _blobs()
    seen = []

    def stop_at_three(epoch, logs, model):
        seen.append((epoch, sorted(logs)))
        return epoch == 3

    h = MLP([4, 5, 2], seed=0).fit(X, y, epochs=10, callbacks=[stop_at_three])
    assert h.epochs == 3 and h.stopped_early
    assert seen[0] == (1, ["accuracy", "grad_norm", "loss", "lr"])


def test_early_stopping_on_a_recurrent_net():
    X, y = _sequences(40, seed=2)
    Xv, yv = _sequences(40, seed=3)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=y.shape)  # noise: the validation loss will rise
    rnn = ElmanRNN(2, 32, 2, seed=0)
    stop = EarlyStopping(3)
    h = rnn.fit(X, y, epochs=200, batch_size=8, optimizer=Adam(0.03), validation=(Xv, yv), callbacks=[stop])
    assert h.stopped_early and h.epochs == stop.best_epoch + 3
    assert rnn.evaluate(Xv, yv)["loss"] == pytest.approx(min(h.val_loss), rel=1e-12)


def test_gradient_clipping_applies_to_every_model():
    X, y = _blobs()
    m = MLP([4, 8, 2], seed=0)
    before = m.state_dict()
    h = m.fit(X, y, epochs=1, batch_size=64, optimizer=SGD(lr=1.0), clip_norm=1e-3)
    step = math.sqrt(sum(np.sum((m.params[k] - before[k]) ** 2) for k in before))
    assert step <= 1e-3 + 1e-12 and h.grad_norm[0] > 1e-3


def test_state_dict_round_trip_and_checks():
    m = MLP([3, 4, 2], seed=0)
    state = m.state_dict()
    state["W1"] += 1
    assert not np.array_equal(state["W1"], m.params["W1"])
    m.load_state_dict(state)
    assert np.array_equal(state["W1"], m.params["W1"])
    with pytest.raises(ValueError, match=r"state\['W1'\] has shape"):
        m.load_state_dict({**state, "W1": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="NaN"):
        m.load_state_dict({**state, "b1": np.full(4, np.nan)})
