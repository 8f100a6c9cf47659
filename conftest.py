"""Repository-wide pytest setup, loaded for every test run whatever paths are given.

The notebook kernels that nbval starts inherit this process's environment. They get the same one as
``tools/run_notebooks.py`` gave the kernels that stored the outputs (single-threaded BLAS, a fixed hash
seed), so every re-run prints the same digits whatever the machine's core count. Only the small
``tools.kernel_env`` is imported here: unit tests must run with numpy, sympy and pytest alone.
"""

import os

from tools.kernel_env import KERNEL_ENV

os.environ.update(KERNEL_ENV)

# Property tests draw the same examples on every run and every machine: a test that passes here passes in CI
# (a failure found once is a failure every time, not a flake), and no example database is kept between runs.
try:
    from hypothesis import settings
except ImportError:  # unit tests run without hypothesis too
    pass
else:
    settings.register_profile("fbnn", derandomize=True, database=None)
    settings.load_profile("fbnn")

collect_ignore_glob = ["_build/*", "benchmarks/*", "tools/*"]
