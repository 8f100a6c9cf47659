"""Repository-wide pytest setup, loaded for every test run whatever paths are given.

The notebook kernels that nbval starts inherit this process's environment. They get the same one as
``tools/run_notebooks.py`` gave the kernels that stored the outputs (single-threaded BLAS, a fixed hash
seed), so every re-run prints the same digits whatever the machine's core count. Only the small
``tools.kernel_env`` is imported here: unit tests must run with numpy, sympy and pytest alone.
"""

import os

from tools.kernel_env import KERNEL_ENV

os.environ.update(KERNEL_ENV)

collect_ignore_glob = ["_build/*", "benchmarks/*", "tools/*"]
