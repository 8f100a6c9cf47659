"""nbval really compares stored outputs: a notebook whose stored number was changed must fail."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from bookfiles import ROOT, load

SOURCE = ROOT / "book" / "setup.ipynb"
NUMBER = re.compile(r"\d\.\d{3,}")


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    # The project's own options (strict --nbval, sanitize file), but alone and on one worker.
    cmd = [
        sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "--rootdir", str(path.parent), "--nbval", "--nbval-current-env",
        "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent, timeout=300)


def tamper(nb: dict) -> str:
    """Change the last digit of the first stored decimal number in a text output; return the old text."""
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for out in cell.get("outputs", []):
            key, holder = ("text", out) if "text" in out else ("text/plain", out.get("data", {}))
            if key not in holder:
                continue
            text = "".join(holder[key])
            match = NUMBER.search(text)
            if match:
                old = match.group(0)
                new = old[:-1] + str((int(old[-1]) + 1) % 10)
                holder[key] = text[: match.start()] + new + text[match.end():]
                return old
    raise AssertionError("no decimal number found in the stored outputs to tamper with")


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    shutil.copy(SOURCE, tmp_path / SOURCE.name)
    return tmp_path


def test_untouched_copy_passes(copy_dir: Path):
    result = run_nbval(copy_dir / SOURCE.name)
    assert result.returncode == 0, result.stdout[-3000:]


def test_changed_stored_number_fails(copy_dir: Path):
    path = copy_dir / SOURCE.name
    nb = load(path)
    tamper(nb)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    result = run_nbval(path)
    assert result.returncode != 0, "nbval accepted a notebook whose stored output was changed"
    assert "failed" in result.stdout.lower()


def test_project_runs_nbval_strict():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = config["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "--nbval" in addopts and "--nbval-lax" not in addopts
