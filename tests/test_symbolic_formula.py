"""fbnn.symbolic.formula: typed formulas become SymPy expressions, and nothing typed is ever run."""

import ast
import builtins
import sys
import types

import pytest
import sympy as sp

import fbnn.symbolic.formula as formula
from fbnn.symbolic import FormulaError, parse_formula

z, a, y = sp.symbols("z a y", real=True)
N = sp.Symbol("N", integer=True, positive=True)
x = sp.Matrix(sp.symbols("x1:4", real=True))
W = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"W{i + 1}{j + 1}", real=True))
SYMBOLS = {"z": z, "a": a, "y": y, "N": N, "x": x, "W": W}


def _sig(u):
    return 1 / (1 + sp.exp(-u))


# Each construct of the whitelist, with the expression written here independently of the parser.
WHITELIST = [
    ("2", sp.Integer(2)),
    ("0.5", sp.Rational(1, 2)),
    ("0.1", sp.Rational(1, 10)),  # exact, not the float 0.1
    ("1e-3", sp.Rational(1, 1000)),
    ("2.5e2", sp.Integer(250)),
    ("z", z),
    ("N", N),
    ("a + y", a + y),
    ("a - y", a - y),
    ("a * y", a * y),
    ("a / y", a / y),
    ("a ** 2", a**2),
    ("a ^ 2", a**2),
    ("a^2 + 1", a**2 + 1),  # ^ binds like **, tighter than + (Python's xor would not)
    ("2^3^2", sp.Integer(512)),  # right-associative, as ** is
    ("-a^2", -(a**2)),
    ("-a", -a),
    ("+a", a),
    ("(a - y)/N", (a - y) / N),
    ("a*(1 - a)", a * (1 - a)),
    ("exp(z)", sp.exp(z)),
    ("log(a)", sp.log(a)),
    ("ln(a)", sp.log(a)),
    ("log10(a)", sp.log(a) / sp.log(10)),
    ("sqrt(a)", sp.sqrt(a)),
    ("sigma(z)", _sig(z)),
    ("sigmoid(z)", _sig(z)),
    ("tanh(z)", sp.tanh(z)),
    ("relu(z)", sp.Piecewise((z, z > 0), (0, True))),
    ("softplus(z)", sp.log(1 + sp.exp(z))),
    ("x1 + x_2 + x[3]", x[0] + x[1] + x[2]),
    ("W[2,3]*x3", W[1, 2] * x[2]),
    ("-(y*log(a) + (1 - y)*log(1 - a))/N", -(y * sp.log(a) + (1 - y) * sp.log(1 - a)) / N),
]


@pytest.mark.parametrize("text,expected", WHITELIST, ids=[t for t, _ in WHITELIST])
def test_every_whitelisted_construct_reads_as_written(text, expected):
    got = parse_formula(text, SYMBOLS)
    assert got == expected, (text, got, expected)


def test_index_letters_pick_the_entry():
    assert parse_formula("x[k] * W[i,k]", SYMBOLS, indices={"k": 2, "i": 1}) == x[1] * W[0, 1]
    assert parse_formula("x_k", SYMBOLS, indices={"k": 3}) == x[2]


def test_free_names_without_a_symbol_table():
    assert parse_formula("a*(1 - a)") == a * (1 - a)  # real symbols, as the setting's


class _Sentinel:
    """A callable bound in builtins: any code that runs it leaves a mark."""

    def __init__(self):
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return 0


HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "__import__(os).system(touch)",
    "open('{marker}', 'w')",
    "fbnn_sentinel()",
    "fbnn_sentinel",
    "exp(fbnn_sentinel())",
    "a + fbnn_sentinel(1)",
    "x[fbnn_sentinel()]",
    "a.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "builtins.fbnn_sentinel()",
    "(lambda: fbnn_sentinel())()",
    "lambda: 0",
    "[fbnn_sentinel() for _ in x]",
    "{fbnn_sentinel() for _ in x}",
    "(fbnn_sentinel() for _ in x)",
    "{k: fbnn_sentinel() for k in x}",
    "f'{fbnn_sentinel()}'",
    "a if fbnn_sentinel() else y",
    "(q := fbnn_sentinel())",
    "fbnn_sentinel() < 1",
    "not fbnn_sentinel()",
    "fbnn_sentinel() or 1",
    "*fbnn_sentinel()",
    "exp(z, fbnn_sentinel())",
    "exp(z=fbnn_sentinel())",
    "exp(*fbnn_sentinel())",
    "a[fbnn_sentinel():1]",
    "sigma'(z)",
    "'a'",
    "b'a'",
    "True",
    "None",
    "...",
    "1j",
    "0x1F",
    "a // y",
    "a % y",
    "a @ y",
    "a | y",
    "~a",
    "a; fbnn_sentinel()",
    "a\nfbnn_sentinel()",
    "import os",
    "yield a",
    "await a",
    "sin(z)",
    "b",
    "x",
    "x[4]",
    "W[1]",
    "W[3,1]",
    "x[k]",
    "a" + "+a" * 400,
    "-" * 2000 + "a",
    "(" * 250 + "a" + ")" * 250,
    "-" * 299 + "a",
    "a" + "+a" * 120,
    "exp(" * 100 + "a" + ")" * 100,
    "9**9**9**9",
    "1e99999",
    "σ(z)",
]


@pytest.fixture
def sentinel(monkeypatch):
    """``fbnn_sentinel`` in builtins, and eval/exec/compile/sympify wired to fail if used to run text."""
    mark = _Sentinel()
    monkeypatch.setattr(builtins, "fbnn_sentinel", mark, raising=False)
    real_compile = builtins.compile

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):
        # ast.parse calls compile with PyCF_ONLY_AST: a tree, no code object. Anything else is running code.
        if not flags & ast.PyCF_ONLY_AST:
            mark.calls += 1000
            raise AssertionError(f"compile() asked for code: {source!r}")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def forbidden(*args, **kwargs):
        mark.calls += 1000
        raise AssertionError("text was handed to an evaluator")

    monkeypatch.setattr(builtins, "compile", only_ast)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sp, "sympify", forbidden)
    monkeypatch.setattr(sp, "parse_expr", forbidden, raising=False)
    monkeypatch.setattr("sympy.parsing.sympy_parser.parse_expr", forbidden)
    return mark


