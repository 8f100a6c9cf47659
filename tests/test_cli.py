"""``python -m fbnn derive`` and ``python -m fbnn check``: output, exit status, ASCII fallback."""

import os
import subprocess
import sys

import pytest

import fbnn.symbolic.derivation as derivation
from fbnn.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, stdin=None, env=None):
    """``python -m fbnn ARGS`` in a subprocess (this checkout first on the path)."""
    full_env = {
        **os.environ,
        "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "fbnn", *args],
        capture_output=True,
        input=stdin,
        timeout=120,
        env=full_env,
        cwd=ROOT,
    )


SIGMOID_BCE = ["--activation", "sigmoid", "--loss", "binary_cross_entropy"]


def test_derive_plain_text(capsys):
    assert main(["derive", *SIGMOID_BCE]) == 0
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
    valid = "'identity', 'sigmoid'" if flag == "--activation" else "'mse', 'binary_cross_entropy'"
    assert f"argument {flag}: invalid choice: {bad!r} (choose from {valid}" in err


def test_derive_verify_flag(capsys):
    assert main(["derive", "--activation", "tanh", "--loss", "mse", "--verify"]) == 0
    assert "verified: equals SymPy's direct derivative" in capsys.readouterr().out


def test_derive_verify_failure_exits_1(capsys, monkeypatch):
    monkeypatch.setattr(derivation.Derivation, "verify", lambda self: False)
    assert main(["derive", "--activation", "tanh", "--loss", "mse", "--verify"]) == 1
    assert "NOT verified by simplification" in capsys.readouterr().out


@pytest.mark.parametrize("flag,value,limit", [("--n-in", "9", 8), ("--n-out", "7", 6)])
@pytest.mark.parametrize("command", [["derive"], ["check", "dL/dz1 = a1"]])
def test_sizes_too_large_to_derive_quickly_are_refused(capsys, command, flag, value, limit):
    with pytest.raises(SystemExit) as exc:
        main([*command, *SIGMOID_BCE, flag, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"{flag} {value} is more than {limit}" in err and "grows quickly with the size" in err


def test_python_dash_m_falls_back_to_ascii_when_the_terminal_cannot_encode():
    fancy = run("derive", *SIGMOID_BCE, "--layer", env={"PYTHONIOENCODING": "utf-8"})
    assert fancy.returncode == 0 and not fancy.stdout.isascii()  # Unicode pretty print and notes
    assert "δ xᵀ" in fancy.stdout.decode("utf-8")
    plain = run("derive", *SIGMOID_BCE, "--layer", env={"PYTHONIOENCODING": "ascii"})
    assert plain.returncode == 0 and plain.stdout.isascii(), plain.stderr.decode()
    text = plain.stdout.decode("ascii")
    assert "dL/dz" in text and "delta x^T" in text and "dz_i/dW_ij = x_j" in text
    assert "?" not in text  # SymPy's ASCII pretty print, not Unicode art with its characters replaced


def test_ascii_flag(capsys):
    assert main(["derive", *SIGMOID_BCE, "--layer", "--ascii"]) == 0
    assert capsys.readouterr().out.isascii()
    assert main(["derive", *SIGMOID_BCE, "--layer", "--latex", "--ascii"]) == 0
    assert capsys.readouterr().out.isascii()


def test_check_exit_status_0_1_2():
    proved = run("check", *SIGMOID_BCE, "dL/dz = (a - y)/N")
    assert proved.returncode == 0, proved.stderr.decode()
    assert "identical: claimed - true simplifies to 0" in proved.stdout.decode()

    refuted = run("check", *SIGMOID_BCE, "dL/dz = (a - y)/N", "dL/dz = a - y")
    assert refuted.returncode == 1
    assert "not identical: at z = 1/3, y = 2/5, N = 5 the claim gives" in refuted.stdout.decode()

    unreadable = run("check", *SIGMOID_BCE, "dL/dz = a - y", "dL/dz = a(1 - a)")
    assert unreadable.returncode == 2  # an unreadable claim outranks a refuted one
    assert "claim 2: dL/dz = a(1 - a)" in unreadable.stderr.decode()
    assert "write 'a*(1 - a)'" in unreadable.stderr.decode()


def test_check_undecided_exits_2(capsys):
    assert main(["check", *SIGMOID_BCE, "dL/dz = (a - y)/N + 1e-30"]) == 2
    assert "undecided" in capsys.readouterr().out


def test_check_from_file_and_stdin(tmp_path):
    claims = tmp_path / "claims.txt"
    claims.write_text(
        "# the fused gradient and two mistakes\n\ndL/dz = (a - y)/N\ndL/dz = a - y\nda/dz = a\n",
        encoding="utf-8",
    )
    proc = run("check", *SIGMOID_BCE, "--from-file", str(claims))
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert out.count("not identical") == 2 and out.count("identical: claimed - true") == 1

    proc = run("check", *SIGMOID_BCE, "--from-file", "-", stdin=b"dL/dz = (a - y)/N\nda/dz = a*(1 - a)\n")
    assert proc.returncode == 0 and proc.stdout.decode().count("identical: claimed") == 2


def test_check_from_file_line_numbers_and_missing_file(tmp_path, capsys):
    claims = tmp_path / "claims.txt"
    claims.write_text("dL/dz = a - y\ndL/dz = 2a\n", encoding="utf-8")
    assert main(["check", *SIGMOID_BCE, "--from-file", str(claims)]) == 2
    captured = capsys.readouterr()
    assert f"{claims}:2: dL/dz = 2a" in captured.err and "not identical" in captured.out
    with pytest.raises(SystemExit) as exc:
        main(["check", *SIGMOID_BCE, "--from-file", str(tmp_path / "nope.txt")])
    assert exc.value.code == 2 and "cannot read claims from" in capsys.readouterr().err


def test_check_without_claims_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", *SIGMOID_BCE])
    assert exc.value.code == 2 and "give at least one claim" in capsys.readouterr().err


def test_check_output_is_ascii_when_the_terminal_needs_it():
    # A claim echoed with a non-ASCII character must not crash an ASCII terminal.
    proc = run("check", *SIGMOID_BCE, "dL/dz = σ(z) - y", env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert "write 'sigma' instead" in proc.stderr.decode("ascii", "replace")


def test_help_documents_the_exit_status(capsys):
    for command in ("check", "derive"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
    out = capsys.readouterr().out
    assert "exit status:" in out and "0  every claim is identical" in out and "1  a claim is refuted" in out
    assert "2  bad input" in out and "exit status: 0 success; 1 --verify" in out


def test_readme_example_is_what_check_prints():
    from fbnn.symbolic import check_text_claim

    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    shown = readme.split("The second command prints\n\n```text\n", 1)[1].split("```", 1)[0]
    result = check_text_claim("dL/dz = (a - y)/N", "sigmoid", "mse")
    assert shown == f"{result}\n"


def test_docstring_examples_of_the_checker_run():
    import doctest

    import fbnn.symbolic
    import fbnn.symbolic.display
    import fbnn.symbolic.formula
    import fbnn.symbolic.textclaims

    for module in (fbnn.symbolic, fbnn.symbolic.formula, fbnn.symbolic.textclaims, fbnn.symbolic.display):
        failed, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert tried > 0 and failed == 0, module.__name__
