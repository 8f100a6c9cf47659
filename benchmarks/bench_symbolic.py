"""Timings of fbnn.symbolic: the general (symbolic-size) derivation, code generation, element-wise checks.

Run: ``python benchmarks/bench_symbolic.py [--repeats 3]``. Targets (issue 4): the symbolic-size
dense-layer gradient derivation < 1 s; generating the NumPy gradient of a 100x50 layer from it < 1 s.
The element-wise checks grow quickly with the layer size, which is why the general result is derived
on the structure (matrix symbols) rather than on the entries.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--sizes", default="2x2,3x2,4x3,6x4", help="n_out x n_in sizes of the explicit checks"
    )
    args = parser.parse_args()

    from fbnn.symbolic import check_dense_layer, check_network, dense_gradient_function, derive_dense_gradient

    derive_dense_gradient()  # warm SymPy's caches of imports, not of this derivation's results
    t_derive = _median_time(derive_dense_gradient, args.repeats)
    grad = derive_dense_gradient()
    t_codegen = _median_time(lambda: dense_gradient_function(grad, 100, 50), args.repeats)
    f = dense_gradient_function(grad, 100, 50)
    rng = np.random.default_rng(0)
    Delta, X = rng.normal(size=(32, 100)), rng.normal(size=(32, 50))
    dW, _ = f(Delta, X)
    assert np.allclose(dW, Delta.T @ X)
    print(f"symbolic-size dense gradient derivation : {t_derive:.3f} s (target < 1 s)")
    print(f"NumPy function for a 100x50 layer       : {t_codegen:.3f} s (target < 1 s)")
    print()
    print("element-wise check (sigmoid + BCE, every entry of dL/dW and dL/db proved equal):")
    print(f"{'layer':>8} {'entries':>8} {'seconds':>9}")
    for size in args.sizes.split(","):
        n_out, n_in = (int(s) for s in size.split("x"))
        result = check_dense_layer(n_out, n_in, "sigmoid", "binary_cross_entropy")
        assert result.ok
        print(f"{size:>8} {result.n_entries:>8} {result.seconds:>9.3f}")
    print()
    print("element-wise check of the delta recursion, 2-3-2 network (output sigmoid + MSE):")
    print(f"{'hidden':>8} {'entries':>8} {'seconds':>9}")
    for hidden in ("identity", "sigmoid", "tanh", "relu"):
        result = check_network((2, 3, 2), hidden, "sigmoid", "mse")
        assert result.ok
        print(f"{hidden:>8} {result.n_entries:>8} {result.seconds:>9.3f}")


if __name__ == "__main__":
    main()