@pytest.mark.parametrize("template", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_input_is_refused_and_nothing_runs(template, sentinel, tmp_path):
    marker = tmp_path / "pwned"
    text = template.replace("{marker}", str(marker))
    with pytest.raises(FormulaError) as err:
        parse_formula(text, SYMBOLS)
    assert sentinel.calls == 0
    assert not marker.exists()
    message = str(err.value)
    assert "A formula may use numbers, the symbols" in message and "exp, log" in message
    assert err.value.text == text


def test_the_sentinel_would_have_seen_code_run(sentinel):
    # The control: the same sentinel does record a call when Python itself evaluates the text.
    (lambda: fbnn_sentinel())()  # noqa: F821 (bound in builtins by the fixture)
    assert sentinel.calls == 1


@pytest.mark.parametrize(
    "text,part,hint",
    [
        ("a(1-a)", "a(1-a)", "a*(1-a)"),
        ("2a", "2a", "2*a"),
        ("2.5z", "2.5z", "2.5*z"),
        ("2 a", "2 a", "2*a"),
        ("a y", "a y", "a*y"),
        ("(1-a)(1+a)", "(1-a)(1+a)", "(1-a)*(1+a)"),
        ("2(a - y)", "2(a - y)", "2*(a - y)"),
        ("a^2(1-a)", "2(1-a)", "2*(1-a)"),
        ("x1(1 - a)", "x1(1 - a)", "x1*(1 - a)"),
        ("exp(z)(1 - a)", "exp(z)(1 - a)", "exp(z)*(1 - a)"),
    ],
)
def test_implicit_multiplication_is_refused_with_the_explicit_form(text, part, hint):
    with pytest.raises(FormulaError) as err:
        parse_formula(text, SYMBOLS)
    assert f"implicit multiplication {part!r} is not allowed: write {hint!r}" in str(err.value)
    assert err.value.part == part


@pytest.mark.parametrize(
    "text,quoted",
    [
        ("a + os.system", "attribute access 'os.system'"),
        ("a + sin(z)", "unknown function 'sin'"),
        ("a + q", "unknown name 'q'"),
        ("a + x", "x is a vector of 3 entries: write one entry, x1 or x[1]"),
        ("x[4]", "'x[4]' is out of range: x has entries x1..x3"),
        ("log(a, 2)", "log takes exactly one argument"),
        ("a ^^ 2", "cannot read 'a ^^ 2'"),
        ("exp", "exp is a function: write exp(...)"),
        ("a/(y - y)", "division by zero in 'a/(y - y)'"),
        ("log(0)", "'log(0)' is undefined"),
        ("a^100", "the exponent in 'a^100' is larger than 64"),
        ("a·y", "character '·' is not allowed: a formula is one line of ASCII (write '*' instead)"),
    ],
)
def test_errors_quote_the_offending_part(text, quoted):
    with pytest.raises(FormulaError, match="A formula may use") as err:
        parse_formula(text, SYMBOLS)
    assert quoted in str(err.value)


def test_length_tokens_and_depth_are_bounded():
    with pytest.raises(FormulaError, match=f"at most {formula.MAX_LENGTH} are read"):
        parse_formula("a+" * 600 + "a", SYMBOLS)
    with pytest.raises(FormulaError, match=f"at most {formula.MAX_TOKENS} are read"):
        parse_formula("a+" * 200 + "a", SYMBOLS)
    with pytest.raises(FormulaError, match=f"nested 1.. levels deep; at most {formula.MAX_DEPTH}"):
        parse_formula("a" + "+a" * 110, SYMBOLS)
    # At the limits, it still reads.
    assert parse_formula("a" + "+a" * 90, SYMBOLS) == 91 * a


def test_too_many_tokens_never_reach_ast_parse(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("ast.parse was called")

    # Only the formula module's view of `ast` changes (pytest itself needs the real ast.parse).
    monkeypatch.setattr(formula, "ast", types.SimpleNamespace(**{**vars(ast), "parse": refuse}))
    for text in ("-" * 900 + "a", "a" + "**a" * 200, "(" * 150 + "a" + ")" * 150):
        with pytest.raises(FormulaError, match="tokens; at most"):
            parse_formula(text, SYMBOLS)


def test_deep_nesting_is_refused_even_from_a_deep_call_stack():
    # ast.parse's own recursion guard allows about 3 levels per free frame of Python's stack; the
    # token bound keeps every accepted text shallow enough even when the caller is deep.
    def at_depth(k, fn):
        return fn() if k == 0 else at_depth(k - 1, fn)

    depth_now = len(__import__("inspect").stack(0))
    room = sys.getrecursionlimit() - depth_now - 150
    deepest = "-" * (formula.MAX_TOKENS - 1) + "a"  # the deepest text the token bound lets through
    with pytest.raises(FormulaError, match="levels deep"):
        at_depth(room, lambda: parse_formula(deepest, SYMBOLS))
    assert at_depth(room, lambda: parse_formula("-" * 60 + "a", SYMBOLS)) == a
    # With almost no stack left, ast.parse itself gives up: still a FormulaError, never a crash.
    with pytest.raises(FormulaError, match="nested too deeply"):
        at_depth(room + 100, lambda: parse_formula(deepest, SYMBOLS))


def test_not_a_string():
    with pytest.raises(TypeError, match="must be a string"):
        parse_formula(sp.Symbol("a"), SYMBOLS)
