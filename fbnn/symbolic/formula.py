"""Read a formula typed by a person into a SymPy expression, without ever running it.

Python's ``ast`` module only *parses* the text (``mode="eval"``); nothing is evaluated, compiled or
looked up. Each node of the tree is then mapped to a SymPy constructor, and only these are allowed:

- numbers written in decimal (``2``, ``0.5``, ``1e-3``; read exactly, so ``0.1`` is ``1/10``);
- names: the symbols given to :func:`parse_formula` (entries of a vector as ``x1``, ``x_1`` or ``x[1]``,
  of a matrix as ``W[1,2]``; an index letter declared by the caller, as in ``a[k]``, ``a_k``);
- ``+ - * / **``, ``^`` (a power, as in maths), unary minus and plus, parentheses;
- the functions ``exp``, ``log`` (= ``ln``), ``log10``, ``sqrt``, ``sigma`` (= ``sigmoid``), ``tanh``,
  ``relu``, ``softplus``, each with one argument.

Anything else (attributes, other subscripts, calls of other names, lambdas, strings, comparisons,
comprehensions, ...) is refused with a :class:`FormulaError` that quotes the offending part and says
what is allowed. Implicit multiplication (``a(1-a)``, ``2a``, ``a b``) is refused with the explicit
form as a hint, never guessed. The input is bounded before it is parsed (:data:`MAX_LENGTH`
characters, :data:`MAX_TOKENS` tokens: ``ast.parse`` recurses once per nesting level, and Python's
limit allows about 3 levels per free frame of the caller's stack), and the tree's depth is bounded
(:data:`MAX_DEPTH`) before it is walked.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import sympy as sp

from fbnn.symbolic.activations import relu, sigmoid

__all__ = ["FormulaError", "parse_formula", "FUNCTIONS", "MAX_LENGTH", "MAX_TOKENS", "MAX_DEPTH"]

MAX_LENGTH = 1000
"""Longest formula accepted, in characters."""
MAX_TOKENS = 300
"""Most tokens (names, numbers, operators, brackets) accepted; bounds the parser's recursion."""
MAX_DEPTH = 100
"""Deepest formula tree accepted (a sum of n terms is n - 1 levels deep)."""
MAX_EXPONENT = 64
"""Largest numeric exponent accepted (``x**10**9`` would make SymPy's polynomial arithmetic crawl)."""
MAX_MAGNITUDE = 300
"""Numbers must lie between 1e-300 and 1e300 in absolute value (or be 0)."""


def _log10(u: sp.Expr) -> sp.Expr:
    return sp.log(u, 10)


def _softplus(u: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(u))


FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "log10": _log10,
    "sqrt": sp.sqrt,
    "sigma": sigmoid,
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
    "relu": relu,
    "softplus": _softplus,
}
"""The functions a formula may call (one argument each), by name."""

