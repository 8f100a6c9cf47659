"""fbnn.symbolic.check_text_claim: typed claims proved, or refuted with a counterexample recomputed here."""

import math

import pytest

from fbnn.symbolic import FormulaError, check_text_claim


def sig(u: float) -> float:
    return 1 / (1 + math.exp(-u))


# (claim, activation, loss, keyword arguments): all true.
CORRECT = [
    ("dL/dz = (a - y)/N", "sigmoid", "binary_cross_entropy", {}),
    ("delta = (a - y)/N", "sigmoid", "binary_cross_entropy", {}),
    ("dL/dz = (a - y)*a*(1 - a)/N", "sigmoid", "mse", {}),
    ("dL/dz = (a - y)*(1 - a^2)/N", "tanh", "mse", {}),
    ("dL/dz = (a - y)/N", "identity", "mse", {}),
    ("dL/da = (a - y)/(N*a*(1 - a))", "sigmoid", "binary_cross_entropy", {}),
    ("dL/da = -(y/a - (1 - y)/(1 - a))/N", "tanh", "binary_cross_entropy", {}),
    ("da/dz = a*(1 - a)", "sigmoid", "mse", {}),
    ("da/dz = sigma(z)*(1 - sigma(z))", "sigmoid", "mse", {}),
    ("da/dz = 1 - tanh(z)^2", "tanh", "mse", {}),
    ("dL/dw1 = (a - y)*x1/N", "sigmoid", "binary_cross_entropy", {}),
    ("dL/dw[j] = (a - y)*x[j]/N", "sigmoid", "binary_cross_entropy", {"n_in": 3}),
    ("dL/db = (sigma(w1*x1 + w2*x2 + b) - y)/N", "sigmoid", "binary_cross_entropy", {}),
    ("dL/dx2 = (a - y)*w2/N", "sigmoid", "binary_cross_entropy", {}),
    ("L = -(y*log(a) + (1 - y)*log(1 - a))/N", "sigmoid", "binary_cross_entropy", {}),
    ("L = (a - y)^2/(2*N)", "identity", "mse", {}),
    ("z = w1*x1 + w2*x2 + b", "sigmoid", "mse", {}),
    ("a = 1/(1 + exp(-z))", "sigmoid", "mse", {}),
    ("dL/dz = (a - y)*relu(z)/(z*N)", "relu", "mse", {}),
    ("dL/dz[k] = (a[k] - y[k])/N", "softmax", "cross_entropy", {}),
    ("dL/dW[i,j] = (a[i] - y[i])*x[j]/N", "softmax", "cross_entropy", {"n_in": 2}),
    ("da1/dz2 = -a1*a2", "softmax", "cross_entropy", {}),
    ("da[k]/dz[k] = a[k]*(1 - a[k])", "softmax", "mse", {}),
    ("dL/dz2 = (a2 - y2)/N", "sigmoid", "binary_cross_entropy", {"layer": True, "n_in": 3}),
    ("dL/db_k = (a_k - y_k)/N", "sigmoid", "binary_cross_entropy", {"n_out": 3}),
]


@pytest.mark.parametrize("claim,act,loss,kw", CORRECT, ids=[c for c, *_ in CORRECT])
def test_correct_claims_are_proved(claim, act, loss, kw):
    r = check_text_claim(claim, act, loss, **kw)
    assert r.identical is True and bool(r), str(r)
    assert "identical: claimed - true simplifies to 0" in str(r)


def _loss(act: str, loss: str, z: float, y: float) -> float:
    a = {"sigmoid": sig, "tanh": math.tanh, "identity": lambda u: u}[act](z)
    if loss == "mse":
        return 0.5 * (a - y) ** 2
    return -(y * math.log(a) + (1 - y) * math.log(1 - a))


def _dL_dz(act, loss, z, y, N, h=1e-6):
    # Central difference of one sample's share of the mean loss: independent of SymPy.
    return (_loss(act, loss, z + h, y) - _loss(act, loss, z - h, y)) / (2 * h) / N


# Wrong claims (the common mistakes), with the claimed value as a plain function of the point and
# the true value by finite differences.
WRONG = [
    ("dL/dz = a - y", "sigmoid", "binary_cross_entropy", lambda p: sig(p["z"]) - p["y"], "forgot 1/N"),
    (
        "dL/dz = (y - a)/N",
        "sigmoid",
        "binary_cross_entropy",
        lambda p: (p["y"] - sig(p["z"])) / p["N"],
        "sign",
    ),
    ("dL/dz = (a - y)/N", "sigmoid", "mse", lambda p: (sig(p["z"]) - p["y"]) / p["N"], "missing sigma'"),
    ("dL/dz = (a - y)/N", "tanh", "mse", lambda p: (math.tanh(p["z"]) - p["y"]) / p["N"], "missing tanh'"),
    (
        "dL/dz = (a - y)*a/N",
        "sigmoid",
        "mse",
        lambda p: (sig(p["z"]) - p["y"]) * sig(p["z"]) / p["N"],
        "sigma' = a (the article's §4.4)",
    ),
    (
        "dL/dz = (a - y)*a*(1 - a)",
        "sigmoid",
        "mse",
        lambda p: (sig(p["z"]) - p["y"]) * sig(p["z"]) * (1 - sig(p["z"])),
        "forgot 1/N",
    ),
]


