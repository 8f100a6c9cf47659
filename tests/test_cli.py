"""``python -m fbnn derive``."""

import subprocess
import sys

import pytest

from fbnn.cli import main


def test_derive_plain_text(capsys):
    assert main(["derive", "--activation", "sigmoid", "--loss", "binary_cross_entropy"]) == 0
    out = capsys.readouterr().out
    assert "dL/dz" in out and "a - y" in out


def test_derive_latex_softmax_layer(capsys):
    assert main(["derive", "--activation", "softmax", "--loss", "cross_entropy", "--latex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\begin{aligned}") and r"\operatorname{diag}" not in out and "a_{1} - y_{1}" in out


@pytest.mark.parametrize("flag,bad", [("--activation", "sigmod"), ("--loss", "bce")])
def test_unknown_name_lists_valid_ones(capsys, flag, bad):
    args = {"--activation": "sigmoid", "--loss": "mse", flag: bad}
    with pytest.raises(SystemExit) as exc:
        main(["derive", *[v for kv in args.items() for v in kv]])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"unknown {flag[2:]} {bad!r}" in err and "valid names are" in err


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "fbnn", "derive", "--activation", "tanh", "--loss", "mse"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "tanh" in proc.stdout


def test_derive_verify_flag(capsys):
    assert main(["derive", "--activation", "tanh", "--loss", "mse", "--verify"]) == 0
    assert "verified: equals SymPy's direct derivative" in capsys.readouterr().out
