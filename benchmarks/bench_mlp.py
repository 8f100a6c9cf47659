"""Per-epoch training time of fbnn against PyTorch CPU eager, scikit-learn and a bare NumPy loop.

The same network (same initial weights, same Adam settings, same batch size and dtype) is trained
on the standardised digits split by four implementations. Their epochs are interleaved: in every
round each implementation runs one epoch, in an order shuffled per round, so slow phases of a
shared machine hit all of them alike. We report the median epoch time of each and the median of
the per-round ratios ``t_other / t_fbnn`` (a paired comparison). All run with the same number of
threads (BLAS and torch intra-op), 1 by default.

An epoch here is one shuffled pass of minibatch Adam steps that also records the epoch's mean
minibatch loss (fbnn, torch and the NumPy loop also count correct predictions), as ``fbnn``'s
history and scikit-learn's ``loss_curve_`` do; scikit-learn's ``partial_fit`` runs one epoch.

Run:  python benchmarks/bench_mlp.py            (about 3 minutes)
      python benchmarks/bench_mlp.py --quick    (under a minute)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer rounds (finishes in under a minute)")
    ap.add_argument("--rounds", type=int, default=None, help="timed epochs per implementation")
    ap.add_argument("--threads", type=int, default=1, help="threads for BLAS and torch (matched)")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
_THREADS = str(ARGS.threads if ARGS else 1)
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, _THREADS)

import torch  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import fbnn  # noqa: E402
from fbnn import MLP  # noqa: E402
from fbnn.datasets import article_listing_data, load_digits  # noqa: E402
from fbnn.optim import Adam  # noqa: E402

LR = 1e-3


# --------------------------------------------------------------------------- implementations
class FbnnRunner:
    name = "fbnn"

    def __init__(self, init: MLP, X, y, Xt, yt, batch, seed):
        self.model = init.copy()
        self.opt = Adam(LR)
        self.X, self.y, self.Xt, self.yt, self.batch, self.seed = X, y, Xt, yt, batch, seed
        self.epoch = 0

    def run_epoch(self) -> None:
        self.epoch += 1
        self.model.fit(
            self.X, self.y, epochs=1, batch_size=self.batch, optimizer=self.opt, seed=self.seed + self.epoch
        )

    def accuracy(self) -> float:
        return float(np.mean(self.model.predict(self.Xt) == self.yt))


class NumpyRunner:
    """What a reader would write by hand: lists of arrays, vectorised forward/backward, textbook Adam."""

    name = "bare NumPy"

    def __init__(self, init: MLP, X, y, Xt, yt, batch, seed):
        self.W = [init.params[f"W{i}"].copy() for i in range(1, init.n_layers + 1)]
        self.b = [init.params[f"b{i}"].copy() for i in range(1, init.n_layers + 1)]
        self.hidden = init.activations[0]
        self.X, self.Y, self.Xt, self.yt, self.batch = X, np.eye(10, dtype=X.dtype)[y], Xt, yt, batch
        self.y = y
        self.rng = np.random.default_rng(seed)
        params = self.W + self.b
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def _act(self, z):
        if self.hidden == "relu":
            return np.maximum(z, 0)
        return 1 / (1 + np.exp(-z))

    def _forward(self, X):
        A = [X]
        for W, b in zip(self.W[:-1], self.b[:-1], strict=True):
            A.append(self._act(X @ W.T + b))
            X = A[-1]
        z = X @ self.W[-1].T + self.b[-1]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return A, e / e.sum(axis=1, keepdims=True)

    def run_epoch(self) -> None:
        n = self.X.shape[0]
        perm = self.rng.permutation(n)
        Xs, Ys, ys = self.X[perm], self.Y[perm], self.y[perm]
        b1, b2, eps = 0.9, 0.999, 1e-8
        total, correct = 0.0, 0
        for s in range(0, n, self.batch):
            xb, yb, lb = Xs[s : s + self.batch], Ys[s : s + self.batch], ys[s : s + self.batch]
            A, p = self._forward(xb)
            total -= np.log(p[np.arange(len(lb)), lb]).sum()
            correct += int((p.argmax(axis=1) == lb).sum())
            dz = (p - yb) / xb.shape[0]
            gW, gb = [None] * len(self.W), [None] * len(self.W)
            for i in range(len(self.W) - 1, -1, -1):
                gW[i] = dz.T @ A[i]
                gb[i] = dz.sum(axis=0)
                if i:
                    da = dz @ self.W[i]
                    dz = da * (A[i] > 0) if self.hidden == "relu" else da * A[i] * (1 - A[i])
            self.t += 1
            for j, (prm, g) in enumerate(zip(self.W + self.b, gW + gb, strict=True)):
                self.m[j] = b1 * self.m[j] + (1 - b1) * g
                self.v[j] = b2 * self.v[j] + (1 - b2) * g * g
                mhat = self.m[j] / (1 - b1**self.t)
                vhat = self.v[j] / (1 - b2**self.t)
                prm -= LR * mhat / (np.sqrt(vhat) + eps)
        self.loss, self.acc = total / n, correct / n

    def accuracy(self) -> float:
        return float(np.mean(self._forward(self.Xt)[1].argmax(axis=1) == self.yt))


class TorchRunner:
    name = "PyTorch eager"

    def __init__(self, init: MLP, X, y, Xt, yt, batch, seed):
        dt = torch.float64 if X.dtype == np.float64 else torch.float32
        layers: list[torch.nn.Module] = []
        for i in range(1, init.n_layers + 1):
            lin = torch.nn.Linear(init.sizes[i - 1], init.sizes[i]).to(dt)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(init.params[f"W{i}"]))
                lin.bias.copy_(torch.from_numpy(init.params[f"b{i}"]))
            layers.append(lin)
            if i < init.n_layers:
                layers.append(torch.nn.ReLU() if init.activations[0] == "relu" else torch.nn.Sigmoid())
        self.net = torch.nn.Sequential(*layers)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=LR)
        self.lossf = torch.nn.CrossEntropyLoss()
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.Xt, self.yt = torch.from_numpy(Xt), yt
        self.batch = batch
        self.gen = torch.Generator().manual_seed(seed)

    def run_epoch(self) -> None:
        n = self.X.shape[0]
        perm = torch.randperm(n, generator=self.gen)
        Xs, ys = self.X[perm], self.y[perm]
        total, correct = 0.0, 0
        for s in range(0, n, self.batch):
            self.opt.zero_grad(set_to_none=True)
            yb = ys[s : s + self.batch]
            out = self.net(Xs[s : s + self.batch])
            loss = self.lossf(out, yb)
            loss.backward()
            self.opt.step()
            total += loss.item() * len(yb)
            correct += int((out.detach().argmax(dim=1) == yb).sum())
        self.loss, self.acc = total / n, correct / n

    def accuracy(self) -> float:
        with torch.no_grad():
            return float(np.mean(self.net(self.Xt).argmax(dim=1).numpy() == self.yt))


class SklearnRunner:
    name = "sklearn MLPClassifier"

    def __init__(self, init: MLP, X, y, Xt, yt, batch, seed):
        self.clf = MLPClassifier(
            hidden_layer_sizes=init.sizes[1:-1],
            activation="relu" if init.activations[0] == "relu" else "logistic",
            solver="adam",
            alpha=0.0,
            batch_size=batch,
            learning_rate_init=LR,
            random_state=seed,
            shuffle=True,
        )
        self.X, self.y, self.Xt, self.yt = X, y, Xt, yt
        self.classes = np.arange(10)
        # Start from fbnn's weights so that all four train the same network from the same point.
        self.clf.partial_fit(X[:batch], y[:batch], classes=self.classes)
        self.clf.coefs_ = [init.params[f"W{i}"].T.copy() for i in range(1, init.n_layers + 1)]
        self.clf.intercepts_ = [init.params[f"b{i}"].copy() for i in range(1, init.n_layers + 1)]
        del self.clf._optimizer  # partial_fit then builds a fresh Adam state for the copied weights
        self.clf.n_iter_ = 0
        self.clf.t_ = 0

    def run_epoch(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.clf.partial_fit(self.X, self.y)

    def accuracy(self) -> float:
        return float(np.mean(self.clf.predict(self.Xt) == self.yt))


RUNNERS = [FbnnRunner, TorchRunner, SklearnRunner, NumpyRunner]


# --------------------------------------------------------------------------- harness
def bench(label, init, X, y, Xt, yt, batch, rounds, warmup, seed):
    runners = [R(init, X, y, Xt, yt, batch, seed) for R in RUNNERS]
    times = {r.name: [] for r in runners}
    order_rng = np.random.default_rng(seed)
    for rnd in range(warmup + rounds):
        for j in order_rng.permutation(len(runners)):
            r = runners[j]
            t0 = time.perf_counter()
            r.run_epoch()
            dt = time.perf_counter() - t0
            if rnd >= warmup:
                times[r.name].append(dt)
    base = np.array(times["fbnn"])
    rows = []
    for r in runners:
        t = np.array(times[r.name])
        ratios = t / base
        rows.append(
            {
                "config": label,
                "impl": r.name,
                "median_ms": 1e3 * float(np.median(t)),
                "ratio": float(np.median(ratios)),
                "ratio_q": (float(np.quantile(ratios, 0.25)), float(np.quantile(ratios, 0.75))),
                "acc": r.accuracy(),
            }
        )
    return rows


def main() -> None:
    args = ARGS
    rounds = args.rounds or (7 if args.quick else 25)
    warmup = 2
    torch.set_num_threads(args.threads)
    configs = []
    for dtype in ("float64", "float32"):
        d = load_digits(seed=0, dtype=dtype)
        for batch in (32, 128):
            init = MLP([64, 128, 10], hidden="relu", output="softmax", seed=args.seed, dtype=dtype)
            configs.append((f"digits 64-128-10 relu, batch {batch}, {dtype}", init, d, batch))
    # The article's listing (§5.2): 100-100-50-10 sigmoid/softmax, batch 10, on 100 uniform inputs. Its
    # labels are replaced by valid class indices (its own are not valid targets).
    for dtype in ("float64", "float32"):
        x, _ = article_listing_data(seed=0)
        labels = np.random.default_rng(1).integers(0, 10, 100)
        xt = np.random.default_rng(2).random((100, 100))
        art = (x.astype(dtype), xt.astype(dtype), labels, labels)
        init = MLP([100, 100, 50, 10], hidden="sigmoid", output="softmax", seed=args.seed, dtype=dtype)
        configs.append((f"article 100-100-50-10 sigmoid, batch 10, {dtype}", init, art, 10))

    print(
        f"fbnn {fbnn.__version__}, numpy {np.__version__}, torch {torch.__version__}, "
        f"scikit-learn {__import__('sklearn').__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, threads={args.threads}, rounds={rounds} (+{warmup} warm-up)",
        flush=True,
    )
    t_start = time.perf_counter()
    all_rows = []
    with threadpool_limits(limits=args.threads):
        for label, init, d, batch in configs:
            rows = bench(label, init, d[0], d[2], d[1], d[3], batch, rounds, warmup, args.seed)
            all_rows += rows
            print(f"  done: {label}", file=sys.stderr, flush=True)
    print()
    print("| configuration | implementation | median ms/epoch | time / fbnn (median, IQR) | test acc. |")
    print("|---|---|---:|---:|---:|")
    for r in all_rows:
        q1, q3 = r["ratio_q"]
        ratio = "1 (reference)" if r["impl"] == "fbnn" else f"{r['ratio']:.2f} ({q1:.2f}-{q3:.2f})"
        print(f"| {r['config']} | {r['impl']} | {r['median_ms']:.2f} | {ratio} | {r['acc']:.3f} |")
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
