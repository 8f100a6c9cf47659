"""The stored outputs reproduce on another machine: strict nbval again, with NumPy's SIMD dispatch reduced.

A reader's CPU may lack the vector extensions of the machine that stored the outputs, and NumPy then
runs other kernels, whose sums round differently (a different order of additions, no FMA). Disabling the
extensions that NumPy dispatches to here (``NPY_DISABLE_CPU_FEATURES``, e.g. the AVX2 and AVX-512 groups
``X86_V3``/``X86_V4``/``AVX512_*`` on x86-64) reproduces that in one run. Every code cell of every toc
notebook must pass: nothing is skipped. ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are left alone on
purpose: some machines need their current values for correct results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bookfiles import ROOT, load, run_nbval, toc_notebooks

NOTEBOOKS = toc_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def dispatched_features() -> list[str]:
    """The SIMD extensions beyond its baseline that NumPy found on this CPU (``show_runtime``'s "found")."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]


FEATURES = dispatched_features()
REDUCED = {"NPY_DISABLE_CPU_FEATURES": " ".join(FEATURES)}


def features_in_a_fresh_process(env: dict[str, str]) -> dict[str, bool]:
    code = "import json, numpy._core._multiarray_umath as m; print(json.dumps(m.__cpu_features__))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def reduced_run(tmp_path_factory: pytest.TempPathFactory):
    if not FEATURES:
        pytest.skip(f"NumPy {np.__version__} dispatches to no SIMD extension beyond its baseline on this CPU")
    junit = tmp_path_factory.mktemp("reduced_simd") / "junit.xml"
    return run_nbval(NOTEBOOKS, cwd=ROOT, junit=junit, extra_env=REDUCED)


def test_the_reduced_run_really_runs_without_those_extensions():
    if not FEATURES:
        pytest.skip(f"NumPy {np.__version__} dispatches to no SIMD extension beyond its baseline on this CPU")
    after = features_in_a_fresh_process({**os.environ, **REDUCED})
    assert not any(after[name] for name in FEATURES), {name: after[name] for name in FEATURES}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_cell_reproduces_with_reduced_simd(reduced_run, path: Path):
    outcomes, result = reduced_run
    n_cells = sum(c["cell_type"] == "code" for c in load(path)["cells"])
    mine = {cell: outcome for (stem, cell), outcome in outcomes.items() if stem == path.stem}
    log = result.stdout[-4000:] + result.stderr[-2000:]
    assert sorted(mine) == list(range(n_cells)), f"nbval did not report every cell of {path.name}:\n{log}"
    bad = {cell: outcome for cell, outcome in mine.items() if outcome != "passed"}
    assert not bad, f"{REDUCED}: cells {bad} of {path.name} differ from the stored outputs:\n{log}"
