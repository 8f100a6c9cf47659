"""Time one forward + BPTT step of fbnn's ElmanRNN against torch.nn.RNN with autograd on the CPU.

Same problem for both: an Elman (tanh) RNN, T = 50 steps, batch 16, hidden 32, 16 inputs and 16 outputs,
softmax cross-entropy on every step, full BPTT, gradients of every parameter. Both libraries run with one
thread (matched; set by threadpoolctl and torch.set_num_threads), in float64 and float32, interleaved in
one run so that machine load hits both alike. Prints median times and the median of the paired ratios.

    /work/venv/bin/python benchmarks/bench_rnn.py            # 200 interleaved repetitions per dtype
    /work/venv/bin/python benchmarks/bench_rnn.py --quick    # 40 repetitions
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from fbnn.recurrent import ElmanRNN

T, BATCH, HIDDEN, N_IN, N_OUT = 50, 16, 32, 16, 16


def make_problem(dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = np.eye(N_IN, dtype=dtype)[rng.integers(0, N_IN, size=(BATCH, T))]
    Y = rng.integers(0, N_OUT, size=(BATCH, T))
    return X, Y


def fbnn_step(net: ElmanRNN, X, Y):
    return net.loss_and_grads(X, Y, loss="cross_entropy")


class TorchElman(torch.nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.rnn = torch.nn.RNN(N_IN, HIDDEN, nonlinearity="tanh", batch_first=True, dtype=dtype)
        self.out = torch.nn.Linear(HIDDEN, N_OUT, dtype=dtype)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h)


def torch_step(model: TorchElman, x, y):
    for p in model.parameters():
        p.grad = None
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, N_OUT), y.reshape(-1))
    loss.backward()
    return loss


def copy_weights(net: ElmanRNN, model: TorchElman) -> None:
    """Give torch the same weights (torch has two hidden biases; we put ours in one and zero the other)."""
    p = net.params
    with torch.no_grad():
        model.rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wxh"]))
        model.rnn.weight_hh_l0.copy_(torch.from_numpy(p["Whh"]))
        model.rnn.bias_ih_l0.copy_(torch.from_numpy(p["bh"]))
        model.rnn.bias_hh_l0.zero_()
        model.out.weight.copy_(torch.from_numpy(p["Why"]))
        model.out.bias.copy_(torch.from_numpy(p["by"]))


def check_agreement(net, model, X, Y, dtype) -> float:
    """Max relative difference of the gradients, so the timings compare the same computation."""
    _, g = fbnn_step(net, X, Y)
    torch_step(model, torch.from_numpy(X), torch.from_numpy(Y))
    pairs = [("Wxh", model.rnn.weight_ih_l0), ("Whh", model.rnn.weight_hh_l0), ("bh", model.rnn.bias_ih_l0),
             ("Why", model.out.weight), ("by", model.out.bias)]
    worst = 0.0
    for k, tp in pairs:
        t = tp.grad.numpy()
        worst = max(worst, float(np.max(np.abs(g[k] - t)) / (np.max(np.abs(t)) + 1e-30)))
    return worst


def bench(reps: int, warmup: int = 10) -> list[dict]:
    rows = []
    for dtype in ("float64", "float32"):
        X, Y = make_problem(dtype)
        net = ElmanRNN(N_IN, HIDDEN, N_OUT, seed=0, dtype=dtype)
        tdtype = torch.float64 if dtype == "float64" else torch.float32
        torch.manual_seed(0)
        model = TorchElman(tdtype)
        copy_weights(net, model)
        xt, yt = torch.from_numpy(X), torch.from_numpy(Y)
        agree = check_agreement(net, model, X, Y, dtype)
        for _ in range(warmup):
            fbnn_step(net, X, Y)
            torch_step(model, xt, yt)
        t_f, t_t = [], []
        for i in range(reps):
            # alternate which goes first so neither always follows the other
            order = (0, 1) if i % 2 == 0 else (1, 0)
            for which in order:
                start = time.perf_counter()
                if which == 0:
                    fbnn_step(net, X, Y)
                else:
                    torch_step(model, xt, yt)
                (t_f if which == 0 else t_t).append(time.perf_counter() - start)
        t_f, t_t = np.array(t_f), np.array(t_t)
        rows.append({
            "dtype": dtype,
            "fbnn_ms": 1e3 * np.median(t_f),
            "torch_ms": 1e3 * np.median(t_t),
            "ratio": float(np.median(t_t / t_f)),
            "ratio_q25": float(np.quantile(t_t / t_f, 0.25)),
            "agree": agree,
        })
    return rows


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--quick", action="store_true", help="40 repetitions instead of 200")
    parser.add_argument("--reps", type=int, default=None)
    args = parser.parse_args()
    reps = args.reps or (40 if args.quick else 200)
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        rows = bench(reps)
    print(f"Elman RNN, one forward + full BPTT step: T={T}, batch={BATCH}, hidden={HIDDEN}, "
          f"in={N_IN}, out={N_OUT}, cross-entropy on every step; 1 thread each; {reps} interleaved reps")
    print(f"numpy {np.__version__}, torch {torch.__version__}, python {platform.python_version()}")
    print()
    print("| dtype | fbnn (ms) | torch.nn.RNN + autograd (ms) | speed-up (median of paired ratios) "
          "| 25th pct ratio | max rel. grad diff |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['dtype']} | {r['fbnn_ms']:.3f} | {r['torch_ms']:.3f} | {r['ratio']:.2f}x "
              f"| {r['ratio_q25']:.2f}x | {r['agree']:.1e} |")


if __name__ == "__main__":
    main()
