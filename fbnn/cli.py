"""Command line: ``python -m fbnn derive`` shows a derivation, ``python -m fbnn check`` checks a claim.

Exit status: 0 success (``check``: every claim proved); 1 ``derive --verify`` could not verify, or
``check`` refuted a claim; 2 bad input (arguments, a claim that cannot be read, a missing file) or a
claim left undecided. Output a terminal cannot encode is printed in ASCII instead (or ask with ``--ascii``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fbnn.names import LOSSES, OUTPUT_ACTIVATIONS

__all__ = ["main", "build_parser"]

MAX_FILE_BYTES = 100_000
"""Largest claims file read by ``check --from-file``."""

_CHECK_EPILOG = """\
examples:
  python -m fbnn check --activation sigmoid --loss binary_cross_entropy "dL/dz = (a - y)/N"
  python -m fbnn check --activation sigmoid --loss mse "dL/dz = (a - y)*a*(1 - a)/N" "da/dz = a"
  python -m fbnn check --activation softmax --loss cross_entropy --n-in 2 "dL/dW[i,j] = (a[i] - y[i])*x[j]/N"
  python -m fbnn check --activation tanh --loss mse --from-file claims.txt

symbols: one neuron: x1..xn, w1..wn, b, z, a, y, N; a layer: x1..xn, W[i,j], b1.., z1.., a1.., y1.., N
  (a = f(z) and z = W x + b may be used or written out). Left sides: L, z, a, dL/da, da/dz, dL/dz,
  dL/dw1 (layer dL/dW[1,2]), dL/db, dL/dx1; in a layer an entry (dL/dz2) or every entry with an
  index letter (dL/dz[k] = ...). Operators + - * / ** ^ and exp, log, ln, log10, sqrt, sigma, sigmoid,
  tanh, relu, softplus. Nothing typed is ever executed: the formula is parsed, never evaluated.

exit status:
  0  every claim is identical to the true derivative (proved by simplification)
  1  a claim is refuted (a counterexample is printed) and none is undecided or unreadable
  2  bad input (arguments, a claim that cannot be read, a missing file) or a claim undecided
