"""The environment of every notebook kernel: the one that stored the outputs and the ones nbval starts.

Kept apart from ``run_notebooks`` so that ``conftest.py`` can use it without importing the notebook
machinery (unit tests need only numpy, sympy and pytest).
"""

# Single-threaded BLAS makes floating-point reductions independent of the machine's core count, and a
# fixed hash seed fixes set/dict iteration.
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