_ALLOWED = (
    "numbers, the symbols {symbols}, the operators + - * / ** ^, parentheses "
    "and the functions " + ", ".join(FUNCTIONS)
)
_NON_ASCII_HINTS = {
    "σ": "sigma", "·": "*", "×": "*", "−": "-", "²": "**2", "√": "sqrt", "∂": "d", "δ": "delta",
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\*\*|\S")
# A whole decimal number (atomic: no backtracking into "1e-3") directly followed by a name, e.g. "2a";
# "0x10" and "1j" are left to the parser, which reads them as numbers and refuses them as such.
_IMPLICIT_NUMBER = re.compile(
    r"(?<![A-Za-z_\d.])(?>\d+\.?\d*(?:[eE][+-]?\d+)?)"  # a whole number (atomic)
    r"(?![xXbBoOjJ]\b|[xXbBoO]\d)(?=[A-Za-z])"  # then a letter that is not a 0x/0b/0o/j literal
)
_IMPLICIT_SPACE = re.compile(r"([A-Za-z_0-9.)\]]+)\s+([A-Za-z_0-9(][A-Za-z_0-9]*)")
_ENTRY = re.compile(r"^([A-Za-z]+?)_?(\d+)$")
_INDEXED = re.compile(r"^([A-Za-z]+)_([A-Za-z])$")


class FormulaError(ValueError):
    """A formula that cannot be read. ``part`` is the offending text, ``text`` the whole formula."""

    def __init__(self, message: str, text: str = "", part: str = ""):
        super().__init__(message)
        self.text = text
        self.part = part


def parse_formula(
    text: str,
    symbols: Mapping[str, sp.Expr | sp.MatrixBase] | None = None,
    *,
    indices: Mapping[str, int] | None = None,
) -> sp.Expr:
    """Read ``text`` into a SymPy expression; nothing in it is ever executed.

    Parameters
    ----------
    text : the formula, e.g. ``"a*(1 - a)"`` or ``"(a - y)/N * x1"``.
    symbols : ``{name: value}``; a value is a SymPy expression (usually a Symbol) or a Matrix whose
        entries may be written ``x1``, ``x_1``, ``x[1]`` (column or row) or ``W[1,2]`` (1-based).
        With ``None``, every name that is not a function becomes a real Symbol of that name.
    indices : index letters and their current values, e.g. ``{"k": 2}`` makes ``a[k]`` and ``a_k``
        mean ``a[2]`` (used to state a claim for every entry of a vector).

    Returns
    -------
    The SymPy expression. A text that cannot be read raises :class:`FormulaError` (a ``ValueError``)
    quoting the offending part and saying what is allowed.

    Examples
    --------
    >>> import sympy as sp
    >>> a = sp.Symbol("a", real=True)
    >>> parse_formula("a^2 - 0.5*a", {"a": a})
    a**2 - a/2
    """
    if not isinstance(text, str):
        raise TypeError(f"the formula must be a string, got {type(text).__name__}")
    reader = _Reader(text, symbols, dict(indices or {}))
    return reader.read()


class _Reader:
    def __init__(self, text: str, symbols, indices: dict[str, int]):
        self.original = text
        self.symbols = None if symbols is None else dict(symbols)
        self.indices = indices
        names = "(any name)" if symbols is None else ", ".join(self._symbol_names()) or "(none)"
        self.allowed = _ALLOWED.format(symbols=names)

    def _symbol_names(self) -> list[str]:
        out = []
        for name, value in self.symbols.items():
            if isinstance(value, sp.MatrixBase):
                if 1 in value.shape:
                    out.append(f"{name}1..{name}{max(value.shape)}")
                else:
                    out.append(f"{name}[1,1]..{name}[{value.rows},{value.cols}]")
            else:
                out.append(name)
        return out

    def fail(self, message: str, part: str = "") -> FormulaError:
        return FormulaError(f"{message}. A formula may use {self.allowed}.", self.original, part)

    # -- before parsing: plain string checks, so nothing unbounded reaches ast.parse ---------------
    def read(self) -> sp.Expr:
        text = self.original
        if len(text) > MAX_LENGTH:
            raise self.fail(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are read")
        if not text.strip():
            raise self.fail("the formula is empty")
        for ch in text:
            if not (ch.isascii() and (ch.isprintable() or ch == " ")):
                hint = f" (write {_NON_ASCII_HINTS[ch]!r} instead)" if ch in _NON_ASCII_HINTS else ""
                raise self.fail(f"character {ch!r} is not allowed: a formula is one line of ASCII{hint}", ch)
        for quote in "'\"":
            if quote in text:
                part = text[text.index(quote) :]
                raise self.fail(
                    f"quotes are not allowed ({part!r}): strings are never read, and a prime is not "
                    "a derivative here (write the derivative out, e.g. sigma(z)*(1 - sigma(z)))",
                    part,
                )
        n_tokens = len(_TOKEN.findall(text))
        if n_tokens > MAX_TOKENS:
            raise self.fail(f"the formula has {n_tokens} tokens; at most {MAX_TOKENS} are read")
        match = _IMPLICIT_NUMBER.search(text)
        if match:
            part = text[match.start() : match.end() + 1]
            raise self.fail(
                f"implicit multiplication {part!r} is not allowed: write {part[:-1] + '*' + part[-1]!r}", part
            )
        # '^' is a power in maths; Python's '^' (xor) binds more loosely than '+', so rewrite it.
        self.source = text.replace("^", "**")
        self.to_original = []  # source offset -> offset in the typed text
        for i, ch in enumerate(text):
            self.to_original += [i, i] if ch == "^" else [i]
        self.to_original.append(len(text))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. "'int' object is not callable" for 2(a)
                tree = ast.parse(self.source, mode="eval")
        except SyntaxError as err:
            raise self._syntax_error(err) from None
        except (RecursionError, MemoryError):
            # Only when the caller's own stack is nearly full: the token bound keeps texts shallow.
            raise self.fail("the formula is nested too deeply to read here") from None
        depth = _depth(tree)
        if depth > MAX_DEPTH:
            raise self.fail(f"the formula is nested {depth} levels deep; at most {MAX_DEPTH} are read")
        return self.node(tree.body)

    def _syntax_error(self, err: SyntaxError) -> FormulaError:
        for match in _IMPLICIT_SPACE.finditer(self.original):
            left, right = match.group(1), match.group(2)
            if not (_is_keyword(left) or _is_keyword(right)):
                part = match.group(0)
                return self.fail(
                    f"implicit multiplication {part!r} is not allowed: write {left + '*' + right!r}", part
                )
        where = ""
        if err.offset is not None:
            where = f" near {self.source[max(err.offset - 1, 0) :][:20]!r}"
        return self.fail(f"cannot read {self.original!r}: {err.msg}{where}", self.original)

    def segment(self, node: ast.AST) -> str:
        """What the user typed for ``node`` (the text is one line of ASCII, so offsets are characters)."""
        return self.typed(node.col_offset, node.end_col_offset)

    def typed(self, start: int, end: int) -> str:
        """``self.source[start:end]`` as the user typed it (each '**' that stands for a '^' back to '^')."""
        return self.original[self.to_original[start] : self.to_original[end]]

    # -- the tree: one SymPy constructor per allowed node -------------------------------------------
    def node(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.node(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        raise self.fail(f"{_describe(node)} {self.segment(node)!r} is not allowed", self.segment(node))

    def binop(self, node: ast.BinOp) -> sp.Expr:
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
        op = ops.get(type(node.op))
        if op is None:
            part = self.segment(node)
            name = _OPERATORS.get(type(node.op), type(node.op).__name__)
            raise self.fail(f"operator {name} in {part!r} is not allowed", part)
        left, right = self.node(node.left), self.node(node.right)
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            if right == 0:
                raise self.fail(f"division by zero in {self.segment(node)!r}", self.segment(node))
            return left / right
        if right.is_Number and abs(right) > MAX_EXPONENT:
            part = self.segment(node)
            raise self.fail(f"the exponent in {part!r} is larger than {MAX_EXPONENT} in absolute value", part)
        if left == 0 and right.is_Number and right <= 0:
            raise self.fail(f"0 to a power <= 0 in {self.segment(node)!r}", self.segment(node))
        return left**right

    def number(self, node: ast.Constant) -> sp.Expr:
        part = self.segment(node)
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = {str: "a string", bytes: "bytes", complex: "a complex number"}.get(
                type(value), "a constant"
            )
            raise self.fail(f"{kind} {part!r} is not allowed", part)
        try:
            exact = Decimal(part)
        except InvalidOperation:
            raise self.fail(f"number {part!r} must be written in decimal", part) from None
        if exact != 0 and abs(exact.adjusted()) > MAX_MAGNITUDE:
            raise self.fail(f"number {part!r} is outside 1e-{MAX_MAGNITUDE} .. 1e{MAX_MAGNITUDE}", part)
        fraction = Fraction(exact)
        return sp.Rational(fraction.numerator, fraction.denominator)

    def name(self, name: str, node: ast.AST) -> sp.Expr:
        if name in FUNCTIONS:
            raise self.fail(f"{name} is a function: write {name}(...)", name)
        if name in self.indices:
            raise self.fail(f"index {name} can only be a subscript, as in a[{name}] or a_{name}", name)
        if self.symbols is None:
            return sp.Symbol(name, real=True)
        value = self.symbols.get(name)
        if value is not None:
            if isinstance(value, sp.MatrixBase):
                raise self.fail(
                    f"{name} is {_kind(value)}: write one entry, {_entry_example(name, value)}", name
                )
            return value
        match = _ENTRY.match(name) or _INDEXED.match(name)
        if match and isinstance(self.symbols.get(match.group(1)), sp.MatrixBase):
            base, index = match.groups()
            return self.entry(base, [self.index_value(index, name)], name)
        raise self.fail(f"unknown name {name!r}", name)

    def index_value(self, index: str, part: str) -> int:
        if index.isdigit():
            return int(index)
        if index in self.indices:
            return self.indices[index]
        declared = ", ".join(self.indices) or "none here"
        raise self.fail(f"index {index!r} in {part!r} is not declared (declared: {declared})", part)

    def entry(self, base: str, index: list[int], part: str) -> sp.Expr:
        value = self.symbols[base]
        vector = 1 in value.shape
        if len(index) != (1 if vector else 2):
            raise self.fail(f"{base} is {_kind(value)}: write {_entry_example(base, value)}", part)
        if vector:
            (i,) = index
            if not 1 <= i <= len(value):
                raise self.fail(
                    f"{part!r} is out of range: {base} has entries {base}1..{base}{len(value)}", part
                )
            return value[i - 1]
        i, j = index
        if not (1 <= i <= value.rows and 1 <= j <= value.cols):
            raise self.fail(
                f"{part!r} is out of range: {base} has entries "
                f"{base}[1,1]..{base}[{value.rows},{value.cols}]",
                part,
            )
        return value[i - 1, j - 1]

    def subscript(self, node: ast.Subscript) -> sp.Expr:
        part = self.segment(node)
        base = node.value.id if isinstance(node.value, ast.Name) else None
        if self.symbols is None or not isinstance(self.symbols.get(base), sp.MatrixBase):
            raise self.fail(
                f"subscript {part!r} is not allowed: only vectors and matrices take indices", part
            )
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index = []
        for item in items:
            if isinstance(item, ast.Constant) and type(item.value) is int:
                index.append(item.value)
            elif isinstance(item, ast.Name):
                index.append(self.index_value(item.id, part))
            else:
                raise self.fail(
                    f"subscript {part!r} is not allowed: an index is a whole number or a letter", part
                )
        return self.entry(base, index, part)

    def call(self, node: ast.Call) -> sp.Expr:
        part = self.segment(node)
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            if isinstance(func, ast.Name) and self.symbols is not None and func.id not in self.symbols:
                if not (_ENTRY.match(func.id) or _INDEXED.match(func.id)):
                    raise self.fail(f"unknown function {func.id!r} in {part!r}", part)
            if isinstance(func, ast.Name | ast.Constant | ast.BinOp | ast.UnaryOp | ast.Subscript | ast.Call):
                # The argument list opens at the first '(' after the (possibly parenthesized) factor.
                paren = self.source.index("(", func.end_col_offset)
                fixed = self.typed(node.col_offset, paren) + "*" + self.typed(paren, node.end_col_offset)
                raise self.fail(f"implicit multiplication {part!r} is not allowed: write {fixed!r}", part)
            head = self.segment(func)
            raise self.fail(f"{_describe(func)} {head!r} is not allowed", head)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(f"{func.id} takes exactly one argument, as in {func.id}(z); got {part!r}", part)
        argument = self.node(node.args[0])
        if func.id in ("log", "ln", "log10", "sqrt") and argument.is_Number and argument <= 0:
            raise self.fail(f"{part!r} is undefined: the argument must be positive", part)
        return FUNCTIONS[func.id](argument)


def _depth(tree: ast.AST) -> int:
    """Depth of the tree, without recursion (so a deep tree cannot exhaust Python's stack here)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _is_keyword(word: str) -> bool:
    import keyword

    return keyword.iskeyword(word) or keyword.issoftkeyword(word)


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.JoinedStr: "an f-string",
        ast.Compare: "a comparison",
        ast.BoolOp: "a logical operator",
        ast.IfExp: "a conditional expression",
        ast.NamedExpr: "an assignment",
        ast.Starred: "unpacking",
        ast.Tuple: "a tuple",
        ast.List: "a list",
        ast.Set: "a set",
        ast.Dict: "a dict",
        ast.Slice: "a slice",
        ast.Await: "await",
        ast.UnaryOp: "a logical or bitwise operator in",
    }
    return kinds.get(type(node), type(node).__name__)


_OPERATORS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "xor",
}  # fmt: skip


def _kind(value: sp.MatrixBase) -> str:
    return (
        f"a vector of {max(value.shape)} entries"
        if 1 in value.shape
        else f"a {value.rows}x{value.cols} matrix"
    )


def _entry_example(name: str, value: sp.MatrixBase) -> str:
    return f"{name}1 or {name}[1]" if 1 in value.shape else f"{name}[1,2]"