"""

_DERIVE_EPILOG = """\
exit status: 0 success; 1 --verify could not prove the result; 2 bad arguments.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (sub-commands ``derive`` and ``check``)."""
    from fbnn.symbolic.textclaims import MAX_N_IN, MAX_N_OUT

    parser = argparse.ArgumentParser(
        prog="python -m fbnn",
        description="fbnn: feedback neural networks, checked.",
        epilog="exit status: 0 success, 1 a claim refuted or --verify failed, 2 bad input or undecided",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    derive = sub.add_parser(
        "derive",
        help="print the chain-rule derivation of a neuron's or dense layer's gradients",
        description="Derive dL/dW and dL/db step by step with SymPy and print them.",
        epilog=_DERIVE_EPILOG,
    )
    check = sub.add_parser(
        "check",
        help='prove or refute a claimed derivative such as "dL/dz = (a - y)/N"',
        description="Prove a claimed derivative equal to the true one, or refute it with a counterexample.",
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for p in (derive, check):
        p.add_argument("--activation", required=True, choices=OUTPUT_ACTIVATIONS, help="output activation")
        p.add_argument("--loss", required=True, choices=LOSSES, help="loss")
        p.add_argument(
            "--layer",
            action="store_true",
            help="a dense layer (default: one neuron; softmax, or --n-out > 1, always uses a layer)",
        )
        p.add_argument("--n-in", type=int, default=2, help=f"number of inputs, 1..{MAX_N_IN} (default 2)")
        p.add_argument(
            "--n-out",
            type=int,
            default=None,
            help=f"number of outputs of the layer, 1..{MAX_N_OUT} (default 2, or 3 for softmax)",
        )
        p.add_argument(
            "--ascii", action="store_true", help="print ASCII only (automatic if the terminal needs it)"
        )
    derive.add_argument("--latex", action="store_true", help="print LaTeX instead of plain text")
    derive.add_argument(
        "--verify",
        action="store_true",
        help="also prove the result equals SymPy's direct derivative (slower; exit status 1 if it cannot)",
    )
    check.add_argument(
        "claims", nargs="*", metavar="CLAIM", help='a claim "LHS = RHS", e.g. "dL/dz = (a - y)/N"'
    )
    check.add_argument(
        "--from-file",
        metavar="FILE",
        help="read claims from FILE ('-': standard input), one per line; blank lines and # comments skipped",
    )
    return parser


def _check_sizes(args: argparse.Namespace) -> None:
    from fbnn.symbolic.textclaims import MAX_N_IN, MAX_N_OUT

    for flag, value, limit in (("--n-in", args.n_in, MAX_N_IN), ("--n-out", args.n_out, MAX_N_OUT)):
        if value is None:
            continue
        if value < 1:
            raise ValueError(f"{flag} must be a positive whole number, got {value}")
        if value > limit:
            raise ValueError(
                f"{flag} {value} is more than {limit}: the derivation has one symbol per weight and its cost "
                f"grows quickly with the size (at {MAX_N_IN} inputs and {MAX_N_OUT} outputs it takes "
                "seconds, --verify longer); the result for any size is fbnn.symbolic.derive_dense_gradient()"
            )


def _derive(args: argparse.Namespace):
    """The derivation the arguments ask for, and the verdict of ``--verify`` (None without it)."""
    from fbnn.symbolic import derive_dense_layer, derive_neuron

    _check_sizes(args)
    if args.layer or args.activation == "softmax" or args.n_out not in (None, 1):
        n_out = args.n_out or (3 if args.activation == "softmax" else 2)
        derivation = derive_dense_layer(args.activation, args.loss, n_in=args.n_in, n_out=n_out)
    else:
        derivation = derive_neuron(args.activation, args.loss, n_in=args.n_in)
    return derivation, (derivation.verify() if args.verify else None)


def _render(derivation, verified: bool | None, latex: bool, ascii: bool) -> str:
    from fbnn.symbolic import to_latex, to_text

    text = to_latex(derivation, ascii=ascii) + "\n" if latex else to_text(derivation, unicode=not ascii)
    if verified is not None:
        text += ("% " if latex else "") + (
            "verified: equals SymPy's direct derivative\n" if verified else "NOT verified by simplification\n"
        )
    return text


def _read_claims(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """``(where, claim)`` pairs: the command line's claims, then the file's lines."""
    claims = [(f"claim {i + 1}", c) for i, c in enumerate(args.claims)]
    if args.from_file is not None:
        if args.from_file == "-":
            name, data = "<stdin>", sys.stdin.read(MAX_FILE_BYTES + 1)
        else:
            path = Path(args.from_file)
            name = str(path)
            try:
                with path.open(encoding="utf-8") as f:
                    data = f.read(MAX_FILE_BYTES + 1)
            except (OSError, UnicodeDecodeError) as err:
                raise ValueError(f"cannot read claims from {name}: {err}") from None
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(
                f"{name} is larger than {MAX_FILE_BYTES} characters; split it into smaller files"
            )
        for number, line in enumerate(data.splitlines(), start=1):
            line = line.strip()
            if line and not line.startswith("#"):
                claims.append((f"{name}:{number}", line))
    if not claims:
        parser.error('give at least one claim, e.g. "dL/dz = (a - y)/N", or --from-file FILE')
    return claims


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser, ascii: bool) -> int:
    from fbnn.symbolic import check_text_claim

    _check_sizes(args)
    status = 0
    for where, claim in _read_claims(args, parser):
        try:
            result = check_text_claim(
                claim, args.activation, args.loss, layer=args.layer, n_in=args.n_in, n_out=args.n_out
            )
        except ValueError as err:
            _write(sys.stderr, f"{where}: {claim}\n  error: {err}\n", ascii)
            status = 2
            continue
        _write(sys.stdout, f"{result}\n", ascii)
        if result.identical is None:
            status = 2
        elif result.identical is False:
            status = max(status, 1)
    return status


def _encodable(text: str, stream) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(stream, text: str, ascii: bool) -> None:
    from fbnn.symbolic.display import to_ascii

    if ascii or not _encodable(text, stream):
        text = to_ascii(text)
    stream.write(text)
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 refuted or not verified, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "derive":
            derivation, verified = _derive(args)
            text = _render(derivation, verified, args.latex, args.ascii)
            if not _encodable(text, sys.stdout):
                text = _render(
                    derivation, verified, args.latex, True
                )  # SymPy's pretty print has an ASCII mode
            _write(sys.stdout, text, args.ascii)
            return 1 if verified is False else 0
        return _check(args, parser, args.ascii)
    except ValueError as err:
        parser.exit(2, f"{parser.prog} {args.command}: error: {err}\n")
