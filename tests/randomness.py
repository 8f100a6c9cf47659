"""Find unseeded randomness in code by parsing it (AST), so strings, comments and aliases don't fool it.

Flagged: a generator or bit generator built without a seed (``default_rng()``, ``default_rng(None)``,
``default_rng(seed=None)``, ``RandomState()``, ``PCG64()``, ``random.Random()``); a draw from NumPy's or
Python's hidden global generator (``np.random.rand``, ``randn``, ``exponential``, ... also when imported with
``from numpy.random import ...``, and ``random.random``, ``random.choice``, ...) unless that global generator
was seeded earlier (``np.random.seed(0)``, ``random.seed(0)``); and any call passing ``seed=None`` (an
``fbnn`` model or data set told to draw fresh entropy).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

# Things that build a generator and take the seed as their first argument.
CONSTRUCTORS = {
    "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.SeedSequence", "numpy.random.PCG64",
    "numpy.random.PCG64DXSM", "numpy.random.MT19937", "numpy.random.Philox", "numpy.random.SFC64",
    "random.Random",
}
# Names of numpy.random / random that neither draw nor build a generator.
HARMLESS = {"numpy.random.Generator", "numpy.random.BitGenerator", "random.SystemRandom"}
GLOBAL_SEEDS = {"numpy.random.seed": "numpy.random", "random.seed": "random"}


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _seed_argument(call: ast.Call) -> ast.AST | None:
    """The seed a call passes (first positional argument or ``seed=``), or None if it passes none."""
    for kw in call.keywords:
        if kw.arg == "seed":
            return kw.value
    return call.args[0] if call.args else None


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> dotted module path or object path
        self.seeded: set[str] = set()  # global generators seeded so far ("numpy.random", "random")
        self.found: list[tuple[int, str]] = []

    # -- imports: remember what each local name stands for --------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                self.aliases[a.name.split(".")[0]] = a.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for a in node.names:
            if node.module and node.level == 0:
                self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def _dotted(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])

    # -- calls -----------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)  # arguments first: default_rng() inside f(rng=default_rng())
        name = self._dotted(node.func)
        if name not in CONSTRUCTORS and name not in GLOBAL_SEEDS:
            if any(kw.arg == "seed" and _is_none(kw.value) for kw in node.keywords):
                self.found.append((node.lineno, f"{name or 'a call'}(..., seed=None)"))
        if name is None:
            return
        if name in GLOBAL_SEEDS:
            seed = _seed_argument(node)
            if seed is None or _is_none(seed):
                self.found.append((node.lineno, f"{name}() seeds from fresh entropy"))
            else:
                self.seeded.add(GLOBAL_SEEDS[name])
        elif name in CONSTRUCTORS:
            seed = _seed_argument(node)
            if seed is None or _is_none(seed):
                self.found.append((node.lineno, f"{name}() without a seed"))
        elif name in HARMLESS:
            return
        elif name.startswith("numpy.random.") and "numpy.random" not in self.seeded:
            self.found.append((node.lineno, f"{name}() draws from NumPy's unseeded global generator"))
        elif name.startswith("random.") and "random" not in self.seeded:
            self.found.append((node.lineno, f"{name}() draws from Python's unseeded global generator"))


def unseeded(sources: Iterable[str]) -> list[tuple[int, int, str]]:
    """Unseeded randomness in code run in order (e.g. a notebook's cells): ``(source index, line, what)``.

    Raises SyntaxError if a source does not parse (IPython magics must be translated first).
    """
    finder = _Finder()
    found: list[tuple[int, int, str]] = []
    for i, source in enumerate(sources):
        finder.found = []
        finder.visit(ast.parse(source))
        found += [(i, line, what) for line, what in finder.found]
    return found
