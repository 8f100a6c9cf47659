"""Repository-wide pytest setup, loaded for every test run whatever paths are given.

The notebook kernels that nbval starts inherit this process's environment. Pinning BLAS to one thread
and fixing the hash seed makes every re-run print the same digits as ``tools/run_notebooks.py`` stored,
whatever the machine's core count.
"""

import os

os.environ.update(
    {
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
)

collect_ignore_glob = ["_build/*", "benchmarks/*", "tools/*"]
