"""Timings of fbnn.symbolic: the general (symbolic-size) derivation, code generation, element-wise checks.

Run: ``python benchmarks/bench_symbolic.py [--repeats 3]``. Targets (issue 4): the symbolic-size
dense-layer gradient derivation < 1 s; generating the NumPy gradient of a 100x50 layer from it < 1 s.
Issue 18: checking a typed claim (``check_text_claim``, what ``python -m fbnn check`` runs) < 2 s for
every neuron setting, for a true claim (proved) and a false one (refuted); layer settings are reported too.
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
    parser.add_argument("--claims-only", action="store_true", help="only time the typed-claim checks")
    args = parser.parse_args()
    if args.claims_only:
        bench_text_claims(args.repeats)
        return

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
    print()
    bench_text_claims(args.repeats)


# dL/da by loss and da/dz by activation, in the textbook's closed forms (what a student would type).
_DL_DA = {"mse": "(a - y)/N", "binary_cross_entropy": "(a - y)/(N*a*(1 - a))"}
_DA_DZ = {"identity": "1", "sigmoid": "a*(1 - a)", "tanh": "(1 - a^2)", "relu": "relu(z)/z"}
_LAYER_CLAIMS = [
    (
        "sigmoid",
        "binary_cross_entropy",
        3,
        2,
        "dL/dW[i,j] = (a[i] - y[i])*x[j]/N",
        "dL/dW[i,j] = (a[i] - y[i])*x[j]",
    ),
    (
        "softmax",
        "cross_entropy",
        2,
        3,
        "dL/dW[i,j] = (a[i] - y[i])*x[j]/N",
        "dL/dW[i,j] = (y[i] - a[i])*x[j]/N",
    ),
    ("tanh", "mse", 3, 3, "dL/dz[k] = (a[k] - y[k])*(1 - a[k]^2)/N", "dL/dz[k] = (a[k] - y[k])/N"),
]


def _cold_median(fn, repeats: int) -> tuple[float, object]:
    """Median time of ``fn()`` with SymPy's cache cleared before each run (a fresh process's cost)."""
    from sympy.core.cache import clear_cache

    times, out = [], None
    for _ in range(repeats):
        clear_cache()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_text_claims(repeats: int) -> None:
    """Median seconds of ``check_text_claim`` per setting, for a true and a false claim (cold cache)."""
    from fbnn.symbolic import check_text_claim

    check_text_claim("da/dz = a*(1 - a)", "sigmoid", "mse")  # import everything once
    print("typed claims, neuron with 2 inputs, SymPy cache cleared before each (target < 2 s each):")
    head = ("activation", "loss", "true claim", "verdict", "false claim", "verdict")
    print("{:>10} {:>21} {:>11} {:>8} {:>12} {:>8}".format(*head))
    worst = 0.0
    for act, da_dz in _DA_DZ.items():
        for loss, dl_da in _DL_DA.items():
            if act == "relu" and loss == "binary_cross_entropy":
                continue  # log(relu(z)) is undefined for z <= 0 (as in Derivation.verify)
            row = []
            for claim in (
                f"dL/dw1 = {dl_da}*{da_dz}*x1",
                f"dL/dw1 = -{dl_da}*{da_dz}*x1",
            ):  # true; sign error
                t, result = _cold_median(lambda c=claim, f=act, g=loss: check_text_claim(c, f, g), repeats)
                worst = max(worst, t)
                row += [t, result.identical]
            print(f"{act:>10} {loss:>21} {row[0]:>10.3f}s {row[1]!s:>8} {row[2]:>11.3f}s {row[3]!s:>8}")
    print(f"slowest neuron check: {worst:.3f} s (target < 2 s)")
    print()
    print("typed claims, dense layers (cold cache):")
    for act, loss, n_in, n_out, true_claim, false_claim in _LAYER_CLAIMS:
        for claim in (true_claim, false_claim):
            t, result = _cold_median(
                lambda c=claim, f=act, g=loss, i=n_in, o=n_out: check_text_claim(c, f, g, n_in=i, n_out=o),
                repeats,
            )
            print(f"{act:>8} {loss:>21} {n_in}->{n_out}  {claim:<45} {t:>7.3f} s  {result.identical}")


if __name__ == "__main__":
    main()
