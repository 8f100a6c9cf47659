"""How long one backward pass of fbnn's MLP takes relative to one forward pass.

For each configuration (layer sizes, batch size, dtype) the script times ``model.forward(X,
return_cache=True)`` and ``model.backward(cache, grad)`` alternately, ``--repeats`` times each, so that
load on the machine hits both alike; it reports the median of each and the median of the paired ratios
backward/forward. Next to it, the ratio of multiply-adds the two passes do in their matrix products
(backward: ``dW = dZ.T @ A`` for every layer and ``dA = dZ @ W`` for every layer but the first).

Usage::

    python benchmarks/bench_backward_ratio.py            # full run
    python benchmarks/bench_backward_ratio.py --quick    # a few seconds

Threads: BLAS is pinned to one thread (set before NumPy is imported) so that the ratio does not depend on
how many cores the machine lends to each matrix product.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from fbnn import MLP  # noqa: E402

CONFIGS = [
    # (sizes, hidden activation, output activation)
    ([100, 100, 50, 10], "sigmoid", "softmax"),  # the article's listing (its §5.2)
    ([64, 128, 10], "relu", "softmax"),  # the digits network of the engine benchmark
    ([256, 256, 256, 256, 10], "relu", "softmax"),  # deeper, equal widths
]
BATCHES = [32, 256]
DTYPES = ["float64", "float32"]


def macs(sizes: list[int], n: int) -> tuple[int, int]:
    """Multiply-adds of the matrix products: (forward, backward) for a batch of ``n``."""
    layer = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    forward = n * sum(layer)
    backward = n * (sum(layer) + sum(layer[1:]))  # dW everywhere, dA_{l-1} for l >= 2
    return forward, backward


def time_pair(model: MLP, X: np.ndarray, grad: np.ndarray, repeats: int) -> tuple[list[float], list[float]]:
    fwd, bwd = [], []
    for _ in range(3):  # warm-up: allocate, fault pages in
        _, cache = model.forward(X, return_cache=True)
        model.backward(cache, grad)
    for _ in range(repeats):
        t0 = time.perf_counter()
        _, cache = model.forward(X, return_cache=True)
        t1 = time.perf_counter()
        model.backward(cache, grad)
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    return fwd, bwd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a few seconds)")
    parser.add_argument("--repeats", type=int, default=None, help="timed forward/backward pairs per row")
    args = parser.parse_args()
    repeats = args.repeats or (50 if args.quick else 400)
    rng = np.random.default_rng(0)
    print(
        f"numpy {np.__version__}; {repeats} interleaved forward/backward pairs per row; BLAS threads = "
        f"{os.environ['OPENBLAS_NUM_THREADS']}"
    )
    header = (
        f"{'sizes':<22} {'act':<8} {'batch':>5} {'dtype':<8} "
        f"{'fwd us':>9} {'bwd us':>9} {'bwd/fwd':>8} {'MAC ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for sizes, hidden, output in CONFIGS:
        for batch in BATCHES:
            for dtype in DTYPES:
                model = MLP(sizes, hidden=hidden, output=output, seed=0, dtype=dtype)
                X = rng.standard_normal((batch, sizes[0])).astype(dtype)
                grad = (rng.standard_normal((batch, sizes[-1])) / batch).astype(dtype)
                fwd, bwd = time_pair(model, X, grad, repeats)
                paired = statistics.median(b / f for f, b in zip(fwd, bwd, strict=True))
                f_mac, b_mac = macs(sizes, batch)
                print(
                    f"{'-'.join(map(str, sizes)):<22} {hidden:<8} {batch:>5} {dtype:<8} "
                    f"{statistics.median(fwd) * 1e6:9.1f} {statistics.median(bwd) * 1e6:9.1f} "
                    f"{paired:8.2f} {b_mac / f_mac:9.2f}"
                )


if __name__ == "__main__":
    main()