@pytest.mark.parametrize("claim,act,loss,claimed_at,mistake", WRONG, ids=[m for *_, m in WRONG])
def test_wrong_claims_get_a_counterexample_whose_values_check_out(claim, act, loss, claimed_at, mistake):
    r = check_text_claim(claim, act, loss)
    assert r.identical is False and not r, str(r)
    point = {str(s): float(v) for s, v in r.result.counterexample.items()}
    assert set(point) <= {"z", "y", "N"}
    p = {"y": 0.0, "N": 1.0, **point}
    assert float(r.result.claimed_value) == pytest.approx(claimed_at(p), rel=1e-12)
    assert float(r.result.true_value) == pytest.approx(_dL_dz(act, loss, p["z"], p["y"], p["N"]), rel=1e-7)
    assert float(r.result.claimed_value) != pytest.approx(float(r.result.true_value), rel=1e-6)
    assert f"there a = {sig(p['z']) if act == 'sigmoid' else math.tanh(p['z']):.6g}" in str(r)


def test_wrong_weight_gradient_counterexample_in_the_parameters():
    # The bias left out of sigma(...): the claim uses weights, so z is expanded to w1 x1 + w2 x2 + b.
    r = check_text_claim("dL/db = (sigma(w1*x1 + w2*x2) - y)/N", "sigmoid", "binary_cross_entropy")
    assert r.identical is False
    p = {str(s): float(v) for s, v in r.result.counterexample.items()}
    z = p["w1"] * p["x1"] + p["w2"] * p["x2"] + p["b"]
    assert float(r.result.claimed_value) == pytest.approx((sig(z - p["b"]) - p["y"]) / p["N"], rel=1e-12)
    assert float(r.result.true_value) == pytest.approx(
        _dL_dz("sigmoid", "binary_cross_entropy", z, p["y"], p["N"])
    )
    exact = {str(s): v for s, v in r.result.counterexample.items()}
    z_exact = exact["w1"] * exact["x1"] + exact["w2"] * exact["x2"] + exact["b"]
    assert f"(there z = {z_exact}, a = {sig(z):.6g})" in str(r)


def test_the_article_loss_as_printed_is_refuted():
    # §4.3 prints -1/m sum y log a + (1 - y) log(1 - a): the minus sign covers only the first term.
    r = check_text_claim("L = -y*log(a)/N + (1 - y)*log(1 - a)/N", "sigmoid", "binary_cross_entropy")
    assert r.identical is False
    p = {str(s): float(v) for s, v in r.result.counterexample.items()}
    a = sig(p["z"])
    assert float(r.result.claimed_value) == pytest.approx(
        (-p["y"] * math.log(a) + (1 - p["y"]) * math.log(1 - a)) / p["N"]
    )
    assert float(r.result.true_value) == pytest.approx(
        _loss("sigmoid", "binary_cross_entropy", p["z"], p["y"]) / p["N"]
    )


def test_layer_claim_refuted_entry_by_entry():
    r = check_text_claim("dL/dW[i,j] = (a[i] - y[i])*x[j]", "softmax", "cross_entropy", n_in=2)
    assert r.identical is False
    p = {str(s): float(v) for s, v in r.result.counterexample.items()}
    zs = [p["z1"], p["z2"], p["z3"]]
    ys = [p["y1"], p["y2"], 1 - p["y1"] - p["y2"]]  # the targets are a probability row
    e = [math.exp(v) for v in zs]
    a = [v / sum(e) for v in e]
    claimed = [(a[i] - ys[i]) * p[f"x{j + 1}"] for i in range(3) for j in range(2)]
    true = [v / p["N"] for v in claimed]  # softmax + cross-entropy: dL/dW = (a - y) x^T / N
    assert [float(v) for v in r.result.claimed_value] == pytest.approx(claimed, rel=1e-12)
    assert [float(v) for v in r.result.true_value] == pytest.approx(true, rel=1e-12)
    assert "y3 = " in str(r)


def test_undecided_when_no_point_tells_them_apart():
    # 1e-30 is below the comparison tolerance at every point, and the difference is not 0.
    r = check_text_claim("dL/dz = (a - y)/N + 1e-30", "sigmoid", "binary_cross_entropy")
    assert r.identical is None and "undecided" in str(r)


@pytest.mark.parametrize(
    "claim,kw,message",
    [
        ("dL/dz", {}, "exactly one '='"),
        ("dL/dz == a", {}, "exactly one '='"),
        ("dL/dq = a", {}, "cannot read the left side 'dL/dq'"),
        ("dL/dz = a(1 - a)", {}, "write 'a*(1 - a)'"),
        ("dL/dw = x1", {}, "dL/dW is a vector of 2 entries in this setting; state one entry"),
        ("dL/dz = a", {"n_out": 3}, "dL/dz is a vector of 3 entries"),
        ("dL/dW[1,2] = a", {}, "the weights are w1, w2, ... for one neuron"),
        ("dL/dw3 = x1", {}, "index 3 is out of range 1..2"),
        ("dL/dz = a + w[k]", {}, "index 'k' in 'w[k]' is not declared"),
        ("dL/dz = __import__(os)", {}, "unknown function '__import__'"),
    ],
)
def test_bad_claims_are_refused_with_a_reason(claim, kw, message):
    with pytest.raises(FormulaError) as err:
        check_text_claim(claim, "sigmoid", "binary_cross_entropy", **kw)
    assert message in str(err.value)


def test_bad_settings():
    with pytest.raises(ValueError, match="unknown activation 'sigmod'"):
        check_text_claim("dL/dz = a", "sigmod", "mse")
    with pytest.raises(ValueError, match="n_in=9 is more than 8"):
        check_text_claim("dL/dz = a", "sigmoid", "mse", n_in=9)
    with pytest.raises(ValueError, match="n_out=7 is more than 6"):
        check_text_claim("dL/dz1 = a1", "sigmoid", "mse", n_out=7)
    with pytest.raises(TypeError, match="claim must be a string"):
        check_text_claim(None, "sigmoid", "mse")
