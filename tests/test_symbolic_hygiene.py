"""fbnn.symbolic never turns text into code, and its modules do not import each other in a cycle."""

import ast
import builtins
from pathlib import Path

import pytest
import sympy as sp

import fbnn.symbolic
from fbnn.symbolic._common import is_zero

PACKAGE = Path(fbnn.symbolic.__file__).parent


def _modules() -> dict[str, ast.Module]:
    return {f"fbnn.symbolic.{p.stem}": ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.glob("*.py")}


def _imports(tree: ast.Module) -> set[str]:
    """Every fbnn.symbolic module imported anywhere in the file, including inside functions."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fbnn.symbolic"):
            if node.module == "fbnn.symbolic":
                out |= {f"fbnn.symbolic.{a.name}" for a in node.names}
            else:
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("fbnn.symbolic.")}
    return out


def test_no_import_cycles_between_symbolic_modules():
    modules = _modules()
    graph = {name: _imports(tree) & set(modules) - {name} for name, tree in modules.items()}
    graph.pop("fbnn.symbolic.__init__")  # the package re-exports everything; nothing imports it back
    for deps in graph.values():
        deps.discard("fbnn.symbolic.__init__")
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for dep in sorted(graph.get(name, ())):
            if state.get(dep) == "open":
                cycle = path[path.index(dep) :] + [dep] if dep in path else [name, dep]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if dep not in state:
                visit(dep, path + [dep])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_every_sympify_call_in_the_package_is_strict():
    loose = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("sympify", "S", "parse_expr", "eval", "exec", "parse_latex"):
                    strict = any(
                        k.arg == "strict" and getattr(k.value, "value", None) is True for k in node.keywords
                    )
                    if called != "sympify" or not strict:
                        loose.append(f"{name}:{node.lineno} {called}")
    assert not loose, f"calls that could run text: {loose}"


def test_is_zero_refuses_a_string_without_running_it(monkeypatch):
    calls = []
    monkeypatch.setattr(builtins, "fbnn_sentinel", lambda: calls.append(1) or 0, raising=False)
    with pytest.raises(TypeError, match="not a string"):
        is_zero("fbnn_sentinel()")
    assert calls == []
    # The control: SymPy's non-strict sympify would have run it (which is why the package never uses it).
    sp.sympify("fbnn_sentinel()", locals={"fbnn_sentinel": builtins.fbnn_sentinel})
    assert calls == [1]
