"""Command line: ``python -m fbnn derive --activation sigmoid --loss binary_cross_entropy [--latex]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fbnn.names import LOSSES, OUTPUT_ACTIVATIONS

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (sub-command ``derive``)."""
    parser = argparse.ArgumentParser(
        prog="python -m fbnn", description="fbnn: feedback neural networks, checked."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    derive = sub.add_parser(
        "derive",
        help="print the chain-rule derivation of a neuron's or dense layer's gradients",
        description="Derive dL/dW and dL/db step by step with SymPy and print them.",
    )
    derive.add_argument("--activation", required=True, help=f"one of: {', '.join(OUTPUT_ACTIVATIONS)}")
    derive.add_argument("--loss", required=True, help=f"one of: {', '.join(LOSSES)}")
    derive.add_argument("--latex", action="store_true", help="print LaTeX instead of plain text")
    derive.add_argument(
        "--layer",
        action="store_true",
        help="derive a dense layer (default: one neuron; softmax always uses a layer)",
    )
    derive.add_argument("--n-in", type=int, default=2, help="number of inputs (default 2)")
    derive.add_argument(
        "--n-out", type=int, default=None, help="number of outputs of the layer (default 2, or 3 for softmax)"
    )
    derive.add_argument(
        "--verify",
        action="store_true",
        help="also prove the result equals SymPy's direct derivative (slower)",
    )
    return parser


def _derive(args: argparse.Namespace) -> str:
    from fbnn.symbolic import derive_dense_layer, derive_neuron, to_latex, to_text

    for kind, name, valid in (
        ("activation", args.activation, OUTPUT_ACTIVATIONS),
        ("loss", args.loss, LOSSES),
    ):
        if name not in valid:
            raise ValueError(f"unknown {kind} {name!r}; valid names are: {', '.join(valid)}")
    if args.n_in < 1 or (args.n_out is not None and args.n_out < 1):
        raise ValueError(f"--n-in and --n-out must be positive, got {args.n_in} and {args.n_out}")
    if args.layer or args.activation == "softmax" or args.n_out not in (None, 1):
        n_out = args.n_out or (3 if args.activation == "softmax" else 2)
        derivation = derive_dense_layer(args.activation, args.loss, n_in=args.n_in, n_out=n_out)
    else:
        derivation = derive_neuron(args.activation, args.loss, n_in=args.n_in)
    text = to_latex(derivation) + "\n" if args.latex else to_text(derivation)
    if args.verify:
        ok = derivation.verify()
        text += ("% " if args.latex else "") + (
            "verified: equals SymPy's direct derivative\n" if ok else "NOT verified by simplification\n"
        )
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "derive":
        try:
            sys.stdout.write(_derive(args))
        except ValueError as err:
            parser.exit(2, f"{parser.prog} derive: error: {err}\n")
    return 0
